// The objects each (EventTrigger, cluster) pair generated — ClusterProfiles anywhere, ConfigMaps/Secrets in
// the manager's namespace — indexed by their ownership labels, from the shared informers. Rebuilt at the
// start of every term; a change to a generated object wakes its pair, unless it only changed status (the
// addon-controller writes a profile's status as it deploys: 10,000 profiles would wake their pairs again
// tens of thousands of times for nothing to do).

import type { Informer, InformerEvent } from '@sveltos-ts/kube';
import type { Generated } from './context.ts';
import { ownerTuple, type PairKey, pairOfLabels } from './ownership.ts';

const idOf = (o: Generated): string => `${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;

export class OwnedIndex {
  readonly #namespace: string;
  readonly #on: { changed(pair: PairKey, written: Generated | undefined): void; deleted(o: Generated): void };
  /** Owner tuple → object ids (`kind|ns|name`) → the cached object. */
  readonly #owned = new Map<string, Map<string, Generated>>();

  constructor(
    namespace: string,
    on: { changed(pair: PairKey, written: Generated | undefined): void; deleted(o: Generated): void },
  ) {
    this.#namespace = namespace;
    this.#on = on;
  }

  /** Subscribes to the informers of generated kinds (replaying what they hold); returns the unsubscribe. */
  attach(informers: ReadonlyArray<Informer<Generated>>): () => void {
    const off = informers.map((i) => i.on((e) => this.#observe(e)));
    for (const i of informers) for (const object of i.list()) this.#observe({ type: 'add', object });
    return () => {
      for (const o of off) o();
    };
  }

  #observe(e: InformerEvent<Generated>): void {
    const o = e.object;
    if (e.type === 'update') {
      // relabelled: it no longer belongs where it was
      const before = ownerTuple(e.old.metadata.labels);
      if (before !== undefined && before !== ownerTuple(o.metadata.labels)) {
        this.#owned.get(before)?.delete(idOf(e.old));
        const pair = pairOfLabels(e.old.metadata.labels);
        if (pair !== undefined) this.#on.changed(pair, undefined);
      }
    }
    const tuple = ownerTuple(o.metadata.labels);
    if (tuple === undefined) return;
    if (o.kind !== 'ClusterProfile' && o.metadata.namespace !== this.#namespace) return;
    const objects = this.#owned.get(tuple) ?? new Map<string, Generated>();
    this.#owned.set(tuple, objects);
    if (e.type === 'delete') {
      objects.delete(idOf(o));
      if (objects.size === 0) this.#owned.delete(tuple);
      this.#on.deleted(o);
    } else {
      objects.set(idOf(o), o);
    }
    if (e.type === 'update' && !changedBeyondStatus(e.old, o)) return;
    const pair = pairOfLabels(o.metadata.labels);
    if (pair !== undefined) this.#on.changed(pair, e.type === 'delete' ? undefined : o);
  }

  /** The objects carrying the owner tuple (latest cached versions). */
  ownedBy(tuple: string): Generated[] {
    return [...(this.#owned.get(tuple)?.values() ?? [])].filter(
      (o) => ownerTuple(o.metadata.labels) === tuple,
    );
  }

  /** Clusters (`[type, namespace, name]`) for which a trigger still owns objects. */
  clustersOf(eventTrigger: string): Array<[string, string, string]> {
    const out: Array<[string, string, string]> = [];
    for (const [tuple, objects] of this.#owned) {
      if (objects.size === 0) continue;
      const [et, type, namespace, name] = JSON.parse(tuple) as string[];
      if (et === eventTrigger) out.push([type!, namespace!, name!]);
    }
    return out;
  }
}

/** More than a status write: metadata that matters, the spec (a profile's generation), or the data. */
function changedBeyondStatus(old: Generated, now: Generated): boolean {
  const meta = (o: Generated) =>
    JSON.stringify([
      o.metadata.labels,
      o.metadata.annotations,
      o.metadata.deletionTimestamp ?? null,
      o.metadata.generation ?? null,
    ]);
  if (meta(old) !== meta(now)) return true;
  if (now.kind === 'ClusterProfile') return false; // a spec change moves the generation
  const body = (o: Generated) => {
    const { data, binaryData, type } = o as Generated & {
      data?: unknown;
      binaryData?: unknown;
      type?: unknown;
    };
    return JSON.stringify([data, binaryData, type]);
  };
  return body(old) !== body(now);
}

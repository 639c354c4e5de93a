// Drift detection (syncMode ContinuousWithDriftDetection), the watch side: for every cluster and kind that
// pairs in that mode deployed, one watch from the management side over objects carrying Sveltos reference
// labels; started when a pair first needs it, stopped when no pair does. A change to one of a pair's objects
// (anything but status and server bookkeeping) or its deletion makes it a "suspect" of that pair and
// enqueues the pair, which compares it with our configuration and puts it back (features/apply.ts).

import { REFERENCE_KIND_LABEL, splitApiVersion } from '@sveltos-ts/api';
import {
  Informer,
  type InformerEvent,
  type KubeObject,
  type Logger,
  type RestClient,
  stripManagedFields,
} from '@sveltos-ts/kube';
import { contentChanged } from '../features/drift.ts';
import { type ResourceId, resourceKey } from '../plan.ts';

/** Where a pair's objects live: the managed cluster (`id` its cluster key) or the management cluster. */
export interface DriftTarget {
  id: string;
  client: RestClient;
}

interface Watched {
  client: RestClient;
  informer: Informer;
  stop: () => void;
}

export class DriftWatcher<P> {
  readonly #logger: Logger;
  readonly #enqueue: (pair: P) => void;
  readonly #keyOf: (pair: P) => string;
  /** pair → (target id → its objects). */
  readonly #interest = new Map<string, { pair: P; targets: Map<string, ResourceId[]> }>();
  /** `target|resourceKey` → the watch showing it, and the pairs watching that object. */
  readonly #byObject = new Map<string, { watch: string; pairs: Map<string, P> }>();
  /** `target|apiVersion|kind` → the watch. */
  readonly #watches = new Map<string, Watched>();
  readonly #suspects = new Map<string, Set<string>>();
  #running = false;

  constructor(options: { logger: Logger; enqueue: (pair: P) => void; keyOf: (pair: P) => string }) {
    this.#logger = options.logger;
    this.#enqueue = options.enqueue;
    this.#keyOf = options.keyOf;
  }

  start(): void {
    this.#running = true;
  }

  async stop(): Promise<void> {
    this.#running = false;
    const watches = [...this.#watches.values()];
    this.#watches.clear();
    for (const w of watches) w.stop();
    await Promise.all(watches.map((w) => w.informer.stop()));
  }

  /** The objects (resourceKeys) of `pair` seen changed since it last asked; asking clears them. */
  take(pair: P): Set<string> {
    const k = this.#keyOf(pair);
    const s = this.#suspects.get(k) ?? new Set<string>();
    this.#suspects.delete(k);
    return s;
  }

  /** What `pair` wants watched now, per target (empty: nothing, e.g. withdrawn or another syncMode). */
  watch(pair: P, objects: ReadonlyMap<DriftTarget, readonly ResourceId[]>): void {
    const k = this.#keyOf(pair);
    const before = this.#interest.get(k);
    for (const [target, ids] of before?.targets ?? []) {
      for (const id of ids) {
        const at = `${target}|${resourceKey(id)}`;
        this.#byObject.get(at)?.pairs.delete(k);
        if (this.#byObject.get(at)?.pairs.size === 0) this.#byObject.delete(at);
      }
    }
    const targets = new Map<string, ResourceId[]>();
    for (const [target, ids] of objects) {
      if (ids.length === 0) continue;
      targets.set(target.id, [...ids]);
      for (const id of ids) {
        const at = `${target.id}|${resourceKey(id)}`;
        const entry = this.#byObject.get(at) ?? {
          watch: watchKey(target.id, id),
          pairs: new Map<string, P>(),
        };
        entry.pairs.set(k, pair);
        this.#byObject.set(at, entry);
        this.#ensureWatch(target, id);
      }
    }
    if (targets.size > 0) this.#interest.set(k, { pair, targets });
    else {
      this.#interest.delete(k);
      this.#suspects.delete(k);
    }
    this.#stopUnused();
  }

  /** Watches in use (tests). */
  get watching(): string[] {
    return [...this.#watches.keys()].sort();
  }

  #ensureWatch(target: DriftTarget, id: ResourceId): void {
    if (!this.#running) return;
    const apiVersion = id.group ? `${id.group}/${id.version}` : id.version;
    const key = watchKey(target.id, id);
    const current = this.#watches.get(key);
    if (current && current.client === target.client) return;
    if (current) {
      // the cluster's credentials changed: watch again with the new client
      current.stop();
      void current.informer.stop();
    }
    const informer = new Informer(target.client, {
      apiVersion,
      kind: id.kind,
      labelSelector: REFERENCE_KIND_LABEL,
      logger: this.#logger,
      transform: stripManagedFields,
    });
    const off = informer.on((e) => this.#onEvent(target.id, e));
    const offError = informer.onError((error) =>
      this.#logger.debug('drift watch failed; retrying', { watch: key, error: error.message }),
    );
    informer.start();
    this.#watches.set(key, {
      client: target.client,
      informer,
      stop: () => {
        off();
        offError();
      },
    });
  }

  #stopUnused(): void {
    const used = new Set([...this.#byObject.values()].map((e) => e.watch));
    for (const [key, w] of this.#watches) {
      if (used.has(key)) continue;
      this.#watches.delete(key);
      w.stop();
      void w.informer.stop();
    }
  }

  #onEvent(target: string, e: InformerEvent<KubeObject>): void {
    if (e.type === 'update' && !contentChanged(e.old, e.object)) return;
    const o = e.object;
    const { group, version } = splitApiVersion(o.apiVersion);
    const id: ResourceId = {
      group,
      version,
      kind: o.kind,
      namespace: o.metadata.namespace ?? '',
      name: o.metadata.name,
      ...(target === LOCAL_TARGET ? { local: true as const } : {}),
    };
    const rk = resourceKey(id);
    for (const [k, pair] of this.#byObject.get(`${target}|${rk}`)?.pairs ?? []) {
      const s = this.#suspects.get(k) ?? new Set<string>();
      s.add(rk);
      this.#suspects.set(k, s);
      this.#enqueue(pair);
    }
  }
}

const watchKey = (target: string, id: ResourceId): string =>
  `${target}|${id.group ? `${id.group}/${id.version}` : id.version}|${id.kind}`;

/** The target id of the management cluster (deploymentType Local objects). */
export const LOCAL_TARGET = 'management-cluster';

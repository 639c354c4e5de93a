// spec.maxUpdate: at most N (or N% of the matching) clusters are updating to a profile's current spec at
// once. A cluster is "updating" from the moment its pair starts deploying the current spec until every
// feature is Provisioned there; pairs of other clusters wait with what they have (their ClusterSummary keeps
// the spec they deployed) and are woken when a slot frees. The slots live in the leadership term and are
// seeded, when a spec is first seen, from the summaries already carrying it but not yet provisioned, so a
// new leader continues a rollout instead of restarting it.

import { createHash } from 'node:crypto';
import { type ClusterProfileSpec, canonicalJson } from '@sveltos-ts/api';

/** base64 sha256 of the canonical spec (the ClusterProfile status `hash`). */
export const specHash = (spec: ClusterProfileSpec): string =>
  createHash('sha256').update(canonicalJson(spec)).digest('base64');

/** How many clusters may update at once (undefined: no limit). At least one, percentages rounded up. */
export function maxUpdateLimit(maxUpdate: number | string | undefined, matching: number): number | undefined {
  if (maxUpdate === undefined || maxUpdate === '') return undefined;
  let n: number;
  if (typeof maxUpdate === 'number') n = maxUpdate;
  else if (maxUpdate.endsWith('%')) n = Math.ceil((Number.parseInt(maxUpdate, 10) * matching) / 100);
  else n = Number.parseInt(maxUpdate, 10);
  return Number.isFinite(n) ? Math.max(1, n) : undefined;
}

export class Rollouts {
  readonly #state = new Map<string, { hash: string; updating: Set<string> }>();

  #entry(profile: string, hash: string, seed: () => Iterable<string>) {
    let e = this.#state.get(profile);
    if (e === undefined || e.hash !== hash) {
      e = { hash, updating: new Set(seed()) };
      this.#state.set(profile, e);
    }
    return e;
  }

  /**
   * Whether `cluster` may deploy `hash` now: it already holds a slot (`held`), or one is free and it takes
   * it (`taken`); otherwise `waiting`. `already`: the cluster carries the spec already (it is updating
   * whatever the limit).
   */
  admit(
    profile: string,
    hash: string,
    cluster: string,
    limit: number,
    options: { already: boolean; seed: () => Iterable<string> },
  ): 'held' | 'taken' | 'waiting' {
    const e = this.#entry(profile, hash, options.seed);
    if (e.updating.has(cluster)) return 'held';
    if (!options.already && e.updating.size >= limit) return 'waiting';
    e.updating.add(cluster);
    return 'taken';
  }

  /** The cluster finished updating (everything Provisioned): its slot is free. True when one was freed. */
  done(profile: string, hash: string, cluster: string): boolean {
    const e = this.#state.get(profile);
    return e !== undefined && e.hash === hash && e.updating.delete(cluster);
  }

  /** The pair is withdrawn: whatever slot it held is free. */
  release(profile: string, cluster: string): boolean {
    return this.#state.get(profile)?.updating.delete(cluster) ?? false;
  }

  /** Clusters updating to `hash` now. */
  updating(profile: string, hash: string): string[] {
    const e = this.#state.get(profile);
    return e && e.hash === hash ? [...e.updating].sort() : [];
  }

  forget(profile: string): void {
    this.#state.delete(profile);
  }
}

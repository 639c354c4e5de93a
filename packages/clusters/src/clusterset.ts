// ClusterSet selection: the clusters a set can hold (its selector ∪ its clusterRefs, ready ones only) and
// the up-to-maxReplicas of them it selects. Selection is sticky — a selected cluster stays selected while it
// is ready and matching — so profiles that reference the set do not move without reason; when a selected
// cluster goes away (not ready, deregistered, relabelled), another one of the pool takes its place
// (active/passive failover with maxReplicas: 1).

import { type ClusterSet, LIB_API_VERSION, type ObjectReference } from '@sveltos-ts/api';
import type { Logger, RestClient } from '@sveltos-ts/kube';
import type { ClusterRegistry, RegisteredCluster } from './registry.ts';
import { selectorMatches } from './selector.ts';

export interface SetSelection {
  matching: ObjectReference[];
  selected: ObjectReference[];
}

const keyOf = (r: ObjectReference): string => `${r.kind}|${r.namespace}|${r.name}`;

/** Pure: the set's pool and selection, given the registered clusters and what it selected before. A missing
 * maxReplicas selects nothing, as upstream. Throws INVALID_SELECTOR for a selector that cannot be read. */
export function selectClusters(
  set: Pick<ClusterSet, 'spec' | 'status'>,
  clusters: readonly RegisteredCluster[],
): SetSelection {
  const spec = set.spec ?? {};
  const refs = new Set((spec.clusterRefs ?? []).map(keyOf));
  const pool = clusters
    .filter(
      (c) =>
        c.ready &&
        !c.paused &&
        ((spec.clusterSelector !== undefined && selectorMatches(spec.clusterSelector, c.labels)) ||
          refs.has(keyOf(c.ref))),
    )
    .map((c) => c.ref)
    .sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  const inPool = new Set(pool.map(keyOf));
  const max = Math.max(0, spec.maxReplicas ?? 0);
  const selected: ObjectReference[] = [];
  for (const r of set.status?.selectedClusterRefs ?? []) {
    if (selected.length < max && inPool.has(keyOf(r)) && !selected.some((s) => keyOf(s) === keyOf(r)))
      selected.push(pool.find((p) => keyOf(p) === keyOf(r))!);
  }
  for (const r of pool) {
    if (selected.length >= max) break;
    if (!selected.some((s) => keyOf(s) === keyOf(r))) selected.push(r);
  }
  return { matching: pool, selected };
}

/**
 * Keeps `status.matchingClusterRefs` and `status.selectedClusterRefs` of a ClusterSet current (a reconciler
 * by shape: the Manager runs it as the "clusterset" controller of the component that owns cluster status).
 */
export class ClusterSetSelector {
  readonly #registry: ClusterRegistry;
  readonly #client: RestClient;
  readonly #fieldManager: string;
  readonly #logger: Logger;

  constructor(registry: ClusterRegistry, client: RestClient, fieldManager: string, logger: Logger) {
    this.#registry = registry;
    this.#client = client;
    this.#fieldManager = fieldManager;
    this.#logger = logger;
  }

  async reconcile(name: string): Promise<undefined> {
    const set = this.#registry.clusterSet(name);
    if (!set || set.metadata.deletionTimestamp) return undefined;
    let selection: SetSelection;
    try {
      selection = selectClusters(set, this.#registry.list());
    } catch (error) {
      // a selector that cannot be read changes nothing selected
      this.#logger.warn('ClusterSet selector cannot be evaluated', {
        clusterSet: name,
        error: (error as Error).message,
      });
      return undefined;
    }
    const status = { matchingClusterRefs: selection.matching, selectedClusterRefs: selection.selected };
    const current = {
      matchingClusterRefs: set.status?.matchingClusterRefs ?? [],
      selectedClusterRefs: set.status?.selectedClusterRefs ?? [],
    };
    if (JSON.stringify(current) === JSON.stringify(status)) return undefined;
    await this.#client.patchStatus(
      { apiVersion: LIB_API_VERSION, kind: 'ClusterSet', name },
      status,
      this.#fieldManager,
    );
    this.#logger.info('ClusterSet selection', {
      clusterSet: name,
      selected: selection.selected.map((r) => `${r.namespace}/${r.name}`),
    });
    return undefined;
  }
}

// Which clusters a ClusterProfile selects: clusterRefs ∪ clusterSelector ∪ setRefs, ready clusters only. Pure.

import type { ClusterProfileSpec, ClusterType, ObjectReference } from '@sveltos-ts/api';
import { selectorMatches } from '@sveltos-ts/clusters';

export interface CandidateCluster {
  type: ClusterType;
  namespace: string;
  name: string;
  labels: Record<string, string>;
  ready: boolean;
}

function refNames(ref: ObjectReference, c: CandidateCluster): boolean {
  const kind = c.type === 'Capi' ? 'Cluster' : 'SveltosCluster';
  return ref.kind === kind && ref.namespace === c.namespace && ref.name === c.name;
}

/** True when the profile selects the cluster. `clusterSetRefs` are the `selectedClusterRefs` of the
 * profile's setRefs. An invalid selector throws (ClusterError INVALID_SELECTOR). */
export function profileSelects(
  spec: ClusterProfileSpec,
  cluster: CandidateCluster,
  clusterSetRefs: readonly ObjectReference[] = [],
): boolean {
  if (!cluster.ready) return false;
  if ((spec.clusterRefs ?? []).some((r) => refNames(r, cluster))) return true;
  if (clusterSetRefs.some((r) => refNames(r, cluster))) return true;
  return selectorMatches(spec.clusterSelector, cluster.labels);
}

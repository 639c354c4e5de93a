// When a registered cluster counts as ready (only ready clusters are selected).

import type { CapiCluster, SveltosCluster } from '@sveltos-ts/api';

/** Cluster API: the ControlPlaneInitialized condition is True, else status.initialization says so (§1.6). */
export function capiClusterReady(cluster: CapiCluster): boolean {
  const condition = cluster.status?.conditions?.find((c) => c.type === 'ControlPlaneInitialized');
  if (condition !== undefined) return condition.status === 'True';
  return cluster.status?.initialization?.controlPlaneInitialized === true;
}

/** SveltosCluster: `status.ready`, which the registry's probe writes. */
export function sveltosClusterReady(cluster: SveltosCluster): boolean {
  return cluster.status?.ready === true;
}

// @sveltos-ts/clusters: the registered clusters (SveltosCluster, Cluster API Cluster), their readiness,
// label matching, ClusterSet selections and a cached client per cluster. Shared by the event-manager, the
// agent (management-cluster hosting) and the addon-controller.

export { ClusterSetSelector, type SetSelection, selectClusters } from './clusterset.ts';
export { ClusterError, type ClusterErrorCode } from './errors.ts';
export { type KubeconfigSecretRef, kubeconfigFromSecret, kubeconfigSecretRef } from './kubeconfig.ts';
export {
  capiClusterReady,
  DEFAULT_CONSECUTIVE_FAILURE_THRESHOLD,
  type ProbedStatus,
  type ProbeResult,
  probedStatus,
  sveltosClusterReady,
} from './readiness.ts';
export {
  type ClusterKey,
  ClusterRegistry,
  type ClusterRegistryOptions,
  clusterKeyString,
  parseClusterKey,
  type RegisteredCluster,
  type RegistryEvent,
} from './registry.ts';
export { checkSelector, isEmptySelector, selectorMatches } from './selector.ts';

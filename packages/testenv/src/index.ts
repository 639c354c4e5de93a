export { type ControlPlaneBinaries, ensureBinaries, pinnedVersions } from './binaries.ts';
export { TestEnvError, type TestEnvErrorCode } from './errors.ts';
export { kubeconfigYaml, loadKubeConfig } from './kubeconfig.ts';
export { Cluster, type ClusterOptions, TestEnv, type TestEnvOptions } from './testenv.ts';
export { installCrds } from './crds.ts';
export { mintServiceAccountKubeconfig, type ServiceAccountCredentials, type ServiceAccountGrant } from './service-account.ts';
export { sharedTestEnv, standardClusters, stateEnvVar } from './shared.ts';

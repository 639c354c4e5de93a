export { type ControlPlaneBinaries, ensureBinaries, pinnedVersions } from './binaries.ts';
export { installCrds } from './crds.ts';
export { TestEnvError, type TestEnvErrorCode } from './errors.ts';
export { eventually } from './eventually.ts';
export { kubeconfigYaml, loadKubeConfig } from './kubeconfig.ts';
export {
  corrected003,
  SEEDS_DIR,
  type SeedObject,
  seed002EventReport,
  seedDocuments,
  seedText,
  yamlBlocks,
} from './seeds.ts';
export {
  mintServiceAccountKubeconfig,
  type ServiceAccountCredentials,
  type ServiceAccountGrant,
} from './service-account.ts';
export { sharedTestEnv, standardClusters, stateEnvVar } from './shared.ts';
export { Cluster, type ClusterOptions, TestEnv, type TestEnvOptions } from './testenv.ts';

export { type ControlPlaneBinaries, ensureBinaries, pinnedVersions } from './binaries.ts';
export {
  CHART_READER,
  type ChartServers,
  startChartServers,
  TEST_CHARTS,
  TEST_CHARTS_DIR,
} from './charts.ts';
export { installCrds } from './crds.ts';
export { TestEnvError, type TestEnvErrorCode } from './errors.ts';
export { eventually } from './eventually.ts';
export {
  asStored,
  EXAMPLES_DIR,
  ExampleError,
  type ExampleMetadata,
  type ExampleObject,
  exampleDocuments,
  exampleFiles,
  exampleNames,
  exampleObject,
  parseManifests,
  testdataDocuments,
  testdataText,
} from './examples.ts';
export { kubeconfigYaml, loadKubeConfig } from './kubeconfig.ts';
export {
  cleanupNodes,
  ensureNodeHost,
  Node,
  type NodeState,
  pauseBinary,
  pauseImage,
} from './node.ts';
export { type ImageSpec, writeImageArchive } from './oci.ts';
export { kubernetesServiceIp, mintServingCert, podHostAddress, type ServingCert } from './pki.ts';
export { freePort } from './ports.ts';
export {
  mintServiceAccountKubeconfig,
  type ServiceAccountCredentials,
  type ServiceAccountGrant,
} from './service-account.ts';
export { sharedTestEnv, standardClusters, stateEnvVar } from './shared.ts';
export { Cluster, type ClusterOptions, TestEnv, type TestEnvOptions } from './testenv.ts';

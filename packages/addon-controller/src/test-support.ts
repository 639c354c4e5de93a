// Helpers shared by the addon-controller e2e tests: registering clusters, a controller scoped to one test's
// profiles, waiting for convergence, and reading ClusterSummaries.

import { type ClusterSummary, CONFIG_API_VERSION, crds } from '@sveltos-ts/api';
import { jsonLogger, KubeError, type KubeObject, RestClient } from '@sveltos-ts/kube';
import { eventually, sharedTestEnv, type TestEnv } from '@sveltos-ts/testenv';
import {
  type RunningAddonController,
  type StartAddonControllerOptions,
  startAddonController,
} from './addon-controller.ts';

export { eventually };

export const testBed = (): Promise<TestEnv> => sharedTestEnv({ crds });

export const uniqueName = (prefix: string): string =>
  `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

export const client = async (cluster: string): Promise<RestClient> =>
  new RestClient((await testBed()).cluster(cluster).kubeConfig());

export async function createOrKeep(c: RestClient, object: KubeObject): Promise<void> {
  try {
    await c.create(object);
  } catch (error) {
    if (!(error instanceof KubeError && error.code === 'ALREADY_EXISTS')) throw error;
  }
}

export const namespace = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name },
});

/** A SveltosCluster `name` in `ns` of the management cluster, reaching bed cluster `target` as admin. */
export async function registerCluster(
  admin: RestClient,
  o: { namespace: string; name: string; target: string; labels?: Record<string, string> },
): Promise<void> {
  const env = await testBed();
  await createOrKeep(admin, namespace(o.namespace));
  await createOrKeep(admin, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `${o.name}-sveltos-kubeconfig`, namespace: o.namespace },
    data: { kubeconfig: Buffer.from(env.cluster(o.target).kubeconfigYaml).toString('base64') },
  });
  await admin.create({
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'SveltosCluster',
    metadata: { name: o.name, namespace: o.namespace, labels: o.labels ?? {} },
    spec: {},
  });
}

/** A controller handling only profiles labelled `sveltos-test: <scope>`. */
export async function scopedController(
  scope: string,
  extra: Partial<StartAddonControllerOptions> = {},
): Promise<RunningAddonController> {
  return startAddonController({
    managementKubeConfig: (await testBed()).cluster('mgmt').kubeConfig(),
    scope: { 'sveltos-test': scope },
    // ADDON_TEST_LOG=debug shows the controller's log on stderr
    ...(process.env.ADDON_TEST_LOG
      ? { logger: jsonLogger({ level: process.env.ADDON_TEST_LOG as 'debug' }) }
      : {}),
    probeIntervalMs: 2_000,
    conflictRetryMs: 1_000,
    ...extra,
  });
}

export type Summary = ClusterSummary & KubeObject;

export function summary(admin: RestClient, ns: string, name: string): Promise<Summary | undefined> {
  return admin.getOrUndefined<Summary>({
    apiVersion: CONFIG_API_VERSION,
    kind: 'ClusterSummary',
    namespace: ns,
    name,
  });
}

export const resourcesStatus = (s: Summary | undefined) =>
  s?.status?.featureSummaries?.find((f) => f.featureID === 'Resources');

export const deployed = (s: Summary | undefined): string[] =>
  (s?.status?.deployedFeatures?.find((f) => f.featureID === 'Resources')?.resources ?? []).map(
    (r) => `${r.kind}/${r.namespace ?? ''}/${r.name}`,
  );

export function clusterProfile(
  name: string,
  scope: string,
  spec: Record<string, unknown>,
  labels: Record<string, string> = {},
): KubeObject {
  return {
    apiVersion: CONFIG_API_VERSION,
    kind: 'ClusterProfile',
    metadata: { name, labels: { ...labels, 'sveltos-test': scope } },
    spec,
  };
}

export const profileRef = (name: string) => ({
  apiVersion: CONFIG_API_VERSION,
  kind: 'ClusterProfile',
  name,
});

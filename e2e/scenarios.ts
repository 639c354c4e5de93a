// The project's examples (examples/<name>/) run through the whole product: agents (hosted in the management
// process) → EventReports → event-manager → ClusterProfiles → addon-controller → resources in the clusters.
// One definition drives both the end-to-end test and the demo. Each example's files are applied as its
// README tells a user to: the management-cluster files to mgmt, the triggering objects to a source cluster.
import { setTimeout as sleep } from 'node:timers/promises';
import { type AddonControllerOptions, addAddonController } from '@sveltos-ts/addon-controller';
import { type ClusterSummary, CONFIG_API_VERSION, crds, SveltosClusterKind } from '@sveltos-ts/api';
import { LuaSandbox } from '@sveltos-ts/evaluation';
import { addEventManager } from '@sveltos-ts/event-manager';
import { type KubeObject, type Logger, RestClient, silentLogger } from '@sveltos-ts/kube';
import { Manager } from '@sveltos-ts/runtime';
import { AgentFleet, evaluationCompiler } from '@sveltos-ts/sveltos-agent';
import { type AddonRow, addonRows } from '@sveltos-ts/sveltosctl';
import { exampleDocuments, type TestEnv, testdataDocuments } from '@sveltos-ts/testenv';

/** Managed clusters and their labels, as the examples select them: cluster-a is env=production (the source of
 * generated-settings, credentials-replication and cross-cluster-service), cluster-b env=fv
 * (network-policy-per-service, ingress-for-https-services) and dep=eng (the destination of
 * cross-cluster-service). The management cluster is registered as mgmt/mgmt (cluster-inventory-kubeconfigs). */
export const fleetClusters = {
  'cluster-a': { env: 'production' },
  'cluster-b': { env: 'fv', dep: 'eng' },
} as const;

export interface Fleet {
  env: TestEnv;
  client(cluster: string): RestClient;
  stop(): Promise<void>;
}

export interface ExpectedResource {
  cluster: string;
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface Scenario {
  /** The folder under examples/. */
  example: string;
  title: string;
  /** Applies the example's objects to the management cluster and its triggering objects to a source cluster. */
  apply(fleet: Fleet): Promise<void>;
  /** What must appear as a result. */
  expected: ExpectedResource[];
  /** Removes the triggering resource; `expected` must then disappear. */
  withdraw?(fleet: Fleet): Promise<void>;
}

/** The objects of some files of an example (or of its testdata), as written. */
const example = (name: string, ...files: string[]): KubeObject[] =>
  files.flatMap((file) => exampleDocuments(name, file)) as unknown as KubeObject[];
const testdata = (name: string, file: string): KubeObject[] =>
  testdataDocuments(name, file) as unknown as KubeObject[];

/** The files every example applies to the management cluster, after its own ones. */
const sveltosFiles = ['eventsource.yaml', 'eventtrigger.yaml'];

async function applyAll(client: RestClient, objects: KubeObject[]): Promise<void> {
  for (const object of objects) await client.apply(object, { fieldManager: 'example-scenario' });
}

const namespace = (name: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels },
});

export const scenarios: Scenario[] = [
  {
    example: 'generated-settings',
    title: 'settings generated from each labelled Deployment (ConfigMapGenerator, SecretGenerator)',
    async apply(fleet) {
      await applyAll(fleet.client('mgmt'), example('generated-settings', 'templates.yaml', ...sveltosFiles));
      await applyAll(fleet.client('cluster-a'), example('generated-settings', 'workload.yaml'));
    },
    expected: [
      { kind: 'ConfigMap', name: 'checkout-settings' },
      { kind: 'Secret', name: 'checkout-database' },
    ].map(({ kind, name }) => ({ cluster: 'cluster-a', apiVersion: 'v1', kind, namespace: 'shop', name })),
  },
  {
    example: 'credentials-replication',
    title:
      'db-credentials copied into every namespace labelled credentials=required (generator, templateResourceRefs)',
    async apply(fleet) {
      await applyAll(
        fleet.client('mgmt'),
        example('credentials-replication', 'secret.yaml', 'configmaps.yaml', ...sveltosFiles),
      );
      await applyAll(fleet.client('cluster-a'), example('credentials-replication', 'trigger.yaml'));
    },
    expected: ['billing', 'payroll'].map((ns) => ({
      cluster: 'cluster-a',
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: ns,
      name: 'db-credentials',
    })),
  },
  {
    example: 'network-policy-per-service',
    title: 'a NetworkPolicy for every Service labelled network-policy=front (one ClusterProfile per event)',
    async apply(fleet) {
      await applyAll(
        fleet.client('mgmt'),
        example('network-policy-per-service', 'configmaps.yaml', ...sveltosFiles),
      );
      await applyAll(fleet.client('cluster-b'), example('network-policy-per-service', 'trigger.yaml'));
    },
    expected: [
      {
        cluster: 'cluster-b',
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        namespace: 'default',
        name: 'allow-internal-to-orders',
      },
    ],
    async withdraw(fleet) {
      await fleet
        .client('cluster-b')
        .delete({ apiVersion: 'v1', kind: 'Service', namespace: 'default', name: 'orders' });
    },
  },
  {
    example: 'ingress-for-https-services',
    title: 'one Ingress for all HTTPS Services of a cluster (Lua evaluate, oneForEvent: false)',
    async apply(fleet) {
      await applyAll(
        fleet.client('mgmt'),
        example('ingress-for-https-services', 'configmaps.yaml', ...sveltosFiles),
      );
      await applyAll(fleet.client('cluster-b'), example('ingress-for-https-services', 'trigger.yaml'));
    },
    expected: [
      {
        cluster: 'cluster-b',
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        namespace: 'web',
        name: 'https-entry',
      },
    ],
  },
  {
    example: 'cross-cluster-service',
    title:
      'a LoadBalancer Service of a production cluster reachable in every dep=eng cluster (destination selector)',
    async apply(fleet) {
      await applyAll(
        fleet.client('mgmt'),
        example('cross-cluster-service', 'configmaps.yaml', ...sveltosFiles),
      );
      const source = fleet.client('cluster-a');
      await applyAll(source, example('cross-cluster-service', 'workload.yaml'));
      // no cloud provider here: publish the load balancer address the way a cloud controller would
      await source.apply(
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'inventory', namespace: 'default' },
          status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } },
        },
        { fieldManager: 'cloud-controller', subresource: 'status' },
      );
    },
    expected: ['Service', 'Endpoints'].map((kind) => ({
      cluster: 'cluster-b',
      apiVersion: 'v1',
      kind,
      namespace: 'remote-services',
      name: 'inventory-remote',
    })),
  },
  {
    example: 'cluster-inventory-kubeconfigs',
    title:
      'kubeconfig Secrets in consumer namespaces (KEP-4322; management cluster as source, aggregatedSelection)',
    async apply(fleet) {
      await applyAll(fleet.client('mgmt'), [
        // what Cluster API would have created: a Cluster, its kubeconfig Secret, a ClusterSet namespace
        ...testdata('cluster-inventory-kubeconfigs', 'capi-cluster.yaml'),
        ...example('cluster-inventory-kubeconfigs', 'consumers.yaml', 'configmaps.yaml', ...sveltosFiles),
      ]);
    },
    // Cluster edge-1 has no clusterprofile-namespace label; its ClusterSet `edge` is the namespace edge-fleet
    expected: ['analytics', 'release-tools'].map((ns) => ({
      cluster: 'mgmt',
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: ns,
      name: 'edge-fleet-edge-1-kubeconfig',
    })),
  },
];

/** Registers a cluster as users do: a kubeconfig Secret and a labelled SveltosCluster. */
async function register(
  env: TestEnv,
  mgmt: RestClient,
  cluster: string,
  ns: string,
  name: string,
  labels: Record<string, string>,
) {
  await mgmt.apply(namespace(ns), { fieldManager: 'register' });
  await mgmt.apply(
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `${name}-sveltos-kubeconfig`, namespace: ns },
      stringData: { kubeconfig: env.cluster(cluster).kubeconfigYaml },
    },
    { fieldManager: 'register' },
  );
  await mgmt.apply(
    {
      apiVersion: SveltosClusterKind.apiVersion,
      kind: SveltosClusterKind.kind,
      metadata: { name, namespace: ns, labels },
      spec: {},
    },
    { fieldManager: 'register' },
  );
}

/**
 * Installs the CRDs, registers the clusters and starts the three components in this process: the
 * event-manager, the addon-controller and the agents (one per registered cluster, hosted in this process as
 * docs/architecture.md describes).
 */
export async function startFleet(
  env: TestEnv,
  logger: Logger = silentLogger,
  addon: AddonControllerOptions = {},
): Promise<Fleet> {
  await Promise.all(env.clusters().map((cluster) => cluster.installCrds(crds)));
  const clients = new Map(env.clusters().map((c) => [c.name, new RestClient(c.kubeConfig())]));
  const client = (name: string): RestClient => {
    const found = clients.get(name);
    if (!found) throw new Error(`no cluster ${name}`);
    return found;
  };
  const mgmt = client('mgmt');
  await mgmt.apply(namespace('projectsveltos'), { fieldManager: 'register' });
  for (const [name, labels] of Object.entries(fleetClusters))
    await register(env, mgmt, name, 'default', name, labels);
  await register(env, mgmt, 'mgmt', 'mgmt', 'mgmt', { 'cluster-api': 'enabled' });

  // both controllers in one process, as the controller-runtime way allows: one Manager, one cache, one
  // registry (every ConfigMap, Secret, ClusterProfile and cluster is watched once for both)
  const manager = new Manager({ name: 'controllers', kubeConfig: env.cluster('mgmt').kubeConfig(), logger });
  addEventManager(manager, { probeIntervalMs: 2_000 });
  addAddonController(manager, { manageClusterStatus: false, ...addon });
  await manager.start();
  const fleet = new AgentFleet({
    registry: manager.clusters(),
    managementClient: mgmt,
    compile: evaluationCompiler(new LuaSandbox()),
    logger: logger.child({ component: 'sveltos-agent' }),
  });
  fleet.start();
  return {
    env,
    client,
    async stop() {
      await fleet.stop();
      await manager.stop();
    },
  };
}

/** Waits until every expected resource exists (or, with `gone`, none does). */
export async function converge(
  fleet: Fleet,
  expected: ExpectedResource[],
  options: { gone?: boolean; timeoutMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  for (;;) {
    // present, absent (the API server answered 404), or unknown: a failed GET proves nothing either way
    const state = await Promise.all(
      expected.map(async (r): Promise<boolean | Error> => {
        try {
          return (await fleet.client(r.cluster).getOrUndefined(r)) !== undefined;
        } catch (error) {
          return error as Error;
        }
      }),
    );
    if (state.every((p) => p === !options.gone)) return;
    if (Date.now() > deadline) {
      const what = expected
        .map((r, i) => ({ r, p: state[i]! }))
        .filter(({ p }) => p !== !options.gone)
        .map(
          ({ r, p }) =>
            `${r.cluster} ${r.kind} ${r.namespace}/${r.name}${p instanceof Error ? ` (unknown: ${p.message})` : ''}`,
        )
        .join(', ');
      throw new Error(
        `${options.gone ? 'still present' : 'missing'} after ${(options.timeoutMs ?? 90_000) / 1000} s: ${what}`,
      );
    }
    await sleep(200);
  }
}

/** What the addon-controller recorded as deployed: the rows of `sveltosctl show addons`. */
export async function deployedAddons(fleet: Fleet): Promise<AddonRow[]> {
  const summaries = await fleet
    .client('mgmt')
    .list<ClusterSummary & KubeObject>(CONFIG_API_VERSION, 'ClusterSummary');
  return addonRows(summaries.items);
}

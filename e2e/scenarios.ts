// The five seed scenarios run through the whole product: agents (hosted in the management process) →
// EventReports → event-manager → ClusterProfiles → addon-controller → resources in the clusters. One
// definition drives both the end-to-end test and the demo. The seeds' YAML is used as written where it is
// valid v1beta1; seed 002 (v1alpha1) is translated and seed 003 corrected as SPEC §10 decides.
import { setTimeout as sleep } from 'node:timers/promises';
import { type AddonRow, addonRows, startAddonController } from '@sveltos-ts/addon-controller';
import {
  type ClusterSummary,
  CONFIG_API_VERSION,
  crds,
  INSTANTIATE_ANNOTATION,
  LIB_API_VERSION,
  SveltosClusterKind,
} from '@sveltos-ts/api';
import { LuaRuntime } from '@sveltos-ts/evaluation';
import { startEventManager } from '@sveltos-ts/event-manager';
import { type KubeObject, type Logger, RestClient, silentLogger } from '@sveltos-ts/kube';
import { AgentFleet, evaluationCompiler } from '@sveltos-ts/sveltos-agent';
import {
  corrected003,
  type SeedObject,
  seedDocuments,
  seedText,
  type TestEnv,
  yamlBlocks,
} from '@sveltos-ts/testenv';

/** Managed clusters and their labels: cluster-a is "production" (001, 003 source), cluster-b "fv" (002) and
 * "dep=eng" (003 destination). The management cluster is registered as mgmt/mgmt (004). */
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
  seed: string;
  title: string;
  /** Creates the seed's Sveltos objects in the management cluster and the triggering resources. */
  apply(fleet: Fleet): Promise<void>;
  /** What must appear as a result. */
  expected: ExpectedResource[];
  /** Removes the triggering resource; `expected` must then disappear. */
  withdraw?(fleet: Fleet): Promise<void>;
}

const docs = (seed: string, fix: (block: string) => string = (b) => b): SeedObject[] =>
  seedDocuments(yamlBlocks(seedText(seed)).map(fix));

function pick(list: SeedObject[], kind: string, name: string): KubeObject {
  const found = list.find((d) => d.kind === kind && d.metadata?.name === name);
  if (!found) throw new Error(`seed has no ${kind} ${name}`);
  return structuredClone(found) as unknown as KubeObject;
}

async function applyAll(client: RestClient, objects: KubeObject[]): Promise<void> {
  for (const object of objects) await client.apply(object, { fieldManager: 'seed-scenario' });
}

const namespace = (name: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels },
});

/** v1alpha1 → v1beta1 for seed 002: flat EventSource spec → resourceSelectors, EventBasedAddOn → EventTrigger
 * with its string clusterSelector as sourceClusterSelector, and the always-instantiate meaning made explicit. */
function translate002(): KubeObject[] {
  const seed = docs('002');
  const source = pick(seed, 'EventSource', 'sveltos-service') as KubeObject & {
    spec: Record<string, unknown>;
  };
  const { group, version, kind, labelsFilters, collectResources } = source.spec;
  const addOn = pick(seed, 'EventBasedAddOn', 'service-network-policy') as KubeObject & {
    spec: Record<string, unknown>;
  };
  const { clusterSelector, ...triggerSpec } = addOn.spec;
  const [key, value] = String(clusterSelector).split('=');
  const policy = pick(seed, 'ConfigMap', 'network-policy');
  policy.metadata.annotations = { [INSTANTIATE_ANNOTATION]: 'ok' };
  return [
    {
      apiVersion: LIB_API_VERSION,
      kind: 'EventSource',
      metadata: { name: source.metadata.name },
      spec: { collectResources, resourceSelectors: [{ group, version, kind, labelFilters: labelsFilters }] },
    },
    {
      apiVersion: LIB_API_VERSION,
      kind: 'EventTrigger',
      metadata: { name: addOn.metadata.name },
      spec: { ...triggerSpec, sourceClusterSelector: { matchLabels: { [key!]: value } } },
    },
    policy,
  ];
}

export const scenarios: Scenario[] = [
  {
    seed: '001',
    title:
      'replicate login-credentials into every namespace labelled secret=required (generators, templateResourceRefs)',
    async apply(fleet) {
      const seed = docs('001');
      await applyAll(fleet.client('mgmt'), [
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'login-credentials', namespace: 'default' },
          data: {
            user: Buffer.from('admin').toString('base64'),
            password: Buffer.from('s3cr3t').toString('base64'),
          },
        },
        pick(seed, 'ConfigMap', 'namespaces'),
        pick(seed, 'ConfigMap', 'info'),
        pick(seed, 'EventSource', 'requiring-credentials'),
        pick(seed, 'EventTrigger', 'distribute-credentials'),
      ]);
      await applyAll(fleet.client('cluster-a'), [
        namespace('eng', { secret: 'required' }),
        namespace('hr', { secret: 'required' }),
      ]);
    },
    expected: ['eng', 'hr'].map((ns) => ({
      cluster: 'cluster-a',
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: ns,
      name: 'login-credentials',
    })),
  },
  {
    seed: '002',
    title: 'a NetworkPolicy for every Service labelled sveltos=fv (one ClusterProfile per event)',
    async apply(fleet) {
      await applyAll(fleet.client('mgmt'), translate002());
      const service = pick(docs('002'), 'Service', 'my-service');
      service.metadata.namespace = 'default';
      await applyAll(fleet.client('cluster-b'), [service]);
    },
    expected: [
      {
        cluster: 'cluster-b',
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        namespace: 'default',
        name: 'front-my-service',
      },
    ],
    async withdraw(fleet) {
      await fleet
        .client('cluster-b')
        .delete({ apiVersion: 'v1', kind: 'Service', namespace: 'default', name: 'my-service' });
    },
  },
  {
    seed: '003',
    title:
      'a LoadBalancer Service in a production cluster exposed in every dep=eng cluster (destination selector)',
    async apply(fleet) {
      // SPEC §10: the EventSource/EventTrigger blocks as printed are not valid YAML; the rest is used as is
      const seed = docs('003', (block) =>
        /kind: Event(Source|Trigger)/.test(block) ? corrected003(block) : block,
      );
      await applyAll(fleet.client('mgmt'), [
        pick(seed, 'EventSource', 'load-balancer-service'),
        pick(seed, 'EventTrigger', 'service-policy'),
        pick(seed, 'ConfigMap', 'service-policy'),
      ]);
      const source = fleet.client('cluster-a');
      const service = pick(seed, 'Service', 'my-lb-service');
      service.metadata.namespace = 'default';
      await applyAll(source, [service]);
      // no cloud provider here: publish the load balancer address the way a cloud controller would
      await source.apply(
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'my-lb-service', namespace: 'default' },
          status: { loadBalancer: { ingress: [{ ip: '34.172.32.172' }] } },
        },
        { fieldManager: 'cloud-controller', subresource: 'status' },
      );
    },
    expected: ['Service', 'Endpoints'].map((kind) => ({
      cluster: 'cluster-b',
      apiVersion: 'v1',
      kind,
      namespace: 'external',
      name: 'external-my-lb-service',
    })),
  },
  {
    seed: '004',
    title:
      'KEP-4322 kubeconfig Secrets in consumer namespaces (management cluster as source, aggregatedSelection)',
    async apply(fleet) {
      const seed = docs('004');
      const mgmt = fleet.client('mgmt');
      const name = 'cluster-inventory-consumer-credentials-from-capi';
      await applyAll(mgmt, [
        namespace('team-a', { 'x-k8s.io/cluster-inventory-consumer': 'true' }),
        namespace('team-b', { 'x-k8s.io/cluster-inventory-consumer': 'true' }),
        {
          apiVersion: 'cluster.x-k8s.io/v1beta1',
          kind: 'Cluster',
          metadata: { name: 'c1', namespace: 'mgmt', labels: { 'clusterprofile-name': 'c1' } },
          spec: {},
        },
        {
          apiVersion: 'v1',
          kind: 'Secret',
          type: 'cluster.x-k8s.io/secret',
          metadata: {
            name: 'c1-kubeconfig',
            namespace: 'mgmt',
            labels: { 'cluster.x-k8s.io/cluster-name': 'c1' },
          },
          data: { value: Buffer.from('apiVersion: v1\nkind: Config\n').toString('base64') },
        },
        pick(seed, 'ConfigMap', `${name}-template`),
        pick(seed, 'EventSource', name),
        pick(seed, 'EventTrigger', name),
      ]);
    },
    expected: ['team-a', 'team-b'].map((ns) => ({
      cluster: 'mgmt',
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: ns,
      name: 'default-c1-kubeconfig',
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
 * event-manager, the addon-controller and the agents (one per registered cluster, SPEC §2 hosting (b)).
 */
export async function startFleet(env: TestEnv, logger: Logger = silentLogger): Promise<Fleet> {
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

  const managementKubeConfig = env.cluster('mgmt').kubeConfig();
  const manager = await startEventManager({
    managementKubeConfig,
    logger: logger.child({ component: 'event-manager' }),
    probeIntervalMs: 2_000,
  });
  const addons = await startAddonController({
    managementKubeConfig,
    logger: logger.child({ component: 'addon-controller' }),
    manageClusterStatus: false,
  });
  const registry = manager.registry;
  if (!registry) throw new Error('the event-manager exposes no cluster registry');
  const fleet = new AgentFleet({
    registry,
    managementClient: mgmt,
    compile: evaluationCompiler(await LuaRuntime.create()),
    logger: logger.child({ component: 'sveltos-agent' }),
  });
  fleet.start();
  return {
    env,
    client,
    async stop() {
      await fleet.stop();
      await addons.stop();
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
    const present = await Promise.all(
      expected.map(
        async (r) =>
          (await fleet
            .client(r.cluster)
            .getOrUndefined(r)
            .catch(() => undefined)) !== undefined,
      ),
    );
    if (present.every((p) => p !== Boolean(options.gone))) return;
    if (Date.now() > deadline) {
      const missing = expected.filter((_, i) => present[i] === Boolean(options.gone));
      const what = missing.map((r) => `${r.cluster} ${r.kind} ${r.namespace}/${r.name}`).join(', ');
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

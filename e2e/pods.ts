// The product running as pods on real nodes (packages/testenv node.ts), installed the way a user installs it:
// the images built here (scripts/build-images.sh) and imported into each node's runtime, `helm install
// charts/sveltos` in the management cluster (event-manager and addon-controller Deployments, two replicas
// each), every cluster registered with `sveltosctl register cluster --agent-in-managed-cluster` and its agent
// installed with `helm install charts/sveltos-agent` (a DaemonSet) in that cluster, writing EventReports into
// the management cluster with the limited credentials `register agent` minted. The management cluster is
// registered as mgmt/mgmt too, with an agent of its own (managed hosting), since the chart's
// management-hosted agent would also serve the other clusters. Shared by e2e/pods.test.ts and the demo's
// --as-pods.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { crds } from '@sveltos-ts/api';
import { type KubeObject, RestClient } from '@sveltos-ts/kube';
import { eventually, type TestEnv } from '@sveltos-ts/testenv';
import { parseAllDocuments } from 'yaml';
import { type Fleet, fleetClusters } from './scenarios.ts';

const run = promisify(execFile);
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));
export const releaseNamespace = 'projectsveltos';
export const podClusters = ['mgmt', 'cluster-a', 'cluster-b'] as const;
const components = ['event-manager', 'addon-controller', 'sveltos-agent'] as const;
type Component = (typeof components)[number];

/** Values of `helm install sveltos charts/sveltos` here (`--set` syntax). */
export const sveltosValues = [
  // each cluster runs its own agent (charts/sveltos-agent): the management-hosted one would serve them all
  'agent.enabled=false',
  'eventManager.replicas=2',
  'addonController.replicas=2',
  // the nodes have two cores for three clusters: requests sized for the test bed
  'eventManager.resources.requests.cpu=10m',
  'addonController.resources.requests.cpu=10m',
];

export interface PodFleet extends Fleet {
  /** helm against a cluster (host kubeconfig), e.g. `['upgrade', ...]`. */
  helm(cluster: string, args: string[]): Promise<string>;
  /** Seconds spent in each step of the set-up. */
  timings: Record<string, number>;
  /** The pods of a component's workload in a cluster. */
  pods(cluster: string, component: Component): Promise<PodInfo[]>;
  /** Every pod of the product with the end of its log, for a failed run. */
  diagnostics(): Promise<string>;
}

export interface PodInfo {
  name: string;
  uid: string;
  ready: boolean;
  node: string;
  args: string[];
  deleting: boolean;
  /** The container's id in the node's runtime (without `containerd://`). */
  containerId: string;
}

function version(component: Component): string {
  const manifest = join(repoRoot, 'packages', component, 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

export function imageArchive(component: Component): string {
  const cache = process.env.SVELTOS_TS_CACHE ?? join(homedir(), '.cache', 'sveltos-ts');
  return join(cache, 'images', `${component}-${version(component)}.oci.tar`);
}

/**
 * Builds the images (kept when their inputs did not change). SVELTOS_TS_PREBUILT_IMAGES=1 uses the archives
 * as they are (e.g. built by an earlier step of the same CI job).
 */
export async function buildImages(): Promise<void> {
  if (process.env.SVELTOS_TS_PREBUILT_IMAGES === '1') return;
  // CI='' keeps bootstrap from reinstalling the workspace under a running suite
  await run('bash', ['scripts/build-images.sh', ...components], {
    cwd: repoRoot,
    env: { ...process.env, CI: '' },
    timeout: 900_000,
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** The TestEnv options: every cluster with a node. */
export const podClusterOptions = podClusters.map((name) => ({ name, node: true }));

async function command(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  try {
    const { stdout } = await run(file, args, {
      cwd: repoRoot,
      env,
      timeout: 600_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')}: ${e.stderr || e.stdout || e.message}`);
  }
}

/**
 * Installs the product on a bed whose clusters have nodes (see {@link podClusterOptions}); the images must
 * have been built ({@link buildImages}).
 */
export async function startPodFleet(env: TestEnv, log: (line: string) => void = () => {}): Promise<PodFleet> {
  const timings: Record<string, number> = {};
  const step = async <T>(name: string, action: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    const result = await action();
    timings[name] = (Date.now() - started) / 1000;
    log(`pods: ${name} in ${timings[name].toFixed(1)} s`);
    return result;
  };
  const work = mkdtempSync(join(tmpdir(), 'sveltos-pods-'));
  const helmHome = join(work, 'helm');
  const helmEnv = {
    ...process.env,
    HELM_CACHE_HOME: join(helmHome, 'cache'),
    HELM_CONFIG_HOME: join(helmHome, 'config'),
    HELM_DATA_HOME: join(helmHome, 'data'),
  };
  const helmBinary = env.requireOwnedBinaries().helm;
  const helm = (cluster: string, args: string[]): Promise<string> =>
    command(helmBinary, [...args, '--kubeconfig', env.cluster(cluster).kubeconfigPath], helmEnv);
  const clients = new Map(env.clusters().map((c) => [c.name, new RestClient(c.kubeConfig())]));
  const client = (name: string): RestClient => {
    const found = clients.get(name);
    if (!found) throw new Error(`no cluster ${name}`);
    return found;
  };
  const sveltosctl = (args: string[]): Promise<string> =>
    command(process.execPath, [join(repoRoot, 'packages/sveltosctl/src/cli.ts'), ...args]);

  await step('images imported into the nodes', () =>
    Promise.all(
      podClusters.map(async (cluster) => {
        const wanted: Component[] = cluster === 'mgmt' ? [...components] : ['sveltos-agent'];
        for (const component of wanted) await env.cluster(cluster).importImage(imageArchive(component));
      }),
    ),
  );
  // no CRDs are applied to the managed clusters by hand: the event-manager installs EventSource and
  // EventReport where they lack them, the chart brings every CRD to mgmt

  await step('helm install sveltos (2 replicas each, Ready)', () =>
    helm('mgmt', [
      'install',
      'sveltos',
      join(repoRoot, 'charts/sveltos'),
      '--namespace',
      releaseNamespace,
      '--create-namespace',
      ...sveltosValues.flatMap((value) => ['--set', value]),
      '--wait',
      '--timeout',
      '5m',
    ]),
  );

  // Cluster API's Cluster kind is not ours to install (the chart does not): here it stands for a management
  // cluster where Cluster API runs (examples/cluster-inventory-kubeconfigs)
  const clusterApi = (crds as unknown as Array<{ spec?: { group?: string } }>).filter(
    (crd) => crd.spec?.group === 'cluster.x-k8s.io',
  );
  await env.cluster('mgmt').installCrds(clusterApi);

  const mgmtKubeconfig = env.cluster('mgmt').kubeconfigPath;
  const registrations: Array<{
    cluster: string;
    namespace: string;
    name: string;
    labels: Record<string, string>;
  }> = [
    ...Object.entries(fleetClusters).map(([name, labels]) => ({
      cluster: name,
      namespace: 'default',
      name,
      labels,
    })),
    { cluster: 'mgmt', namespace: 'mgmt', name: 'mgmt', labels: { 'cluster-api': 'enabled' } },
  ];
  await step('clusters registered, agents installed (DaemonSets Ready)', () =>
    Promise.all(
      registrations.map(async ({ cluster, namespace, name, labels }) => {
        const dir = join(work, cluster);
        mkdirSync(dir, { recursive: true });
        // what the controllers' pods use to reach the cluster: the address pods see
        const kubeconfig = join(dir, 'cluster.kubeconfig');
        writeFileSync(kubeconfig, env.cluster(cluster).kubeconfigYamlForPods, { mode: 0o600 });
        await sveltosctl([
          'register',
          'cluster',
          '--namespace',
          namespace,
          '--cluster',
          name,
          '--kubeconfig',
          kubeconfig,
          '--labels',
          Object.entries(labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(','),
          '--management-kubeconfig',
          mgmtKubeconfig,
          '--agent-in-managed-cluster',
          '--server',
          env.cluster('mgmt').serverForPods,
          '--output-dir',
          dir,
        ]);
        const target = client(cluster);
        await target.apply(
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name: releaseNamespace } },
          { fieldManager: 'sveltos-pods' },
        );
        for (const doc of parseAllDocuments(readFileSync(join(dir, 'agent-secret.yaml'), 'utf8'))) {
          const object = doc.toJSON() as KubeObject | null;
          if (object?.kind === 'Secret') await target.apply(object, { fieldManager: 'sveltos-pods' });
        }
        await helm(cluster, [
          'install',
          'sveltos-agent',
          join(repoRoot, 'charts/sveltos-agent'),
          '--namespace',
          releaseNamespace,
          '--values',
          join(dir, 'values.yaml'),
          '--set',
          'resources.requests.cpu=10m',
          '--wait',
          '--timeout',
          '5m',
        ]);
      }),
    ),
  );

  const pods = async (cluster: string, component: Component): Promise<PodInfo[]> => {
    const selector =
      component === 'sveltos-agent'
        ? 'app.kubernetes.io/name=sveltos-agent'
        : `app.kubernetes.io/name=${component}`;
    const list = await client(cluster).list<KubeObject & PodSpecLike>('v1', 'Pod', {
      namespace: releaseNamespace,
      labelSelector: selector,
    });
    return list.items.map((pod) => ({
      name: pod.metadata.name ?? '',
      uid: pod.metadata.uid ?? '',
      ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
      node: pod.spec?.nodeName ?? '',
      args: pod.spec?.containers?.[0]?.args ?? [],
      deleting: pod.metadata.deletionTimestamp !== undefined,
      containerId: (pod.status?.containerStatuses?.[0]?.containerID ?? '').replace(/^containerd:\/\//, ''),
    }));
  };

  // helm's --wait may return before a new DaemonSet's pod is Ready
  await step('every pod Ready', () =>
    eventually(
      'every pod of the product to be Ready',
      async () => {
        const all = await Promise.all([
          pods('mgmt', 'event-manager'),
          pods('mgmt', 'addon-controller'),
          ...podClusters.map((cluster) => pods(cluster, 'sveltos-agent')),
        ]);
        return all.every((list) => list.length > 0 && list.every((pod) => pod.ready));
      },
      180_000,
    ),
  );

  await step('every cluster Ready in the management cluster', () =>
    eventually(
      'the registered clusters to be ready',
      async () => {
        const list = await client('mgmt').list<KubeObject & { status?: { ready?: boolean } }>(
          'lib.projectsveltos.io/v1beta1',
          'SveltosCluster',
        );
        return (
          list.items.length === registrations.length && list.items.every((c) => c.status?.ready === true)
        );
      },
      120_000,
    ),
  );

  const diagnostics = async (): Promise<string> => {
    const lines: string[] = [];
    for (const cluster of podClusters) {
      const list = await client(cluster).list<KubeObject & PodSpecLike>('v1', 'Pod', {
        namespace: releaseNamespace,
      });
      for (const pod of list.items) {
        const name = pod.metadata.name ?? '';
        const ready = pod.status?.conditions?.find((c) => c.type === 'Ready')?.status;
        lines.push(`--- ${cluster}/${name} (Ready=${ready})`);
        const path = await client(cluster).path({
          apiVersion: 'v1',
          kind: 'Pod',
          namespace: releaseNamespace,
          name,
        });
        const text = await client(cluster)
          .text(`${path}/log?tailLines=40`)
          .catch((error: unknown) => String(error));
        lines.push(text.trimEnd());
      }
    }
    return lines.join('\n');
  };

  return {
    env,
    client,
    helm,
    timings,
    pods,
    diagnostics,
    async stop() {
      rmSync(work, { recursive: true, force: true });
    },
  };
}

interface PodSpecLike {
  metadata: KubeObject['metadata'] & { uid?: string; deletionTimestamp?: string };
  spec?: { nodeName?: string; containers?: Array<{ args?: string[] }> };
  status?: {
    conditions?: Array<{ type: string; status: string }>;
    containerStatuses?: Array<{ containerID?: string }>;
  };
}

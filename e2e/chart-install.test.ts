// charts/sveltos installed as users install it: `helm install` into a management cluster of its own bed (no
// nodes, so no pod runs, but every object exists), then the real controllers run as processes with the
// identities the chart created (a token minted for each of its ServiceAccounts) and the arguments of its
// Deployments, the clusters are registered with sveltosctl, and three examples run end to end. That shows the
// chart's RBAC is enough; calls outside it are refused for each identity, so it is not more than needed.
// Then `helm upgrade` with changed values, and `helm uninstall`, which leaves the CRDs and users' objects.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CONFIG_API_VERSION, crdFileName, crds, LIB_API_VERSION } from '@sveltos-ts/api';
import { isKubeError, type KubeObject, loadKubeConfig, RestClient } from '@sveltos-ts/kube';
import { ensureBinaries, eventually, TestEnv } from '@sveltos-ts/testenv';
import { converge, type Fleet, fleetClusters, scenarios } from './scenarios.ts';

const execFileAsync = promisify(execFile);
const chart = fileURLToPath(new URL('../charts/sveltos', import.meta.url));
const sveltosctl = fileURLToPath(new URL('../packages/sveltosctl/src/cli.ts', import.meta.url));
const NS = 'projectsveltos';
const EXAMPLES = ['credentials-replication', 'generated-settings', 'network-policy-per-service'];

type Deployment = KubeObject & {
  spec: {
    replicas: number;
    template: {
      spec: {
        containers: Array<{ args: string[]; env?: Array<{ name: string; value?: string }> }>;
      };
    };
  };
};

interface Component {
  /** Deployment and ServiceAccount name. */
  name: string;
  entry: string;
}

const components: Component[] = [
  { name: 'event-manager', entry: '../packages/event-manager/src/main.ts' },
  { name: 'addon-controller', entry: '../packages/addon-controller/src/main.ts' },
  { name: 'sveltos-agent', entry: '../packages/sveltos-agent/src/main.ts' },
];

interface Running {
  name: string;
  child: ChildProcess;
  logs(): string;
  exited: Promise<number | null>;
}

/** A minimal stand-in for the Prometheus Operator's ServiceMonitor CRD (only its kind matters here). */
const serviceMonitorCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'servicemonitors.monitoring.coreos.com' },
  spec: {
    group: 'monitoring.coreos.com',
    names: {
      kind: 'ServiceMonitor',
      listKind: 'ServiceMonitorList',
      plural: 'servicemonitors',
      singular: 'servicemonitor',
    },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
  },
};

describe('charts/sveltos installed with helm, the controllers running with its identities', () => {
  let env: TestEnv;
  let helm: string;
  let dir: string;
  let admin: RestClient;
  let fleet: Fleet;
  const identities = new Map<string, RestClient>();
  const running: Running[] = [];

  const helmRun = async (...args: string[]): Promise<string> => {
    const { stdout } = await execFileAsync(
      helm,
      [...args, '--kubeconfig', env.cluster('mgmt').kubeconfigPath, '--namespace', NS],
      {
        env: {
          ...process.env,
          HELM_CACHE_HOME: join(dir, 'helm-cache'),
          HELM_CONFIG_HOME: join(dir, 'helm-config'),
          HELM_DATA_HOME: join(dir, 'helm-data'),
        },
      },
    );
    return stdout;
  };

  const deployment = (name: string) =>
    admin.get<Deployment>({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: NS, name });

  /** The pod's webhook certificate directory (a Secret volume) written out from the chart's Secret, and the
   * webhook on a free port: everything else of the argument is kept. */
  async function asOutsideThePod(arg: string): Promise<string> {
    if (arg.startsWith('--webhook-port=')) return '--webhook-port=0';
    if (!arg.startsWith('--webhook-cert-dir=')) return arg;
    const secret = await admin.get<KubeObject & { data: Record<string, string> }>({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: NS,
      name: 'event-manager-webhook-cert',
    });
    const certs = mkdtempSync(join(dir, 'webhook-certs-'));
    for (const [key, value] of Object.entries(secret.data))
      writeFileSync(join(certs, key), Buffer.from(value, 'base64'), { mode: 0o600 });
    return `--webhook-cert-dir=${certs}`;
  }

  /** Runs a component as its Deployment would: the same arguments and environment, its ServiceAccount's
   * identity; only the metrics port is a free one and --kubeconfig points at the minted credentials. */
  async function start(component: Component, kubeconfig: string): Promise<Running> {
    const container = (await deployment(component.name)).spec.template.spec.containers[0]!;
    const args = await Promise.all(
      container.args.filter((a) => !a.startsWith('--metrics-port=')).map((a) => asOutsideThePod(a)),
    );
    const environment: Record<string, string> = { NAMESPACE: NS };
    for (const e of container.env ?? []) if (e.value !== undefined) environment[e.name] = e.value;
    const child = spawn(
      process.execPath,
      [
        fileURLToPath(new URL(component.entry, import.meta.url)),
        ...args,
        '--metrics-port=0',
        `--kubeconfig=${kubeconfig}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...environment } },
    );
    let logs = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      logs += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const r = { name: component.name, child, logs: () => logs, exited };
    running.push(r);
    const port = await eventually(`${component.name} serving metrics`, () => {
      const match = /"address":"http:\/\/[\d.]+:(\d+)"/.exec(logs);
      return match ? Number(match[1]) : undefined;
    });
    await eventually(
      `${component.name} ready`,
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200,
      60_000,
    );
    return r;
  }

  async function forbidden(identity: string, what: string, call: (c: RestClient) => Promise<unknown>) {
    await assert.rejects(
      () => call(identities.get(identity)!),
      (error: unknown) => isKubeError(error, 'FORBIDDEN'),
      `${identity} must not ${what}`,
    );
  }

  before(async () => {
    env = await TestEnv.start({
      clusters: ['mgmt', 'cluster-a', 'cluster-b'].map((name) => ({ name, controllerManager: false })),
    });
    helm = (await ensureBinaries(() => {})).helm;
    dir = mkdtempSync(join(tmpdir(), 'chart-install-'));
    admin = new RestClient(env.cluster('mgmt').kubeConfig());
    const clients = new Map(env.clusters().map((c) => [c.name, new RestClient(c.kubeConfig())]));
    fleet = { env, client: (name) => clients.get(name)!, stop: async () => {} };
    // the event-manager copies EventSources into the managed clusters: they need that one CRD
    const eventSourceCrd = crds.filter((c) => crdFileName(c) === 'lib.projectsveltos.io_eventsources.yaml');
    await Promise.all(['cluster-a', 'cluster-b'].map((c) => env.cluster(c).installCrds(eventSourceCrd)));
  });

  after(async () => {
    for (const r of running) r.child.kill('SIGKILL');
    await env?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('helm install creates the CRDs, the Deployments and the identities', async () => {
    const out = await helmRun('install', 'sveltos', chart, '--create-namespace');
    assert.match(out, /STATUS: deployed/);
    for (const c of components) {
      const d = await deployment(c.name);
      assert.equal(d.spec.replicas, 1, c.name);
      await admin.get({ apiVersion: 'v1', kind: 'ServiceAccount', namespace: NS, name: c.name });
    }
    for (const crd of crds.filter((c) => c.spec.group.endsWith('projectsveltos.io')))
      await eventually(`CRD ${crd.metadata.name} served`, async () =>
        // the stored version: v1beta1, v1alpha1 for EventBasedAddOn (its only version)
        admin
          .resource(
            `${crd.spec.group}/${crd.spec.versions.find((v) => v.storage)?.name}`,
            crd.spec.names.kind,
          )
          .then(
            () => true,
            () => false,
          ),
      );
    assert.equal(
      await admin.getOrUndefined({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        name: 'clusters.cluster.x-k8s.io',
      }),
      undefined,
      'the test-only Cluster API CRD is not shipped',
    );
  });

  /** On failure, the components' warnings and errors say why (their logs are JSON lines). */
  async function explained(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      for (const r of running) {
        const lines = r
          .logs()
          .split('\n')
          .filter((l) => /"level":"(warn|error)"/.test(l));
        console.error(`--- ${r.name}: last warnings and errors\n${lines.slice(-15).join('\n')}`);
      }
      throw error;
    }
  }

  it('runs the controllers and the agent with the chart identities; the examples work end to end', () =>
    explained(async () => {
      for (const c of components) {
        const credentials = await env
          .cluster('mgmt')
          .mintServiceAccountKubeconfig({ namespace: NS, name: c.name });
        const file = join(dir, `${c.name}.kubeconfig`);
        writeFileSync(file, credentials.kubeconfigYaml, { mode: 0o600 });
        identities.set(c.name, new RestClient(loadKubeConfig({ text: credentials.kubeconfigYaml })));
        await start(c, file);
      }
      // a second event-manager replica with the same identity: Ready as a follower (the Lease rules suffice)
      await start(components[0]!, join(dir, 'event-manager.kubeconfig'));
      // registered as users do: sveltosctl with the management cluster's admin kubeconfig
      for (const [cluster, labels] of Object.entries(fleetClusters)) {
        await execFileAsync(process.execPath, [
          sveltosctl,
          'register',
          'cluster',
          '--namespace',
          'fleet',
          '--cluster',
          cluster,
          '--kubeconfig',
          env.cluster(cluster).kubeconfigPath,
          '--labels',
          Object.entries(labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(','),
          '--management-kubeconfig',
          env.cluster('mgmt').kubeconfigPath,
        ]);
      }
      // the event-manager (with the chart's --manage-cluster-status) probes them and marks them ready
      await eventually('registered clusters ready', async () => {
        const list = await admin.list<KubeObject & { status?: { ready?: boolean } }>(
          LIB_API_VERSION,
          'SveltosCluster',
          {
            namespace: 'fleet',
          },
        );
        return list.items.length === 2 && list.items.every((c) => c.status?.ready === true);
      });
      // a ClusterSet: the event-manager (owning cluster status) writes which clusters it selects
      await admin.apply(
        {
          apiVersion: LIB_API_VERSION,
          kind: 'ClusterSet',
          metadata: { name: 'production' },
          spec: { clusterSelector: { matchLabels: { env: 'production' } }, maxReplicas: 1 },
        } as KubeObject,
        { fieldManager: 'chart-install-test' },
      );
      await eventually('the ClusterSet selection written', async () => {
        const set = await admin.get<
          KubeObject & { status?: { selectedClusterRefs?: Array<{ name: string }> } }
        >({
          apiVersion: LIB_API_VERSION,
          kind: 'ClusterSet',
          name: 'production',
        });
        return set.status?.selectedClusterRefs?.map((r) => r.name).join() === 'cluster-a';
      });
      for (const example of EXAMPLES) {
        const scenario = scenarios.find((s) => s.example === example)!;
        await scenario.apply(fleet);
        await converge(fleet, scenario.expected);
      }
      // withdrawal: the event-manager deletes the profile and its instantiated ConfigMap (its delete verbs)
      const withdrawn = scenarios.find((s) => s.example === 'network-policy-per-service')!;
      await withdrawn.withdraw!(fleet);
      await converge(fleet, withdrawn.expected, { gone: true });
      // deleting its EventTrigger: the event-manager releases the finalizer and withdraws the EventSource copy,
      // the agent deletes the cluster's EventReport
      await admin.delete({
        apiVersion: LIB_API_VERSION,
        kind: 'EventTrigger',
        name: 'network-policy-per-service',
      });
      await eventually('the EventTrigger gone (finalizer released)', async () =>
        (await admin.getOrUndefined({
          apiVersion: LIB_API_VERSION,
          kind: 'EventTrigger',
          name: 'network-policy-per-service',
        })) === undefined
          ? true
          : undefined,
      );
      await eventually('its EventReport deleted by the agent', async () =>
        (
          await admin.list(LIB_API_VERSION, 'EventReport', {
            labelSelector: 'projectsveltos.io/eventsource-name=services-wanting-a-policy',
          })
        ).items.length === 0
          ? true
          : undefined,
      );
      // the generated ConfigMaps and Secrets went into the release namespace ($NAMESPACE from the chart)
      const generated = await admin.list(CONFIG_API_VERSION, 'ClusterProfile');
      assert.ok(generated.items.length >= 2, 'ClusterProfiles written by the event-manager');
      const inNamespace = await admin.list('v1', 'Secret', { namespace: NS });
      assert.ok(inNamespace.items.some((s) => s.metadata.name.endsWith('-checkout-database')));

      // failure paths: each component records a Kubernetes Event where users look (its Events rule)
      await admin.apply(
        {
          apiVersion: LIB_API_VERSION,
          kind: 'EventTrigger',
          metadata: { name: 'broken-selector' },
          spec: {
            sourceClusterSelector: { matchExpressions: [{ key: 'env', operator: 'In' }] },
            eventSourceName: 'namespaces-needing-credentials',
          },
        } as KubeObject,
        { fieldManager: 'chart-install-test' },
      );
      await admin.apply(
        {
          apiVersion: CONFIG_API_VERSION,
          kind: 'ClusterProfile',
          metadata: { name: 'broken-selector' },
          spec: { clusterSelector: { matchExpressions: [{ key: 'env', operator: 'In' }] } },
        } as KubeObject,
        { fieldManager: 'chart-install-test' },
      );
      await admin.apply(
        {
          apiVersion: LIB_API_VERSION,
          kind: 'EventSource',
          metadata: { name: 'broken-lua' },
          spec: {
            resourceSelectors: [
              { group: '', version: 'v1', kind: 'Namespace', evaluate: 'function evaluate( this is not Lua' },
            ],
          },
        } as KubeObject,
        { fieldManager: 'chart-install-test' },
      );
      await admin.apply(
        {
          apiVersion: LIB_API_VERSION,
          kind: 'EventTrigger',
          metadata: { name: 'broken-lua' },
          spec: {
            sourceClusterSelector: { matchLabels: { env: 'production' } },
            eventSourceName: 'broken-lua',
          },
        } as KubeObject,
        { fieldManager: 'chart-install-test' },
      );
      for (const [component, namespace, reason] of [
        ['event-manager', 'default', 'InvalidClusterSelector'],
        ['addon-controller', 'default', 'INVALID_SELECTOR'],
        ['sveltos-agent', 'fleet', 'EvaluationFailed'],
      ] as const) {
        await eventually(`a ${reason} Event recorded by ${component}`, async () =>
          (
            await admin.list<KubeObject & { reason?: string; reportingComponent?: string }>('v1', 'Event', {
              namespace,
            })
          ).items.some((e) => e.reason === reason && e.reportingComponent === component),
        );
      }

      for (const r of running) {
        const forbiddenLines = r
          .logs()
          .split('\n')
          .filter((line) => /forbidden/i.test(line));
        assert.deepEqual(forbiddenLines, [], `${r.name} logged no refused call`);
      }
    }));

  it('refuses each identity what its role does not grant', async () => {
    const summaries = await admin.list(CONFIG_API_VERSION, 'ClusterSummary');
    const summary = summaries.items[0]!;
    const profile = (await admin.list(CONFIG_API_VERSION, 'ClusterProfile')).items[0]!;
    const secretIn = (namespace: string): KubeObject =>
      ({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'not-allowed', namespace },
        stringData: { a: 'b' },
      }) as KubeObject;
    const ref = (o: KubeObject) => ({
      apiVersion: o.apiVersion,
      kind: o.kind,
      namespace: o.metadata.namespace,
      name: o.metadata.name,
    });

    await forbidden('event-manager', 'delete a ClusterSummary', (c) => c.delete(ref(summary)));
    await forbidden('event-manager', 'create a Secret outside its namespace', (c) =>
      c.create(secretIn('kube-system')),
    );
    await forbidden('event-manager', 'create a Namespace', (c) =>
      c.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'not-allowed' } }),
    );
    await forbidden('addon-controller', 'create a Secret', (c) => c.create(secretIn('kube-system')));
    await forbidden('addon-controller', 'delete a ClusterProfile', (c) => c.delete(ref(profile)));
    await forbidden('addon-controller', 'patch an EventTrigger', (c) =>
      c.mergePatch(
        { apiVersion: LIB_API_VERSION, kind: 'EventTrigger', name: 'replicate-db-credentials' },
        { metadata: { labels: { x: 'y' } } },
      ),
    );
    await forbidden('sveltos-agent', 'list ClusterProfiles', (c) =>
      c.list(CONFIG_API_VERSION, 'ClusterProfile'),
    );
    await forbidden('sveltos-agent', 'create a Secret in its own namespace', (c) => c.create(secretIn(NS)));
    await forbidden('sveltos-agent', "write a SveltosCluster's status", async (c) =>
      c.request(
        'PATCH',
        await c.path(
          { apiVersion: LIB_API_VERSION, kind: 'SveltosCluster', namespace: 'fleet', name: 'cluster-a' },
          'status',
        ),
        { body: { status: { ready: false } }, contentType: 'application/merge-patch+json' },
      ),
    );
    // and what they were given does work with the same credentials
    await identities.get('addon-controller')!.list('v1', 'Secret', { namespace: 'fleet' });
  });

  it('stops the processes cleanly on SIGTERM', async () => {
    for (const r of running) r.child.kill('SIGTERM');
    for (const r of running) assert.equal(await r.exited, 0, `${r.name} exits 0`);
  });

  it('helm upgrade applies changed values (two replicas, ServiceMonitors once their CRD is served)', async () => {
    await admin.create(serviceMonitorCrd as unknown as KubeObject);
    await eventually('ServiceMonitor served', () =>
      admin.resource('monitoring.coreos.com/v1', 'ServiceMonitor').then(
        () => true,
        () => false,
      ),
    );
    const out = await helmRun(
      'upgrade',
      'sveltos',
      chart,
      '--reuse-values',
      '--set',
      'eventManager.replicas=2,addonController.replicas=2,metrics.serviceMonitor.enabled=true',
    );
    assert.match(out, /REVISION: 2/);
    assert.equal((await deployment('event-manager')).spec.replicas, 2);
    assert.equal((await deployment('addon-controller')).spec.replicas, 2);
    for (const name of ['event-manager', 'addon-controller'])
      await admin.get({
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        namespace: NS,
        name,
      });
  });

  it('helm uninstall removes the controllers and keeps the CRDs and the users objects', async () => {
    const out = await helmRun('uninstall', 'sveltos');
    assert.match(out, /kept due to the resource policy/);
    for (const c of components)
      assert.equal(await admin.getOrUndefined(ref('apps/v1', 'Deployment', NS, c.name)), undefined);
    assert.equal(
      await admin.getOrUndefined(
        ref('rbac.authorization.k8s.io/v1', 'ClusterRole', undefined, `event-manager-${NS}`),
      ),
      undefined,
    );
    for (const crd of crds.filter((c) => c.spec.group.endsWith('projectsveltos.io')))
      assert.ok(
        await admin.getOrUndefined(
          ref('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, crd.metadata.name),
        ),
        `CRD ${crd.metadata.name} kept`,
      );
    assert.ok(await admin.getOrUndefined(ref(LIB_API_VERSION, 'SveltosCluster', 'fleet', 'cluster-a')));
    assert.ok(
      await admin.getOrUndefined(ref(LIB_API_VERSION, 'EventTrigger', undefined, 'replicate-db-credentials')),
    );
    assert.ok((await admin.list(CONFIG_API_VERSION, 'ClusterSummary')).items.length > 0);
  });
});

function ref(apiVersion: string, kind: string, namespace: string | undefined, name: string) {
  return { apiVersion, kind, namespace, name };
}

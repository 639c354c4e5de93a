// charts/sveltos rendered by the real helm (built by testenv) with several value sets, every rendered object
// validated by a real API server with a server-side dry run, its CRD copies checked against packages/api.
// e2e/chart-install.test.ts installs it for real and runs the controllers with its identities.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type CustomResourceDefinition, crdFileName, crds } from '@sveltos-ts/api';
import type { KubeObject, RestClient } from '@sveltos-ts/kube';
import { ensureBinaries } from '@sveltos-ts/testenv';
import { parse, parseAllDocuments } from 'yaml';
import { CHART_CRD_DIR, chartCrdDifferences, SOURCE_DIR, shipped } from '../scripts/chart-crds.ts';
import { adminClient, createNamespace, uniqueName } from './support.ts';

const run = promisify(execFile);
const chart = fileURLToPath(new URL('../charts/sveltos', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));
let helm: string;
let client: RestClient;
let valuesDir: string;

interface Container {
  name: string;
  image: string;
  args: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
  ports: Array<{ name: string; containerPort: number }>;
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  securityContext: Record<string, unknown>;
  volumeMounts: Array<{ name: string; mountPath: string }>;
}
type Deployment = KubeObject & {
  spec: {
    replicas: number;
    template: {
      spec: {
        containers: Container[];
        securityContext: Record<string, unknown>;
        volumes: Array<{ name: string; emptyDir?: object; secret?: { secretName: string } }>;
        nodeSelector?: Record<string, string>;
        tolerations?: unknown[];
        affinity?: unknown;
        serviceAccountName: string;
      };
    };
  };
};
interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}
type Role = KubeObject & { rules: Rule[] };
type CrdSpec = CustomResourceDefinition['spec'];
type Service = KubeObject & { spec: { ports: Array<{ name: string; port: number; targetPort: string }> } };

/** `helm template` of the chart with a values file (YAML text) and extra flags. */
async function render(namespace: string, values = '', flags: string[] = []): Promise<KubeObject[]> {
  const file = join(valuesDir, `${uniqueName('values')}.yaml`);
  writeFileSync(file, values);
  const { stdout } = await run(helm, [
    'template',
    'sveltos',
    chart,
    '--namespace',
    namespace,
    '-f',
    file,
    ...flags,
  ]);
  return parseAllDocuments(stdout)
    .map((doc) => doc.toJSON() as KubeObject | null)
    .filter((doc): doc is KubeObject => doc !== null);
}

async function renderFailure(values: string, flags: string[] = []): Promise<string> {
  return render('x', values, flags).then(
    () => assert.fail('helm template should fail'),
    (error: { stderr: string }) => error.stderr,
  );
}

const find = <T extends KubeObject>(objects: KubeObject[], kind: string, name: string): T => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `${kind} ${name} is rendered`);
  return found as T;
};
const container = (objects: KubeObject[], name: string): Container =>
  find<Deployment>(objects, 'Deployment', name).spec.template.spec.containers[0]!;

/** Every object accepted by the API server as it would be installed (server-side apply, dry run). */
async function dryRun(namespace: string, objects: KubeObject[]): Promise<void> {
  await createNamespace(client, namespace);
  for (const object of objects) {
    const accepted = await client.apply(object, { fieldManager: 'chart-test', dryRun: true });
    assert.equal(accepted.kind, object.kind);
  }
}

const version = (path: string): string =>
  (JSON.parse(readFileSync(join(repo, path), 'utf8')) as { version: string }).version;

describe('charts/sveltos', () => {
  before(async () => {
    helm = (await ensureBinaries(() => {})).helm;
    client = await adminClient('mgmt');
    valuesDir = mkdtempSync(join(tmpdir(), 'chart-sveltos-'));
  });
  after(() => rmSync(valuesDir, { recursive: true, force: true }));

  it('passes helm lint, with the defaults and with every option set', async () => {
    for (const flags of [
      [],
      ['--set', 'eventManager.replicas=2,addonController.replicas=2,agent.enabled=false'],
    ]) {
      const { stdout } = await run(helm, ['lint', chart, ...flags]);
      assert.match(stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });

  it('ships the CRDs of packages/api/crds unchanged, without the Cluster API CRD, kept on uninstall', async () => {
    assert.deepEqual(chartCrdDifferences(), [], 'run: node scripts/chart-crds.ts');
    const rendered = (await render('projectsveltos')).filter((o) => o.kind === 'CustomResourceDefinition');
    const source = crds.filter((c) => shipped(crdFileName(c)));
    assert.deepEqual(rendered.map((o) => o.metadata.name).sort(), source.map((c) => c.metadata.name).sort());
    assert.ok(!rendered.some((o) => o.metadata.name === 'clusters.cluster.x-k8s.io'));
    for (const crd of rendered) {
      assert.equal(crd.metadata.annotations?.['helm.sh/resource-policy'], 'keep', crd.metadata.name);
      const file = crdFileName(source.find((c) => c.metadata.name === crd.metadata.name)!);
      // the rendered CRD is the generated one: same spec, same name (the chart only adds labels and the
      // annotation)
      const generated = parse(readFileSync(join(SOURCE_DIR, file), 'utf8')) as { spec: unknown };
      // except the conversion webhook's CA, which the chart generates (docs/api-versions.md)
      const spec = structuredClone((crd as unknown as { spec: CrdSpec }).spec);
      const clientConfig = spec.conversion?.webhook?.clientConfig;
      if (clientConfig) {
        assert.match(clientConfig.caBundle ?? '', /^LS0tLS1CRUdJTi/, `${crd.metadata.name}: CA bundle`);
        delete clientConfig.caBundle;
      }
      assert.deepEqual(spec, generated.spec);
      assert.deepEqual(parse(readFileSync(join(CHART_CRD_DIR, file), 'utf8')), generated);
    }
    const without = await render('projectsveltos', 'crds: {install: false}');
    assert.ok(!without.some((o) => o.kind === 'CustomResourceDefinition'));
  });

  it('names the images of the packages version, as scripts/build-images.sh tags them', async () => {
    const chartYaml = parse(readFileSync(join(chart, 'Chart.yaml'), 'utf8')) as { appVersion: string };
    const agentChart = parse(readFileSync(join(repo, 'charts/sveltos-agent/Chart.yaml'), 'utf8')) as {
      appVersion: string;
    };
    for (const component of ['event-manager', 'addon-controller', 'sveltos-agent']) {
      assert.equal(version(`packages/${component}/package.json`), chartYaml.appVersion, component);
    }
    assert.equal(agentChart.appVersion, chartYaml.appVersion);
    const objects = await render('projectsveltos');
    for (const component of ['event-manager', 'addon-controller', 'sveltos-agent']) {
      const image =
        component === 'sveltos-agent'
          ? find<Deployment>(objects, 'Deployment', component).spec.template.spec.containers[0]!.image
          : container(objects, component).image;
      assert.equal(image, `ghcr.io/sveltos-ts/${component}:${chartYaml.appVersion}`);
    }
  });

  it('renders the defaults the API server accepts: two controllers, the agent, RBAC, metrics Services', async () => {
    const namespace = uniqueName('sveltos-chart');
    const objects = await render(namespace);
    const kinds = objects.map((o) => `${o.kind}/${o.metadata.name}`).filter((k) => !k.startsWith('Custom'));
    assert.deepEqual(kinds.sort(), [
      'ClusterRole/addon-controller-' + namespace,
      'ClusterRole/event-manager-' + namespace,
      'ClusterRole/sveltos-agent-' + namespace,
      'ClusterRoleBinding/addon-controller-' + namespace,
      'ClusterRoleBinding/event-manager-' + namespace,
      'ClusterRoleBinding/sveltos-agent-' + namespace,
      'Deployment/addon-controller',
      'Deployment/event-manager',
      'Deployment/sveltos-agent',
      'Role/addon-controller',
      'Role/event-manager',
      'Role/sveltos-agent-leader-election',
      'RoleBinding/addon-controller',
      'RoleBinding/event-manager',
      'RoleBinding/sveltos-agent-leader-election',
      'Secret/event-manager-webhook-cert',
      'Service/addon-controller-metrics',
      'Service/event-manager-metrics',
      'Service/event-manager-webhook',
      'ServiceAccount/addon-controller',
      'ServiceAccount/event-manager',
      'ServiceAccount/sveltos-agent',
    ]);
    for (const o of objects.filter((o) => o.metadata.namespace !== undefined))
      assert.equal(o.metadata.namespace, namespace, `${o.kind} ${o.metadata.name}`);
    await dryRun(namespace, objects);

    for (const [name, port, manageStatus] of [
      ['event-manager', 8080, true],
      ['addon-controller', 8081, false],
    ] as const) {
      const deployment = find<Deployment>(objects, 'Deployment', name);
      assert.equal(deployment.spec.replicas, 1);
      const pod = deployment.spec.template.spec;
      assert.equal(pod.serviceAccountName, name);
      assert.deepEqual(pod.securityContext, {
        runAsNonRoot: true,
        runAsUser: 65532,
        runAsGroup: 65532,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      const c = pod.containers[0]!;
      assert.ok(c.args.includes(`--metrics-port=${port}`));
      assert.ok(c.args.includes('--leader-elect'), 'leader election is always on by default');
      assert.ok(c.args.includes(`--manage-cluster-status=${manageStatus}`));
      assert.ok(!c.args.some((a) => a.startsWith('--kubeconfig')), 'in-cluster credentials by default');
      // the event-manager also serves the conversion webhook (on by default)
      const webhookPort =
        name === 'event-manager' ? [{ name: 'webhook', containerPort: 9443, protocol: 'TCP' }] : [];
      assert.deepEqual(c.ports, [{ name: 'metrics', containerPort: port, protocol: 'TCP' }, ...webhookPort]);
      assert.deepEqual(
        [c.livenessProbe.httpGet, c.readinessProbe.httpGet],
        [
          { path: '/healthz', port: 'metrics' },
          { path: '/readyz', port: 'metrics' },
        ],
      );
      assert.deepEqual(c.securityContext, {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      });
      assert.deepEqual(c.env?.slice(0, 2), [
        { name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'NODE_OPTIONS', value: '--max-semi-space-size=2' },
      ]);
      const webhook = name === 'event-manager';
      assert.deepEqual(c.volumeMounts, [
        { name: 'tmp', mountPath: '/tmp' },
        ...(webhook
          ? [{ name: 'webhook-certs', mountPath: '/etc/sveltos/webhook-certs', readOnly: true }]
          : []),
      ]);
      assert.deepEqual(pod.volumes, [
        { name: 'tmp', emptyDir: {} },
        ...(webhook ? [{ name: 'webhook-certs', secret: { secretName: 'event-manager-webhook-cert' } }] : []),
      ]);
      const service = find<Service>(objects, 'Service', `${name}-metrics`);
      assert.deepEqual(service.spec.ports, [
        { name: 'metrics', port, targetPort: 'metrics', protocol: 'TCP' },
      ]);
    }
    const agent = find<Deployment>(objects, 'Deployment', 'sveltos-agent').spec.template.spec.containers[0]!;
    assert.ok(agent.args.includes('--hosting=management'));
    assert.ok(agent.args.includes(`--leader-election-namespace=${namespace}`));
  });

  it('grants each identity only what its code calls: no wildcards, writes of Secrets only in its namespace', async () => {
    const namespace = 'projectsveltos';
    const objects = await render(namespace);
    const rules = (kind: string, name: string) => find<Role>(objects, kind, name).rules;
    const can = (list: Rule[], verb: string, resource: string) =>
      list.some((r) => r.resources.includes(resource) && r.verbs.includes(verb));
    for (const component of ['event-manager', 'addon-controller', 'sveltos-agent']) {
      const all = [
        ...rules('ClusterRole', `${component}-${namespace}`),
        ...objects
          .filter((o) => o.kind === 'Role' && (o.metadata.name as string).startsWith(component))
          .flatMap((o) => (o as Role).rules),
      ];
      for (const rule of all) {
        for (const field of [rule.apiGroups, rule.resources, rule.verbs])
          assert.ok(!field.includes('*'), `${component}: no wildcard in ${JSON.stringify(rule)}`);
        for (const verb of ['escalate', 'bind', 'impersonate', 'deletecollection'])
          assert.ok(!rule.verbs.includes(verb), `${component}: ${verb}`);
      }
      const cluster = rules('ClusterRole', `${component}-${namespace}`);
      for (const verb of ['create', 'update', 'patch', 'delete'])
        for (const resource of ['secrets', 'configmaps', 'namespaces'])
          assert.ok(!can(cluster, verb, resource), `${component} may not ${verb} ${resource} cluster-wide`);
    }
    const em = rules('ClusterRole', `event-manager-${namespace}`);
    const ac = rules('ClusterRole', `addon-controller-${namespace}`);
    assert.ok(
      can(rules('Role', 'event-manager'), 'create', 'secrets'),
      'generated Secrets, in its namespace',
    );
    for (const status of ['sveltosclusters/status', 'clustersets/status'])
      assert.ok(can(em, 'patch', status) && !can(ac, 'patch', status), status);
    assert.ok(!can(em, 'delete', 'clustersummaries') && can(ac, 'delete', 'clustersummaries'));
    assert.ok(!can(ac, 'patch', 'eventtriggers') && !can(ac, 'create', 'clusterprofiles'));

    // the component that probes clusters is the one allowed to write their status
    const swapped = await render(
      namespace,
      'eventManager: {manageClusterStatus: false}\naddonController: {manageClusterStatus: true}',
    );
    const swappedRules = (name: string) => find<Role>(swapped, 'ClusterRole', `${name}-${namespace}`).rules;
    for (const status of ['sveltosclusters/status', 'clustersets/status']) {
      assert.ok(!can(swappedRules('event-manager'), 'patch', status));
      assert.ok(can(swappedRules('addon-controller'), 'patch', status));
    }
    assert.ok(container(swapped, 'addon-controller').args.includes('--manage-cluster-status=true'));
  });

  it('renders two replicas, extra flags, scheduling and a kubeconfig Secret the API server accepts', async () => {
    const namespace = uniqueName('sveltos-chart');
    const objects = await render(
      namespace,
      `
image: {registry: registry.local:5000/sveltos, tag: dev}
imagePullSecrets: [{name: pull}]
global: {kubeconfig: {secretName: mgmt-kubeconfig, key: value}}
leaderElection: {leaseDuration: 30s, renewDeadline: 20s, retryPeriod: 5s}
logLevel: debug
eventManager:
  replicas: 2
  extraArgs: ["--concurrent-reconciles=16", "--kube-api-qps=50"]
  extraEnv: [{name: EXTRA, value: "1"}]
  nodeSelector: {role: control}
  tolerations: [{key: dedicated, operator: Exists, effect: NoSchedule}]
  affinity:
    podAntiAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
        - weight: 100
          podAffinityTerm:
            topologyKey: kubernetes.io/hostname
            labelSelector: {matchLabels: {app.kubernetes.io/name: event-manager}}
  resources: {requests: {cpu: 200m, memory: 512Mi}, limits: {memory: 2Gi}}
addonController:
  replicas: 2
  image: {repository: other.registry/addons, tag: "1.2.3"}
  extraRules: [{apiGroups: [apps], resources: [deployments], verbs: [get]}]
agent: {replicas: 2}
`,
    );
    await dryRun(namespace, objects);
    const em = find<Deployment>(objects, 'Deployment', 'event-manager');
    assert.equal(em.spec.replicas, 2);
    const c = em.spec.template.spec.containers[0]!;
    assert.equal(c.image, 'registry.local:5000/sveltos/event-manager:dev');
    assert.equal(container(objects, 'addon-controller').image, 'other.registry/addons:1.2.3');
    for (const arg of [
      '--leader-elect',
      '--leader-elect-lease-duration=30s',
      '--leader-elect-renew-deadline=20s',
      '--leader-elect-retry-period=5s',
      '--log-level=debug',
      '--kubeconfig=/etc/sveltos/kubeconfig/value',
      '--concurrent-reconciles=16',
      '--kube-api-qps=50',
    ])
      assert.ok(c.args.includes(arg), arg);
    assert.ok(c.env?.some((e) => e.name === 'EXTRA' && e.value === '1'));
    assert.deepEqual(em.spec.template.spec.nodeSelector, { role: 'control' });
    assert.equal(em.spec.template.spec.tolerations?.length, 1);
    assert.ok(em.spec.template.spec.affinity);
    assert.ok(
      c.volumeMounts.some((m) => m.name === 'kubeconfig' && m.mountPath === '/etc/sveltos/kubeconfig'),
    );
    assert.ok(em.spec.template.spec.volumes.some((v) => v.secret?.secretName === 'mgmt-kubeconfig'));
    // the agent takes the same kubeconfig (global), and runs two replicas under leader election
    const agent = find<Deployment>(objects, 'Deployment', 'sveltos-agent');
    assert.equal(agent.spec.replicas, 2);
    assert.ok(
      agent.spec.template.spec.containers[0]!.args.includes('--kubeconfig=/etc/sveltos/kubeconfig/value'),
    );
    const rules = find<Role>(objects, 'ClusterRole', `addon-controller-${namespace}`).rules;
    assert.ok(rules.some((r) => r.resources.includes('deployments') && r.verbs.includes('get')));
  });

  it('renders one controller set per shard key beside the default one, each with its own selector', async () => {
    const namespace = uniqueName('sveltos-chart');
    const objects = await render(namespace, 'shards: [s1, s2]\n');
    await dryRun(namespace, objects);
    const deployments = objects.filter((o): o is Deployment => o.kind === 'Deployment');
    for (const component of ['event-manager', 'addon-controller']) {
      assert.ok(!container(objects, component).args.some((a) => a.startsWith('--shard-key')));
      for (const key of ['s1', 's2']) {
        const name = `${component}-${key}`;
        const d = find<Deployment>(objects, 'Deployment', name);
        assert.ok(container(objects, name).args.includes(`--shard-key=${key}`), name);
        assert.equal(d.spec.template.spec.serviceAccountName, component, 'the same identity and RBAC');
        assert.equal(container(objects, name).image, container(objects, component).image);
      }
    }
    // no two Deployments select each other's pods
    const selectors = deployments.map((d) =>
      JSON.stringify((d.spec as { selector?: { matchLabels?: unknown } }).selector?.matchLabels),
    );
    assert.equal(new Set(selectors).size, deployments.length, selectors.join('\n'));
  });

  it('renders without CRDs, agent and leader election; a ServiceMonitor only where its CRD is served', async () => {
    const namespace = uniqueName('sveltos-chart');
    const bare = await render(
      namespace,
      'crds: {install: false}\nagent: {enabled: false}\nleaderElection: {enabled: false}',
    );
    assert.ok(
      !bare.some((o) => o.kind === 'CustomResourceDefinition' || o.metadata.name.startsWith('sveltos-agent')),
    );
    assert.ok(!container(bare, 'event-manager').args.includes('--leader-elect'));
    assert.ok(!find<Role>(bare, 'Role', 'event-manager').rules.some((r) => r.resources.includes('leases')));
    assert.ok(!bare.some((o) => o.kind === 'Role' && o.metadata.name === 'addon-controller'));
    await dryRun(namespace, bare);

    const monitored = await render(
      namespace,
      'metrics: {serviceMonitor: {enabled: true, labels: {release: prom}}}',
      ['--api-versions', 'monitoring.coreos.com/v1/ServiceMonitor'],
    );
    for (const name of ['event-manager', 'addon-controller']) {
      const monitor = find<KubeObject & { spec: Record<string, unknown> }>(monitored, 'ServiceMonitor', name);
      assert.equal(monitor.metadata.labels?.release, 'prom');
      assert.deepEqual((monitor.spec.selector as { matchLabels: unknown }).matchLabels, {
        'app.kubernetes.io/name': name,
        'app.kubernetes.io/instance': 'sveltos',
      });
      assert.equal((monitor.spec.endpoints as Array<{ port: string }>)[0]!.port, 'metrics');
      // the Service it selects carries those labels
      const service = find(monitored, 'Service', `${name}-metrics`);
      assert.equal(service.metadata.labels?.['app.kubernetes.io/name'], name);
    }
  });

  it('renders the web view only when enabled, with no RBAC and no token of its own', async () => {
    assert.ok(!(await render('projectsveltos')).some((o) => o.metadata.name === 'web'), 'off by default');
    const namespace = uniqueName('sveltos-chart');
    const objects = await render(namespace, 'web: {enabled: true}');
    const web = objects.filter((o) => o.metadata.name === 'web');
    assert.deepEqual(web.map((o) => o.kind).sort(), ['Deployment', 'Service', 'ServiceAccount']);
    // no Role, ClusterRole or binding names its ServiceAccount: it reads only with the users' tokens
    const bound = objects.filter(
      (o) =>
        (o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') &&
        ((o as KubeObject & { subjects?: Array<{ name: string }> }).subjects ?? []).some(
          (s) => s.name === 'web',
        ),
    );
    assert.deepEqual(bound, []);
    assert.equal(
      (find(objects, 'ServiceAccount', 'web') as { automountServiceAccountToken?: boolean })
        .automountServiceAccountToken,
      false,
    );
    const deployment = find<Deployment>(objects, 'Deployment', 'web');
    const pod = deployment.spec.template.spec as Deployment['spec']['template']['spec'] & {
      automountServiceAccountToken?: boolean;
    };
    const volumes = pod.volumes as Array<{ name: string; configMap?: { name: string } }>;
    assert.equal(pod.automountServiceAccountToken, false);
    const c = pod.containers[0]!;
    assert.equal(c.image, `ghcr.io/sveltos-ts/web:${version('packages/web/package.json')}`);
    assert.ok(c.args.includes('--certificate-authority=/etc/sveltos/api-ca/ca.crt'));
    assert.ok(volumes.some((v) => v.configMap?.name === 'kube-root-ca.crt'));
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    await dryRun(namespace, objects);

    const proxied = await render(
      namespace,
      'web: {enabled: true, trustForwardedToken: true, tls: {secretName: web-tls}}\nglobal: {kubeconfig: {secretName: mgmt}}',
    );
    const args = container(proxied, 'web').args;
    for (const arg of [
      '--trust-forwarded-token',
      '--tls-cert-file=/etc/sveltos/tls/tls.crt',
      '--kubeconfig=/etc/sveltos/kubeconfig/kubeconfig',
    ])
      assert.ok(args.includes(arg), arg);
    assert.equal(container(proxied, 'web').readinessProbe.httpGet.path, '/readyz');
  });

  it('refuses contradictory values with a clear message', async () => {
    assert.match(
      await renderFailure('eventManager: {replicas: 2}\nleaderElection: {enabled: false}'),
      /event-manager: 2 replicas need leaderElection\.enabled=true/,
    );
    assert.match(
      await renderFailure('addonController: {manageClusterStatus: true}'),
      /both true: one component writes the readiness/,
    );
    assert.match(
      await renderFailure('metrics: {serviceMonitor: {enabled: true}}'),
      /needs the ServiceMonitor CRD/,
    );
    assert.match(await renderFailure('agent: {hosting: elsewhere}'), /hosting must be managed or management/);
  });
});

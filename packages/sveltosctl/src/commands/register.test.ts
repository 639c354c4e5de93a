// register cluster / register agent / deregister cluster / generate kubeconfig as processes against the
// real API servers of the shared test bed: `mgmt` is the management cluster, `cluster-a` and `cluster-b`
// are the clusters being registered.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  crds,
  DEPLOYED_BY_SVELTOS_ANNOTATION,
  EventReportKind,
  eventReportLabels,
  eventReportName,
  type SveltosCluster,
  SveltosClusterKind,
} from '@sveltos-ts/api';
import { isKubeError, type KubeObject, RestClient } from '@sveltos-ts/kube';
import { ensureBinaries, eventually, loadKubeConfig, sharedTestEnv, type TestEnv } from '@sveltos-ts/testenv';
import { parse, parseAllDocuments } from 'yaml';
import { sveltosctl } from '../testing.ts';

const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;
const unique = (prefix: string) => `${prefix}-${suffix}`;

let env: TestEnv;
let dir: string;
let mgmtKubeconfig: string;
let mgmt: RestClient;

type Secret = KubeObject & { data?: Record<string, string>; stringData?: Record<string, string> };
const decode = (b64: string | undefined) => Buffer.from(b64 ?? '', 'base64').toString('utf8');

function clusterRef(namespace: string, name: string) {
  return { apiVersion: SveltosClusterKind.apiVersion, kind: SveltosClusterKind.kind, namespace, name };
}
const secretRef = (namespace: string, name: string) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  namespace,
  name,
});

/** The error code of a call expected to fail (a test fails if it succeeds). */
async function failureOf(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
  } catch (error) {
    if (isKubeError(error)) return error.code;
    throw error;
  }
  assert.fail('the call should have been refused');
}

function eventReport(namespace: string, cluster: string, eventSource: string): KubeObject {
  return {
    apiVersion: EventReportKind.apiVersion,
    kind: EventReportKind.kind,
    metadata: {
      name: eventReportName('Sveltos', eventSource, cluster),
      namespace,
      labels: eventReportLabels(eventSource, cluster, 'Sveltos'),
    },
    spec: {
      clusterNamespace: namespace,
      clusterName: cluster,
      clusterType: 'Sveltos',
      eventSourceName: eventSource,
      matchingResources: [],
    },
  };
}

before(async () => {
  env = await sharedTestEnv({ crds });
  dir = mkdtempSync(join(tmpdir(), 'sveltosctl-register-'));
  mgmtKubeconfig = env.cluster('mgmt').kubeconfigPath;
  mgmt = new RestClient(env.cluster('mgmt').kubeConfig());
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('sveltosctl register cluster', () => {
  const namespace = unique('reg');
  const register = (...extra: string[]) =>
    sveltosctl([
      'register',
      'cluster',
      '--namespace',
      namespace,
      '--cluster',
      'edge',
      '--management-kubeconfig',
      mgmtKubeconfig,
      ...extra,
    ]);

  it('creates the namespace, the kubeconfig Secret and the labelled SveltosCluster', async () => {
    const kubeconfig = env.cluster('cluster-a').kubeconfigPath;
    const r = await register('--kubeconfig', kubeconfig, '--labels', 'env=prod,team=payments');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Namespace ${namespace} created`, 'm'));
    assert.match(r.stdout, new RegExp(`^Secret ${namespace}/edge-sveltos-kubeconfig created`, 'm'));
    assert.match(
      r.stdout,
      new RegExp(`^SveltosCluster ${namespace}/edge created \\(labels: env=prod,team=payments\\)`, 'm'),
    );

    const cluster = await mgmt.get<SveltosCluster & KubeObject>(clusterRef(namespace, 'edge'));
    assert.deepEqual(cluster.metadata.labels, { env: 'prod', team: 'payments' });
    const secret = await mgmt.get<Secret>(secretRef(namespace, 'edge-sveltos-kubeconfig'));
    assert.deepEqual(Object.keys(secret.data ?? {}), ['kubeconfig']);
    assert.equal(decode(secret.data?.kubeconfig), readFileSync(kubeconfig, 'utf8'));
  });

  it('is idempotent: the same command again changes nothing', async () => {
    const before = await mgmt.get(clusterRef(namespace, 'edge'));
    const r = await register(
      '--kubeconfig',
      env.cluster('cluster-a').kubeconfigPath,
      '--labels',
      'env=prod,team=payments',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Secret \S+ unchanged \(same kubeconfig\)/);
    assert.match(r.stdout, /SveltosCluster \S+ unchanged/);
    assert.equal(
      (await mgmt.get(clusterRef(namespace, 'edge'))).metadata.resourceVersion,
      before.metadata.resourceVersion,
    );
  });

  it('updates labels and kubeconfig of a registered cluster, and says the kubeconfig differed', async () => {
    const other = env.cluster('cluster-b').kubeconfigPath;
    const r = await register('--kubeconfig', other, '--labels', 'env=staging', '-o', 'json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { steps: { object: string; result: string; detail: string }[] };
    const secretStep = out.steps.find((s) => s.object.startsWith('Secret'));
    assert.equal(secretStep?.result, 'updated');
    assert.match(secretStep?.detail ?? '', /registered with a different kubeconfig/);
    const clusterStep = out.steps.find((s) => s.object.startsWith('SveltosCluster'));
    assert.equal(clusterStep?.result, 'updated');

    const cluster = await mgmt.get(clusterRef(namespace, 'edge'));
    assert.deepEqual(cluster.metadata.labels, { env: 'staging' }, 'labels are replaced, as upstream');
    const secret = await mgmt.get<Secret>(secretRef(namespace, 'edge-sveltos-kubeconfig'));
    assert.equal(decode(secret.data?.kubeconfig), readFileSync(other, 'utf8'));
  });

  it('keeps the labels when --labels is not given', async () => {
    const r = await register('--kubeconfig', env.cluster('cluster-b').kubeconfigPath);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((await mgmt.get(clusterRef(namespace, 'edge'))).metadata.labels, { env: 'staging' });
  });

  it('inlines certificate and token files the kubeconfig refers to, so the stored one works anywhere', async () => {
    const source = env.cluster('cluster-a').kubeConfig();
    const current = source.getCurrentCluster()!;
    const sub = mkdtempSync(join(dir, 'files-'));
    writeFileSync(join(sub, 'ca.pem'), decode(current.caData));
    writeFileSync(join(sub, 'token'), `${source.getCurrentUser()!.token}\n`);
    const file = join(sub, 'kubeconfig');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: a\n  cluster:\n    server: ${current.server}\n    certificate-authority: ca.pem`,
        'users:',
        '- name: admin\n  user:\n    tokenFile: token',
        'contexts:',
        '- name: a\n  context:\n    cluster: a\n    user: admin',
        'current-context: a',
        '',
      ].join('\n'),
    );
    const r = await sveltosctl([
      'register',
      'cluster',
      '--namespace',
      namespace,
      '--cluster',
      'inlined',
      '--kubeconfig',
      file,
      '--management-kubeconfig',
      mgmtKubeconfig,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const stored = decode(
      (await mgmt.get<Secret>(secretRef(namespace, 'inlined-sveltos-kubeconfig'))).data?.kubeconfig,
    );
    assert.doesNotMatch(stored, /certificate-authority:|tokenFile/);
    const client = new RestClient(loadKubeConfig(stored));
    const version = await client.request<{ gitVersion: string }>('GET', '/version');
    assert.deepEqual(version, await new RestClient(source).request('GET', '/version'));
    assert.ok((await client.list('v1', 'Namespace')).items.length > 0);
  });

  it('reads the management cluster from KUBECONFIG and --context', async () => {
    const ctx = env.cluster('mgmt').kubeConfig().getCurrentContext();
    const r = await sveltosctl(
      [
        'register',
        'cluster',
        '--namespace',
        namespace,
        '--cluster',
        'ctx',
        '--kubeconfig',
        env.cluster('cluster-a').kubeconfigPath,
        '--context',
        ctx,
      ],
      { env: { KUBECONFIG: mgmtKubeconfig } },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.ok(await mgmt.get(clusterRef(namespace, 'ctx')));
    const wrong = await sveltosctl(
      [
        'register',
        'cluster',
        '--namespace',
        namespace,
        '--cluster',
        'ctx',
        '--kubeconfig',
        env.cluster('cluster-a').kubeconfigPath,
        '--context',
        'nope',
      ],
      { env: { KUBECONFIG: mgmtKubeconfig } },
    );
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /invalid kubeconfig of the management cluster: .*no context named "nope"/);
  });

  it('refuses a kubeconfig that is not one (exit 2) and leaves the cluster alone', async () => {
    const bad = join(dir, 'not-a-kubeconfig.yaml');
    writeFileSync(bad, 'clusters: []\n');
    const r = await register('--kubeconfig', bad);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not-a-kubeconfig\.yaml: not a kubeconfig \(no clusters\)/);
    const missing = await register('--kubeconfig', join(dir, 'nope.yaml'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.yaml: no such file/);
  });
});

describe('sveltosctl register agent', () => {
  const namespace = unique('agent');
  const elsewhere = unique('elsewhere');
  let bundle: {
    kubeconfig: string;
    expirationTimestamp: string;
    serviceAccount: { name: string };
    values: unknown;
  };
  let agentClient: RestClient;

  before(async () => {
    await mgmt.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: elsewhere } });
    const reg = await sveltosctl([
      'register',
      'cluster',
      '--namespace',
      namespace,
      '--cluster',
      'edge',
      '--kubeconfig',
      env.cluster('cluster-a').kubeconfigPath,
      '--management-kubeconfig',
      mgmtKubeconfig,
    ]);
    assert.equal(reg.code, 0, reg.stderr);
    const started = Date.now();
    const r = await sveltosctl([
      'register',
      'agent',
      '--namespace',
      namespace,
      '--cluster',
      'edge',
      '--kubeconfig',
      mgmtKubeconfig,
      '--expirationSeconds',
      '3600',
      '-o',
      'json',
    ]);
    const ended = Date.now();
    assert.equal(r.code, 0, r.stderr);
    bundle = JSON.parse(r.stdout);
    // issued between the command's start and end, for the lifetime asked (timestamps have whole seconds):
    // this holds however long the command took
    const expiration = Date.parse(bundle.expirationTimestamp);
    assert.ok(
      expiration >= started + 3600_000 - 1000 && expiration <= ended + 3600_000 + 1000,
      `token expires at ${bundle.expirationTimestamp}, asked 3600 s from ${new Date(started).toISOString()}..${new Date(ended).toISOString()}`,
    );
    agentClient = new RestClient(loadKubeConfig(bundle.kubeconfig));
  });

  it('mints a kubeconfig that can write EventReports (and Events) in the cluster namespace', async () => {
    const report = eventReport(namespace, 'edge', 'es1');
    await agentClient.apply(report, { fieldManager: 'sveltos-agent' }); // the agent's server-side apply
    const got = await agentClient.get({ ...report, namespace, name: report.metadata.name });
    assert.equal(got.metadata.name, report.metadata.name);
    const listed = await agentClient.list(EventReportKind.apiVersion, EventReportKind.kind, { namespace });
    assert.equal(listed.items.length, 1);
    await agentClient.mergePatch(
      { ...report, namespace, name: report.metadata.name },
      { metadata: { annotations: { a: 'b' } } },
    );
    await agentClient.create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `es1.${suffix}`, namespace },
      involvedObject: {
        apiVersion: report.apiVersion,
        kind: report.kind,
        namespace,
        name: report.metadata.name,
      },
      reason: 'EvaluationFailed',
      message: 'test',
      type: 'Warning',
    });
    assert.equal(await agentClient.delete({ ...report, namespace, name: report.metadata.name }), true);
  });

  it('is forbidden in another namespace and for other kinds', async () => {
    assert.equal(
      await failureOf(() => agentClient.create(eventReport(elsewhere, 'edge', 'es1'))),
      'FORBIDDEN',
    );
    assert.equal(
      await failureOf(() =>
        agentClient.list(EventReportKind.apiVersion, EventReportKind.kind, { namespace: elsewhere }),
      ),
      'FORBIDDEN',
    );
    assert.equal(
      await failureOf(() => agentClient.list(EventReportKind.apiVersion, EventReportKind.kind)),
      'FORBIDDEN',
    );
    assert.equal(
      await failureOf(() => agentClient.get(secretRef(namespace, 'edge-sveltos-kubeconfig'))),
      'FORBIDDEN',
    );
    assert.equal(await failureOf(() => agentClient.get(clusterRef(namespace, 'edge'))), 'FORBIDDEN');
    assert.equal(
      await failureOf(() =>
        agentClient.create({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'x', namespace },
          data: {},
        }),
      ),
      'FORBIDDEN',
    );
    assert.equal(
      await failureOf(() =>
        agentClient.create({
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata: { name: 'more', namespace },
          rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
        }),
      ),
      'FORBIDDEN',
    );
  });

  it('with --output-dir writes the kubeconfig, the Secret and chart values helm accepts, and prints the install', async () => {
    const out = join(dir, 'agent-files');
    const r = await sveltosctl([
      'register',
      'agent',
      '--namespace',
      namespace,
      '--cluster',
      'edge',
      '--kubeconfig',
      mgmtKubeconfig,
      '--output-dir',
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /ServiceAccount \S+\/sveltos-agent-edge unchanged/);
    assert.match(
      r.stdout,
      new RegExp(
        `helm upgrade --install sveltos-agent \\./charts/sveltos-agent --namespace projectsveltos --values ${out}/values\\.yaml`,
      ),
    );
    assert.match(r.stdout, new RegExp(`kubectl apply -f ${out}/agent-secret\\.yaml`));
    const kubeconfig = readFileSync(join(out, 'management-kubeconfig.yaml'), 'utf8');
    assert.equal(statSync(join(out, 'management-kubeconfig.yaml')).mode & 0o777, 0o600);
    const docs = parseAllDocuments(readFileSync(join(out, 'agent-secret.yaml'), 'utf8')).map(
      (d) => d.toJS() as Secret,
    );
    assert.deepEqual(
      docs.map((d) => `${d.kind} ${d.metadata.namespace ?? ''}/${d.metadata.name}`),
      ['Namespace /projectsveltos', 'Secret projectsveltos/sveltos-agent-management-kubeconfig'],
    );
    assert.equal(docs[1]!.stringData?.kubeconfig, kubeconfig);

    // the Secret is a valid object for the managed cluster (server-side dry run)
    const managed = new RestClient(env.cluster('cluster-a').kubeConfig());
    const secret = await managed.apply(
      { ...docs[1]!, metadata: { ...docs[1]!.metadata, namespace: 'default' } },
      {
        fieldManager: 'test',
        dryRun: true,
      },
    );
    assert.equal(secret.kind, 'Secret');

    // the chart renders with the values: the agent speaks for this cluster and mounts that Secret
    const { helm } = await ensureBinaries(() => {});
    const chart = fileURLToPath(new URL('../../../../charts/sveltos-agent', import.meta.url));
    const { stdout } = await promisify(execFile)(helm, [
      'template',
      'sveltos-agent',
      chart,
      '--namespace',
      'projectsveltos',
      '--values',
      join(out, 'values.yaml'),
    ]);
    assert.match(stdout, new RegExp(`--cluster-namespace=${namespace}`));
    assert.match(stdout, /--cluster-name=edge/);
    assert.match(stdout, /secretName: sveltos-agent-management-kubeconfig/);
    assert.deepEqual(parse(readFileSync(join(out, 'values.yaml'), 'utf8')), bundle.values);
  });

  it('the real agent, started with those credentials, reports into the cluster namespace', async () => {
    const managed = new RestClient(env.cluster('cluster-a').kubeConfig());
    const source = unique('ctl-agent');
    await managed.create({
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'EventSource',
      metadata: { name: source, annotations: { [DEPLOYED_BY_SVELTOS_ANNOTATION]: 'ok' } },
      spec: { resourceSelectors: [{ group: '', version: 'v1', kind: 'Namespace', name: 'kube-system' }] },
    });
    const kubeconfigFile = join(dir, 'agent-files', 'management-kubeconfig.yaml');
    const main = fileURLToPath(new URL('../../../sveltos-agent/src/main.ts', import.meta.url));
    const agent = spawn(
      process.execPath,
      [
        main,
        `--kubeconfig=${env.cluster('cluster-a').kubeconfigPath}`,
        `--management-kubeconfig=${kubeconfigFile}`,
        `--cluster-namespace=${namespace}`,
        '--cluster-name=edge',
        '--metrics-port=0',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let logs = '';
    agent.stderr.on('data', (chunk: Buffer) => {
      logs += chunk.toString();
    });
    try {
      const report = await eventually(
        'the EventReport written by the agent',
        () =>
          mgmt.getOrUndefined({
            apiVersion: EventReportKind.apiVersion,
            kind: EventReportKind.kind,
            namespace,
            name: eventReportName('Sveltos', source, 'edge'),
          }),
        60_000,
      ).catch((error: Error) => assert.fail(`${error.message}\nagent logs:\n${logs}`));
      assert.deepEqual(
        (report.spec as { matchingResources: { name: string }[] }).matchingResources.map((m) => m.name),
        ['kube-system'],
      );
      assert.doesNotMatch(logs, /forbidden/i);
    } finally {
      agent.kill('SIGKILL');
      await managed.delete({
        apiVersion: 'lib.projectsveltos.io/v1beta1',
        kind: 'EventSource',
        name: source,
      });
    }
  });

  it('refuses a cluster that is not registered (exit 1)', async () => {
    const r = await sveltosctl([
      'register',
      'agent',
      '--namespace',
      namespace,
      '--cluster',
      'ghost',
      '--kubeconfig',
      mgmtKubeconfig,
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(`SveltosCluster ${namespace}/ghost not found: register the cluster first`),
    );
    assert.equal(
      await mgmt.getOrUndefined({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        namespace,
        name: 'sveltos-agent-ghost',
      }),
      undefined,
    );
  });

  it('register cluster --agent-in-managed-cluster does both, and needs --output-dir', async () => {
    const args = [
      'register',
      'cluster',
      '--namespace',
      namespace,
      '--cluster',
      'both',
      '--kubeconfig',
      env.cluster('cluster-b').kubeconfigPath,
      '--management-kubeconfig',
      mgmtKubeconfig,
      '--agent-in-managed-cluster',
    ];
    const usage = await sveltosctl(args);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--agent-in-managed-cluster needs --output-dir/);
    assert.equal(await mgmt.getOrUndefined(clusterRef(namespace, 'both')), undefined);

    const r = await sveltosctl([...args, '--output-dir', join(dir, 'both')]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(await mgmt.get(clusterRef(namespace, 'both')));
    assert.ok(
      await mgmt.get({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        namespace,
        name: 'sveltos-agent-both',
      }),
    );
    assert.match(
      r.stdout,
      new RegExp(`kubectl --kubeconfig ${env.cluster('cluster-b').kubeconfigPath} apply -f`),
    );
    const client = new RestClient(
      loadKubeConfig(readFileSync(join(dir, 'both', 'management-kubeconfig.yaml'), 'utf8')),
    );
    await client.apply(eventReport(namespace, 'both', 'es'), { fieldManager: 'test' });
  });
});

describe('sveltosctl deregister cluster', () => {
  const namespace = unique('dereg');

  it('removes what register created, agent credentials included', async () => {
    const out = join(dir, 'dereg');
    const reg = await sveltosctl([
      'register',
      'cluster',
      '--namespace',
      namespace,
      '--cluster',
      'gone',
      '--kubeconfig',
      env.cluster('cluster-a').kubeconfigPath,
      '--management-kubeconfig',
      mgmtKubeconfig,
      '--agent-in-managed-cluster',
      '--output-dir',
      out,
    ]);
    assert.equal(reg.code, 0, reg.stderr);
    const agentClient = new RestClient(
      loadKubeConfig(readFileSync(join(out, 'management-kubeconfig.yaml'), 'utf8')),
    );
    await agentClient.list(EventReportKind.apiVersion, EventReportKind.kind, { namespace });

    const r = await sveltosctl([
      'deregister',
      'cluster',
      '--namespace',
      namespace,
      '--cluster',
      'gone',
      '--kubeconfig',
      mgmtKubeconfig,
    ]);
    assert.equal(r.code, 0, r.stderr);
    for (const line of [
      `SveltosCluster ${namespace}/gone deleted`,
      `Secret ${namespace}/gone-sveltos-kubeconfig deleted`,
      `RoleBinding ${namespace}/sveltos-agent-gone deleted`,
      `Role ${namespace}/sveltos-agent-gone deleted`,
      `ServiceAccount ${namespace}/sveltos-agent-gone deleted`,
    ])
      assert.ok(r.stdout.includes(line), `${line} in:\n${r.stdout}`);
    const refs = [
      clusterRef(namespace, 'gone'),
      secretRef(namespace, 'gone-sveltos-kubeconfig'),
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        namespace,
        name: 'sveltos-agent-gone',
      },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', namespace, name: 'sveltos-agent-gone' },
      { apiVersion: 'v1', kind: 'ServiceAccount', namespace, name: 'sveltos-agent-gone' },
    ];
    for (const ref of refs)
      assert.equal(await mgmt.getOrUndefined(ref), undefined, `${ref.kind} ${ref.name} is gone`);
    // the agent's token died with its ServiceAccount
    const code = await eventually('the agent token to be rejected', async () => {
      const c = await failureOf(() =>
        agentClient.list(EventReportKind.apiVersion, EventReportKind.kind, { namespace }),
      ).catch(() => undefined);
      return c;
    });
    assert.match(code, /UNAUTHORIZED|FORBIDDEN/);
  });

  it('exits 1 for a cluster that is not registered', async () => {
    const r = await sveltosctl([
      'deregister',
      'cluster',
      '--namespace',
      namespace,
      '--cluster',
      'gone',
      '--kubeconfig',
      mgmtKubeconfig,
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(`SveltosCluster ${namespace}/gone not found: the cluster is not registered`),
    );
  });

  it('keeps a ServiceAccount of that name it did not create', async () => {
    const reg = await sveltosctl([
      'register',
      'cluster',
      '--namespace',
      namespace,
      '--cluster',
      'mine',
      '--kubeconfig',
      env.cluster('cluster-a').kubeconfigPath,
      '--management-kubeconfig',
      mgmtKubeconfig,
    ]);
    assert.equal(reg.code, 0, reg.stderr);
    await mgmt.create({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'sveltos-agent-mine', namespace },
    });
    const r = await sveltosctl([
      'deregister',
      'cluster',
      '--namespace',
      namespace,
      '--cluster',
      'mine',
      '--kubeconfig',
      mgmtKubeconfig,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /ServiceAccount \S+\/sveltos-agent-mine kept \(not created by sveltosctl\)/);
    assert.ok(
      await mgmt.get({ apiVersion: 'v1', kind: 'ServiceAccount', namespace, name: 'sveltos-agent-mine' }),
    );
  });
});

describe('sveltosctl generate kubeconfig', () => {
  const namespace = unique('gen');
  const managedKubeconfig = () => env.cluster('cluster-b').kubeconfigPath;
  after(async () => {
    const managed = new RestClient(env.cluster('cluster-b').kubeConfig());
    await managed.delete({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      name: `sveltos:${namespace}:sveltos`,
    });
    await managed.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
  });

  it('without --create, a missing ServiceAccount is an error naming --create (exit 1)', async () => {
    const r = await sveltosctl([
      'generate',
      'kubeconfig',
      '--kubeconfig',
      managedKubeconfig(),
      '--namespace',
      namespace,
      '--service-account',
      'sveltos',
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`namespace ${namespace} not found in the cluster; pass --create`));
    assert.equal(r.stdout, '');
  });

  it('--create makes a cluster-admin ServiceAccount and prints a working kubeconfig for it', async () => {
    const started = Date.now();
    const r = await sveltosctl([
      'generate',
      'kubeconfig',
      '--kubeconfig',
      managedKubeconfig(),
      '--namespace',
      namespace,
      '--service-account',
      'sveltos',
      '--create',
      '--expirationSeconds',
      '7200',
    ]);
    const ended = Date.now();
    assert.equal(r.code, 0, r.stderr);
    const config = loadKubeConfig(r.stdout);
    assert.equal(config.getCurrentUser()?.name, 'sveltos');
    assert.equal(config.getContextObject(config.getCurrentContext())?.namespace, namespace);
    const client = new RestClient(config);
    const version = await client.request<{ gitVersion: string; goVersion: string }>('GET', '/version');
    const admin = new RestClient(env.cluster('cluster-b').kubeConfig());
    assert.deepEqual(version, await admin.request('GET', '/version'));
    assert.ok(version.goVersion);
    const namespaces = await client.list('v1', 'Namespace');
    assert.ok(namespaces.items.some((n) => n.metadata.name === namespace));
    // it really is that ServiceAccount, with cluster-admin
    const review = await client.request<{ status: { userInfo: { username: string } } }>(
      'POST',
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } },
    );
    assert.equal(review.status.userInfo.username, `system:serviceaccount:${namespace}:sveltos`);
    const proof = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'kube-system',
      name: unique('admin-proof'),
    };
    await client.create({
      apiVersion: proof.apiVersion,
      kind: proof.kind,
      metadata: { name: proof.name, namespace: proof.namespace },
    });
    assert.equal(await client.delete(proof), true);
    const token = config.getCurrentUser()!.token!;
    const exp = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number })
      .exp;
    // issued between the command's start and end, for the lifetime asked (exp has whole seconds)
    assert.ok(
      exp * 1000 >= started + 7200_000 - 1000 && exp * 1000 <= ended + 7200_000 + 1000,
      `token exp ${exp}, asked 7200 s from ${started}..${ended} ms`,
    );
  });

  it('an existing ServiceAccount works without --create, and the output registers the cluster', async () => {
    const r = await sveltosctl([
      'generate',
      'kubeconfig',
      '--kubeconfig',
      managedKubeconfig(),
      '--namespace',
      namespace,
      '--serviceaccount',
      'sveltos',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const file = join(dir, 'generated.kubeconfig');
    writeFileSync(file, r.stdout);
    const reg = await sveltosctl([
      'register',
      'cluster',
      '--namespace',
      namespace,
      '--cluster',
      'generated',
      '--kubeconfig',
      file,
      '--management-kubeconfig',
      mgmtKubeconfig,
    ]);
    assert.equal(reg.code, 0, reg.stderr);
    const stored = decode(
      (await mgmt.get<Secret>(secretRef(namespace, 'generated-sveltos-kubeconfig'))).data?.kubeconfig,
    );
    assert.equal(stored, r.stdout);
    await mgmt.delete(clusterRef(namespace, 'generated'));
  });
});

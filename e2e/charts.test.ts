// The Helm charts, rendered by the real helm (built by testenv) and validated by a real API server with a
// server-side dry run: every object must be accepted as it would be installed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { KubeObject, RestClient } from '@sveltos-ts/kube';
import { ensureBinaries } from '@sveltos-ts/testenv';
import { parseAllDocuments } from 'yaml';
import { adminClient, createNamespace, uniqueName } from './support.ts';

const run = promisify(execFile);
const agentChart = fileURLToPath(new URL('../charts/sveltos-agent', import.meta.url));
let helm: string;
let client: RestClient;

async function render(namespace: string, values: string[]): Promise<KubeObject[]> {
  const { stdout } = await run(helm, [
    'template',
    'agent',
    agentChart,
    '--namespace',
    namespace,
    ...values.flatMap((v) => ['--set', v]),
  ]);
  return parseAllDocuments(stdout)
    .map((doc) => doc.toJSON() as KubeObject | null)
    .filter((doc): doc is KubeObject => doc !== null);
}

describe('charts/sveltos-agent', () => {
  before(async () => {
    helm = (await ensureBinaries(() => {})).helm;
    client = await adminClient('cluster-a');
  });

  it('passes helm lint', async () => {
    const { stdout } = await run(helm, ['lint', agentChart, '--set', 'cluster.namespace=ns,cluster.name=c']);
    assert.match(stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  for (const workload of ['DaemonSet', 'Deployment']) {
    it(`renders a ${workload} the API server accepts (server-side dry run)`, async () => {
      const namespace = uniqueName('agent-chart');
      await createNamespace(client, namespace);
      const objects = await render(namespace, [
        `workload=${workload}`,
        'cluster.namespace=fleet',
        'cluster.name=edge-1',
        'cluster.type=Capi',
      ]);
      const kinds = objects.map((o) => o.kind).sort();
      // Roles: leader election, and the agent's own copies of its reports in the release namespace
      assert.deepEqual(
        kinds,
        [
          'ClusterRole',
          'ClusterRoleBinding',
          workload,
          'Role',
          'Role',
          'RoleBinding',
          'RoleBinding',
          'ServiceAccount',
        ].sort(),
      );
      const local = objects.find((o) => o.kind === 'Role' && o.metadata.name.endsWith('-local-reports')) as
        | (KubeObject & { rules: Array<{ resources: string[]; verbs: string[] }> })
        | undefined;
      assert.equal(local?.metadata.namespace, namespace);
      assert.deepEqual(
        local?.rules.map((r) => r.resources),
        [['eventreports']],
      );
      for (const object of objects) {
        const accepted = await client.apply(object, { fieldManager: 'chart-test', dryRun: true });
        assert.equal(accepted.kind, object.kind);
      }
      const agent = objects.find((o) => o.kind === workload) as KubeObject & {
        spec: { template: { spec: { containers: Array<{ args: string[] }> } } };
      };
      const args = agent.spec.template.spec.containers[0]!.args;
      assert.ok(args.includes('--cluster-type=Capi'));
      assert.ok(args.includes('--leader-elect'), 'leader election is on by default');
      assert.ok(args.includes(`--leader-election-namespace=${namespace}`));
      assert.ok(args.includes(`--local-reports-namespace=${namespace}`));
    });
  }

  it('renders the management hosting the API server accepts: no cluster values, narrow RBAC', async () => {
    const namespace = uniqueName('agent-chart');
    await createNamespace(client, namespace);
    const objects = await render(namespace, ['hosting=management', 'workload=Deployment', 'replicas=1']);
    for (const object of objects) await client.apply(object, { fieldManager: 'chart-test', dryRun: true });
    const agent = objects.find((o) => o.kind === 'Deployment') as KubeObject & {
      spec: {
        template: { spec: { containers: Array<{ args: string[] }>; volumes: Array<{ name: string }> } };
      };
    };
    const args = agent.spec.template.spec.containers[0]!.args;
    assert.ok(args.includes('--hosting=management'));
    assert.ok(!args.some((a) => a.startsWith('--management-kubeconfig') || a.startsWith('--cluster-')));
    assert.deepEqual(
      agent.spec.template.spec.volumes.map((v) => v.name),
      ['tmp'],
      'no management kubeconfig Secret to mount',
    );
    const role = objects.find((o) => o.kind === 'ClusterRole') as KubeObject & {
      rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;
    };
    assert.ok(!role.rules.some((r) => [...r.apiGroups, ...r.resources, ...r.verbs].includes('*')));
    assert.ok(role.rules.some((r) => r.resources.includes('eventreports') && r.verbs.includes('create')));
    // a kubeconfig Secret instead of the in-cluster ServiceAccount (its own value, or a parent's global)
    for (const value of ['kubeconfig.secretName=k', 'global.kubeconfig.secretName=k']) {
      const [withKubeconfig] = (await render(namespace, ['hosting=management', value])).filter(
        (o) => o.kind === 'DaemonSet',
      ) as (typeof agent)[];
      assert.ok(
        withKubeconfig!.spec.template.spec.containers[0]!.args.includes(
          '--kubeconfig=/etc/sveltos/kubeconfig/kubeconfig',
        ),
      );
    }
  });

  it('renders one agent per shard key: its own names, --shard-key, beside the unsharded one', async () => {
    const namespace = uniqueName('agent-shard');
    await createNamespace(client, namespace);
    const unsharded = await render(namespace, ['hosting=management']);
    const sharded = await render(namespace, ['hosting=management', 'shardKey=s1']);
    for (const object of [...unsharded, ...sharded])
      await client.apply(object, { fieldManager: 'chart-test', dryRun: true });
    const names = (objects: KubeObject[]) => new Set(objects.map((o) => `${o.kind}/${o.metadata.name}`));
    const overlap = [...names(sharded)].filter((n) => names(unsharded).has(n));
    assert.deepEqual(overlap, [], 'two releases in one namespace: no object in common');
    const args = (objects: KubeObject[]) =>
      (
        objects.find((o) => o.kind === 'DaemonSet') as KubeObject & {
          spec: { template: { spec: { containers: Array<{ args: string[] }> } } };
        }
      ).spec.template.spec.containers[0]!.args;
    assert.ok(args(sharded).includes('--shard-key=s1'));
    assert.ok(!args(unsharded).some((a) => a.startsWith('--shard-key')));
    assert.ok(sharded.some((o) => o.kind === 'DaemonSet' && o.metadata.name === 'sveltos-agent-s1'));
  });

  it('refuses missing or contradictory values with a clear message', async () => {
    const failure = (values: string[]) =>
      render('x', values).then(
        () => assert.fail('helm template should fail'),
        (error: { stderr: string }) => error.stderr,
      );
    assert.match(await failure([]), /cluster\.namespace and cluster\.name are required/);
    assert.match(
      await failure(['cluster.namespace=a', 'cluster.name=b', 'workload=Job']),
      /DaemonSet or Deployment/,
    );
    assert.match(
      await failure([
        'cluster.namespace=a',
        'cluster.name=b',
        'workload=Deployment',
        'replicas=3',
        'leaderElection=false',
      ]),
      /several replicas need leaderElection/,
    );
    assert.match(await failure(['hosting=elsewhere']), /hosting must be managed or management/);
    assert.match(
      await failure(['cluster.namespace=a', 'cluster.name=b', 'shardKey=s1']),
      /only the management hosting is sharded/,
    );
    assert.match(await failure(['hosting=management', 'shardKey=Not_A_Key']), /shardKey "Not_A_Key"/);
  });

  it('keeps the chart free of hard-coded namespaces', async () => {
    const objects = await render('chosen-ns', ['cluster.namespace=a', 'cluster.name=b']);
    for (const object of objects.filter((o) => o.metadata.namespace !== undefined)) {
      assert.equal(object.metadata.namespace, 'chosen-ns', `${object.kind} ${object.metadata.name}`);
    }
  });
});

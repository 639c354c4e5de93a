// The management-cluster controllers as users run them: the real entry points as processes, with leader
// election on, ready once synced, serving metrics, stopping cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { crds } from '@sveltos-ts/api';
import { type Lease, RestClient } from '@sveltos-ts/kube';
import { eventually, TestEnv } from '@sveltos-ts/testenv';

const entries = [
  {
    name: 'event-manager',
    main: '../packages/event-manager/src/main.ts',
    metric: 'workqueue_depth{name="eventtrigger-cluster"}',
  },
  {
    name: 'addon-controller',
    main: '../packages/addon-controller/src/main.ts',
    metric: 'workqueue_depth{name="clusterprofile-cluster"}',
  },
];

describe('controller processes', () => {
  let env: TestEnv;
  before(async () => {
    env = await TestEnv.start({ clusters: [{ name: 'mgmt', controllerManager: false }] });
    await env.cluster('mgmt').installCrds(crds);
    await new RestClient(env.cluster('mgmt').kubeConfig()).create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'projectsveltos' },
    });
  });
  after(() => env.stop());

  for (const entry of entries) {
    it(`${entry.name}: leads, becomes ready, serves metrics, exits 0 on SIGTERM`, async () => {
      const child = spawn(
        process.execPath,
        [
          fileURLToPath(new URL(entry.main, import.meta.url)),
          `--kubeconfig=${env.cluster('mgmt').kubeconfigPath}`,
          '--metrics-port=0',
          '--leader-elect',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let logs = '';
      child.stderr.on('data', (chunk: Buffer) => {
        logs += chunk.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      try {
        const port = await eventually('the metrics address', () => {
          const match = /"address":"http:\/\/[\d.]+:(\d+)"/.exec(logs);
          return match ? Number(match[1]) : undefined;
        });
        await eventually(
          'readiness',
          async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200,
          60_000,
        );
        // once it leads, the Lease names it and its controllers' queues show in the metrics
        const metric = new RegExp(`^${entry.metric.replace(/[{}]/g, '\\$&')} \\d`, 'm');
        await eventually('the controllers running as leader', async () =>
          metric.test(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()),
        );
        const lease = await new RestClient(env.cluster('mgmt').kubeConfig()).get<Lease>({
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          namespace: 'projectsveltos',
          name: entry.name,
        });
        assert.match(lease.spec?.holderIdentity ?? '', /.+/, 'the Lease records the leader');
        assert.match(
          await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
          new RegExp(`^leader_election_master_status\\{name="${entry.name}"\\} 1`, 'm'),
        );
      } finally {
        child.kill('SIGTERM');
      }
      assert.equal(await exited, 0);
      assert.match(logs, /"msg":"stopped"/);
      for (const line of logs.trim().split('\n')) {
        assert.equal((JSON.parse(line) as { component?: string }).component, entry.name);
      }
    });
  }
});

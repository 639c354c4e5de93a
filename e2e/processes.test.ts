// The management-cluster controllers as users run them: the real entry points as processes, with leader
// election on, ready only once leading and synced, serving metrics, stopping cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { crds } from '@sveltos-ts/api';
import { RestClient } from '@sveltos-ts/kube';
import { eventually, TestEnv } from '@sveltos-ts/testenv';

const entries = [
  {
    name: 'event-manager',
    main: '../packages/event-manager/src/main.ts',
    metric: 'sveltos_event_manager_queue_depth',
  },
  {
    name: 'addon-controller',
    main: '../packages/addon-controller/src/main.ts',
    metric: 'sveltos_addon_controller_queue_depth',
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
        const lease = await new RestClient(env.cluster('mgmt').kubeConfig()).list(
          'coordination.k8s.io/v1',
          'Lease',
          {
            namespace: 'projectsveltos',
          },
        );
        assert.ok(lease.items.length > 0, 'a Lease in the namespace records the leader');
        assert.match(
          await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
          new RegExp(`^${entry.metric}`, 'm'),
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

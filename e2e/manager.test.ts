// The Manager as controller-runtime's: controllers of one process share one informer (one list + watch) per
// kind, counted by the API server itself; a replica that does not lead is Ready, and takes over when the
// leader stops.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { addAddonController } from '@sveltos-ts/addon-controller';
import { crds, EVENT_TRIGGER_FINALIZER, LIB_API_VERSION } from '@sveltos-ts/api';
import { addEventManager } from '@sveltos-ts/event-manager';
import { type KubeObject, type Lease, RestClient } from '@sveltos-ts/kube';
import { Manager } from '@sveltos-ts/runtime';
import { eventually, TestEnv } from '@sveltos-ts/testenv';

/** Open WATCH requests per resource, from the API server's own gauge. */
async function watchesByResource(client: RestClient): Promise<Map<string, number>> {
  const text = await client.text('/metrics');
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_longrunning_requests{')) continue;
    if (!line.includes('verb="WATCH"')) continue;
    const resource = /resource="([^"]*)"/.exec(line)?.[1] ?? '';
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    out.set(resource, (out.get(resource) ?? 0) + value);
  }
  return out;
}

describe('Manager', () => {
  let env: TestEnv;
  let admin: RestClient;
  before(async () => {
    // no kube-controller-manager: besides the API server's own, every watch on this API server is ours
    env = await TestEnv.start({ clusters: [{ name: 'solo', controllerManager: false }] });
    await env.cluster('solo').installCrds(crds);
    admin = new RestClient(env.cluster('solo').kubeConfig());
    await admin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'projectsveltos' } });
  });
  after(() => env?.stop());

  const kinds = ['configmaps', 'secrets', 'clusterprofiles', 'sveltosclusters', 'clustersets'];

  it('two controllers in one process share one informer per kind', async () => {
    // the API server watches some kinds itself (configmaps in kube-system): count what we add
    const baseline = await watchesByResource(admin);
    const added = (w: Map<string, number>, k: string) => (w.get(k) ?? 0) - (baseline.get(k) ?? 0);
    const manager = new Manager({ name: 'controllers', kubeConfig: env.cluster('solo').kubeConfig() });
    addEventManager(manager);
    addAddonController(manager);
    await manager.start();
    try {
      const watches = await eventually('the watches to be open', async () => {
        const w = await watchesByResource(admin);
        return kinds.every((k) => added(w, k) >= 1) ? w : undefined;
      });
      for (const k of kinds) assert.equal(added(watches, k), 1, `${k}: one watch for both controllers`);
      const total = [...watches.keys()].reduce((sum, k) => sum + added(watches, k), 0);
      assert.equal(total, manager.cache.size, 'one watch per informer of the shared cache');
    } finally {
      await manager.stop();
    }
    // the same two controllers in two Managers (two processes' worth) watch the shared kinds twice: the
    // count above is the sharing, not an artefact of how watches are counted
    const apart = [
      new Manager({ name: 'event-manager', kubeConfig: env.cluster('solo').kubeConfig() }),
      new Manager({ name: 'addon-controller', kubeConfig: env.cluster('solo').kubeConfig() }),
    ];
    addEventManager(apart[0]!);
    addAddonController(apart[1]!);
    await Promise.all(apart.map((m) => m.start()));
    try {
      const watches = await eventually('the watches of two managers', async () => {
        const w = await watchesByResource(admin);
        return added(w, 'configmaps') >= 2 && added(w, 'secrets') >= 2 ? w : undefined;
      });
      assert.equal(added(watches, 'configmaps'), 2);
      assert.equal(added(watches, 'secrets'), 2);
    } finally {
      await Promise.all(apart.map((m) => m.stop()));
    }
  });

  it('a replica that does not lead is Ready, and takes over when the leader stops', async () => {
    const main = fileURLToPath(new URL('../packages/event-manager/src/main.ts', import.meta.url));
    const start = (name: string) => {
      const child = spawn(
        process.execPath,
        [main, `--kubeconfig=${env.cluster('solo').kubeconfigPath}`, '--metrics-port=0', '--leader-elect'],
        { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, HOSTNAME: name } },
      );
      let logs = '';
      child.stderr.on('data', (chunk: Buffer) => {
        logs += chunk.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      const port = eventually(`${name}'s metrics address`, () => {
        const match = /"address":"http:\/\/[\d.]+:(\d+)"/.exec(logs);
        return match ? Number(match[1]) : undefined;
      });
      return { child, exited, port, logs: () => logs };
    };
    const get = async (port: number, path: string) => {
      const response = await fetch(`http://127.0.0.1:${port}${path}`);
      return { status: response.status, body: await response.text() };
    };
    const leading = async (port: number) =>
      /^leader_election_master_status\{name="event-manager"\} 1/m.test((await get(port, '/metrics')).body);
    const replicas = [start('replica-a'), start('replica-b')];
    try {
      const ports = await Promise.all(replicas.map((r) => r.port));
      for (const port of ports) {
        await eventually(
          'readiness of both replicas',
          async () => (await get(port, '/readyz')).status === 200,
          60_000,
        );
      }
      const leader = await eventually('one leader', async () => {
        const states = await Promise.all(ports.map(leading));
        return states.filter(Boolean).length === 1 ? states.indexOf(true) : undefined;
      });
      const follower = 1 - leader;
      assert.equal((await get(ports[follower]!, '/readyz')).status, 200, 'the follower is Ready');
      assert.equal(await leading(ports[follower]!), false);

      replicas[leader]!.child.kill('SIGTERM');
      assert.equal(await replicas[leader]!.exited, 0);
      await eventually('the follower to lead', () => leading(ports[follower]!), 60_000);
      const lease = await admin.get<Lease>({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        namespace: 'projectsveltos',
        name: 'event-manager',
      });
      assert.match(lease.spec?.holderIdentity ?? '', /^replica-/);
      // and it reconciles: a new EventTrigger gets the finalizer from the new leader
      await admin.create({
        apiVersion: LIB_API_VERSION,
        kind: 'EventTrigger',
        metadata: { name: 'after-takeover' },
        spec: { eventSourceName: 'none', sourceClusterSelector: { matchLabels: { none: 'none' } } },
      });
      await eventually('the new leader to reconcile', async () => {
        const et = await admin.get<KubeObject>({
          apiVersion: LIB_API_VERSION,
          kind: 'EventTrigger',
          name: 'after-takeover',
        });
        return et.metadata.finalizers?.includes(EVENT_TRIGGER_FINALIZER);
      });
    } finally {
      for (const r of replicas) r.child.kill('SIGTERM');
      await Promise.all(replicas.map((r) => r.exited));
    }
  });
});

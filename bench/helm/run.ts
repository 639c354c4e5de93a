// Event → Helm release installed, through every component and the real helm: a Namespace labelled
// app-chart=enabled is created in a managed cluster (e2e/helm-events.ts); the clock stops when a watch on
// that cluster sees the ConfigMap the installed chart renders. The chart comes from the HTTPS chart
// repository of the test bed (cached after the first install, as in production).
//
//   node bench/helm/run.ts [events=20]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Informer } from '@sveltos-ts/kube';
import { ensureBinaries, startChartServers, TestEnv } from '@sveltos-ts/testenv';
import { appNamespace, helmEventObjects } from '../../e2e/helm-events.ts';
import { startFleet } from '../../e2e/scenarios.ts';

const events = Number(process.argv[2] ?? 20);
const root = fileURLToPath(new URL('../..', import.meta.url));

const env = await TestEnv.start({ clusters: ['mgmt', 'cluster-a', 'cluster-b'], log: () => {} });
const servers = await startChartServers(env);
const cacheDir = mkdtempSync(join(tmpdir(), 'bench-helm-'));
const fleet = await startFleet(env, undefined, {
  tools: { helmBinary: (await ensureBinaries()).helm, cacheDir },
});
try {
  for (const o of helmEventObjects(servers, { env: 'production' }))
    await fleet.client('mgmt').apply(o, { fieldManager: 'bench' });
  const cluster = fleet.client('cluster-a');
  const seen = new Map<string, number>();
  const settings = new Informer(cluster, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    labelSelector: 'app.kubernetes.io/name=sveltos-test-app',
  });
  settings.on((event) => {
    if (event.type === 'add') seen.set(event.object.metadata.namespace ?? '', performance.now());
  });
  settings.start();
  await settings.waitForSync();

  // one warm-up event: the first install also fetches the chart into the cache
  const latencies: number[] = [];
  for (let i = -1; i < events; i++) {
    const name = i < 0 ? 'bench-warmup' : `bench-${i}`;
    const started = performance.now();
    await cluster.create(appNamespace(name, '1.0.0'));
    const deadline = Date.now() + 60_000;
    while (!seen.has(name)) {
      if (Date.now() > deadline) throw new Error(`no release for ${name} after 60 s`);
      await sleep(5);
    }
    if (i >= 0) latencies.push(seen.get(name)! - started);
  }
  await settings.stop();

  const sorted = [...latencies].sort((a, b) => a - b);
  const quantile = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const result = {
    benchmark: 'event-to-helm-release-installed',
    events,
    p50Ms: Math.round(quantile(0.5)),
    p99Ms: Math.round(quantile(0.99)),
    maxMs: Math.round(sorted.at(-1)!),
    node: process.version,
    date: new Date().toISOString(),
  };
  console.log(
    `event → Helm release installed (Namespace → sveltos-test-app, ${events} events): p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms`,
  );
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/helm.local.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await fleet.stop();
  await servers.stop();
  await env.stop();
  rmSync(cacheDir, { recursive: true, force: true });
}

// Event → add-on applied, through every component (target p50 ≤ 400 ms, p99 ≤ 1.5 s in
// docs/architecture.md): a Service labelled network-policy=front is created in a managed cluster
// (examples/network-policy-per-service); the clock stops when a watch on that cluster sees the
// NetworkPolicy the addon-controller applied. Agents, event-manager and addon-controller run in this
// process, as in the demo.
//
//   node bench/chain/run.ts [events=50]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Informer } from '@sveltos-ts/kube';
import { TestEnv } from '@sveltos-ts/testenv';
import { converge, scenarios, startFleet } from '../../e2e/scenarios.ts';

const events = Number(process.argv[2] ?? 50);
const root = fileURLToPath(new URL('../..', import.meta.url));

const env = await TestEnv.start({ clusters: ['mgmt', 'cluster-a', 'cluster-b'], log: () => {} });
const fleet = await startFleet(env);
try {
  const perService = scenarios.find((s) => s.example === 'network-policy-per-service')!;
  await perService.apply(fleet);
  await converge(fleet, perService.expected);

  const cluster = fleet.client('cluster-b');
  const seen = new Map<string, number>();
  const policies = new Informer(cluster, {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    namespace: 'default',
  });
  policies.on((event) => {
    if (event.type === 'add') seen.set(event.object.metadata.name, performance.now());
  });
  policies.start();
  await policies.waitForSync();

  const latencies: number[] = [];
  for (let i = 0; i < events; i++) {
    const name = `bench-${i}`;
    const started = performance.now();
    await cluster.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'default', labels: { 'network-policy': 'front' } },
      spec: { selector: { app: name }, ports: [{ port: 80 }] },
    });
    const deadline = Date.now() + 30_000;
    while (!seen.has(`allow-internal-to-${name}`)) {
      if (Date.now() > deadline) throw new Error(`no NetworkPolicy for ${name} after 30 s`);
      await sleep(5);
    }
    latencies.push(seen.get(`allow-internal-to-${name}`)! - started);
  }
  await policies.stop();

  const sorted = [...latencies].sort((a, b) => a - b);
  const quantile = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const result = {
    benchmark: 'event-to-addon-applied',
    events,
    p50Ms: Math.round(quantile(0.5)),
    p99Ms: Math.round(quantile(0.99)),
    maxMs: Math.round(sorted.at(-1)!),
    targets: { p50Ms: 400, p99Ms: 1500 },
    node: process.version,
    date: new Date().toISOString(),
  };
  console.log(
    `event → add-on applied (Service → NetworkPolicy, ${events} events): p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms (targets 400 ms / 1.5 s)`,
  );
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/chain.local.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await fleet.stop();
  await env.stop();
}

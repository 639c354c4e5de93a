// Event → add-on applied, through every component (target p50 ≤ 400 ms, p99 ≤ 1.5 s in
// docs/architecture.md): a Service labelled network-policy=front is created in a managed cluster
// (examples/network-policy-per-service); the clock stops when a watch on that cluster sees the
// NetworkPolicy the addon-controller applied. Agents, event-manager and addon-controller run in this
// process, as in the demo.
//
// Per hop (issue 17), from this process's own watches of the management cluster, one event at a time so
// every write in the window belongs to the event: agent = Service created → EventReport content changed;
// event-manager = → a ClusterProfile's spec written (status writes skipped); addon-controller = → the
// NetworkPolicy seen in the managed cluster. Each hop includes one watch delivery.
//
//   node bench/chain/run.ts [events=50]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  // the last content change of each kind, to split the chain into hops
  const lastWrite = { report: 0, profile: 0 };
  const mgmt = fleet.client('mgmt');
  const reports = new Informer(mgmt, { apiVersion: 'lib.projectsveltos.io/v1beta1', kind: 'EventReport' });
  reports.on((event) => {
    if (event.type === 'delete') return;
    const spec = (o: unknown) => JSON.stringify((o as { spec?: unknown }).spec);
    if (event.type === 'add' || spec(event.object) !== spec(event.old)) lastWrite.report = performance.now();
  });
  const profiles = new Informer(mgmt, {
    apiVersion: 'config.projectsveltos.io/v1beta1',
    kind: 'ClusterProfile',
  });
  profiles.on((event) => {
    if (event.type === 'delete') return;
    if (event.type === 'add' || event.object.metadata.generation !== event.old.metadata.generation)
      lastWrite.profile = performance.now();
  });
  reports.start();
  profiles.start();
  await Promise.all([reports.waitForSync(), profiles.waitForSync()]);
  const hops: Record<'agent' | 'eventManager' | 'addonController', number[]> = {
    agent: [],
    eventManager: [],
    addonController: [],
  };

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
    const applied = seen.get(`allow-internal-to-${name}`)!;
    latencies.push(applied - started);
    // a hop whose write was not seen in the window (an unchanged object) is left out, not counted as 0
    if (lastWrite.report > started && lastWrite.profile > lastWrite.report && applied > lastWrite.profile) {
      hops.agent.push(lastWrite.report - started);
      hops.eventManager.push(lastWrite.profile - lastWrite.report);
      hops.addonController.push(applied - lastWrite.profile);
    }
  }
  await Promise.all([policies.stop(), reports.stop(), profiles.stop()]);

  const quantileOf = (values: number[], q: number): number => {
    const ordered = [...values].sort((a, b) => a - b);
    return ordered[Math.min(ordered.length - 1, Math.ceil(q * ordered.length) - 1)] ?? Number.NaN;
  };
  const sorted = [...latencies].sort((a, b) => a - b);
  const quantile = (q: number): number => quantileOf(latencies, q);
  const perHop = Object.fromEntries(
    Object.entries(hops).map(([hop, values]) => [
      hop,
      {
        samples: values.length,
        p50Ms: Math.round(quantileOf(values, 0.5)),
        p99Ms: Math.round(quantileOf(values, 0.99)),
      },
    ]),
  );
  const result = {
    benchmark: 'event-to-addon-applied',
    events,
    p50Ms: Math.round(quantile(0.5)),
    p99Ms: Math.round(quantile(0.99)),
    maxMs: Math.round(sorted.at(-1)!),
    perHop,
    targets: { p50Ms: 400, p99Ms: 1500 },
    load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    node: process.version,
    date: new Date().toISOString(),
  };
  console.log(
    `event → add-on applied (Service → NetworkPolicy, ${events} events): p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms (targets 400 ms / 1.5 s)`,
  );
  for (const [hop, h] of Object.entries(perHop))
    console.log(`  ${hop}: p50 ${h.p50Ms} ms, p99 ${h.p99Ms} ms (${h.samples} samples)`);
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/chain.local.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await fleet.stop();
  await env.stop();
}

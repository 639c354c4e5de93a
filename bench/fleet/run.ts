// A fleet (issue 17): 1,000 registered clusters and 100 EventTriggers, run unsharded and with 3 shards on the
// same machine. Goals: each component idle ≤ 0.1 core; a burst of 10,000 matching objects across 100
// clusters → every add-on applied in ≤ 60 s.
//
// Many SveltosClusters point at a few API servers (docs/design/fleet-bench.md says why this layout):
//   - "quiet": the 900 clusters no event fires in; each still has its agent watching, its probe, its empty
//     EventReport;
//   - "burst-1..3": the 100 clusters the burst lands in (about 33 per server).
// Trigger i selects group i (cluster j is in group j mod 100: one burst cluster and nine quiet ones). All
// triggers share one EventSource (ConfigMaps labelled fleet-burst=yes, collected), so each server holds one
// EventSource copy and each cluster one EventReport. The burst creates 100 such ConfigMaps on each burst
// server; every cluster registered through that server sees them, so 100 clusters × 100 objects = 10,000
// matches. oneForEvent: each match becomes a ClusterProfile deploying one ConfigMap named after its cluster
// and object; the clock stops when all 10,000 are on the burst servers.
//
// The components run as processes (the esbuild bundles with --bundle <dir>, as the images ship them): per
// shard an event-manager, an addon-controller and a management-hosted agent.
//
//   node bench/fleet/run.ts [--shards 1,3] [--clusters 1000] [--burst-clusters 100] [--objects 100]
//                           [--idle-seconds 30] [--bundle <dir>]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { CONFIG_API_VERSION, crds, LIB_API_VERSION, SHARD_ANNOTATION } from '@sveltos-ts/api';
import { Informer, type KubeObject, RestClient } from '@sveltos-ts/kube';
import { TestEnv } from '@sveltos-ts/testenv';
import {
  loadAverage,
  machineBusySeconds,
  procStat,
  type RunningProcess,
  repoRoot,
  sampleIdle,
  startProcess,
  waitReady,
} from '../lib/process.ts';

const { values } = parseArgs({
  options: {
    shards: { type: 'string', default: '1,3' },
    clusters: { type: 'string', default: '1000' },
    'burst-clusters': { type: 'string', default: '100' },
    triggers: { type: 'string', default: '100' },
    objects: { type: 'string', default: '100' },
    'idle-seconds': { type: 'string', default: '30' },
    bundle: { type: 'string' },
  },
});
const clusters = Number(values.clusters);
const burstClusters = Number(values['burst-clusters']);
const triggers = Number(values.triggers);
const objectsPerCluster = Number(values.objects);
const idleSeconds = Number(values['idle-seconds']);
const bundleDir = values.bundle;
const burstServers = ['burst-1', 'burst-2', 'burst-3'];
const NS = 'fleet';
const EVENTS_NS = 'fleet-events';
const ADDONS_NS = 'fleet-addons';

if (burstClusters > triggers || clusters < burstClusters)
  throw new Error('--burst-clusters must be at most --triggers and at most --clusters');

/** Cluster j: a burst cluster (j < burstClusters, round robin over the burst servers) or a quiet one. */
const serverOf = (j: number): string =>
  j < burstClusters ? burstServers[j % burstServers.length]! : 'quiet';
const clusterName = (j: number): string => `c${String(j).padStart(4, '0')}`;

/** Runs `task` over `items`, `width` at a time. */
async function pool<T>(items: T[], width: number, task: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

interface ComponentFigures {
  processes: number;
  idle: { cores: number; maxProcessCores: number; rssMb: number; maxProcessRssMb: number };
  burst: { cpuSeconds: number; cpuMsPerEvent: number; peakRssMb: number; maxProcessPeakRssMb: number };
}

async function runFleet(shardCount: number): Promise<Record<string, unknown>> {
  const shardKeys = ['', 's1', 's2', 's3', 's4'].slice(0, shardCount);
  console.log(`\n— ${clusters} clusters, ${triggers} triggers, ${shardCount} shard(s) —`);
  const env = await TestEnv.start({
    clusters: ['mgmt', 'quiet', ...burstServers].map((name) => ({ name, controllerManager: false })),
    log: () => {},
  });
  const processes: Array<RunningProcess & { component: string }> = [];
  try {
    await Promise.all(env.clusters().map((c) => c.installCrds(crds)));
    const mgmt = new RestClient(env.cluster('mgmt').kubeConfig());
    for (const name of ['projectsveltos', NS])
      await mgmt.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    for (const server of burstServers) {
      const client = new RestClient(env.cluster(server).kubeConfig());
      for (const name of [EVENTS_NS, ADDONS_NS])
        await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }

    // what fires and what is deployed
    await mgmt.create({
      apiVersion: LIB_API_VERSION,
      kind: 'EventSource',
      metadata: { name: 'fleet-burst' },
      spec: {
        collectResources: true,
        resourceSelectors: [
          {
            group: '',
            version: 'v1',
            kind: 'ConfigMap',
            namespace: EVENTS_NS,
            labelFilters: [{ key: 'fleet-burst', operation: 'Equal', value: 'yes' }],
          },
        ],
      },
    });
    await mgmt.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'addon', namespace: NS, annotations: { 'projectsveltos.io/instantiate': 'true' } },
      data: {
        'addon.yaml': [
          'apiVersion: v1',
          'kind: ConfigMap',
          'metadata:',
          '  name: {{ .Cluster.metadata.name }}-{{ .Resource.metadata.name }}',
          `  namespace: ${ADDONS_NS}`,
          'data:',
          '  event: {{ .Resource.metadata.name }}',
          '',
        ].join('\n'),
      },
    });
    await pool(
      Array.from({ length: triggers }, (_, i) => i),
      10,
      (i) =>
        mgmt.create({
          apiVersion: LIB_API_VERSION,
          kind: 'EventTrigger',
          metadata: { name: `group-${i}` },
          spec: {
            sourceClusterSelector: { matchLabels: { 'fleet-group': `g${i}` } },
            eventSourceName: 'fleet-burst',
            oneForEvent: true,
            policyRefs: [{ kind: 'ConfigMap', namespace: NS, name: 'addon' }],
          },
        }),
    );

    // the fleet
    const registered = performance.now();
    await pool(
      Array.from({ length: clusters }, (_, j) => j),
      20,
      async (j) => {
        const name = clusterName(j);
        await mgmt.create({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: `${name}-sveltos-kubeconfig`, namespace: NS },
          stringData: { kubeconfig: env.cluster(serverOf(j)).kubeconfigYaml },
        });
        const shard = shardKeys[j % shardKeys.length]!;
        await mgmt.create({
          apiVersion: LIB_API_VERSION,
          kind: 'SveltosCluster',
          metadata: {
            name,
            namespace: NS,
            labels: { 'fleet-group': `g${j % triggers}` },
            ...(shard ? { annotations: { [SHARD_ANNOTATION]: shard } } : {}),
          },
          spec: {},
        });
      },
    );

    const kubeconfig = `--kubeconfig=${env.cluster('mgmt').kubeconfigPath}`;
    const common = [kubeconfig, '--log-level=warn'];
    for (const key of shardKeys) {
      const shard = key ? [`--shard-key=${key}`] : [];
      const suffix = key ? `[${key}]` : '';
      const started = await Promise.all([
        startProcess(`event-manager${suffix}`, 'event-manager', [...common, ...shard], { bundleDir }),
        startProcess(`addon-controller${suffix}`, 'addon-controller', [...common, ...shard], { bundleDir }),
        startProcess(`agent${suffix}`, 'sveltos-agent', ['--hosting=management', ...common, ...shard], {
          bundleDir,
        }),
      ]);
      processes.push(
        ...started.map((p, i) => ({
          ...p,
          component: ['event-manager', 'addon-controller', 'agent'][i]!,
        })),
      );
    }
    await Promise.all(processes.map((p) => waitReady(p)));

    // settled: every cluster ready and reported on (an empty EventReport per cluster)
    await until(`${clusters} clusters ready`, 600, async () => {
      const list = await mgmt.list<KubeObject & { status?: { ready?: boolean } }>(
        LIB_API_VERSION,
        'SveltosCluster',
        { namespace: NS },
      );
      return list.items.filter((c) => c.status?.ready).length === clusters;
    });
    await until(`${clusters} EventReports`, 600, async () => {
      const reports = await mgmt.list(LIB_API_VERSION, 'EventReport', { namespace: NS });
      return reports.items.length >= clusters;
    });
    const settledSeconds = (performance.now() - registered) / 1000;
    console.log(`registered, probed and reported on in ${settledSeconds.toFixed(1)} s; settling`);
    await sleep(15_000);

    const load = { idleBefore: loadAverage(), idleAfter: '', burstAfter: '' };
    let busy = machineBusySeconds();
    let clock = performance.now();
    const idle = await sampleIdle(
      Object.fromEntries(processes.map((p) => [p.name, p.child.pid!])),
      idleSeconds,
    );
    load.idleAfter = loadAverage();
    // the whole machine (API servers and etcd included), in cores
    const machineCores = {
      idle: (machineBusySeconds() - busy) / ((performance.now() - clock) / 1000),
      burst: 0,
    };

    // the burst
    const applied = burstServers.map((server) => {
      const names = new Set<string>();
      const informer = new Informer(new RestClient(env.cluster(server).kubeConfig()), {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: ADDONS_NS,
        cacheAs: (o) => ({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name } }),
      });
      informer.on((event) => {
        if (event.type === 'delete') names.delete(event.object.metadata.name);
        else names.add(event.object.metadata.name);
      });
      return { informer: informer.start(), names };
    });
    await Promise.all(applied.map((a) => a.informer.waitForSync()));
    const expected = burstClusters * objectsPerCluster;
    const hopsBefore = await hopHistograms(processes);
    const requestsBefore = await apiRequests(mgmt);
    const profileCount = new Informer(mgmt, {
      apiVersion: CONFIG_API_VERSION,
      kind: 'ClusterProfile',
      cacheAs: (o) => ({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name } }),
    }).start();
    await profileCount.waitForSync();
    const timeline: Array<{ second: number; profiles: number; applied: number }> = [];
    const cpuBefore = Object.fromEntries(processes.map((p) => [p.name, procStat(p.child.pid!).cpuSeconds]));
    const peak = Object.fromEntries(processes.map((p) => [p.name, procStat(p.child.pid!).rssMb]));
    const burstStarted = performance.now();
    busy = machineBusySeconds();
    clock = burstStarted;
    const objectsPerServer = objectsPerCluster; // every cluster of a server sees all of its objects
    await pool(
      burstServers.flatMap((server) => Array.from({ length: objectsPerServer }, (_, n) => ({ server, n }))),
      20,
      ({ server, n }) =>
        new RestClient(env.cluster(server).kubeConfig()).create({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: `event-${String(n).padStart(4, '0')}`,
            namespace: EVENTS_NS,
            labels: { 'fleet-burst': 'yes' },
          },
          data: { n: String(n) },
        }),
    );
    const createdSeconds = (performance.now() - burstStarted) / 1000;
    let appliedCount = 0;
    await until(
      `${expected} add-ons applied`,
      900,
      async () => {
        for (const p of processes) peak[p.name] = Math.max(peak[p.name]!, procStat(p.child.pid!).rssMb);
        appliedCount = applied.reduce((n, a) => n + a.names.size, 0);
        const second = Math.floor((performance.now() - burstStarted) / 1000);
        if (second > (timeline.at(-1)?.second ?? -1))
          timeline.push({ second, profiles: profileCount.list().length, applied: appliedCount });
        return appliedCount >= expected;
      },
      250,
    );
    const burstSeconds = (performance.now() - burstStarted) / 1000;
    machineCores.burst = (machineBusySeconds() - busy) / ((performance.now() - clock) / 1000);
    const cpuBurst = Object.fromEntries(
      processes.map((p) => [p.name, procStat(p.child.pid!).cpuSeconds - cpuBefore[p.name]!]),
    );
    load.burstAfter = loadAverage();
    const perHop = hopFigures(hopsBefore, await hopHistograms(processes));
    const managementRequests = requestsPerEvent(requestsBefore, await apiRequests(mgmt), expected);
    // FLEET_METRICS_DIR=<dir>: each process's /metrics after the burst, to see where the time went
    const metricsDir = process.env.FLEET_METRICS_DIR;
    if (metricsDir) {
      mkdirSync(metricsDir, { recursive: true });
      for (const p of processes)
        writeFileSync(
          join(metricsDir, `${shardCount}-${p.name}.prom`),
          await (await fetch(`http://127.0.0.1:${p.port}/metrics`)).text(),
        );
    }
    await profileCount.stop();
    await Promise.all(applied.map((a) => a.informer.stop()));
    const profiles = (await mgmt.list(CONFIG_API_VERSION, 'ClusterProfile')).items.length;

    const byComponent: Record<string, ComponentFigures> = {};
    for (const component of ['event-manager', 'addon-controller', 'agent']) {
      const mine = processes.filter((p) => p.component === component);
      const cpuSeconds = mine.reduce((s, p) => s + cpuBurst[p.name]!, 0);
      byComponent[component] = {
        processes: mine.length,
        idle: {
          cores: round(
            mine.reduce((s, p) => s + idle[p.name]!.cores, 0),
            4,
          ),
          maxProcessCores: Math.max(...mine.map((p) => idle[p.name]!.cores)),
          rssMb: mine.reduce((s, p) => s + idle[p.name]!.rssMb, 0),
          maxProcessRssMb: Math.max(...mine.map((p) => idle[p.name]!.rssMb)),
        },
        burst: {
          cpuSeconds: round(cpuSeconds, 1),
          cpuMsPerEvent: round((cpuSeconds * 1000) / expected, 2),
          peakRssMb: Math.round(mine.reduce((s, p) => s + peak[p.name]!, 0)),
          maxProcessPeakRssMb: Math.round(Math.max(...mine.map((p) => peak[p.name]!))),
        },
      };
    }
    console.log(
      `burst: ${expected} objects' add-ons applied in ${burstSeconds.toFixed(1)} s (objects created in ${createdSeconds.toFixed(1)} s; ${profiles} ClusterProfiles)`,
    );
    console.log(
      `  machine (API servers included): ${machineCores.idle.toFixed(2)} cores busy idle, ${machineCores.burst.toFixed(2)} in the burst`,
    );
    const writes = Object.entries(managementRequests).filter(([k]) =>
      /^(POST|PUT|PATCH|DELETE|APPLY) /.test(k),
    );
    console.log(
      `  management API server, writes per event: ${writes.map(([k, n]) => `${k} ${n}`).join(', ')} (total ${round(
        writes.reduce((sum, [, n]) => sum + n, 0),
        2,
      )})`,
    );
    for (const [hop, h] of Object.entries(perHop))
      console.log(
        `  ${hop}: ${h.samples} samples, mean ${h.meanMs} ms, p50 ≤ ${h.p50AtMostSeconds} s, p99 ≤ ${h.p99AtMostSeconds} s`,
      );
    for (const [component, f] of Object.entries(byComponent))
      console.log(
        `  ${component} ×${f.processes}: idle ${f.idle.cores} cores (max ${f.idle.maxProcessCores} per process), ${f.idle.rssMb} MB; burst ${f.burst.cpuSeconds} CPU s (${f.burst.cpuMsPerEvent} ms per event), peak ${f.burst.peakRssMb} MB (max ${f.burst.maxProcessPeakRssMb} per process)`,
      );
    return {
      shards: shardCount,
      settledSeconds: round(settledSeconds, 1),
      idleWindowSeconds: idleSeconds,
      burst: {
        objectsCreated: objectsPerServer * burstServers.length,
        matches: expected,
        clusterProfiles: profiles,
        createdSeconds: round(createdSeconds, 1),
        allAppliedSeconds: round(burstSeconds, 1),
        perHop,
        managementRequestsPerEvent: managementRequests,
        timeline,
      },
      machineBusyCores: { idle: round(machineCores.idle, 2), burst: round(machineCores.burst, 2) },
      components: byComponent,
      processes: Object.fromEntries(
        processes.map((p) => [
          p.name,
          {
            idle: idle[p.name],
            burstCpuSeconds: round(cpuBurst[p.name]!, 1),
            peakRssMb: Math.round(peak[p.name]!),
          },
        ]),
      ),
      load,
    };
  } catch (error) {
    for (const p of processes) console.error(`--- ${p.name}\n${p.logs().slice(-2000)}`);
    throw error;
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    await env.stop();
  }
}

/** Requests the management API server has served, by verb and resource (its own counter). */
async function apiRequests(client: RestClient): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const line of (await client.text('/metrics')).split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const verb = /verb="([^"]*)"/.exec(line)?.[1] ?? '';
    const resource = /resource="([^"]*)"/.exec(line)?.[1] ?? '';
    const subresource = /subresource="([^"]*)"/.exec(line)?.[1];
    const key = `${verb} ${resource}${subresource ? `/${subresource}` : ''}`;
    out.set(key, (out.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

/** Requests per event the burst caused, largest first (those above 0.05 per event). */
function requestsPerEvent(before: Map<string, number>, after: Map<string, number>, events: number) {
  return Object.fromEntries(
    [...after]
      .map(([key, n]) => [key, round((n - (before.get(key) ?? 0)) / events, 2)] as const)
      .filter(([, perEvent]) => perEvent >= 0.05)
      .sort((a, b) => b[1] - a[1]),
  );
}

/** The per-hop histograms (issue 17) the components export, read from each process's /metrics. */
const HOPS = {
  agent: 'sveltos_agent_change_to_report_seconds',
  eventManager: 'sveltos_event_manager_event_to_profile_seconds',
  addonController: 'sveltos_addon_controller_profile_to_applied_seconds',
} as const;

interface Histogram {
  count: number;
  sum: number;
  /** cumulative count per upper bound (seconds). */
  buckets: Map<number, number>;
}

async function hopHistograms(processes: RunningProcess[]): Promise<Record<string, Histogram>> {
  const out: Record<string, Histogram> = {};
  for (const [hop, metric] of Object.entries(HOPS)) {
    const h: Histogram = { count: 0, sum: 0, buckets: new Map() };
    for (const p of processes) {
      const text = await (await fetch(`http://127.0.0.1:${p.port}/metrics`)).text();
      for (const line of text.split('\n')) {
        if (!line.startsWith(metric)) continue;
        const value = Number(line.slice(line.lastIndexOf(' ') + 1));
        if (line.startsWith(`${metric}_sum`)) h.sum += value;
        else if (line.startsWith(`${metric}_count`)) h.count += value;
        else {
          const le = /le="([^"]+)"/.exec(line)?.[1];
          if (le && le !== '+Inf') h.buckets.set(Number(le), (h.buckets.get(Number(le)) ?? 0) + value);
        }
      }
    }
    out[hop] = h;
  }
  return out;
}

/** What the burst added to each hop: samples, mean, and the bucket bound under which half and 99% fall. */
function hopFigures(before: Record<string, Histogram>, after: Record<string, Histogram>) {
  return Object.fromEntries(
    Object.keys(HOPS).map((hop) => {
      const a = after[hop]!;
      const b = before[hop]!;
      const count = a.count - b.count;
      const bound = (q: number): number | null => {
        for (const [le, n] of [...a.buckets].sort((x, y) => x[0] - y[0]))
          if (n - (b.buckets.get(le) ?? 0) >= q * count) return le;
        return null; // beyond the largest bucket
      };
      return [
        hop,
        {
          samples: count,
          meanMs: count > 0 ? Math.round(((a.sum - b.sum) / count) * 1000) : null,
          p50AtMostSeconds: count > 0 ? bound(0.5) : null,
          p99AtMostSeconds: count > 0 ? bound(0.99) : null,
        },
      ];
    }),
  );
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

async function until(what: string, seconds: number, done: () => Promise<boolean>, everyMs = 1000) {
  const deadline = Date.now() + seconds * 1000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`fleet bench: not ${what} after ${seconds} s`);
    await sleep(everyMs);
  }
}

const runs: Array<Record<string, unknown>> = [];
const result = {
  benchmark: 'fleet',
  entry: bundleDir ? 'bundle (images)' : 'sources (type stripping)',
  clusters,
  triggers,
  burstClusters,
  objectsPerCluster,
  apiServers: { management: 1, quiet: 1, burst: burstServers.length },
  runs,
  goals: { idleCoresPerComponent: 0.1, burstSeconds: 60 },
  cores: (await import('node:os')).availableParallelism(),
  node: process.version,
  date: new Date().toISOString(),
};
mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
// written after every run: a later run failing keeps the earlier figures
for (const shards of values.shards.split(',').map(Number)) {
  runs.push(await runFleet(shards));
  writeFileSync(join(repoRoot, 'bench/results/fleet.local.json'), `${JSON.stringify(result, null, 2)}\n`);
}

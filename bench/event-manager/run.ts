// event-manager benchmark (targets in docs/architecture.md): event → ClusterProfile latency (report written →
// profile seen by a watch) and a burst of 2,000 matching objects over 20 clusters → all ClusterProfiles, with
// the manager's peak RSS. The manager runs as its own process (main.ts), so RSS is the manager's alone.
//   node bench/event-manager/run.ts [latencySamples]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { crds, EVENT_TRIGGER_NAME_LABEL, INSTANTIATE_ANNOTATION } from '@sveltos-ts/api';
import { Informer, type KubeObject, RestClient } from '@sveltos-ts/kube';
import { TestEnv } from '@sveltos-ts/testenv';
import { registerCluster, writeReport } from '../../packages/event-manager/src/test-support.ts';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const samples = Number(process.argv[2] ?? 200);
const CLUSTERS = 20;
const PER_CLUSTER = 100;

const env = await TestEnv.start({ clusters: ['mgmt', 'cluster-a'] });
let child: ChildProcess | undefined;
try {
  await Promise.all(env.clusters().map((c) => c.installCrds(crds)));
  const admin = new RestClient(env.cluster('mgmt').kubeConfig());
  child = spawn(
    process.execPath,
    [
      // as the components are deployed: a small young generation keeps the heap close to live data
      '--max-semi-space-size=2',
      join(root, 'packages/event-manager/src/main.ts'),
      '--kubeconfig',
      env.cluster('mgmt').kubeconfigPath,
      '--metrics-port',
      '0',
      '--log-level',
      'warn',
    ],
    { stdio: 'inherit' },
  );
  const peakRssMb = () => {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child!.pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  };
  await admin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
  await admin.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'tpl', namespace: 'bench', annotations: { [INSTANTIATE_ANNOTATION]: 'ok' } },
    data: { 'np.yaml': 'kind: NetworkPolicy\nmetadata:\n  name: front-{{ .Resource.metadata.name }}\n' },
  });
  await admin.create({
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'EventSource',
    metadata: { name: 'bench' },
    spec: { collectResources: true, resourceSelectors: [{ group: '', version: 'v1', kind: 'Service' }] },
  });
  // 20 registrations of the same API server: the manager cannot tell, and need not
  await Promise.all(
    Array.from({ length: CLUSTERS }, (_, i) =>
      registerCluster(env, admin, {
        namespace: 'bench',
        name: `c${i}`,
        target: 'cluster-a',
        labels: { bench: 'yes' },
      }),
    ),
  );
  await admin.create({
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'EventTrigger',
    metadata: { name: 'bench' },
    spec: {
      sourceClusterSelector: { matchLabels: { bench: 'yes' } },
      eventSourceName: 'bench',
      oneForEvent: true,
      policyRefs: [{ kind: 'ConfigMap', namespace: 'bench', name: 'tpl' }],
    },
  });
  const seen = new Map<string, number>();
  const profiles = new Informer<KubeObject>(admin, {
    apiVersion: 'config.projectsveltos.io/v1beta1',
    kind: 'ClusterProfile',
    labelSelector: `${EVENT_TRIGGER_NAME_LABEL}=bench`,
  });
  profiles.on((e) => {
    if (e.type === 'delete') return;
    const l = e.object.metadata.labels ?? {};
    const key = `${l['eventtrigger.lib.projectsveltos.io/clustername']}/${l['eventtrigger.lib.projectsveltos.io/resourcename']}`;
    if (!seen.has(key)) seen.set(key, performance.now());
  });
  profiles.start();
  await profiles.waitForSync();
  const svc = (name: string) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: { ports: [{ port: 80 }] },
  });
  const waitFor = async (check: () => boolean) => {
    while (!check()) await sleep(1);
  };

  // latency: one new matching object at a time on cluster c0 (its report grows by one each time)
  const latencies: number[] = [];
  const current: string[] = [];
  await sleep(2000); // let the manager settle (registry probes, trigger status)
  for (let i = 0; i < samples; i++) {
    const name = `lat-${i}`;
    current.push(name);
    if (current.length > 20) current.shift();
    const t0 = performance.now();
    await writeReport(admin, {
      clusterNamespace: 'bench',
      clusterName: 'c0',
      eventSource: 'bench',
      resources: current.map(svc),
    });
    await waitFor(() => seen.has(`c0/${name}`));
    latencies.push(seen.get(`c0/${name}`)! - t0);
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;

  // burst: 100 new objects in each of the 20 clusters' reports at once → 2,000 ClusterProfiles
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLUSTERS }, (_, c) =>
      writeReport(admin, {
        clusterNamespace: 'bench',
        clusterName: `c${c}`,
        eventSource: 'bench',
        resources: Array.from({ length: PER_CLUSTER }, (_, i) => svc(`burst-${i}`)),
      }),
    ),
  );
  const burstKeys = Array.from({ length: CLUSTERS }, (_, c) =>
    Array.from({ length: PER_CLUSTER }, (_, i) => `c${c}/burst-${i}`),
  ).flat();
  await waitFor(() => burstKeys.every((k) => seen.has(k)));
  const burstSeconds = (Math.max(...burstKeys.map((k) => seen.get(k)!)) - t0) / 1000;
  const rss = peakRssMb();
  await profiles.stop();

  const result = {
    date: new Date().toISOString(),
    latencySamples: samples,
    eventToProfileMs: { p50: pct(50), p99: pct(99), max: latencies.at(-1) },
    burst: {
      clusters: CLUSTERS,
      objects: CLUSTERS * PER_CLUSTER,
      seconds: burstSeconds,
      managerPeakRssMb: rss,
    },
    targets: { p50Ms: 150, p99Ms: 500, burstSeconds: 30, rssMb: 400 },
  };
  console.log(
    `event → ClusterProfile: p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms (${samples} samples)\n` +
      `burst ${CLUSTERS * PER_CLUSTER} objects / ${CLUSTERS} clusters → all ClusterProfiles: ${burstSeconds.toFixed(2)} s, ` +
      `manager peak RSS ${rss.toFixed(0)} MB`,
  );
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/event-manager.local.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  child?.kill('SIGTERM');
  await env.stop();
}

// The web view with a fleet of 1,000 clusters (issue 19: "usable with 1,000 clusters", "update within a
// second"): 1,000 SveltosClusters with a ClusterSummary and an EventReport each and 100 ClusterProfiles in a
// real management cluster, read by the web component with a read-only ServiceAccount token. Measures the
// first answer of a session (access review + every list), the answers the pages fetch (a page of clusters,
// a label search, a cluster, the timeline), and a change made in the API → the stream's `change` → the
// clusters page answer showing it (what a browser does before it renders). The browser's own share is
// printed by e2e/web.test.ts.
//
//   node bench/web/run.ts [clusters=1000] [changes=50]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crds, SveltosClusterKind } from '@sveltos-ts/api';
import { type KubeObject, RestClient } from '@sveltos-ts/kube';
import { mintServiceAccountKubeconfig, TestEnv } from '@sveltos-ts/testenv';
import { startWebServer } from '../../packages/web/src/index.ts';

const clusterCount = Number(process.argv[2] ?? 1000);
const changes = Number(process.argv[3] ?? 50);
const root = fileURLToPath(new URL('../..', import.meta.url));
const namespaces = Array.from({ length: 10 }, (_, i) => `fleet-${i}`);
const ET = 'eventtrigger.lib.projectsveltos.io';

async function inParallel<T>(items: T[], limit: number, each: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await each(items[next++]!);
    }),
  );
}

function quantiles(samples: number[]): { p50Ms: number; p99Ms: number; maxMs: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
  return { p50Ms: Math.round(q(0.5)), p99Ms: Math.round(q(0.99)), maxMs: Math.round(sorted.at(-1)!) };
}

const env = await TestEnv.start({ clusters: ['mgmt'], log: () => {} });
try {
  const mgmt = env.cluster('mgmt');
  await mgmt.installCrds(crds);
  const admin = new RestClient(mgmt.kubeConfig());
  for (const name of namespaces)
    await admin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

  const seeded = performance.now();
  const clusters = Array.from({ length: clusterCount }, (_, i) => ({
    namespace: namespaces[i % namespaces.length]!,
    name: `cluster-${String(i).padStart(4, '0')}`,
    region: `region-${i % 20}`,
  }));
  const profiles = Array.from({ length: 100 }, (_, i) => `sveltos-bench-${i}`);
  await inParallel(profiles, 8, (name) =>
    admin.create({
      apiVersion: 'config.projectsveltos.io/v1beta1',
      kind: 'ClusterProfile',
      metadata: {
        name,
        labels: { [`${ET}/eventtriggername`]: 'bench', [`${ET}/clusterNamespace`]: 'fleet-0' },
      },
      spec: { clusterSelector: { matchLabels: { region: `region-${name.split('-').at(-1)}` } } },
    } as KubeObject),
  );
  await inParallel(clusters, 8, async (c) => {
    await admin.create({
      apiVersion: SveltosClusterKind.apiVersion,
      kind: 'SveltosCluster',
      metadata: { namespace: c.namespace, name: c.name, labels: { env: 'bench', region: c.region } },
      spec: { kubeconfigName: `${c.name}-kubeconfig` },
    } as KubeObject);
    await admin.create({
      apiVersion: 'config.projectsveltos.io/v1beta1',
      kind: 'ClusterSummary',
      metadata: {
        namespace: c.namespace,
        name: `bench-sveltos-${c.name}`,
        labels: { 'projectsveltos.io/cluster-profile-name': profiles[Number(c.region.split('-')[1])]! },
      },
      spec: { clusterNamespace: c.namespace, clusterName: c.name, clusterType: 'Sveltos' },
    } as KubeObject);
    await admin.create({
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'EventReport',
      metadata: { namespace: c.namespace, name: `sveltos--bench--${c.name}` },
      spec: {
        clusterNamespace: c.namespace,
        clusterName: c.name,
        clusterType: 'Sveltos',
        eventSourceName: 'bench',
        matchingResources: [{ apiVersion: 'v1', kind: 'Service', namespace: 'web', name: `svc-${c.name}` }],
      },
    } as KubeObject);
  });
  const seedSeconds = (performance.now() - seeded) / 1000;

  const read = ['get', 'list', 'watch'];
  const { token } = await mintServiceAccountKubeconfig(mgmt.kubeConfig(), {
    namespace: 'fleet-viewers',
    name: 'viewer',
    clusterRules: [
      { apiGroups: ['lib.projectsveltos.io', 'config.projectsveltos.io'], resources: ['*'], verbs: read },
      { apiGroups: ['cluster.x-k8s.io'], resources: ['clusters'], verbs: read },
      { apiGroups: [''], resources: ['events'], verbs: read },
    ],
  });
  const rssBefore = process.memoryUsage().rss;
  const web = await startWebServer({ target: { server: mgmt.server, caPem: env.caPem }, port: 0 });
  const headers = { authorization: `Bearer ${token}` };
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${web.url}${path}`, { headers });
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const timed = async (path: string, runs: number): Promise<ReturnType<typeof quantiles>> => {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await get(path);
      samples.push(performance.now() - started);
    }
    return quantiles(samples);
  };

  let started = performance.now();
  const first = await get<{ all: number }>('api/clusters');
  const sessionStartMs = Math.round(performance.now() - started);
  if (first.all !== clusterCount)
    throw new Error(`the view shows ${first.all} clusters, not ${clusterCount}`);
  const rssAfter = process.memoryUsage().rss;
  const answers = {
    clustersPage: await timed('api/clusters?page=7&pageSize=50', 30),
    labelSearch: await timed('api/clusters?q=region%3Dregion-7', 30),
    cluster: await timed(`api/clusters/sveltos/${clusters[7]!.namespace}/${clusters[7]!.name}`, 30),
    timeline: await timed('api/timeline?pageSize=100', 10),
    profiles: await timed('api/profiles', 10),
  };

  // the live path: a label change → `change` on the stream → the page's answer shows it
  const stream = await fetch(`${web.url}api/stream`, { headers });
  const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const nextChange = async (): Promise<void> => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (block.startsWith('event: change')) return;
        continue;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      buffer += value;
    }
  };
  const notified: number[] = [];
  const shown: number[] = [];
  for (let i = 0; i < changes; i++) {
    const c = clusters[(i * 37) % clusters.length]!;
    const stage = `stage-${i}`;
    const waitChange = nextChange();
    started = performance.now();
    await admin.mergePatch(
      {
        apiVersion: SveltosClusterKind.apiVersion,
        kind: 'SveltosCluster',
        namespace: c.namespace,
        name: c.name,
      },
      { metadata: { labels: { stage } } },
    );
    await waitChange;
    notified.push(performance.now() - started);
    // as the page does: fetch again after each notification until the answer holds the change
    while ((await get<{ total: number }>(`api/clusters?q=stage%3D${stage}`)).total !== 1) {
      if (performance.now() - started > 10_000) throw new Error(`${stage} not shown after 10 s`);
      await nextChange();
    }
    shown.push(performance.now() - started);
  }
  await reader.cancel();
  await web.close();

  const result = {
    benchmark: 'web-view',
    clusters: clusterCount,
    objects: clusterCount * 3 + profiles.length,
    seedSeconds: Number(seedSeconds.toFixed(1)),
    sessionStartMs,
    answers,
    changeToNotification: quantiles(notified),
    changeToAnswer: quantiles(shown),
    rssGrowthMB: Math.round((rssAfter - rssBefore) / 2 ** 20),
    target: { changeToPageMs: 1000 },
    node: process.version,
    date: new Date().toISOString(),
  };
  console.log(
    [
      `web view, ${clusterCount} clusters (${result.objects} objects):`,
      `  session start (access review + every list): ${sessionStartMs} ms; RSS +${result.rssGrowthMB} MB`,
      ...Object.entries(answers).map(([name, q]) => `  ${name}: p50 ${q.p50Ms} ms, p99 ${q.p99Ms} ms`),
      `  change → stream notification: p50 ${result.changeToNotification.p50Ms} ms, p99 ${result.changeToNotification.p99Ms} ms`,
      `  change → clusters page answer showing it: p50 ${result.changeToAnswer.p50Ms} ms, p99 ${result.changeToAnswer.p99Ms} ms (target 1 s)`,
    ].join('\n'),
  );
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/web.local.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await env.stop();
}

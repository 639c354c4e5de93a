// Agent memory with many watched objects (target in docs/architecture.md: ≤ 250 MB RSS with 50k watched
// objects), and how long the first report takes. The agent runs as its own process (the real entry point), so
// its RSS is its own.
//
//   [AGENT_NODE_FLAGS='--max-semi-space-size=2 --optimize-for-size'] node bench/agent/run.ts [objects=50000]
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { crds, DEPLOYED_BY_SVELTOS_ANNOTATION, EventReportKind, eventReportName } from '@sveltos-ts/api';
import { RestClient } from '@sveltos-ts/kube';
import { TestEnv } from '@sveltos-ts/testenv';

const objects = Number(process.argv[2] ?? 50_000);
const root = fileURLToPath(new URL('../..', import.meta.url));
const payload = 'x'.repeat(700); // about 1 KB per ConfigMap as stored
// as the Helm chart runs the agent (NODE_OPTIONS): a small young generation keeps the heap close to the cache
// (AGENT_NODE_FLAGS replaces them, to compare V8 settings)
const agentNodeFlags = process.env.AGENT_NODE_FLAGS?.split(' ').filter(Boolean) ?? [
  '--max-semi-space-size=2',
];

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

const env = await TestEnv.start({
  clusters: [
    { name: 'mgmt', controllerManager: false },
    { name: 'edge', controllerManager: false },
  ],
  log: () => {},
});
try {
  await Promise.all(env.clusters().map((c) => c.installCrds(crds)));
  const edge = new RestClient(env.cluster('edge').kubeConfig());
  const mgmt = new RestClient(env.cluster('mgmt').kubeConfig());
  await mgmt.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'edge-ns' } });
  const namespaces = 50;
  for (let n = 0; n < namespaces; n++) {
    await edge.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `load-${n}` } });
  }
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = next++; i < objects; i = next++) {
        await edge.create({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: `cm-${i}`,
            namespace: `load-${i % namespaces}`,
            labels: { bench: i % 10 === 0 ? 'hit' : 'miss' },
          },
          data: { payload },
        });
      }
    }),
  );
  const createSeconds = (Date.now() - started) / 1000;
  console.log(`created ${objects} ConfigMaps in ${createSeconds.toFixed(1)} s`);

  await edge.create({
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'EventSource',
    metadata: { name: 'bench', annotations: { [DEPLOYED_BY_SVELTOS_ANNOTATION]: 'ok' } },
    spec: {
      resourceSelectors: [
        {
          group: '',
          version: 'v1',
          kind: 'ConfigMap',
          labelFilters: [{ key: 'bench', operation: 'Equal', value: 'hit' }],
          evaluateCEL: [{ name: 'payload', rule: 'size(resource.data.payload) > 10' }],
        },
      ],
    },
  });

  const agentStarted = Date.now();
  const agent = spawn(
    process.execPath,
    [
      ...agentNodeFlags,
      join(root, 'packages/sveltos-agent/src/main.ts'),
      `--kubeconfig=${env.cluster('edge').kubeconfigPath}`,
      `--management-kubeconfig=${env.cluster('mgmt').kubeconfigPath}`,
      '--cluster-namespace=edge-ns',
      '--cluster-name=edge',
      '--metrics-port=0',
      '--log-level=warn',
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const ref = {
    apiVersion: EventReportKind.apiVersion,
    kind: EventReportKind.kind,
    namespace: 'edge-ns',
    name: eventReportName('Sveltos', 'bench', 'edge'),
  };
  let matched = 0;
  for (;;) {
    const report = await mgmt.getOrUndefined(ref);
    matched = ((report?.spec as { matchingResources?: unknown[] } | undefined)?.matchingResources ?? [])
      .length;
    if (matched > 0) break;
    if (Date.now() - agentStarted > 600_000) throw new Error('no report after 10 minutes');
    await sleep(200);
  }
  const firstReportSeconds = (Date.now() - agentStarted) / 1000;
  await sleep(5_000); // let the heap settle after the initial list
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(rssMb(agent.pid!));
    await sleep(1_000);
  }
  agent.kill('SIGTERM');
  const rss = Math.max(...samples);
  const result = {
    benchmark: 'agent-memory',
    watchedObjects: objects,
    objectBytesApprox: 1000,
    matchingResources: matched,
    firstReportSeconds,
    rssMb: Math.round(rss),
    targetRssMb: 250,
    createdPerSecond: Math.round(objects / createSeconds),
    nodeFlags: agentNodeFlags,
    node: process.version,
    date: new Date().toISOString(),
  };
  console.log(
    `agent watching ${objects} ConfigMaps (~1 KB): RSS ${rss.toFixed(0)} MB (target ≤ 250 MB), first report after ${firstReportSeconds.toFixed(1)} s with ${matched} matches`,
  );
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/agent.local.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await env.stop();
}

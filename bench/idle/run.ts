// Idle footprint of each component (issue 17: ≤ 60 MB RSS and ≤ 0.1 core each when nothing happens): the
// event-manager, the addon-controller and the agent in both hostings run as processes against a management
// cluster with one registered cluster, one EventSource and one EventTrigger; once ready and settled, CPU
// and RSS are read from /proc over a window.
//
//   node bench/idle/run.ts [--bundle <dir>] [--seconds 30]
//
// --bundle runs the esbuild bundles the images ship (node scripts/images/bundle.ts --out <dir>) instead of
// the type-stripped sources; the result goes to bench/results/idle[-bundle].local.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { crds, DEPLOYED_BY_SVELTOS_ANNOTATION } from '@sveltos-ts/api';
import { RestClient } from '@sveltos-ts/kube';
import { eventually, TestEnv } from '@sveltos-ts/testenv';
import {
  loadAverage,
  type RunningProcess,
  repoRoot,
  sampleIdle,
  startProcess,
  waitReady,
} from '../lib/process.ts';

const { values } = parseArgs({
  options: { bundle: { type: 'string' }, seconds: { type: 'string', default: '30' } },
});
const bundleDir = values.bundle;
const seconds = Number(values.seconds);

const env = await TestEnv.start({
  clusters: [
    { name: 'mgmt', controllerManager: false },
    { name: 'cluster-a', controllerManager: false },
  ],
  log: () => {},
});
const processes: RunningProcess[] = [];
try {
  await Promise.all(env.clusters().map((c) => c.installCrds(crds)));
  const mgmt = new RestClient(env.cluster('mgmt').kubeConfig());
  const edge = new RestClient(env.cluster('cluster-a').kubeConfig());
  for (const name of ['projectsveltos', 'bench'])
    await mgmt.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  await mgmt.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'c0-sveltos-kubeconfig', namespace: 'bench' },
    data: { kubeconfig: Buffer.from(env.cluster('cluster-a').kubeconfigYaml).toString('base64') },
  });
  await mgmt.create({
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'SveltosCluster',
    metadata: { name: 'c0', namespace: 'bench', labels: { bench: 'yes' } },
    spec: {},
  });
  const source = {
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'EventSource',
    metadata: { name: 'idle' },
    spec: { resourceSelectors: [{ group: '', version: 'v1', kind: 'Service' }] },
  };
  await mgmt.create(source);
  await edge.create({
    ...source,
    metadata: { name: 'idle', annotations: { [DEPLOYED_BY_SVELTOS_ANNOTATION]: 'true' } },
  });
  await mgmt.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'tpl', namespace: 'bench' },
    data: { 'cm.yaml': 'kind: ConfigMap\napiVersion: v1\nmetadata:\n  name: idle\n  namespace: default\n' },
  });
  await mgmt.create({
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'EventTrigger',
    metadata: { name: 'idle' },
    spec: {
      sourceClusterSelector: { matchLabels: { bench: 'yes' } },
      eventSourceName: 'idle',
      policyRefs: [{ kind: 'ConfigMap', namespace: 'bench', name: 'tpl' }],
    },
  });

  const mgmtKubeconfig = env.cluster('mgmt').kubeconfigPath;
  const common = ['--log-level=warn'];
  processes.push(
    ...(await Promise.all([
      startProcess('event-manager', 'event-manager', [`--kubeconfig=${mgmtKubeconfig}`, ...common], {
        bundleDir,
      }),
      startProcess('addon-controller', 'addon-controller', [`--kubeconfig=${mgmtKubeconfig}`, ...common], {
        bundleDir,
      }),
      startProcess(
        'agent (managed hosting)',
        'sveltos-agent',
        [
          `--kubeconfig=${env.cluster('cluster-a').kubeconfigPath}`,
          `--management-kubeconfig=${mgmtKubeconfig}`,
          '--cluster-namespace=bench',
          '--cluster-name=c0',
          ...common,
        ],
        { bundleDir },
      ),
      startProcess(
        'agent (management hosting)',
        'sveltos-agent',
        ['--hosting=management', `--kubeconfig=${mgmtKubeconfig}`, ...common],
        {
          bundleDir,
        },
      ),
    ])),
  );
  await Promise.all(processes.map((p) => waitReady(p)));
  await eventually(
    'c0 ready',
    async () =>
      ((
        await mgmt.get<{ status?: { ready?: boolean } } & import('@sveltos-ts/kube').KubeObject>({
          apiVersion: 'lib.projectsveltos.io/v1beta1',
          kind: 'SveltosCluster',
          namespace: 'bench',
          name: 'c0',
        })
      ).status?.ready ?? false) === true,
    60_000,
  );
  await sleep(15_000); // first reconciles, probes and reports done; the heap settles
  const loadBefore = loadAverage();
  const sampled = await sampleIdle(Object.fromEntries(processes.map((p) => [p.name, p.child.pid!])), seconds);
  const result = {
    benchmark: 'idle-footprint',
    entry: bundleDir ? 'bundle (images)' : 'sources (type stripping)',
    windowSeconds: seconds,
    components: sampled,
    targets: { rssMb: 60, cores: 0.1 },
    load: { before: loadBefore, after: loadAverage() },
    node: process.version,
    date: new Date().toISOString(),
  };
  for (const [name, s] of Object.entries(sampled))
    console.log(`${name}: RSS ${s.rssMb} MB, CPU ${s.cores} cores (idle, ${result.entry})`);
  console.log(`load ${result.load.before} → ${result.load.after}`);
  mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
  writeFileSync(
    join(repoRoot, `bench/results/idle${bundleDir ? '-bundle' : ''}.local.json`),
    `${JSON.stringify(result, null, 2)}\n`,
  );
} finally {
  await Promise.all(processes.map((p) => p.stop()));
  await env.stop();
}

// Event → add-on applied in the destination cluster (target p50 ≤ 400 ms, p99 ≤ 1.5 s in
// docs/architecture.md), addon-controller share: from the moment the event-manager's output is written in the
// management cluster (a new ClusterProfile, or a changed instantiated ConfigMap) to the object being visible
// in the managed cluster (observed through a watch). The event → ClusterProfile share is
// bench/event-manager's figure.
//
//   node bench/addon/run.ts [iterations=100]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAddonController } from '@sveltos-ts/addon-controller';
import { crds } from '@sveltos-ts/api';
import { Informer, type KubeObject, RestClient } from '@sveltos-ts/kube';
import { TestEnv } from '@sveltos-ts/testenv';

const iterations = Number(process.argv[2] ?? 100);
const root = fileURLToPath(new URL('../..', import.meta.url));

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};

const env = await TestEnv.start({
  clusters: [
    { name: 'mgmt', controllerManager: false },
    { name: 'edge', controllerManager: false },
  ],
  log: () => {},
});
try {
  await Promise.all(env.clusters().map((c) => c.installCrds(crds)));
  const mgmt = new RestClient(env.cluster('mgmt').kubeConfig());
  const edge = new RestClient(env.cluster('edge').kubeConfig());
  for (const c of [mgmt, edge])
    await c.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
  await mgmt.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'edge-sveltos-kubeconfig', namespace: 'bench' },
    stringData: { kubeconfig: env.cluster('edge').kubeconfigYaml },
  });
  await mgmt.create({
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'SveltosCluster',
    metadata: { name: 'edge', namespace: 'bench', labels: { env: 'bench' } },
    spec: {},
  });
  const controller = await startAddonController({ managementKubeConfig: env.cluster('mgmt').kubeConfig() });

  // the watch that sees objects arrive in the managed cluster
  const seen = new Map<string, (o: KubeObject) => void>();
  const secrets = new Informer<KubeObject & { data?: Record<string, string> }>(edge, {
    apiVersion: 'v1',
    kind: 'Secret',
    namespace: 'bench',
    labelSelector: 'projectsveltos.io/reference-kind',
  });
  secrets.on((e) => {
    if (e.type !== 'delete') seen.get(`${e.object.metadata.name}|${e.object.data?.value ?? ''}`)?.(e.object);
  });
  secrets.start();
  await secrets.waitForSync();
  const arrival = (name: string, value: string) =>
    new Promise<void>((resolve) =>
      seen.set(`${name}|${Buffer.from(value).toString('base64')}`, () => resolve()),
    );

  const secretYaml = (name: string, value: string) =>
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: bench\nstringData:\n  value: ${value}\n`;
  const create: number[] = [];
  const update: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const name = `addon-${i}`;
    await mgmt.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'bench' },
      data: { s: secretYaml(name, 'v1') },
    });
    let wait = arrival(name, 'v1');
    let t0 = performance.now();
    await mgmt.create({
      apiVersion: 'config.projectsveltos.io/v1beta1',
      kind: 'ClusterProfile',
      metadata: { name },
      spec: {
        clusterSelector: { matchLabels: { env: 'bench' } },
        policyRefs: [{ kind: 'ConfigMap', namespace: 'bench', name }],
      },
    });
    await wait;
    create.push(performance.now() - t0);
    wait = arrival(name, 'v2');
    t0 = performance.now();
    await mgmt.mergePatch(
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'bench', name },
      { data: { s: secretYaml(name, 'v2') } },
    );
    await wait;
    update.push(performance.now() - t0);
  }
  await secrets.stop();
  await controller.stop();

  const ms = (x: number) => Math.round(x * 10) / 10;
  const result = {
    benchmark: 'addon-profile-to-applied',
    iterations,
    newProfileP50Ms: ms(quantile(create, 0.5)),
    newProfileP99Ms: ms(quantile(create, 0.99)),
    changedContentP50Ms: ms(quantile(update, 0.5)),
    changedContentP99Ms: ms(quantile(update, 0.99)),
    targetP50Ms: 400,
    targetP99Ms: 1500,
    node: process.version,
    date: new Date().toISOString(),
  };
  console.log(
    `ClusterProfile written → add-on applied: p50 ${result.newProfileP50Ms} ms, p99 ${result.newProfileP99Ms} ms; ` +
      `instantiated ConfigMap changed → add-on updated: p50 ${result.changedContentP50Ms} ms, p99 ${result.changedContentP99Ms} ms ` +
      `(${iterations} each; whole-chain targets p50 ≤ 400 ms, p99 ≤ 1.5 s)`,
  );
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/addon.local.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await env.stop();
}

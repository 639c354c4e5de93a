// Before/after figures for surviving faults: the components run as processes with their default Lease
// timings (15 s lease, 10 s renew deadline) over the network-policy-per-service example, in two scenarios:
//   outage-restart  the managed cluster's API server is down while the event-manager is restarted; after
//                   it is back: how long until the state is right again, and how many policies/profiles
//                   were replaced (churn) although nothing about them changed;
//   long-outage     the management API server is down longer than the Lease; afterwards a new Service must
//                   still get its policy: how long that takes (or "never" within the limit).
// The components come from --repo (default: this checkout), so an older commit can be measured the same way:
//   git worktree add /tmp/before <commit> && (cd /tmp/before && pnpm install)
//   node bench/faults/run.ts --repo /tmp/before
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { crds } from '@sveltos-ts/api';
import { type KubeObject, RestClient } from '@sveltos-ts/kube';
import { eventually, exampleDocuments, TestEnv } from '@sveltos-ts/testenv';

const { values } = parseArgs({ options: { repo: { type: 'string' }, limit: { type: 'string' } } });
const repo = resolve(values.repo ?? fileURLToPath(new URL('../..', import.meta.url)));
const limitMs = Number(values.limit ?? 120) * 1000;
const NS = 'shop';

const env = await TestEnv.start({ clusters: [{ name: 'mgmt' }, { name: 'edge' }] });
const processes: ChildProcess[] = [];
try {
  await Promise.all(env.clusters().map((c) => c.installCrds(crds)));
  const mgmt = new RestClient(env.cluster('mgmt').kubeConfig());
  const edge = new RestClient(env.cluster('edge').kubeConfig());
  for (const name of ['projectsveltos', 'fleet'])
    await mgmt.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  for (const name of ['projectsveltos', NS])
    await edge.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  await mgmt.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'edge-sveltos-kubeconfig', namespace: 'fleet' },
    stringData: { kubeconfig: env.cluster('edge').kubeconfigYaml },
  });
  await mgmt.create({
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'SveltosCluster',
    metadata: { name: 'edge', namespace: 'fleet', labels: { env: 'fv' } },
    spec: {},
  });
  for (const o of exampleDocuments('network-policy-per-service').filter((d) => d.kind !== 'Service'))
    await mgmt.apply(o as KubeObject, { fieldManager: 'bench' });

  const mgmtConfig = `--kubeconfig=${env.cluster('mgmt').kubeconfigPath}`;
  const commands: Record<string, string[]> = {
    'event-manager': [join(repo, 'packages/event-manager/src/main.ts'), mgmtConfig],
    'addon-controller': [join(repo, 'packages/addon-controller/src/main.ts'), mgmtConfig],
    'sveltos-agent': [
      join(repo, 'packages/sveltos-agent/src/main.ts'),
      '--hosting=managed',
      `--kubeconfig=${env.cluster('edge').kubeconfigPath}`,
      `--management-kubeconfig=${env.cluster('mgmt').kubeconfigPath}`,
      '--cluster-namespace=fleet',
      '--cluster-name=edge',
    ],
  };
  const running = new Map<string, ChildProcess>();
  const start = (name: string) => {
    const child = spawn(process.execPath, [...commands[name]!, '--metrics-port=0', '--leader-elect'], {
      stdio: 'ignore',
      cwd: repo,
    });
    processes.push(child);
    running.set(name, child);
  };
  for (const name of Object.keys(commands)) start(name);

  const service = (name: string) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: NS, labels: { 'network-policy': 'front' } },
    spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] },
  });
  const policies = async () =>
    (await edge.list('networking.k8s.io/v1', 'NetworkPolicy', { namespace: NS }).catch(() => ({ items: [] })))
      .items;
  const uids = async () => new Map((await policies()).map((p) => [p.metadata.name, p.metadata.uid]));

  for (const name of ['a', 'b', 'c']) await edge.create(service(name));
  await eventually('three policies', async () => (await policies()).length === 3, 120_000);

  // 1. managed cluster down while the event-manager restarts
  const before = await uids();
  await env.cluster('edge').stop();
  running.get('event-manager')?.kill('SIGKILL');
  start('event-manager');
  await sleep(30_000);
  await env.cluster('edge').start();
  const back = Date.now();
  let replacedAt: number | undefined;
  const settle = await (async () => {
    // the state is right again when the same three policies exist and stay for 20 s
    let stableSince = 0;
    while (Date.now() - back < limitMs) {
      const now = await uids();
      const ok = now.size === 3 && [...before.keys()].every((k) => now.has(k));
      if ([...before].some(([k, uid]) => now.has(k) && now.get(k) !== uid)) replacedAt ??= Date.now() - back;
      if (ok) {
        stableSince ||= Date.now();
        if (Date.now() - stableSince > 20_000) return stableSince - back;
      } else stableSince = 0;
      await sleep(250);
    }
    return undefined;
  })();
  const after = await uids();
  const churn = [...before].filter(([k, uid]) => after.get(k) !== uid).length;

  // 2. management API server down longer than the Lease, then a new event
  await env.cluster('mgmt').stop();
  await sleep(25_000);
  await env.cluster('mgmt').start();
  const restarted = Date.now();
  await edge.create(service('d'));
  const served = await eventually(
    'a policy for the new Service',
    async () =>
      (await policies()).some((p) => p.metadata.name.endsWith('-d')) ? Date.now() - restarted : undefined,
    limitMs,
  ).catch(() => undefined);

  const result = {
    repo,
    outageRestart: { convergedMs: settle ?? null, replacedAtMs: replacedAt ?? null, churn },
    longOutage: { newEventServedMs: served ?? null, limitMs },
  };
  console.log(JSON.stringify(result, null, 2));
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `faults${values.repo ? '-other' : ''}.local.json`),
    `${JSON.stringify(result, null, 2)}\n`,
  );
} finally {
  for (const p of processes) p.kill('SIGKILL');
  await env.stop();
}

// Crash convergence: the manager process is SIGKILLed at random moments during a burst of report changes,
// 20 times; after a final restart exactly the desired objects exist (no duplicates, no orphans).
// Runs on its own bed so the kills cannot disturb other tests.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { crds, INSTANTIATE_ANNOTATION } from '@sveltos-ts/api';
import { RestClient } from '@sveltos-ts/kube';
import { TestEnv } from '@sveltos-ts/testenv';
import { configMapsOf, eventually, profilesOf, registerCluster, writeReport } from './test-support.ts';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const ns = 'crash';
const et = 'crash-trigger';
const es = 'crash-source';

/** The test's randomness, seeded so that a failing run can be replayed: CRASH_TEST_SEED=<seed> (the seed is in
 * the test's name). mulberry32. */
const seed = Number(process.env.CRASH_TEST_SEED ?? 20260101);
const random = (() => {
  let a = seed >>> 0;
  return (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
})();

const service = (i: number) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: `svc-${i}`, namespace: 'default', uid: `uid-${i}` },
  spec: { ports: [{ port: 1000 + i }] },
});

describe('crash convergence (SIGKILL during a burst, 20 times)', () => {
  let env: TestEnv;
  let admin: RestClient;
  let child: ChildProcess | undefined;

  const startChild = () => {
    child = spawn(
      process.execPath,
      [main, '--kubeconfig', env.cluster('mgmt').kubeconfigPath, '--metrics-port', '0'],
      {
        stdio: 'ignore',
      },
    );
  };
  const kill = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  };

  before(async () => {
    env = await TestEnv.start({ clusters: ['mgmt', 'cluster-a'] });
    await Promise.all(env.clusters().map((c) => c.installCrds(crds)));
    admin = new RestClient(env.cluster('mgmt').kubeConfig());
    await admin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    startChild(); // the registry in the manager probes the cluster ready
    await registerCluster(env, admin, {
      namespace: ns,
      name: 'wl',
      target: 'cluster-a',
      labels: { env: 'crash' },
    });
    await admin.create({
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'EventSource',
      metadata: { name: es },
      spec: { collectResources: true, resourceSelectors: [{ group: '', version: 'v1', kind: 'Service' }] },
    });
    await admin.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'tpl', namespace: ns, annotations: { [INSTANTIATE_ANNOTATION]: 'ok' } },
      data: {
        'np.yaml':
          'name: front-{{ .Resource.metadata.name }}\nport: {{ (index .Resource.spec.ports 0).port }}\n',
      },
    });
    await admin.create({
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'EventTrigger',
      metadata: { name: et },
      spec: {
        sourceClusterSelector: { matchLabels: { env: 'crash' } },
        eventSourceName: es,
        oneForEvent: true,
        policyRefs: [{ kind: 'ConfigMap', namespace: ns, name: 'tpl' }],
      },
    });
  });
  after(async () => {
    await kill();
    await env?.stop();
  });

  it(`converges to exactly the desired ClusterProfiles and ConfigMaps (CRASH_TEST_SEED=${seed})`, async () => {
    let final: number[] = [];
    let writing = true;
    const writer = (async () => {
      while (writing) {
        final = Array.from({ length: 40 }, (_, i) => i).filter(() => random() < 0.5);
        await writeReport(admin, {
          clusterNamespace: ns,
          clusterName: 'wl',
          eventSource: es,
          resources: final.map(service),
        });
        await sleep(random() * 100);
      }
    })();
    for (let round = 0; round < 20; round++) {
      await kill();
      startChild();
      await sleep(300 + random() * 1200);
    }
    writing = false;
    await writer;
    await kill();
    startChild();
    const want = final.map((i) => `svc-${i}`).sort();
    const profiles = await eventually(
      'exactly the desired profiles',
      async () => {
        const ps = await profilesOf(admin, et);
        const names = ps
          .map((p) => p.metadata.labels?.['eventtrigger.lib.projectsveltos.io/resourcename'])
          .sort();
        return JSON.stringify(names) === JSON.stringify(want) &&
          ps.every((p) => !p.metadata.deletionTimestamp)
          ? ps
          : undefined;
      },
      60_000,
    );
    const referenced = profiles
      .map((p) => (p.spec as { policyRefs: { name: string }[] }).policyRefs[0]!.name)
      .sort();
    const cms = await eventually('no orphan ConfigMaps', async () => {
      const cms = (await configMapsOf(admin, et)).map((c) => c.metadata.name).sort();
      return JSON.stringify(cms) === JSON.stringify(referenced) ? cms : undefined;
    });
    assert.equal(new Set(cms).size, want.length, 'one ConfigMap per profile, no duplicates');
    assert.equal(new Set(profiles.map((p) => p.metadata.name)).size, want.length);
  });
});

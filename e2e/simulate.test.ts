// `sveltosctl simulate` agrees with the real chain. The simulate input is built from exactly what the example
// scenarios apply (their apply() runs against a recorder), simulate runs as a process without any API
// server, then the same scenarios run through the whole product (agents → event-manager → addon-controller
// on real API servers) and every object the chain created is compared with the prediction: EventReports and
// the agents' local copies, instantiated and generated ConfigMaps/Secrets (data), ClusterProfiles (spec),
// ClusterSummaries and what they record, and the deployed objects (their hash annotation is the hash of the
// exact object the prediction would apply).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type ClusterSummary,
  CONFIG_API_VERSION,
  EVENT_REPORT_CLUSTER_NAME_LABEL,
  EVENT_TRIGGER_NAME_LABEL,
  HASH_ANNOTATION,
  LIB_API_VERSION,
  SveltosClusterKind,
} from '@sveltos-ts/api';
import type { KubeObject, RestClient } from '@sveltos-ts/kube';
import { exampleDocuments, TestEnv } from '@sveltos-ts/testenv';
import { stringify } from 'yaml';
import { converge, type Fleet, fleetClusters, scenarios, startFleet } from './scenarios.ts';

const CLI = join(dirname(fileURLToPath(import.meta.resolve('@sveltos-ts/sveltosctl'))), 'cli.ts');

/** The registered clusters as startFleet registers them (cluster-a and cluster-b; the management cluster as
 * mgmt/mgmt). */
const registered: Record<string, { namespace: string; labels: Record<string, string> }> = {
  ...Object.fromEntries(
    Object.entries(fleetClusters).map(([name, labels]) => [
      name,
      { namespace: 'default', labels: { ...labels } },
    ]),
  ),
  mgmt: { namespace: 'mgmt', labels: { 'cluster-api': 'enabled' } },
};

/** A Fleet whose clients only record what the scenarios apply (status subresource writes merged in). */
function recordingFleet(): { fleet: Fleet; objects: Map<string, KubeObject[]> } {
  const objects = new Map<string, KubeObject[]>();
  const client = (cluster: string) =>
    ({
      async apply(object: KubeObject, options: { subresource?: string } = {}) {
        const list = objects.get(cluster) ?? [];
        objects.set(cluster, list);
        const same = (o: KubeObject) =>
          o.kind === object.kind &&
          o.metadata.name === object.metadata.name &&
          (o.metadata.namespace ?? '') === (object.metadata.namespace ?? '');
        const found = list.find(same);
        if (options.subresource === 'status') {
          assert.ok(found, `status of ${object.kind} ${object.metadata.name} applied before the object`);
          (found as { status?: unknown }).status = (object as { status?: unknown }).status;
        } else if (found) list.splice(list.indexOf(found), 1, structuredClone(object));
        else list.push(structuredClone(object));
        return object;
      },
    }) as unknown as RestClient;
  return { fleet: { env: undefined as unknown as TestEnv, client, stop: async () => {} }, objects };
}

interface Prediction {
  management: {
    eventReports: KubeObject[];
    configMaps: (KubeObject & { data?: Record<string, string>; type?: string })[];
    secrets: (KubeObject & { data?: Record<string, string>; type?: string })[];
    clusterProfiles: (KubeObject & { spec?: unknown })[];
    clusterSummaries: { namespace: string; name: string; profile: string; cluster: string }[];
  };
  clusters: {
    cluster: string;
    eventReports: KubeObject[];
    deployments: {
      profile: string;
      resources: {
        apiVersion: string;
        kind: string;
        namespace: string;
        name: string;
        hash: string;
        local: boolean;
      }[];
    }[];
  }[];
  eventTriggers: { eventTrigger: string; cluster: string; status: string; clusterProfiles: string[] }[];
  problems: unknown[];
}

function runSimulate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // no kubeconfig anywhere: simulate needs no API server
    execFile(
      process.execPath,
      [CLI, 'simulate', ...args],
      {
        env: { ...process.env, KUBECONFIG: '/nonexistent', HOME: '/nonexistent' },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const name = (o: { metadata: { namespace?: string | undefined; name: string } }) =>
  `${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
const sorted = (l: string[]) => [...l].sort();

describe('sveltosctl simulate predicts exactly what the examples create', () => {
  let work: string;
  let prediction: Prediction;
  let env: TestEnv;
  let fleet: Fleet;

  before(async () => {
    // 1. the simulate input: what every scenario applies, per cluster, and the registered clusters
    work = mkdtempSync(join(tmpdir(), 'simulate-e2e-'));
    const recorder = recordingFleet();
    for (const scenario of scenarios) await scenario.apply(recorder.fleet);
    const write = (file: string, objects: unknown[]) => {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, objects.map((o) => stringify(o)).join('---\n'));
    };
    write(
      join(work, 'registered-clusters.yaml'),
      Object.entries(registered).map(([n, c]) => ({
        apiVersion: SveltosClusterKind.apiVersion,
        kind: SveltosClusterKind.kind,
        metadata: { name: n, namespace: c.namespace, labels: c.labels },
        spec: {},
      })),
    );
    for (const [cluster, objects] of recorder.objects) {
      if (cluster === 'mgmt') write(join(work, 'management.yaml'), objects);
      else write(join(work, 'clusters', registered[cluster]!.namespace, cluster, 'objects.yaml'), objects);
    }

    // 2. simulate, as a process, with no API server anywhere
    const run = await runSimulate([work, '--management-cluster', 'mgmt/mgmt', '-o', 'json']);
    assert.equal(run.code, 0, `simulate failed:\n${run.stderr}\n${run.stdout.slice(0, 4000)}`);
    prediction = JSON.parse(run.stdout) as Prediction;
    assert.deepEqual(prediction.problems, [], 'the examples simulate without problems');

    // 3. the real chain
    env = await TestEnv.start({ clusters: ['mgmt', 'cluster-a', 'cluster-b'] });
    fleet = await startFleet(env);
    for (const scenario of scenarios) await scenario.apply(fleet);
    await converge(
      fleet,
      scenarios.flatMap((s) => s.expected),
    );
  });
  after(async () => {
    await fleet?.stop();
    await env?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const mgmt = () => fleet.client('mgmt');

  /** Polls until `check` passes (the chain may still be settling), then asserts it once more. */
  async function settled(check: () => Promise<void>, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await check();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  it('every scenario: what it expects is among the predicted objects of its cluster', () => {
    for (const scenario of scenarios) {
      for (const e of scenario.expected) {
        const c = prediction.clusters.find(
          (x) => x.cluster === `${registered[e.cluster]!.namespace}/${e.cluster}`,
        )!;
        assert.ok(
          c.deployments.some((d) =>
            d.resources.some((r) => r.kind === e.kind && r.namespace === e.namespace && r.name === e.name),
          ),
          `${scenario.example}: ${e.kind} ${e.namespace}/${e.name} in ${e.cluster} is predicted`,
        );
      }
    }
  });

  it('EventReports in the management cluster: the same reports, the same matching resources', async () => {
    await settled(async () => {
      const live = (
        await mgmt().list(LIB_API_VERSION, 'EventReport', { labelSelector: EVENT_REPORT_CLUSTER_NAME_LABEL })
      ).items;
      const byName = (l: KubeObject[]) =>
        Object.fromEntries(
          l.map((r) => [
            name(r),
            (r as { spec?: { matchingResources?: unknown } }).spec?.matchingResources ?? [],
          ]),
        );
      assert.deepEqual(byName(live), byName(prediction.management.eventReports));
    });
  });

  it("the agents' local EventReport copies in each source cluster", async () => {
    for (const c of prediction.clusters) {
      const cluster = c.cluster.split('/')[1]!;
      if (registered[cluster] === undefined) {
        // a cluster of the input the test bed does not run (the Cluster API Cluster edge-1 of
        // cluster-inventory-kubeconfigs): no agent reaches it, so nothing may be predicted there
        assert.deepEqual(c.eventReports, [], `no EventReport predicted in ${c.cluster}`);
        continue;
      }
      await settled(async () => {
        const live = (
          await fleet.client(cluster).list(LIB_API_VERSION, 'EventReport', { namespace: 'projectsveltos' })
        ).items;
        assert.deepEqual(
          sorted(live.map(name)),
          sorted(c.eventReports.map(name)),
          `local reports of ${c.cluster}`,
        );
      });
    }
  });

  for (const scenario of scenarios) {
    it(`${scenario.example}: the ClusterProfiles, ConfigMaps and Secrets its EventTrigger makes`, async () => {
      const trigger = exampleDocuments(scenario.example, 'eventtrigger.yaml')[0]!.metadata.name;
      const mine = <T extends KubeObject>(l: T[]) =>
        l.filter((o) => o.metadata.labels?.[EVENT_TRIGGER_NAME_LABEL] === trigger);
      await settled(async () => {
        const selector = { labelSelector: `${EVENT_TRIGGER_NAME_LABEL}=${trigger}` };
        const profiles = (
          await mgmt().list<KubeObject & { spec?: unknown }>(CONFIG_API_VERSION, 'ClusterProfile', selector)
        ).items;
        assert.deepEqual(
          Object.fromEntries(profiles.map((p) => [p.metadata.name, p.spec])),
          Object.fromEntries(
            mine(prediction.management.clusterProfiles).map((p) => [p.metadata.name, p.spec]),
          ),
          'ClusterProfiles (names and specs)',
        );
        for (const kind of ['ConfigMap', 'Secret'] as const) {
          const live = (
            await mgmt().list<KubeObject & { data?: Record<string, string> }>('v1', kind, selector)
          ).items;
          const predicted = mine(
            kind === 'ConfigMap' ? prediction.management.configMaps : prediction.management.secrets,
          );
          assert.deepEqual(
            Object.fromEntries(live.map((o) => [name(o), o.data ?? {}])),
            Object.fromEntries(predicted.map((o) => [name(o), o.data ?? {}])),
            `${kind}s (names and data)`,
          );
        }
      });
      assert.ok(
        prediction.eventTriggers.some((p) => p.eventTrigger === trigger && p.status === 'Provisioned'),
        `${trigger} is predicted Provisioned`,
      );
    });
  }

  it('every ClusterProfile and ClusterSummary of the run, and nothing else', async () => {
    await settled(async () => {
      const profiles = (await mgmt().list(CONFIG_API_VERSION, 'ClusterProfile')).items;
      assert.deepEqual(sorted(profiles.map(name)), sorted(prediction.management.clusterProfiles.map(name)));
      const summaries = (await mgmt().list(CONFIG_API_VERSION, 'ClusterSummary')).items;
      assert.deepEqual(
        sorted(summaries.map(name)),
        sorted(prediction.management.clusterSummaries.map((s) => `${s.namespace}/${s.name}`)),
      );
    });
  });

  it('the objects deployed in each destination cluster: recorded, present, and byte for byte the predicted ones (hash)', async () => {
    await settled(async () => {
      const summaries = (await mgmt().list<ClusterSummary & KubeObject>(CONFIG_API_VERSION, 'ClusterSummary'))
        .items;
      for (const c of prediction.clusters) {
        const [namespace, cluster] = c.cluster.split('/') as [string, string];
        for (const d of c.deployments) {
          const summary = summaries.find(
            (s) =>
              s.spec.clusterNamespace === namespace &&
              s.spec.clusterName === cluster &&
              s.metadata.labels?.['projectsveltos.io/cluster-profile-name'] === d.profile,
          );
          assert.ok(summary, `ClusterSummary of ${d.profile} on ${c.cluster}`);
          const recorded = (summary.status?.deployedFeatures ?? []).flatMap((f) =>
            (f.resources ?? []).map((r) => `${r.kind} ${r.namespace ?? ''}/${r.name}`),
          );
          assert.deepEqual(
            sorted(recorded),
            sorted(d.resources.map((r) => `${r.kind} ${r.namespace}/${r.name}`)),
          );
          for (const r of d.resources) {
            const live = await fleet.client(r.local ? 'mgmt' : cluster).getOrUndefined({
              apiVersion: r.apiVersion,
              kind: r.kind,
              namespace: r.namespace || undefined,
              name: r.name,
            });
            assert.ok(live, `${r.kind} ${r.namespace}/${r.name} exists in ${c.cluster}`);
            assert.equal(
              live.metadata.annotations?.[HASH_ANNOTATION],
              r.hash,
              `hash of ${r.kind} ${r.namespace}/${r.name}`,
            );
          }
        }
      }
    });
  });

  it('--diff against the live fleet the examples built: nothing would change', async () => {
    const run = await runSimulate([
      work,
      '--management-cluster',
      'mgmt/mgmt',
      '--diff',
      '--kubeconfig',
      env.cluster('mgmt').kubeconfigPath,
      '-o',
      'json',
    ]);
    const changes = JSON.parse(run.stdout) as {
      action: string;
      kind: string;
      name: string;
      cluster: string;
    }[];
    assert.deepEqual(
      changes.filter((c) => c.action !== 'unchanged'),
      [],
      'every predicted object is live and identical',
    );
    assert.ok(changes.length >= prediction.management.clusterProfiles.length, 'the objects were compared');
    assert.equal(run.code, 0, run.stderr);
  });

  it('--diff after an edit of the input: the changed template updates its ConfigMap and the deployed policy', async () => {
    const edited = mkdtempSync(join(tmpdir(), 'simulate-e2e-edit-'));
    try {
      const { cpSync, readFileSync } = await import('node:fs');
      cpSync(work, edited, { recursive: true });
      const file = join(edited, 'management.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('traffic: internal', 'traffic: trusted'));
      const run = await runSimulate([
        edited,
        '--management-cluster',
        'mgmt/mgmt',
        '--diff',
        '--kubeconfig',
        env.cluster('mgmt').kubeconfigPath,
        '-o',
        'json',
      ]);
      assert.equal(run.code, 1, 'something would change: exit 1');
      const changed = (
        JSON.parse(run.stdout) as { action: string; kind: string; name: string; cluster: string }[]
      )
        .filter((c) => c.action !== 'unchanged')
        .map((c) => `${c.cluster} ${c.kind} ${c.name} ${c.action}`);
      assert.ok(
        changed.includes('default/cluster-b NetworkPolicy allow-internal-to-orders update'),
        changed.join('\n'),
      );
      assert.ok(
        changed.some((c) => /^management ConfigMap sveltos-\w+ update$/.test(c)),
        `the instantiated ConfigMap is updated:\n${changed.join('\n')}`,
      );
    } finally {
      rmSync(edited, { recursive: true, force: true });
    }
  });

  it('a failing trigger: simulate reports the failure exactly as the event-manager writes it', async () => {
    const broken = [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'broken-template',
          namespace: 'default',
          annotations: { 'projectsveltos.io/instantiate': 'true' },
        },
        data: { 'policy.yaml': 'name: {{ nosuchfunction .Resource.metadata.name }}' },
      },
      {
        apiVersion: 'lib.projectsveltos.io/v1beta1',
        kind: 'EventTrigger',
        metadata: { name: 'broken-template' },
        spec: {
          sourceClusterSelector: { matchLabels: { env: 'fv' } },
          eventSourceName: 'services-wanting-a-policy',
          oneForEvent: true,
          policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'broken-template' }],
        },
      },
    ];
    for (const o of broken) await mgmt().apply(o as KubeObject, { fieldManager: 'e2e' });
    const live = await settledValue(async () => {
      const et = await mgmt().get<
        KubeObject & {
          status?: { clusterInfo?: { cluster: { name: string }; status: string; failureMessage?: string }[] };
        }
      >({
        apiVersion: LIB_API_VERSION,
        kind: 'EventTrigger',
        name: 'broken-template',
      });
      const info = et.status?.clusterInfo?.find((i) => i.cluster.name === 'cluster-b');
      assert.equal(info?.status, 'Failed');
      return info!.failureMessage;
    });
    const input = mkdtempSync(join(tmpdir(), 'simulate-e2e-broken-'));
    try {
      writeFileSync(join(input, 'broken.yaml'), broken.map((o) => stringify(o)).join('---\n'));
      const run = await runSimulate([
        work,
        join(input, 'broken.yaml'),
        '--management-cluster',
        'mgmt/mgmt',
        '-o',
        'json',
      ]);
      assert.equal(run.code, 1, 'a controller would report an error: exit 1');
      const pairs = (JSON.parse(run.stdout) as Prediction).eventTriggers as {
        eventTrigger: string;
        cluster: string;
        status: string;
        message?: string;
      }[];
      const pair = pairs.find(
        (p) => p.eventTrigger === 'broken-template' && p.cluster === 'default/cluster-b',
      );
      assert.equal(pair?.status, 'Failed');
      assert.equal(pair?.message, live, 'the same message as the EventTrigger status');
    } finally {
      rmSync(input, { recursive: true, force: true });
    }
  });

  /** Polls `read` until it stops throwing, then returns its value. */
  async function settledValue<T>(read: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
    let value: T | undefined;
    await settled(async () => {
      value = await read();
    }, timeoutMs);
    return value as T;
  }
});

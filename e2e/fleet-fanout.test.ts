// A cluster's change reaches only the work it can affect (docs/design/fleet-bench.md found the opposite at
// 1,000 clusters: every cluster change re-fanned every EventTrigger to all its pairs and woke every
// ClusterProfile, quadratic in the fleet). Ten groups of two clusters, one EventTrigger and one ClusterProfile
// per group; one cluster moves from group 0 to group 1. Only the pairs and profiles of those two groups may
// be looked at again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningAddonController, startAddonController } from '@sveltos-ts/addon-controller';
import { CONFIG_API_VERSION, LIB_API_VERSION } from '@sveltos-ts/api';
import { startEventManager } from '@sveltos-ts/event-manager';
import type { KubeObject, RestClient } from '@sveltos-ts/kube';
import type { RunningComponent } from '@sveltos-ts/runtime';
import { eventually } from '@sveltos-ts/testenv';
import { adminClient, testBed, uniqueName } from './support.ts';

const GROUPS = 10;
const PER_GROUP = 2;

describe('fleet fan-out: a cluster change wakes only what concerns that cluster', () => {
  const id = uniqueName('fanout');
  const scope = { 'sveltos-test': id };
  let mgmt: RestClient;
  let eventManager: RunningComponent;
  let addonController: RunningAddonController;

  const clusterName = (group: number, n: number) => `g${group}-c${n}`;
  type Listed = KubeObject & { status?: { matchingClusters?: Array<{ name: string }> } };
  const matching = async (apiVersion: string, kind: string, name: string): Promise<string[]> =>
    ((await mgmt.get<Listed>({ apiVersion, kind, name })).status?.matchingClusters ?? [])
      .map((r) => r.name)
      .sort();

  /** Reconciles so far per unit, from both components' metrics. */
  const reconciles = async (): Promise<Record<string, number>> => {
    const out: Record<string, number> = {};
    for (const component of [eventManager, addonController]) {
      const metric = await component.manager.metrics
        .getSingleMetric('controller_runtime_reconcile_total')
        ?.get();
      for (const v of metric?.values ?? [])
        out[String(v.labels.controller)] = (out[String(v.labels.controller)] ?? 0) + v.value;
    }
    return out;
  };
  /** Reconcile totals once nothing has moved for a second. */
  const settled = async (): Promise<Record<string, number>> => {
    let last = JSON.stringify(await reconciles());
    await eventually('reconciles settle', async () => {
      await new Promise((r) => setTimeout(r, 1_000));
      const now = JSON.stringify(await reconciles());
      const same = now === last;
      last = now;
      return same;
    });
    return JSON.parse(last) as Record<string, number>;
  };

  before(async () => {
    const env = await testBed();
    mgmt = await adminClient('mgmt');
    await mgmt.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: id } });
    await mgmt.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'kubeconfig', namespace: id },
      stringData: { kubeconfig: env.cluster('mgmt').kubeconfigYaml },
    });
    await mgmt.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'content', namespace: id },
      data: {
        'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${id}-never\n  namespace: ${id}\n`,
      },
    });
    await mgmt.create({
      apiVersion: LIB_API_VERSION,
      kind: 'EventSource',
      metadata: { name: id },
      spec: { resourceSelectors: [{ group: '', version: 'v1', kind: 'ConfigMap', namespace: `${id}-none` }] },
    });
    for (let g = 0; g < GROUPS; g++) {
      for (let n = 0; n < PER_GROUP; n++) {
        const name = clusterName(g, n);
        await mgmt.create({
          apiVersion: LIB_API_VERSION,
          kind: 'SveltosCluster',
          metadata: { name, namespace: id, labels: { [`${id}-group`]: `g${g}` } },
          spec: { kubeconfigName: 'kubeconfig' },
        });
        await mgmt.patchStatus(
          { apiVersion: LIB_API_VERSION, kind: 'SveltosCluster', namespace: id, name },
          { ready: true },
          'fanout-test',
        );
      }
      const selector = { matchLabels: { [`${id}-group`]: `g${g}` } };
      await mgmt.create({
        apiVersion: LIB_API_VERSION,
        kind: 'EventTrigger',
        metadata: { name: `${id}-g${g}`, labels: scope },
        spec: {
          sourceClusterSelector: selector,
          eventSourceName: id,
          policyRefs: [{ kind: 'ConfigMap', namespace: id, name: 'content' }],
        },
      });
      await mgmt.create({
        apiVersion: CONFIG_API_VERSION,
        kind: 'ClusterProfile',
        metadata: { name: `${id}-g${g}`, labels: scope },
        // deploys nothing anywhere: a selector over the same clusters, and no policies
        spec: { clusterSelector: selector },
      });
    }
    eventManager = await startEventManager({
      managementKubeConfig: env.cluster('mgmt').kubeConfig(),
      eventTriggerSelector: { matchLabels: scope },
      manageClusterStatus: false,
    });
    addonController = await startAddonController({
      managementKubeConfig: env.cluster('mgmt').kubeConfig(),
      scope,
    });
  });

  after(async () => {
    await eventManager?.stop();
    await addonController?.stop();
    for (let g = 0; g < GROUPS; g++) {
      await mgmt.delete({ apiVersion: CONFIG_API_VERSION, kind: 'ClusterProfile', name: `${id}-g${g}` });
      await mgmt.delete({ apiVersion: LIB_API_VERSION, kind: 'EventTrigger', name: `${id}-g${g}` });
    }
  });

  it('moving a cluster between groups reconciles its pairs and the two profiles, nothing else', async () => {
    const group = (g: number) => [clusterName(g, 0), clusterName(g, 1)].sort();
    await eventually('every trigger and profile lists its group', async () => {
      for (let g = 0; g < GROUPS; g++) {
        if (
          JSON.stringify(await matching(LIB_API_VERSION, 'EventTrigger', `${id}-g${g}`)) !==
            JSON.stringify(group(g)) ||
          JSON.stringify(await matching(CONFIG_API_VERSION, 'ClusterProfile', `${id}-g${g}`)) !==
            JSON.stringify(group(g))
        )
          return false;
      }
      return true;
    });
    const before = await settled();

    const moved = clusterName(0, 0);
    await mgmt.mergePatch(
      { apiVersion: LIB_API_VERSION, kind: 'SveltosCluster', namespace: id, name: moved },
      { metadata: { labels: { [`${id}-group`]: 'g1' } } },
    );
    await eventually('the move is seen by both groups', async () => {
      const [et0, et1, p0, p1] = await Promise.all([
        matching(LIB_API_VERSION, 'EventTrigger', `${id}-g0`),
        matching(LIB_API_VERSION, 'EventTrigger', `${id}-g1`),
        matching(CONFIG_API_VERSION, 'ClusterProfile', `${id}-g0`),
        matching(CONFIG_API_VERSION, 'ClusterProfile', `${id}-g1`),
      ]);
      return !et0.includes(moved) && et1.includes(moved) && !p0.includes(moved) && p1.includes(moved);
    });
    const now = await settled();
    const delta = (unit: string) => (now[unit] ?? 0) - (before[unit] ?? 0);

    // no trigger fans out again: the moved cluster's two pairs (g0 withdraws, g1 deploys) are woken directly
    assert.equal(delta('eventtrigger'), 0, 'EventTriggers re-fanned out');
    const pairs = delta('eventtrigger-cluster');
    assert.ok(pairs >= 2 && pairs <= 4, `(trigger, cluster) reconciles: ${pairs}, expected 2 to 4`);
    // the two profiles concerned, each once for the cluster and once more for its own status write
    const profiles = delta('clusterprofile');
    assert.ok(profiles >= 2 && profiles <= 4, `ClusterProfile reconciles: ${profiles}, expected 2 to 4`);
  });
});

// ClusterSets end to end: the component owning cluster status selects maxReplicas of the set's pool; a
// ClusterProfile referencing the set (setRefs) deploys to the selected cluster only, an EventTrigger
// referencing it (clusterSetRefs) watches that cluster only; when the selected cluster leaves the pool, the
// other takes over (active/passive failover) and the add-on moves with it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAddonController } from '@sveltos-ts/addon-controller';
import {
  CONFIG_API_VERSION,
  type EventTrigger,
  LIB_API_VERSION,
  type ObjectReference,
} from '@sveltos-ts/api';
import { startEventManager } from '@sveltos-ts/event-manager';
import type { KubeObject, RestClient } from '@sveltos-ts/kube';
import type { RunningComponent } from '@sveltos-ts/runtime';
import { eventually } from '@sveltos-ts/testenv';
import { adminClient, testBed, uniqueName } from './support.ts';

describe('ClusterSet: selection, failover, and the profiles and triggers that reference it', () => {
  const id = uniqueName('set');
  const scope = { 'sveltos-test': id };
  let mgmt: RestClient;
  const managed: Record<string, RestClient> = {};
  let components: RunningComponent[] = [];

  before(async () => {
    const env = await testBed();
    mgmt = await adminClient('mgmt');
    for (const c of ['cluster-a', 'cluster-b']) managed[c] = await adminClient(c);
    await mgmt.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: id } });
    for (const target of ['cluster-a', 'cluster-b']) {
      await mgmt.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: `${target}-sveltos-kubeconfig`, namespace: id },
        stringData: { kubeconfig: env.cluster(target).kubeconfigYaml },
      });
      await mgmt.create({
        apiVersion: LIB_API_VERSION,
        kind: 'SveltosCluster',
        metadata: { name: target, namespace: id, labels: { pool: id } },
        spec: {},
      });
    }
    await mgmt.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'active-marker', namespace: id },
      data: {
        marker: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${id}-active\n  namespace: default\ndata:\n  role: active\n`,
      },
    });
    const kubeConfig = env.cluster('mgmt').kubeConfig();
    components = [
      await startAddonController({ managementKubeConfig: kubeConfig, scope, probeIntervalMs: 1_000 }),
      await startEventManager({
        managementKubeConfig: kubeConfig,
        eventTriggerSelector: { matchLabels: scope },
        manageClusterStatus: false,
      }),
    ];
  });
  after(async () => {
    for (const c of components) await c.stop();
  });

  const selected = async (): Promise<string[]> =>
    (
      (
        await mgmt.get<KubeObject & { status?: { selectedClusterRefs?: ObjectReference[] } }>({
          apiVersion: LIB_API_VERSION,
          kind: 'ClusterSet',
          name: id,
        })
      ).status?.selectedClusterRefs ?? []
    ).map((r) => r.name!);

  const deployedIn = async (): Promise<string[]> => {
    const out: string[] = [];
    for (const [name, client] of Object.entries(managed))
      if (
        await client.getOrUndefined({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          namespace: 'default',
          name: `${id}-active`,
        })
      )
        out.push(name);
    return out;
  };

  it('selects one of two clusters, deploys there only, and fails over when it leaves the pool', async () => {
    await mgmt.create({
      apiVersion: LIB_API_VERSION,
      kind: 'ClusterSet',
      metadata: { name: id },
      spec: { clusterSelector: { matchLabels: { pool: id } }, maxReplicas: 1 },
    });
    await mgmt.create({
      apiVersion: CONFIG_API_VERSION,
      kind: 'ClusterProfile',
      metadata: { name: id, labels: scope },
      spec: { setRefs: [id], policyRefs: [{ kind: 'ConfigMap', namespace: id, name: 'active-marker' }] },
    });
    await mgmt.create({
      apiVersion: LIB_API_VERSION,
      kind: 'EventTrigger',
      metadata: { name: id, labels: scope },
      // its own selector matches nothing: only the set brings clusters in
      spec: {
        eventSourceName: id,
        sourceClusterSelector: { matchLabels: { none: id } },
        clusterSetRefs: [id],
      },
    });

    const first = await eventually('one cluster selected', async () => {
      const s = await selected();
      return s.length === 1 ? s[0] : undefined;
    });
    await eventually(
      'the add-on in the selected cluster only',
      async () => JSON.stringify(await deployedIn()) === JSON.stringify([first]),
    );
    const matching = async () =>
      (
        (
          await mgmt.get<EventTrigger & KubeObject>({
            apiVersion: LIB_API_VERSION,
            kind: 'EventTrigger',
            name: id,
          })
        ).status?.matchingClusters ?? []
      ).map((r) => r.name);
    await eventually(
      'the trigger watches the selected cluster',
      async () => JSON.stringify(await matching()) === JSON.stringify([first]),
    );

    // the active cluster leaves the pool: the passive one takes over, and the add-on moves with it
    await mgmt.mergePatch(
      { apiVersion: LIB_API_VERSION, kind: 'SveltosCluster', namespace: id, name: first! },
      { metadata: { labels: { pool: null } } },
    );
    const second = first === 'cluster-a' ? 'cluster-b' : 'cluster-a';
    await eventually(
      'the other cluster selected',
      async () => JSON.stringify(await selected()) === JSON.stringify([second]),
    );
    await eventually(
      'the add-on moved',
      async () => JSON.stringify(await deployedIn()) === JSON.stringify([second]),
    );
    await eventually(
      'the trigger follows',
      async () => JSON.stringify(await matching()) === JSON.stringify([second]),
    );

    // and it stays there when the first one comes back (selection is sticky)
    await mgmt.mergePatch(
      { apiVersion: LIB_API_VERSION, kind: 'SveltosCluster', namespace: id, name: first! },
      { metadata: { labels: { pool: id } } },
    );
    await eventually('both in the pool again', async () => {
      const set = await mgmt.get<KubeObject & { status?: { matchingClusterRefs?: ObjectReference[] } }>({
        apiVersion: LIB_API_VERSION,
        kind: 'ClusterSet',
        name: id,
      });
      return (set.status?.matchingClusterRefs ?? []).length === 2;
    });
    assert.deepEqual(await selected(), [second]);
    assert.deepEqual(await deployedIn(), [second]);

    await mgmt.delete({ apiVersion: CONFIG_API_VERSION, kind: 'ClusterProfile', name: id });
    await eventually('withdrawn', async () => (await deployedIn()).length === 0);
    await mgmt.delete({ apiVersion: LIB_API_VERSION, kind: 'EventTrigger', name: id });
    await mgmt.delete({ apiVersion: LIB_API_VERSION, kind: 'ClusterSet', name: id });
  });
});

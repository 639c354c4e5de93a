import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLUSTER_PROFILE_NAME_LABEL, CONFIG_API_VERSION } from '@sveltos-ts/api';
import { Informer, type KubeObject, RestClient } from '@sveltos-ts/kube';
import { eventually, sharedTestEnv } from '@sveltos-ts/testenv';
import type { Summary } from './features/types.ts';
import { SummaryIndex } from './summary-index.ts';

const unique = (prefix: string): string =>
  `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;

describe('SummaryIndex over the ClusterSummary informer', () => {
  it('finds summaries by profile and by cluster, following adds, relabels and deletes', async () => {
    const env = await sharedTestEnv();
    const client = new RestClient(env.cluster('mgmt').kubeConfig());
    const namespace = unique('sumidx');
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    const summary = (name: string, profile: string, cluster: string): KubeObject => ({
      apiVersion: CONFIG_API_VERSION,
      kind: 'ClusterSummary',
      metadata: { name, namespace, labels: { [CLUSTER_PROFILE_NAME_LABEL]: profile } },
      spec: {
        clusterNamespace: namespace,
        clusterName: cluster,
        clusterType: 'Sveltos',
        clusterProfileSpec: {},
      },
    });
    // one present before the index attaches, the others after
    await client.create(summary('p1-a', 'p1', 'a'));
    const informer = new Informer<Summary>(client, {
      apiVersion: CONFIG_API_VERSION,
      kind: 'ClusterSummary',
      namespace,
    });
    informer.start();
    await informer.waitForSync();
    const index = new SummaryIndex(informer, (s) => s.metadata.labels?.[CLUSTER_PROFILE_NAME_LABEL]);
    const detach = index.attach();
    const names = (list: Summary[]) => list.map((s) => s.metadata.name).sort();
    const cluster = (name: string) => ({ type: 'Sveltos' as const, namespace, name });
    try {
      await client.create(summary('p1-b', 'p1', 'b'));
      await client.create(summary('p2-a', 'p2', 'a'));
      await eventually(
        'both seen',
        () => names(index.ofProfile('p1')).length === 2 && index.ofProfile('p2').length === 1,
      );
      assert.deepEqual(names(index.ofProfile('p1')), ['p1-a', 'p1-b']);
      assert.deepEqual(names(index.onCluster(cluster('a'))), ['p1-a', 'p2-a']);
      assert.deepEqual(names(index.onCluster(cluster('b'))), ['p1-b']);

      // relabelled to another profile: it moves
      await client.mergePatch(
        { apiVersion: CONFIG_API_VERSION, kind: 'ClusterSummary', namespace, name: 'p1-b' },
        { metadata: { labels: { [CLUSTER_PROFILE_NAME_LABEL]: 'p2' } } },
      );
      await eventually('moved', () => index.ofProfile('p2').length === 2);
      assert.deepEqual(names(index.ofProfile('p1')), ['p1-a']);
      assert.deepEqual(names(index.ofProfile('p2')), ['p1-b', 'p2-a']);

      await client.delete({
        apiVersion: CONFIG_API_VERSION,
        kind: 'ClusterSummary',
        namespace,
        name: 'p2-a',
      });
      await eventually('deleted', () => index.onCluster(cluster('a')).length === 1);
      assert.deepEqual(names(index.onCluster(cluster('a'))), ['p1-a']);
      assert.deepEqual(names(index.ofProfile('p2')), ['p1-b']);
      assert.deepEqual(index.ofProfile('nobody'), []);
    } finally {
      detach();
      await informer.stop();
    }
    // detached: it follows nothing and holds nothing
    assert.deepEqual(index.ofProfile('p1'), []);
  });
});

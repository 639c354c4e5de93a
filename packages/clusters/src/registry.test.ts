// The registry against the shared test bed: real SveltosClusters, CAPI Clusters, ClusterSets and Secrets.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { crds, type SveltosCluster } from '@sveltos-ts/api';
import { RestClient } from '@sveltos-ts/kube';
import { eventually, sharedTestEnv, type TestEnv } from '@sveltos-ts/testenv';
import { ClusterRegistry } from './registry.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('ClusterRegistry', () => {
  let env: TestEnv;
  let admin: RestClient;
  let registry: ClusterRegistry;
  const ns = `reg-${Date.now().toString(36)}`;
  const label = { [`registry-test-${ns}`]: 'yes' };

  before(async () => {
    env = await sharedTestEnv({ crds });
    admin = new RestClient(env.cluster('mgmt').kubeConfig());
    await admin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    registry = new ClusterRegistry({ client: admin, probeIntervalMs: 1000 });
    await registry.start();
  });
  after(async () => {
    await registry.stop();
    await admin.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns });
  });

  it('probes a SveltosCluster through its kubeconfig Secret and writes status; selector matching uses readiness', async () => {
    await admin.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'a-sveltos-kubeconfig', namespace: ns },
      data: { kubeconfig: b64(env.cluster('cluster-a').kubeconfigYaml) },
    });
    await admin.create({
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'SveltosCluster',
      metadata: { name: 'a', namespace: ns, labels: label },
      spec: {},
    });
    const ready = await eventually('cluster a ready', () => {
      const c = registry.get({ type: 'Sveltos', namespace: ns, name: 'a' });
      return c?.ready ? c : undefined;
    });
    const status = (ready.object as SveltosCluster).status;
    // a kube-apiserver built from source reports v0.0.0-master+…; any gitVersion proves the probe went through
    assert.match(status?.version ?? '', /^v\d/);
    assert.equal(status?.connectionStatus, 'Healthy');
    assert.deepEqual(
      registry.matching({ matchLabels: label }).map((c) => c.key),
      [`Sveltos:${ns}/a`],
    );
    assert.deepEqual(registry.matching({}), []);
    const client = registry.connection(ready.key);
    assert.equal(registry.connection(ready.key), client, 'connection is cached');
    await client.list('v1', 'Namespace');
  });

  it('a broken kubeconfig makes the cluster not ready with a failureMessage; fixing it rebuilds the client', async () => {
    const before = registry.connection(`Sveltos:${ns}/a`);
    await admin.mergePatch(
      { apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'a-sveltos-kubeconfig' },
      { data: { kubeconfig: b64('not: a kubeconfig') } },
    );
    const down = await eventually('cluster a down', () => {
      const c = registry.get(`Sveltos:${ns}/a`);
      return c && !c.ready ? c : undefined;
    });
    assert.ok((down.object as SveltosCluster).status?.failureMessage, 'failureMessage written');
    assert.deepEqual(registry.matching({ matchLabels: label }), []);
    await admin.mergePatch(
      { apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'a-sveltos-kubeconfig' },
      { data: { kubeconfig: b64(env.cluster('cluster-b').kubeconfigYaml) } },
    );
    await eventually('cluster a ready again', () => registry.get(`Sveltos:${ns}/a`)?.ready);
    const after = registry.connection(`Sveltos:${ns}/a`);
    assert.notEqual(after, before);
    assert.equal(after.server, env.cluster('cluster-b').server);
  });

  it('a missing kubeconfig Secret is reported on the SveltosCluster', async () => {
    await admin.create({
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'SveltosCluster',
      metadata: { name: 'nosecret', namespace: ns, labels: label },
      spec: { kubeconfigName: 'does-not-exist' },
    });
    const c = await eventually('failure message', () => {
      const c = registry.get(`Sveltos:${ns}/nosecret`);
      return (c?.object as SveltosCluster | undefined)?.status?.failureMessage ? c : undefined;
    });
    assert.equal(c.ready, false);
    assert.match((c.object as SveltosCluster).status?.failureMessage ?? '', /does-not-exist does not exist/);
  });

  it('CAPI Clusters: readiness from status, removal is an event; ClusterSet selection is read from status', async () => {
    const events: string[] = [];
    const off = registry.on((e) =>
      events.push(e.type === 'clusterset-changed' ? `set:${e.name}` : `${e.type}:${e.cluster.key}`),
    );
    const capi = await admin.create({
      apiVersion: 'cluster.x-k8s.io/v1beta2',
      kind: 'Cluster',
      metadata: { name: 'k', namespace: ns, labels: label },
      spec: {},
    });
    await eventually('capi registered', () => registry.get(`Capi:${ns}/k`));
    assert.equal(registry.get(`Capi:${ns}/k`)?.ready, false);
    await admin.replace(
      { ...capi, status: { initialization: { controlPlaneInitialized: true } } },
      undefined,
      'status',
    );
    await eventually('capi ready', () => registry.get(`Capi:${ns}/k`)?.ready);
    const setName = `set-${ns}`;
    const set = await admin.create({
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'ClusterSet',
      metadata: { name: setName },
      spec: {},
    });
    const ref = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster', namespace: ns, name: 'k' };
    await admin.replace({ ...set, status: { selectedClusterRefs: [ref] } }, undefined, 'status');
    await eventually('set selection', () =>
      registry.clusterSetSelection([setName, 'missing']).length === 1 ? true : undefined,
    );
    assert.deepEqual(registry.clusterSetSelection([setName]), [ref]);
    await admin.delete({ apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster', namespace: ns, name: 'k' });
    await eventually('capi removed', () => (registry.get(`Capi:${ns}/k`) ? undefined : true));
    await admin.delete({ apiVersion: 'lib.projectsveltos.io/v1beta1', kind: 'ClusterSet', name: setName });
    off();
    assert.ok(events.includes(`cluster-removed:Capi:${ns}/k`), events.join());
    assert.ok(events.includes(`set:${setName}`), events.join());
  });

  it('a shard handles the clusters annotated with its key; a moved cluster changes hands, seen as a change', async () => {
    const s1 = new ClusterRegistry({ client: admin, shardKey: 's1', manageStatus: false });
    const fallback = new ClusterRegistry({ client: admin, manageStatus: false });
    await Promise.all([s1.start(), fallback.start()]);
    const changes: string[] = [];
    const off = s1.on((e) => {
      if (e.type === 'cluster-changed' && e.cluster.name === 'moving') changes.push(e.cluster.shard ?? '');
    });
    try {
      await admin.create({
        apiVersion: 'lib.projectsveltos.io/v1beta1',
        kind: 'SveltosCluster',
        metadata: { name: 'moving', namespace: ns, annotations: { 'sharding.projectsveltos.io/key': 's2' } },
        spec: {},
      });
      const key = `Sveltos:${ns}/moving`;
      await eventually('registered in both', () => s1.get(key) && fallback.get(key));
      assert.equal(s1.inShard(s1.get(key)), false);
      assert.equal(s1.handles(key), false);
      assert.equal(fallback.handles(key), false, 'the default shard leaves s2 alone');
      await admin.mergePatch(
        {
          apiVersion: 'lib.projectsveltos.io/v1beta1',
          kind: 'SveltosCluster',
          namespace: ns,
          name: 'moving',
        },
        { metadata: { annotations: { 'sharding.projectsveltos.io/key': 's1' } } },
      );
      await eventually('moved to s1', () => s1.handles(key));
      assert.equal(s1.inShard(s1.get(key)), true);
      assert.equal(fallback.handles(key), false);
      assert.deepEqual(changes, ['s2', 's1']);
      await admin.delete({
        apiVersion: 'lib.projectsveltos.io/v1beta1',
        kind: 'SveltosCluster',
        namespace: ns,
        name: 'moving',
      });
      await eventually('gone', () => (s1.get(key) || fallback.get(key) ? undefined : true));
      // a deleted cluster's shard is unknown: the default shard cleans up after it
      assert.equal(fallback.handles(key), true);
      assert.equal(s1.handles(key), false);
    } finally {
      off();
      await Promise.all([s1.stop(), fallback.stop()]);
    }
  });
});

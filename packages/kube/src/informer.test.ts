import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject } from '@sveltos-ts/api';
import { eventually, sharedTestEnv, TestEnv } from '@sveltos-ts/testenv';
import { Informer, type InformerEvent, stripManagedFields } from './informer.ts';
import { RestClient } from './rest.ts';

type Seen = string;

function describeEvent(event: InformerEvent<KubeObject>): Seen {
  const data = (event.object as { data?: Record<string, string> }).data ?? {};
  return `${event.type} ${event.object.metadata.name}${data.v ? `=${data.v}` : ''}`;
}

function configMap(namespace: string, name: string, v: string): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { v } };
}

const unique = (prefix: string): string =>
  `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;

describe('Informer on a shared cluster', () => {
  it('reports add, update and delete in order, after a synced initial list', async () => {
    const env = await sharedTestEnv();
    const client = new RestClient(env.cluster('cluster-a').kubeConfig());
    const namespace = unique('inf');
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    await client.create(configMap(namespace, 'existing', '0'));

    const informer = new Informer(client, { apiVersion: 'v1', kind: 'ConfigMap', namespace });
    const seen: Seen[] = [];
    informer.on((event) => {
      if (event.object.metadata.name !== 'kube-root-ca.crt') seen.push(describeEvent(event));
    });
    informer.start();
    await informer.waitForSync();
    assert.ok(informer.hasSynced());
    assert.deepEqual(seen, ['add existing=0'], 'the initial list arrives as adds before sync');

    await client.create(configMap(namespace, 'cm', '1'));
    await client.apply(configMap(namespace, 'cm', '2'), { fieldManager: 'test' });
    await client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'cm' });
    await eventually('the delete', () => seen.includes('delete cm=2'));
    await informer.stop();
    assert.deepEqual(seen, ['add existing=0', 'add cm=1', 'update cm=2', 'delete cm=2']);
    assert.equal(informer.get(`${namespace}/existing`)?.metadata.name, 'existing');
    assert.equal(informer.get(`${namespace}/cm`), undefined);
  });

  it('cacheAs: handlers get whole objects, page after page; the cache keeps the smaller form', async () => {
    const env = await sharedTestEnv();
    const client = new RestClient(env.cluster('cluster-a').kubeConfig());
    const namespace = unique('compact');
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    for (let i = 0; i < 5; i++) await client.create(configMap(namespace, `cm-${i}`, `${i}`));
    const names = (o: KubeObject): KubeObject => ({
      apiVersion: o.apiVersion,
      kind: o.kind,
      metadata: {
        name: o.metadata.name,
        namespace: o.metadata.namespace,
        uid: o.metadata.uid,
        resourceVersion: o.metadata.resourceVersion,
      },
    });
    // pages of 2: the 5 (6 where the CA ConfigMap is published) arrive in 3 pages, none larger than 2
    const paged = new RestClient(env.cluster('cluster-a').kubeConfig());
    const pages: number[] = [];
    for await (const page of paged.pages('v1', 'ConfigMap', { namespace, limit: 2 }))
      pages.push(page.items.length);
    assert.equal(pages.length, 3, `pages: ${pages}`);
    assert.ok(pages.every((n) => n <= 2) && pages.reduce((a, b) => a + b) >= 5, `pages: ${pages}`);
    const informer = new Informer(client, { apiVersion: 'v1', kind: 'ConfigMap', namespace, cacheAs: names });
    const seen: Seen[] = [];
    informer.on((event) => {
      if (event.object.metadata.name !== 'kube-root-ca.crt') seen.push(describeEvent(event));
    });
    informer.start();
    await informer.waitForSync();
    await client.apply(configMap(namespace, 'cm-0', 'changed'), { fieldManager: 'test' });
    await eventually('the update', () => seen.includes('update cm-0=changed'));
    await informer.stop();
    assert.deepEqual(seen.slice(0, 5).sort(), [
      'add cm-0=0',
      'add cm-1=1',
      'add cm-2=2',
      'add cm-3=3',
      'add cm-4=4',
    ]);
    const cached = informer.get(`${namespace}/cm-0`) as KubeObject & { data?: unknown };
    assert.equal(cached.data, undefined, 'the cache holds names and versions only');
    assert.ok(cached.metadata.resourceVersion);
  });

  it('caches transformed objects (managedFields stripped) for lists and watch events alike', async () => {
    const env = await sharedTestEnv();
    const client = new RestClient(env.cluster('cluster-a').kubeConfig());
    const namespace = unique('transform');
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    await client.create(configMap(namespace, 'listed', '1'));
    const raw = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'listed' });
    assert.ok(raw.metadata.managedFields, 'the server sends managedFields');

    const informer = new Informer(client, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace,
      transform: stripManagedFields,
    });
    const handed: KubeObject[] = [];
    informer.on((event) => handed.push(event.object));
    informer.start();
    await informer.waitForSync();
    await client.create(configMap(namespace, 'watched', '1'));
    await eventually('the watched object', () => informer.get(`${namespace}/watched`) !== undefined);
    await informer.stop();
    for (const object of [...informer.list(), ...handed]) {
      assert.equal(object.metadata.managedFields, undefined, object.metadata.name);
      assert.ok(object.metadata.resourceVersion, 'the rest of the metadata stays');
    }
  });

  it('keeps retrying, reporting each failure, while the kind is not served', async () => {
    const env = await sharedTestEnv();
    const client = new RestClient(env.cluster('cluster-b').kubeConfig());
    const errors: Error[] = [];
    const informer = new Informer(client, {
      apiVersion: 'example.com/v1',
      kind: 'Missing',
      backoff: { initialMs: 10, maxMs: 50 },
    });
    informer.onError((error) => errors.push(error));
    informer.start();
    await eventually('two reported failures', () => errors.length >= 2);
    assert.equal(informer.hasSynced(), false);
    assert.match(errors[0]!.message, /does not serve kind Missing/);
    await informer.stop();
  });
});

describe('Informer stop', () => {
  it('stop() ends the informer whatever step it is in (a watch opened after stop() was called included)', async () => {
    const env = await sharedTestEnv();
    const client = new RestClient(env.cluster('cluster-b').kubeConfig());
    for (let i = 0; i < 5; i++) {
      const informer = new Informer(client, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default' });
      informer.start();
      // right after start: the informer is discovering, listing or about to watch; without a stop that reaches
      // every step, a watch opened after this call would live until the server ends it (minutes)
      const hung = new Promise<string>((resolve) => setTimeout(() => resolve('hung'), 20_000).unref());
      assert.equal(await Promise.race([informer.stop().then(() => 'stopped'), hung]), 'stopped');
    }
  });
});

describe('Informer across API-server restarts and 410 Gone', () => {
  let env: TestEnv;
  before(async () => {
    // no watch cache: a resumed watch then reads etcd directly, so compaction reliably yields 410 Gone
    env = await TestEnv.start({
      clusters: [{ name: 'restarts', controllerManager: false, apiServerArgs: ['--watch-cache=false'] }],
    });
  });
  after(() => env.stop());

  it('resumes after a restart and relists after 410 with no missed or phantom events', async () => {
    const cluster = env.cluster('restarts');
    const client = new RestClient(cluster.kubeConfig());
    const namespace = 'informer-restart';
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    for (const name of ['keep', 'change', 'remove']) await client.create(configMap(namespace, name, '1'));

    const informer = new Informer(client, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace,
      backoff: { initialMs: 50, maxMs: 500 },
    });
    const seen: Seen[] = [];
    const errors: Error[] = [];
    informer.on((event) => seen.push(describeEvent(event)));
    informer.onError((error) => errors.push(error));
    informer.start();
    await informer.waitForSync();
    assert.deepEqual(seen.sort(), ['add change=1', 'add keep=1', 'add remove=1']);
    seen.length = 0;

    // 1. plain restart: the watch resumes from its resourceVersion
    await cluster.stop();
    await eventually('the informer to notice the outage', () => errors.length > 0);
    await cluster.start();
    await client.create(configMap(namespace, 'after-restart', '1'));
    await eventually('the create after restart', () => seen.includes('add after-restart=1'));
    assert.deepEqual(seen, ['add after-restart=1']);
    seen.length = 0;

    // 2. changes made while the informer cannot watch, then history compacted away: resuming gets 410
    await cluster.stop();
    const replica = await cluster.startReplica();
    const other = new RestClient(replica.kubeConfig());
    await other.apply(configMap(namespace, 'change', '2'), { fieldManager: 'test' });
    await other.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'remove' });
    await other.create(configMap(namespace, 'added', '1'));
    await replica.stop();
    await env.compactEtcd();
    await cluster.start();

    await eventually('the relist to catch up', () => seen.length >= 3);
    await sleep(300);
    await informer.stop();
    assert.deepEqual(seen.sort(), ['add added=1', 'delete remove=1', 'update change=2']);
    assert.deepEqual(
      informer
        .list()
        .map((o) => o.metadata.name)
        .sort(),
      ['added', 'after-restart', 'change', 'keep'],
    );
  });
});

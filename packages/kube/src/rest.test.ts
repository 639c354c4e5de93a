import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { KubeObject } from '@sveltos-ts/api';
import { sharedTestEnv } from '@sveltos-ts/testenv';
import { KubeError } from './errors.ts';
import { RestClient } from './rest.ts';

const namespace = `rest-${Date.now().toString(36)}`;
let client: RestClient;

function configMap(name: string, data: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

async function rejects(
  promise: Promise<unknown>,
  code: KubeError['code'],
  message?: RegExp,
): Promise<KubeError> {
  const error = await promise.then(
    () => assert.fail(`expected ${code}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof KubeError, `expected a KubeError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  if (message) assert.match(error.message, message);
  return error;
}

describe('RestClient against a real API server', () => {
  before(async () => {
    const env = await sharedTestEnv();
    client = new RestClient(env.cluster('cluster-a').kubeConfig());
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  });

  it('resolves kinds through discovery, including namespaced and cluster-scoped ones', async () => {
    assert.deepEqual(await client.resource('v1', 'ConfigMap'), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      plural: 'configmaps',
      namespaced: true,
    });
    const role = await client.resource('rbac.authorization.k8s.io/v1', 'ClusterRole');
    assert.equal(role.plural, 'clusterroles');
    assert.equal(role.namespaced, false);
    assert.equal(
      await client.path({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'x', name: 'y' }),
      '/api/v1/namespaces/x/configmaps/y',
    );
  });

  it('server-side apply is idempotent: a second identical apply keeps the resourceVersion', async () => {
    const desired = configMap('applied', { a: '1' });
    const first = await client.apply(desired, { fieldManager: 'sveltos-test' });
    const second = await client.apply(desired, { fieldManager: 'sveltos-test' });
    assert.equal(second.metadata.resourceVersion, first.metadata.resourceVersion);
    const changed = await client.apply(configMap('applied', { a: '2' }), { fieldManager: 'sveltos-test' });
    assert.notEqual(changed.metadata.resourceVersion, first.metadata.resourceVersion);
    assert.deepEqual((changed as { data?: unknown }).data, { a: '2' });
  });

  it('apply removes fields the manager no longer declares, and leaves other managers alone', async () => {
    await client.apply(configMap('owned', { mine: '1', dropped: '1' }), { fieldManager: 'sveltos-test' });
    await client.mergePatch(
      { apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'owned' },
      { data: { theirs: '1' } },
    );
    const result = await client.apply(configMap('owned', { mine: '1' }), { fieldManager: 'sveltos-test' });
    assert.deepEqual((result as { data?: unknown }).data, { mine: '1', theirs: '1' });
  });

  it('lists every page and returns a resourceVersion to watch from', async () => {
    for (let i = 0; i < 5; i++) await client.create(configMap(`page-${i}`, { i: String(i) }));
    const list = await client.list('v1', 'ConfigMap', { namespace, limit: 2 });
    const names = list.items.map((item) => item.metadata.name).filter((name) => name.startsWith('page-'));
    assert.deepEqual(names, ['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
    assert.ok(list.items.every((item) => item.kind === 'ConfigMap' && item.apiVersion === 'v1'));
    assert.match(list.resourceVersion, /^\d+$/);
  });

  it('maps failures to stable codes with the server message', async () => {
    await rejects(client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'nope' }), 'NOT_FOUND');
    assert.equal(
      await client.getOrUndefined({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'nope' }),
      undefined,
    );
    await client.create(configMap('twice', {}));
    const exists = await rejects(client.create(configMap('twice', {})), 'ALREADY_EXISTS');
    assert.equal(exists.retryable, false);
    await rejects(
      client.get({ apiVersion: 'example.com/v1', kind: 'Widget', name: 'w' }),
      'UNKNOWN_KIND',
      /Widget/,
    );
    await rejects(client.create(configMap('Not_A_Valid_Name', {})), 'INVALID', /Not_A_Valid_Name/);
  });

  it('rejects unknown fields instead of silently dropping them', async () => {
    const typo = { ...configMap('typo', {}), dataa: { a: '1' } };
    await rejects(client.create(typo), 'BAD_REQUEST', /unknown field "dataa"/);
  });

  it('detects a lost update through resourceVersion conflicts', async () => {
    const created = await client.create(configMap('optimistic', { v: '1' }));
    await client.replace({ ...created, data: { v: '2' } });
    const conflict = await rejects(client.replace({ ...created, data: { v: '3' } }), 'CONFLICT');
    assert.equal(conflict.retryable, true);
  });

  it('delete reports whether something was deleted', async () => {
    await client.create(configMap('gone', {}));
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'gone' };
    assert.equal(await client.delete(ref), true);
    assert.equal(await client.delete(ref), false);
  });

  it('a refused connection is a retryable NETWORK error', async () => {
    const env = await sharedTestEnv();
    const config = env.cluster('cluster-a').kubeConfig();
    const cluster = config.getCurrentCluster()!;
    config.clusters = [{ ...cluster, server: 'https://127.0.0.1:1' }];
    const offline = new RestClient(config);
    const error = await rejects(
      offline.get({ apiVersion: 'v1', kind: 'Namespace', name: 'default' }),
      'NETWORK',
    );
    assert.equal(error.retryable, true);
  });
});

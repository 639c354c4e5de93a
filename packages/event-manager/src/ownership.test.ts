import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ownershipSelector } from '@sveltos-ts/planner';
import { desiredHash, ownershipDiff, ownerTuple, pairId, pairOfLabels } from './ownership.ts';

const cluster = {
  apiVersion: 'lib.projectsveltos.io/v1beta1',
  kind: 'SveltosCluster',
  metadata: { namespace: 'team', name: 'prod-1' },
} as const;
const obj = (kind: string, name: string, deleting = false, namespace?: string) => ({
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}), ...(deleting ? { deletionTimestamp: 'now' } : {}) },
});

describe('ownershipDiff', () => {
  it('deletes undesired profiles first and holds their ConfigMaps/Secrets until the profiles are gone', () => {
    const owned = [
      obj('ClusterProfile', 'keep'),
      obj('ClusterProfile', 'stale'),
      obj('ConfigMap', 'cm-keep', false, 'projectsveltos'),
      obj('ConfigMap', 'cm-stale', false, 'projectsveltos'),
      obj('Secret', 's-stale', false, 'projectsveltos'),
    ];
    const desired = [obj('ClusterProfile', 'keep'), obj('ConfigMap', 'cm-keep', false, 'projectsveltos')];
    const d = ownershipDiff(owned, desired);
    assert.deepEqual(
      d.deleteProfiles.map((o) => o.metadata.name),
      ['stale'],
    );
    assert.equal(d.profilesPending, true);
    assert.deepEqual(
      d.deleteData.map((o) => o.metadata.name),
      ['cm-stale', 's-stale'],
    );
  });

  it('a terminating stale profile is not deleted again but still holds the data back', () => {
    const d = ownershipDiff([obj('ClusterProfile', 'stale', true), obj('ConfigMap', 'c', false, 'p')], []);
    assert.deepEqual(d.deleteProfiles, []);
    assert.equal(d.profilesPending, true);
  });

  it('nothing stale: nothing to do (idempotent)', () => {
    const owned = [obj('ClusterProfile', 'a'), obj('ConfigMap', 'c', false, 'p')];
    assert.deepEqual(ownershipDiff(owned, owned), {
      deleteProfiles: [],
      profilesPending: false,
      deleteData: [],
    });
  });

  it('identity is kind + namespace + name: a same-named object of another kind or namespace is stale', () => {
    const d = ownershipDiff(
      [obj('Secret', 'x', false, 'p'), obj('ConfigMap', 'x', false, 'q')],
      [obj('ConfigMap', 'x', false, 'p')],
    );
    assert.equal(d.deleteData.length, 2);
  });
});

describe('keys and ownership labels', () => {
  it('pair identities: equal for the same pair, distinct whenever any part differs', () => {
    const base = { eventTrigger: 'et', cluster: { type: 'Capi', namespace: 'ns', name: 'c' } } as const;
    assert.equal(pairId(base), pairId({ eventTrigger: 'et', cluster: { ...base.cluster } }));
    const variants = [
      { ...base, eventTrigger: 'et2' },
      { ...base, cluster: { ...base.cluster, type: 'Sveltos' as const } },
      { ...base, cluster: { ...base.cluster, namespace: 'ns2' } },
      { ...base, cluster: { ...base.cluster, name: 'c2' } },
      // no separator ambiguity between the parts
      { eventTrigger: 'et|Capi', cluster: { type: 'Capi' as const, namespace: 'ns', name: 'c' } },
    ];
    const ids = new Set([pairId(base), ...variants.map(pairId)]);
    assert.equal(ids.size, variants.length + 1);
  });

  it('the pair is read back from the planner ownership labels; the tuple is scoped by namespace and name', () => {
    const labels = ownershipSelector('my-trigger', cluster);
    assert.deepEqual(pairOfLabels(labels), {
      eventTrigger: 'my-trigger',
      cluster: { type: 'Sveltos', namespace: 'team', name: 'prod-1' },
    });
    const other = ownershipSelector('my-trigger', {
      ...cluster,
      metadata: { namespace: 'other', name: 'prod-1' },
    });
    assert.notEqual(ownerTuple(labels), ownerTuple(other));
    assert.equal(ownerTuple({ unrelated: 'x' }), undefined);
  });

  it('desiredHash ignores key order and sees every value', () => {
    assert.equal(desiredHash({ a: 1, b: { c: [1, 2] } }), desiredHash({ b: { c: [1, 2] }, a: 1 }));
    assert.notEqual(desiredHash({ a: 1, b: { c: [1, 2] } }), desiredHash({ a: 1, b: { c: [2, 1] } }));
  });
});

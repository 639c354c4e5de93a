import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterSet, ObjectReference } from '@sveltos-ts/api';
import { selectClusters } from './clusterset.ts';
import type { RegisteredCluster } from './registry.ts';

const ref = (name: string): ObjectReference => ({
  apiVersion: 'lib.projectsveltos.io/v1beta1',
  kind: 'SveltosCluster',
  namespace: 'fleet',
  name,
});

const cluster = (name: string, labels: Record<string, string>, ready = true): RegisteredCluster =>
  ({
    type: 'Sveltos',
    namespace: 'fleet',
    name,
    key: `Sveltos:fleet/${name}`,
    labels,
    ready,
    paused: false,
    ref: ref(name),
  }) as RegisteredCluster;

const set = (spec: ClusterSet['spec'], selected: string[] = []): Pick<ClusterSet, 'spec' | 'status'> => ({
  spec,
  status: { selectedClusterRefs: selected.map(ref) },
});

const names = (refs: ObjectReference[]) => refs.map((r) => r.name);

describe('ClusterSet selection', () => {
  const fleet = [cluster('a', { env: 'prod' }), cluster('b', { env: 'prod' }), cluster('c', { env: 'dev' })];

  it('the pool is the ready clusters of the selector and the refs; at most maxReplicas are selected', () => {
    const s = selectClusters(
      set({ clusterSelector: { matchLabels: { env: 'prod' } }, clusterRefs: [ref('c')], maxReplicas: 2 }),
      fleet,
    );
    assert.deepEqual(names(s.matching), ['a', 'b', 'c']);
    assert.deepEqual(names(s.selected), ['a', 'b']);
  });

  it('without maxReplicas nothing is selected (as upstream); maxReplicas above the pool selects the pool', () => {
    assert.deepEqual(
      names(selectClusters(set({ clusterSelector: { matchLabels: { env: 'prod' } } }), fleet).selected),
      [],
    );
    assert.deepEqual(
      names(
        selectClusters(set({ clusterSelector: { matchLabels: { env: 'prod' } }, maxReplicas: 5 }), fleet)
          .selected,
      ),
      ['a', 'b'],
    );
  });

  it('is sticky: a selected cluster stays while it is ready and matching, even when another sorts first', () => {
    const s = selectClusters(
      set({ clusterSelector: { matchLabels: { env: 'prod' } }, maxReplicas: 1 }, ['b']),
      fleet,
    );
    assert.deepEqual(names(s.selected), ['b']);
  });

  it('fails over when the selected cluster is not ready or no longer matches', () => {
    const spec = { clusterSelector: { matchLabels: { env: 'prod' } }, maxReplicas: 1 };
    const notReady = [cluster('a', { env: 'prod' }), cluster('b', { env: 'prod' }, false)];
    assert.deepEqual(names(selectClusters(set(spec, ['b']), notReady).selected), ['a']);
    const relabelled = [cluster('a', { env: 'prod' }), cluster('b', { env: 'dev' })];
    assert.deepEqual(names(selectClusters(set(spec, ['b']), relabelled).selected), ['a']);
    assert.deepEqual(names(selectClusters(set(spec, ['b']), [cluster('a', { env: 'prod' })]).selected), [
      'a',
    ]);
  });

  it('an empty selector matches nothing; a bad selector is an error, not an empty selection', () => {
    assert.deepEqual(names(selectClusters(set({ clusterSelector: {}, maxReplicas: 3 }), fleet).matching), []);
    assert.throws(() =>
      selectClusters(
        set({
          clusterSelector: { matchExpressions: [{ key: 'env', operator: 'In' as never }] },
          maxReplicas: 1,
        }),
        fleet,
      ),
    );
  });
});

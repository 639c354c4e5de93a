import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diff, type LiveMeta, ownership, PRE_EXISTING, placeResource } from './diff.ts';
import type { DesiredResource, ResourceId } from './plan.ts';

const id = (name: string, namespace = 'ns'): ResourceId => ({
  group: '',
  version: 'v1',
  kind: 'Secret',
  namespace,
  name,
});

function desired(name: string, tier = 100, hash = 'sha256:1'): DesiredResource {
  return {
    id: id(name),
    object: { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'ns' } },
    hash,
    source: { kind: 'ConfigMap', namespace: 'src', name: 'cm', key: 'k' },
    tier,
    skipNamespaceCreation: false,
  };
}

const owned = (profile: string, hash = 'sha256:1', tier = '100'): LiveMeta => ({
  labels: {
    'projectsveltos.io/reference-kind': 'ConfigMap',
    'projectsveltos.io/reference-name': 'cm',
    'projectsveltos.io/reference-namespace': 'src',
  },
  annotations: {
    'projectsveltos.io/owner-kind': 'ClusterProfile',
    'projectsveltos.io/owner-name': profile,
    'projectsveltos.io/owner-tier': tier,
    'projectsveltos.io/hash': hash,
  },
});

function run(o: {
  desired?: DesiredResource[];
  recorded?: ResourceId[];
  live?: Record<string, LiveMeta>;
  profiles?: string[];
  withdrawAllowed?: boolean;
}) {
  return diff({
    owner: { kind: 'ClusterProfile', name: 'me' },
    desired: o.desired ?? [],
    recorded: o.recorded ?? [],
    live: (i) => o.live?.[i.name],
    ownerExists: (_k, n) => (o.profiles ?? ['me', 'other']).includes(n),
    withdrawAllowed: o.withdrawAllowed ?? true,
  });
}

describe('diff', () => {
  it('creates what is absent, updates ours when the hash differs, leaves ours alone when it matches', () => {
    const r = run({
      desired: [desired('new'), desired('same'), desired('changed', 100, 'sha256:2')],
      live: { same: owned('me'), changed: owned('me') },
    });
    assert.deepEqual(
      r.apply.map((a) => [a.resource.id.name, a.action]),
      [
        ['new', 'create'],
        ['changed', 'update'],
      ],
    );
    assert.deepEqual(
      r.unchanged.map((u) => u.id.name),
      ['same'],
    );
  });

  it('adopts an object not created by Sveltos, unless its copy cannot be kept', () => {
    const r = run({ desired: [desired('theirs')], live: { theirs: { labels: { app: 'x' } } } });
    assert.deepEqual(
      r.apply.map((a) => [a.resource.id.name, a.action]),
      [['theirs', 'adopt']],
    );
    assert.deepEqual(r.conflicts, []);
    const big = diff({
      owner: { kind: 'ClusterProfile', name: 'me' },
      desired: [desired('theirs')],
      recorded: [],
      live: () => ({ labels: { app: 'x' } }),
      ownerExists: () => true,
      withdrawAllowed: true,
      adoptionRefusal: () => 'too large',
    });
    assert.deepEqual(big.apply, []);
    assert.equal(big.conflicts[0]!.message, 'Secret ns/theirs: too large');
  });

  it('an adopted object no longer wanted is restored, never deleted', () => {
    const adopted = { ...owned('me'), annotations: { ...owned('me').annotations, [PRE_EXISTING]: '{}' } };
    const r = diff({
      owner: { kind: 'ClusterProfile', name: 'me' },
      desired: [],
      recorded: [id('a'), { ...id('b'), preExisting: true }, id('c')],
      live: (i) => (i.name === 'a' ? adopted : owned('me')),
      ownerExists: () => true,
      withdrawAllowed: true,
    });
    assert.deepEqual(
      r.restore.map((x) => x.name),
      ['a', 'b'],
    );
    assert.deepEqual(
      r.remove.map((x) => x.name),
      ['c'],
    );
  });

  it('tiers: a lower tier takes over, an equal or higher one conflicts; a deleted owner is taken over', () => {
    const lower = run({ desired: [desired('x', 50)], live: { x: owned('other', 'sha256:9', '100') } });
    assert.deepEqual(
      lower.apply.map((a) => [a.action, a.from]),
      [['takeover', { kind: 'ClusterProfile', name: 'other' }]],
    );
    const equal = run({ desired: [desired('x', 100)], live: { x: owned('other', 'sha256:9', '100') } });
    assert.match(
      equal.conflicts[0]!.message,
      /managed by ClusterProfile other \(tier 100\); this profile's tier 100/,
    );
    const higher = run({ desired: [desired('x', 200)], live: { x: owned('other', 'sha256:9', '100') } });
    assert.equal(higher.conflicts.length, 1);
    const orphan = run({ desired: [desired('x', 200)], live: { x: owned('gone') }, profiles: ['me'] });
    assert.deepEqual(
      orphan.apply.map((a) => a.action),
      ['takeover'],
    );
  });

  it('objects with Sveltos reference labels but no owner are adopted only from the same source', () => {
    const legacy = (name: string): LiveMeta => ({
      labels: {
        'projectsveltos.io/reference-kind': 'ConfigMap',
        'projectsveltos.io/reference-name': name,
        'projectsveltos.io/reference-namespace': 'src',
      },
    });
    assert.deepEqual(
      run({ desired: [desired('x')], live: { x: legacy('cm') } }).apply.map((a) => a.action),
      ['takeover'],
    );
    assert.match(
      run({ desired: [desired('x')], live: { x: legacy('another') } }).conflicts[0]!.message,
      /managed by Sveltos through ConfigMap src\/another/,
    );
  });

  it('withdraws recorded objects that are still ours; forgets those gone or owned by someone else', () => {
    const r = run({
      desired: [desired('kept')],
      recorded: [id('kept'), id('stale'), id('vanished'), id('recreated'), id('taken')],
      live: { kept: owned('me'), stale: owned('me'), recreated: { labels: {} }, taken: owned('other') },
    });
    assert.deepEqual(
      r.remove.map((x) => x.name),
      ['stale'],
    );
    assert.deepEqual(
      r.forget.map((x) => x.name),
      ['vanished', 'recreated', 'taken'],
    );
  });

  it('withdraws nothing when planning was incomplete', () => {
    const r = run({ recorded: [id('stale')], live: { stale: owned('me') }, withdrawAllowed: false });
    assert.deepEqual(r.remove, []);
    assert.deepEqual(
      r.keep.map((x) => x.name),
      ['stale'],
    );
  });
});

describe('ownership', () => {
  it('reads the owner annotations (tier 100 when unreadable)', () => {
    const live = owned('other', 'h', 'x');
    assert.deepEqual(ownership(live, { kind: 'ClusterProfile', name: 'me' }), {
      type: 'profile',
      kind: 'ClusterProfile',
      name: 'other',
      tier: 100,
    });
    assert.deepEqual(ownership(undefined, { kind: 'ClusterProfile', name: 'me' }), { type: 'absent' });
    assert.deepEqual(ownership({}, { kind: 'ClusterProfile', name: 'me' }), { type: 'foreign' });
  });
});

describe('placeResource', () => {
  it('defaults namespaced objects to default and strips the namespace of cluster-scoped ones', () => {
    const d = { ...desired('x'), id: id('x', '') };
    d.object = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } };
    const placed = placeResource(d, true);
    assert.equal(placed.id.namespace, 'default');
    assert.equal((placed.object.metadata as { namespace: string }).namespace, 'default');
    const cluster = placeResource(desired('y'), false);
    assert.equal(cluster.id.namespace, '');
    assert.equal('namespace' in (cluster.object.metadata as object), false);
    const same = desired('z');
    assert.equal(placeResource(same, true), same);
  });
});

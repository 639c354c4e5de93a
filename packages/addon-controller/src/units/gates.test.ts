// dependsOn and maxUpdate decisions, with plain objects.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterProfileSpec, ClusterSummary } from '@sveltos-ts/api';
import { cycleThrough, dependencyState, provisioned } from './dependencies.ts';
import { maxUpdateLimit, Rollouts } from './rollout.ts';

const requested = (spec: ClusterProfileSpec) => (spec.policyRefs?.length ? (['Resources'] as const) : []);
const spec = (dependsOn?: string[]): ClusterProfileSpec => ({
  policyRefs: [{ kind: 'ConfigMap', name: 'x' }],
  ...(dependsOn ? { dependsOn } : {}),
});
const summary = (s: ClusterProfileSpec, status?: 'Provisioned' | 'Failed'): ClusterSummary =>
  ({
    spec: { clusterNamespace: 'ns', clusterName: 'c', clusterType: 'Sveltos', clusterProfileSpec: s },
    status: status ? { featureSummaries: [{ featureID: 'Resources', status }] } : {},
  }) as ClusterSummary;

describe('dependsOn', () => {
  it('finds the cycle through a profile, not cycles elsewhere', () => {
    const graph: Record<string, string[]> = { a: ['b'], b: ['c'], c: ['a'], d: ['b'], e: ['f'], f: ['f'] };
    assert.deepEqual(
      cycleThrough('a', (n) => graph[n]),
      ['a', 'b', 'c', 'a'],
    );
    assert.equal(
      cycleThrough('d', (n) => graph[n]),
      undefined,
      'd waits on a cycle it is not part of',
    );
    assert.equal(
      cycleThrough('e', (n) => graph[n]),
      undefined,
    );
    assert.deepEqual(
      cycleThrough('f', (n) => graph[n]),
      ['f', 'f'],
    );
  });

  it('provisioned means the dependency’s current spec with every requested feature Provisioned', () => {
    const s = spec();
    assert.equal(provisioned(summary(s, 'Provisioned'), s, requested), true);
    assert.equal(provisioned(summary(s, 'Failed'), s, requested), false);
    assert.equal(provisioned(summary(s), s, requested), false, 'features not run yet');
    assert.equal(provisioned(summary(spec(['z']), 'Provisioned'), s, requested), false, 'an older spec');
  });

  it('waits for each dependency that is missing, not deployed here, or not provisioned; refuses cycles', () => {
    const specs: Record<string, ClusterProfileSpec> = { base: spec(), other: spec(), loop: spec(['me']) };
    const summaries: Record<string, ClusterSummary> = {
      base: summary(specs.base!, 'Provisioned'),
      other: summary(specs.other!, 'Failed'),
    };
    const state = (dependsOn: string[], name = 'me') =>
      dependencyState({
        profile: name,
        spec: spec(dependsOn),
        specOf: (n) => specs[n],
        summaryOf: (n) => summaries[n],
        requested,
      });
    assert.deepEqual(state([]), { type: 'ready', message: 'All dependencies deployed' });
    assert.deepEqual(state(['base']), { type: 'ready', message: 'All dependencies deployed' });
    assert.deepEqual(state(['base', 'other', 'gone']), {
      type: 'waiting',
      message: 'waiting for ClusterProfile other (not provisioned yet), ClusterProfile gone (does not exist)',
    });
    assert.equal(state(['loop']).type, 'cycle');
    assert.match(
      state(['loop']).message,
      /dependency cycle ClusterProfile me → ClusterProfile loop → ClusterProfile me/,
    );
  });
});

describe('maxUpdate', () => {
  it('a number, or a percentage of the matching clusters rounded up; at least one', () => {
    assert.equal(maxUpdateLimit(undefined, 10), undefined);
    assert.equal(maxUpdateLimit(3, 10), 3);
    assert.equal(maxUpdateLimit('2', 10), 2);
    assert.equal(maxUpdateLimit('25%', 10), 3);
    assert.equal(maxUpdateLimit('0%', 10), 1);
    assert.equal(maxUpdateLimit(0, 10), 1);
  });

  it('slots: held until done, new spec starts over from what is already updating', () => {
    const r = new Rollouts();
    const seed = () => [] as string[];
    assert.equal(r.admit('p', 'h1', 'a', 1, { already: false, seed }), 'taken');
    assert.equal(r.admit('p', 'h1', 'b', 1, { already: false, seed }), 'waiting');
    assert.equal(r.admit('p', 'h1', 'a', 1, { already: false, seed }), 'held', 'a keeps its slot');
    assert.equal(r.admit('p', 'h1', 'c', 1, { already: true, seed }), 'taken', 'already carrying the spec');
    assert.deepEqual(r.updating('p', 'h1'), ['a', 'c']);
    assert.equal(r.done('p', 'h1', 'a'), true);
    assert.equal(r.done('p', 'h1', 'c'), true);
    assert.equal(r.admit('p', 'h1', 'b', 1, { already: false, seed }), 'taken');
    assert.equal(
      r.admit('p', 'h2', 'x', 1, { already: false, seed: () => ['y'] }),
      'waiting',
      'seeded from summaries',
    );
    assert.equal(r.release('p', 'y'), true);
    assert.equal(r.admit('p', 'h2', 'x', 1, { already: false, seed }), 'taken');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LabelSelector } from '@sveltos-ts/api';
import { ClusterError } from './errors.ts';
import { selectorMatches } from './selector.ts';

const labels = { env: 'fv', region: 'west', tier: 'gold' };

describe('selectorMatches', () => {
  it('an empty selector matches no cluster (Sveltos rule), even one without labels', () => {
    assert.equal(selectorMatches(undefined, labels), false);
    assert.equal(selectorMatches({}, labels), false);
    assert.equal(selectorMatches({ matchLabels: {}, matchExpressions: [] }, {}), false);
  });

  it('matchLabels must all hold', () => {
    assert.equal(selectorMatches({ matchLabels: { env: 'fv' } }, labels), true);
    assert.equal(selectorMatches({ matchLabels: { env: 'fv', region: 'east' } }, labels), false);
    assert.equal(selectorMatches({ matchLabels: { env: 'fv' } }, undefined), false);
  });

  it('the four expression operators, ANDed with matchLabels', () => {
    const cases: [LabelSelector, boolean][] = [
      [{ matchExpressions: [{ key: 'env', operator: 'In', values: ['fv', 'prod'] }] }, true],
      [{ matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] }, false],
      [{ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, true],
      [{ matchExpressions: [{ key: 'missing', operator: 'NotIn', values: ['x'] }] }, true],
      [{ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, true],
      [{ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, false],
      [{ matchExpressions: [{ key: 'nope', operator: 'DoesNotExist' }] }, true],
      [
        {
          matchLabels: { env: 'fv' },
          matchExpressions: [{ key: 'region', operator: 'NotIn', values: ['west'] }],
        },
        false,
      ],
    ];
    for (const [selector, want] of cases)
      assert.equal(selectorMatches(selector, labels), want, JSON.stringify(selector));
  });

  it('an invalid selector is a typed error, not a silent mismatch', () => {
    const bad: LabelSelector[] = [
      { matchExpressions: [{ key: 'env', operator: 'In', values: [] }] },
      { matchExpressions: [{ key: 'env', operator: 'Exists', values: ['x'] }] },
      { matchExpressions: [{ key: 'env', operator: 'Equals' as 'In', values: ['x'] }] },
    ];
    for (const s of bad) {
      assert.throws(
        () => selectorMatches(s, labels),
        (e: unknown) => e instanceof ClusterError && e.code === 'INVALID_SELECTOR' && !e.retryable,
      );
    }
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LabelFilter, LabelSelector } from '@sveltos-ts/api';
import { EvaluationError } from './errors.ts';
import { compileLabelFilters, compileLabelSelector } from './labels.ts';

const all = (preds: ((l: Record<string, string>) => boolean)[], labels: Record<string, string>) =>
  preds.every((p) => p(labels));

describe('labelFilters', () => {
  const cases: [string, LabelFilter, Record<string, string>, boolean][] = [
    ['Equal matches the value', { key: 'env', operation: 'Equal', value: 'prod' }, { env: 'prod' }, true],
    [
      'Equal fails on another value',
      { key: 'env', operation: 'Equal', value: 'prod' },
      { env: 'dev' },
      false,
    ],
    ['Equal fails without the key', { key: 'env', operation: 'Equal', value: 'prod' }, {}, false],
    [
      'Different passes on another value',
      { key: 'env', operation: 'Different', value: 'prod' },
      { env: 'dev' },
      true,
    ],
    ['Different passes without the key', { key: 'env', operation: 'Different', value: 'prod' }, {}, true],
    [
      'Different fails on the value',
      { key: 'env', operation: 'Different', value: 'prod' },
      { env: 'prod' },
      false,
    ],
    [
      'Different with "" (docs idiom) passes on any value',
      { key: 'x', operation: 'Different', value: '' },
      { x: 'a' },
      true,
    ],
    [
      'Has passes with the key (any value, even "")',
      { key: 'sveltos.io/x', operation: 'Has' },
      { 'sveltos.io/x': '' },
      true,
    ],
    ['Has fails without the key', { key: 'x', operation: 'Has' }, { y: '1' }, false],
    ['DoesNotHave passes without the key', { key: 'x', operation: 'DoesNotHave' }, {}, true],
    ['DoesNotHave fails with the key', { key: 'x', operation: 'DoesNotHave' }, { x: 'v' }, false],
  ];
  for (const [name, filter, labels, want] of cases) {
    test(name, () => assert.equal(all(compileLabelFilters([filter], 'es'), labels), want));
  }
  test('filters are ANDed', () => {
    const preds = compileLabelFilters(
      [
        { key: 'a', operation: 'Equal', value: '1' },
        { key: 'b', operation: 'Has' },
      ],
      'es',
    );
    assert.equal(all(preds, { a: '1', b: '' }), true);
    assert.equal(all(preds, { a: '1' }), false);
  });
  const bad: [string, unknown, RegExp][] = [
    ['unknown operation', { key: 'a', operation: 'Equals', value: '1' }, /unknown operation "Equals"/],
    ['invalid key', { key: 'a b', operation: 'Has' }, /invalid key "a b"/],
    ['invalid prefix', { key: 'Bad_Prefix/a', operation: 'Has' }, /prefix must be a DNS subdomain/],
    [
      'value with a comma (malformed upstream selector)',
      { key: 'a', operation: 'Equal', value: 'x,y' },
      /invalid value "x,y"/,
    ],
    ['non-string value', { key: 'a', operation: 'Equal', value: 3 }, /value must be a string/],
  ];
  for (const [name, filter, match] of bad) {
    test(`rejects ${name}`, () =>
      assert.throws(
        () => compileLabelFilters([filter as LabelFilter], 'EventSource "x" resourceSelectors[0]'),
        (e: unknown) =>
          e instanceof EvaluationError &&
          e.code === 'INVALID_LABEL_FILTER' &&
          match.test(e.message) &&
          e.message.startsWith('EventSource "x" resourceSelectors[0].labelFilters[0]'),
      ));
  }
});

describe('selector (LabelSelector)', () => {
  const cases: [string, LabelSelector, Record<string, string>, boolean][] = [
    ['matchLabels', { matchLabels: { a: '1', b: '2' } }, { a: '1', b: '2', c: '3' }, true],
    ['matchLabels missing one', { matchLabels: { a: '1', b: '2' } }, { a: '1' }, false],
    ['In', { matchExpressions: [{ key: 'env', operator: 'In', values: ['a', 'b'] }] }, { env: 'b' }, true],
    ['In without the key', { matchExpressions: [{ key: 'env', operator: 'In', values: ['a'] }] }, {}, false],
    ['NotIn', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['a'] }] }, { env: 'b' }, true],
    [
      'NotIn without the key',
      { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['a'] }] },
      {},
      true,
    ],
    [
      'NotIn on a listed value',
      { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['a'] }] },
      { env: 'a' },
      false,
    ],
    ['Exists', { matchExpressions: [{ key: 'env', operator: 'Exists' }] }, { env: '' }, true],
    ['DoesNotExist', { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, { env: 'x' }, false],
    ['empty selector matches everything', {}, {}, true],
    [
      'matchLabels AND expressions',
      { matchLabels: { a: '1' }, matchExpressions: [{ key: 'b', operator: 'Exists' }] },
      { a: '1' },
      false,
    ],
  ];
  for (const [name, sel, labels, want] of cases) {
    test(name, () => assert.equal(all(compileLabelSelector(sel, 'es'), labels), want));
  }
  const bad: [string, unknown, RegExp][] = [
    ['unknown operator', { matchExpressions: [{ key: 'a', operator: 'Has' }] }, /unknown operator "Has"/],
    [
      'In without values',
      { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] },
      /needs at least one value/,
    ],
    [
      'Exists with values',
      { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] },
      /takes no values/,
    ],
    ['invalid matchLabels key', { matchLabels: { 'a b': 'x' } }, /matchLabels\["a b"\]/],
  ];
  for (const [name, sel, match] of bad) {
    test(`rejects ${name}`, () =>
      assert.throws(
        () => compileLabelSelector(sel as LabelSelector, 'es'),
        (e: unknown) =>
          e instanceof EvaluationError && e.code === 'INVALID_SELECTOR' && match.test(e.message),
      ));
  }
});

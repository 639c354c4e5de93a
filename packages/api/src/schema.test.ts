import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  arr,
  bool,
  doc,
  freeform,
  int,
  intOrString,
  looseObj,
  obj,
  opt,
  type Static,
  str,
  strEnum,
  strMap,
  withProps,
} from './schema.ts';
import { validateValue } from './validate.ts';

describe('schema builder', () => {
  it('objects list non-optional properties as required and keep declaration order', () => {
    const s = obj({ b: str(), a: opt(int({ minimum: 1, default: 2 })), c: opt(strMap()) });
    assert.deepEqual(s.props, {
      type: 'object',
      properties: {
        b: { type: 'string' },
        a: { type: 'integer', minimum: 1, default: 2 },
        c: { type: 'object', additionalProperties: { type: 'string' } },
      },
      required: ['b'],
    });
    // static type: b required, a and c optional (tsc checks these lines: an error where none is expected,
    // or none where one is, fails the type check of the suite)
    const v: Static<typeof s> = { b: 'x' };
    const w: Static<typeof s> = { b: 'x', a: 1, c: { k: 'v' } };
    // @ts-expect-error b is required
    const missing: Static<typeof s> = { a: 1 };
    // @ts-expect-error a is an integer
    const wrongType: Static<typeof s> = { b: 'x', a: 'one' };
    // and the emitted schema agrees with the static type at run time
    assert.deepEqual(validateValue(s.props, v), []);
    assert.deepEqual(validateValue(s.props, w), []);
    assert.deepEqual(
      validateValue(s.props, missing).map((e) => e.message),
      ['b: Required value'],
    );
    assert.deepEqual(
      validateValue(s.props, wrongType).map((e) => e.path),
      ['a'],
    );
  });

  it('emits Kubernetes extensions', () => {
    assert.deepEqual(intOrString({ pattern: '^x$' }).props, {
      anyOf: [{ type: 'integer' }, { type: 'string' }],
      'x-kubernetes-int-or-string': true,
      pattern: '^x$',
    });
    assert.deepEqual(freeform().props, { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
    assert.equal(looseObj({ a: opt(bool()) }).props['x-kubernetes-preserve-unknown-fields'], true);
    assert.deepEqual(arr(str(), { listType: 'map', listMapKeys: ['k'] }).props, {
      type: 'array',
      items: { type: 'string' },
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['k'],
    });
    assert.deepEqual(obj({}, { mapType: 'atomic' }).props, {
      type: 'object',
      properties: {},
      'x-kubernetes-map-type': 'atomic',
    });
  });

  it('attaches descriptions, defaults and CEL rules without mutating shared nodes', () => {
    const base = strEnum(['A', 'B'] as const);
    const d = withProps(doc(base, 'Pick one.'), { default: 'A', rules: [{ rule: 'self == oldSelf' }] });
    assert.deepEqual(base.props, { type: 'string', enum: ['A', 'B'] });
    assert.deepEqual(d.props, {
      type: 'string',
      enum: ['A', 'B'],
      description: 'Pick one.',
      default: 'A',
      'x-kubernetes-validations': [{ rule: 'self == oldSelf' }],
    });
    const o = opt(d);
    assert.equal(o.optional, true);
    assert.equal(d.optional, false);
  });
});

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
    // static type: b required, a and c optional
    const v: Static<typeof s> = { b: 'x' };
    const w: Static<typeof s> = { b: 'x', a: 1, c: { k: 'v' } };
    assert.ok(v && w);
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

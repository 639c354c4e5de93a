import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { labelValue } from './labels.ts';
import { derivedName, GENERATED_NAME_PATTERN } from './names.ts';

describe('labelValue', () => {
  it('keeps valid values, including the empty one and 63 characters', () => {
    for (const v of ['', 'a', 'my-service', 'A.b_c-9', 'x'.repeat(63)]) assert.equal(labelValue(v), v);
  });

  it('hashes values that are too long or invalid into <= 63 valid characters, stably and distinctly', () => {
    const inputs = ['x'.repeat(64), 'x'.repeat(65), 'https://nats.io/orders', '-lead', 'trail-', '::', 'ünï'];
    const out = inputs.map(labelValue);
    for (const v of out) {
      assert.ok(v.length <= 63, v);
      assert.match(v, /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/);
    }
    assert.equal(new Set(out).size, inputs.length);
    assert.deepEqual(inputs.map(labelValue), out);
    assert.match(out[2] ?? '', /^https---nats.io-orders-[0-9a-f]{16}$/);
    assert.match(out[5] ?? '', /^[0-9a-f]{16}$/);
  });
});

describe('derivedName', () => {
  it('looks like upstream random names and depends only on the identity', () => {
    assert.match(derivedName('a'), GENERATED_NAME_PATTERN);
    assert.equal(derivedName('a'), derivedName('a'));
    assert.notEqual(derivedName('a'), derivedName('b'));
  });
});

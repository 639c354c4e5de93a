import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { labelValue } from './labels.ts';
import { derivedName } from './names.ts';

/** Kubernetes' label value syntax, written here independently of the code under test. */
const VALID_LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const sha256hex = (s: string) => createHash('sha256').update(s).digest('hex');

describe('labelValue', () => {
  it('keeps valid values, including the empty one and 63 characters', () => {
    for (const v of ['', 'a', 'my-service', 'A.b_c-9', 'x'.repeat(63)]) assert.equal(labelValue(v), v);
  });

  it('turns values that are too long or invalid into <readable prefix>-<16 hex of sha256>, at most 63 valid characters', () => {
    // expected values derived by hand from the rule (prefix: invalid characters become '-', at most 46
    // characters, no leading/trailing non-alphanumerics; then '-' and the first 16 hex digits of sha256)
    const expected: [string, string][] = [
      ['x'.repeat(64), `${'x'.repeat(46)}-${sha256hex('x'.repeat(64)).slice(0, 16)}`],
      ['x'.repeat(65), `${'x'.repeat(46)}-${sha256hex('x'.repeat(65)).slice(0, 16)}`],
      [
        'https://nats.io/orders',
        `https---nats.io-orders-${sha256hex('https://nats.io/orders').slice(0, 16)}`,
      ],
      ['-lead', `lead-${sha256hex('-lead').slice(0, 16)}`],
      ['trail-', `trail-${sha256hex('trail-').slice(0, 16)}`],
      ['::', sha256hex('::').slice(0, 16)],
    ];
    for (const [input, want] of expected) {
      const got = labelValue(input);
      assert.equal(got, want, input);
      assert.ok(got.length <= 63, got);
      assert.match(got, VALID_LABEL_VALUE);
    }
    // a golden value: the hash must not change between releases (existing objects are found by it)
    assert.equal(labelValue('https://nats.io/orders'), 'https---nats.io-orders-92a390bca29170a4');
    // distinct inputs stay distinct even where their readable prefixes are equal
    assert.notEqual(labelValue('x'.repeat(64)), labelValue('x'.repeat(65)));
  });
});

describe('derivedName', () => {
  it('is sveltos- and 20 characters of [0-9a-z] taken from sha256 of the identity', () => {
    const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
    const expected = (identity: string) =>
      `sveltos-${[...createHash('sha256').update(identity).digest().subarray(0, 20)]
        .map((b) => alphabet[b % 36])
        .join('')}`;
    for (const identity of ['a', 'b', 'EventTrigger/et|cluster/ns/c']) {
      assert.equal(derivedName(identity), expected(identity));
      assert.match(derivedName(identity), /^sveltos-[0-9a-z]{20}$/);
    }
    // golden: names of existing objects must not change between releases
    assert.equal(derivedName('a'), 'sveltos-m7limr9myedzaz45nqnw');
    assert.notEqual(derivedName('a'), derivedName('b'));
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatLabelSelector, type LabelSelector, parseLabelSelector, SelectorParseError } from './index.ts';

describe('parseLabelSelector: the string form of a Kubernetes label selector', () => {
  const cases: [string, LabelSelector][] = [
    ['env=fv', { matchLabels: { env: 'fv' } }],
    ['env==fv', { matchLabels: { env: 'fv' } }],
    ['  env = fv  ', { matchLabels: { env: 'fv' } }],
    ['env=', { matchLabels: { env: '' } }],
    ['env!=fv', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['fv'] }] }],
    ['env in (b, a,a)', { matchExpressions: [{ key: 'env', operator: 'In', values: ['a', 'b'] }] }],
    ['env notin (prod)', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }],
    ['env in (a,)', { matchExpressions: [{ key: 'env', operator: 'In', values: ['', 'a'] }] }],
    ['legacy', { matchExpressions: [{ key: 'legacy', operator: 'Exists' }] }],
    ['!legacy', { matchExpressions: [{ key: 'legacy', operator: 'DoesNotExist' }] }],
    ['! legacy', { matchExpressions: [{ key: 'legacy', operator: 'DoesNotExist' }] }],
    [
      'zone in (eu),env=fv,!legacy,app.kubernetes.io/name=web',
      {
        matchLabels: { 'app.kubernetes.io/name': 'web', env: 'fv' },
        matchExpressions: [
          { key: 'legacy', operator: 'DoesNotExist' },
          { key: 'zone', operator: 'In', values: ['eu'] },
        ],
      },
    ],
    ['', {}],
    ['   ', {}],
  ];
  for (const [text, expected] of cases) {
    it(JSON.stringify(text), () => assert.deepEqual(parseLabelSelector(text), expected));
  }

  const invalid: [string, RegExp][] = [
    ['env=fv,', /a requirement must follow ","/],
    [',env=fv', /expected a label key, found "," at position 1/],
    ['env fv', /expected an operator \(=, ==, !=, in, notin\) after key "env", found "fv" at position 5/],
    ['env=fv prod', /expected "," or the end after a requirement, found "prod" at position 8/],
    ['env in ()', /the set of values of key "env" is empty/],
    ['env in (a b)', /expected "," or "\)" in the set of key "env", found "b"/],
    ['env in a', /expected "\(" after in\/notin, found "a"/],
    ['env in (a', /expected "," or "\)" in the set of key "env", found the end of the selector/],
    ['env > 3', /operator ">" \(key "env"\) is not supported in label selectors/],
    ['env < 3', /operator "<" \(key "env"\) is not supported/],
    ['-env=fv', /key "-env": name part must consist of alphanumeric characters/],
    ['Example.COM/env=fv', /key "Example.COM\/env": prefix part a lowercase RFC 1123 subdomain/],
    ['env=-fv', /value "-fv" of key "env": a valid label must be an empty string or consist of/],
    [`env=${'x'.repeat(64)}`, /must be no more than 63 characters/],
    ['env=fv,env=prod', /key "env" is required to equal two different values/],
    ['!', /expected a label key, found the end of the selector/],
    ['env=(fv)', /expected a value after "=", found "\(" at position 5/],
  ];
  for (const [text, message] of invalid) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => parseLabelSelector(text),
        (e: unknown) =>
          e instanceof SelectorParseError &&
          e.selector === text &&
          e.message.startsWith(`invalid label selector ${JSON.stringify(text)}: `) &&
          message.test(e.message),
      );
    });
  }

  it('`in` and `notin` are keywords, as in Kubernetes', () => {
    assert.throws(() => parseLabelSelector('in=a'), /expected a label key, found "in"/);
  });
});

describe('formatLabelSelector: the canonical string of a LabelSelector', () => {
  it('writes every requirement sorted by key, values sorted and deduplicated', () => {
    assert.equal(
      formatLabelSelector({
        matchLabels: { zone: 'eu', env: 'fv' },
        matchExpressions: [
          { key: 'tier', operator: 'NotIn', values: ['b', 'a', 'b'] },
          { key: 'app', operator: 'In', values: ['web'] },
          { key: 'legacy', operator: 'DoesNotExist' },
          { key: 'canary', operator: 'Exists' },
        ],
      }),
      'app in (web),canary,env=fv,!legacy,tier notin (a,b),zone=eu',
    );
  });
  it('the empty selector is the empty string', () => {
    assert.equal(formatLabelSelector({}), '');
    assert.equal(formatLabelSelector(undefined), '');
  });
  it('parse ∘ format is the identity on canonical selectors, format ∘ parse on canonical strings', () => {
    for (const text of ['env=fv', 'a in (x,y),b notin (z),c,!d,e=f', 'app.kubernetes.io/name=web', '']) {
      assert.equal(formatLabelSelector(parseLabelSelector(text)), text);
      const selector = parseLabelSelector(text);
      assert.deepEqual(parseLabelSelector(formatLabelSelector(selector)), selector);
    }
  });
  it('never throws on a selector Kubernetes would refuse: it is written as is (and does not parse back)', () => {
    const text = formatLabelSelector({ matchLabels: { 'bad key': 'x' } });
    assert.equal(text, 'bad key=x');
    assert.throws(() => parseLabelSelector(text), SelectorParseError);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CompiledCEL, toCELValue } from './cel.ts';

const run = (rules: { name: string; rule: string }[], obj: unknown) =>
  new CompiledCEL(rules, 'es').evaluate(toCELValue(obj), 'es');

describe('evaluateCEL', () => {
  test('JSON integers are CEL ints: arithmetic works as in cel-go', () => {
    assert.equal(
      run([{ name: 'r', rule: 'resource.spec.replicas + 1 == 4' }], { spec: { replicas: 3 } }).matchedRule,
      'r',
    );
    assert.equal(
      run([{ name: 'r', rule: 'resource.spec.ports.exists(p, p.port == 8080)' }], {
        spec: { ports: [{ port: 8080 }] },
      }).matchedRule,
      'r',
    );
  });
  test('non-integral numbers stay doubles', () => {
    assert.equal(run([{ name: 'r', rule: 'resource.f == 1.5' }], { f: 1.5 }).matchedRule, 'r');
  });
  test('the first true rule wins; later rules are not run', () => {
    const out = run(
      [
        { name: 'no', rule: 'resource.kind == "Pod"' },
        { name: 'yes', rule: 'resource.kind == "Service"' },
        { name: 'broken', rule: 'resource.missing.field == 1' },
      ],
      { kind: 'Service' },
    );
    assert.equal(out.matchedRule, 'yes');
    assert.deepEqual(out.issues, []);
  });
  test('a rule that errors counts as false and is reported', () => {
    const out = run(
      [
        { name: 'missing', rule: 'resource.metadata.labels.app == "x"' },
        { name: 'ok', rule: 'resource.metadata.name == "a"' },
      ],
      { metadata: { name: 'a' } },
    );
    assert.equal(out.matchedRule, 'ok');
    assert.equal(out.issues.length, 1);
    assert.equal(out.issues[0]!.code, 'CEL_EVAL');
    assert.match(out.issues[0]!.message, /^es\.evaluateCEL\[0\] \(missing\): No such key: labels$/);
  });
  test('a non-bool result counts as false and is reported', () => {
    const out = run([{ name: 'n', rule: 'resource.spec.replicas' }], { spec: { replicas: 3 } });
    assert.equal(out.matchedRule, undefined);
    assert.match(out.issues[0]!.message, /returned bigint, not a bool/);
  });
  test('a rule that does not parse is a compile-time issue and never matches', () => {
    const c = new CompiledCEL(
      [
        { name: 'bad', rule: 'resource.(' },
        { name: 'good', rule: 'true' },
      ],
      'es',
    );
    assert.equal(c.parseIssues.length, 1);
    assert.equal(c.parseIssues[0]!.code, 'CEL_PARSE');
    assert.equal(c.evaluate(toCELValue({}), 'es').matchedRule, 'good');
  });
  test('has() on a missing parent is an error, hence false', () => {
    assert.equal(run([{ name: 'h', rule: 'has(resource.a.b)' }], {}).matchedRule, undefined);
  });
});

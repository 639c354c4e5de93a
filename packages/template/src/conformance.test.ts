// Differential conformance: every golden case (rendered by real Go) must render identically here,
// except the deliberate deviations listed in docs/template-deviations.md.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { toValidUTF8 } from './bytes.ts';
import { type CaseResult, type GoldenCase, renderCase } from './conformance.ts';

const pkg = dirname(dirname(fileURLToPath(import.meta.url)));
const goldenDir = join(pkg, 'testdata', 'golden');
const deviationsDoc = join(pkg, '..', '..', 'docs', 'template-deviations.md');

/** Case ids (or id prefixes ending in *) named in the deviation list, with the deviation they belong to. */
function deviations(): { pattern: string; id: string }[] {
  const out: { pattern: string; id: string }[] = [];
  let current = '';
  for (const line of readFileSync(deviationsDoc, 'utf8').split('\n')) {
    const heading = /^## (D\d+)/.exec(line);
    if (heading) current = heading[1]!;
    const cases = /^Cases: (.*)$/.exec(line);
    if (cases && current)
      for (const m of cases[1]!.matchAll(/`([^`]+)`/g)) out.push({ pattern: m[1]!, id: current });
  }
  return out;
}

function deviationFor(id: string, list: { pattern: string; id: string }[]): string | undefined {
  return list.find((d) =>
    d.pattern.endsWith('*') ? id.startsWith(d.pattern.slice(0, -1)) : id === d.pattern,
  )?.id;
}

function normalize(r: CaseResult): CaseResult {
  return r.output !== undefined ? { output: toValidUTF8(r.output) } : r;
}

const list = deviations();
for (const file of readdirSync(goldenDir).filter((f) => f.endsWith('.json'))) {
  const golden = JSON.parse(readFileSync(join(goldenDir, file), 'utf8')) as GoldenCase[];
  test(`golden ${basename(file, '.json')} (${golden.length} cases)`, () => {
    const failures: string[] = [];
    let deviating = 0;
    for (const c of golden) {
      let actual: CaseResult;
      try {
        actual = normalize(renderCase(c));
      } catch (e) {
        failures.push(`${c.id}: crashed: ${(e as Error).stack}`);
        continue;
      }
      if (c.shape !== undefined) {
        const re = new RegExp(`^(?:${c.shape})$`, 's');
        const goOk = c.expected.output !== undefined && re.test(c.expected.output);
        const tsOk = actual.output !== undefined && re.test(actual.output);
        if (!goOk || !tsOk)
          failures.push(
            `${c.id}: shape mismatch: go=${JSON.stringify(c.expected)} ts=${JSON.stringify(actual)}`,
          );
        continue;
      }
      try {
        assert.deepEqual(actual, c.expected);
      } catch {
        if (deviationFor(c.id, list) !== undefined) {
          deviating++;
          continue;
        }
        failures.push(`${c.id}:\n  go: ${JSON.stringify(c.expected)}\n  ts: ${JSON.stringify(actual)}`);
      }
    }
    assert.equal(failures.length, 0, `${failures.length} unexplained differences:\n${failures.join('\n')}`);
    void deviating;
  });
}

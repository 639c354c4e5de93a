// Differential conformance: every golden case (rendered by real Go) must render identically here,
// except the deliberate deviations listed in docs/template-deviations.md.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compareWithGolden, type GoldenCase, parseDeviations } from './conformance.ts';

const pkg = dirname(dirname(fileURLToPath(import.meta.url)));
const goldenDir = join(pkg, 'testdata', 'golden');
const deviationsDoc = join(pkg, '..', '..', 'docs', 'template-deviations.md');

const list = parseDeviations(readFileSync(deviationsDoc, 'utf8'));
for (const file of readdirSync(goldenDir).filter((f) => f.endsWith('.json'))) {
  const golden = JSON.parse(readFileSync(join(goldenDir, file), 'utf8')) as GoldenCase[];
  test(`golden ${basename(file, '.json')} (${golden.length} cases)`, () => {
    const failures = compareWithGolden(golden, list);
    assert.equal(failures.length, 0, `${failures.length} unexplained differences:\n${failures.join('\n')}`);
  });
}

// Regenerates testdata/golden/*.json from the case definitions in testdata/cases/ by running the Go
// oracle (packages/template/oracle). Requires Go; the build output goes to ~/.cache, never into git.
//
//   node packages/template/scripts/regen-golden.ts [category...]
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaseDef, CaseResult, GoldenCase } from '../src/conformance.ts';

const pkg = dirname(dirname(fileURLToPath(import.meta.url)));
const casesDir = join(pkg, 'testdata', 'cases');
const goldenDir = join(pkg, 'testdata', 'golden');
const cacheDir = join(homedir(), '.cache', 'sveltos-ts', 'template-oracle');

export function buildOracle(): string {
  mkdirSync(cacheDir, { recursive: true });
  const bin = join(cacheDir, 'oracle');
  execFileSync('go', ['build', '-o', bin, '.'], { cwd: join(pkg, 'oracle'), stdio: 'inherit' });
  return bin;
}

interface OracleResult extends CaseResult {
  id: string;
}

/** Renders cases with the oracle binary (files under ~/.cache named after `tag`); results in case order. */
export function renderWithOracle(bin: string, cases: CaseDef[], tag: string): CaseResult[] {
  const input = join(cacheDir, `${tag}.cases.json`);
  const output = join(cacheDir, `${tag}.golden.json`);
  writeFileSync(input, JSON.stringify({ cases }));
  execFileSync(bin, ['render', input, output], { stdio: 'inherit' });
  const results = JSON.parse(readFileSync(output, 'utf8')) as OracleResult[];
  return cases.map((c, i) => {
    const r = results[i];
    if (r?.id !== c.id) throw new Error(`oracle result order mismatch at ${c.id}`);
    return r.output !== undefined ? { output: r.output } : { error: r.error! };
  });
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const files = readdirSync(casesDir)
    .filter((f) => f.endsWith('.ts'))
    .filter((f) => only.length === 0 || only.includes(basename(f, '.ts')));
  const bin = buildOracle();
  const seen = new Set<string>();
  for (const file of files) {
    const category = basename(file, '.ts');
    const mod = (await import(join(casesDir, file))) as { cases: CaseDef[] };
    for (const c of mod.cases) {
      if (seen.has(c.id)) throw new Error(`duplicate case id ${c.id}`);
      seen.add(c.id);
    }
    const results = renderWithOracle(bin, mod.cases, category);
    const golden: GoldenCase[] = mod.cases.map((c, i) => ({ ...c, expected: results[i]! }));
    writeFileSync(join(goldenDir, `${category}.json`), JSON.stringify(golden, null, 1) + '\n');
    console.log(`${category}: ${golden.length} cases`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();

// Template engine benchmark: renders the template corpus (compiled once) many times in TypeScript
// and, in the same run, in the Go oracle (text/template + Sprig), and prints the ratio.
//   node bench/template/run.ts [iterations]
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOracle } from '../../packages/template/scripts/regen-golden.ts';
import {
  caseData,
  caseDot,
  caseEnv,
  compileCase,
  type GoldenCase,
} from '../../packages/template/src/conformance.ts';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const iterations = Number(process.argv[2] ?? 200);
const corpus = JSON.parse(
  readFileSync(join(root, 'packages/template/testdata/golden/corpus.json'), 'utf8'),
) as GoldenCase[];

const compiled = corpus.flatMap((c) => {
  try {
    return [{ c, tmpl: compileCase(c), dot: caseDot(c, caseData(c)), env: caseEnv(c) }];
  } catch {
    return [];
  }
});
let renders = 0;
const run = (): void => {
  for (const { tmpl, dot, env } of compiled) {
    try {
      tmpl.execute(dot, { env });
    } catch {
      // Templates that fail at execution are timed too (Go does the same).
    }
    renders++;
  }
};
for (let i = 0; i < 20; i++) run();
renders = 0;
const start = process.hrtime.bigint();
for (let i = 0; i < iterations; i++) run();
const tsNs = Number(process.hrtime.bigint() - start);

const bin = buildOracle();
const casesFile = join(root, 'bench/results/template-cases.local.json');
mkdirSync(dirname(casesFile), { recursive: true });
writeFileSync(casesFile, JSON.stringify({ cases: corpus }));
const go = JSON.parse(execFileSync(bin, ['bench', casesFile, String(iterations)], { encoding: 'utf8' })) as {
  renders: number;
  executeNs: number;
};

const tsPer = tsNs / renders;
const goPer = go.executeNs / go.renders;
const result = {
  templates: compiled.length,
  iterations,
  tsNsPerRender: Math.round(tsPer),
  goNsPerRender: Math.round(goPer),
  ratioTsOverGo: Number((tsPer / goPer).toFixed(2)),
};
console.log(
  `template corpus: ${result.templates} templates x ${iterations}: TS ${result.tsNsPerRender} ns/render, Go ${result.goNsPerRender} ns/render, TS/Go = ${result.ratioTsOverGo}`,
);
writeFileSync(join(root, 'bench/results/template.local.json'), JSON.stringify(result, null, 2) + '\n');

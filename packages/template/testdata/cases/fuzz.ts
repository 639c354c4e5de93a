// Mutation fuzzing of the parser/executor, kept as conformance cases: corpus and core templates with
// tokens inserted, deleted or truncated (fixed seed). Every mutant must give Go's text or Go's error,
// never a crash or hang.
import type { CaseDef } from '../../src/conformance.ts';
import { cases as core } from './core.ts';
import { cases as corpus } from './corpus.ts';

const tokens = [
  '{{',
  '}}',
  '{{-',
  '-}}',
  ' ',
  '"',
  '`',
  "'",
  '(',
  ')',
  '|',
  '$',
  '$x',
  '.',
  ':=',
  '=',
  ',',
  'end',
  'else',
  'if',
  'range',
  'with',
  'define',
  'template',
  'block',
  'break',
  '/*',
  '*/',
  'nil',
  '0x',
  '1e',
  '\\',
  '\n',
  'index',
  'len',
  '.a.b',
  '{{end}}',
  '{{else}}',
];

/** Small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(src: string, r: () => number): string {
  const pos = Math.floor(r() * (src.length + 1));
  const kind = Math.floor(r() * 4);
  if (kind === 0) return src.slice(0, pos) + tokens[Math.floor(r() * tokens.length)] + src.slice(pos);
  if (kind === 1) return src.slice(0, pos) + src.slice(pos + 1 + Math.floor(r() * 3));
  if (kind === 2) return src.slice(0, pos);
  const end = Math.min(src.length, pos + Math.floor(r() * 20));
  return src.slice(0, end) + src.slice(pos, end) + src.slice(end);
}

const seeds = [
  ...core.filter((c) => c.template.includes('{{') && !c.id.startsWith('compare-')),
  ...corpus,
].filter((c) => c.template.length < 4000);

const r = rng(20240601);
export const cases: CaseDef[] = [];
for (let i = 0; i < 800; i++) {
  const base = seeds[Math.floor(r() * seeds.length)]!;
  let template = base.template;
  const rounds = 1 + Math.floor(r() * 3);
  for (let k = 0; k < rounds; k++) template = mutate(template, r);
  cases.push({ ...base, id: `fuzz-${i}-${base.id}`, template, shape: undefined });
}

// Sprig's semver and semverCompare (Masterminds semver v3 rules for versions and constraints).
import { RE2JS } from 're2js';
import { chargeSteps } from './budget.ts';
import { FuncError } from './errors.ts';
import { def, type FuncDef } from './functypes.ts';
import { GoObject, goInt, type Value } from './value.ts';

interface Version {
  major: bigint;
  minor: bigint;
  patch: bigint;
  pre: string;
  metadata: string;
  original: string;
}

const versionRe =
  /^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?(\+([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?$/;

class SemverError extends Error {}

function parseVersion(s: string): Version {
  const m = versionRe.exec(s);
  if (!m) throw new SemverError('Invalid Semantic Version');
  const pre = m[5] ?? '';
  for (const part of pre ? pre.split('.') : []) {
    if (/^\d+$/.test(part) && part.length > 1 && part.startsWith('0'))
      throw new SemverError('Version segment starts with 0');
  }
  return {
    major: BigInt(m[1]!),
    minor: BigInt((m[2] ?? '.0').slice(1)),
    patch: BigInt((m[3] ?? '.0').slice(1)),
    pre,
    metadata: m[8] ?? '',
    original: s,
  };
}

function versionString(v: Version): string {
  return `${v.major}.${v.minor}.${v.patch}${v.pre ? '-' + v.pre : ''}${v.metadata ? '+' + v.metadata : ''}`;
}

function comparePre(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return 1;
  if (b === '') return -1;
  const ap = a.split('.');
  const bp = b.split('.');
  for (let i = 0; i < Math.max(ap.length, bp.length); i++) {
    const x = ap[i];
    const y = bp[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn) return BigInt(x) < BigInt(y) ? -1 : 1;
    if (xn) return -1;
    if (yn) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

export function compareVersions(a: Version, b: Version): number {
  for (const k of ['major', 'minor', 'patch'] as const) {
    if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
  }
  return comparePre(a.pre, b.pre);
}

function versionObject(v: Version): GoObject {
  const cmp = (other: Value): Version => {
    if (other instanceof GoObject && other.typeName === '*semver.Version') return parseVersion(other.text);
    throw new FuncError('semver: argument is not a version');
  };
  return new GoObject('*semver.Version', 'ptr', versionString(v), new Map(), {
    Major: () => goInt('uint64', v.major),
    Minor: () => goInt('uint64', v.minor),
    Patch: () => goInt('uint64', v.patch),
    Prerelease: () => v.pre,
    Metadata: () => v.metadata,
    Original: () => v.original,
    String: () => versionString(v),
    LessThan: (o) => compareVersions(v, cmp(o ?? null)) < 0,
    GreaterThan: (o) => compareVersions(v, cmp(o ?? null)) > 0,
    Equal: (o) => compareVersions(v, cmp(o ?? null)) === 0,
    Compare: (o) => goInt('int', compareVersions(v, cmp(o ?? null))),
  });
}

interface Bound {
  op: string;
  v: Version;
  /** Number of given parts before a wildcard or the end (1 = "1", 2 = "1.2", 3 = full). */
  parts: number;
}

function parseBound(text: string): Bound {
  const m =
    /^(=|!=|>=|=>|<=|=<|>|<|~>|~|\^)?\s*v?([0-9xX*]+)(\.[0-9xX*]+)?(\.[0-9xX*]+)?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.exec(
      text,
    );
  if (!m) throw new SemverError(`improper constraint: ${text}`);
  const segs = [m[2]!, m[3]?.slice(1), m[4]?.slice(1)];
  let parts = 0;
  for (const s of segs) {
    if (s === undefined || /^[xX*]$/.test(s)) break;
    parts++;
  }
  const num = (s: string | undefined): bigint => (s === undefined || /^[xX*]$/.test(s) ? 0n : BigInt(s));
  const op = m[1] === '=>' ? '>=' : m[1] === '=<' ? '<=' : m[1] === '~>' ? '~' : (m[1] ?? '');
  return {
    op,
    parts,
    v: {
      major: num(segs[0]),
      minor: num(segs[1]),
      patch: num(segs[2]),
      pre: (m[5] ?? '').slice(1),
      metadata: '',
      original: text,
    },
  };
}

function bump(v: Version, part: 'major' | 'minor' | 'patch'): Version {
  if (part === 'major') return { ...v, major: v.major + 1n, minor: 0n, patch: 0n, pre: '' };
  if (part === 'minor') return { ...v, minor: v.minor + 1n, patch: 0n, pre: '' };
  return { ...v, patch: v.patch + 1n, pre: '' };
}

function check(b: Bound, v: Version): boolean {
  if (v.pre !== '' && b.v.pre === '') return false;
  const c = compareVersions(v, b.v);
  const upper = (u: Version): boolean => compareVersions(v, u) < 0;
  switch (b.op) {
    case '':
    case '=':
      if (b.parts === 0) return true;
      if (b.parts === 1) return v.major === b.v.major;
      if (b.parts === 2) return v.major === b.v.major && v.minor === b.v.minor;
      return c === 0;
    case '!=':
      if (b.parts === 1) return v.major !== b.v.major;
      if (b.parts === 2) return !(v.major === b.v.major && v.minor === b.v.minor);
      return c !== 0;
    case '>':
      if (b.parts === 1) return v.major > b.v.major;
      if (b.parts === 2) return v.major > b.v.major || (v.major === b.v.major && v.minor > b.v.minor);
      return c > 0;
    case '<':
      return c < 0;
    case '>=':
      return c >= 0;
    case '<=':
      if (b.parts === 1) return v.major <= b.v.major;
      if (b.parts === 2) return v.major < b.v.major || (v.major === b.v.major && v.minor <= b.v.minor);
      return c <= 0;
    case '~':
      return c >= 0 && upper(b.parts <= 1 ? bump(b.v, 'major') : bump(b.v, 'minor'));
    case '^':
      if (c < 0) return false;
      if (b.v.major > 0n || b.parts === 1) return upper(bump(b.v, 'major'));
      if (b.v.minor > 0n || b.parts === 2) return upper(bump(b.v, 'minor'));
      return upper(bump(b.v, 'patch'));
  }
  return false;
}

// Masterminds/semver v3.3.0 parses constraints with these regular expressions (validConstraintRegex is
// rewritten without its nested optional whitespace, same language, so that it cannot backtrack badly).
const cv = String.raw`v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?`;
const ops = String.raw`=||!=|>|<|>=|=>|<=|=<|~|~>|\^`;
const ws = String.raw`[\t\n\f\r ]`; // RE2's \s
// They run on user input, so they run on RE2 (re2js) as in Go: linear time, whatever the input.
const constraintRangeRe = RE2JS.compile(`${ws}*(${cv})${ws}+-${ws}+(${cv})${ws}*`);
const findConstraintRe = RE2JS.compile(`(${ops})${ws}*(${cv})`);
const validConstraintRe = RE2JS.compile(
  `^${ws}*(?:${ops})${ws}*(?:${cv})(?:(?:${ws}+|${ws}*,${ws}*)(?:${ops})${ws}*(?:${cv}))*${ws}*$`,
);

/** Every match of `re` in `s` (non-overlapping, left to right), as group lists. */
function allMatches(re: RE2JS, s: string): string[][] {
  chargeSteps(1 + (s.length >> 4));
  const out: string[][] = [];
  const m = re.matcher(s);
  let pos = 0;
  while (pos <= s.length && m.find(pos)) {
    const groups: string[] = [];
    for (let g = 0; g <= m.groupCount(); g++) groups.push(m.group(g) ?? '');
    out.push(groups);
    pos = m.end() > m.start() ? m.end() : m.end() + 1;
  }
  return out;
}

/** Masterminds' rewriteRange: "a - b" becomes ">= a, <= b ". */
function rewriteRange(c: string): string {
  let out = c;
  for (const m of allMatches(constraintRangeRe, c)) out = out.replace(m[0]!, `>= ${m[1]}, <= ${m[11]} `);
  return out;
}

/** Sprig's semverCompare: the constraint is parsed (and fails) before the version. */
function satisfies(constraint: string, version: string): boolean {
  const groups = rewriteRange(constraint)
    .split('||')
    .map((segment) => {
      if (!validConstraintRe.matcher(segment).find())
        throw new SemverError(`improper constraint: ${segment}`);
      const found = allMatches(findConstraintRe, segment).map((m) => m[0]!);
      return (found.length > 0 ? found : [segment]).map((t) => parseBound(t.trim()));
    });
  const v = parseVersion(version);
  return groups.some((bounds) => bounds.every((b) => check(b, v)));
}

export function semverFuncs(): Map<string, FuncDef> {
  return new Map<string, FuncDef>([
    [
      'semver',
      def(['string'], ([s]) => {
        try {
          return versionObject(parseVersion(s as string));
        } catch (e) {
          if (e instanceof SemverError) throw new FuncError(e.message);
          throw e;
        }
      }),
    ],
    [
      'semverCompare',
      def(['string', 'string'], ([c, s]) => {
        try {
          return satisfies(c as string, s as string);
        } catch (e) {
          if (e instanceof SemverError) throw new FuncError(e.message);
          throw e;
        }
      }),
    ],
  ]);
}

// biome-ignore-all lint/suspicious/noControlCharactersInRegex: Go byte/rune classes are matched literally
// Sprig's regex functions: Go RE2 syntax and matching through re2js (a port of RE2/Go's regexp: linear time,
// no backtracking, whatever the expression), with Go's error messages, FindAll / Split / replacement-template
// semantics.
import { RE2JS, RE2JSSyntaxException } from 're2js';
import { chargeSteps, checkSize } from './budget.ts';
import { FuncError } from './errors.ts';
import { goQuote } from './fmt.ts';
import { def, type FuncDef } from './functypes.ts';
import { typedSlice, type Value } from './value.ts';

/** Go's POSIX classes ([:name:]) as code point ranges. */
const posixRanges: Record<string, [number, number][]> = {
  alnum: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  alpha: [
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  ascii: [[0x00, 0x7f]],
  blank: [
    [0x09, 0x09],
    [0x20, 0x20],
  ],
  cntrl: [
    [0x00, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [
    [0x21, 0x2f],
    [0x3a, 0x40],
    [0x5b, 0x60],
    [0x7b, 0x7e],
  ],
  space: [
    [0x09, 0x0d],
    [0x20, 0x20],
  ],
  upper: [[0x41, 0x5a]],
  word: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x5f, 0x5f],
    [0x61, 0x7a],
  ],
  xdigit: [
    [0x30, 0x39],
    [0x41, 0x46],
    [0x61, 0x66],
  ],
};

const generalCategories = new Set([
  'L',
  'Lu',
  'Ll',
  'Lt',
  'Lm',
  'Lo',
  'M',
  'Mn',
  'Mc',
  'Me',
  'N',
  'Nd',
  'Nl',
  'No',
  'P',
  'Pc',
  'Pd',
  'Ps',
  'Pe',
  'Pi',
  'Pf',
  'Po',
  'S',
  'Sm',
  'Sc',
  'Sk',
  'So',
  'Z',
  'Zs',
  'Zl',
  'Zp',
  'C',
  'Cc',
  'Cf',
  'Cs',
  'Co',
  'Cn',
]);

export class RegexSyntaxError extends Error {}

const jsSyntax = new Set([...'^$\\.*+?()[]{}|/']);

function unicodeClass(name: string, negate: boolean): string {
  const n = name === 'Any' ? 'Any' : generalCategories.has(name) ? name : `Script=${name}`;
  return `\\${negate ? 'P' : 'p'}{${n}}`;
}

/** Translates an RE2 escape starting at s[i] === '\\'; returns the JS text and the next index. */
function translateEscape(s: string, i: number, inClass: boolean): [string, number] {
  const c = s[i + 1];
  if (c === undefined) throw new RegexSyntaxError('trailing backslash at end of expression: ``');
  switch (c) {
    case 'A':
      return ['(?<![\\s\\S])', i + 2];
    case 'z':
      return ['(?![\\s\\S])', i + 2];
    case 's':
      return [inClass ? '\\t\\n\\f\\r ' : '[\\t\\n\\f\\r ]', i + 2];
    case 'S':
      return [inClass ? '\\x00-\\x08\\x0B\\x0E-\\x1F\\x21-\\u{10FFFF}' : '[^\\t\\n\\f\\r ]', i + 2];
    case 'p':
    case 'P': {
      if (s[i + 2] === '{') {
        const end = s.indexOf('}', i + 3);
        if (end < 0) throw new RegexSyntaxError(`invalid character class range: \`${s.slice(i)}\``);
        let name = s.slice(i + 3, end);
        let negate = c === 'P';
        if (name.startsWith('^')) {
          negate = !negate;
          name = name.slice(1);
        }
        return [unicodeClass(name, negate), end + 1];
      }
      return [unicodeClass(s[i + 2] ?? '', c === 'P'), i + 3];
    }
    case 'Q': {
      const end = s.indexOf('\\E', i + 2);
      const lit = end < 0 ? s.slice(i + 2) : s.slice(i + 2, end);
      return [
        [...lit].map((ch) => (jsSyntax.has(ch) || ch === '-' ? '\\' + ch : ch)).join(''),
        end < 0 ? s.length : end + 2,
      ];
    }
    case 'x': {
      if (s[i + 2] === '{') {
        const end = s.indexOf('}', i + 3);
        return [`\\u{${s.slice(i + 3, end)}}`, end + 1];
      }
      return [s.slice(i, i + 4), i + 4];
    }
    case 'd':
    case 'D':
    case 'w':
    case 'W':
    case 'b':
    case 'B':
    case 'n':
    case 't':
    case 'r':
    case 'f':
    case 'v':
      return ['\\' + c, i + 2];
    case 'a':
      return ['\\x07', i + 2];
  }
  if (/[0-7]/.test(c)) {
    const m = /^[0-7]{1,3}/.exec(s.slice(i + 1))![0];
    if (c === '0' || m.length > 1)
      return [`\\x${Number.parseInt(m, 8).toString(16).padStart(2, '0')}`, i + 1 + m.length];
    throw new RegexSyntaxError(`invalid escape sequence: \`\\${c}\``);
  }
  if (/[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]/.test(c)) {
    return [
      jsSyntax.has(c) || (inClass && c === '-')
        ? '\\' + c
        : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
      i + 2,
    ];
  }
  throw new RegexSyntaxError(`invalid escape sequence: \`\\${c}\``);
}

/** Go's parseEscape inside a class: the rune value and the next index, or Go's error. */
function classEscape(s: string, i: number): [number, number] {
  let t = i + 1;
  if (t >= s.length) throw new RegexSyntaxError('trailing backslash at end of expression: ``');
  const c = s.codePointAt(t)!;
  t += c > 0xffff ? 2 : 1;
  const ch = String.fromCodePoint(c);
  const invalid = (): never => {
    throw new RegexSyntaxError(`invalid escape sequence: \`${s.slice(i, t)}\``);
  };
  const isOctal = (k: number): boolean => k < s.length && s[k]! >= '0' && s[k]! <= '7';
  if (c < 0x80 && !/[0-9A-Za-z]/.test(ch)) return [c, t];
  if (ch >= '1' && ch <= '7' && !isOctal(t)) invalid();
  if (ch >= '0' && ch <= '7') {
    let r = c - 48;
    for (let k = 1; k < 3 && isOctal(t); k++) r = r * 8 + s.charCodeAt(t++) - 48;
    return [r, t];
  }
  const unhex = (k: number): number =>
    k < s.length && /[0-9A-Fa-f]/.test(s[k]!) ? Number.parseInt(s[k]!, 16) : -1;
  if (ch === 'x') {
    if (t >= s.length) invalid();
    if (s[t] === '{') {
      t++;
      let r = 0;
      let n = 0;
      for (;;) {
        if (t >= s.length) invalid();
        if (s[t] === '}') {
          t++;
          break;
        }
        const v = unhex(t);
        t += s.codePointAt(t)! > 0xffff ? 2 : 1;
        if (v < 0) invalid();
        r = r * 16 + v;
        if (r > 0x10ffff) invalid();
        n++;
      }
      if (n === 0) invalid();
      return [r, t];
    }
    const x = unhex(t);
    t += s.codePointAt(t)! > 0xffff ? 2 : 1;
    const y = unhex(t);
    if (t < s.length) t += s.codePointAt(t)! > 0xffff ? 2 : 1;
    if (x < 0 || y < 0) invalid();
    return [x * 16 + y, t];
  }
  const cEscapes: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
  if (ch in cEscapes) return [cEscapes[ch]!, t];
  return invalid();
}

/**
 * Scans a character class starting at expr[start] === '[' the way Go's parseClass does, so that the
 * first error in scanning order is reported with Go's text; returns the index after the closing ].
 */
function scanClass(expr: string, start: number): number {
  const whole = expr.slice(start);
  let t = start + 1;
  if (expr[t] === '^') t++;
  const classChar = (k: number): [number, number] => {
    if (k >= expr.length) throw new RegexSyntaxError(`missing closing ]: \`${whole}\``);
    if (expr[k] === '\\') return classEscape(expr, k);
    const cp = expr.codePointAt(k)!;
    return [cp, k + (cp > 0xffff ? 2 : 1)];
  };
  let first = true;
  while (t >= expr.length || expr[t] !== ']' || first) {
    first = false;
    if (expr.startsWith('[:', t)) {
      const end = expr.indexOf(':]', t + 2);
      if (end >= 0) {
        const name = expr.slice(t, end + 2);
        const bare = name.slice(2, -2).replace(/^\^/, '');
        if (!(bare in posixRanges)) throw new RegexSyntaxError(`invalid character class range: \`${name}\``);
        t = end + 2;
        continue;
      }
    }
    if (expr[t] === '\\' && (expr[t + 1] === 'p' || expr[t + 1] === 'P') && t + 2 < expr.length) {
      let seq: string;
      let name: string;
      if (expr[t + 2] !== '{') {
        const cp = expr.codePointAt(t + 2)!;
        seq = expr.slice(t, t + 2 + (cp > 0xffff ? 2 : 1));
        name = seq.slice(2);
      } else {
        const end = expr.indexOf('}', t);
        if (end < 0) throw new RegexSyntaxError(`invalid character class range: \`${expr.slice(t)}\``);
        seq = expr.slice(t, end + 1);
        name = expr.slice(t + 3, end);
      }
      if (name.startsWith('^')) name = name.slice(1);
      try {
        new RegExp(unicodeClass(name, false), 'u');
      } catch {
        throw new RegexSyntaxError(`invalid character class range: \`${seq}\``);
      }
      t += seq.length;
      continue;
    }
    if (expr[t] === '\\' && /[dDsSwW]/.test(expr[t + 1] ?? '')) {
      t += 2;
      continue;
    }
    const rangeStart = t;
    const [lo, next] = classChar(t);
    t = next;
    if (t + 1 < expr.length && expr[t] === '-' && expr[t + 1] !== ']') {
      const [hi, after] = classChar(t + 1);
      t = after;
      if (hi < lo)
        throw new RegexSyntaxError(`invalid character class range: \`${expr.slice(rangeStart, t)}\``);
    }
  }
  return t + 1;
}

/** Checks the RE2 structure errors Go reports most often, with Go's messages. */
function validate(expr: string): void {
  let depth = 0;
  let i = 0;
  let prevAtom = false;
  let prevRepeat = false;
  while (i < expr.length) {
    const c = expr[i]!;
    if (c === '\\') {
      translateEscape(expr, i, false);
      i += 2;
      prevAtom = true;
      prevRepeat = false;
      continue;
    }
    if (c === '[') {
      i = scanClass(expr, i);
      prevAtom = true;
      prevRepeat = false;
      continue;
    }
    if (c === '(') {
      depth++;
      i++;
      if (expr[i] === '?') {
        const m = /^\?(P?<[A-Za-z0-9_]+>|[imsU-]*:|[imsU-]+\))/.exec(expr.slice(i));
        if (!m)
          throw new RegexSyntaxError(`invalid or unsupported Perl syntax: \`${expr.slice(i - 1, i + 2)}\``);
        if (m[0].endsWith(')')) depth--;
        i += m[0].length;
      }
      prevAtom = false;
      prevRepeat = false;
      continue;
    }
    if (c === ')') {
      if (depth === 0) throw new RegexSyntaxError(`unexpected ): \`${expr}\``);
      depth--;
      i++;
      prevAtom = true;
      prevRepeat = false;
      continue;
    }
    if (c === '*' || c === '+' || c === '?' || (c === '{' && /^\{\d+(,\d*)?\}/.test(expr.slice(i)))) {
      const op = c === '{' ? /^\{\d+(,\d*)?\}/.exec(expr.slice(i))![0] : c;
      let len = op.length;
      if (expr[i + len] === '?') len++;
      if (prevRepeat)
        throw new RegexSyntaxError(`invalid nested repetition operator: \`${expr.slice(i - 1, i + len)}\``);
      if (!prevAtom)
        throw new RegexSyntaxError(`missing argument to repetition operator: \`${expr.slice(i, i + len)}\``);
      if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(op)!;
        const lo = Number(m[1]);
        const hi = m[3] ? Number(m[3]) : lo;
        if (lo > 1000 || hi > 1000 || (m[3] && hi < lo))
          throw new RegexSyntaxError(`invalid repeat count: \`${op}\``);
      }
      i += len;
      prevRepeat = true;
      continue;
    }
    prevAtom = c !== '|' && c !== '^' && c !== '$';
    prevRepeat = false;
    i++;
  }
  if (depth > 0) throw new RegexSyntaxError(`missing closing ): \`${expr}\``);
}

/** A compiled RE2 expression: linear-time matching (re2js), whatever the pattern and the input. */
export interface CompiledRegex {
  re: RE2JS;
  names: string[];
}

/** One match: where it is and what each group captured (undefined for a group that did not take part). */
interface Match {
  index: number;
  end: number;
  groups: (string | undefined)[];
  named: Record<string, string | undefined>;
}

const cache = new Map<string, CompiledRegex | RegexSyntaxError>();
const CACHE_SIZE = 500;

/** Compiles an RE2 expression (Go's syntax, Go's matching semantics); throws RegexSyntaxError with Go's
 * message text. Matching is linear in the input (no backtracking), as in Go. */
export function compileRegex(expr: string): CompiledRegex {
  const hit = cache.get(expr);
  if (hit instanceof RegexSyntaxError) throw hit;
  if (hit) return hit;
  let result: CompiledRegex | RegexSyntaxError;
  try {
    validate(expr);
    const re = RE2JS.compile(expr);
    result = { re, names: Object.keys(re.namedGroups()) };
  } catch (e) {
    result =
      e instanceof RegexSyntaxError
        ? e
        : new RegexSyntaxError(
            e instanceof RE2JSSyntaxException
              ? e.message.replace(/^error parsing regexp: /, '')
              : `invalid or unsupported Perl syntax: \`${expr}\``,
          );
  }
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(expr, result);
  if (result instanceof RegexSyntaxError) throw result;
  return result;
}

/** Linear-time match cost: charged as input characters (the pattern's size is bounded by the template). */
function chargeMatch(s: string): void {
  chargeSteps(1 + (s.length >> 4));
}

/** Whether the expression matches anywhere in `s` (regexp.MatchString). */
export function regexTest(c: CompiledRegex, s: string): boolean {
  chargeMatch(s);
  return c.re.matcher(s).find();
}

/** All matches with Go's rule that an empty match right after a previous match is skipped. */
function findAll(c: CompiledRegex, s: string, n: number): Match[] {
  const out: Match[] = [];
  if (n === 0) return out;
  chargeMatch(s);
  const m = c.re.matcher(s);
  const groupCount = m.groupCount();
  let prevEnd = -1;
  let pos = 0;
  while (pos <= s.length) {
    if (!m.find(pos)) break;
    const index = m.start();
    const end = m.end();
    if (end === index) {
      if (index === prevEnd) {
        pos = index + (index < s.length && s.codePointAt(index)! > 0xffff ? 2 : 1);
        continue;
      }
      pos = index + (index < s.length && s.codePointAt(index)! > 0xffff ? 2 : 1);
    } else pos = end;
    chargeSteps();
    const groups: (string | undefined)[] = [];
    for (let g = 0; g <= groupCount; g++) groups.push(m.group(g) ?? undefined);
    const named: Record<string, string | undefined> = {};
    for (const name of c.names) named[name] = m.group(name) ?? undefined;
    out.push({ index, end, groups, named });
    prevEnd = end;
    if (n > 0 && out.length >= n) break;
  }
  return out;
}

/** A replacement template split once into literal text and group references. */
type ExpandPart = string | { group: number } | { name: string };

/** Go's Regexp.Expand template syntax: $1, ${1}, $name, ${name}, $$. */
function parseExpand(template: string): ExpandPart[] {
  const parts: ExpandPart[] = [];
  let lit = '';
  let i = 0;
  const isNameChar = (ch: string | undefined): boolean => ch !== undefined && /[A-Za-z0-9_]/.test(ch);
  while (i < template.length) {
    const dollar = template.indexOf('$', i);
    if (dollar < 0) {
      lit += template.slice(i);
      break;
    }
    lit += template.slice(i, dollar);
    i = dollar;
    if (template[i + 1] === '$') {
      lit += '$';
      i += 2;
      continue;
    }
    let name: string | undefined;
    let next = i + 1;
    if (template[i + 1] === '{') {
      const end = template.indexOf('}', i + 2);
      const inner = end < 0 ? '' : template.slice(i + 2, end);
      if (end >= 0 && /^[A-Za-z0-9_]+$/.test(inner)) {
        name = inner;
        next = end + 1;
      }
    } else {
      let j = i + 1;
      while (isNameChar(template[j])) j++;
      if (j > i + 1) {
        name = template.slice(i + 1, j);
        next = j;
      }
    }
    if (name === undefined) {
      lit += '$';
      i++;
      continue;
    }
    if (lit !== '') parts.push(lit);
    lit = '';
    parts.push(/^\d+$/.test(name) ? { group: Number(name) } : { name });
    i = next;
  }
  if (lit !== '') parts.push(lit);
  return parts;
}

function expand(parts: readonly ExpandPart[], m: Match, names: string[]): string {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'string') out += p;
    else if ('group' in p) out += m.groups[p.group] ?? '';
    else if (names.includes(p.name)) out += m.named[p.name] ?? '';
  }
  return out;
}

function replaceAll(c: CompiledRegex, s: string, repl: (m: Match) => string): string {
  let out = '';
  let last = 0;
  for (const m of findAll(c, s, -1)) {
    const r = repl(m);
    // an empty-matching expression replaces at every position: check before the result grows
    checkSize(out.length + (m.index - last) + r.length, 'regexReplaceAll');
    out += s.slice(last, m.index) + r;
    last = m.end;
  }
  return out + s.slice(last);
}

function split(c: CompiledRegex, s: string, n: number): string[] | null {
  if (n === 0) return null;
  if (s === '') return [''];
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (const m of findAll(c, s, n)) {
    if (n > 0 && out.length === n - 1) break;
    end = m.index;
    if (m.end !== 0) out.push(s.slice(beg, end));
    beg = m.end;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

function backquote(s: string): string {
  return /^[^`\x00-\x08\x0a-\x1f\x7f]*$/.test(s) ? '`' + s + '`' : goQuote(s);
}

/** regexp.MustCompile: a syntax error panics with the Compile(...) prefix. */
function mustCompile(expr: string): CompiledRegex {
  try {
    return compileRegex(expr);
  } catch (e) {
    if (e instanceof RegexSyntaxError)
      throw new FuncError(`regexp: Compile(${backquote(expr)}): error parsing regexp: ${e.message}`);
    throw e;
  }
}

function compileOrError(expr: string): CompiledRegex {
  try {
    return compileRegex(expr);
  } catch (e) {
    if (e instanceof RegexSyntaxError) throw new FuncError(`error parsing regexp: ${e.message}`);
    throw e;
  }
}

const str = (v: Value | undefined): string => v as string;
const num = (v: Value | undefined): number => Number((v as { value: bigint }).value);
const strings = (list: string[] | null): Value =>
  list === null ? typedSlice([], 'string') : typedSlice(list, 'string');

function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

export function regexFuncs(): Map<string, FuncDef> {
  const m = new Map<string, FuncDef>();
  const variants = (
    name: string,
    params: FuncDef['params'],
    body: (c: CompiledRegex, args: Value[]) => Value,
  ): void => {
    m.set(
      name,
      def(params, (args) => body(mustCompile(str(args[0])), args)),
    );
    const must = 'must' + name[0]!.toUpperCase() + name.slice(1);
    m.set(
      must,
      def(params, (args) => body(compileOrError(str(args[0])), args)),
    );
  };
  m.set(
    'regexMatch',
    def(['string', 'string'], ([r, s]) => {
      try {
        return regexTest(compileRegex(str(r)), str(s));
      } catch (e) {
        if (e instanceof RegexSyntaxError) return false;
        throw e;
      }
    }),
  );
  m.set(
    'mustRegexMatch',
    def(['string', 'string'], ([r, s]) => {
      return regexTest(compileOrError(str(r)), str(s));
    }),
  );
  variants('regexFindAll', ['string', 'string', 'int'], (c, [, s, n]) => {
    const all = findAll(c, str(s), num(n));
    return strings(all.length === 0 ? null : all.map((x) => x.groups[0]!));
  });
  variants('regexFind', ['string', 'string'], (c, [, s]) => findAll(c, str(s), 1)[0]?.groups[0] ?? '');
  variants('regexReplaceAll', ['string', 'string', 'string'], (c, [, s, repl]) =>
    replaceAll(
      c,
      str(s),
      (
        (parts) => (x: Match) =>
          expand(parts, x, c.names)
      )(parseExpand(str(repl))),
    ),
  );
  variants('regexReplaceAllLiteral', ['string', 'string', 'string'], (c, [, s, repl]) =>
    replaceAll(c, str(s), () => str(repl)),
  );
  variants('regexSplit', ['string', 'string', 'int'], (c, [, s, n]) => strings(split(c, str(s), num(n))));
  m.set(
    'regexQuoteMeta',
    def(['string'], ([s]) => quoteMeta(str(s))),
  );
  return m;
}

// biome-ignore-all lint/suspicious/noControlCharactersInRegex: Go byte/rune classes are matched literally
// Sprig v3.3.0 functions (GenericFuncMap), re-implemented from their documented and observed behaviour.
// Go parameter types are declared so that argument checks match Go's (`expected int; got int64`).
import { createHash } from 'node:crypto';
import { b32Alphabet, b64Alphabet, decodeBase } from './base-encoding.ts';
import { chargeSteps, checkSize } from './budget.ts';
import { byteLen, byteSlice, fromBytes, toBytes } from './bytes.ts';
import { deepCopy, deepEqual, isEmpty, sprintV, strval, toFloat64, toInt, toInt64 } from './convert.ts';
import { FuncError } from './errors.ts';
import { compareBytes, goQuote } from './fmt.ts';
import { def, type FuncDef } from './functypes.ts';
import { encodeJSON, JSONError } from './json.ts';
import { cryptoFuncs } from './sprig-crypto.ts';
import { dateFuncs } from './sprig-dates.ts';
import { regexFuncs } from './sprig-regex.ts';
import { semverFuncs } from './sprig-semver.ts';
import { stringCaseFuncs } from './sprig-strings.ts';
import { type GoInt, GoMap, goInt, kindName, stringMap, typedSlice, typeName, type Value } from './value.ts';

const NIL_DEREF = 'runtime error: invalid memory address or nil pointer dereference';

/** The elements of a slice/array value, or undefined for other kinds. */
function listItems(v: Value): Value[] | undefined {
  return Array.isArray(v) ? v : undefined;
}

/** reflect.TypeOf(v).Kind() as Sprig's list helpers report it; nil panics like Go. */
function kindOrPanic(v: Value): string {
  if (v === null || v === undefined) throw new FuncError(NIL_DEREF);
  return kindName(v);
}

function requireList(v: Value, message: (kind: string) => string): Value[] {
  const items = listItems(v);
  if (items === undefined) throw new FuncError(message(kindOrPanic(v)));
  return items;
}

const int = (n: bigint | number): GoInt => goInt('int', n);
const i64 = (n: bigint): GoInt => goInt('int64', BigInt.asIntN(64, n));
const num = (v: Value): number => Number((v as GoInt).value);
const str = (v: Value): string => v as string;

/** Go's unicode.IsSpace. */
const goSpace = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
const goSpaceRun =
  /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

export function trimSpace(s: string): string {
  return s.replace(goSpaceRun, '');
}

export function isGoSpace(ch: string): boolean {
  return goSpace.test(ch);
}

function mapRunes(s: string, f: (ch: string) => string): string {
  let out = '';
  for (const ch of s) {
    const m = f(ch);
    out += [...m].length === 1 ? m : ch;
  }
  return out;
}

export const toUpper = (s: string): string =>
  /^[\x00-\x7f]*$/.test(s) ? s.toUpperCase() : mapRunes(s, (c) => c.toUpperCase());
export const toLower = (s: string): string =>
  /^[\x00-\x7f]*$/.test(s) ? s.toLowerCase() : mapRunes(s, (c) => c.toLowerCase());

/** strings.Trim(s, cutset). */
function trimCutset(s: string, cutset: string): string {
  const set = new Set([...cutset]);
  const chars = [...s];
  let a = 0;
  let b = chars.length;
  while (a < b && set.has(chars[a]!)) a++;
  while (b > a && set.has(chars[b - 1]!)) b--;
  return chars.slice(a, b).join('');
}

/** strings.Split with Go's empty-separator rule (split into runes). */
function goSplit(s: string, sep: string, n = -1): string[] {
  if (n === 0) return [];
  if (sep === '') {
    const runes = [...s];
    if (n < 0 || n >= runes.length) return runes;
    return [...runes.slice(0, n - 1), runes.slice(n - 1).join('')];
  }
  const parts = s.split(sep);
  if (n < 0 || parts.length <= n) return parts;
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}

/** strings.Replace(s, old, new, -1). */
function goReplaceAll(s: string, old: string, repl: string): string {
  if (repl.length > old.length) {
    // the result can be much longer than the input: count the replacements before building it
    const count = old === '' ? s.length + 1 : s.split(old).length - 1;
    checkSize(s.length + count * (repl.length - old.length), 'replace');
  }
  if (old === '') {
    const runes = [...s];
    return repl + runes.map((r) => r + repl).join('');
  }
  return s.split(old).join(repl);
}

/** Go slice-expression panics for s[start:end] on a string. */
function sliceBounds(len: number, start: number | undefined, end: number | undefined): void {
  const s = start ?? 0;
  const e = end ?? len;
  if (end !== undefined && e > len) {
    throw new FuncError(`runtime error: slice bounds out of range [:${e}] with length ${len}`);
  }
  if (start !== undefined && end === undefined && s > len) {
    throw new FuncError(`runtime error: slice bounds out of range [${s}:${len}]`);
  }
  if (s > e) throw new FuncError(`runtime error: slice bounds out of range [${s}:${e}]`);
}

function substr(start: number, end: number, s: string): string {
  const len = byteLen(s);
  if (start < 0) {
    sliceBounds(len, undefined, end);
    return byteSlice(s, 0, end);
  }
  if (end < 0 || end > len) {
    sliceBounds(len, start, undefined);
    return byteSlice(s, start);
  }
  sliceBounds(len, start, end);
  return byteSlice(s, start, end);
}

function trunc(c: number, s: string): string {
  const len = byteLen(s);
  if (c < 0 && len + c > 0) return byteSlice(s, len + c);
  if (c >= 0 && len > c) return byteSlice(s, 0, c);
  return s;
}

function abbreviateFull(s: string, offset: number, maxWidth: number): string {
  if (s === '') return '';
  if (maxWidth < 4) return '';
  const len = byteLen(s);
  if (len <= maxWidth) return s;
  let off = Math.min(offset, len);
  if (len - off < maxWidth - 3) off = len - (maxWidth - 3);
  if (off <= 4) return byteSlice(s, 0, maxWidth - 3) + '...';
  if (maxWidth < 7) return '';
  if (off + maxWidth - 3 < len) return '...' + abbreviateFull(byteSlice(s, off), 0, maxWidth - 3);
  return '...' + byteSlice(s, len - (maxWidth - 3));
}

function untilStep(start: number, stop: number, step: number): number[] {
  const v: number[] = [];
  if (step !== 0 && (stop - start) / step > 0) checkSize(Math.ceil((stop - start) / step), 'list length');
  if (stop < start) {
    if (step >= 0) return v;
    for (let i = start; i > stop; i += step) v.push(i);
    return v;
  }
  if (step <= 0) return v;
  for (let i = start; i < stop; i += step) v.push(i);
  return v;
}

function seq(params: number[]): string {
  let increment = 1;
  let list: number[];
  switch (params.length) {
    case 1: {
      const end = params[0]!;
      if (end < 1) increment = -1;
      list = untilStep(1, end + increment, increment);
      break;
    }
    case 2: {
      const [start, end] = params as [number, number];
      const step = end < start ? -1 : 1;
      list = untilStep(start, end + step, step);
      break;
    }
    case 3: {
      const [start, step, end] = params as [number, number, number];
      if (end < start) {
        increment = -1;
        if (step > 0) return '';
      }
      list = untilStep(start, end + increment, step);
      break;
    }
    default:
      return '';
  }
  return list.join(' ');
}

const intList = (list: number[]): Value[] =>
  typedSlice(
    list.map((n) => int(n)),
    'int',
  );

/** Sprig's strslice: []string stays, nil items of []interface{} are dropped, a scalar becomes [s]. */
function strslice(v: Value): string[] {
  const items = listItems(v);
  if (items !== undefined) {
    const out: string[] = [];
    for (const item of items) if (item !== null && item !== undefined) out.push(strval(item));
    return out;
  }
  if (v === null || v === undefined) return [];
  return [strval(v)];
}

/** Exact decimal arithmetic as shopspring/decimal (values start from the shortest float repr). */
interface Decimal {
  coef: bigint;
  exp: number;
}

function decimalFromFloat(f: number): Decimal {
  if (!Number.isFinite(f)) throw new FuncError(`Cannot create a Decimal from ${f}`);
  const s = f.toExponential();
  const [mant, e] = s.split('e') as [string, string];
  const digits = mant.replace('.', '').replace('-', '');
  const frac = mant.includes('.') ? mant.split('.')[1]!.length : 0;
  const coef = BigInt(digits) * (f < 0 ? -1n : 1n);
  return { coef, exp: Number(e) - frac };
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const exp = Math.min(a.exp, b.exp);
  return [a.coef * 10n ** BigInt(a.exp - exp), b.coef * 10n ** BigInt(b.exp - exp), exp];
}

function decimalToFloat(d: Decimal): number {
  return Number(`${d.coef}e${d.exp}`);
}

type DecimalOp = (a: Decimal, b: Decimal) => Decimal;

const decAdd: DecimalOp = (a, b) => {
  const [x, y, exp] = align(a, b);
  return { coef: x + y, exp };
};
const decSub: DecimalOp = (a, b) => {
  const [x, y, exp] = align(a, b);
  return { coef: x - y, exp };
};
const decMul: DecimalOp = (a, b) => ({ coef: a.coef * b.coef, exp: a.exp + b.exp });
/** Division rounded (half away from zero) to 16 decimal places, shopspring's DivisionPrecision. */
const decDiv: DecimalOp = (a, b) => {
  if (b.coef === 0n) throw new FuncError('decimal division by 0');
  const precision = 16;
  // a/b = (a.coef/b.coef) * 10^(a.exp-b.exp); scale to 10^-precision.
  const shift = a.exp - b.exp + precision;
  let num = a.coef;
  let den = b.coef;
  if (shift >= 0) num *= 10n ** BigInt(shift);
  else den *= 10n ** BigInt(-shift);
  const neg = num < 0n !== den < 0n;
  const an = num < 0n ? -num : num;
  const ad = den < 0n ? -den : den;
  let q = an / ad;
  const r = an % ad;
  if (r * 2n >= ad) q += 1n;
  return { coef: neg ? -q : q, exp: -precision };
};

function execDecimal(first: Value, rest: Value[], op: DecimalOp): number {
  let acc = decimalFromFloat(toFloat64(first));
  for (const x of rest) acc = op(acc, decimalFromFloat(toFloat64(x)));
  return decimalToFloat(acc);
}

function round(a: Value, p: number, rOpt: Value[]): number {
  const roundOn = rOpt.length > 0 ? (rOpt[0] as number) : 0.5;
  const val = toFloat64(a);
  const pow = 10 ** p;
  const digit = pow * val;
  const frac = digit - Math.trunc(digit);
  const r = frac >= roundOn ? Math.ceil(digit) : Math.floor(digit);
  return r / pow;
}

function toDecimal(v: Value): GoInt {
  const s = sprintV(v);
  if (!/^[+-]?[0-7_]+$/.test(s) || /^[+-]?_|_$|__/.test(s)) return i64(0n);
  const neg = s.startsWith('-');
  const digits = s.replace(/^[+-]/, '').replaceAll('_', '');
  const n = BigInt('0o' + digits);
  if (n > 2n ** 63n - 1n + (neg ? 1n : 0n)) return i64(0n);
  return i64(neg ? -n : n);
}

function atoi(s: string): GoInt {
  if (!/^[+-]?\d+$/.test(s)) return int(0);
  const v = BigInt(s);
  const max = 2n ** 63n - 1n;
  const min = -(2n ** 63n);
  return int(v > max ? max : v < min ? min : v);
}

function dict(args: Value[]): Map<string, Value> {
  const m = new Map<string, Value>();
  for (let i = 0; i < args.length; i += 2) {
    const key = strval(args[i] ?? null);
    m.set(key, i + 1 >= args.length ? '' : (args[i + 1] ?? null));
  }
  return m;
}

function asMap(v: Value): Map<string, Value> {
  return v as Map<string, Value>;
}

function setKey(m: Map<string, Value>, key: string, value: Value): void {
  if (m instanceof GoMap && m.isNil) throw new FuncError('assignment to entry in nil map');
  m.set(key, value);
}

function isMergeEmpty(v: Value): boolean {
  return isEmpty(v) || (v instanceof GoMap && v.isNil);
}

/** mergo.Merge (dst values win unless empty) or with override (src wins); maps merge recursively. */
function mergeInto(dst: Map<string, Value>, src: Map<string, Value>, override: boolean): void {
  for (const [key, srcVal] of src) {
    chargeSteps();
    const present = dst.has(key);
    const dstVal = dst.get(key);
    if (srcVal === null || srcVal === undefined) {
      if (override) setKey(dst, key, null);
      continue;
    }
    if (srcVal instanceof Map) {
      if (present && dstVal instanceof Map) {
        mergeInto(dstVal, srcVal, override);
        if (!isMergeEmpty(dstVal)) continue;
      }
    }
    if (present && !isMergeEmpty(dstVal ?? null) && Array.isArray(srcVal)) {
      if (override) setKey(dst, key, srcVal);
      continue;
    }
    if (override || !present || isMergeEmpty(dstVal ?? null)) setKey(dst, key, srcVal);
  }
}

function merge(args: Value[], override: boolean): Value {
  const dst = asMap(args[0] ?? null);
  for (const src of args.slice(1)) mergeInto(dst, asMap(src ?? null), override);
  return dst;
}

function dig(args: Value[]): Value {
  if (args.length < 3) throw new FuncError('dig needs at least three arguments');
  // Sprig asserts the map (last argument) first, then every key, then walks.
  const asDict = (v: Value): Map<string, Value> => {
    if (!(v instanceof Map) || (v instanceof GoMap && v.elemType !== 'interface {}'))
      throw new FuncError(
        `interface conversion: interface {} is ${typeName(v ?? null)}, not map[string]interface {}`,
      );
    return v;
  };
  let m = asDict(args[args.length - 1]);
  const dflt = args[args.length - 2] ?? null;
  const keys = args.slice(0, -2).map((k) => {
    if (typeof k !== 'string')
      throw new FuncError(`interface conversion: interface {} is ${typeName(k ?? null)}, not string`);
    return k;
  });
  for (let i = 0; ; i++) {
    const k = keys[i]!;
    if (!m.has(k)) return dflt;
    const step = m.get(k) ?? null;
    if (i === keys.length - 1) return step;
    m = asDict(step);
  }
}

function chunk(size: number, list: Value[]): Value {
  const l = list.length;
  const cs = Math.floor((l - 1) / size) + 1;
  const out: Value[] = [];
  for (let i = 0; i < cs; i++) {
    const clen = i === cs - 1 ? ((l - 1) % size) + 1 : size;
    out.push(list.slice(i * size, i * size + clen));
  }
  return typedSlice(out, '[]interface {}');
}

function sliceList(list: Value, indices: Value[]): Value {
  const items = listItems(list);
  if (items === undefined)
    throw new FuncError(`list should be type of slice or array but ${kindOrPanic(list)}`);
  if (items.length === 0) return null;
  const start = indices.length > 0 ? Number(toInt64(indices[0] ?? null)) : 0;
  const end = indices.length < 2 ? items.length : Number(toInt64(indices[1] ?? null));
  if (start < 0 || end < start || end > items.length)
    throw new FuncError('reflect.Value.Slice: slice index out of bounds');
  const out = items.slice(start, end);
  const t = typeName(list).slice(2);
  return t === 'interface {}' ? out : typedSlice(out, t);
}

/** os.ExpandEnv over the caller-supplied environment. */
function expandEnv(s: string, env: ReadonlyMap<string, string> | undefined): string {
  const get = (name: string): string => env?.get(name) ?? '';
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c !== '$' || i + 1 >= s.length) {
      out += c;
      i++;
      continue;
    }
    const rest = s.slice(i + 1);
    if (rest[0] === '{') {
      const close = rest.indexOf('}');
      if (close < 0 || close === 1) {
        // Bad syntax: Go drops "${" (and an empty "${}").
        i += close === 1 ? 3 : 2;
        continue;
      }
      out += get(rest.slice(1, close));
      i += close + 2;
      continue;
    }
    if (/^[*#$@!?\-0-9]/.test(rest)) {
      out += get(rest[0]!);
      i += 2;
      continue;
    }
    const m = /^[A-Za-z0-9_]+/.exec(rest);
    if (!m) {
      i += 1;
      continue;
    }
    out += get(m[0]);
    i += 1 + m[0].length;
  }
  return out;
}

/** path.Clean. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  if (rooted) return '/' + joined;
  return joined === '' ? '.' : joined;
}

function basePath(p: string): string {
  if (p === '') return '.';
  const t = p.replace(/\/+$/, '');
  if (t === '') return '/';
  return t.slice(t.lastIndexOf('/') + 1);
}

function dirPath(p: string): string {
  const i = p.lastIndexOf('/');
  return cleanPath(p.slice(0, i + 1));
}

function extPath(p: string): string {
  for (let i = p.length - 1; i >= 0 && p[i] !== '/'; i--) if (p[i] === '.') return p.slice(i);
  return '';
}

function base32Encode(b: Buffer): string {
  let out = '';
  for (let i = 0; i < b.length; i += 5) {
    const chunkBytes = b.subarray(i, i + 5);
    let acc = 0n;
    for (let k = 0; k < 5; k++) acc = (acc << 8n) | BigInt(chunkBytes[k] ?? 0);
    const chars = Math.ceil((chunkBytes.length * 8) / 5);
    for (let k = 0; k < 8; k++) {
      out += k < chars ? b32Alphabet[Number((acc >> BigInt(35 - 5 * k)) & 31n)] : '=';
    }
  }
  return out;
}

function adler32(b: Buffer): number {
  let a = 1;
  let s = 0;
  for (const x of b) {
    a = (a + x) % 65521;
    s = (s + a) % 65521;
  }
  return ((s << 16) | a) >>> 0;
}

function hashHex(alg: string, s: string): string {
  return createHash(alg).update(toBytes(s)).digest('hex');
}

function pick(m: Map<string, Value>, keys: Value[]): Map<string, Value> {
  const out = new Map<string, Value>();
  for (const k of keys) if (m.has(k as string)) out.set(k as string, m.get(k as string) ?? null);
  return out;
}

function omit(m: Map<string, Value>, keys: Value[]): Map<string, Value> {
  const drop = new Set(keys as string[]);
  const out = new Map<string, Value>();
  for (const [k, v] of m) if (!drop.has(k)) out.set(k, v);
  return out;
}

/** Sorted keys: Go returns them in random map order; sorting is our documented deviation. */
function sortedKeys(maps: Value[]): Value[] {
  const keys: string[] = [];
  for (const m of maps) keys.push(...asMap(m ?? null).keys());
  return typedSlice(keys.sort(compareBytes), 'string');
}

function sortedValues(m: Map<string, Value>): Value[] {
  return [...m.keys()].sort(compareBytes).map((k) => m.get(k) ?? null);
}

function uniq(items: Value[]): Value[] {
  const out: Value[] = [];
  for (const item of items) if (!out.some((x) => deepEqual(x, item))) out.push(item);
  return out;
}

function toPrettyJson(v: Value): string {
  try {
    return encodeJSON(v, { indent: '  ', escapeHTML: true });
  } catch (e) {
    if (e instanceof JSONError) return '';
    throw e;
  }
}

function mustJson(v: Value, opts: { indent?: string; escapeHTML: boolean }): string {
  try {
    return encodeJSON(v, opts);
  } catch (e) {
    if (e instanceof JSONError) throw new FuncError(e.message);
    throw e;
  }
}

function findFn(name: string, f: (items: Value[]) => Value): FuncDef {
  return def(['any'], ([list]) => f(requireList(list ?? null, (k) => `Cannot find ${name} on type ${k}`)), {
    returnsAny: true,
  });
}

/** The Sprig function map; env/expandenv only when `env` is enabled. */
export function sprigFuncs(options: { env: boolean }): Map<string, FuncDef> {
  const m = new Map<string, FuncDef>();
  const add = (name: string, fn: FuncDef): void => {
    m.set(name, fn);
  };
  add(
    'hello',
    def([], () => 'Hello!'),
  );
  // strings
  add(
    'abbrev',
    def(['int', 'string'], ([w, s]) => (num(w) < 4 ? str(s) : abbreviateFull(str(s), 0, num(w)))),
  );
  add(
    'abbrevboth',
    def(['int', 'int', 'string'], ([l, r, s]) =>
      num(r) < 4 || (num(l) > 0 && num(r) < 7) ? str(s) : abbreviateFull(str(s), num(l), num(r)),
    ),
  );
  add(
    'trunc',
    def(['int', 'string'], ([c, s]) => trunc(num(c), str(s))),
  );
  add(
    'trim',
    def(['string'], ([s]) => trimSpace(str(s))),
  );
  add(
    'upper',
    def(['string'], ([s]) => toUpper(str(s))),
  );
  add(
    'lower',
    def(['string'], ([s]) => toLower(str(s))),
  );
  add(
    'substr',
    def(['int', 'int', 'string'], ([a, b, s]) => substr(num(a), num(b), str(s))),
  );
  add(
    'repeat',
    def(['int', 'string'], ([c, s]) => {
      if (num(c) < 0) throw new FuncError('strings: negative Repeat count');
      checkSize(num(c) * str(s).length, 'repeat');
      return str(s).repeat(num(c));
    }),
  );
  const trimAll = def(['string', 'string'], ([a, s]) => trimCutset(str(s), str(a)));
  add('trimall', trimAll);
  add('trimAll', trimAll);
  add(
    'trimSuffix',
    def(['string', 'string'], ([a, s]) =>
      str(s).endsWith(str(a)) ? str(s).slice(0, str(s).length - str(a).length) : str(s),
    ),
  );
  add(
    'trimPrefix',
    def(['string', 'string'], ([a, s]) => (str(s).startsWith(str(a)) ? str(s).slice(str(a).length) : str(s))),
  );
  add(
    'nospace',
    def(['string'], ([s]) => [...str(s)].filter((c) => !isGoSpace(c)).join('')),
  );
  add(
    'contains',
    def(['string', 'string'], ([sub, s]) => str(s).includes(str(sub))),
  );
  add(
    'hasPrefix',
    def(['string', 'string'], ([p, s]) => str(s).startsWith(str(p))),
  );
  add(
    'hasSuffix',
    def(['string', 'string'], ([p, s]) => str(s).endsWith(str(p))),
  );
  add(
    'quote',
    def(
      [],
      (args) =>
        args
          .filter((a) => a !== null && a !== undefined)
          .map((a) => goQuote(strval(a)))
          .join(' '),
      {
        variadic: 'any',
      },
    ),
  );
  add(
    'squote',
    def(
      [],
      (args) =>
        args
          .filter((a) => a !== null && a !== undefined)
          .map((a) => `'${strval(a)}'`)
          .join(' '),
      {
        variadic: 'any',
      },
    ),
  );
  add(
    'cat',
    def(
      [],
      (args) =>
        args
          .filter((a) => a !== null && a !== undefined)
          .map((a) => sprintV(a))
          .join(' '),
      {
        variadic: 'any',
      },
    ),
  );
  const indent = (n: number, s: string): string => {
    if (n > 0) {
      let lines = 1;
      for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) lines++;
      checkSize(s.length + lines * n, 'indent');
    }
    const pad = ' '.repeat(Math.max(n, 0));
    return pad + s.replaceAll('\n', '\n' + pad);
  };
  add(
    'indent',
    def(['int', 'string'], ([n, s]) => indent(num(n), str(s))),
  );
  add(
    'nindent',
    def(['int', 'string'], ([n, s]) => '\n' + indent(num(n), str(s))),
  );
  add(
    'replace',
    def(['string', 'string', 'string'], ([o, n, s]) => goReplaceAll(str(s), str(o), str(n))),
  );
  add(
    'plural',
    def(['string', 'string', 'int'], ([one, many, c]) => (num(c) === 1 ? one! : many!)),
  );
  add(
    'sha1sum',
    def(['string'], ([s]) => hashHex('sha1', str(s))),
  );
  add(
    'sha256sum',
    def(['string'], ([s]) => hashHex('sha256', str(s))),
  );
  add(
    'sha512sum',
    def(['string'], ([s]) => hashHex('sha512', str(s))),
  );
  add(
    'adler32sum',
    def(['string'], ([s]) => String(adler32(toBytes(str(s))))),
  );
  add(
    'toString',
    def(['any'], ([v]) => strval(v ?? null)),
  );
  add(
    'atoi',
    def(['string'], ([s]) => atoi(str(s))),
  );
  add(
    'int64',
    def(['any'], ([v]) => i64(toInt64(v ?? null))),
  );
  add(
    'int',
    def(['any'], ([v]) => toInt(v ?? null)),
  );
  add(
    'float64',
    def(['any'], ([v]) => toFloat64(v ?? null)),
  );
  add(
    'seq',
    def([], (args) => seq(args.map(num)), { variadic: 'int' }),
  );
  add(
    'toDecimal',
    def(['any'], ([v]) => toDecimal(v ?? null)),
  );
  add(
    'split',
    def(['string', 'string'], ([sep, s]) =>
      stringMap(goSplit(str(s), str(sep)).map((p, i): [string, string] => [`_${i}`, p])),
    ),
  );
  add(
    'splitList',
    def(['string', 'string'], ([sep, s]) => typedSlice(goSplit(str(s), str(sep)), 'string')),
  );
  add(
    'splitn',
    def(['string', 'int', 'string'], ([sep, n, s]) =>
      stringMap(goSplit(str(s), str(sep), num(n)).map((p, i): [string, string] => [`_${i}`, p])),
    ),
  );
  add(
    'toStrings',
    def(['any'], ([v]) => typedSlice(strslice(v ?? null), 'string')),
  );
  add(
    'until',
    def(['int'], ([c]) => intList(untilStep(0, num(c), num(c) < 0 ? -1 : 1))),
  );
  add(
    'untilStep',
    def(['int', 'int', 'int'], ([a, b, s]) => intList(untilStep(num(a), num(b), num(s)))),
  );
  // math
  add(
    'add1',
    def(['any'], ([v]) => i64(toInt64(v ?? null) + 1n)),
  );
  add(
    'add',
    def([], (args) => i64(args.reduce<bigint>((acc, v) => acc + toInt64(v), 0n)), { variadic: 'any' }),
  );
  add(
    'sub',
    def(['any', 'any'], ([a, b]) => i64(toInt64(a ?? null) - toInt64(b ?? null))),
  );
  add(
    'div',
    def(['any', 'any'], ([a, b]) => {
      const d = toInt64(b ?? null);
      if (d === 0n) throw new FuncError('runtime error: integer divide by zero');
      return i64(toInt64(a ?? null) / d);
    }),
  );
  add(
    'mod',
    def(['any', 'any'], ([a, b]) => {
      const d = toInt64(b ?? null);
      if (d === 0n) throw new FuncError('runtime error: integer divide by zero');
      return i64(toInt64(a ?? null) % d);
    }),
  );
  add(
    'mul',
    def(
      ['any'],
      ([a, ...rest]) =>
        i64(rest.reduce<bigint>((acc, v) => BigInt.asIntN(64, acc * toInt64(v)), toInt64(a ?? null))),
      {
        variadic: 'any',
      },
    ),
  );
  add(
    'add1f',
    def(['any'], ([v]) => execDecimal(v ?? null, [1], decAdd)),
  );
  add(
    'addf',
    def([], (args) => execDecimal(0, args, decAdd), { variadic: 'any' }),
  );
  add(
    'subf',
    def(['any'], ([a, ...rest]) => execDecimal(a ?? null, rest, decSub), { variadic: 'any' }),
  );
  add(
    'mulf',
    def(['any'], ([a, ...rest]) => execDecimal(a ?? null, rest, decMul), { variadic: 'any' }),
  );
  add(
    'divf',
    def(['any'], ([a, ...rest]) => execDecimal(a ?? null, rest, decDiv), { variadic: 'any' }),
  );
  const maxInt = def(
    ['any'],
    ([a, ...rest]) => {
      let acc = toInt64(a ?? null);
      for (const b of rest) {
        const v = toInt64(b);
        if (v > acc) acc = v;
      }
      return i64(acc);
    },
    { variadic: 'any' },
  );
  add('biggest', maxInt);
  add('max', maxInt);
  add(
    'min',
    def(
      ['any'],
      ([a, ...rest]) => {
        let acc = toInt64(a ?? null);
        for (const b of rest) {
          const v = toInt64(b);
          if (v < acc) acc = v;
        }
        return i64(acc);
      },
      { variadic: 'any' },
    ),
  );
  const goMax = (a: number, b: number): number =>
    Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.max(a, b);
  const goMin = (a: number, b: number): number =>
    Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.min(a, b);
  add(
    'maxf',
    def(
      ['any'],
      ([a, ...rest]) => rest.reduce<number>((acc, b) => goMax(acc, toFloat64(b)), toFloat64(a ?? null)),
      { variadic: 'any' },
    ),
  );
  add(
    'minf',
    def(
      ['any'],
      ([a, ...rest]) => rest.reduce<number>((acc, b) => goMin(acc, toFloat64(b)), toFloat64(a ?? null)),
      { variadic: 'any' },
    ),
  );
  add(
    'ceil',
    def(['any'], ([a]) => Math.ceil(toFloat64(a ?? null))),
  );
  add(
    'floor',
    def(['any'], ([a]) => Math.floor(toFloat64(a ?? null))),
  );
  add(
    'round',
    def(['any', 'int'], ([a, p, ...r]) => round(a ?? null, num(p), r), { variadic: 'float64' }),
  );
  add(
    'join',
    def(['string', 'any'], ([sep, v]) => {
      const parts = strslice(v ?? null);
      let total = str(sep).length * Math.max(parts.length - 1, 0);
      for (const p of parts) total += p.length;
      checkSize(total, 'join');
      return parts.join(str(sep));
    }),
  );
  add(
    'sortAlpha',
    def(['any'], ([v]) => {
      if (listItems(v ?? null) === undefined) return typedSlice([strval(v ?? null)], 'string');
      return typedSlice(strslice(v ?? null).sort(compareBytes), 'string');
    }),
  );
  // defaults
  add(
    'default',
    def(
      ['any'],
      ([d, ...given]) => (given.length === 0 || isEmpty(given[0] ?? null) ? (d ?? null) : (given[0] ?? null)),
      {
        variadic: 'any',
        returnsAny: true,
      },
    ),
  );
  add(
    'empty',
    def(['any'], ([v]) => isEmpty(v ?? null)),
  );
  add(
    'coalesce',
    def([], (args) => args.find((a) => !isEmpty(a)) ?? null, { variadic: 'any', returnsAny: true }),
  );
  add(
    'all',
    def([], (args) => args.every((a) => !isEmpty(a)), { variadic: 'any' }),
  );
  add(
    'any',
    def([], (args) => args.some((a) => !isEmpty(a)), { variadic: 'any' }),
  );
  const compact = def(['any'], ([list]) =>
    requireList(list ?? null, (k) => `Cannot compact on type ${k}`).filter((x) => !isEmpty(x)),
  );
  add('compact', compact);
  add('mustCompact', compact);
  add(
    'toPrettyJson',
    def(['any'], ([v]) => toPrettyJson(v ?? null)),
  );
  add(
    'toRawJson',
    def(['any'], ([v]) => {
      try {
        return encodeJSON(v ?? null, { escapeHTML: false });
      } catch (e) {
        if (e instanceof JSONError) throw new FuncError(e.message);
        throw e;
      }
    }),
  );
  add(
    'mustToJson',
    def(['any'], ([v]) => mustJson(v ?? null, { escapeHTML: true })),
  );
  add(
    'mustToPrettyJson',
    def(['any'], ([v]) => mustJson(v ?? null, { indent: '  ', escapeHTML: true })),
  );
  add(
    'mustToRawJson',
    def(['any'], ([v]) => mustJson(v ?? null, { escapeHTML: false })),
  );
  add(
    'ternary',
    def(['any', 'any', 'bool'], ([a, b, c]) => (c ? (a ?? null) : (b ?? null)), { returnsAny: true }),
  );
  add(
    'deepCopy',
    def(['any'], ([v]) => deepCopy(v ?? null), { returnsAny: true }),
  );
  add(
    'mustDeepCopy',
    def(['any'], ([v]) => deepCopy(v ?? null), { returnsAny: true }),
  );
  // reflection
  add(
    'typeOf',
    def(['any'], ([v]) => typeName(v ?? null)),
  );
  add(
    'typeIs',
    def(['string', 'any'], ([t, v]) => t === typeName(v ?? null)),
  );
  add(
    'typeIsLike',
    def(['string', 'any'], ([t, v]) => {
      const n = typeName(v ?? null);
      return t === n || '*' + str(t) === n;
    }),
  );
  add(
    'kindOf',
    def(['any'], ([v]) => kindName(v ?? null)),
  );
  add(
    'kindIs',
    def(['string', 'any'], ([t, v]) => t === kindName(v ?? null)),
  );
  add(
    'deepEqual',
    def(['any', 'any'], ([a, b]) => deepEqual(a ?? null, b ?? null)),
  );
  if (options.env) {
    add(
      'env',
      def(['string'], ([s], ctx) => ctx.env?.get(str(s)) ?? ''),
    );
    add(
      'expandenv',
      def(['string'], ([s], ctx) => expandEnv(str(s), ctx.env)),
    );
  }
  // paths
  add(
    'base',
    def(['string'], ([s]) => basePath(str(s))),
  );
  add(
    'dir',
    def(['string'], ([s]) => dirPath(str(s))),
  );
  add(
    'clean',
    def(['string'], ([s]) => cleanPath(str(s))),
  );
  add(
    'ext',
    def(['string'], ([s]) => extPath(str(s))),
  );
  add(
    'isAbs',
    def(['string'], ([s]) => str(s).startsWith('/')),
  );
  add('osBase', m.get('base')!);
  add('osDir', m.get('dir')!);
  add('osClean', m.get('clean')!);
  add('osExt', m.get('ext')!);
  add('osIsAbs', m.get('isAbs')!);
  // encoding
  add(
    'b64enc',
    def(['string'], ([s]) => toBytes(str(s)).toString('base64')),
  );
  add(
    'b64dec',
    def(['string'], ([s]) => {
      const r = decodeBase(toBytes(str(s)), b64Alphabet, 4);
      return 'error' in r ? r.error : fromBytes(r.bytes);
    }),
  );
  add(
    'b32enc',
    def(['string'], ([s]) => base32Encode(toBytes(str(s)))),
  );
  add(
    'b32dec',
    def(['string'], ([s]) => {
      const r = decodeBase(toBytes(str(s)), b32Alphabet, 8);
      return 'error' in r ? r.error : fromBytes(r.bytes);
    }),
  );
  // data structures
  const list = def([], (args) => args, { variadic: 'any' });
  add('list', list);
  add('tuple', list);
  add('dict', def([], dict, { variadic: 'any' }));
  add(
    'get',
    def(['map', 'string'], ([d, k]) => (asMap(d!).has(str(k)) ? (asMap(d!).get(str(k)) ?? null) : ''), {
      returnsAny: true,
    }),
  );
  add(
    'set',
    def(['map', 'string', 'any'], ([d, k, v]) => {
      setKey(asMap(d!), str(k), v ?? null);
      return d!;
    }),
  );
  add(
    'unset',
    def(['map', 'string'], ([d, k]) => {
      asMap(d!).delete(str(k));
      return d!;
    }),
  );
  add(
    'hasKey',
    def(['map', 'string'], ([d, k]) => asMap(d!).has(str(k))),
  );
  add(
    'pluck',
    def(
      ['string'],
      ([k, ...maps]) => maps.filter((d) => asMap(d!).has(str(k))).map((d) => asMap(d!).get(str(k)) ?? null),
      {
        variadic: 'map',
      },
    ),
  );
  add('keys', def([], sortedKeys, { variadic: 'map' }));
  add(
    'pick',
    def(['map'], ([d, ...keys]) => pick(asMap(d!), keys), { variadic: 'string' }),
  );
  add(
    'omit',
    def(['map'], ([d, ...keys]) => omit(asMap(d!), keys), { variadic: 'string' }),
  );
  add(
    'merge',
    def(['map'], (args) => merge(args, false), { variadic: 'map', returnsAny: true }),
  );
  add(
    'mergeOverwrite',
    def(['map'], (args) => merge(args, true), { variadic: 'map', returnsAny: true }),
  );
  add('mustMerge', m.get('merge')!);
  add('mustMergeOverwrite', m.get('mergeOverwrite')!);
  add(
    'values',
    def(['map'], ([d]) => sortedValues(asMap(d!))),
  );
  const push = def(['any', 'any'], ([l, v]) => [
    ...requireList(l ?? null, (k) => `Cannot push on type ${k}`),
    v ?? null,
  ]);
  add('append', push);
  add('push', push);
  add('mustAppend', push);
  add('mustPush', push);
  const prepend = def(['any', 'any'], ([l, v]) => [
    v ?? null,
    ...requireList(l ?? null, (k) => `Cannot prepend on type ${k}`),
  ]);
  add('prepend', prepend);
  add('mustPrepend', prepend);
  const first = findFn('first', (items) => (items.length === 0 ? null : (items[0] ?? null)));
  add('first', first);
  add('mustFirst', first);
  const rest = findFn('rest', (items) => items.slice(1));
  add('rest', rest);
  add('mustRest', rest);
  const last = findFn('last', (items) => (items.length === 0 ? null : (items[items.length - 1] ?? null)));
  add('last', last);
  add('mustLast', last);
  const initial = findFn('initial', (items) => items.slice(0, -1));
  add('initial', initial);
  add('mustInitial', initial);
  const reverse = findFn('reverse', (items) => [...items].reverse());
  add('reverse', reverse);
  add('mustReverse', reverse);
  const uniqFn = findFn('uniq', uniq);
  add('uniq', uniqFn);
  add('mustUniq', uniqFn);
  const without = def(
    ['any'],
    ([l, ...omitItems]) =>
      requireList(l ?? null, (k) => `Cannot find without on type ${k}`).filter(
        (x) => !omitItems.some((o) => deepEqual(o, x)),
      ),
    { variadic: 'any' },
  );
  add('without', without);
  add('mustWithout', without);
  const has = def(['any', 'any'], ([needle, hay]) => {
    if (hay === null || hay === undefined) return false;
    const items = requireList(hay, (k) => `Cannot find has on type ${k}`);
    return items.some((x) => deepEqual(needle ?? null, x));
  });
  add('has', has);
  add('mustHas', has);
  const slice = def(['any'], ([l, ...idx]) => sliceList(l ?? null, idx), {
    variadic: 'any',
    returnsAny: true,
  });
  add('slice', slice);
  add('mustSlice', slice);
  add(
    'concat',
    def(
      [],
      (lists) => {
        const out: Value[] = [];
        for (const l of lists) {
          const items = listItems(l ?? null);
          if (items === undefined)
            throw new FuncError(`Cannot concat type ${kindOrPanic(l ?? null)} as list`);
          out.push(...items);
        }
        return out;
      },
      { variadic: 'any', returnsAny: true },
    ),
  );
  add('dig', def([], dig, { variadic: 'any', returnsAny: true }));
  const chunkFn = def(['int', 'any'], ([size, l]) =>
    chunk(
      num(size),
      requireList(l ?? null, (k) => `Cannot chunk type ${k}`),
    ),
  );
  add('chunk', chunkFn);
  add('mustChunk', chunkFn);
  add(
    'fail',
    def(['string'], ([msg]) => {
      throw new FuncError(str(msg));
    }),
  );
  for (const group of [stringCaseFuncs(), regexFuncs(), semverFuncs(), dateFuncs(), cryptoFuncs()]) {
    for (const [name, fn] of group) add(name, fn);
  }
  return m;
}

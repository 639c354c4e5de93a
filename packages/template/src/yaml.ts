// YAML as Sveltos produces and reads it: sigs.k8s.io/yaml (JSON -> yaml.v2 emitter, 2-space indent,
// folded long lines) for toYaml/copy, gopkg.in/yaml.v3 (4-space indent) for the event-manager helpers,
// and fromYaml decoding (YAML 1.1 scalars -> JSON -> float64 numbers).

import { Alias, isMap, isScalar, isSeq, parseAllDocuments, type Scalar, type Node as YamlNode } from 'yaml';
import { chargeSize, chargeSteps } from './budget.ts';
import { toValidUTF8 } from './bytes.ts';
import { parseIntBase0 } from './convert.ts';
import { formatFloatJSON, formatFloatShortest } from './fmt.ts';
import { quoteJSON, structJSONFields } from './json.ts';
import { formatTime } from './time.ts';
import { GoInt, GoMap, type GoObject, GoStruct, GoTime, type Value } from './value.ts';

/** yaml.v2/v3 natural key order: digit runs compare numerically, letters by code point. */
export function naturalLess(a: string, b: string): boolean {
  const ar = [...a];
  const br = [...b];
  let digits = false;
  const isDigit = (c: string): boolean => /\p{Nd}/u.test(c);
  const isLetter = (c: string): boolean => /\p{L}/u.test(c);
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const x = ar[i]!;
    const y = br[i]!;
    if (x === y) {
      digits = isDigit(x);
      continue;
    }
    const xl = isLetter(x);
    const yl = isLetter(y);
    if (xl && yl) return x.codePointAt(0)! < y.codePointAt(0)!;
    if (xl || yl) return digits ? xl : yl;
    let an = 0n;
    let bn = 0n;
    if (x === '0' || y === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]!); j--) {
        if (ar[j] !== '0') {
          an = 1n;
          bn = 1n;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && isDigit(ar[ai]!); ai++) an = an * 10n + BigInt(ar[ai]!.codePointAt(0)! - 48);
    let bi = i;
    for (; bi < br.length && isDigit(br[bi]!); bi++) bn = bn * 10n + BigInt(br[bi]!.codePointAt(0)! - 48);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return x.codePointAt(0)! < y.codePointAt(0)!;
  }
  return ar.length < br.length;
}

function naturalCompare(a: string, b: string): number {
  return naturalLess(a, b) ? -1 : naturalLess(b, a) ? 1 : 0;
}

// ---------- scalar resolution (what a plain scalar would mean) ----------

const boolValues = new Map<string, boolean>();
for (const s of ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'])
  boolValues.set(s, true);
for (const s of ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'])
  boolValues.set(s, false);
const nullValues = new Set(['', '~', 'null', 'Null', 'NULL']);
const floatSpecials = new Map<string, number>([
  ['.nan', Number.NaN],
  ['.NaN', Number.NaN],
  ['.NAN', Number.NaN],
  ['.inf', Infinity],
  ['.Inf', Infinity],
  ['.INF', Infinity],
  ['+.inf', Infinity],
  ['+.Inf', Infinity],
  ['+.INF', Infinity],
  ['-.inf', -Infinity],
  ['-.Inf', -Infinity],
  ['-.INF', -Infinity],
]);
const yamlFloat = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const base60Float = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const timestamp =
  /^\d{4}-\d{1,2}-\d{1,2}(?:(?:[Tt]|[ \t]+)\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d*)?(?:[ \t]*(?:Z|[-+]\d{1,2}(?::?\d{2})?))?)?$/;

type Resolved =
  | { kind: 'null' }
  | { kind: 'bool'; value: boolean }
  | { kind: 'int'; value: bigint }
  | { kind: 'float'; value: number }
  | { kind: 'str' }
  | { kind: 'timestamp' }
  | { kind: 'merge' };

function isTimestamp(s: string): boolean {
  if (!timestamp.test(s)) return false;
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})/.exec(s)!;
  const month = Number(m[2]);
  const day = Number(m[3]);
  return (
    month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(Number(m[1]), month, 0)).getUTCDate()
  );
}

/** yaml.v2's resolution of an untagged plain scalar. */
export function resolvePlain(s: string, v3 = false): Resolved {
  if (nullValues.has(s)) return { kind: 'null' };
  const first = s[0]!;
  if (!'+-.0123456789yYnNtTfFoO~<'.includes(first)) return { kind: 'str' };
  const b = boolValues.get(s);
  if (b !== undefined && (!v3 || s.length > 3 || /^(true|false|True|False|TRUE|FALSE)$/.test(s))) {
    if (!v3 || /^(true|True|TRUE|false|False|FALSE)$/.test(s)) return { kind: 'bool', value: b };
  }
  const special = floatSpecials.get(s);
  if (special !== undefined) return { kind: 'float', value: special };
  if (s === '<<') return { kind: 'merge' };
  if (first === '.') return yamlFloat.test(s) ? { kind: 'float', value: Number(s) } : { kind: 'str' };
  if (!'+-0123456789'.includes(first)) return { kind: 'str' };
  if (isTimestamp(s)) return { kind: 'timestamp' };
  const plain = s.replaceAll('_', '');
  const i = parseIntBase0(plain);
  if (i !== undefined) return { kind: 'int', value: i };
  if (/^\+?\d+$/.test(plain) && BigInt(plain.replace('+', '')) < 2n ** 64n)
    return { kind: 'int', value: BigInt(plain.replace('+', '')) };
  if (yamlFloat.test(plain)) return { kind: 'float', value: Number(plain) };
  if (plain.startsWith('0b') && /^0b[01]+$/.test(plain)) return { kind: 'int', value: BigInt(plain) };
  if (plain.startsWith('-0b') && /^-0b[01]+$/.test(plain))
    return { kind: 'int', value: -BigInt(plain.slice(1)) };
  return { kind: 'str' };
}

// ---------- emitter ----------

interface EmitStyle {
  /** Indentation step (2 for yaml.v2, 4 for yaml.v3). */
  indent: number;
  /** yaml.v3 indents sequences under mapping keys; yaml.v2 does not. */
  indentSequences: boolean;
  /** yaml.v2 folds long plain/quoted scalars at 80 columns. */
  fold: boolean;
  v3: boolean;
}

export const yamlV2: EmitStyle = { indent: 2, indentSequences: false, fold: true, v3: false };
export const yamlV3: EmitStyle = { indent: 4, indentSequences: true, fold: false, v3: true };

/** A YAML node to emit: JSON-like data after the JSON round trip. */
type YNode = null | boolean | string | { num: string } | YNode[] | Map<string, YNode>;

/** Converts values the way json.Marshal then the YAML parser sees them (sigs.k8s.io/yaml). */
export function toYamlNode(v: Value, v3: boolean): YNode {
  // values may share parts: emitting costs what it visits and produces
  chargeSteps();
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'string':
      chargeSize(v.length);
      return toValidUTF8(v);
    case 'boolean':
      return v;
    case 'number': {
      if (v3) return { num: floatV3(v) };
      const text = formatFloatJSON(v);
      if (/^-?\d+$/.test(text)) {
        const big = BigInt(text);
        if (big >= -(2n ** 63n) && big < 2n ** 64n) return { num: text };
      }
      return { num: formatFloatShortest(v) };
    }
  }
  if (v instanceof GoInt) return { num: v.value.toString() };
  if (v instanceof Map) {
    if (v instanceof GoMap && v.isNil && !v3) return null;
    const m = new Map<string, YNode>();
    for (const [k, x] of v) m.set(k, toYamlNode(x, v3));
    return m;
  }
  if (Array.isArray(v)) return v.map((x) => toYamlNode(x, v3));
  if (v instanceof GoTime) return formatTime(v, '2006-01-02T15:04:05.999999999Z07:00');
  if (v instanceof GoStruct) {
    const m = new Map<string, YNode>();
    for (const [k, x] of structJSONFields(v)) m.set(k, toYamlNode(x, v3));
    return m;
  }
  return (v as GoObject).text;
}

function floatV3(f: number): string {
  if (Number.isNaN(f)) return '.nan';
  if (f === Infinity) return '.inf';
  if (f === -Infinity) return '-.inf';
  return formatFloatShortest(f);
}

function isPrintable(cp: number): boolean {
  return (
    cp === 0x0a ||
    (cp >= 0x20 && cp <= 0x7e) ||
    cp === 0x85 ||
    (cp >= 0xa0 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

interface Analysis {
  multiline: boolean;
  flowPlain: boolean;
  blockPlain: boolean;
  single: boolean;
  block: boolean;
}

const isBlank = (c: string | undefined): boolean =>
  c === undefined || c === ' ' || c === '\t' || c === '\n' || c === '\r';

function analyze(s: string): Analysis {
  if (s === '') return { multiline: false, flowPlain: false, blockPlain: false, single: true, block: false };
  let blockIndicators = false;
  let flowIndicators = false;
  if (s.startsWith('---') || s.startsWith('...')) {
    blockIndicators = true;
    flowIndicators = true;
  }
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let precededByWhitespace = true;
  let previousSpace = false;
  let previousBreak = false;
  const chars = [...s];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    const followedByWhitespace = isBlank(chars[i + 1]);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(c)) {
        flowIndicators = true;
        blockIndicators = true;
      }
      if (c === '?' || c === ':') {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (c === '-' && followedByWhitespace) {
        flowIndicators = true;
        blockIndicators = true;
      }
    } else {
      if (',?[]{}'.includes(c)) flowIndicators = true;
      if (c === ':') {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (c === '#' && precededByWhitespace) {
        flowIndicators = true;
        blockIndicators = true;
      }
    }
    const cp = c.codePointAt(0)!;
    if (!isPrintable(cp)) special = true;
    if (c === '\n' || c === '\r' || cp === 0x85 || cp === 0x2028 || cp === 0x2029) lineBreaks = true;
    if (c === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === chars.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (c === '\n' || c === '\r' || cp === 0x85 || cp === 0x2028 || cp === 0x2029) {
      if (i === 0) leadingBreak = true;
      if (i === chars.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousBreak = true;
      previousSpace = false;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlank(c);
  }
  const a: Analysis = { multiline: lineBreaks, flowPlain: true, blockPlain: true, single: true, block: true };
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) a.flowPlain = a.blockPlain = false;
  if (trailingSpace) a.block = false;
  if (breakSpace) a.flowPlain = a.blockPlain = a.single = false;
  if (spaceBreak || special) a.flowPlain = a.blockPlain = a.single = a.block = false;
  if (lineBreaks) a.flowPlain = a.blockPlain = false;
  if (flowIndicators) a.flowPlain = false;
  if (blockIndicators) a.blockPlain = false;
  return a;
}

const lineBreak = /[\n\r\u0085\u2028\u2029]/;

/** yaml.v2/v3 emit a key as `? key` when it is multi-line or longer than 128 bytes. */
function isComplexKey(k: string): boolean {
  // A UTF-16 unit is at most 3 UTF-8 bytes: keys of up to 42 units are short enough.
  if (k.length > 128 || (k.length > 42 && Buffer.byteLength(k, 'utf8') > 128)) return true;
  return lineBreak.test(k);
}

/**
 * sigs.k8s.io/yaml re-reads its own JSON with the YAML parser, which cannot take a mapping key whose
 * token (the quoted JSON string) is longer than 1024 characters: Marshal then fails (toYaml gives "").
 */
const overlongKey = new Error('overlong JSON key');

function isOverlongJSONKey(k: string): boolean {
  // A character quotes to at most 6 ("\u00XX"), so short keys cannot reach the limit.
  if (k.length <= 170) return false;
  const quoted = quoteJSON(k, true);
  return quoted.length > 1024 && [...quoted].length > 1024;
}

class Writer {
  out = '';
  column = 0;
  write(s: string): void {
    this.out += s;
    const nl = s.lastIndexOf('\n');
    this.column = nl < 0 ? this.column + [...s].length : [...s.slice(nl + 1)].length;
  }
  indent(n: number): void {
    if (this.out.length > 0 && !this.out.endsWith('\n')) this.write('\n');
    this.write(' '.repeat(n));
  }
}

function escapeDouble(c: string): string {
  const cp = c.codePointAt(0)!;
  switch (cp) {
    case 0:
      return '\\0';
    case 7:
      return '\\a';
    case 8:
      return '\\b';
    case 9:
      return '\\t';
    case 10:
      return '\\n';
    case 11:
      return '\\v';
    case 12:
      return '\\f';
    case 13:
      return '\\r';
    case 27:
      return '\\e';
    case 0x22:
      return '\\"';
    case 0x5c:
      return '\\\\';
    case 0x85:
      return '\\N';
    case 0xa0:
      return '\\_';
    case 0x2028:
      return '\\L';
    case 0x2029:
      return '\\P';
  }
  if (cp <= 0xff) return '\\x' + cp.toString(16).toUpperCase().padStart(2, '0');
  if (cp <= 0xffff) return '\\u' + cp.toString(16).toUpperCase().padStart(4, '0');
  return '\\U' + cp.toString(16).toUpperCase().padStart(8, '0');
}

class Emitter {
  private readonly w = new Writer();
  private readonly style: EmitStyle;
  constructor(style: EmitStyle) {
    this.style = style;
  }

  result(): string {
    return this.w.out.endsWith('\n') ? this.w.out : this.w.out + '\n';
  }

  private writeDouble(s: string, indent: number, fold: boolean): void {
    const w = this.w;
    w.write('"');
    const chars = [...s];
    let spaces = false;
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i]!;
      const cp = c.codePointAt(0)!;
      if (
        !isPrintable(cp) ||
        cp === 0xfeff ||
        c === '\n' ||
        c === '"' ||
        c === '\\' ||
        cp === 0x85 ||
        cp === 0x2028 ||
        cp === 0x2029
      ) {
        w.write(escapeDouble(c));
        spaces = false;
        continue;
      }
      if (c === ' ') {
        if (fold && !spaces && w.column > 80 && i !== 0 && i !== chars.length - 1) {
          w.indent(indent);
          if (chars[i + 1] === ' ') w.write('\\');
        } else w.write(c);
        spaces = true;
        continue;
      }
      w.write(c);
      spaces = false;
    }
    w.write('"');
  }

  private writeSingle(s: string, indent: number, fold: boolean): void {
    const w = this.w;
    w.write("'");
    const chars = [...s];
    let spaces = false;
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i]!;
      if (c === ' ') {
        if (fold && !spaces && w.column > 80 && i !== 0 && i !== chars.length - 1 && chars[i + 1] !== ' ')
          w.indent(indent);
        else w.write(c);
        spaces = true;
        continue;
      }
      w.write(c === "'" ? "''" : c);
      spaces = false;
    }
    w.write("'");
  }

  private writePlain(s: string, indent: number, fold: boolean): void {
    const w = this.w;
    const chars = [...s];
    let spaces = false;
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i]!;
      if (c === ' ') {
        if (fold && !spaces && w.column > 80 && chars[i + 1] !== ' ') w.indent(indent);
        else w.write(c);
        spaces = true;
        continue;
      }
      w.write(c);
      spaces = false;
    }
  }

  private writeLiteral(s: string, indent: number): void {
    const w = this.w;
    let chomp = '';
    if (!s.endsWith('\n')) chomp = '-';
    else if (s.length === 1 || s.endsWith('\n\n')) chomp = '+';
    const lead = s[0] === ' ' || s[0] === '\n' ? String(this.style.indent) : '';
    w.write('|' + lead + chomp);
    const body = chomp === '-' ? s : s.slice(0, -1);
    for (const line of body.split('\n')) {
      w.write('\n');
      if (line !== '') w.write(' '.repeat(indent) + line);
    }
    // A kept (|+) block ends in an empty line: write its line break now, the next node will not.
    if (chomp === '+') w.write('\n');
  }

  /** Writes a string scalar in the style yaml.v2/v3 would choose. `key` = simple-key context. */
  private scalarString(s: string, indent: number, key: boolean): void {
    const resolved = resolvePlain(s, this.style.v3);
    const base60 = base60Float.test(s);
    const oldBool = this.style.v3 && boolValues.has(s);
    const canPlain = (resolved.kind === 'str' || resolved.kind === 'merge') && !base60 && !oldBool;
    const a = analyze(s);
    // Simple keys are written on one line (the emitters disallow breaks in a simple-key context).
    const fold = this.style.fold && !key;
    if (s.includes('\n') && !key) {
      if (a.block) {
        this.writeLiteral(s, indent);
        return;
      }
      this.writeDouble(s, indent, fold);
      return;
    }
    if (canPlain && a.blockPlain && !(key && a.multiline)) this.writePlain(s, indent, fold);
    else if (canPlain && a.single && !(key && a.multiline)) this.writeSingle(s, indent, fold);
    else this.writeDouble(s, indent, fold);
  }

  private scalar(v: YNode, indent: number, key: boolean): void {
    if (v === null) this.w.write('null');
    else if (typeof v === 'boolean') this.w.write(v ? 'true' : 'false');
    else if (typeof v === 'string') this.scalarString(v, indent, key);
    else this.w.write((v as { num: string }).num);
  }

  private isCollection(v: YNode): v is YNode[] | Map<string, YNode> {
    return Array.isArray(v) || v instanceof Map;
  }

  private isEmptyCollection(v: YNode): boolean {
    return (Array.isArray(v) && v.length === 0) || (v instanceof Map && v.size === 0);
  }

  /** Emits v starting at the current position; `indent` is the block indentation of v's lines. */
  node(v: YNode, indent: number, inlineFirst: boolean, childBase = indent): void {
    if (v instanceof Map) {
      if (v.size === 0) {
        this.w.write('{}');
        return;
      }
      const keys = [...v.keys()].sort(naturalCompare);
      keys.forEach((k, i) => {
        if (!(i === 0 && inlineFirst)) this.w.indent(indent);
        const val = v.get(k)!;
        if (!this.style.v3 && isOverlongJSONKey(k)) throw overlongKey;
        if (isComplexKey(k)) {
          this.complexEntry(k, val, indent);
          return;
        }
        this.scalar(k, indent, true);
        this.w.write(':');
        this.mapValue(val, childBase);
      });
      return;
    }
    if (Array.isArray(v)) {
      if (v.length === 0) {
        this.w.write('[]');
        return;
      }
      v.forEach((item, i) => {
        if (!(i === 0 && inlineFirst)) this.w.indent(indent);
        this.w.write('-');
        if (this.isCollection(item) && !this.isEmptyCollection(item)) {
          this.w.write(' ');
          // yaml.v3 nests below a compact mapping relative to the dash, yaml.v2 relative to the keys.
          this.node(item, indent + 2, true, this.style.v3 && item instanceof Map ? indent : indent + 2);
        } else {
          this.w.write(' ');
          this.scalarOrEmpty(item, indent + this.style.indent);
        }
      });
      return;
    }
    // A scalar document: yaml.v2/v3 indent its continuation lines and block content by the indent step.
    this.scalar(v, indent + this.style.indent, false);
  }

  /**
   * An entry whose key cannot be a simple key (multi-line, or longer than 128 bytes): the emitters write
   * `? key` then `: value` on the next line, the key styled like a value and the value indented by one
   * step from the mapping (a collection starts on the `:` line).
   */
  private complexEntry(k: string, val: YNode, indent: number): void {
    const step = this.style.indent;
    this.w.write('? ');
    this.scalarString(k, indent + step, false);
    this.w.indent(indent);
    this.w.write(':');
    if (this.isCollection(val) && !this.isEmptyCollection(val)) {
      this.w.write(' '.repeat(step - 1));
      this.node(val, indent + step, true);
      return;
    }
    this.w.write(' ');
    this.scalarOrEmpty(val, indent + step);
  }

  private scalarOrEmpty(v: YNode, indent: number): void {
    if (this.isEmptyCollection(v)) this.w.write(Array.isArray(v) ? '[]' : '{}');
    else this.scalar(v, indent, false);
  }

  private mapValue(val: YNode, indent: number): void {
    if (val instanceof Map && val.size > 0) {
      this.node(val, indent + this.style.indent, false);
      return;
    }
    if (Array.isArray(val) && val.length > 0) {
      this.node(val, this.style.indentSequences ? indent + this.style.indent : indent, false);
      return;
    }
    this.w.write(' ');
    this.scalarOrEmpty(val, indent + this.style.indent);
  }
}

/**
 * Marshals like sigs.k8s.io/yaml (style yamlV2) or gopkg.in/yaml.v3 (style yamlV3). Ends with "\n";
 * returns "" where sigs.k8s.io/yaml fails.
 */
export function marshalYAML(v: Value, style: EmitStyle): string {
  const node = toYamlNode(v, style.v3);
  const e = new Emitter(style);
  try {
    e.node(node, 0, true);
  } catch (err) {
    if (err === overlongKey) return '';
    throw err;
  }
  return e.result();
}

// ---------- decoding (fromYaml / fromYamlArray) ----------

export class YAMLDecodeError extends Error {}

function scalarToValue(node: Scalar): Value {
  const text = String(node.source ?? node.value ?? '');
  const tag = node.tag;
  if (node.type !== 'PLAIN' || (tag !== undefined && tag !== '?')) {
    if (tag === 'tag:yaml.org,2002:int' || tag === 'tag:yaml.org,2002:float') {
      const r = resolvePlain(text);
      if (r.kind === 'int') return Number(r.value);
      if (r.kind === 'float') return r.value;
    }
    if (tag === 'tag:yaml.org,2002:bool') {
      const r = resolvePlain(text);
      if (r.kind === 'bool') return r.value;
    }
    if (tag === 'tag:yaml.org,2002:null') return null;
    return String(node.value);
  }
  const r = resolvePlain(text);
  switch (r.kind) {
    case 'null':
      return null;
    case 'bool':
      return r.value;
    case 'int':
      return Number(r.value);
    case 'float':
      if (!Number.isFinite(r.value))
        throw new YAMLDecodeError(
          `error converting YAML to JSON: json: unsupported value: ${formatFloatShortest(r.value)}`,
        );
      return r.value;
    default:
      return text;
  }
}

function keyString(v: Value): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number')
    return Number.isInteger(v) && Math.abs(v) < 1e21 ? BigInt(v).toString() : formatFloatShortest(v);
  throw new YAMLDecodeError('error converting YAML to JSON: Unsupported map key of type: []interface {}');
}

/** Decoding state: anchors seen so far, and yaml.v2's counters against alias expansion ("billion laughs"). */
interface DecodeState {
  anchors: Map<string, YamlNode>;
  /** Aliases being expanded (an anchor whose value contains an alias to itself). */
  expanding: Set<YamlNode>;
  decodeCount: number;
  aliasCount: number;
  aliasDepth: number;
}

/** yaml.v2's allowedAliasRatio: the share of decoded nodes that may come from alias expansion. */
function allowedAliasRatio(decodeCount: number): number {
  if (decodeCount <= 400_000) return 0.99;
  if (decodeCount >= 4_000_000) return 0.1;
  return 0.99 - 0.89 * ((decodeCount - 400_000) / 3_600_000);
}

function toValue(node: YamlNode | null | undefined, doc: DecodeState): Value {
  if (node === null || node === undefined) return null;
  // Go's decoder counts every node it decodes, and fails once aliases make up too much of them
  doc.decodeCount++;
  if (doc.aliasDepth > 0) doc.aliasCount++;
  if (
    doc.aliasCount > 100 &&
    doc.decodeCount > 1000 &&
    doc.aliasCount / doc.decodeCount > allowedAliasRatio(doc.decodeCount)
  ) {
    throw new YAMLDecodeError('error converting YAML to JSON: yaml: document contains excessive aliasing');
  }
  chargeSteps();
  if (node instanceof Alias) {
    const target = doc.anchors.get(node.source);
    if (target === undefined)
      throw new YAMLDecodeError(
        `error converting YAML to JSON: yaml: unknown anchor '${node.source}' referenced`,
      );
    if (doc.expanding.has(target))
      throw new YAMLDecodeError(
        `error converting YAML to JSON: yaml: anchor '${node.source}' value contains itself`,
      );
    doc.expanding.add(target);
    doc.aliasDepth++;
    try {
      return toValue(target, doc);
    } finally {
      doc.aliasDepth--;
      doc.expanding.delete(target);
    }
  }
  if (node.anchor) doc.anchors.set(node.anchor, node);
  if (isScalar(node)) return scalarToValue(node);
  if (isMap(node)) {
    const m = new Map<string, Value>();
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      if (isScalar(keyNode) && keyNode.type === 'PLAIN' && String(keyNode.source) === '<<') {
        const src = toValue(pair.value as YamlNode, doc);
        const list = Array.isArray(src) ? src : [src];
        for (const item of list) {
          if (item instanceof Map) for (const [k, x] of item) if (!m.has(k)) m.set(k, x);
        }
        continue;
      }
      const key = keyString(toValue(keyNode, doc));
      m.set(key, toValue(pair.value as YamlNode, doc));
    }
    return m;
  }
  if (isSeq(node)) return node.items.map((item) => toValue(item as YamlNode, doc));
  return null;
}

/** Parses the first YAML document into JSON-like values (all numbers float64). */
export function decodeYAML(text: string): Value {
  const docs = parseAllDocuments(text, { schema: 'failsafe', uniqueKeys: false, strict: false });
  const list = Array.isArray(docs) ? docs : [];
  const doc = list[0];
  if (doc === undefined) return null;
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const line = err.linePos?.[0]?.line ?? 1;
    throw new YAMLDecodeError(
      `error converting YAML to JSON: yaml: line ${line}: ${goYamlMessage(err.code)}`,
    );
  }
  return toValue(doc.contents as YamlNode, {
    anchors: new Map(),
    expanding: new Set(),
    // the document node counts as one, as in Go
    decodeCount: 1,
    aliasCount: 0,
    aliasDepth: 0,
  });
}

function goYamlMessage(code: string): string {
  switch (code) {
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY':
      return "could not find expected ':'";
    case 'UNEXPECTED_TOKEN':
      return 'did not find expected node content';
    case 'BAD_INDENT':
      return 'did not find expected key';
    case 'MISSING_CHAR':
      return 'did not find expected node content';
    default:
      return 'mapping values are not allowed in this context';
  }
}

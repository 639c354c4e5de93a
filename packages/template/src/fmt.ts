// Go's fmt printing rules (Sprint, Sprintln, Sprintf, %v of composites) over the value model.
import { chargeSteps, checkSize } from './budget.ts';
import { formatTime } from './time.ts';
import {
  GoInt,
  GoMap,
  type GoObject,
  GoStruct,
  GoTime,
  sliceElemType,
  typeName,
  type Value,
} from './value.ts';

/** Shortest round-trip digits and decimal exponent of a finite non-zero float: value = 0.d1d2.. * 10^point. */
function shortestDigits(f: number): { digits: string; point: number } {
  const s = Math.abs(f).toExponential();
  const e = s.indexOf('e');
  const digits = s.slice(0, e).replace('.', '');
  return { digits, point: Number(s.slice(e + 1)) + 1 };
}

function expSuffix(exp: number, letter: string): string {
  const a = Math.abs(exp);
  return letter + (exp < 0 ? '-' : '+') + (a < 10 ? '0' : '') + a;
}

function specialFloat(f: number): string | undefined {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  return undefined;
}

function sign(f: number): string {
  return f < 0 || Object.is(f, -0) ? '-' : '';
}

/** strconv.FormatFloat(f, 'g', -1, 64): what %v and print show for a float64. */
export function formatFloatShortest(f: number, expLetter = 'e'): string {
  const special = specialFloat(f);
  if (special !== undefined) return special;
  if (f === 0) return sign(f) + '0';
  const { digits, point } = shortestDigits(f);
  const exp = point - 1;
  if (exp < -4 || exp >= 6) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return sign(f) + mant + expSuffix(exp, expLetter);
  }
  return sign(f) + plainDecimal(digits, point);
}

function plainDecimal(digits: string, point: number): string {
  if (point <= 0) return '0.' + '0'.repeat(-point) + digits;
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length);
  return digits.slice(0, point) + '.' + digits.slice(point);
}

/** encoding/json's float format: plain for 1e-6 <= |f| < 1e21, else exponent without zero padding. */
export function formatFloatJSON(f: number): string {
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const abs = Math.abs(f);
  if (abs < 1e-6 || abs >= 1e21) {
    const { digits, point } = shortestDigits(f);
    const exp = point - 1;
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return sign(f) + mant + 'e' + (exp < 0 ? '-' : '+') + Math.abs(exp);
  }
  const { digits, point } = shortestDigits(f);
  return sign(f) + plainDecimal(digits, point);
}

/** Exact decimal expansion of a float rounded to `frac` fraction digits, half to even (as strconv). */
function fixedDigits(f: number, frac: number): string {
  const abs = Math.abs(f);
  if (abs < 1e21) {
    const js = abs.toFixed(Math.min(frac, 100));
    // toFixed rounds exact ties away from zero; Go rounds them to even. Ties are exactly representable,
    // so detect them by checking the next digit of the exact expansion.
    const longer = abs.toFixed(Math.min(frac + 30, 100));
    const rest = longer.slice(longer.length - 30);
    if (/^50*$/.test(rest)) {
      const truncated = longer.slice(0, longer.length - 30);
      const digitsOnly = truncated.replace('.', '');
      const lastDigit = Number(digitsOnly[digitsOnly.length - 1]);
      if (lastDigit % 2 === 0) return frac === 0 ? truncated.replace(/\.$/, '') : truncated;
    }
    return js;
  }
  return BigInt(Math.round(abs)).toString() + (frac > 0 ? '.' + '0'.repeat(frac) : '');
}

/** The exact decimal expansion of a finite positive float: value = 0.digits * 10^point. */
function exactDecimal(abs: number): { digits: string; point: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, abs);
  const bits = view.getBigUint64(0);
  let exp = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  if (exp === 0) exp = 1;
  else mant |= 1n << 52n;
  exp -= 1075; // value = mant * 2^exp
  let digits: string;
  let point: number;
  if (exp >= 0) {
    digits = (mant << BigInt(exp)).toString();
    point = digits.length;
  } else {
    digits = (mant * 5n ** BigInt(-exp)).toString();
    point = digits.length + exp;
  }
  const trimmed = digits.replace(/0+$/, '');
  return { digits: trimmed, point };
}

/**
 * `n` significant digits of a finite positive float, rounded half to even on its exact value (as strconv;
 * JavaScript's toExponential/toPrecision round exact ties up). Returns digits (length n) and exponent.
 */
function roundedDigits(abs: number, n: number): { digits: string; exp: number } {
  const { digits, point } = exactDecimal(abs);
  if (digits.length <= n) return { digits: digits.padEnd(n, '0'), exp: point - 1 };
  const head = digits.slice(0, n);
  const next = digits.charCodeAt(n) - 48;
  const tail = digits.slice(n + 1);
  const up = next > 5 || (next === 5 && (/[1-9]/.test(tail) || (Number(head[n - 1] ?? '0') & 1) === 1));
  if (!up) return { digits: head, exp: point - 1 };
  const bumped = (BigInt(head) + 1n).toString();
  if (bumped.length > n) return { digits: bumped.slice(0, n), exp: point };
  return { digits: bumped.padStart(n, '0'), exp: point - 1 };
}

function formatE(f: number, prec: number, letter: string): string {
  const abs = Math.abs(f);
  let mant: string;
  let exp = 0;
  if (abs === 0) mant = prec > 0 ? '0.' + '0'.repeat(prec) : '0';
  else {
    const r = roundedDigits(abs, prec + 1);
    mant = prec > 0 ? `${r.digits[0]}.${r.digits.slice(1)}` : r.digits;
    exp = r.exp;
  }
  return sign(f) + mant + expSuffix(exp, letter);
}

function formatG(f: number, prec: number, letter: string, sharp: boolean): string {
  if (f === 0) return sign(f) + (sharp ? '0.' + '0'.repeat(Math.max(prec - 1, 0)) : '0');
  const p = prec === 0 ? 1 : prec;
  const r = roundedDigits(Math.abs(f), p);
  const exp = r.exp;
  let digits = r.digits;
  if (!sharp) digits = digits.replace(/0+$/, '') || '0';
  let eprec = p;
  if (eprec > digits.length && digits.length >= exp + 1) eprec = digits.length;
  if (exp < -4 || exp >= eprec) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits + (sharp ? '.' : '');
    return sign(f) + mant + expSuffix(exp, letter);
  }
  const plain = plainDecimal(digits, exp + 1);
  // %#g keeps a decimal point even when no fraction digit is left ("%#.1g" of 2 is "2.").
  return sign(f) + (sharp && !plain.includes('.') ? plain + '.' : plain);
}

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

export function isPrintRune(ch: string): boolean {
  return ch === ' ' || printable.test(ch);
}

function escapeRune(cp: number, quote: string, ascii: boolean): string {
  const ch = String.fromCodePoint(cp);
  if (ch === quote || ch === '\\') return '\\' + ch;
  if (cp < 0x80 ? cp >= 0x20 && cp < 0x7f : !ascii && isPrintRune(ch)) return ch;
  switch (cp) {
    case 7:
      return '\\a';
    case 8:
      return '\\b';
    case 12:
      return '\\f';
    case 10:
      return '\\n';
    case 13:
      return '\\r';
    case 9:
      return '\\t';
    case 11:
      return '\\v';
  }
  if (cp < 0x20 || cp === 0x7f) return '\\x' + cp.toString(16).padStart(2, '0');
  if (cp > 0xffff) return '\\U' + cp.toString(16).padStart(8, '0');
  return '\\u' + cp.toString(16).padStart(4, '0');
}

/** strconv.Quote (or QuoteToASCII). Lone surrogates stand for invalid UTF-8 and become \ufffd. */
export function goQuote(s: string, ascii = false): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    out += cp >= 0xd800 && cp <= 0xdfff ? '\\ufffd' : escapeRune(cp, '"', ascii);
  }
  return out + '"';
}

export function goQuoteRune(cp: number, ascii = false): string {
  if (cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) cp = 0xfffd;
  return "'" + escapeRune(cp, "'", ascii) + "'";
}

function canBackquote(s: string): boolean {
  for (const ch of s) {
    if (ch === '`' || ch === '\ufffd') return false;
    const cp = ch.codePointAt(0)!;
    if (cp < 0x20 && ch !== '\t') return false;
    if (cp === 0x7f) return false;
  }
  return true;
}

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | undefined;
  prec: number | undefined;
  /** %+v: print struct field names (the plus flag itself is cleared). */
  plusV?: boolean;
}

const noFlags: Flags = {
  plus: false,
  minus: false,
  sharp: false,
  space: false,
  zero: false,
  width: undefined,
  prec: undefined,
};

function pad(s: string, f: Flags, zeroOk = true): string {
  if (f.width === undefined) return s;
  const len = [...s].length;
  if (len >= f.width) return s;
  const fill = f.width - len;
  if (f.minus) return s + ' '.repeat(fill);
  if (f.zero && zeroOk) {
    const signMatch = /^[+\- ]/.exec(s);
    if (signMatch) return signMatch[0] + '0'.repeat(fill) + s.slice(1);
    return '0'.repeat(fill) + s;
  }
  return ' '.repeat(fill) + s;
}

function intToString(n: bigint, base: number, upper: boolean): string {
  const s = (n < 0n ? -n : n).toString(base);
  return upper ? s.toUpperCase() : s;
}

function fmtInt(v: GoInt, verb: string, f: Flags): string {
  const n = v.value;
  let body: string;
  switch (verb) {
    case 'v':
    case 'd':
      body = intToString(n, 10, false);
      break;
    case 'b':
      body = intToString(n, 2, false);
      break;
    case 'o':
    case 'O':
      body = intToString(n, 8, false);
      if (verb === 'O') body = '0o' + body;
      else if (f.sharp && body !== '0') body = '0' + body;
      break;
    case 'x':
    case 'X':
      body = intToString(n, 16, verb === 'X');
      if (f.sharp) body = (verb === 'X' ? '0X' : '0x') + body;
      break;
    case 'c':
      return pad(String.fromCodePoint(validRune(n)), f);
    case 'q':
      return pad(goQuoteRune(Number(n), f.plus), f);
    case 'U': {
      let s = 'U+' + intToString(n, 16, true).padStart(4, '0');
      if (f.sharp && isPrintRune(String.fromCodePoint(validRune(n))))
        s += " '" + String.fromCodePoint(validRune(n)) + "'";
      return pad(s, f);
    }
    default:
      return badVerb(verb, v, f);
  }
  if (f.prec !== undefined) {
    if (f.prec === 0 && n === 0n) body = '';
    else body = body.padStart(f.prec, '0');
  }
  const sg = n < 0n ? '-' : f.plus ? '+' : f.space ? ' ' : '';
  return pad(sg + body, f, f.prec === undefined);
}

function validRune(n: bigint): number {
  return n < 0n || n > 0x10ffffn || (n >= 0xd800n && n <= 0xdfffn) ? 0xfffd : Number(n);
}

/** The IEEE 754 parts of a finite float64 as strconv sees them: value = mant * 2^(exp-52). */
function floatParts(v: number): { neg: boolean; mant: bigint; exp: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const bits = view.getBigUint64(0);
  const neg = bits >> 63n === 1n;
  let exp = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  if (exp === 0) exp++;
  else mant |= 1n << 52n;
  return { neg, mant, exp: exp - 1023 };
}

/** strconv.FormatFloat(v, 'x'|'X', prec, 64): -0x1.yyyp±dd. */
function formatHexFloat(v: number, prec: number, verb: string): string {
  let { neg, mant, exp } = floatParts(v);
  if (mant === 0n) exp = 0;
  mant <<= 8n;
  while (mant !== 0n && (mant & (1n << 60n)) === 0n) {
    mant <<= 1n;
    exp--;
  }
  if (prec >= 0 && prec < 15) {
    const shift = BigInt(prec * 4);
    const extra = (mant << shift) & ((1n << 60n) - 1n);
    mant >>= 60n - shift;
    if ((extra | (mant & 1n)) > 1n << 59n) mant++;
    mant <<= 60n - shift;
    if ((mant & (1n << 61n)) !== 0n) {
      mant >>= 1n;
      exp++;
    }
  }
  const digit = (d: bigint): string => {
    const h = d.toString(16);
    return verb === 'X' ? h.toUpperCase() : h;
  };
  let out = (neg ? '-' : '') + '0' + verb + String((mant >> 60n) & 1n);
  mant = (mant << 4n) & ((1n << 64n) - 1n);
  if (prec < 0 && mant !== 0n) {
    out += '.';
    while (mant !== 0n) {
      out += digit((mant >> 60n) & 15n);
      mant = (mant << 4n) & ((1n << 64n) - 1n);
    }
  } else if (prec > 0) {
    out += '.';
    for (let i = 0; i < prec; i++) {
      out += digit((mant >> 60n) & 15n);
      mant = (mant << 4n) & ((1n << 64n) - 1n);
    }
  }
  out += (verb === 'X' ? 'P' : 'p') + (exp < 0 ? '-' : '+');
  const e = Math.abs(exp);
  return out + (e < 100 ? String(e).padStart(2, '0') : String(e));
}

/** fmt's # flag on %x: keeps a decimal point and pads significant digits (counting Go's quirks). */
function sharpHexFloat(s: string, digits: number): string {
  const signed = s.startsWith('-') ? s : '+' + s;
  let num = signed;
  let tail = '';
  let hasPoint = false;
  let sawNonzero = false;
  for (let i = 1; i < num.length; i++) {
    const c = num[i]!;
    if (c === '.') hasPoint = true;
    else if (c === 'p' || c === 'P') {
      tail = num.slice(i);
      num = num.slice(0, i);
      break;
    } else {
      if (c !== '0') sawNonzero = true;
      if (sawNonzero) digits--;
    }
  }
  if (!hasPoint) {
    if (num.length === 2 && num[1] === '0') digits--;
    num += '.';
  }
  num += '0'.repeat(Math.max(0, digits)) + tail;
  return signed === s ? num : num.slice(1);
}

/** strconv.FormatFloat(v, 'b', -1, 64): -ddddp±ddd. */
function formatBinaryFloat(v: number): string {
  const { neg, mant, exp } = floatParts(v);
  const e = exp - 52;
  return (neg ? '-' : '') + mant.toString() + 'p' + (e >= 0 ? '+' : '') + String(e);
}

function fmtFloat(v: number, verb: string, f: Flags): string {
  let s: string;
  const special = specialFloat(v);
  if (special !== undefined) {
    s = special === 'NaN' ? (f.plus ? '+NaN' : f.space ? ' NaN' : 'NaN') : special;
    if (special === '+Inf' && !f.plus) s = f.space ? ' Inf' : 'Inf';
    return pad(s, { ...f, zero: false });
  }
  switch (verb) {
    case 'v':
    case 'g':
    case 'G':
      s =
        f.prec === undefined
          ? f.sharp
            ? formatG(v, 6, verb === 'G' ? 'E' : 'e', true)
            : formatFloatShortest(v, verb === 'G' ? 'E' : 'e')
          : formatG(v, f.prec, verb === 'G' ? 'E' : 'e', f.sharp);
      break;
    case 'e':
    case 'E':
      s = formatE(v, f.prec ?? 6, verb);
      break;
    case 'f':
    case 'F':
      s = sign(v) + fixedDigits(v, f.prec ?? 6);
      if (f.sharp && !s.includes('.')) s += '.';
      break;
    case 'x':
    case 'X':
      s = formatHexFloat(v, f.prec ?? -1, verb);
      if (f.sharp) s = sharpHexFloat(s, verb === 'x' ? (f.prec ?? 6) : 0);
      break;
    case 'b':
      s = formatBinaryFloat(v);
      break;
    default:
      return badVerb(verb, v, f);
  }
  if (!s.startsWith('-')) {
    if (f.plus) s = '+' + s;
    else if (f.space) s = ' ' + s;
  }
  return pad(s, f);
}

function fmtString(s: string, verb: string, f: Flags, original: Value): string {
  switch (verb) {
    case 'v':
    case 's':
      if (f.prec !== undefined) s = [...s].slice(0, f.prec).join('');
      return pad(s, f);
    case 'q':
      if (f.sharp && canBackquote(s)) return pad('`' + s + '`', f);
      return pad(goQuote(s, f.plus), f);
    case 'x':
    case 'X': {
      const bytes = Buffer.from(s, 'utf8');
      let out = '';
      bytes.forEach((b, i) => {
        if (i > 0 && f.space) out += ' ';
        if (f.sharp && (i === 0 || f.space)) out += verb === 'X' ? '0X' : '0x';
        const h = b.toString(16).padStart(2, '0');
        out += verb === 'X' ? h.toUpperCase() : h;
      });
      return pad(out, f);
    }
    default:
      return badVerb(verb, original, f);
  }
}

/** %!verb(type=value); the value is printed with %v and the same flags. */
function badVerb(verb: string, v: Value, f: Flags = noFlags): string {
  if (v === null || v === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${typeName(v)}=${formatValue(v, 'v', f, 0)})`;
}

function sortedKeys(m: Map<string, Value>): string[] {
  return [...m.keys()].sort(compareBytes);
}

/** Byte-wise (UTF-8) string order, as Go sorts string map keys. */
export function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates (>= 0xD800) encode code points above U+FFFF, which sort after U+E000..U+FFFF in UTF-8.
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? (y >= 0xe000 ? 1 : -1) : x >= 0xe000 ? -1 : 1;
      return x - y;
    }
  }
  return a.length - b.length;
}

/** Formats one operand for a verb; depth > 0 means inside a container (nil prints <nil>). */
export function formatValue(v: Value, verb: string, f: Flags, depth: number): string {
  // values may share parts (a map listed twice): printing costs what it visits
  chargeSteps();
  if (v === null || v === undefined) {
    if (verb === 'T' || verb === 'v' || depth > 0) return pad('<nil>', f);
    return `%!${verb}(<nil>)`;
  }
  if (verb === 'T') return pad(typeName(v), f);
  switch (typeof v) {
    case 'string':
      return fmtString(v, verb, f, v);
    case 'boolean':
      if (verb === 'v' || verb === 't') return pad(v ? 'true' : 'false', f);
      return badVerb(verb, v, f);
    case 'number':
      return fmtFloat(v, verb, f);
  }
  if (v instanceof GoInt) return fmtInt(v, verb, f);
  if (v instanceof Map) {
    if (v instanceof GoMap && v.isNil && depth === 0 && verb !== 'v' && verb !== 's') return badVerb(verb, v);
    const parts = sortedKeys(v).map(
      (k) => `${formatValue(k, verb, f, depth + 1)}:${formatValue(v.get(k), verb, f, depth + 1)}`,
    );
    return 'map[' + parts.join(' ') + ']';
  }
  if (Array.isArray(v)) {
    if (verb === 's' && sliceElemType(v) === 'uint8')
      return v.map((b) => String.fromCharCode(Number((b as GoInt).value))).join('');
    return '[' + v.map((e) => formatValue(e, verb, f, depth + 1)).join(' ') + ']';
  }
  if (v instanceof GoTime) return pad(formatTime(v, 'default'), f);
  if (v instanceof GoStruct) {
    const ptr = v.typeName.startsWith('*');
    if (ptr && depth > 0) return '0xc000010000';
    const parts = [...v.fields].map(
      ([name, fv]) => (f.plusV ? `${name}:` : '') + formatValue(fv, verb, f, depth + 1),
    );
    return (ptr ? '&' : '') + '{' + parts.join(' ') + '}';
  }
  const obj = v as GoObject;
  if (verb === 'v' || verb === 's') return pad(obj.text, f);
  return badVerb(verb, v);
}

/** fmt.Sprint: a space between operands when neither side is a string. */
export function sprint(args: Value[]): string {
  let out = '';
  let prevString = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const isString = typeof a === 'string';
    if (i > 0 && !isString && !prevString) out += ' ';
    out += formatValue(a, 'v', noFlags, 0);
    prevString = isString;
  }
  return out;
}

export function sprintln(args: Value[]): string {
  return args.map((a) => formatValue(a, 'v', noFlags, 0)).join(' ') + '\n';
}

/** fmt.Sprintf with Go's verbs, flags, width/precision (including `*`) and error annotations. */
export function sprintf(format: string, args: Value[]): string {
  // A port of fmt's doPrintf: argument indexes, goodArgNum/afterIndex, BADINDEX/BADWIDTH/BADPREC.
  let out = '';
  let argi = 0;
  let reordered = false;
  let afterIndex = false;
  let goodArgNum = true;
  let i = 0;
  const end = format.length;
  const tooLarge = (x: number): boolean => x > 1e6 || x < -1e6;
  /** Go's parsenum over format[start:stop]. */
  const parsenum = (start: number, stop: number): { num: number; isnum: boolean; newi: number } => {
    if (start >= stop) return { num: 0, isnum: false, newi: stop };
    let num = 0;
    let isnum = false;
    let k = start;
    for (; k < stop && format[k]! >= '0' && format[k]! <= '9'; k++) {
      if (tooLarge(num)) return { num: 0, isnum: false, newi: stop };
      num = num * 10 + (format.charCodeAt(k) - 48);
      isnum = true;
    }
    return { num, isnum, newi: k };
  };
  /** Go's argNumber: a bracketed [n] at format[i]; updates argi, i and goodArgNum, returns found. */
  const argNumber = (): boolean => {
    if (i >= end || format[i] !== '[') return false;
    reordered = true;
    let wid = 1;
    let ok = false;
    let index = 0;
    if (end - i >= 3) {
      for (let k = i + 1; k < end; k++) {
        if (format[k] === ']') {
          const r = parsenum(i + 1, k);
          wid = k - i + 1;
          if (r.isnum && r.newi === k) {
            ok = true;
            index = r.num - 1;
          }
          break;
        }
      }
    }
    if (ok && index >= 0 && index < args.length) {
      argi = index;
      i += wid;
      return true;
    }
    goodArgNum = false;
    i += wid;
    return ok;
  };
  /** Go's intFromArg for * width/precision. */
  const intFromArg = (): number | undefined => {
    if (argi >= args.length) return undefined;
    const a = args[argi++];
    if (!(a instanceof GoInt)) return undefined;
    const n = Number(a.value);
    return tooLarge(n) ? undefined : n;
  };
  while (i < end) {
    goodArgNum = true;
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const f: Flags = { ...noFlags };
    for (; i < end; i++) {
      const c = format[i];
      if (c === '+') f.plus = true;
      else if (c === '-') {
        f.minus = true;
        f.zero = false;
      } else if (c === '#') f.sharp = true;
      else if (c === ' ') f.space = true;
      else if (c === '0') f.zero = !f.minus;
      else break;
    }
    afterIndex = argNumber();
    if (i < end && format[i] === '*') {
      i++;
      const w = intFromArg();
      if (w === undefined) out += '%!(BADWIDTH)';
      else {
        f.width = w;
        if (w < 0) {
          f.width = -w;
          f.minus = true;
          f.zero = false;
        }
      }
      afterIndex = false;
    } else {
      const r = parsenum(i, end);
      i = r.newi;
      if (r.isnum) {
        f.width = r.num;
        if (afterIndex) goodArgNum = false;
      }
    }
    if (i + 1 < end && format[i] === '.') {
      i++;
      if (afterIndex) goodArgNum = false;
      afterIndex = argNumber();
      if (i < end && format[i] === '*') {
        i++;
        const p = intFromArg();
        if (p === undefined || p < 0) out += '%!(BADPREC)';
        else f.prec = p;
        afterIndex = false;
      } else {
        const r = parsenum(i, end);
        i = r.newi;
        f.prec = r.isnum ? r.num : 0;
      }
    }
    if (!afterIndex) afterIndex = argNumber();
    if (i >= end) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    // widths and precisions go up to 10^6 each in Go: bound what many of them produce together
    if (f.width !== undefined || f.prec !== undefined) {
      checkSize(out.length + (f.width ?? 0) + (f.prec ?? 0), 'printf');
    }
    if (verb === '%') out += '%';
    else if (!goodArgNum) out += `%!${verb}(BADINDEX)`;
    else if (argi >= args.length) out += `%!${verb}(MISSING)`;
    else out += formatArg(args[argi++], verb, f);
  }
  if (!reordered && argi < args.length) {
    out +=
      '%!(EXTRA ' +
      args
        .slice(argi)
        .map((a) =>
          a === null || a === undefined ? '<nil>' : `${typeName(a)}=${formatValue(a, 'v', noFlags, 0)}`,
        )
        .join(', ') +
      ')';
  }
  return out;
}

function formatArg(arg: Value, verb: string, f: Flags): string {
  if (verb === 'v' && f.sharp) return goSyntax(arg);
  if (verb === 'v' && f.plus) {
    f.plus = false;
    f.plusV = true;
  }
  if (
    arg instanceof GoStruct &&
    arg.stringer &&
    (verb === 'v' || verb === 's') &&
    arg.typeName.startsWith('*')
  )
    return pad(arg.stringer(arg), f);
  return formatValue(arg, verb, f, 0);
}

/** %#v, Go-syntax representation (enough for the value model's types). */
function goSyntax(v: Value): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return formatFloatShortest(v);
  if (v instanceof GoInt)
    return v.kind === 'int' || v.kind === 'int64' ? v.value.toString() : '0x' + v.value.toString(16);
  if (v instanceof Map) {
    const t = typeName(v);
    if (v instanceof GoMap && v.isNil) return `${t}(nil)`;
    return `${t}{${sortedKeys(v)
      .map((k) => `${goQuote(k)}:${goSyntax(v.get(k))}`)
      .join(', ')}}`;
  }
  if (Array.isArray(v)) return `${typeName(v)}{${v.map(goSyntax).join(', ')}}`;
  return formatValue(v, 'v', noFlags, 0);
}

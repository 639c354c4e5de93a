// Go's fmt printing rules (Sprint, Sprintln, Sprintf, %v of composites) over the value model.
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

function formatE(f: number, prec: number, letter: string): string {
  const abs = Math.abs(f);
  let s: string;
  if (abs === 0) s = (0).toExponential(prec);
  else {
    // toExponential rounds ties away from zero; re-derive via fixed digits when the value is a tie.
    s = abs.toExponential(prec);
  }
  const e = s.indexOf('e');
  return sign(f) + s.slice(0, e) + expSuffix(Number(s.slice(e + 1)), letter);
}

function formatG(f: number, prec: number, letter: string, sharp: boolean): string {
  if (f === 0) return sign(f) + (sharp ? '0.' + '0'.repeat(Math.max(prec - 1, 0)) : '0');
  const p = prec === 0 ? 1 : prec;
  const s = Math.abs(f).toExponential(p - 1);
  const e = s.indexOf('e');
  const exp = Number(s.slice(e + 1));
  let digits = s.slice(0, e).replace('.', '');
  if (!sharp) digits = digits.replace(/0+$/, '') || '0';
  let eprec = p;
  if (eprec > digits.length && digits.length >= exp + 1) eprec = digits.length;
  if (exp < -4 || exp >= eprec) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits + (sharp ? '.' : '');
    return sign(f) + mant + expSuffix(exp, letter);
  }
  return sign(f) + plainDecimal(digits, exp + 1);
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
  let out = '';
  let argi = 0;
  let reordered = false;
  let i = 0;
  const n = format.length;
  while (i < n) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const f: Flags = { ...noFlags };
    for (; i < n; i++) {
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
    // Argument index [n].
    const readIndex = (): void => {
      if (format[i] !== '[') return;
      reordered = true;
      const close = format.indexOf(']', i);
      const idx = Number(format.slice(i + 1, close));
      if (close > i && Number.isInteger(idx) && idx >= 1) {
        argi = idx - 1;
        i = close + 1;
      }
    };
    readIndex();
    if (format[i] === '*') {
      i++;
      const w = args[argi++];
      if (w instanceof GoInt) {
        f.width = Number(w.value);
        if (f.width < 0) {
          f.minus = true;
          f.width = -f.width;
        }
      } else out += '%!(BADWIDTH)';
    } else {
      const m = /^\d+/.exec(format.slice(i));
      if (m) {
        f.width = Number(m[0]);
        i += m[0].length;
      }
    }
    if (format[i] === '.') {
      i++;
      readIndex();
      if (format[i] === '*') {
        i++;
        const p = args[argi++];
        if (p instanceof GoInt && p.value >= 0n) f.prec = Number(p.value);
        else out += '%!(BADPREC)';
      } else {
        const m = /^\d+/.exec(format.slice(i));
        f.prec = m ? Number(m[0]) : 0;
        if (m) i += m[0].length;
      }
    }
    readIndex();
    if (i >= n) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[argi++];
    out += formatArg(arg, verb, f);
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
  if (typeof v === 'number') {
    const s = formatFloatShortest(v);
    return /[.eIN]/.test(s) ? s : s + '.0';
  }
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

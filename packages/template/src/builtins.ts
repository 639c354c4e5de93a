// The predefined functions of Go text/template (slice is omitted: Sprig's slice shadows it everywhere
// Sveltos renders templates).
import { FuncError } from './errors.ts';
import { formatValue, isPrintRune, sprint, sprintf, sprintln } from './fmt.ts';
import { def, type FuncDef } from './functypes.ts';
import { GoInt, GoMap, goInt, truth, typeName, type Value, zeroElem } from './value.ts';

type BasicKind = 'bool' | 'int' | 'uint' | 'float' | 'string' | 'invalid';

function basicKind(v: Value): BasicKind {
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'float';
  if (typeof v === 'string') return 'string';
  if (v instanceof GoInt) return v.kind.startsWith('u') ? 'uint' : 'int';
  return 'invalid';
}

const isValid = (v: Value): boolean => v !== null && v !== undefined;

function badComparison(a: Value, b: Value): FuncError {
  return new FuncError(`incompatible types for comparison: ${typeName(a)} and ${typeName(b)}`);
}

function mixedIntEqual(a: GoInt, b: GoInt): boolean {
  return a.value === b.value;
}

function eq(args: Value[]): boolean {
  const [a, ...rest] = args;
  if (rest.length === 0) throw new FuncError('missing argument for comparison');
  const k1 = basicKind(a);
  for (const b of rest) {
    const k2 = basicKind(b);
    let result = false;
    if (k1 !== k2) {
      if ((k1 === 'int' && k2 === 'uint') || (k1 === 'uint' && k2 === 'int'))
        result = mixedIntEqual(a as GoInt, b as GoInt);
      else if (isValid(a) && isValid(b)) throw badComparison(a, b);
    } else if (k1 === 'invalid') {
      const an = a === null || a === undefined || (a instanceof GoMap && a.isNil);
      const bn = b === null || b === undefined || (b instanceof GoMap && b.isNil);
      if (!an && !bn) {
        if (a instanceof Map || Array.isArray(a))
          throw new FuncError(`non-comparable type ${formatValue(a, 's', noFlags, 0)}: ${typeName(a)}`);
        if (b instanceof Map || Array.isArray(b))
          throw new FuncError(`non-comparable type ${formatValue(b, 's', noFlags, 0)}: ${typeName(b)}`);
        result = a === b;
      } else result = an === bn;
    } else if (k1 === 'int' || k1 === 'uint') result = (a as GoInt).value === (b as GoInt).value;
    else result = a === b;
    if (result) return true;
  }
  return false;
}

function lt(a: Value, b: Value): boolean {
  const k1 = basicKind(a);
  if (k1 === 'invalid') throw new FuncError('invalid type for comparison');
  const k2 = basicKind(b);
  if (k2 === 'invalid') throw new FuncError('invalid type for comparison');
  if (k1 !== k2) {
    if ((k1 === 'int' || k1 === 'uint') && (k2 === 'int' || k2 === 'uint'))
      return (a as GoInt).value < (b as GoInt).value;
    throw badComparison(a, b);
  }
  switch (k1) {
    case 'bool':
      throw new FuncError('invalid type for comparison');
    case 'int':
    case 'uint':
      return (a as GoInt).value < (b as GoInt).value;
    case 'string':
      return Buffer.compare(Buffer.from(a as string), Buffer.from(b as string)) < 0;
    default:
      return (a as number) < (b as number);
  }
}

const noFlags = {
  plus: false,
  minus: false,
  sharp: false,
  space: false,
  zero: false,
  width: undefined,
  prec: undefined,
};

/** The type name after Go's indirect(): len and index report the pointed-to type. */
function indirectTypeName(v: Value): string {
  const name = typeName(v);
  return name.startsWith('*') ? name.slice(1) : name;
}

function length(v: Value): Value {
  if (v === null || v === undefined) throw new FuncError('len of nil pointer');
  if (typeof v === 'string') return goInt('int', Buffer.byteLength(v, 'utf8'));
  if (v instanceof Map) return goInt('int', v.size);
  if (Array.isArray(v)) return goInt('int', v.length);
  throw new FuncError(`len of type ${indirectTypeName(v)}`);
}

function indexArg(index: Value, cap: number): number {
  if (index instanceof GoInt) {
    const x = index.value;
    if (x < 0n || x > BigInt(cap)) throw new FuncError(`index out of range: ${x}`);
    return Number(x);
  }
  if (index === null || index === undefined) throw new FuncError('cannot index slice/array with nil');
  throw new FuncError(`cannot index slice/array with type ${typeName(index)}`);
}

function index(args: Value[]): Value {
  let item = args[0];
  if (item === null || item === undefined) throw new FuncError('index of untyped nil');
  for (const key of args.slice(1)) {
    if (item === null || item === undefined) throw new FuncError('index of nil pointer');
    if (typeof item === 'string') {
      const bytes = Buffer.from(item, 'utf8');
      const x = indexArg(key, bytes.length);
      if (x === bytes.length) throw new FuncError('reflect: string index out of range');
      item = goInt('uint8', bytes[x]!);
    } else if (Array.isArray(item)) {
      const x = indexArg(key, item.length);
      if (x === item.length) throw new FuncError('reflect: slice index out of range');
      item = item[x] ?? null;
    } else if (item instanceof Map) {
      if (key === null || key === undefined) throw new FuncError('value is nil; should be of type string');
      if (typeof key !== 'string') throw new FuncError(`value has type ${typeName(key)}; should be string`);
      item = item.has(key) ? (item.get(key) ?? null) : zeroElem(item);
    } else {
      throw new FuncError(`can't index item of type ${indirectTypeName(item)}`);
    }
  }
  return item;
}

/** Go's evalArgs for html/js/urlquery: one string is used as is, else Sprint with <no value> for nil. */
function joinArgs(args: Value[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === null || a === undefined ? '<no value>' : a)));
}

export function htmlEscape(s: string): string {
  return s.replace(/[<>&'"\0]/g, (c) => {
    switch (c) {
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '&':
        return '&amp;';
      case "'":
        return '&#39;';
      case '"':
        return '&#34;';
      default:
        return '\uFFFD';
    }
  });
}

function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '\\':
        out += '\\\\';
        continue;
      case "'":
        out += "\\'";
        continue;
      case '"':
        out += '\\"';
        continue;
      case '<':
        out += '\\u003C';
        continue;
      case '>':
        out += '\\u003E';
        continue;
      case '&':
        out += '\\u0026';
        continue;
      case '=':
        out += '\\u003D';
        continue;
    }
    if (cp < 0x20) out += '\\u' + cp.toString(16).toUpperCase().padStart(4, '0');
    else if (cp < 0x80 || isPrintRune(ch)) out += ch;
    else out += '\\u' + cp.toString(16).toUpperCase().padStart(4, '0');
  }
  return out;
}

export function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

export const builtinFuncs: ReadonlyMap<string, FuncDef> = new Map<string, FuncDef>([
  ['and', def(['reflect'], () => null, { variadic: 'reflect' })],
  ['or', def(['reflect'], () => null, { variadic: 'reflect' })],
  ['not', def(['reflect'], ([a]) => !truth(a ?? null))],
  ['len', def(['reflect'], ([a]) => length(a ?? null))],
  ['index', def(['reflect'], index, { variadic: 'reflect', returnsAny: true })],
  ['print', def([], (args) => sprint(args), { variadic: 'any' })],
  ['printf', def(['string'], ([f, ...rest]) => sprintf(f as string, rest), { variadic: 'any' })],
  ['println', def([], (args) => sprintln(args), { variadic: 'any' })],
  ['html', def([], (args) => htmlEscape(joinArgs(args)), { variadic: 'any' })],
  ['js', def([], (args) => jsEscape(joinArgs(args)), { variadic: 'any' })],
  ['urlquery', def([], (args) => queryEscape(joinArgs(args)), { variadic: 'any' })],
  ['eq', def(['reflect'], eq, { variadic: 'reflect' })],
  ['ne', def(['reflect', 'reflect'], ([a, b]) => !eq([a ?? null, b ?? null]))],
  ['lt', def(['reflect', 'reflect'], ([a, b]) => lt(a ?? null, b ?? null))],
  ['le', def(['reflect', 'reflect'], ([a, b]) => lt(a ?? null, b ?? null) || eq([a ?? null, b ?? null]))],
  ['gt', def(['reflect', 'reflect'], ([a, b]) => !(lt(a ?? null, b ?? null) || eq([a ?? null, b ?? null])))],
  ['ge', def(['reflect', 'reflect'], ([a, b]) => !lt(a ?? null, b ?? null))],
  [
    'call',
    def(
      ['reflect'],
      ([fn]) => {
        if (fn === null || fn === undefined) throw new FuncError('call of nil');
        throw new FuncError(`non-function of type ${typeName(fn)}`);
      },
      { variadic: 'reflect' },
    ),
  ],
]);

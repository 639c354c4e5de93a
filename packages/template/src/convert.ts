// Value conversions Sprig relies on: spf13/cast numeric coercion, strval, emptiness, deep equality.
import { chargeSteps } from './budget.ts';
import { formatValue } from './fmt.ts';
import { formatTime } from './time.ts';
import {
  GoInt,
  GoMap,
  GoObject,
  GoStruct,
  GoTime,
  goInt,
  sliceElemType,
  typedSlice,
  type Value,
} from './value.ts';

const plain = {
  plus: false,
  minus: false,
  sharp: false,
  space: false,
  zero: false,
  width: undefined,
  prec: undefined,
};

/** fmt.Sprintf("%v", v). */
export function sprintV(v: Value): string {
  return formatValue(v, 'v', plain, 0);
}

/** Sprig's strval: strings as is, Stringers via String(), else %v. */
export function strval(v: Value): string {
  if (typeof v === 'string') return v;
  if (v instanceof GoTime) return formatTime(v, 'default');
  if (v instanceof GoObject) return v.text;
  return sprintV(v);
}

/** cast's trimZeroDecimal: "12.0" -> "12", "12.7" unchanged. */
function trimZeroDecimal(s: string): string {
  let foundZero = false;
  for (let i = s.length; i > 0; i--) {
    const c = s[i - 1];
    if (c === '.') {
      if (foundZero) return s.slice(0, i - 1);
    } else if (c === '0') foundZero = true;
    else return s;
  }
  return s;
}

const intLiteral =
  /^[+-]?(0[xX](_?[0-9a-fA-F])+|0[bB](_?[01])+|0[oO](_?[0-7])+|0(_?[0-7])*|[1-9](_?[0-9])*)$/;

/** strconv.ParseInt(s, 0, 64) without error detail: undefined when invalid or out of range. */
export function parseIntBase0(s: string): bigint | undefined {
  if (!intLiteral.test(s)) return undefined;
  let t = s.replaceAll('_', '');
  let neg = false;
  if (t[0] === '+' || t[0] === '-') {
    neg = t[0] === '-';
    t = t.slice(1);
  }
  let v: bigint;
  if (/^0[xXbBoO]/.test(t)) v = BigInt('0' + t[1]!.toLowerCase() + t.slice(2));
  else if (t.length > 1 && t[0] === '0') v = BigInt('0o' + t.slice(1));
  else v = BigInt(t);
  if (neg) v = -v;
  if (v < -(2n ** 63n) || v > 2n ** 63n - 1n) return undefined;
  return v;
}

/** strconv.ParseFloat(s, 64); undefined when invalid. */
export function parseFloatGo(s: string): number | undefined {
  const t = s.replaceAll('_', '');
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t[0] === '-' ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return Number.NaN;
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return Number(t);
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/.exec(t);
  if (hex && (hex[2] || hex[3])) {
    const v = Number(BigInt('0x' + (hex[2]! + hex[3]! || '0'))) * 2 ** (Number(hex[4]) - 4 * hex[3]!.length);
    return hex[1] === '-' ? -v : v;
  }
  return undefined;
}

const wrap64 = (v: bigint): bigint => BigInt.asIntN(64, v);

/** cast.ToInt64 (errors become 0). */
export function toInt64(v: Value): bigint {
  if (v instanceof GoInt) return wrap64(v.value);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return -(2n ** 63n);
    return wrap64(BigInt(Math.trunc(v)));
  }
  if (typeof v === 'string') return parseIntBase0(trimZeroDecimal(v)) ?? 0n;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  return 0n;
}

/** cast.ToFloat64 (errors become 0). */
export function toFloat64(v: Value): number {
  if (typeof v === 'number') return v;
  if (v instanceof GoInt) return Number(v.value);
  if (typeof v === 'string') return parseFloatGo(v) ?? 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return 0;
}

export const toInt = (v: Value): GoInt => goInt('int', toInt64(v));

/** Sprig's empty(): nil, false, 0, "" and empty collections are empty; structs never are. */
export function isEmpty(v: Value): boolean {
  if (v === null || v === undefined) return true;
  switch (typeof v) {
    case 'string':
      return v.length === 0;
    case 'boolean':
      return !v;
    case 'number':
      return v === 0;
  }
  if (v instanceof GoInt) return v.value === 0n;
  if (v instanceof Map) return v.size === 0;
  if (Array.isArray(v)) return v.length === 0;
  return false;
}

/** reflect.DeepEqual over the value model (type-sensitive: int 1 != float64 1). */
export function deepEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return (a ?? null) === null && (b ?? null) === null && a === b;
  if (a instanceof GoInt || b instanceof GoInt) {
    return a instanceof GoInt && b instanceof GoInt && a.kind === b.kind && a.value === b.value;
  }
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (a instanceof Map && b instanceof Map) {
    if (typeName2(a) !== typeName2(b)) return false;
    const an = a instanceof GoMap && a.isNil;
    const bn = b instanceof GoMap && b.isNil;
    if (an !== bn) return false;
    if (a.size !== b.size) return false;
    for (const [k, v] of a) {
      if (!b.has(k) || !deepEqual(v, b.get(k))) return false;
    }
    return true;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (sliceElemType(a) !== sliceElemType(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (a instanceof GoStruct && b instanceof GoStruct) {
    if (a.typeName !== b.typeName) return false;
    for (const [k, v] of a.fields) if (!deepEqual(v, b.fields.get(k))) return false;
    return true;
  }
  if (a instanceof GoTime && b instanceof GoTime)
    return a.ms === b.ms && a.nanos === b.nanos && a.offset === b.offset;
  return false;
}

function typeName2(m: Map<string, Value>): string {
  return m instanceof GoMap ? m.elemType : 'interface {}';
}

/** Deep copy keeping Go types (copystructure.Copy). */
export function deepCopy(v: Value): Value {
  // a value may share parts (a list holding the same map twice): the copy costs what it visits
  chargeSteps();
  if (v instanceof Map) {
    if (v instanceof GoMap) {
      const m = new GoMap();
      m.elemType = v.elemType;
      m.isNil = v.isNil;
      for (const [k, x] of v) m.set(k, deepCopy(x));
      return m;
    }
    const m = new Map<string, Value>();
    for (const [k, x] of v) m.set(k, deepCopy(x));
    return m;
  }
  if (Array.isArray(v)) {
    const t = sliceElemType(v);
    const out = v.map(deepCopy);
    return t === 'interface {}' ? out : typedSlice(out, t);
  }
  if (v instanceof GoStruct) {
    const fields = new Map<string, Value>();
    for (const [k, x] of v.fields) fields.set(k, deepCopy(x));
    return new GoStruct(v.typeName, fields, v.stringer);
  }
  return v;
}

// The value model: JavaScript values that keep the Go dynamic types templates can observe.
//
//   Go nil interface        -> null
//   invalid reflect.Value   -> undefined (dot of {{template "x"}}, Execute(nil), missingkey=default)
//   string / bool / float64 -> string / boolean / number
//   int, int64, uint8, ...  -> GoInt (value as bigint, plus its Go kind)
//   map[string]T            -> Map<string, Value> (a GoMap when T is not interface{} or the map is nil)
//   []T                     -> Array (tagged with its element type when T is not interface{})
//   structs, time.Time, ... -> GoStruct / GoTime / GoObject

export type IntKind =
  | 'int'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64';

export class GoInt {
  readonly kind: IntKind;
  readonly value: bigint;
  constructor(kind: IntKind, value: bigint) {
    this.kind = kind;
    this.value = value;
  }
}

const smallInts = new Map<IntKind, GoInt[]>();

/** Returns a GoInt, sharing instances for small values (they are immutable). */
export function goInt(kind: IntKind, value: bigint | number): GoInt {
  const big = typeof value === 'bigint' ? value : BigInt(value);
  if (big >= 0n && big < 256n) {
    let cache = smallInts.get(kind);
    if (cache === undefined) {
      cache = [];
      smallInts.set(kind, cache);
    }
    const i = Number(big);
    let v = cache[i];
    if (v === undefined) {
      v = new GoInt(kind, big);
      cache[i] = v;
    }
    return v;
  }
  return new GoInt(kind, big);
}

export const int = (v: bigint | number): GoInt => goInt('int', v);
export const int64 = (v: bigint | number): GoInt => goInt('int64', v);

/** A Go map with a non-interface element type (map[string]string) or a nil map. */
export class GoMap extends Map<string, Value> {
  elemType = 'interface {}';
  isNil = false;
}

export function nilMap(): GoMap {
  const m = new GoMap();
  m.isNil = true;
  return m;
}

/** The zero value of a map's element type (what Go returns for a missing key). */
export function zeroElem(m: Map<string, Value>): Value {
  if (!(m instanceof GoMap)) return null;
  if (m.elemType === 'string') return '';
  const inner = /^map\[string\](.*)$/.exec(m.elemType);
  if (inner) {
    const zero = nilMap();
    zero.elemType = inner[1]!;
    return zero;
  }
  return null;
}

export function stringMap(entries: Iterable<[string, string]>): GoMap {
  const m = new GoMap(entries);
  m.elemType = 'string';
  return m;
}

const SLICE_ELEM = Symbol('goSliceElem');
type TaggedArray = Value[] & { [SLICE_ELEM]?: string };

/** Tags an array with a Go element type ([]string, []int, []map[string]interface {}). */
export function typedSlice<T extends Value[]>(list: T, elemType: string): T {
  (list as TaggedArray)[SLICE_ELEM] = elemType;
  return list;
}

export function sliceElemType(list: Value[]): string {
  return (list as TaggedArray)[SLICE_ELEM] ?? 'interface {}';
}

/** A Go struct value (or pointer to struct when typeName starts with '*'). */
export class GoStruct {
  readonly typeName: string;
  readonly fields: Map<string, Value>;
  /** Go's String() method output, when the type (or its pointer) is a fmt.Stringer. */
  readonly stringer: ((s: GoStruct) => string) | undefined;
  constructor(typeName: string, fields: Map<string, Value>, stringer?: (s: GoStruct) => string) {
    this.typeName = typeName;
    this.fields = fields;
    this.stringer = stringer;
  }
}

/** time.Time: epoch milliseconds plus extra nanoseconds and the zone it is shown in. */
export class GoTime {
  readonly ms: number;
  readonly nanos: number;
  /** Offset east of UTC in seconds and the zone abbreviation. */
  readonly offset: number;
  readonly zone: string;
  /** Monotonic clock reading printed as m=+x.y by now; undefined for parsed times. */
  readonly monotonic: number | undefined;
  constructor(ms: number, nanos: number, offset: number, zone: string, monotonic?: number) {
    this.ms = ms;
    this.nanos = nanos;
    this.offset = offset;
    this.zone = zone;
    this.monotonic = monotonic;
  }
}

/** Any other Go value with methods (semver.Version, certificates); `methods` are callable from templates. */
export class GoObject {
  readonly typeName: string;
  readonly kind: string;
  readonly methods: Record<string, (...args: Value[]) => Value>;
  readonly fields: Map<string, Value>;
  readonly text: string;
  constructor(
    typeName: string,
    kind: string,
    text: string,
    fields: Map<string, Value>,
    methods: Record<string, (...args: Value[]) => Value>,
  ) {
    this.typeName = typeName;
    this.kind = kind;
    this.text = text;
    this.fields = fields;
    this.methods = methods;
  }
}

export type Value =
  | null
  | undefined
  | string
  | boolean
  | number
  | GoInt
  | Map<string, Value>
  | Value[]
  | GoStruct
  | GoTime
  | GoObject;

export function isInt(v: Value): v is GoInt {
  return v instanceof GoInt;
}

export function isMap(v: Value): v is Map<string, Value> {
  return v instanceof Map;
}

export function isNilValue(v: Value): boolean {
  return v === null || v === undefined || (v instanceof GoMap && v.isNil);
}

/** Go's %T / reflect type name. */
export function typeName(v: Value): string {
  if (v === null || v === undefined) return '<nil>';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return 'float64';
  }
  if (v instanceof GoInt) return v.kind;
  if (v instanceof Map) return `map[string]${v instanceof GoMap ? v.elemType : 'interface {}'}`;
  if (Array.isArray(v)) return `[]${sliceElemType(v)}`;
  if (v instanceof GoStruct) return v.typeName;
  if (v instanceof GoTime) return 'time.Time';
  return (v as GoObject).typeName;
}

/** Go's reflect.Kind name. */
export function kindName(v: Value): string {
  if (v === null || v === undefined) return 'invalid';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return 'float64';
  }
  if (v instanceof GoInt) return v.kind;
  if (v instanceof Map) return 'map';
  if (Array.isArray(v)) return 'slice';
  if (v instanceof GoStruct) return v.typeName.startsWith('*') ? 'ptr' : 'struct';
  if (v instanceof GoTime) return 'struct';
  return (v as GoObject).kind;
}

/** Go template truthiness. */
export function truth(v: Value): boolean {
  if (v === null || v === undefined) return false;
  switch (typeof v) {
    case 'string':
      return v.length > 0;
    case 'boolean':
      return v;
    case 'number':
      return v !== 0;
  }
  if (v instanceof GoInt) return v.value !== 0n;
  if (v instanceof Map) return v.size > 0;
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

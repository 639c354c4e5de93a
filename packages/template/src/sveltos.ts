// The function sets Sveltos renders templates with: Sprig, the Sveltos serialisation extras, and the
// resource helpers in their addon-controller (identifier) and event-manager (object) flavours.
import { deepCopy } from './convert.ts';
import { FuncError } from './errors.ts';
import { type CallContext, def, type FuncDef, type FuncMap } from './functypes.ts';
import { encodeJSON, JSONError } from './json.ts';
import { sprigFuncs } from './sprig.ts';
import { decodeTOML, encodeTOML, TOMLError } from './toml.ts';
import { GoInt, GoMap, GoStruct, nilMap, typeName, type Value } from './value.ts';
import { decodeYAML, marshalYAML, YAMLDecodeError, yamlV2, yamlV3 } from './yaml.ts';

/** plain: Sprig + extras; addon: + identifier-based resource helpers; event: + object-based ones. */
export type SveltosContext = 'plain' | 'addon' | 'event';

export interface SveltosFuncOptions {
  context: SveltosContext;
  /** Enables env/expandenv (off by default: they would expose the controller's environment). */
  env?: boolean;
}

const str = (v: Value | undefined): string => v as string;
const trimNewline = (s: string): string => (s.endsWith('\n') ? s.slice(0, -1) : s);

function toYaml(v: Value): string {
  try {
    return trimNewline(marshalYAML(v, yamlV2));
  } catch (e) {
    if (e instanceof JSONError) return '';
    throw e;
  }
}

const mapUnmarshalError = (kind: string): string =>
  `json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`;
const listUnmarshalError = (kind: string): string =>
  `json: cannot unmarshal ${kind} into Go value of type []interface {}`;

function jsonKind(v: Value): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

function fromYaml(s: string): Value {
  try {
    const v = decodeYAML(s);
    if (v === null) return new Map<string, Value>();
    if (!(v instanceof Map))
      return errorMap(`error unmarshaling JSON: while decoding JSON: ${mapUnmarshalError(jsonKind(v))}`);
    return v;
  } catch (e) {
    if (e instanceof YAMLDecodeError) return errorMap(e.message);
    throw e;
  }
}

function fromYamlArray(s: string): Value {
  try {
    const v = decodeYAML(s);
    if (v === null) return [];
    if (!Array.isArray(v))
      return [`error unmarshaling JSON: while decoding JSON: ${listUnmarshalError(jsonKind(v))}`];
    return v;
  } catch (e) {
    if (e instanceof YAMLDecodeError) return [e.message];
    throw e;
  }
}

function errorMap(message: string): Map<string, Value> {
  return new Map<string, Value>([['Error', message]]);
}

/** encoding/json decoding into interface{} values (numbers float64), with Go's syntax error texts. */
function decodeJSONText(s: string): { value: Value } | { error: string } {
  const err = jsonSyntaxError(s);
  if (err !== undefined) return { error: err };
  return { value: jsToValue(JSON.parse(s)) };
}

function quoteChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return "'\"'";
  const cp = c.codePointAt(0)!;
  if (cp < 0x20) return `'${JSON.stringify(c).slice(1, -1)}'`;
  return `'${c}'`;
}

/** Scans JSON like encoding/json and returns its first syntax error message, if any. */
function jsonSyntaxError(s: string): string | undefined {
  let i = 0;
  const ws = (): void => {
    while (i < s.length && ' \t\n\r'.includes(s[i]!)) i++;
  };
  const bad = (context: string): string => {
    // At the end, encoding/json steps its scanner with a space: inside a number, literal or escape that
    // is the invalid character; elsewhere a space is allowed and the input just ended.
    if (i >= s.length)
      return /numeric literal|in literal|escape/.test(context)
        ? `invalid character ' ' ${context}`
        : 'unexpected end of JSON input';
    return `invalid character ${quoteChar(String.fromCodePoint(s.codePointAt(i)!))} ${context}`;
  };
  const value = (): string | undefined => {
    ws();
    const c = s[i];
    if (c === '{') {
      i++;
      ws();
      if (s[i] === '}') {
        i++;
        return undefined;
      }
      for (;;) {
        ws();
        if (s[i] !== '"') return bad('looking for beginning of object key string');
        const e = scanString();
        if (e) return e;
        ws();
        if (s[i] !== ':') return bad('after object key');
        i++;
        const v = value();
        if (v) return v;
        ws();
        if (s[i] === ',') {
          i++;
          continue;
        }
        if (s[i] === '}') {
          i++;
          return undefined;
        }
        return bad('after object key:value pair');
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (s[i] === ']') {
        i++;
        return undefined;
      }
      for (;;) {
        const v = value();
        if (v) return v;
        ws();
        if (s[i] === ',') {
          i++;
          continue;
        }
        if (s[i] === ']') {
          i++;
          return undefined;
        }
        return bad('after array element');
      }
    }
    if (c === '"') return scanString();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      // encoding/json's number states, each with its own error text.
      const digit = (): boolean => i < s.length && s[i]! >= '0' && s[i]! <= '9';
      if (s[i] === '-') {
        i++;
        if (!digit()) return bad('in numeric literal');
      }
      if (s[i] === '0') i++;
      else while (digit()) i++;
      if (s[i] === '.') {
        i++;
        if (!digit()) return bad('after decimal point in numeric literal');
        while (digit()) i++;
      }
      if (s[i] === 'e' || s[i] === 'E') {
        i++;
        if (s[i] === '+' || s[i] === '-') i++;
        if (!digit()) return bad('in exponent of numeric literal');
        while (digit()) i++;
      }
      return undefined;
    }
    for (const lit of ['true', 'false', 'null']) {
      if (c === lit[0]) {
        for (let k = 0; k < lit.length; k++, i++) {
          if (s[i] !== lit[k]) return bad(`in literal ${lit} (expecting ${quoteChar(lit[k]!)})`);
        }
        return undefined;
      }
    }
    return bad('looking for beginning of value');
  };
  const scanString = (): string | undefined => {
    i++;
    while (i < s.length) {
      const c = s[i]!;
      if (c === '"') {
        i++;
        return undefined;
      }
      if (c.charCodeAt(0) < 0x20) return bad('in string literal');
      if (c === '\\') {
        i++;
        if (s[i] === 'u') {
          for (let k = 1; k <= 4; k++) {
            if (!/[0-9a-fA-F]/.test(s[i + k] ?? '')) {
              i += k;
              return bad('in \\u hexadecimal character escape');
            }
          }
          i += 5;
          continue;
        }
        if (!'"\\/bfnrt'.includes(s[i] ?? 'x')) return bad('in string escape code');
      }
      i++;
    }
    return 'unexpected end of JSON input';
  };
  const e = value();
  if (e) return e;
  ws();
  if (i < s.length) return bad('after top-level value');
  return undefined;
}

function jsToValue(v: unknown): Value {
  if (v === null) return null;
  if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return v;
  if (Array.isArray(v)) return v.map(jsToValue);
  const m = new Map<string, Value>();
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) m.set(k, jsToValue(x));
  return m;
}

export function extraFuncs(): Map<string, FuncDef> {
  return new Map<string, FuncDef>([
    ['toYaml', def(['any'], ([v]) => toYaml(v ?? null))],
    ['fromYaml', def(['string'], ([s]) => fromYaml(str(s)))],
    ['fromYamlArray', def(['string'], ([s]) => fromYamlArray(str(s)))],
    [
      'toJson',
      def(['any'], ([v]) => {
        try {
          return encodeJSON(v ?? null, { escapeHTML: true });
        } catch (e) {
          if (e instanceof JSONError) return '';
          throw e;
        }
      }),
    ],
    [
      'fromJson',
      def(['string'], ([s]) => {
        const r = decodeJSONText(str(s));
        if ('error' in r) return errorMap(r.error);
        if (r.value === null) return new Map<string, Value>();
        if (!(r.value instanceof Map)) return errorMap(mapUnmarshalError(jsonKind(r.value)));
        return r.value;
      }),
    ],
    [
      'fromJsonArray',
      def(['string'], ([s]) => {
        const r = decodeJSONText(str(s));
        if ('error' in r) return [r.error];
        if (r.value === null) return [];
        if (!Array.isArray(r.value)) return [listUnmarshalError(jsonKind(r.value))];
        return r.value;
      }),
    ],
    [
      'mustFromJson',
      def(
        ['string'],
        ([s]) => {
          const r = decodeJSONText(str(s));
          if ('error' in r) throw new FuncError(r.error);
          return r.value;
        },
        { returnsAny: true },
      ),
    ],
    [
      'toToml',
      def(['any'], ([v]) => {
        try {
          return encodeTOML(v ?? null);
        } catch (e) {
          if (e instanceof TOMLError) return e.message;
          throw e;
        }
      }),
    ],
    [
      'fromToml',
      def(['string'], ([s]) => {
        try {
          return decodeTOML(str(s));
        } catch (e) {
          if (e instanceof TOMLError) return errorMap(e.message);
          throw e;
        }
      }),
    ],
  ]);
}

// ---------- resource helpers ----------

type ObjectMap = Map<string, Value>;

/** runtime.DeepCopyJSONValue: only JSON-compatible Go types can be stored in an object. */
function deepCopyJSONValue(v: Value): Value {
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return v;
  if (v instanceof GoInt && v.kind === 'int64') return v;
  if (v instanceof Map && typeName(v) === 'map[string]interface {}') {
    if (v instanceof GoMap && v.isNil) return v;
    const m = new Map<string, Value>();
    for (const [k, x] of v) m.set(k, deepCopyJSONValue(x));
    return m;
  }
  if (Array.isArray(v) && typeName(v) === '[]interface {}') return v.map(deepCopyJSONValue);
  throw new FuncError(`cannot deep copy ${typeName(v ?? null)}`);
}

const jsonPath = (fields: string[]): string => '.' + fields.join('.');

function nestedGet(obj: ObjectMap, fields: string[]): { found: boolean; value: Value } | { error: string } {
  let cur: Value = obj;
  for (let i = 0; i < fields.length; i++) {
    if (cur === null || cur === undefined) return { found: false, value: null };
    if (!(cur instanceof Map)) {
      return {
        error: `${jsonPath(fields.slice(0, i + 1))} accessor error: ${sprintPlain(cur)} is of the type ${typeName(cur)}, expected map[string]interface{}`,
      };
    }
    if (!cur.has(fields[i]!)) return { found: false, value: null };
    cur = cur.get(fields[i]!) ?? null;
  }
  return { found: true, value: cur };
}

function sprintPlain(v: Value): string {
  return typeof v === 'string' ? v : String(v instanceof GoInt ? v.value : v);
}

function nestedSet(obj: ObjectMap, value: Value, fields: string[]): boolean {
  const copied = deepCopyJSONValue(value);
  let m = obj;
  for (let i = 0; i < fields.length - 1; i++) {
    const f = fields[i]!;
    const next = m.get(f);
    if (next instanceof Map) m = next;
    else if (next !== undefined && next !== null) return false;
    else {
      const created = new Map<string, Value>();
      if (m instanceof GoMap && m.isNil) throw new FuncError('assignment to entry in nil map');
      m.set(f, created);
      m = created;
    }
  }
  if (m instanceof GoMap && m.isNil) throw new FuncError('assignment to entry in nil map');
  m.set(fields[fields.length - 1]!, copied);
  return true;
}

function nestedRemove(obj: ObjectMap, fields: string[]): void {
  let m: Value = obj;
  for (let i = 0; i < fields.length - 1; i++) {
    if (!(m instanceof Map)) return;
    m = m.get(fields[i]!);
  }
  if (m instanceof Map) m.delete(fields[fields.length - 1]!);
}

function resetMeta(obj: ObjectMap | undefined): void {
  if (obj === undefined) return;
  nestedRemove(obj, ['metadata', 'managedFields']);
  nestedRemove(obj, ['metadata', 'resourceVersion']);
  nestedRemove(obj, ['metadata', 'uid']);
}

const fieldPath = (path: string): string[] => path.split('.');

function getFieldCopy(obj: ObjectMap, path: string): Value {
  const r = nestedGet(obj, fieldPath(path));
  if ('error' in r || !r.found) return '';
  return deepCopy(r.value);
}

function chainFuncs(): [string, FuncDef][] {
  return [
    [
      'chainRemoveField',
      def(['map', 'string'], ([obj, path]) => {
        nestedRemove(obj as ObjectMap, fieldPath(str(path)));
        return obj!;
      }),
    ],
    [
      'chainSetField',
      def(['map', 'string', 'any'], ([obj, path, value]) =>
        nestedSet(obj as ObjectMap, value ?? null, fieldPath(str(path))) ? obj! : nilMap(),
      ),
    ],
  ];
}

/** The MgmtResources of the addon data passed to Execute. */
function mgmtResources(ctx: CallContext): Map<string, Value> | undefined {
  const root = ctx.root;
  if (!(root instanceof GoStruct)) return undefined;
  const m = root.fields.get('MgmtResources');
  return m instanceof Map ? m : undefined;
}

function resource(ctx: CallContext, id: Value): ObjectMap | undefined {
  const v = mgmtResources(ctx)?.get(id as string);
  return v instanceof Map ? v : undefined;
}

const marshalV2 = (obj: ObjectMap): string => trimNewline(marshalYAML(obj, yamlV2));
const marshalV3 = (obj: ObjectMap): string => trimNewline(marshalYAML(obj, yamlV3));

export function addonResourceFuncs(): Map<string, FuncDef> {
  return new Map<string, FuncDef>([
    ...chainFuncs(),
    [
      'getResource',
      def(['string'], ([id], ctx) => {
        const obj = resource(ctx, id ?? null);
        resetMeta(obj);
        return obj ?? nilMap();
      }),
    ],
    [
      'copy',
      def(['string'], ([id], ctx) => {
        const obj = resource(ctx, id ?? null);
        if (obj === undefined) return '';
        resetMeta(obj);
        return marshalV2(obj);
      }),
    ],
    [
      'getField',
      def(
        ['string', 'string'],
        ([id, path], ctx) => {
          const obj = resource(ctx, id ?? null);
          return obj === undefined ? '' : getFieldCopy(obj, str(path));
        },
        { returnsAny: true },
      ),
    ],
    [
      'removeField',
      def(['string', 'string'], ([id, path], ctx) => {
        const obj = resource(ctx, id ?? null);
        if (obj === undefined) return '';
        nestedRemove(obj, fieldPath(str(path)));
        resetMeta(obj);
        return marshalV2(obj);
      }),
    ],
    [
      'setField',
      def(['string', 'string', 'any'], ([id, path, value], ctx) => {
        const obj = resource(ctx, id ?? null);
        if (obj === undefined) return '';
        if (!nestedSet(obj, value ?? null, fieldPath(str(path)))) return '';
        resetMeta(obj);
        return marshalV2(obj);
      }),
    ],
  ]);
}

export function eventResourceFuncs(): Map<string, FuncDef> {
  return new Map<string, FuncDef>([
    ...chainFuncs(),
    [
      'getResource',
      def(['map'], ([obj]) => {
        resetMeta(obj as ObjectMap);
        return obj!;
      }),
    ],
    [
      'copy',
      def(['map'], ([obj]) => {
        resetMeta(obj as ObjectMap);
        return marshalV3(obj as ObjectMap);
      }),
    ],
    [
      'getField',
      def(['map', 'string'], ([obj, path]) => getFieldCopy(obj as ObjectMap, str(path)), {
        returnsAny: true,
      }),
    ],
    [
      'removeField',
      def(['map', 'string'], ([obj, path]) => {
        nestedRemove(obj as ObjectMap, fieldPath(str(path)));
        resetMeta(obj as ObjectMap);
        return marshalV3(obj as ObjectMap);
      }),
    ],
    [
      'setField',
      def(['map', 'string', 'any'], ([obj, path, value]) => {
        if (!nestedSet(obj as ObjectMap, value ?? null, fieldPath(str(path)))) return '';
        resetMeta(obj as ObjectMap);
        return marshalV3(obj as ObjectMap);
      }),
    ],
  ]);
}

const funcCache = new Map<string, FuncMap>();

/** The function map for a Sveltos rendering context (built once per option set). */
export function sveltosFuncs(options: SveltosFuncOptions): FuncMap {
  const key = `${options.context}/${options.env === true}`;
  const hit = funcCache.get(key);
  if (hit) return hit;
  const m = sprigFuncs({ env: options.env === true });
  for (const [k, f] of extraFuncs()) m.set(k, f);
  if (options.context === 'addon') for (const [k, f] of addonResourceFuncs()) m.set(k, f);
  if (options.context === 'event') for (const [k, f] of eventResourceFuncs()) m.set(k, f);
  funcCache.set(key, m);
  return m;
}

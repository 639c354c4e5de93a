// encoding/json Marshal over the value model: sorted map keys, Go's float format, HTML escaping.
import { chargeSize, chargeSteps } from './budget.ts';
import { toValidUTF8 } from './bytes.ts';
import { compareBytes, formatFloatJSON } from './fmt.ts';
import { formatTime } from './time.ts';
import { GoInt, GoMap, GoObject, GoStruct, GoTime, typeName, type Value } from './value.ts';

export class JSONError extends Error {}

export interface JSONOptions {
  indent?: string;
  escapeHTML: boolean;
}

export function quoteJSON(s: string, escapeHTML: boolean): string {
  let out = '"';
  for (const ch of toValidUTF8(s)) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
    }
    if (
      cp < 0x20 ||
      cp === 0x2028 ||
      cp === 0x2029 ||
      (escapeHTML && (ch === '<' || ch === '>' || ch === '&'))
    ) {
      out += '\\u' + cp.toString(16).padStart(4, '0');
      continue;
    }
    out += ch;
  }
  return out + '"';
}

/** JSON names of struct fields: ObjectReference carries json tags with omitempty. */
const objectReferenceTags: Record<string, string> = {
  Kind: 'kind',
  Namespace: 'namespace',
  Name: 'name',
  UID: 'uid',
  APIVersion: 'apiVersion',
  ResourceVersion: 'resourceVersion',
  FieldPath: 'fieldPath',
};

/** The JSON object members of a struct (json tags and omitempty applied). */
export function structJSONFields(v: GoStruct): [string, Value][] {
  const tagged = v.typeName === 'v1.ObjectReference';
  const out: [string, Value][] = [];
  for (const [name, fv] of v.fields) {
    if (tagged && (fv === '' || fv === null)) continue;
    out.push([tagged ? (objectReferenceTags[name] ?? name) : name, fv ?? null]);
  }
  return out;
}

function encode(v: Value, opts: JSONOptions, indent: string): string {
  // values may share parts: encoding costs what it visits and produces
  chargeSteps();
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      chargeSize(v.length);
      return quoteJSON(v, opts.escapeHTML);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(v))
        throw new JSONError(`json: unsupported value: ${Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf'}`);
      return formatFloatJSON(v);
  }
  if (v instanceof GoInt) return v.value.toString();
  const step = opts.indent === undefined ? undefined : indent + opts.indent;
  const open = (items: string[], o: string, c: string): string => {
    if (items.length === 0) return o + c;
    if (step === undefined) return o + items.join(',') + c;
    return `${o}\n${step}${items.join(`,\n${step}`)}\n${indent}${c}`;
  };
  const sep = step === undefined ? ':' : ': ';
  if (v instanceof Map) {
    if (v instanceof GoMap && v.isNil) return 'null';
    const keys = [...v.keys()].sort(compareBytes);
    return open(
      keys.map((k) => quoteJSON(k, opts.escapeHTML) + sep + encode(v.get(k) ?? null, opts, step ?? '')),
      '{',
      '}',
    );
  }
  if (Array.isArray(v))
    return open(
      v.map((x) => encode(x, opts, step ?? '')),
      '[',
      ']',
    );
  if (v instanceof GoTime)
    return quoteJSON(formatTime(v, '2006-01-02T15:04:05.999999999Z07:00'), opts.escapeHTML);
  if (v instanceof GoStruct) {
    const items = structJSONFields(v).map(
      ([key, fv]) => quoteJSON(key, opts.escapeHTML) + sep + encode(fv, opts, step ?? ''),
    );
    return open(items, '{', '}');
  }
  if (v instanceof GoObject) return quoteJSON(v.text, opts.escapeHTML);
  throw new JSONError(`json: unsupported type: ${typeName(v)}`);
}

/** json.Marshal (or MarshalIndent with prefix "" and the given indent). */
export function encodeJSON(v: Value, opts: JSONOptions): string {
  return encode(v, opts, '');
}

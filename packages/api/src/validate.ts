// Validation and defaulting of objects against structural schemas, following the API server's semantics
// where they matter to users: unknown fields are reported (as strict field validation does), nulls are
// dropped, x-kubernetes-int-or-string and x-kubernetes-preserve-unknown-fields are honoured, defaults are
// applied on absent fields. CEL rules (x-kubernetes-validations) are NOT evaluated here: the API server does.

import { allKinds } from './kinds.ts';
import type { JSONSchemaProps } from './schema.ts';

export type FieldErrorType = 'unknown' | 'required' | 'type' | 'enum' | 'invalid';

export interface FieldError {
  /** Field path in Kubernetes notation, e.g. `spec.resourceSelectors[0].labelFilters`. */
  path: string;
  type: FieldErrorType;
  message: string;
}

function join(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

function typeOfValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const INT32 = [-2147483648, 2147483647] as const;

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(JSON.stringify(v));
}

/** Validates `value` at `path` against `schema`; returns every problem found. */
export function validateValue(schema: JSONSchemaProps, value: unknown, path = ''): FieldError[] {
  const errors: FieldError[] = [];
  walk(schema, value, path, errors);
  return errors;
}

function walk(s: JSONSchemaProps, v: unknown, path: string, errors: FieldError[]): void {
  const err = (type: FieldErrorType, message: string) =>
    errors.push({ path, type, message: path ? `${path}: ${message}` : message });
  const actual = typeOfValue(v);
  // The API server drops nulls of non-nullable fields; a nullable null is valid.
  if (v === null) return;
  if (s['x-kubernetes-int-or-string']) {
    if (actual !== 'integer' && actual !== 'string') {
      err('type', `Invalid value: ${show(v)}: must be an integer or a string`);
      return;
    }
    if (typeof v === 'string') checkString(s, v, err);
    return;
  }
  if (s.type === undefined) return; // only x-kubernetes-preserve-unknown-fields nodes have no type
  const ok = s.type === actual || (s.type === 'number' && actual === 'integer');
  if (!ok) {
    err('type', `Invalid value: ${show(v)}: must be of type ${s.type}`);
    return;
  }
  if (s.enum && !s.enum.some((e) => e === v)) {
    err('enum', `Unsupported value: ${show(v)}: supported values: ${s.enum.map(show).join(', ')}`);
  }
  switch (s.type) {
    case 'string':
      checkString(s, v as string, err);
      break;
    case 'integer':
    case 'number': {
      const n = v as number;
      if (s.minimum !== undefined && n < s.minimum)
        err('invalid', `Invalid value: ${n}: must be >= ${s.minimum}`);
      if (s.maximum !== undefined && n > s.maximum)
        err('invalid', `Invalid value: ${n}: must be <= ${s.maximum}`);
      if (s.format === 'int32' && (n < INT32[0] || n > INT32[1]))
        err('invalid', `Invalid value: ${n}: not an int32`);
      break;
    }
    case 'array': {
      const a = v as unknown[];
      if (s.minItems !== undefined && a.length < s.minItems)
        err('invalid', `must have at least ${s.minItems} items`);
      if (s.maxItems !== undefined && a.length > s.maxItems)
        err('invalid', `must have at most ${s.maxItems} items`);
      if (s.items) {
        for (const [i, item] of a.entries()) walk(s.items, item, `${path}[${i}]`, errors);
      }
      if (s['x-kubernetes-list-type'] === 'map' && s['x-kubernetes-list-map-keys']) {
        const keys = s['x-kubernetes-list-map-keys'];
        const seen = new Set<string>();
        a.forEach((item, i) => {
          if (item === null || typeof item !== 'object') return;
          const k = JSON.stringify(keys.map((key) => (item as Record<string, unknown>)[key]));
          if (seen.has(k))
            errors.push({
              path: `${path}[${i}]`,
              type: 'invalid',
              message: `${path}[${i}]: Duplicate value: ${k}`,
            });
          seen.add(k);
        });
      }
      if (s['x-kubernetes-list-type'] === 'set') {
        const seen = new Set<string>();
        a.forEach((item, i) => {
          const k = JSON.stringify(item);
          if (seen.has(k))
            errors.push({
              path: `${path}[${i}]`,
              type: 'invalid',
              message: `${path}[${i}]: Duplicate value: ${k}`,
            });
          seen.add(k);
        });
      }
      break;
    }
    case 'object':
      // ObjectMeta is validated by the API server itself; CRD schemas leave it untyped.
      if (path === 'metadata' && !s.properties) break;
      walkObject(s, v as Record<string, unknown>, path, errors);
      break;
    default:
      break;
  }
}

function checkString(s: JSONSchemaProps, v: string, err: (t: FieldErrorType, m: string) => void): void {
  const len = [...v].length;
  if (s.minLength !== undefined && len < s.minLength) {
    err('invalid', `Invalid value: ${show(v)}: should be at least ${s.minLength} chars long`);
  }
  if (s.maxLength !== undefined && len > s.maxLength) {
    err('invalid', `Too long: may not be more than ${s.maxLength} chars`);
  }
  if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(v)) {
    err('invalid', `Invalid value: ${show(v)}: should match '${s.pattern}'`);
  }
  if (s.format === 'byte' && !BASE64.test(v.replace(/\s/g, ''))) {
    err('invalid', `Invalid value: ${show(v)}: must be base64-encoded bytes`);
  }
  if (s.format === 'date-time' && !DATE_TIME.test(v)) {
    err('invalid', `Invalid value: ${show(v)}: must be an RFC 3339 date-time`);
  }
}

function walkObject(
  s: JSONSchemaProps,
  o: Record<string, unknown>,
  path: string,
  errors: FieldError[],
): void {
  const props = s.properties;
  const present = (k: string) => Object.hasOwn(o, k) && o[k] !== null && o[k] !== undefined;
  for (const r of s.required ?? []) {
    if (!present(r)) {
      const p = join(path, r);
      errors.push({ path: p, type: 'required', message: `${p}: Required value` });
    }
  }
  if (s.minProperties !== undefined && Object.keys(o).length < s.minProperties) {
    errors.push({
      path,
      type: 'invalid',
      message: `${path || '<root>'}: must have at least ${s.minProperties} properties`,
    });
  }
  for (const [k, v] of Object.entries(o)) {
    const p = join(path, k);
    const child = props?.[k] ?? s.additionalProperties;
    if (child) walk(child, v, p, errors);
    else if (!s['x-kubernetes-preserve-unknown-fields']) {
      errors.push({ path: p, type: 'unknown', message: `unknown field "${p}"` });
    }
  }
}

/** Returns a deep copy of `value` with schema defaults applied to absent (or null) fields, recursively, as the
 * API server does on create/update and when reading from storage. */
export function applyDefaultsTo<T>(schema: JSONSchemaProps, value: T): T {
  return defaults(schema, structuredClone(value)) as T;
}

function defaults(s: JSONSchemaProps, v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    if (s.items) for (let i = 0; i < v.length; i++) v[i] = defaults(s.items, v[i]);
    return v;
  }
  const o = v as Record<string, unknown>;
  if (s.properties) {
    for (const [k, child] of Object.entries(s.properties)) {
      if ((o[k] === undefined || (o[k] === null && !child.nullable)) && child.default !== undefined) {
        o[k] = structuredClone(child.default);
      }
      if (o[k] !== undefined) o[k] = defaults(child, o[k]);
    }
  } else if (s.additionalProperties) {
    for (const k of Object.keys(o)) o[k] = defaults(s.additionalProperties, o[k]);
  }
  return o;
}

/** The schema of the kind named by an object's apiVersion and kind, if we serve it. */
export function schemaFor(apiVersion: string, kind: string): JSONSchemaProps | undefined {
  for (const k of allKinds) {
    if (k.kind === kind && k.servedVersions.some((v) => `${k.group}/${v}` === apiVersion)) return k.schema;
  }
  return undefined;
}

/** Validates a whole object (apiVersion, kind, spec, status) against the CRD schema of its kind. The metadata
 * is only checked to be an object (the API server validates it itself). */
export function validate(object: unknown): FieldError[] {
  if (object === null || typeof object !== 'object' || Array.isArray(object)) {
    return [{ path: '', type: 'type', message: 'an object is required' }];
  }
  const o = object as Record<string, unknown>;
  const apiVersion = typeof o.apiVersion === 'string' ? o.apiVersion : '';
  const kind = typeof o.kind === 'string' ? o.kind : '';
  const schema = schemaFor(apiVersion, kind);
  if (!schema) {
    return [
      { path: 'kind', type: 'invalid', message: `no kind "${kind}" is served in version "${apiVersion}"` },
    ];
  }
  return validateValue(schema, o);
}

/** Applies the CRD defaults of the object's kind (a deep copy is returned; unknown kinds are returned as is). */
export function applyDefaults<T extends { apiVersion?: string; kind?: string }>(object: T): T {
  const schema = schemaFor(object.apiVersion ?? '', object.kind ?? '');
  return schema ? applyDefaultsTo(schema, object) : structuredClone(object);
}

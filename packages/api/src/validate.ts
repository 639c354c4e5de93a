// Validation and defaulting of objects against structural schemas, following the API server's semantics
// where they matter to users: unknown fields are reported (as strict field validation does), nulls are
// dropped, x-kubernetes-int-or-string and x-kubernetes-preserve-unknown-fields are honoured, defaults are
// applied on absent fields. CEL rules (x-kubernetes-validations) are NOT evaluated here: the API server does.

import type { AnyKindDef } from './crd.ts';
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
    if (k.kind !== kind) continue;
    const version = k.servedVersions.find((v) => `${k.group}/${v}` === apiVersion);
    if (version !== undefined) return k.schemas[version];
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

// ---- whole objects, as the API server checks them on `kubectl apply` ---------------------------------------

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;

/** Why `name` is not a DNS-1123 subdomain (object names), or undefined. */
export function dnsSubdomainProblem(name: string): string | undefined {
  if (name === '') return 'must not be empty';
  if (name.length > 253) return 'must be no more than 253 characters';
  if (!DNS1123_SUBDOMAIN.test(name))
    return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
  return undefined;
}

/** Why `name` is not a DNS-1123 label (namespaces), or undefined. */
export function dnsLabelProblem(name: string): string | undefined {
  if (name === '') return 'must not be empty';
  if (name.length > 63) return 'must be no more than 63 characters';
  if (!DNS1123_LABEL.test(name))
    return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
  return undefined;
}

/** Why `key` is not a qualified name (label and annotation keys: optional DNS-subdomain prefix and `/`). */
export function qualifiedNameProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (name === '') return 'name part must be non-empty';
  if (name.length > 63) return 'name part must be no more than 63 characters';
  if (!QUALIFIED_NAME.test(name))
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  if (prefix !== undefined) {
    const p = dnsSubdomainProblem(prefix);
    if (p) return `prefix part ${p}`;
  }
  return undefined;
}

/** Why `value` is not a label value, or undefined. */
export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63) return 'must be no more than 63 characters';
  if (!QUALIFIED_NAME.test(value))
    return "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  return undefined;
}

/** ObjectMeta fields a client may send (the API server refuses others under strict field validation). */
const OBJECT_META_FIELDS = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);
const MAX_ANNOTATIONS_BYTES = 256 * 1024;

function stringMapErrors(
  v: unknown,
  path: string,
  keyProblem: (k: string) => string | undefined,
  valueProblem: ((v: string) => string | undefined) | undefined,
  errors: FieldError[],
): void {
  if (v === undefined || v === null) return;
  if (typeof v !== 'object' || Array.isArray(v)) {
    errors.push({
      path,
      type: 'type',
      message: `${path}: Invalid value: ${show(v)}: must be of type object`,
    });
    return;
  }
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const p = join(path, k);
    const kp = keyProblem(k);
    if (kp) errors.push({ path: p, type: 'invalid', message: `${path}: Invalid value: ${show(k)}: ${kp}` });
    if (typeof x !== 'string') {
      errors.push({
        path: p,
        type: 'type',
        message: `${p}: Invalid value: ${show(x)}: must be of type string`,
      });
      continue;
    }
    const vp = valueProblem?.(x);
    if (vp) errors.push({ path: p, type: 'invalid', message: `${p}: Invalid value: ${show(x)}: ${vp}` });
  }
}

/** metav1.ObjectMeta as the API server validates it for an object of a kind (scope decides the namespace). */
export function validateObjectMeta(meta: unknown, namespaced: boolean | undefined): FieldError[] {
  const errors: FieldError[] = [];
  if (meta === undefined || meta === null || typeof meta !== 'object' || Array.isArray(meta)) {
    errors.push({ path: 'metadata', type: 'required', message: 'metadata: Required value' });
    return errors;
  }
  const m = meta as Record<string, unknown>;
  for (const k of Object.keys(m)) {
    if (!OBJECT_META_FIELDS.has(k)) {
      const p = join('metadata', k);
      errors.push({ path: p, type: 'unknown', message: `unknown field "${p}"` });
    }
  }
  const str = (k: string): string | undefined => {
    const v = m[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    errors.push({
      path: `metadata.${k}`,
      type: 'type',
      message: `metadata.${k}: Invalid value: ${show(v)}: must be of type string`,
    });
    return undefined;
  };
  const name = str('name');
  const generateName = str('generateName');
  if (!name && !generateName) {
    errors.push({
      path: 'metadata.name',
      type: 'required',
      message: 'metadata.name: Required value: name or generateName is required',
    });
  } else if (name) {
    const problem = dnsSubdomainProblem(name);
    if (problem)
      errors.push({
        path: 'metadata.name',
        type: 'invalid',
        message: `metadata.name: Invalid value: ${show(name)}: ${problem}`,
      });
  }
  const namespace = str('namespace');
  if (namespace && namespaced !== false) {
    const problem = dnsLabelProblem(namespace);
    if (problem)
      errors.push({
        path: 'metadata.namespace',
        type: 'invalid',
        message: `metadata.namespace: Invalid value: ${show(namespace)}: ${problem}`,
      });
  }
  stringMapErrors(m.labels, 'metadata.labels', qualifiedNameProblem, labelValueProblem, errors);
  stringMapErrors(
    m.annotations,
    'metadata.annotations',
    (k) => qualifiedNameProblem(k.toLowerCase()),
    undefined,
    errors,
  );
  if (m.annotations && typeof m.annotations === 'object') {
    let size = 0;
    for (const [k, v] of Object.entries(m.annotations))
      size += k.length + (typeof v === 'string' ? v.length : 0);
    if (size > MAX_ANNOTATIONS_BYTES)
      errors.push({
        path: 'metadata.annotations',
        type: 'invalid',
        message: `metadata.annotations: Too long: must have at most ${MAX_ANNOTATIONS_BYTES} bytes`,
      });
  }
  if (m.finalizers !== undefined && m.finalizers !== null) {
    if (!Array.isArray(m.finalizers) || m.finalizers.some((f) => typeof f !== 'string'))
      errors.push({
        path: 'metadata.finalizers',
        type: 'type',
        message: 'metadata.finalizers: must be a list of strings',
      });
  }
  return errors;
}

/** Strings a JSON encoder cannot write as UTF-8 (lone surrogates: what decoding invalid UTF-8 can leave). */
function malformedStrings(v: unknown, path: string, errors: FieldError[], depth = 0): void {
  if (errors.length > 20 || depth > 200) return;
  if (typeof v === 'string') {
    if (!v.isWellFormed())
      errors.push({ path, type: 'invalid', message: `${path || '<root>'}: Invalid value: not valid UTF-8` });
    return;
  }
  if (v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      malformedStrings(x, `${path}[${i}]`, errors, depth + 1);
    });
    return;
  }
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const p = join(path, k);
    if (!k.isWellFormed())
      errors.push({ path: p, type: 'invalid', message: `${p}: Invalid value: key is not valid UTF-8` });
    malformedStrings(x, p, errors, depth + 1);
  }
}

export interface ObjectValidationOptions {
  /** The kinds the object may be (`allKinds` when not given). */
  kinds?: readonly AnyKindDef[];
  /** An object of a kind not among `kinds` (a Pod, a Service: built-in kinds whose schemas this package does
   * not carry): refused (default), or checked for TypeMeta, ObjectMeta and UTF-8 only. */
  otherKinds?: 'refuse' | 'metadata';
}

/**
 * Validates an object the way `kubectl apply` (server-side, strict field validation) would have it checked:
 * apiVersion and kind name a served version of a known kind, metadata is a valid ObjectMeta (known fields,
 * a valid name, label and annotation syntax), every other top-level field and everything below follows the
 * kind's CRD schema (unknown fields, required fields, types, enums, formats), strings are valid UTF-8.
 * The CLI (input files), the agent (EventSource copies) and the planner (EventTriggers) all use this.
 */
export function validateObject(object: unknown, options: ObjectValidationOptions = {}): FieldError[] {
  if (object === null || typeof object !== 'object' || Array.isArray(object)) {
    return [{ path: '', type: 'type', message: 'an object is required' }];
  }
  const o = object as Record<string, unknown>;
  const errors: FieldError[] = [];
  if (typeof o.apiVersion !== 'string' || o.apiVersion === '')
    errors.push({ path: 'apiVersion', type: 'required', message: 'apiVersion: Required value' });
  if (typeof o.kind !== 'string' || o.kind === '')
    errors.push({ path: 'kind', type: 'required', message: 'kind: Required value' });
  if (errors.length > 0) return errors;
  const apiVersion = o.apiVersion as string;
  const kind = o.kind as string;
  const kinds = options.kinds ?? allKinds;
  const def = kinds.find((k) => k.kind === kind);
  if (!def && options.otherKinds === 'metadata') {
    errors.push(...validateObjectMeta(o.metadata, undefined));
    malformedStrings(o, '', errors);
    return errors;
  }
  if (!def) {
    const expected = kinds.map((k) => k.kind).join(', ');
    return [
      {
        path: 'kind',
        type: 'invalid',
        message: `kind: Unsupported value: ${show(kind)}: expected ${expected}`,
      },
    ];
  }
  const version = def.servedVersions.find((v) => `${def.group}/${v}` === apiVersion);
  if (version === undefined) {
    const served = def.servedVersions.map((v) => `${def.group}/${v}`).join(', ');
    return [
      {
        path: 'apiVersion',
        type: 'invalid',
        message: `apiVersion: Unsupported value: ${show(apiVersion)}: no kind "${kind}" is served in version "${apiVersion}" (served: ${served})`,
      },
    ];
  }
  errors.push(...validateObjectMeta(o.metadata, def.namespaced));
  // metadata was checked above (CRD schemas leave it untyped)
  for (const e of validateValue(def.schemas[version] ?? def.schema, o)) {
    if (e.path === 'metadata' || e.path.startsWith('metadata.') || e.path.startsWith('metadata[')) continue;
    errors.push(e);
  }
  malformedStrings(o, '', errors);
  return errors;
}

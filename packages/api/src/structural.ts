// Checks that a CRD is acceptable to apiextensions.k8s.io/v1 as far as can be told without an API server:
// structural schemas, defaults that survive pruning and validate, list/map extensions used correctly, names,
// scope, versions and printer columns. CEL rules are only checked to be non-empty (the API server compiles them).

import type { CustomResourceDefinition } from './crd.ts';
import type { JSONSchemaProps } from './schema.ts';
import { validateValue } from './validate.ts';

const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);
const FORMATS = new Set([
  'byte',
  'date-time',
  'date',
  'int32',
  'int64',
  'float',
  'double',
  'uri',
  'uuid',
  'hostname',
  'ipv4',
  'ipv6',
  'duration',
  'password',
  'binary',
]);
const KNOWN_KEYS = new Set([
  'type',
  'description',
  'format',
  'properties',
  'required',
  'items',
  'additionalProperties',
  'enum',
  'default',
  'nullable',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'anyOf',
  'allOf',
  'oneOf',
  'not',
  'title',
  'example',
  'externalDocs',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
]);
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Problems making `schema` non-structural or invalid; empty when fine. */
export function checkStructuralSchema(schema: JSONSchemaProps, path = ''): string[] {
  const problems: string[] = [];
  node(schema, path || '<root>', problems, false);
  return problems;
}

function node(s: JSONSchemaProps, path: string, out: string[], inJunctor: boolean): void {
  const p = (m: string) => out.push(`${path}: ${m}`);
  for (const k of Object.keys(s)) if (!KNOWN_KEYS.has(k)) p(`unsupported key "${k}"`);
  if ('$ref' in s) p('$ref is not allowed');
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;

  if (inJunctor) {
    for (const k of ['description', 'type', 'default', 'additionalProperties', 'nullable'] as const) {
      if (s[k] !== undefined) p(`"${k}" is not allowed inside anyOf`);
    }
  } else if (s.type === undefined) {
    if (!intOrString && !preserve)
      p('must have a type (or x-kubernetes-int-or-string / preserve-unknown-fields)');
  } else if (!TYPES.has(s.type)) p(`unknown type "${s.type}"`);

  if (intOrString) {
    if (s.type !== undefined) p('x-kubernetes-int-or-string must not have a type');
    const any = s.anyOf;
    if (
      any &&
      !(
        any.length === 2 &&
        any[0]?.type === 'integer' &&
        any[1]?.type === 'string' &&
        Object.keys(any[0]).length === 1
      )
    ) {
      p('x-kubernetes-int-or-string anyOf must be [{type: integer}, {type: string}]');
    }
  } else if (s.anyOf) {
    for (const [i, a] of s.anyOf.entries()) node(a, `${path}.anyOf[${i}]`, out, true);
  }

  if (s.format !== undefined && !FORMATS.has(s.format)) p(`unknown format "${s.format}"`);
  if (s.properties && s.type !== 'object' && !inJunctor) p('properties require type object');
  if (s.additionalProperties !== undefined) {
    if (typeof s.additionalProperties === 'boolean') p('additionalProperties must be a schema');
    if (s.properties) p('properties and additionalProperties are mutually exclusive');
    if (preserve) p('additionalProperties and x-kubernetes-preserve-unknown-fields are mutually exclusive');
  }
  if (s.items !== undefined && s.type !== 'array' && !inJunctor) p('items requires type array');
  if (s.type === 'array' && !s.items) p('an array must declare items');
  if (s['x-kubernetes-embedded-resource'] && s.type !== 'object') p('embedded resources must be objects');
  if (s['x-kubernetes-map-type'] !== undefined && s.type !== 'object')
    p('x-kubernetes-map-type needs type object');
  for (const r of s.required ?? []) {
    if (!s.properties?.[r]) p(`required field "${r}" is not a declared property`);
  }

  const listType = s['x-kubernetes-list-type'];
  if (listType !== undefined) {
    if (s.type !== 'array') p('x-kubernetes-list-type needs type array');
    const item = s.items;
    if (listType === 'map') {
      const keys = s['x-kubernetes-list-map-keys'];
      if (!keys || keys.length === 0) p('list-type map needs x-kubernetes-list-map-keys');
      if (item?.type !== 'object') p('list-type map needs object items');
      for (const k of keys ?? []) {
        const ks = item?.properties?.[k];
        if (!ks) p(`list map key "${k}" is not a property of the items`);
        else {
          if (!['string', 'integer', 'number', 'boolean'].includes(ks.type ?? ''))
            p(`list map key "${k}" must be scalar`);
          if (!item?.required?.includes(k) && ks.default === undefined) {
            p(`list map key "${k}" must be required or defaulted`);
          }
        }
      }
    } else if (s['x-kubernetes-list-map-keys'] !== undefined) p('list-map-keys only with list-type map');
    if (listType === 'set' && item && !['string', 'integer', 'number', 'boolean'].includes(item.type ?? '')) {
      p('list-type set needs scalar items');
    }
  }

  for (const rule of s['x-kubernetes-validations'] ?? []) {
    if (!rule.rule.trim()) p('empty x-kubernetes-validations rule');
  }

  if (s.enum) {
    for (const e of s.enum) {
      const errs = validateValue({ ...s, enum: undefined, default: undefined }, e, path);
      if (errs.length > 0) p(`enum value ${JSON.stringify(e)} does not match the type (${errs[0]?.message})`);
    }
  }
  if (s.default !== undefined) {
    if (inJunctor) p('default is not allowed inside anyOf');
    const errs = validateValue(s, s.default, path);
    for (const e of errs) p(`default ${JSON.stringify(s.default)} is invalid: ${e.message}`);
  }

  for (const [k, child] of Object.entries(s.properties ?? {})) node(child, `${path}.${k}`, out, false);
  if (s.items) node(s.items, `${path}[]`, out, false);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') {
    node(s.additionalProperties, `${path}{}`, out, false);
  }
}

/** Resolves a printer-column JSONPath against a schema; metadata and preserved parts resolve trivially. */
export function resolveJsonPath(schema: JSONSchemaProps, jsonPath: string): JSONSchemaProps | undefined {
  if (!jsonPath.startsWith('.')) return undefined;
  const steps: string[] = [];
  const re = /\.([A-Za-z0-9_-]+)|\[(\?\(.*?\)|'[^']*'|\d+|\*)\]/gy;
  let m: RegExpExecArray | null = re.exec(jsonPath);
  let consumed = 0;
  while (m) {
    consumed = re.lastIndex;
    if (m[1] !== undefined) steps.push(m[1]);
    else if (m[2]?.startsWith("'")) steps.push(m[2].slice(1, -1).replaceAll('\\.', '.'));
    else steps.push('[]');
    m = re.exec(jsonPath);
  }
  if (consumed !== jsonPath.length) return undefined;
  let cur: JSONSchemaProps | undefined = schema;
  for (const [i, step] of steps.entries()) {
    if (!cur) return undefined;
    if (i === 0 && step === 'metadata') return { type: 'object' };
    if (cur['x-kubernetes-preserve-unknown-fields'] && !cur.properties?.[step] && step !== '[]') return {};
    if (step === '[]') cur = cur.items;
    else cur = cur.properties?.[step] ?? cur.additionalProperties;
  }
  return cur;
}

/** Problems with a whole CRD object; empty when fine. */
export function checkCrd(crd: CustomResourceDefinition): string[] {
  const out: string[] = [];
  const { group, names, scope, versions } = crd.spec;
  if (crd.metadata.name !== `${names.plural}.${group}`)
    out.push(`metadata.name must be ${names.plural}.${group}`);
  if (!DNS1123_SUBDOMAIN.test(group) || !group.includes('.'))
    out.push(`group "${group}" must be a dotted DNS name`);
  for (const n of [names.plural, names.singular, ...(names.shortNames ?? [])]) {
    if (!DNS1123_LABEL.test(n)) out.push(`name "${n}" must be a lower-case DNS label`);
  }
  if (names.listKind !== `${names.kind}List`) out.push('listKind must be <kind>List');
  if (scope !== 'Cluster' && scope !== 'Namespaced') out.push(`bad scope ${scope}`);
  if (versions.filter((v) => v.storage).length !== 1)
    out.push('exactly one version must be the storage version');
  for (const v of versions) {
    const where = `version ${v.name}`;
    if (!/^v\d+((alpha|beta)\d+)?$/.test(v.name)) out.push(`${where}: not a Kubernetes version name`);
    if (v.storage && !v.served) out.push(`${where}: the storage version must be served`);
    const root = v.schema.openAPIV3Schema;
    if (root.type !== 'object') out.push(`${where}: the root schema must be an object`);
    for (const k of Object.keys(root.properties ?? {})) {
      if (!['apiVersion', 'kind', 'metadata', 'spec', 'status'].includes(k))
        out.push(`${where}: unexpected root "${k}"`);
    }
    const meta = root.properties?.metadata;
    if (meta && (meta.type !== 'object' || Object.keys(meta).some((k) => k !== 'type'))) {
      out.push(`${where}: metadata must be just {type: object}`);
    }
    if (root.default !== undefined || root.nullable) out.push(`${where}: no default or nullable at the root`);
    if (v.subresources?.status !== undefined && !root.properties?.status) {
      out.push(`${where}: status subresource without a status schema`);
    }
    out.push(...checkStructuralSchema(root, where));
    for (const c of v.additionalPrinterColumns ?? []) {
      if (!['string', 'integer', 'number', 'boolean', 'date'].includes(c.type))
        out.push(`${where}: column ${c.name} type`);
      if (!resolveJsonPath(root, c.jsonPath))
        out.push(`${where}: column ${c.name}: ${c.jsonPath} does not resolve`);
    }
  }
  return out;
}

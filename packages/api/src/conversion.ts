// Conversion between the legacy v1alpha1 API and the v1beta1 storage version, one pure function for every
// kind that has both (the event-manager serves it as the CRDs' conversion webhook). docs/api-versions.md
// lists what differs.
//
// A kind's differences are field rules: a rule maps some fields of one object (`at`, e.g. `spec`) in
// v1alpha1 to fields of the same object in v1beta1 and back — a string selector to a LabelSelector, the
// flat EventSource to resourceSelectors, a field only v1beta1 has to nothing. Everything no rule names is
// the same in both versions and copied as is.
//
// Round trips are lossless, as Kubernetes conversions are expected to be: when the other version cannot
// hold a rule's fields exactly (a v1beta1-only field, a selector spelt `env == fv` rather than `env=fv`),
// the original fields are kept in an annotation of the converted object and restored when it is converted
// back — but only while they still convert to what the object holds, so an edit made in the other version
// always wins over what was kept.

import { CLUSTER_PROFILE_V1BETA1_ONLY, ClusterProfileKind, ClusterSummaryKind } from './config.ts';
import type { AnyKindDef } from './crd.ts';
import { canonicalJson, splitApiVersion } from './json.ts';
import {
  ClusterSetKind,
  type EventBasedAddOn,
  EventReportKind,
  EventSourceKind,
  type EventTrigger,
  EventTriggerKind,
  SveltosClusterKind,
} from './lib.ts';
import type { KubeObject } from './meta.ts';
import type { JSONSchemaProps } from './schema.ts';
import { formatLabelSelector, parseLabelSelector, SelectorParseError } from './selector-string.ts';
import { applyDefaultsTo } from './validate.ts';

/** On objects at v1beta1 (as stored): v1alpha1 fields the v1beta1 form cannot hold exactly (JSON, by rule). */
export const CONVERSION_V1ALPHA1_ANNOTATION = 'conversion.projectsveltos.io/v1alpha1';
/** On objects read at v1alpha1: v1beta1 fields the v1alpha1 form cannot hold exactly (JSON, by rule). */
export const CONVERSION_V1BETA1_ANNOTATION = 'conversion.projectsveltos.io/v1beta1';

type Fields = Record<string, unknown>;

/** Some fields of one object of a kind, in both versions. */
export interface FieldRule {
  /** Its key in the annotations. */
  id: string;
  /** Path of the object holding the fields, e.g. `['spec']`. */
  at: readonly string[];
  /** The fields in v1alpha1. */
  legacy: readonly string[];
  /** The fields in v1beta1. */
  storage: readonly string[];
  /** v1alpha1 fields → v1beta1 fields; throws when the input cannot be converted (an invalid selector). */
  up(fields: Fields): Fields;
  /** v1beta1 fields → v1alpha1 fields; never throws. */
  down(fields: Fields): Fields;
}

/** A field (or several) only v1beta1 has. */
function storageOnly(at: readonly string[], ...fields: string[]): FieldRule[] {
  return fields.map((field) => ({
    id: [...at, field].join('.'),
    at,
    legacy: [],
    storage: [field],
    up: () => ({}),
    down: () => ({}),
  }));
}

/** A selector: a string in v1alpha1, a LabelSelector in v1beta1. */
function selector(at: readonly string[], field: string): FieldRule {
  const path = [...at, field].join('.');
  return {
    id: path,
    at,
    legacy: [field],
    storage: [field],
    up: (f) => {
      const v = f[field];
      if (v === undefined) return {};
      if (typeof v !== 'string') throw new Error(`${path}: must be a string`);
      try {
        return { [field]: parseLabelSelector(v) };
      } catch (error) {
        if (error instanceof SelectorParseError) throw new Error(`${path}: ${error.message}`);
        throw error;
      }
    },
    down: (f) => (f[field] === undefined ? {} : { [field]: formatLabelSelector(f[field] as never) }),
  };
}

const FLAT_EVENT_SOURCE = ['group', 'version', 'kind', 'namespace', 'labelFilters', 'script'] as const;

/** EventSource: the flat v1alpha1 spec is one resource selector; `resourceSelectors` are the same in both. */
const eventSourceForm: FieldRule = {
  id: 'spec.resourceSelectors',
  at: ['spec'],
  legacy: [...FLAT_EVENT_SOURCE, 'resourceSelectors'],
  storage: ['resourceSelectors'],
  up: (f) => {
    if (f.kind === undefined)
      return f.resourceSelectors === undefined ? {} : { resourceSelectors: f.resourceSelectors };
    const one: Fields = { group: f.group ?? '', version: f.version, kind: f.kind };
    if (f.namespace !== undefined) one.namespace = f.namespace;
    if (f.labelFilters !== undefined) one.labelFilters = f.labelFilters;
    if (f.script !== undefined) one.evaluate = f.script;
    return { resourceSelectors: [one] };
  },
  down: (f) => (f.resourceSelectors === undefined ? {} : { resourceSelectors: f.resourceSelectors }),
};

const profileRules = (at: readonly string[]): FieldRule[] => [
  selector(at, 'clusterSelector'),
  ...storageOnly(at, ...CLUSTER_PROFILE_V1BETA1_ONLY),
];

/** The kinds served at v1alpha1 through the webhook, and what differs between their versions. */
export const conversionRules: ReadonlyMap<AnyKindDef, readonly FieldRule[]> = new Map<
  AnyKindDef,
  readonly FieldRule[]
>([
  [EventSourceKind, [eventSourceForm, ...storageOnly(['spec'], 'messagingMatchCriteria')]],
  [EventReportKind, [...storageOnly(['spec'], 'cloudEvents'), ...storageOnly(['status'], 'failureMessage')]],
  [
    SveltosClusterKind,
    [
      ...storageOnly(['spec'], 'pullMode', 'readinessChecks', 'livenessChecks', 'workloadIdentity'),
      ...storageOnly(['status'], 'agentLastReportTime', 'activeWindowHash'),
    ],
  ],
  [ClusterSetKind, [selector(['spec'], 'clusterSelector')]],
  [ClusterProfileKind, [...profileRules(['spec']), ...storageOnly(['status'], 'conditions')]],
  [
    ClusterSummaryKind,
    [...profileRules(['spec', 'clusterProfileSpec']), ...storageOnly(['status'], 'deployedFeatures')],
  ],
]);

/** The kind an object belongs to, if it is one of the converted kinds. */
export function convertedKind(apiVersion: string, kind: string): AnyKindDef | undefined {
  const { group } = splitApiVersion(apiVersion);
  for (const k of conversionRules.keys()) if (k.group === group && k.kind === kind) return k;
  return undefined;
}

// ---- the conversion ------------------------------------------------------------------------------------

function isObject(v: unknown): v is Fields {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function childSchema(
  schema: JSONSchemaProps | undefined,
  at: readonly string[],
): JSONSchemaProps | undefined {
  let s = schema;
  for (const k of at) s = s?.properties?.[k];
  return s;
}

/** Whether two sets of fields are equal once the schema's defaults are applied (the API server defaults
 * what it stores, so a default it added is not a difference). */
function same(a: Fields, b: Fields, parent: JSONSchemaProps | undefined, fields: readonly string[]): boolean {
  const properties: Record<string, JSONSchemaProps> = {};
  for (const f of fields) {
    const p = parent?.properties?.[f];
    if (p) properties[f] = p;
  }
  const schema: JSONSchemaProps = { type: 'object', properties };
  return canonicalJson(applyDefaultsTo(schema, a)) === canonicalJson(applyDefaultsTo(schema, b));
}

function take(parent: Fields | undefined, fields: readonly string[]): Fields {
  const out: Fields = {};
  if (!parent) return out;
  for (const f of fields) {
    if (parent[f] !== undefined) out[f] = parent[f];
    delete parent[f];
  }
  return out;
}

function put(root: Fields, at: readonly string[], fields: Fields): void {
  const defined = Object.entries(fields).filter(([, v]) => v !== undefined);
  if (defined.length === 0) return;
  let o = root;
  for (const k of at) {
    if (!isObject(o[k])) o[k] = {};
    o = o[k] as Fields;
  }
  for (const [k, v] of defined) o[k] = v;
}

function removeAt(root: Fields, at: readonly string[]): void {
  let o: unknown = root;
  for (const k of at.slice(0, -1)) o = isObject(o) ? o[k] : undefined;
  if (isObject(o)) delete o[at[at.length - 1]!];
}

function readKept(annotations: Record<string, string>, key: string): Fields {
  const text = annotations[key];
  delete annotations[key];
  if (text === undefined) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    return isObject(parsed) ? parsed : {};
  } catch {
    // not ours to understand: dropped, as the fields it held cannot be trusted
    return {};
  }
}

/**
 * Converts an object of a kind served at v1alpha1 and v1beta1 to `desiredAPIVersion` (the other version of
 * its group). Pure: the argument is not modified. Throws with a message naming the field when a v1alpha1
 * object cannot be converted (an invalid selector string).
 */
export function convertObject(object: KubeObject, desiredAPIVersion: string): KubeObject {
  const kind = convertedKind(object.apiVersion, object.kind);
  if (kind === undefined) throw new Error(`no conversion for ${object.kind} of ${object.apiVersion}`);
  const from = splitApiVersion(object.apiVersion);
  const to = splitApiVersion(desiredAPIVersion);
  const versions = [kind.version, kind.legacyVersion];
  if (
    from.group !== kind.group ||
    to.group !== kind.group ||
    !versions.includes(from.version) ||
    !versions.includes(to.version)
  ) {
    throw new Error(
      `${kind.kind} converts between ${versions.map((v) => `${kind.group}/${v}`).join(' and ')}, not from ${object.apiVersion} to ${desiredAPIVersion}`,
    );
  }
  const out = structuredClone(object) as KubeObject & Fields;
  out.apiVersion = desiredAPIVersion;
  if (from.version === to.version) return out;
  const up = to.version === kind.version;
  const fromSchema = kind.schemas[from.version];
  out.metadata = out.metadata ?? ({} as KubeObject['metadata']);
  const annotations: Record<string, string> = { ...(out.metadata.annotations ?? {}) };
  // what the other direction kept aside for this one, and what this one keeps aside
  const restore = readKept(annotations, up ? CONVERSION_V1BETA1_ANNOTATION : CONVERSION_V1ALPHA1_ANNOTATION);
  const kept: Fields = {};
  for (const rule of conversionRules.get(kind) ?? []) {
    const sourceFields = up ? rule.legacy : rule.storage;
    const forward = up ? rule.up : rule.down;
    const back = up ? rule.down : rule.up;
    const parent = (() => {
      let o: unknown = out;
      for (const k of rule.at) o = isObject(o) ? o[k] : undefined;
      return isObject(o) ? o : undefined;
    })();
    const source = take(parent, sourceFields);
    // a parent emptied by the move is not left behind (`status: {}` when only v1beta1 fields were there)
    if (parent && Object.keys(source).length > 0 && Object.keys(parent).length === 0) removeAt(out, rule.at);
    let target = forward(source);
    const fromParent = childSchema(fromSchema, rule.at);
    const saved = restore[rule.id];
    if (isObject(saved) && convertsTo(back, saved, source, fromParent, sourceFields)) target = saved;
    if (!convertsTo(back, target, source, fromParent, sourceFields)) kept[rule.id] = source;
    put(out, rule.at, target);
  }
  if (Object.keys(kept).length > 0) {
    annotations[up ? CONVERSION_V1ALPHA1_ANNOTATION : CONVERSION_V1BETA1_ANNOTATION] = canonicalJson(kept);
  }
  if (Object.keys(annotations).length > 0) out.metadata.annotations = annotations;
  else delete out.metadata.annotations;
  return out;
}

/** Whether `fields` (of the target version) convert back to exactly `source`. */
function convertsTo(
  back: (f: Fields) => Fields,
  fields: Fields,
  source: Fields,
  sourceParent: JSONSchemaProps | undefined,
  sourceFields: readonly string[],
): boolean {
  let converted: Fields;
  try {
    converted = back(fields);
  } catch {
    return false;
  }
  return same(converted, source, sourceParent, sourceFields);
}

// ---- EventBasedAddOn -----------------------------------------------------------------------------------

/**
 * The EventTrigger an EventBasedAddOn means: its string selectors parsed (`clusterSelector` being the first
 * name of `sourceClusterSelector`), everything else as written. Referenced ConfigMaps and Secrets are always
 * instantiated for an EventBasedAddOn; that is the planner's business, not a field. Throws
 * {@link SelectorParseError} for a selector that does not parse.
 */
export function eventBasedAddOnAsEventTrigger(eba: EventBasedAddOn): EventTrigger {
  const { clusterSelector, sourceClusterSelector, destinationClusterSelector, ...rest } = eba.spec;
  const spec: EventTrigger['spec'] = {
    ...structuredClone(rest),
    sourceClusterSelector: parseLabelSelector(sourceClusterSelector ?? clusterSelector ?? ''),
  };
  if (destinationClusterSelector !== undefined && destinationClusterSelector !== '') {
    spec.destinationClusterSelector = parseLabelSelector(destinationClusterSelector);
  }
  const out: EventTrigger = {
    apiVersion: EventTriggerKind.apiVersion,
    kind: EventTriggerKind.kind,
    metadata: structuredClone(eba.metadata),
    spec,
  };
  if (eba.status !== undefined) out.status = structuredClone(eba.status);
  return out;
}

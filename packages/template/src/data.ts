// Building template data: JSON decoding with Go's number typing, and the Sveltos data models
// (addon-controller and event-manager dots) with upstream's Go type names.
import { GoMap, GoStruct, goInt, nilMap, typedSlice, type Value } from './value.ts';

/**
 * How JSON numbers become Go numbers: 'int64' = integral literals become int64, others float64
 * (Kubernetes unstructured objects, and event data per the project's decision); 'float64' = every
 * number is float64 (what encoding/json produces).
 */
export type NumberMode = 'int64' | 'float64';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function numberFromSource(source: string, mode: NumberMode): Value {
  if (mode === 'int64' && /^-?\d+$/.test(source)) {
    const big = BigInt(source);
    if (big >= INT64_MIN && big <= INT64_MAX) return goInt('int64', big);
  }
  return Number(source);
}

/** Parses JSON text into template values, typing numbers from their source text like Go does. */
export function parseJSON(text: string, mode: NumberMode = 'int64'): Value {
  const sources = new Map<unknown, string>();
  let counter = 0;
  // The reviver sees each number's source text; numbers are replaced by unique placeholder objects
  // that are typed in a second pass (JSON.parse cannot return bigint-bearing classes itself).
  const raw = JSON.parse(text, (_key, value, context?: { source?: string }) => {
    if (typeof value === 'number' && context?.source !== undefined) {
      const token = { n: counter++ };
      sources.set(token, context.source);
      return token;
    }
    return value;
  });
  const convert = (v: unknown): Value => {
    if (v === null) return null;
    if (typeof v === 'string' || typeof v === 'boolean') return v;
    if (Array.isArray(v)) return v.map(convert);
    const src = sources.get(v);
    if (src !== undefined) return numberFromSource(src, mode);
    const m = new Map<string, Value>();
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) m.set(k, convert(item));
    return m;
  };
  return convert(raw);
}

/** Converts a plain JS value (e.g. from JSON.parse) into template values. */
export function fromJS(v: unknown, mode: NumberMode = 'int64'): Value {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return mode === 'int64' && Number.isSafeInteger(v) ? goInt('int64', v) : v;
    case 'bigint':
      return goInt('int64', v);
  }
  if (Array.isArray(v)) return v.map((item) => fromJS(item, mode));
  const m = new Map<string, Value>();
  for (const [k, item] of Object.entries(v as Record<string, unknown>)) m.set(k, fromJS(item, mode));
  return m;
}

/** Fields of a Kubernetes corev1.ObjectReference, in Go declaration order. */
export interface ObjectReferenceFields {
  Kind?: string;
  Namespace?: string;
  Name?: string;
  UID?: string;
  APIVersion?: string;
  ResourceVersion?: string;
  FieldPath?: string;
}

const refFieldNames = [
  'Kind',
  'Namespace',
  'Name',
  'UID',
  'APIVersion',
  'ResourceVersion',
  'FieldPath',
] as const;

function objectReferenceString(s: GoStruct): string {
  return `&ObjectReference{${refFieldNames.map((f) => `${f}:${s.fields.get(f) as string},`).join('')}}`;
}

/** corev1.ObjectReference as upstream passes `.MatchingResource(s)` (struct field access, .Name etc.). */
export function objectReference(ref: ObjectReferenceFields): GoStruct {
  const fields = new Map<string, Value>(refFieldNames.map((f) => [f, ref[f] ?? '']));
  return new GoStruct('v1.ObjectReference', fields, objectReferenceString);
}

type ObjectMap = Map<string, Value>;

/** Data of the addon-controller contexts (ClusterProfile content and fields). */
export interface AddonData {
  cluster?: ObjectMap;
  infrastructureProvider?: ObjectMap;
  kubeadmControlPlane?: ObjectMap;
  /** templateResourceRefs identifier -> object; getResource/copy/setField operate on these. */
  mgmtResources?: ObjectMap;
}

export function addonData(d: AddonData): GoStruct {
  let mgmt: GoMap;
  if (d.mgmtResources === undefined) mgmt = nilMap();
  else mgmt = new GoMap(d.mgmtResources);
  mgmt.elemType = 'map[string]interface {}';
  return new GoStruct(
    '*controllers.currentClusterObjects',
    new Map<string, Value>([
      ['Cluster', d.cluster ?? nilMap()],
      ['InfrastructureProvider', d.infrastructureProvider ?? nilMap()],
      ['KubeadmControlPlane', d.kubeadmControlPlane ?? nilMap()],
      ['MgmtResources', mgmt],
    ]),
  );
}

/** Data of the event-manager with oneForEvent: true. */
export interface EventOneData {
  matchingResource?: ObjectReferenceFields;
  resource?: ObjectMap;
  cloudEvent?: ObjectMap;
  cluster?: ObjectMap;
}

export function eventOneData(d: EventOneData): GoStruct {
  return new GoStruct(
    '*controllers.currentObject',
    new Map<string, Value>([
      ['MatchingResource', objectReference(d.matchingResource ?? {})],
      ['Resource', d.resource ?? nilMap()],
      ['CloudEvent', d.cloudEvent ?? nilMap()],
      ['Cluster', d.cluster ?? nilMap()],
    ]),
  );
}

/** Data of the event-manager with oneForEvent: false. */
export interface EventManyData {
  matchingResources?: ObjectReferenceFields[];
  resources?: (ObjectMap | undefined)[];
  cloudEvents?: ObjectMap[];
  cluster?: ObjectMap;
}

/** Go's nil slice and empty slice print alike; nil entries of []map are nil maps. */
export function eventManyData(d: EventManyData): GoStruct {
  return new GoStruct(
    '*controllers.currentObjects',
    new Map<string, Value>([
      [
        'MatchingResources',
        typedSlice((d.matchingResources ?? []).map(objectReference), 'v1.ObjectReference'),
      ],
      [
        'Resources',
        typedSlice(
          (d.resources ?? []).map((r) => r ?? nilMap()),
          'map[string]interface {}',
        ),
      ],
      ['CloudEvents', typedSlice(d.cloudEvents ?? [], 'map[string]interface {}')],
      ['Cluster', d.cluster ?? nilMap()],
    ]),
  );
}

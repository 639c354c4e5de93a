// Kubernetes meta types, one definition each for the whole repository. ObjectMeta (and so KubeObject) is owned
// by the API server (a CRD schema may not describe it), so it is a hand-written TypeScript type; the other
// shared parts (ObjectReference...) are schemas like every CRD field.

import { arr, int, looseObj, obj, opt, type Static, str, strEnum, strMap } from './schema.ts';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/**
 * metav1.ObjectMeta as the API server serves it (the fields this project reads or writes): every object has
 * a name, so `name` is required. The one definition of the repository.
 */
export interface ObjectMeta {
  name: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
}

/**
 * An object as the API server serves it: apiVersion, kind and metadata with a name; the rest (spec, status,
 * data...) unchecked. Typed kinds are `ObjectOf<...>` (e.g. `EventTrigger`), which are KubeObjects too.
 */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/**
 * An object read by reference where a ConfigMap or Secret may be (a lookup for valuesFrom, policyRefs,
 * templateResourceRefs): their content fields, when present (Secret `data` is base64; `type` is the Secret
 * type).
 */
export type ObjectWithData = KubeObject & {
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  type?: string;
};

/**
 * Something that should be a Kubernetes object but that no API server has checked (a YAML document, a Lua
 * result): any field may be missing. Every KubeObject is one.
 */
export interface UncheckedObject {
  apiVersion?: string;
  kind?: string;
  metadata?: Partial<ObjectMeta>;
  [field: string]: unknown;
}

/** corev1.ObjectReference (every field optional; atomic map for server-side apply, as upstream). */
export const objectReference = obj(
  {
    apiVersion: opt(str({ description: 'API version of the referent.' })),
    kind: opt(str({ description: 'Kind of the referent.' })),
    namespace: opt(str({ description: 'Namespace of the referent.' })),
    name: opt(str({ description: 'Name of the referent.' })),
    uid: opt(str({ description: 'UID of the referent.' })),
    resourceVersion: opt(str({ description: 'Resource version of the referent.' })),
    fieldPath: opt(str({ description: 'Path of a field inside the referent.' })),
  },
  { mapType: 'atomic' },
);
export type ObjectReference = Static<typeof objectReference>;

/** corev1.SecretReference / a namespaced name. */
export const secretReference = obj(
  {
    name: opt(str({ description: 'Name of the Secret.' })),
    namespace: opt(str({ description: 'Namespace of the Secret.' })),
  },
  { mapType: 'atomic' },
);
export type SecretReference = Static<typeof secretReference>;

export const LABEL_SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
export type LabelSelectorOperator = (typeof LABEL_SELECTOR_OPERATORS)[number];

export const labelSelectorRequirement = obj({
  key: str({ description: 'The label key the requirement applies to.' }),
  operator: strEnum(LABEL_SELECTOR_OPERATORS, {
    description: 'How the key relates to the values: In, NotIn, Exists or DoesNotExist.',
  }),
  values: opt(
    arr(str(), {
      listType: 'atomic',
      description: 'Values for In and NotIn (non-empty); must be empty for Exists and DoesNotExist.',
    }),
  ),
});
export type LabelSelectorRequirement = Static<typeof labelSelectorRequirement>;

/** metav1.LabelSelector (Sveltos' `Selector` inlines it). */
export const labelSelector = obj(
  {
    matchLabels: opt(strMap({ description: 'Labels that must all be present with these values (ANDed).' })),
    matchExpressions: opt(
      arr(labelSelectorRequirement, {
        listType: 'atomic',
        description: 'Label requirements, ANDed with each other and with matchLabels.',
      }),
    ),
  },
  { mapType: 'atomic' },
);
export type LabelSelector = Static<typeof labelSelector>;

/** metav1.Condition-like entry; unknown fields kept (CAPI v1beta1 conditions also carry `severity`). */
export const condition = looseObj({
  type: str({ description: 'Type of the condition.' }),
  status: strEnum(['True', 'False', 'Unknown'], { description: 'Status of the condition.' }),
  reason: opt(str()),
  message: opt(str()),
  severity: opt(str()),
  observedGeneration: opt(int({ format: 'int64' })),
  lastTransitionTime: opt(str({ format: 'date-time' })),
});
export type Condition = Static<typeof condition>;

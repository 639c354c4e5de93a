// Kind definitions: one call per kind yields the descriptor constants (group, version, plural...), the
// CustomResourceDefinition object, and (through `ObjectOf`) the TypeScript type of its objects.

import type { ObjectMeta } from './meta.ts';
import type { JSONSchemaProps, Schema } from './schema.ts';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

export interface CustomResourceDefinitionVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema: { openAPIV3Schema: JSONSchemaProps };
  subresources?: { status?: Record<string, never> };
  additionalPrinterColumns?: PrinterColumn[];
}

/** How the API server reaches a conversion (or admission) webhook: a Service in a cluster, a URL in the test
 * bed; `caBundle` is the base64 PEM of the CA that signed the webhook's serving certificate. */
export interface WebhookClientConfig {
  service?: { namespace: string; name: string; path?: string; port?: number };
  url?: string;
  caBundle?: string;
}

export interface CustomResourceConversion {
  strategy: 'None' | 'Webhook';
  webhook?: { conversionReviewVersions: string[]; clientConfig: WebhookClientConfig };
}

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames?: string[];
      categories?: string[];
    };
    scope: 'Cluster' | 'Namespaced';
    versions: CustomResourceDefinitionVersion[];
    conversion?: CustomResourceConversion;
  };
}

/** Path of the conversion webhook on the webhook server (the event-manager's). */
export const CONVERSION_WEBHOOK_PATH = '/convert';
/** The Service the generated CRDs name for their conversion webhook; the chart sets its namespace and CA
 * bundle, the test bed replaces it with a URL (`withConversionWebhook`). */
export const CONVERSION_WEBHOOK_SERVICE = {
  namespace: 'projectsveltos',
  name: 'event-manager-webhook',
  path: CONVERSION_WEBHOOK_PATH,
  port: 443,
} as const;

/** An older API version of a kind, served beside the storage version through the conversion webhook, with a
 * schema of its own. */
export interface LegacyVersion<LSpec, LStatus> {
  version: string;
  spec: Schema<LSpec>;
  status?: Schema<LStatus>;
  /** Whether `spec` is required at the root of objects of this version. */
  specRequired: boolean;
  printerColumns?: PrinterColumn[];
}

export interface KindOptions<
  G extends string,
  V extends string,
  K extends string,
  Spec,
  Status,
  R extends boolean,
> {
  group: G;
  /** The storage version; the only one we type. */
  version: V;
  kind: K;
  plural: string;
  scope: 'Cluster' | 'Namespaced';
  description: string;
  spec: Schema<Spec>;
  /** Whether `spec` is required at the root of the object. */
  specRequired: R;
  /** Declaring a status schema also declares the status subresource. */
  status?: Schema<Status>;
  shortNames?: string[];
  categories?: string[];
  printerColumns?: PrinterColumn[];
  /** More versions served with the same schema (conversion strategy None), e.g. CAPI v1beta1. */
  alsoServed?: string[];
  /** An older version with its own schema, converted by the webhook (served, not stored). */
  legacy?: LegacyVersion<unknown, unknown>;
}

/** Descriptor of one kind: identity constants, its root schema and its CRD. */
export interface KindDef<
  G extends string,
  V extends string,
  K extends string,
  Spec,
  Status,
  R extends boolean,
> {
  readonly group: G;
  readonly version: V;
  readonly apiVersion: `${G}/${V}`;
  readonly kind: K;
  readonly listKind: `${K}List`;
  readonly plural: string;
  readonly singular: string;
  readonly resource: string;
  readonly scope: 'Cluster' | 'Namespaced';
  readonly namespaced: boolean;
  readonly hasStatus: boolean;
  readonly servedVersions: readonly string[];
  /** The schema of the storage version. */
  readonly schema: JSONSchemaProps;
  /** The schema of every served version. */
  readonly schemas: Readonly<Record<string, JSONSchemaProps>>;
  /** The older version converted by the webhook, if the kind has one. */
  readonly legacyVersion: string | undefined;
  readonly crd: CustomResourceDefinition;
  /** Phantom: static types of spec and status. */
  readonly __types?: { spec: Spec; status: Status; specRequired: R };
}

// biome-ignore lint/suspicious/noExplicitAny: type-level matching of any KindDef
export type AnyKindDef = KindDef<string, string, string, any, any, boolean>;

type Flatten<T> = { [K in keyof T]: T[K] } & {};

/** The TypeScript type of the objects of a kind. */
export type ObjectOf<D> =
  D extends KindDef<infer G, infer V, infer K, infer Spec, infer Status, infer R>
    ? Flatten<
        { apiVersion: `${G}/${V}`; kind: K; metadata: ObjectMeta } & (R extends true
          ? { spec: Spec }
          : { spec?: Spec }) &
          ([Status] extends [never] ? unknown : { status?: Status })
      >
    : never;

export function defineKind<
  const G extends string,
  const V extends string,
  const K extends string,
  Spec,
  Status = never,
  const R extends boolean = false,
>(o: KindOptions<G, V, K, Spec, Status, R>): KindDef<G, V, K, Spec, Status, R> {
  const schema = rootSchema(o.description, o.spec, o.status, o.specRequired);
  const singular = o.kind.toLowerCase();
  const version = (
    name: string,
    openAPIV3Schema: JSONSchemaProps,
    hasStatus: boolean,
    storage: boolean,
    printerColumns: PrinterColumn[] | undefined,
  ): CustomResourceDefinitionVersion => {
    const v: CustomResourceDefinitionVersion = { name, served: true, storage, schema: { openAPIV3Schema } };
    if (hasStatus) v.subresources = { status: {} };
    if (printerColumns && printerColumns.length > 0) v.additionalPrinterColumns = printerColumns;
    return v;
  };
  const versions: CustomResourceDefinitionVersion[] = [o.version, ...(o.alsoServed ?? [])].map((name) =>
    version(name, schema, o.status !== undefined, name === o.version, o.printerColumns),
  );
  const schemas: Record<string, JSONSchemaProps> = {};
  for (const v of versions) schemas[v.name] = schema;
  const legacy = o.legacy;
  if (legacy) {
    const legacySchema = rootSchema(o.description, legacy.spec, legacy.status, legacy.specRequired);
    schemas[legacy.version] = legacySchema;
    versions.push(
      version(
        legacy.version,
        legacySchema,
        legacy.status !== undefined,
        false,
        legacy.printerColumns ?? o.printerColumns,
      ),
    );
    // controller-gen's order: versions by name
    versions.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  const names: CustomResourceDefinition['spec']['names'] = {
    kind: o.kind,
    listKind: `${o.kind}List`,
    plural: o.plural,
    singular,
  };
  if (o.shortNames) names.shortNames = [...o.shortNames];
  if (o.categories) names.categories = [...o.categories];
  const crd: CustomResourceDefinition = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${o.plural}.${o.group}` },
    spec: { group: o.group, names, scope: o.scope, versions },
  };
  if (legacy) {
    crd.spec.conversion = {
      strategy: 'Webhook',
      webhook: {
        conversionReviewVersions: ['v1'],
        clientConfig: { service: { ...CONVERSION_WEBHOOK_SERVICE } },
      },
    };
  }
  return {
    group: o.group,
    version: o.version,
    apiVersion: `${o.group}/${o.version}`,
    kind: o.kind,
    listKind: `${o.kind}List`,
    plural: o.plural,
    singular,
    resource: `${o.plural}.${o.group}`,
    scope: o.scope,
    namespaced: o.scope === 'Namespaced',
    hasStatus: o.status !== undefined,
    servedVersions: versions.map((v) => v.name),
    schema,
    schemas,
    legacyVersion: legacy?.version,
    crd,
  };
}

function rootSchema(
  description: string,
  spec: Schema<unknown>,
  status: Schema<unknown> | undefined,
  specRequired: boolean,
): JSONSchemaProps {
  const properties: Record<string, JSONSchemaProps> = {
    apiVersion: { type: 'string', description: 'Versioned schema of this representation of the object.' },
    kind: { type: 'string', description: 'REST resource this object represents.' },
    metadata: { type: 'object' },
    spec: spec.props,
  };
  if (status) properties.status = status.props;
  const schema: JSONSchemaProps = { type: 'object', description, properties };
  if (specRequired) schema.required = ['spec'];
  return schema;
}

/** A copy of a CRD whose conversion webhook is reached through `clientConfig` (a Service with its CA bundle in
 * a cluster, a URL in the test bed). CRDs without a conversion webhook are returned unchanged. */
export function withConversionWebhook(
  crd: CustomResourceDefinition,
  clientConfig: WebhookClientConfig,
): CustomResourceDefinition {
  if (crd.spec.conversion?.strategy !== 'Webhook') return crd;
  const out = structuredClone(crd);
  out.spec.conversion = {
    strategy: 'Webhook',
    webhook: { conversionReviewVersions: ['v1'], clientConfig: structuredClone(clientConfig) },
  };
  return out;
}

/** A copy of a CRD with only its storage version and no conversion: what a cluster that runs no conversion
 * webhook gets (the managed clusters the event-manager installs EventSource/EventReport into). */
export function storageVersionOnly(crd: CustomResourceDefinition): CustomResourceDefinition {
  if (crd.spec.conversion?.strategy !== 'Webhook') return crd;
  const out = structuredClone(crd);
  out.spec.versions = out.spec.versions.filter((v) => v.storage);
  delete out.spec.conversion;
  return out;
}

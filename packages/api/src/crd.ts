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
  };
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
  readonly schema: JSONSchemaProps;
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
  const properties: Record<string, JSONSchemaProps> = {
    apiVersion: { type: 'string', description: 'Versioned schema of this representation of the object.' },
    kind: { type: 'string', description: 'REST resource this object represents.' },
    metadata: { type: 'object' },
    spec: o.spec.props,
  };
  if (o.status) properties.status = o.status.props;
  const schema: JSONSchemaProps = { type: 'object', description: o.description, properties };
  if (o.specRequired) schema.required = ['spec'];

  const singular = o.kind.toLowerCase();
  const versions: CustomResourceDefinitionVersion[] = [o.version, ...(o.alsoServed ?? [])].map((name) => {
    const v: CustomResourceDefinitionVersion = {
      name,
      served: true,
      storage: name === o.version,
      schema: { openAPIV3Schema: schema },
    };
    if (o.status) v.subresources = { status: {} };
    if (o.printerColumns && o.printerColumns.length > 0) v.additionalPrinterColumns = o.printerColumns;
    return v;
  });
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
    crd,
  };
}

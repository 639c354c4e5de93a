// desiredResources(): what one ClusterProfile wants in one cluster, as plain objects ready for server-side
// apply (reference labels, owner and hash annotations included), plus the errors met on the way. Pure: the
// adapter passes the referenced management-cluster objects through a side-effect-free lookup.

import { createHash } from 'node:crypto';
import {
  CLUSTER_PROFILE_SECRET_TYPE,
  type ClusterProfileSpec,
  type ClusterType,
  canonicalJson,
  DEFAULT_TIER,
  HASH_ANNOTATION,
  type ObjectWithData,
  type PolicyRef,
  REFERENCE_KIND_LABEL,
  REFERENCE_NAME_LABEL,
  REFERENCE_NAMESPACE_LABEL,
  splitApiVersion,
  TEMPLATE_ANNOTATION,
} from '@sveltos-ts/api';
import {
  addonData,
  fromJS,
  GoStruct,
  sveltosFuncs,
  TemplateCache,
  TemplateError,
  type Value,
} from '@sveltos-ts/template';
import { parseAllDocuments } from 'yaml';
import { AddonError } from './errors.ts';

/** Annotations upstream puts on every deployed object: which profile manages it, with which tier. */
export const OWNER_KIND_ANNOTATION = 'projectsveltos.io/owner-kind';
export const OWNER_NAME_ANNOTATION = 'projectsveltos.io/owner-name';
export const OWNER_TIER_ANNOTATION = 'projectsveltos.io/owner-tier';

/** The cluster the profile is deployed to, as read from the management cluster. */
export interface TargetCluster {
  type: ClusterType;
  namespace: string;
  name: string;
  /** The SveltosCluster or CAPI Cluster object (`.Cluster` in templates). */
  object: Record<string, unknown>;
}

export interface Profile {
  kind: 'ClusterProfile';
  name: string;
  spec: ClusterProfileSpec;
}

/** A management-cluster object a profile refers to. `namespace` is '' for cluster-scoped kinds. */
export interface RefKey {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/** Any object read from the management cluster (ConfigMap, Secret, or a templateResourceRefs target). */
export type MgmtObject = ObjectWithData;

export type Lookup = (key: RefKey) => MgmtObject | undefined;

/** Identity of an object in a managed cluster (the version is not part of the identity). */
export interface ResourceId {
  group: string;
  version: string;
  kind: string;
  /** '' for cluster-scoped objects, and before the adapter defaults it for namespaced ones. */
  namespace: string;
  name: string;
  /** deploymentType Local: the object lives in the management cluster (absent: the managed cluster). */
  local?: true | undefined;
}

export interface DesiredResource {
  id: ResourceId;
  /** The object to apply: rendered content plus reference labels, owner and hash annotations. */
  object: Record<string, unknown>;
  /** `sha256:<hex>` of the object without the hash annotation. */
  hash: string;
  /** The ConfigMap/Secret (and data key) it comes from. */
  source: { kind: 'ConfigMap' | 'Secret'; namespace: string; name: string; key: string };
  tier: number;
  skipNamespaceCreation: boolean;
  /** Delete and create again when an update is refused because a field is immutable (the ref's `force`). */
  force?: boolean | undefined;
}

export interface DesiredState {
  resources: DesiredResource[];
  /** Failures that keep the profile from being fully deployed; the adapter must not withdraw anything. */
  errors: AddonError[];
  /** Every management-cluster object looked up, found or not (what the adapter watches for this pair). */
  references: RefKey[];
}

export interface PlanInput {
  profile: Profile;
  cluster: TargetCluster;
  lookup: Lookup;
}

export const resourceKey = (id: ResourceId): string =>
  `${id.local ? 'Local|' : ''}${id.group}|${id.kind}|${id.namespace}|${id.name}`;

const contentCache = new TemplateCache({ funcs: sveltosFuncs({ context: 'addon' }) });
const nameCache = new TemplateCache({ funcs: sveltosFuncs({ context: 'plain' }) });

type ObjectMap = Map<string, Value>;
export const toMap = (o: Record<string, unknown>): ObjectMap => fromJS(o, 'int64') as ObjectMap;

/** Names and namespaces of references are templates over `.Cluster`, `.ClusterNamespace`, `.ClusterName`. */
export function renderName(text: string, cluster: TargetCluster, field: string): string {
  if (!text.includes('{{')) return text;
  const data = new GoStruct(
    'struct',
    new Map<string, Value>([
      ['Cluster', toMap(cluster.object)],
      ['ClusterNamespace', cluster.namespace],
      ['ClusterName', cluster.name],
    ]),
  );
  try {
    return nameCache.get(text, field).execute(data);
  } catch (e) {
    if (e instanceof TemplateError) throw new AddonError('TEMPLATE_FAILED', `${field}: ${e.message}`);
    throw e;
  }
}

export function contentHash(object: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(object)).digest('hex')}`;
}

/** Resolves templateResourceRefs: the objects templates reach through `getResource "<identifier>"`. */
export function templateResources(
  input: PlanInput,
  references: RefKey[],
): { resources: Map<string, Value> | undefined; errors: AddonError[] } {
  const refs = input.profile.spec.templateResourceRefs ?? [];
  if (refs.length === 0) return { resources: undefined, errors: [] };
  const resources = new Map<string, Value>();
  const errors: AddonError[] = [];
  for (const [i, ref] of refs.entries()) {
    const field = `spec.templateResourceRefs[${i}]`;
    try {
      const r = ref.resource;
      const key: RefKey = {
        apiVersion: r.apiVersion ?? 'v1',
        kind: r.kind ?? '',
        // empty namespace: the cluster's namespace (cluster-scoped kinds ignore it in the lookup)
        namespace: r.namespace
          ? renderName(r.namespace, input.cluster, `${field}.resource.namespace`)
          : input.cluster.namespace,
        name: renderName(r.name ?? '', input.cluster, `${field}.resource.name`),
      };
      references.push(key);
      const found = input.lookup(key);
      if (found === undefined) {
        if (!ref.optional) {
          errors.push(
            new AddonError(
              'REFERENCE_NOT_FOUND',
              `templateResourceRefs "${ref.identifier}": ${key.kind} ${key.namespace}/${key.name} does not exist`,
            ),
          );
        }
        continue;
      }
      resources.set(ref.identifier, toMap(found));
    } catch (e) {
      if (e instanceof AddonError) errors.push(e);
      else throw e;
    }
  }
  return { resources, errors };
}

/** The YAML documents of one data value, as objects; an error names the ConfigMap/Secret and key. */
function documents(text: string, where: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  // as Go reads YAML (sigs.k8s.io/yaml, not strict): a repeated key keeps its last value
  for (const [i, doc] of parseAllDocuments(text, { uniqueKeys: false }).entries()) {
    if (doc.errors.length > 0) {
      throw new AddonError(
        'INVALID_RESOURCE',
        `${where}: document ${i + 1} is not valid YAML: ${doc.errors[0]!.message}`,
      );
    }
    const v: unknown = doc.toJS({ maxAliasCount: 100 });
    if (v === null || v === undefined) continue;
    if (typeof v !== 'object' || Array.isArray(v)) {
      throw new AddonError(
        'INVALID_RESOURCE',
        `${where}: document ${i + 1} is not a Kubernetes object (a mapping)`,
      );
    }
    const o = v as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } };
    if (
      typeof o.apiVersion !== 'string' ||
      typeof o.kind !== 'string' ||
      typeof o.metadata?.name !== 'string'
    ) {
      throw new AddonError(
        'INVALID_RESOURCE',
        `${where}: document ${i + 1} needs apiVersion, kind and metadata.name (strings)`,
      );
    }
    out.push(v as Record<string, unknown>);
  }
  return out;
}

function decodeData(obj: MgmtObject, kind: 'ConfigMap' | 'Secret'): Array<[string, string]> {
  const data = obj.data ?? {};
  // keys in byte order: upstream's order is random, ours is stable (only duplicates can observe it)
  return Object.keys(data)
    .sort()
    .map((k) => [
      k,
      kind === 'Secret' ? Buffer.from(data[k] ?? '', 'base64').toString('utf8') : (data[k] ?? ''),
    ]);
}

export function withOwnership(
  object: Record<string, unknown>,
  source: DesiredResource['source'],
  profile: Profile,
  tier: number,
): { object: Record<string, unknown>; hash: string } {
  const o = structuredClone(object) as Record<string, unknown> & {
    metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
  };
  const spec = profile.spec;
  o.metadata.labels = {
    ...(o.metadata.labels ?? {}),
    ...(spec.extraLabels ?? {}),
    [REFERENCE_KIND_LABEL]: source.kind,
    [REFERENCE_NAME_LABEL]: source.name,
    [REFERENCE_NAMESPACE_LABEL]: source.namespace,
  };
  o.metadata.annotations = {
    ...(o.metadata.annotations ?? {}),
    ...(spec.extraAnnotations ?? {}),
    [OWNER_KIND_ANNOTATION]: profile.kind,
    [OWNER_NAME_ANNOTATION]: profile.name,
    [OWNER_TIER_ANNOTATION]: String(tier),
  };
  delete o.metadata.annotations[HASH_ANNOTATION];
  const hash = contentHash(o);
  o.metadata.annotations[HASH_ANNOTATION] = hash;
  return { object: o, hash };
}

/** One policyRef → its resources. Throws AddonError; returns undefined when an optional ref is missing. */
function policyRefResources(
  input: PlanInput,
  ref: PolicyRef,
  index: number,
  mgmt: Map<string, Value> | undefined,
  references: RefKey[],
): DesiredResource[] | undefined {
  const field = `spec.policyRefs[${index}]`;
  const kind = ref.kind;
  if (kind !== 'ConfigMap' && kind !== 'Secret') {
    throw new AddonError(
      'UNSUPPORTED_REFERENCE',
      `${field}: ${ref.kind ? `kind ${ref.kind}` : 'remoteURL'} is not supported yet (only ConfigMap and Secret)`,
    );
  }
  const namespace = ref.namespace
    ? renderName(ref.namespace, input.cluster, `${field}.namespace`)
    : input.cluster.namespace;
  const name = renderName(ref.name ?? '', input.cluster, `${field}.name`);
  const key: RefKey = { apiVersion: 'v1', kind, namespace, name };
  references.push(key);
  const obj = input.lookup(key);
  if (obj === undefined) {
    if (ref.optional) return undefined;
    throw new AddonError('REFERENCE_NOT_FOUND', `${field}: ${kind} ${namespace}/${name} does not exist`);
  }
  if (kind === 'Secret' && obj.type !== CLUSTER_PROFILE_SECRET_TYPE) {
    throw new AddonError(
      'UNSUPPORTED_SECRET_TYPE',
      `${field}: Secret ${namespace}/${name} has type ${JSON.stringify(obj.type ?? '')}; ` +
        `Secrets holding add-ons must have type ${CLUSTER_PROFILE_SECRET_TYPE}`,
    );
  }
  const templated = obj.metadata?.annotations?.[TEMPLATE_ANNOTATION] !== undefined;
  // the CRD defaults a policyRef's tier to 100: only a different value overrides the profile's tier
  const tier =
    ref.tier !== undefined && ref.tier !== DEFAULT_TIER
      ? ref.tier
      : (input.profile.spec.tier ?? DEFAULT_TIER);
  const out: DesiredResource[] = [];
  for (const [dataKey, raw] of decodeData(obj, kind)) {
    const where = `${kind} ${namespace}/${name} key ${JSON.stringify(dataKey)}`;
    let text = raw;
    if (templated) {
      try {
        const data = addonData({
          cluster: toMap(input.cluster.object),
          ...(mgmt ? { mgmtResources: mgmt } : {}),
        });
        text = contentCache.get(raw, `${namespace}-${name}-${dataKey}`).execute(data);
      } catch (e) {
        if (e instanceof TemplateError) throw new AddonError('TEMPLATE_FAILED', `${where}: ${e.message}`);
        throw e;
      }
    }
    for (const doc of documents(text, where)) {
      const source = { kind, namespace, name, key: dataKey };
      const { object, hash } = withOwnership(doc, source, input.profile, tier);
      const meta = object.metadata as { name: string; namespace?: unknown };
      const { group, version } = splitApiVersion(object.apiVersion as string);
      out.push({
        id: {
          group,
          version,
          kind: object.kind as string,
          namespace: typeof meta.namespace === 'string' ? meta.namespace : '',
          name: meta.name,
          ...(ref.deploymentType === 'Local' ? { local: true as const } : {}),
        },
        object,
        hash,
        source,
        tier,
        skipNamespaceCreation: ref.skipNamespaceCreation === true,
        force: ref.force === true,
      });
    }
  }
  return out;
}

/** The resources `profile` wants in `cluster`, in policyRef order. Errors are per policyRef: one bad
 * reference does not hide the others' resources, but any error tells the adapter not to withdraw. */
export function desiredResources(input: PlanInput): DesiredState {
  const references: RefKey[] = [];
  const { resources: mgmt, errors } = templateResources(input, references);
  const resources: DesiredResource[] = [];
  const seen = new Map<string, DesiredResource>();
  const refs = input.profile.spec.policyRefs ?? [];
  for (const [i, ref] of refs.entries()) {
    let produced: DesiredResource[] | undefined;
    try {
      produced = policyRefResources(input, ref, i, mgmt, references);
    } catch (e) {
      if (!(e instanceof AddonError)) throw e;
      errors.push(e);
      // upstream deploys references in order and stops at the first failure unless continueOnError
      if (input.profile.spec.continueOnError !== true && i + 1 < refs.length) {
        errors.push(stoppedAfter('spec.policyRefs', i, refs.length));
        break;
      }
      continue;
    }
    for (const r of produced ?? []) {
      const k = resourceKey(r.id);
      const first = seen.get(k);
      if (first !== undefined) {
        errors.push(
          new AddonError(
            'DUPLICATE_RESOURCE',
            `${describe(r.id)} is defined twice: in ${sourceText(first.source)} and in ${sourceText(r.source)}`,
          ),
        );
        continue;
      }
      seen.set(k, r);
      resources.push(r);
    }
  }
  return { resources, errors, references };
}

/** Why later references of a list were not deployed: an earlier one failed and continueOnError is false. */
export function stoppedAfter(field: string, failed: number, total: number): AddonError {
  const later = failed + 2 === total ? `${field}[${failed + 1}]` : `${field}[${failed + 1}..${total - 1}]`;
  return new AddonError(
    'NOT_DEPLOYED',
    `${later}: not deployed because ${field}[${failed}] failed (spec.continueOnError is false)`,
    { retryable: false },
  );
}

const sourceText = (s: DesiredResource['source']): string =>
  `${s.kind} ${s.namespace}/${s.name} key ${JSON.stringify(s.key)}`;

/** `Kind namespace/name` or `Kind name`, as messages show objects. */
export function describe(id: ResourceId): string {
  return `${id.kind} ${id.namespace ? `${id.namespace}/` : ''}${id.name}${id.local ? ' (management cluster)' : ''}`;
}

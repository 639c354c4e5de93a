// planKustomizations(): the pure half of a kustomizationRef — which ConfigMap/Secret holds the kustomize
// directory (an archive), the path, components and target namespace (templates over `.Cluster` as
// upstream), and the substitute values (values, then valuesFrom; each value may itself be a template)
// that the build's output is instantiated with. deploymentType Local sends the objects to the management
// cluster. Flux sources and remoteURL are refused.

import { DEFAULT_TIER, type KustomizationRef, TEMPLATE_ANNOTATION } from '@sveltos-ts/api';
import { addonData, sveltosFuncs, TemplateCache, TemplateError, type Value } from '@sveltos-ts/template';
import { AddonError } from '../../errors.ts';
import {
  type Lookup,
  type MgmtObject,
  type Profile,
  type RefKey,
  renderName,
  type TargetCluster,
  templateResources,
  toMap,
} from '../../plan.ts';

export interface KustomizeSource {
  field: string;
  kind: 'ConfigMap' | 'Secret';
  namespace: string;
  name: string;
  /** The data key holding the archive. */
  archiveKey: string;
  archive: Buffer;
  path: string;
  targetNamespace: string | undefined;
  components: string[];
  /** Substitute values the build output is instantiated with (none: the output is used as built). */
  values: Record<string, string>;
  tier: number;
  skipNamespaceCreation: boolean;
  /** deploymentType Local: the objects go to the management cluster. */
  local: boolean;
  force: boolean;
}

export type PlannedKustomization =
  | { index: number; source: KustomizeSource; error?: undefined }
  | { index: number; error: AddonError; source?: undefined };

export interface KustomizePlan {
  refs: PlannedKustomization[];
  errors: AddonError[];
  references: RefKey[];
}

const cache = new TemplateCache({ funcs: sveltosFuncs({ context: 'addon' }) });

function render(text: string, data: Value, where: string): string {
  if (!text.includes('{{')) return text;
  try {
    return cache.get(text, where).execute(data);
  } catch (e) {
    if (e instanceof TemplateError) throw new AddonError('TEMPLATE_FAILED', `${where}: ${e.message}`);
    throw e;
  }
}

const decode = (obj: MgmtObject, kind: string, key: string): string => {
  const raw = obj.data?.[key] ?? '';
  return kind === 'Secret' ? Buffer.from(raw, 'base64').toString('utf8') : raw;
};

/** The archive a ConfigMap (binaryData, as `kubectl create configmap --from-file x.tar.gz` stores it) or a
 * Secret (data) holds: its only key, or the first in byte order. */
function archiveOf(
  obj: MgmtObject,
  kind: 'ConfigMap' | 'Secret',
  where: string,
): { key: string; bytes: Buffer } {
  const binary = (obj as { binaryData?: Record<string, string> }).binaryData ?? {};
  const data = obj.data ?? {};
  const keys = kind === 'ConfigMap' ? Object.keys(binary).sort() : Object.keys(data).sort();
  const key = keys[0];
  if (key === undefined)
    throw new AddonError(
      'KUSTOMIZE_FAILED',
      `${where}: holds no archive (expected a .tar.gz of the kustomize directory in ${kind === 'ConfigMap' ? 'binaryData' : 'data'})`,
    );
  return { key, bytes: Buffer.from((kind === 'ConfigMap' ? binary : data)[key] ?? '', 'base64') };
}

function planRef(
  input: { profile: Profile; cluster: TargetCluster; lookup: Lookup },
  ref: KustomizationRef,
  field: string,
  data: Value,
  references: RefKey[],
): KustomizeSource | undefined {
  if (ref.remoteURL !== undefined || (ref.kind !== 'ConfigMap' && ref.kind !== 'Secret'))
    throw new AddonError(
      'UNSUPPORTED_REFERENCE',
      `${field}: ${ref.kind ? `kind ${ref.kind} (a Flux source)` : 'remoteURL'} is not supported yet (only ConfigMap and Secret holding a kustomize archive)`,
    );
  const kind = ref.kind;
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
  const archive = archiveOf(obj, kind, `${field}: ${kind} ${namespace}/${name}`);
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(ref.values ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)))
    values[k] = render(v, data, `${field}.values.${k}`);
  for (const [j, from] of (ref.valuesFrom ?? []).entries()) {
    const where = `${field}.valuesFrom[${j}]`;
    const ns = from.namespace
      ? renderName(from.namespace, input.cluster, `${where}.namespace`)
      : input.cluster.namespace;
    const n = renderName(from.name, input.cluster, `${where}.name`);
    const k: RefKey = { apiVersion: 'v1', kind: from.kind, namespace: ns, name: n };
    references.push(k);
    const o = input.lookup(k);
    if (o === undefined) {
      if (from.optional) continue;
      throw new AddonError('REFERENCE_NOT_FOUND', `${where}: ${from.kind} ${ns}/${n} does not exist`);
    }
    const templated = o.metadata?.annotations?.[TEMPLATE_ANNOTATION] !== undefined;
    for (const dataKey of Object.keys(o.data ?? {}).sort()) {
      const text = decode(o, from.kind, dataKey);
      values[dataKey] = templated ? render(text, data, `${where} key ${JSON.stringify(dataKey)}`) : text;
    }
  }
  const tier =
    ref.tier !== undefined && ref.tier !== DEFAULT_TIER
      ? ref.tier
      : (input.profile.spec.tier ?? DEFAULT_TIER);
  return {
    field,
    kind,
    namespace,
    name,
    archiveKey: archive.key,
    archive: archive.bytes,
    path: render(ref.path ?? '', data, `${field}.path`) || '.',
    targetNamespace: ref.targetNamespace
      ? render(ref.targetNamespace, data, `${field}.targetNamespace`)
      : undefined,
    components: (ref.components ?? []).map((c, j) => render(c, data, `${field}.components[${j}]`)),
    values,
    tier,
    skipNamespaceCreation: ref.skipNamespaceCreation === true,
    local: ref.deploymentType === 'Local',
    force: ref.force === true,
  };
}

export function planKustomizations(input: {
  profile: Profile;
  cluster: TargetCluster;
  lookup: Lookup;
}): KustomizePlan {
  const references: RefKey[] = [];
  const { resources: mgmt, errors } = templateResources(input, references);
  const data = addonData({ cluster: toMap(input.cluster.object), ...(mgmt ? { mgmtResources: mgmt } : {}) });
  const refs: PlannedKustomization[] = [];
  for (const [i, ref] of (input.profile.spec.kustomizationRefs ?? []).entries()) {
    try {
      const source = planRef(input, ref, `spec.kustomizationRefs[${i}]`, data, references);
      if (source) refs.push({ index: i, source });
    } catch (e) {
      if (!(e instanceof AddonError)) throw e;
      refs.push({ index: i, error: e });
    }
  }
  return { refs, errors, references };
}

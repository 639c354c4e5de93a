// spec.patches and spec.patchesFrom (upstream's post-render patches): strategic-merge and JSON6902 patches,
// each optionally with a target (group, version, kind, name, namespace, labelSelector, annotationSelector),
// applied with the real kustomize — the machinery upstream uses — to the objects of Resources and Kustomize
// before they are deployed, and to Helm's rendered manifests through helm's post-renderer (helm/post-render.ts).
// Patches are templates over `.Cluster` and templateResourceRefs; a patchesFrom value is one patch (a
// mapping with `patch` and optional `target` is taken as such, anything else as the patch itself), rendered
// when its ConfigMap/Secret is annotated `projectsveltos.io/template`.

import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson, type PatchSelector, splitApiVersion, TEMPLATE_ANNOTATION } from '@sveltos-ts/api';
import { addonData, sveltosFuncs, TemplateCache, TemplateError, type Value } from '@sveltos-ts/template';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { AddonError } from '../errors.ts';
import {
  type DesiredResource,
  type DesiredState,
  type Lookup,
  type Profile,
  type RefKey,
  renderName,
  type TargetCluster,
  templateResources,
  toMap,
  withOwnership,
} from '../plan.ts';
import { HelmCommandError, runTool } from './helm/cli.ts';
import type { ToolSettings } from './types.ts';

export interface PlannedPatch {
  patch: string;
  target?: PatchSelector | undefined;
}

export interface PatchPlan {
  patches: PlannedPatch[];
  errors: AddonError[];
  references: RefKey[];
}

const cache = new TemplateCache({ funcs: sveltosFuncs({ context: 'addon' }) });

function render(text: string, data: Value, where: string): string {
  if (!text.includes('{{')) return text;
  try {
    return cache.get(text, where).execute(data);
  } catch (e) {
    if (e instanceof TemplateError) throw new AddonError('PATCH_FAILED', `${where}: ${e.message}`);
    throw e;
  }
}

/** A patchesFrom value: `{patch, target}` when written so, otherwise the value is the patch. */
function fromValue(text: string): PlannedPatch {
  let v: unknown;
  try {
    v = parse(text);
  } catch {
    return { patch: text };
  }
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as { patch?: unknown; target?: unknown };
    if (typeof o.patch === 'string' && Object.keys(o).every((k) => k === 'patch' || k === 'target'))
      return { patch: o.patch, ...(o.target ? { target: o.target as PatchSelector } : {}) };
  }
  return { patch: text };
}

/** The profile's patches, rendered, in order: `patches` first, then every value of every `patchesFrom`. */
export function planPatches(input: { profile: Profile; cluster: TargetCluster; lookup: Lookup }): PatchPlan {
  const spec = input.profile.spec;
  const plan: PatchPlan = { patches: [], errors: [], references: [] };
  if (!spec.patches?.length && !spec.patchesFrom?.length) return plan;
  const { resources: mgmt, errors } = templateResources(input, plan.references);
  plan.errors.push(...errors);
  const data = addonData({ cluster: toMap(input.cluster.object), ...(mgmt ? { mgmtResources: mgmt } : {}) });
  for (const [i, p] of (spec.patches ?? []).entries()) {
    try {
      plan.patches.push({ patch: render(p.patch, data, `spec.patches[${i}]`), target: p.target });
    } catch (e) {
      if (!(e instanceof AddonError)) throw e;
      plan.errors.push(e);
    }
  }
  for (const [i, from] of (spec.patchesFrom ?? []).entries()) {
    const where = `spec.patchesFrom[${i}]`;
    try {
      const ns = from.namespace
        ? renderName(from.namespace, input.cluster, `${where}.namespace`)
        : input.cluster.namespace;
      const name = renderName(from.name, input.cluster, `${where}.name`);
      const key: RefKey = { apiVersion: 'v1', kind: from.kind, namespace: ns, name };
      plan.references.push(key);
      const o = input.lookup(key);
      if (o === undefined) {
        if (!from.optional)
          plan.errors.push(
            new AddonError('REFERENCE_NOT_FOUND', `${where}: ${from.kind} ${ns}/${name} does not exist`),
          );
        continue;
      }
      const templated = o.metadata?.annotations?.[TEMPLATE_ANNOTATION] !== undefined;
      for (const dataKey of Object.keys(o.data ?? {}).sort()) {
        const raw = o.data?.[dataKey] ?? '';
        const text = from.kind === 'Secret' ? Buffer.from(raw, 'base64').toString('utf8') : raw;
        const rendered = templated ? render(text, data, `${where} key ${JSON.stringify(dataKey)}`) : text;
        plan.patches.push(fromValue(rendered));
      }
    } catch (e) {
      if (!(e instanceof AddonError)) throw e;
      plan.errors.push(e);
    }
  }
  return plan;
}

/** A fingerprint of the patches (a change must reach the cluster even when nothing else changed). */
export const patchesHash = (patches: readonly PlannedPatch[]): string =>
  createHash('sha256').update(canonicalJson(patches)).digest('hex').slice(0, 16);

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The target a strategic-merge patch without one names itself (its apiVersion, kind, name and namespace):
 * so it applies to that object wherever it is among the profile's objects, and to nothing elsewhere (kustomize
 * alone fails on a patch whose object is not in the set, and every feature patches its own set). */
export function implicitTarget(patch: string): PatchSelector | undefined {
  let v: unknown;
  try {
    v = parse(patch);
  } catch {
    return undefined;
  }
  const o = v as {
    apiVersion?: unknown;
    kind?: unknown;
    metadata?: { name?: unknown; namespace?: unknown };
  } | null;
  if (!o || typeof o !== 'object' || Array.isArray(o) || typeof o.kind !== 'string') return undefined;
  if (typeof o.metadata?.name !== 'string') return undefined;
  const { group, version } = splitApiVersion(typeof o.apiVersion === 'string' ? o.apiVersion : '');
  return {
    ...(typeof o.apiVersion === 'string' ? { group, version } : {}),
    kind: o.kind,
    name: escapeRegExp(o.metadata.name),
    ...(typeof o.metadata.namespace === 'string' ? { namespace: escapeRegExp(o.metadata.namespace) } : {}),
  };
}

/** kustomization.yaml content: the resources files, the patches, and labels for every object's metadata. */
export function kustomization(
  resources: readonly string[],
  patches: readonly PlannedPatch[],
  labels?: Record<string, string>,
): string {
  return stringify({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources,
    ...(labels ? { labels: [{ pairs: labels, includeSelectors: false, includeTemplates: false }] } : {}),
    patches: patches.map((p) => {
      const target = p.target ?? implicitTarget(p.patch);
      return { patch: p.patch, ...(target ? { target } : {}) };
    }),
  });
}

const INDEX = 'addon-controller.projectsveltos.io/patch-index';
const results = new Map<string, Record<string, unknown>[]>();

/** `objects` with the patches applied by `kustomize build` (results of identical inputs are reused). */
export async function patchObjects(
  tools: ToolSettings,
  objects: readonly Record<string, unknown>[],
  patches: readonly PlannedPatch[],
): Promise<Record<string, unknown>[]> {
  if (patches.length === 0 || objects.length === 0) return [...objects];
  const key = createHash('sha256').update(canonicalJson({ objects, patches })).digest('hex');
  const cached = results.get(key);
  if (cached) return structuredClone(cached);
  mkdirSync(tools.cacheDir, { recursive: true, mode: 0o700 });
  const dir = mkdtempSync(join(tools.cacheDir, 'patches-'));
  try {
    const files = objects.map((o, i) => {
      const copy = structuredClone(o) as { metadata: { annotations?: Record<string, string> } };
      copy.metadata.annotations = { ...(copy.metadata.annotations ?? {}), [INDEX]: String(i) };
      const file = `resource-${i}.yaml`;
      writeFileSync(join(dir, file), stringify(copy));
      return file;
    });
    writeFileSync(join(dir, 'kustomization.yaml'), kustomization(files, patches));
    let output: string;
    try {
      output = await runTool(tools.kustomizeBinary, ['build', dir], {
        env: { PATH: process.env.PATH, HOME: dir },
        cwd: dir,
        timeoutMs: tools.commandTimeoutMs,
        what: 'kustomize build (patches)',
      });
    } catch (e) {
      if (e instanceof HelmCommandError) throw new AddonError('PATCH_FAILED', `patches: ${e.message}`);
      throw e;
    }
    const out: Record<string, unknown>[] = new Array(objects.length);
    for (const doc of parseAllDocuments(output)) {
      const o = doc.toJS() as { metadata?: { annotations?: Record<string, string> } } | null;
      if (!o) continue;
      const i = Number(o.metadata?.annotations?.[INDEX]);
      if (!(i >= 0 && i < objects.length) || out[i] !== undefined)
        throw new AddonError(
          'PATCH_FAILED',
          'patches: a patch removed the annotations kustomize output is matched by',
        );
      delete o.metadata!.annotations![INDEX];
      const had = (objects[i]!.metadata as { annotations?: unknown }).annotations !== undefined;
      if (!had && Object.keys(o.metadata!.annotations!).length === 0) delete o.metadata!.annotations;
      out[i] = o as Record<string, unknown>;
    }
    if (out.some((o) => o === undefined))
      throw new AddonError('PATCH_FAILED', 'patches: kustomize did not return every object');
    if (results.size >= 256) results.delete(results.keys().next().value!);
    results.set(key, structuredClone(out));
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Desired objects with the patches applied, their ownership marks put back and identity re-read. */
export async function patchResources(
  tools: ToolSettings,
  resources: readonly DesiredResource[],
  patches: readonly PlannedPatch[],
  profile: Profile,
): Promise<DesiredResource[]> {
  if (patches.length === 0) return [...resources];
  const patched = await patchObjects(
    tools,
    resources.map((r) => r.object),
    patches,
  );
  return resources.map((r, i) => {
    const { object, hash } = withOwnership(patched[i]!, r.source, profile, r.tier);
    const meta = object.metadata as { name?: unknown; namespace?: unknown };
    if (
      typeof object.apiVersion !== 'string' ||
      typeof object.kind !== 'string' ||
      typeof meta.name !== 'string'
    )
      throw new AddonError(
        'PATCH_FAILED',
        `patches: the patched ${r.id.kind} ${r.id.name} lost its apiVersion, kind or name`,
      );
    const { group, version } = splitApiVersion(object.apiVersion);
    return {
      ...r,
      id: {
        ...r.id,
        group,
        version,
        kind: object.kind,
        namespace: typeof meta.namespace === 'string' ? meta.namespace : '',
        name: meta.name,
      },
      object,
      hash,
    };
  });
}

/** A feature's desired state with the profile's patches applied; when the patches cannot be planned or
 * applied nothing is deployed (never the unpatched objects) and nothing is withdrawn. */
export async function withPatches(
  tools: ToolSettings,
  profile: Profile,
  state: DesiredState,
  plan: PatchPlan,
): Promise<DesiredState> {
  const references = [...state.references, ...plan.references];
  if (plan.errors.length > 0) return { resources: [], errors: [...state.errors, ...plan.errors], references };
  try {
    return {
      resources: await patchResources(tools, state.resources, plan.patches, profile),
      errors: state.errors,
      references,
    };
  } catch (e) {
    if (!(e instanceof AddonError)) throw e;
    return { resources: [], errors: [...state.errors, e], references };
  }
}

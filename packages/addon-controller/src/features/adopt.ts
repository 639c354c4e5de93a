// Objects that existed before Sveltos applied to them (docs/design/addon-controller.md, "Existing objects").
// As upstream, an add-on is applied over an object that already exists; unlike upstream, the object's prior
// content is kept on the object itself, in the annotation PRE_EXISTING_ANNOTATION, written in the same
// server-side apply that adopts it (so no crash can separate the two). On withdrawal the fields this
// controller manages (its managedFields entry) get their prior values back — or are removed when they did
// not exist before — and our labels and annotations go; fields others changed meanwhile are left as they
// are. The object is never deleted. Pure.

import {
  HASH_ANNOTATION,
  type KubeObject,
  REFERENCE_KIND_LABEL,
  REFERENCE_NAME_LABEL,
  REFERENCE_NAMESPACE_LABEL,
} from '@sveltos-ts/api';
import { PRE_EXISTING } from '../diff.ts';
import { OWNER_KIND_ANNOTATION, OWNER_NAME_ANNOTATION, OWNER_TIER_ANNOTATION } from '../plan.ts';

/** On an adopted object: its content before Sveltos first applied to it (JSON), restored on withdrawal. */
export const PRE_EXISTING_ANNOTATION = PRE_EXISTING;

/** The field manager of the restoring update (distinct from the apply manager, which must end up owning nothing). */
export const RESTORE_FIELD_MANAGER = 'sveltos-addon-controller-restore';

/** Annotations may hold 256 KiB in all; a prior content larger than this is not adopted (a conflict instead). */
export const MAX_BACKUP_BYTES = 128 * 1024;

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const OUR_LABELS = [REFERENCE_KIND_LABEL, REFERENCE_NAME_LABEL, REFERENCE_NAMESPACE_LABEL];
const OUR_ANNOTATIONS = [
  OWNER_KIND_ANNOTATION,
  OWNER_NAME_ANNOTATION,
  OWNER_TIER_ANNOTATION,
  HASH_ANNOTATION,
  PRE_EXISTING_ANNOTATION,
];

type Obj = Record<string, unknown>;
const isMap = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The prior content of an object about to be adopted: everything but status and server-set metadata. */
export function backupOf(live: KubeObject): string {
  const {
    apiVersion: _a,
    kind: _k,
    metadata,
    status: _s,
    ...content
  } = live as KubeObject & { status?: unknown };
  const annotations = { ...(metadata.annotations ?? {}) };
  delete annotations[LAST_APPLIED];
  delete annotations[PRE_EXISTING_ANNOTATION];
  const meta: Obj = {};
  if (metadata.labels && Object.keys(metadata.labels).length > 0) meta.labels = metadata.labels;
  if (Object.keys(annotations).length > 0) meta.annotations = annotations;
  return JSON.stringify({ metadata: meta, ...content });
}

/** Why an object cannot be adopted (its copy would not fit in an annotation), or undefined. */
export function adoptionRefusal(backup: string): string | undefined {
  const size = Buffer.byteLength(backup);
  return size > MAX_BACKUP_BYTES
    ? `it already exists (not created by Sveltos) and is too large (${size} bytes) to keep a copy for restoring it on withdrawal: it is left untouched`
    : undefined;
}

/** The object to apply, carrying the prior content of the live object it adopts (or already adopted). */
export function withBackup(object: Obj, backup: string): Obj {
  const metadata = { ...(object.metadata as Obj) };
  metadata.annotations = {
    ...((metadata.annotations as Record<string, string>) ?? {}),
    [PRE_EXISTING_ANNOTATION]: backup,
  };
  return { ...object, metadata };
}

/** The prior content a live object carries, when it is readable. */
export function backupFrom(live: KubeObject | undefined): Obj | undefined {
  const text = live?.metadata.annotations?.[PRE_EXISTING_ANNOTATION];
  if (text === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return isMap(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  fieldsType?: string;
  fieldsV1?: Obj;
  subresource?: string;
}

/** Merges the fieldsV1 sets of `manager`'s apply entries (the fields this controller owns). */
export function ownedFields(live: KubeObject, manager: string): Obj | undefined {
  const entries = ((live.metadata as { managedFields?: ManagedFieldsEntry[] }).managedFields ?? []).filter(
    (e) => e.manager === manager && e.operation === 'Apply' && !e.subresource && isMap(e.fieldsV1),
  );
  if (entries.length === 0) return undefined;
  const merge = (a: Obj, b: Obj): Obj => {
    const out: Obj = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = isMap(out[k]) && isMap(v) ? merge(out[k] as Obj, v) : v;
    return out;
  };
  const fields = entries.reduce<Obj>((acc, e) => merge(acc, e.fieldsV1!), {});
  // a Secret's stringData is written into data: owning stringData.x means owning data.x
  if (live.kind === 'Secret' && isMap(fields['f:stringData'])) {
    fields['f:data'] = merge(
      isMap(fields['f:data']) ? (fields['f:data'] as Obj) : {},
      fields['f:stringData'] as Obj,
    );
    delete fields['f:stringData'];
  }
  return fields;
}

/** Gives the owned fields of `node` their `prior` values (removing those that did not exist). */
function restoreFields(node: Obj, prior: Obj | undefined, fields: Obj): void {
  for (const [key, sub] of Object.entries(fields)) {
    if (!key.startsWith('f:')) continue;
    const name = key.slice(2);
    const children = isMap(sub) ? Object.keys(sub).filter((k) => k !== '.') : [];
    const nested = children.length > 0 && children.every((k) => k.startsWith('f:'));
    if (nested && isMap(node[name])) {
      const before = prior && isMap(prior[name]) ? (prior[name] as Obj) : undefined;
      const copy = { ...(node[name] as Obj) };
      restoreFields(copy, before, sub as Obj);
      if (Object.keys(copy).length === 0 && !(prior && Object.hasOwn(prior, name))) delete node[name];
      else node[name] = copy;
      continue;
    }
    // a value, or a list (its items are keyed `k:`/`v:`/`i:`): restored as a whole
    if (prior && Object.hasOwn(prior, name)) node[name] = structuredClone(prior[name]);
    else delete node[name];
  }
}

/**
 * What an adopted object becomes on withdrawal: with its prior content (`backup`), the fields this
 * controller owns (`owned`) are restored; without it (the annotation was removed) the object is left as it
 * is. Either way our labels and annotations are dropped, and `manager` no longer owns any field.
 */
export function restoredObject(
  live: KubeObject,
  backup: Obj | undefined,
  owned: Obj | undefined,
  manager: string,
): KubeObject {
  const out = structuredClone(live) as KubeObject & Obj;
  if (backup && owned) {
    const { metadata: priorMeta, ...priorContent } = backup as { metadata?: Obj };
    const fields = { ...owned };
    const metaFields = isMap(fields['f:metadata']) ? (fields['f:metadata'] as Obj) : undefined;
    delete fields['f:metadata'];
    restoreFields(out, { ...priorContent, apiVersion: out.apiVersion, kind: out.kind }, fields);
    if (metaFields) {
      const meta = out.metadata as unknown as Obj;
      const prior = isMap(priorMeta) ? priorMeta : {};
      for (const key of ['labels', 'annotations']) {
        const f = metaFields[`f:${key}`];
        if (!isMap(f)) continue;
        const current = { ...((meta[key] as Obj) ?? {}) };
        restoreFields(current, isMap(prior[key]) ? (prior[key] as Obj) : {}, f);
        meta[key] = current;
      }
    }
  }
  const priorLabels = (isMap(backup?.metadata) && (backup.metadata as { labels?: Obj }).labels) || {};
  const priorAnnotations =
    (isMap(backup?.metadata) && (backup.metadata as { annotations?: Obj }).annotations) || {};
  const labels = { ...(out.metadata.labels ?? {}) };
  for (const k of OUR_LABELS) if (!Object.hasOwn(priorLabels, k)) delete labels[k];
  const annotations = { ...(out.metadata.annotations ?? {}) };
  for (const k of OUR_ANNOTATIONS) if (!Object.hasOwn(priorAnnotations, k)) delete annotations[k];
  out.metadata.labels = labels;
  out.metadata.annotations = annotations;
  const managed = ((live.metadata as { managedFields?: ManagedFieldsEntry[] }).managedFields ?? []).filter(
    (e) => e.manager !== manager,
  );
  // an empty list would leave the managed fields as they are; one empty entry clears them
  (out.metadata as { managedFields?: unknown[] }).managedFields = managed.length > 0 ? managed : [{}];
  return out;
}

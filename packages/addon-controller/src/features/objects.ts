// Putting objects into a managed cluster and taking them out, for every feature that deploys plain objects
// (Resources today, Kustomize next): live ownership reads, namespaces, server-side apply in a safe order,
// deletion, and the record of what is there.

import { KubeError, type KubeObject, type RestClient } from '@sveltos-ts/kube';
import type { DiffResult, LiveMeta } from '../diff.ts';
import { AddonError } from '../errors.ts';
import { type DesiredResource, describe, type ResourceId, resourceKey } from '../plan.ts';
import type { RecordedResource } from '../summary.ts';

export const FIELD_MANAGER = 'sveltos-addon-controller';

/** Live metadata of each object; one that cannot be read is reported and listed as unreadable. */
export async function readLive(
  client: RestClient,
  ids: readonly ResourceId[],
  errors: AddonError[],
): Promise<{ live: Map<string, LiveMeta>; unreadable: Set<string> }> {
  const live = new Map<string, LiveMeta>();
  const unreadable = new Set<string>();
  const seen = new Set<string>();
  for (const id of ids) {
    const k = resourceKey(id);
    if (seen.has(k)) continue;
    seen.add(k);
    let obj: KubeObject | undefined;
    try {
      obj = await client.getOrUndefined(objectRef(id));
    } catch (error) {
      // a kind no longer served has no objects left
      if (!(error instanceof KubeError && error.code === 'UNKNOWN_KIND')) {
        unreadable.add(k);
        errors.push(kubeFailure(id, error));
      }
    }
    if (obj) live.set(k, { labels: obj.metadata.labels, annotations: obj.metadata.annotations });
  }
  return { live, unreadable };
}

/**
 * Applies and deletes what the diff decided, updating `record` as each write lands: namespaces the objects
 * need are created first (never deleted: they may hold anything by now), then Namespaces and CRDs, then
 * the rest. A failure is reported per object; the others still go ahead.
 */
export async function execute(
  client: RestClient,
  result: DiffResult,
  record: Map<string, RecordedResource>,
  errors: AddonError[],
  now: string,
  count: (action: string) => void,
): Promise<void> {
  const applies = [...result.apply].sort((a, b) => applyOrder(a.resource) - applyOrder(b.resource));
  const namespaces = new Set(
    applies
      .filter((a) => a.resource.id.namespace && !a.resource.skipNamespaceCreation)
      .map((a) => a.resource.id.namespace),
  );
  for (const a of applies)
    if (a.resource.id.kind === 'Namespace' && a.resource.id.group === '')
      namespaces.delete(a.resource.id.name);
  const missingNamespaces = new Set<string>();
  for (const ns of namespaces) {
    try {
      await ensureNamespace(client, ns);
    } catch (error) {
      missingNamespaces.add(ns);
      errors.push(
        kubeFailure({ group: '', version: 'v1', kind: 'Namespace', namespace: '', name: ns }, error),
      );
    }
  }
  for (const { resource, action } of applies) {
    if (missingNamespaces.has(resource.id.namespace)) continue;
    try {
      await client.apply(resource.object as KubeObject, { fieldManager: FIELD_MANAGER, force: true });
      record.set(resourceKey(resource.id), { ...resource.id, lastAppliedTime: now });
      count(action);
    } catch (error) {
      count('failed');
      errors.push(kubeFailure(resource.id, error));
    }
  }
  for (const id of result.remove) {
    try {
      await client.delete(objectRef(id));
      record.delete(resourceKey(id));
      count('delete');
    } catch (error) {
      count('failed');
      errors.push(kubeFailure(id, error));
    }
  }
}

async function ensureNamespace(client: RestClient, name: string): Promise<void> {
  if (await client.getOrUndefined({ apiVersion: 'v1', kind: 'Namespace', name })) return;
  try {
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, FIELD_MANAGER);
  } catch (error) {
    if (!(error instanceof KubeError && error.code === 'ALREADY_EXISTS')) throw error;
  }
}

/** Namespaces and CRDs first: the rest may live in or be instances of them. */
function applyOrder(d: DesiredResource): number {
  if (d.id.kind === 'Namespace' && d.id.group === '') return 0;
  if (d.id.kind === 'CustomResourceDefinition') return 1;
  return 2;
}

export function objectRef(id: ResourceId) {
  return {
    apiVersion: id.group ? `${id.group}/${id.version}` : id.version,
    kind: id.kind,
    namespace: id.namespace || undefined,
    name: id.name,
  };
}

/** A failed call as the addon error the user reads; anything but a Kubernetes or addon error is a bug. */
export function kubeFailure(id: ResourceId | undefined, error: unknown): AddonError {
  const what = id ? `${describe(id)}: ` : '';
  if (error instanceof KubeError) {
    // a kind not served yet (CRD still coming) or a transient failure is retried; a rejection is not
    const retryable = error.retryable || error.code === 'UNKNOWN_KIND';
    return new AddonError('APPLY_FAILED', `${what}${error.message}`, { retryable, cause: error });
  }
  if (error instanceof AddonError) return error;
  throw error;
}

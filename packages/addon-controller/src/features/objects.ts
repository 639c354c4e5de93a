// Putting objects into a cluster and taking them out, for every feature that deploys plain objects
// (Resources, Kustomize): live reads, namespaces, server-side apply in a safe order, restoring adopted
// objects, deletion, and the record of what is there. Objects of deploymentType Local go to the management
// cluster (`Targets.local`), the others to the managed cluster.

import { setTimeout as sleep } from 'node:timers/promises';
import { KubeError, type KubeObject, type RestClient } from '@sveltos-ts/kube';
import type { DiffResult } from '../diff.ts';
import { AddonError } from '../errors.ts';
import { type DesiredResource, describe, type ResourceId, resourceKey } from '../plan.ts';
import type { RecordedResource } from '../summary.ts';
import {
  backupFrom,
  ownedFields,
  PRE_EXISTING_ANNOTATION,
  RESTORE_FIELD_MANAGER,
  restoredObject,
} from './adopt.ts';

export const FIELD_MANAGER = 'sveltos-addon-controller';

/** Where a feature's objects go: the managed cluster, or (deploymentType Local) the management cluster. */
export interface Targets {
  /** The managed cluster as the profile's tenant; undefined when it cannot be reached (`remoteError`). */
  remote: RestClient | undefined;
  remoteError: AddonError | undefined;
  /** The management cluster, as the profile's tenant too. */
  local: RestClient;
}

export const clientFor = (t: Targets, id: ResourceId): RestClient | undefined =>
  id.local ? t.local : t.remote;

/** Live objects; one that cannot be read (or whose cluster cannot be reached) is reported and listed as
 * unreadable: it is neither written nor counted as gone. */
export async function readLive(
  targets: Targets,
  ids: readonly ResourceId[],
  errors: AddonError[],
): Promise<{ live: Map<string, KubeObject>; unreadable: Set<string> }> {
  const live = new Map<string, KubeObject>();
  const unreadable = new Set<string>();
  const seen = new Set<string>();
  let unreachable = false;
  for (const id of ids) {
    const k = resourceKey(id);
    if (seen.has(k)) continue;
    seen.add(k);
    const client = clientFor(targets, id);
    if (client === undefined) {
      unreadable.add(k);
      if (!unreachable && targets.remoteError) errors.push(targets.remoteError);
      unreachable = true;
      continue;
    }
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
    if (obj) live.set(k, obj);
  }
  return { live, unreadable };
}

const immutable = (error: unknown): boolean =>
  error instanceof KubeError && error.code === 'INVALID' && /immutable/i.test(error.message);

/**
 * Applies, restores and deletes what the diff decided, updating `record` as each write lands: namespaces
 * the objects need are created first (never deleted: they may hold anything by now), then Namespaces and
 * CRDs, then the rest. A failure is reported per object; the others still go ahead unless `stopOnError`
 * (continueOnError false), which leaves the later applies for the next attempt.
 */
export async function execute(
  targets: Targets,
  result: DiffResult,
  record: Map<string, RecordedResource>,
  errors: AddonError[],
  now: string,
  count: (action: string) => void,
  options: { stopOnError?: boolean } = {},
): Promise<void> {
  const applies = [...result.apply].sort((a, b) => applyOrder(a.resource) - applyOrder(b.resource));
  const namespaces = new Map<string, { id: ResourceId; client: RestClient }>();
  for (const a of applies) {
    const id = a.resource.id;
    const client = clientFor(targets, id);
    if (!client || !id.namespace || a.resource.skipNamespaceCreation) continue;
    namespaces.set(`${id.local ? 'L' : 'R'}|${id.namespace}`, {
      id: {
        group: '',
        version: 'v1',
        kind: 'Namespace',
        namespace: '',
        name: id.namespace,
        ...(id.local ? { local: true as const } : {}),
      },
      client,
    });
  }
  for (const a of applies)
    if (a.resource.id.kind === 'Namespace' && a.resource.id.group === '')
      namespaces.delete(`${a.resource.id.local ? 'L' : 'R'}|${a.resource.id.name}`);
  const missingNamespaces = new Set<string>();
  for (const [key, { id, client }] of namespaces) {
    try {
      await ensureNamespace(client, id.name);
    } catch (error) {
      missingNamespaces.add(key);
      errors.push(kubeFailure(id, error));
    }
  }
  let stopped = 0;
  const before = errors.length;
  for (const { resource, action } of applies) {
    const id = resource.id;
    const client = clientFor(targets, id);
    if (!client || missingNamespaces.has(`${id.local ? 'L' : 'R'}|${id.namespace}`)) continue;
    if (options.stopOnError && errors.length > before) {
      stopped++;
      continue;
    }
    try {
      try {
        await client.apply(resource.object as KubeObject, { fieldManager: FIELD_MANAGER, force: true });
      } catch (error) {
        // the ref's `force`: an update refused for an immutable field becomes delete + create
        if (!(resource.force && action !== 'create' && action !== 'adopt' && immutable(error))) throw error;
        await client.delete(objectRef(id));
        for (let i = 0; i < 100 && (await client.getOrUndefined(objectRef(id))); i++) await sleep(100);
        await client.apply(resource.object as KubeObject, { fieldManager: FIELD_MANAGER, force: true });
        count('recreate');
      }
      record.set(resourceKey(id), {
        ...id,
        lastAppliedTime: now,
        ...(action === 'adopt' || hasBackup(resource.object) ? { preExisting: true as const } : {}),
      });
      count(action);
    } catch (error) {
      count('failed');
      errors.push(kubeFailure(id, error));
    }
  }
  if (stopped > 0)
    errors.push(
      new AddonError(
        'NOT_DEPLOYED',
        `${stopped} object(s) not applied because an earlier one failed (spec.continueOnError is false)`,
        { retryable: false },
      ),
    );
  for (const id of result.restore) {
    const client = clientFor(targets, id);
    if (!client) continue;
    try {
      await restore(client, id);
      record.delete(resourceKey(id));
      count('restore');
    } catch (error) {
      count('failed');
      errors.push(kubeFailure(id, error));
    }
  }
  for (const id of result.remove) {
    const client = clientFor(targets, id);
    if (!client) continue;
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

const hasBackup = (o: Record<string, unknown>): boolean =>
  (o.metadata as { annotations?: Record<string, string> }).annotations?.[PRE_EXISTING_ANNOTATION] !==
  undefined;

/** Gives an adopted object its prior content back (features/adopt.ts); a concurrent change retries. */
async function restore(client: RestClient, id: ResourceId): Promise<void> {
  const live = await client.getOrUndefined(objectRef(id));
  if (live === undefined) return;
  const restored = restoredObject(live, backupFrom(live), ownedFields(live, FIELD_MANAGER), FIELD_MANAGER);
  await client.replace(restored, RESTORE_FIELD_MANAGER);
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

export function objectRef(id: ResourceId): {
  apiVersion: string;
  kind: string;
  namespace: string | undefined;
  name: string;
} {
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

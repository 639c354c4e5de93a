// Deploying and withdrawing a feature's plain objects (Resources, Kustomize): place each desired object in
// its namespace, read the live objects' ownership, diff against the feature's record, record intent, apply
// and delete in a safe order, and report conflicts, dry-run lines and the new record.

import type { FeatureDeployment, FeatureID } from '@sveltos-ts/api';
import { failpoint } from '@sveltos-ts/kube';
import { type DiffResult, diff, placeResource } from '../diff.ts';
import type { AddonError } from '../errors.ts';
import { type DesiredResource, type DesiredState, describe, type ResourceId, resourceKey } from '../plan.ts';
import { deployedResource, deploymentHash, type RecordedResource, recordedResources } from '../summary.ts';
import { execute, kubeFailure, readLive } from './objects.ts';
import type { DryRunEntry, FeatureOutcome, FeatureScope } from './types.ts';

export const objectDeployment = (
  featureID: FeatureID,
  resources: readonly RecordedResource[],
): FeatureDeployment => ({ featureID, resources: resources.map(deployedResource) });

function dryRunEntries(result: DiffResult): DryRunEntry[] {
  return [
    ...result.apply.map((a) => ({
      action: a.action === 'create' ? ('Create' as const) : ('Update' as const),
      resource: describe(a.resource.id),
    })),
    ...result.unchanged.map((u) => ({ action: 'NoAction' as const, resource: describe(u.id) })),
    ...result.conflicts.map((c) => ({
      action: 'Conflict' as const,
      resource: describe(c.resource.id),
      message: c.message,
    })),
    ...result.remove.map((r) => ({ action: 'Delete' as const, resource: describe(r) })),
  ];
}

/** Deploys `state` (what the feature's plan wants) as `featureID`'s objects; `failpoints` names its steps. */
export async function deployObjects(
  scope: FeatureScope,
  featureID: FeatureID,
  state: DesiredState,
  options: { dryRun: boolean; failpoints?: string },
): Promise<FeatureOutcome> {
  const { profile } = scope;
  const spec = profile.spec;
  const recorded = recordedResources(scope.summary, featureID);
  const errors = [...state.errors];
  const unchangedRecord = {
    errors,
    conflicts: [],
    deployed: objectDeployment(featureID, recorded),
    references: state.references,
  };
  const client = scope.client;
  if (client === undefined) {
    if (scope.clientError) errors.push(scope.clientError);
    return unchangedRecord;
  }
  const placed: DesiredResource[] = [];
  for (const d of state.resources) {
    try {
      const info = await client.resource(d.object.apiVersion as string, d.id.kind);
      placed.push(placeResource(d, info.namespaced));
    } catch (error) {
      errors.push(kubeFailure(d.id, error));
    }
  }
  const { live, unreadable } = await readLive(client, [...placed.map((p) => p.id), ...recorded], errors);
  const result = diff({
    owner: { kind: 'ClusterProfile', name: profile.name },
    // an object whose state is unknown is neither written nor counted as gone
    desired: placed.filter((p) => !unreadable.has(resourceKey(p.id))),
    recorded,
    live: (id) => live.get(resourceKey(id)),
    ownerExists: (kind, name) => kind === 'ClusterProfile' && scope.profileExists(name),
    withdrawAllowed: errors.length === 0,
  });
  if (options.dryRun) {
    return {
      ...unchangedRecord,
      conflicts: result.conflicts.map((c) => c.message),
      dryRun: dryRunEntries(result),
    };
  }
  const conflicts = result.conflicts.map((c) => c.message);
  const blocked = conflicts.length > 0 && spec.continueOnConflict !== true;
  if (blocked)
    conflicts.push('nothing was applied because of the conflicts above (continueOnConflict is false)');
  const record = new Map<string, RecordedResource>(recorded.map((r) => [resourceKey(r), r]));
  for (const c of result.conflicts) record.delete(resourceKey(c.resource.id));
  for (const f of result.forget) record.delete(resourceKey(f));
  const now = new Date().toISOString();
  for (const u of result.unchanged)
    record.set(resourceKey(u.id), {
      ...u.id,
      lastAppliedTime: record.get(resourceKey(u.id))?.lastAppliedTime ?? now,
    });
  const fp = options.failpoints ?? 'addon-controller/resources';
  if (!blocked) {
    const intent = new Map(record);
    for (const a of result.apply)
      if (!intent.has(resourceKey(a.resource.id)))
        intent.set(resourceKey(a.resource.id), { ...a.resource.id });
    if (intent.size > recorded.length)
      await scope.recordIntent(objectDeployment(featureID, [...intent.values()]));
    failpoint(`${fp}-before-apply`);
    await execute(client, result, record, errors, now, (action) => scope.count(action));
    failpoint(`${fp}-after-apply`);
    // the profile an object was taken from learns about it (nothing watches managed clusters)
    for (const a of result.apply) if (a.from) scope.wake(a.from.name);
  }
  if (result.conflicts.length > 0) scope.count('conflict', result.conflicts.length);
  const hashes = [...result.unchanged, ...result.apply.map((a) => a.resource)].map((d) => d.hash);
  return {
    errors,
    conflicts,
    deployed: objectDeployment(featureID, [...record.values()]),
    hash: deploymentHash(hashes),
    references: state.references,
  };
}

/** Removes the objects `featureID` recorded (those still ours), dropping the rest from the record. */
export async function withdrawObjects(
  scope: FeatureScope,
  featureID: FeatureID,
  failpoints = 'addon-controller/resources',
): Promise<FeatureOutcome> {
  const recorded = recordedResources(scope.summary, featureID);
  const errors: AddonError[] = [];
  const record = new Map<string, RecordedResource>(recorded.map((r) => [resourceKey(r), r]));
  const outcome = (): FeatureOutcome => ({
    errors,
    conflicts: [],
    deployed: objectDeployment(featureID, [...record.values()]),
    references: [],
  });
  if (recorded.length === 0) return outcome();
  const client = scope.client;
  if (client === undefined) {
    if (scope.clientError) errors.push(scope.clientError);
    return outcome();
  }
  const { live, unreadable } = await readLive(client, recorded, errors);
  const result = diff({
    owner: { kind: 'ClusterProfile', name: scope.profile.name },
    desired: [],
    recorded: recorded.filter((r: ResourceId) => !unreadable.has(resourceKey(r))),
    live: (id) => live.get(resourceKey(id)),
    ownerExists: () => true,
    withdrawAllowed: true,
  });
  for (const f of result.forget) record.delete(resourceKey(f));
  await execute(client, result, record, errors, new Date().toISOString(), (action) => scope.count(action));
  failpoint(`${failpoints}-after-withdraw`);
  return outcome();
}

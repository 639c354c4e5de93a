// Deploying and withdrawing a feature's plain objects (Resources, Kustomize): place each desired object in
// its namespace, read the live objects, diff against the feature's record, adopt what already exists (with
// a copy of its prior content), keep driftExclusions paths, check suspected drift, record intent, apply,
// restore and delete in a safe order, and report conflicts, dry-run lines, drift and the new record.

import type { FeatureDeployment, FeatureID, KubeObject } from '@sveltos-ts/api';
import { failpoint } from '@sveltos-ts/kube';
import { type DiffResult, diff, PRE_EXISTING, placeResource } from '../diff.ts';
import { AddonError } from '../errors.ts';
import { type DesiredResource, type DesiredState, describe, type ResourceId, resourceKey } from '../plan.ts';
import { deployedResource, deploymentHash, type RecordedResource, recordedResources } from '../summary.ts';
import { adoptionRefusal, backupOf, withBackup } from './adopt.ts';
import { type CompiledExclusion, compileExclusions, drifted, withExclusions } from './drift.ts';
import { clientFor, execute, FIELD_MANAGER, kubeFailure, readLive, type Targets } from './objects.ts';
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
      ...(a.action === 'adopt'
        ? { message: 'exists and was not created by Sveltos: adopted, restored on withdrawal' }
        : {}),
    })),
    ...result.unchanged.map((u) => ({ action: 'NoAction' as const, resource: describe(u.id) })),
    ...result.conflicts.map((c) => ({
      action: 'Conflict' as const,
      resource: describe(c.resource.id),
      message: c.message,
    })),
    ...result.remove.map((r) => ({ action: 'Delete' as const, resource: describe(r) })),
    ...result.restore.map((r) => ({
      action: 'Delete' as const,
      resource: describe(r),
      message: 'existed before Sveltos: restored to its prior content, not deleted',
    })),
  ];
}

export const targetsOf = (scope: FeatureScope): Targets => ({
  remote: scope.client,
  remoteError: scope.clientError,
  local: scope.managementClient,
});

/** The object to write over `live`: carrying the prior content it adopts (or adopted), driftExclusions kept. */
function prepared(
  d: DesiredResource,
  live: KubeObject | undefined,
  adopting: boolean,
  exclusions: readonly CompiledExclusion[],
): DesiredResource {
  let object = d.object;
  const kept = live?.metadata.annotations?.[PRE_EXISTING];
  if (adopting && live) object = withBackup(object, backupOf(live));
  else if (kept !== undefined) object = withBackup(object, kept);
  object = withExclusions(object, live, exclusions);
  return object === d.object ? d : { ...d, object };
}

/** A management-cluster object another pair of the profile still records is left to it (forgotten here). */
function keepShared(scope: FeatureScope, result: DiffResult): void {
  const shared = (id: ResourceId) => id.local === true && scope.localElsewhere(id);
  result.forget.push(...result.remove.filter(shared), ...result.restore.filter(shared));
  result.remove = result.remove.filter((id) => !shared(id));
  result.restore = result.restore.filter((id) => !shared(id));
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
  const targets = targetsOf(scope);
  const placed: DesiredResource[] = [];
  let unreachable = false;
  for (const d of state.resources) {
    const client = clientFor(targets, d.id);
    if (client === undefined) {
      if (!unreachable && scope.clientError) errors.push(scope.clientError);
      unreachable = true;
      continue;
    }
    try {
      const info = await client.resource(d.object.apiVersion as string, d.id.kind);
      placed.push(placeResource(d, info.namespaced));
    } catch (error) {
      errors.push(kubeFailure(d.id, error));
    }
  }
  const { live, unreadable } = await readLive(
    { ...targets, remoteError: unreachable ? undefined : targets.remoteError },
    [...placed.map((p) => p.id), ...recorded],
    errors,
  );
  const liveOf = (id: ResourceId) => live.get(resourceKey(id));
  const result = diff({
    owner: { kind: 'ClusterProfile', name: profile.name },
    // an object whose state is unknown is neither written nor counted as gone
    desired: placed.filter((p) => !unreadable.has(resourceKey(p.id))),
    recorded,
    live: (id) => liveOf(id)?.metadata,
    ownerExists: (kind, name) => kind === 'ClusterProfile' && scope.profileExists(name),
    withdrawAllowed: errors.length === 0,
    adoptionRefusal: (id) => {
      const l = liveOf(id);
      return l ? adoptionRefusal(backupOf(l)) : undefined;
    },
  });
  const driftMode = spec.syncMode === 'ContinuousWithDriftDetection';
  let exclusions: CompiledExclusion[] = [];
  if (driftMode) {
    try {
      exclusions = compileExclusions(spec.driftExclusions);
    } catch (e) {
      if (!(e instanceof AddonError)) throw e;
      errors.push(e);
    }
  }
  keepShared(scope, result);
  result.apply = result.apply.map((a) => ({
    ...a,
    resource: prepared(a.resource, liveOf(a.resource.id), a.action === 'adopt', exclusions),
  }));
  const drifts: string[] = [];
  if (driftMode && !options.dryRun) {
    // a deleted object is simply created again; a changed one is found by applying it again in a dry run
    for (const a of result.apply)
      if (a.action === 'create' && recorded.some((r) => resourceKey(r) === resourceKey(a.resource.id)))
        drifts.push(`${describe(a.resource.id)} (deleted)`);
    const unchanged = [];
    for (const u of result.unchanged) {
      const l = liveOf(u.id);
      if (!l || !scope.drift.suspects.has(resourceKey(u.id))) {
        unchanged.push(u);
        continue;
      }
      const d = prepared(u, l, false, exclusions);
      try {
        const dry = await clientFor(targets, u.id)!.apply(d.object as KubeObject, {
          fieldManager: FIELD_MANAGER,
          force: true,
          dryRun: true,
        });
        if (drifted(l, dry)) {
          drifts.push(`${describe(u.id)} (changed)`);
          result.apply.push({ resource: d, action: 'update' });
        } else unchanged.push(u);
      } catch (error) {
        errors.push(kubeFailure(u.id, error));
        unchanged.push(u);
      }
    }
    result.unchanged = unchanged;
  }
  const unchangedRecord = {
    errors,
    conflicts: [],
    deployed: objectDeployment(featureID, recorded),
    references: state.references,
  };
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
      ...(liveOf(u.id)?.metadata.annotations?.[PRE_EXISTING] !== undefined
        ? { preExisting: true as const }
        : {}),
    });
  const fp = options.failpoints ?? 'addon-controller/resources';
  if (!blocked) {
    const intent = new Map(record);
    for (const a of result.apply)
      if (!intent.has(resourceKey(a.resource.id)))
        intent.set(resourceKey(a.resource.id), {
          ...a.resource.id,
          ...(a.action === 'adopt' ? { preExisting: true as const } : {}),
        });
    if (intent.size > recorded.length)
      await scope.recordIntent(objectDeployment(featureID, [...intent.values()]));
    failpoint(`${fp}-before-apply`);
    await execute(targets, result, record, errors, now, (action) => scope.count(action), {
      stopOnError: spec.continueOnError !== true,
    });
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
    ...(drifts.length > 0 && !blocked ? { drifts } : {}),
  };
}

/** Removes the objects `featureID` recorded (those still ours; adopted ones are restored), dropping the
 * rest from the record. */
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
  const targets = targetsOf(scope);
  const { live, unreadable } = await readLive(targets, recorded, errors);
  const result = diff({
    owner: { kind: 'ClusterProfile', name: scope.profile.name },
    desired: [],
    recorded: recorded.filter((r: ResourceId) => !unreadable.has(resourceKey(r))),
    live: (id) => live.get(resourceKey(id))?.metadata,
    ownerExists: () => true,
    withdrawAllowed: true,
  });
  keepShared(scope, result);
  for (const f of result.forget) record.delete(resourceKey(f));
  await execute(targets, result, record, errors, new Date().toISOString(), (action) => scope.count(action));
  failpoint(`${failpoints}-after-withdraw`);
  return outcome();
}

// Feature "Resources": the YAML held in ConfigMaps/Secrets that policyRefs name (templates rendered with
// `.Cluster` and templateResourceRefs), server-side applied with owner annotations, withdrawn when no longer
// wanted, conflicts between profiles decided by tier (docs/design/addon-controller.md).

import type { ClusterProfileSpec, FeatureDeployment } from '@sveltos-ts/api';
import { failpoint } from '@sveltos-ts/kube';
import { type DiffResult, diff, placeResource } from '../diff.ts';
import type { AddonError } from '../errors.ts';
import { type DesiredResource, describe, desiredResources, type ResourceId, resourceKey } from '../plan.ts';
import { deployedResource, deploymentHash, type RecordedResource, recordedResources } from '../summary.ts';
import { execute, kubeFailure, readLive } from './objects.ts';
import type { DryRunEntry, Feature, FeatureOutcome, FeatureScope } from './types.ts';

const deployment = (resources: readonly RecordedResource[]): FeatureDeployment => ({
  featureID: 'Resources',
  resources: resources.map(deployedResource),
});

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

async function deploy(scope: FeatureScope, options: { dryRun: boolean }): Promise<FeatureOutcome> {
  const { profile } = scope;
  const spec: ClusterProfileSpec = profile.spec;
  const recorded = recordedResources(scope.summary);
  const state = await scope.withManagementObjects((lookup) =>
    desiredResources({
      profile: { kind: 'ClusterProfile', name: profile.name, spec },
      cluster: scope.target,
      lookup,
    }),
  );
  const errors = [...state.errors];
  const unchangedRecord = {
    errors,
    conflicts: [],
    deployed: deployment(recorded),
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
  if (!blocked) {
    const intent = new Map(record);
    for (const a of result.apply)
      if (!intent.has(resourceKey(a.resource.id)))
        intent.set(resourceKey(a.resource.id), { ...a.resource.id });
    if (intent.size > recorded.length) await scope.recordIntent(deployment([...intent.values()]));
    failpoint('addon-controller/resources-before-apply');
    await execute(client, result, record, errors, now, (action) => scope.count(action));
    failpoint('addon-controller/resources-after-apply');
    // the profile an object was taken from learns about it (nothing watches managed clusters)
    for (const a of result.apply) if (a.from) scope.wake(a.from.name);
  }
  if (result.conflicts.length > 0) scope.count('conflict', result.conflicts.length);
  const hashes = [...result.unchanged, ...result.apply.map((a) => a.resource)].map((d) => d.hash);
  return {
    errors,
    conflicts,
    deployed: deployment([...record.values()]),
    hash: deploymentHash(hashes),
    references: state.references,
  };
}

async function withdraw(scope: FeatureScope): Promise<FeatureOutcome> {
  const recorded = recordedResources(scope.summary);
  const errors: AddonError[] = [];
  const record = new Map<string, RecordedResource>(recorded.map((r) => [resourceKey(r), r]));
  const outcome = (): FeatureOutcome => ({
    errors,
    conflicts: [],
    deployed: deployment([...record.values()]),
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
  failpoint('addon-controller/resources-after-withdraw');
  return outcome();
}

export const resourcesFeature: Feature = {
  id: 'Resources',
  requested: (spec) => (spec.policyRefs ?? []).length > 0,
  recorded: (summary) => deployment(recordedResources(summary)),
  deploy,
  withdraw,
};

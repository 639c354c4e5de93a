// Feature "Resources": the YAML held in ConfigMaps/Secrets that policyRefs name (templates rendered with
// `.Cluster` and templateResourceRefs), patched (spec.patches/patchesFrom), server-side applied with owner
// annotations — into the managed cluster, or the management cluster for deploymentType Local — withdrawn
// when no longer wanted, conflicts between profiles decided by tier (docs/design/addon-controller.md). The
// object mechanics it shares with Kustomize are in apply.ts and objects.ts.

import { type DesiredState, desiredResources, type PlanInput } from '../plan.ts';
import { recordedResources } from '../summary.ts';
import { deployObjects, objectDeployment, withdrawObjects } from './apply.ts';
import { type PatchPlan, planPatches, withPatches } from './patches.ts';
import type { Feature, FeatureOutcome, FeatureScope } from './types.ts';

/** The pure half of the feature: the policyRefs' objects and the profile's patches, not applied yet
 * (`withPatches` applies them with kustomize). `sveltosctl simulate` runs exactly this. */
export function planResourceObjects(input: PlanInput): { state: DesiredState; patches: PatchPlan } {
  return { state: desiredResources(input), patches: planPatches(input) };
}

async function deploy(scope: FeatureScope, options: { dryRun: boolean }): Promise<FeatureOutcome> {
  const { profile } = scope;
  const owner = { kind: 'ClusterProfile' as const, name: profile.name, spec: profile.spec };
  const { state, patches } = await scope.withManagementObjects((lookup) =>
    planResourceObjects({ profile: owner, cluster: scope.target, lookup }),
  );
  const patched = await withPatches(scope.tools, owner, state, patches);
  return deployObjects(scope, 'Resources', patched, options);
}

export const resourcesFeature: Feature = {
  id: 'Resources',
  requested: (spec) => (spec.policyRefs ?? []).length > 0,
  recorded: (summary) => objectDeployment('Resources', recordedResources(summary)),
  deploy,
  withdraw: (scope) => withdrawObjects(scope, 'Resources'),
};

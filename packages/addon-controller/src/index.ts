// @sveltos-ts/addon-controller: deploys ClusterProfiles into the matching clusters (policyRefs), records
// what went where in ClusterSummaries, and withdraws what is no longer wanted.

export {
  type AddonControllerOptions,
  addAddonController,
  type RunningAddonController,
  type StartAddonControllerOptions,
  startAddonController,
} from './addon-controller.ts';
export {
  type ApplyAction,
  type Conflict,
  type DiffInput,
  type DiffResult,
  diff,
  type LiveMeta,
  type Owner,
  type Ownership,
  ownership,
  placeResource,
} from './diff.ts';
export { AddonError, type AddonErrorCode } from './errors.ts';
export { type DesiredRelease, type HelmPlan, type PlannedChart, planReleases } from './features/helm/plan.ts';
export { features } from './features/index.ts';
export { type KustomizePlan, planKustomizations } from './features/kustomize/plan.ts';
export { buildKustomizeObjects } from './features/kustomize.ts';
export { FIELD_MANAGER } from './features/objects.ts';
export { type PatchPlan, planPatches, withPatches } from './features/patches.ts';
export { planResourceObjects } from './features/resources.ts';
export type { DryRunEntry, Feature, FeatureOutcome, FeatureScope } from './features/types.ts';
export { featureStatusOf, type ToolSettings, toolSettings } from './features/types.ts';
export { impersonating, tenantUser } from './impersonation.ts';
export { type CandidateCluster, profileSelects } from './match.ts';
export {
  contentHash,
  type DesiredResource,
  type DesiredState,
  describe,
  desiredResources,
  type Lookup,
  type MgmtObject,
  OWNER_KIND_ANNOTATION,
  OWNER_NAME_ANNOTATION,
  OWNER_TIER_ANNOTATION,
  type PlanInput,
  type Profile,
  type RefKey,
  type ResourceId,
  resourceKey,
  type TargetCluster,
} from './plan.ts';
export { type Refusal, refusals } from './refusals.ts';
export {
  clusterSummaryLabels,
  clusterSummaryName,
  deploymentHash,
  type FeatureSection,
  failureText,
  featureSection,
  type RecordedResource,
  recordedResources,
  refusedSection,
  summaryStatus,
} from './summary.ts';
export { DRY_RUN_ANNOTATION } from './units/pair-status.ts';

// @sveltos-ts/addon-controller: deploys ClusterProfiles into the matching clusters (policyRefs), records
// what went where in ClusterSummaries, and withdraws what is no longer wanted.

export {
  ADDON_HEADERS,
  type AddonFilters,
  type AddonRow,
  addonRows,
  addonsTable,
  goTimeString,
  listAddons,
  renderTable,
} from './addons-table.ts';
export {
  type AddonControllerOptions,
  DRY_RUN_ANNOTATION,
  FIELD_MANAGER,
  type RunningAddonController,
  startAddonController,
} from './controller.ts';
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
export {
  clusterSummaryLabels,
  clusterSummaryName,
  deploymentHash,
  failureText,
  type RecordedResource,
  recordedResources,
  summaryStatus,
} from './summary.ts';

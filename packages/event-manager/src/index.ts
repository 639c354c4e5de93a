// @sveltos-ts/event-manager: the management-cluster controller turning EventReports into ClusterProfiles.

export {
  EVENT_REPORT_CHANGED_AT_ANNOTATION,
  type EventManagerOptions,
  FIELD_MANAGER,
  type RunningEventManager,
  startEventManager,
} from './manager.ts';
export { type OwnershipDiff, ownershipDiff, pairOfLabels } from './ownership.ts';
export { acceptReport, claimedCluster } from './routing.ts';

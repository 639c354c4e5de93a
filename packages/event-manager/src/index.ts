// @sveltos-ts/event-manager: the management-cluster controller turning EventReports into ClusterProfiles.

export { FIELD_MANAGER } from './context.ts';
export { addConversionWebhook } from './conversion-webhook.ts';
export {
  addEventManager,
  type EventManagerOptions,
  type RunningEventManager,
  type StartEventManagerOptions,
  startEventManager,
} from './event-manager.ts';
export { type OwnershipDiff, ownershipDiff, pairOfLabels } from './ownership.ts';
export { acceptReport, claimedCluster } from './routing.ts';
export { isEventBasedAddOnMirror, mirroredAddOn } from './units/eventbasedaddon.ts';

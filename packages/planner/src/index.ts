// @sveltos-ts/planner: what the event-manager creates for an event, as one pure function
// (docs/architecture.md).

export { type Acceptance, reportAcceptance } from './acceptance.ts';
export { type DecodedContent, decodeContent } from './content.ts';
export { PlanError, type PlanErrorCode, type PlanWarning, type PlanWarningCode } from './errors.ts';
export { type Labels, labelValue } from './labels.ts';
export { lookupFrom } from './lookup.ts';
export { derivedName, GENERATED_NAME_PATTERN } from './names.ts';
export { ownershipSelector, plan, resolveEventSourceName } from './plan.ts';
export type {
  ConfigMap,
  EventContent,
  ExistingObjects,
  Lookup,
  ObjectKey,
  Plan,
  PlanInput,
  PlanOptions,
  Secret,
  SourceCluster,
} from './types.ts';

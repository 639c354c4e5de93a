// Typed planning errors. `code` is stable for callers; `retryable` says whether the same trigger can succeed
// later without anyone editing it (a referenced object may still appear), or only after a user fixes input.

export type PlanErrorCode =
  /** Malformed planner input (missing names, unknown cluster kind, undecodable report). Terminal. */
  | 'INVALID_INPUT'
  /** The report belongs to another EventSource than the trigger resolves for this cluster. Terminal. */
  | 'EVENT_SOURCE_MISMATCH'
  /** A non-optional ConfigMap/Secret/Flux source is missing. Retryable: it may be created. */
  | 'REFERENCE_NOT_FOUND'
  /** A referenced Secret is not of type addons.projectsveltos.io/cluster-profile. Terminal. */
  | 'INVALID_SECRET_TYPE'
  /** A policyRef that cannot be planned: remoteURL, no kind, or a Flux source asking for instantiation. */
  | 'UNSUPPORTED_REFERENCE'
  /** A template failed to parse or execute. Terminal. */
  | 'TEMPLATE_FAILED'
  /** A rendered name is not a valid Kubernetes object name. Terminal. */
  | 'INVALID_NAME'
  /** Two objects of the plan render the same ClusterProfile name, or the name belongs to someone else. */
  | 'PROFILE_NAME_CONFLICT'
  /** cloudEventAction rendered to something other than Create or Delete. Terminal. */
  | 'INVALID_CLOUD_EVENT_ACTION';

const retryableCodes: ReadonlySet<PlanErrorCode> = new Set(['REFERENCE_NOT_FOUND']);

export class PlanError extends Error {
  readonly code: PlanErrorCode;
  readonly retryable: boolean;
  /** Where in the EventTrigger the problem is (e.g. `spec.policyRefs[1].name`), when it is tied to a field. */
  readonly field: string | undefined;
  constructor(code: PlanErrorCode, message: string, field?: string) {
    super(field === undefined ? message : `${field}: ${message}`);
    this.name = 'PlanError';
    this.code = code;
    this.retryable = retryableCodes.has(code);
    this.field = field;
  }
}

export type PlanWarningCode =
  /** A ConfigMap/Secret that is not instantiated uses event data (.Resource, …): it cannot render later. */
  | 'EVENT_DATA_NOT_INSTANTIATED'
  /** Several event objects produced the same generator output name: the last one wins (as upstream). */
  | 'GENERATOR_OUTPUT_OVERWRITTEN';

export interface PlanWarning {
  code: PlanWarningCode;
  message: string;
}

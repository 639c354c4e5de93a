// Typed errors of the addon-controller. `code` is stable (tests, metrics, status failureReason); `message`
// is what the user reads in the ClusterSummary status and in Kubernetes Events.

export type AddonErrorCode =
  /** A referenced ConfigMap/Secret/templateResourceRef object does not exist (retried). */
  | 'REFERENCE_NOT_FOUND'
  /** A Secret referenced by policyRefs is not of type addons.projectsveltos.io/cluster-profile. */
  | 'UNSUPPORTED_SECRET_TYPE'
  /** A policyRef or kustomizationRef source this controller does not deploy (Flux sources, remoteURL). */
  | 'UNSUPPORTED_REFERENCE'
  /** A ConfigMap/Secret content or referenced name failed to render. */
  | 'TEMPLATE_FAILED'
  /** A data value is not YAML, or a document is not a Kubernetes object. */
  | 'INVALID_RESOURCE'
  /** Two documents (of this profile) describe the same object. */
  | 'DUPLICATE_RESOURCE'
  /** The object exists and belongs to someone else (not Sveltos, or a profile with a better tier). */
  | 'CONFLICT'
  /** The managed cluster rejected or could not take a write. */
  | 'APPLY_FAILED'
  /** A feature this controller does not deploy (refused out loud). */
  | 'FEATURE_NOT_SUPPORTED'
  /** A helmCharts entry that cannot be used as written (fields, options, registry credentials). */
  | 'INVALID_HELM_CHART'
  /** Helm values (values, valuesFrom) that are not a YAML mapping. */
  | 'INVALID_VALUES'
  /** The chart could not be fetched: unknown chart or version, unreachable repository, refused credentials (retried). */
  | 'CHART_UNAVAILABLE'
  /** helm install/upgrade/uninstall failed in the cluster (retried). */
  | 'HELM_FAILED'
  /** A kustomizationRef's content cannot be built (archive, kustomization, kustomize build error). */
  | 'KUSTOMIZE_FAILED'
  /** Later references not deployed: an earlier one failed and continueOnError is false. */
  | 'NOT_DEPLOYED'
  /** patches/patchesFrom could not be read, rendered or applied to the objects. */
  | 'PATCH_FAILED'
  /** A validateHealths check found a deployed object not healthy yet (looked at again shortly). */
  | 'HEALTH_CHECK_FAILED'
  /** dependsOn forms a cycle: none of the profiles in it can deploy. */
  | 'DEPENDENCY_CYCLE';

const RETRYABLE: ReadonlySet<AddonErrorCode> = new Set([
  'REFERENCE_NOT_FOUND',
  'APPLY_FAILED',
  'CHART_UNAVAILABLE',
  'HELM_FAILED',
  'HEALTH_CHECK_FAILED',
]);

export class AddonError extends Error {
  readonly code: AddonErrorCode;
  /** Retrying without any input change may succeed. */
  readonly retryable: boolean;
  constructor(code: AddonErrorCode, message: string, options?: ErrorOptions & { retryable?: boolean }) {
    super(message, options);
    this.name = 'AddonError';
    this.code = code;
    this.retryable = options?.retryable ?? RETRYABLE.has(code);
  }
}

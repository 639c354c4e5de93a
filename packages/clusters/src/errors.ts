// Typed cluster-registry errors: `code` is stable for callers, `retryable` is the requeue contract.

export type ClusterErrorCode =
  /** The cluster is not (or no longer) registered. */
  | 'CLUSTER_NOT_FOUND'
  /** The kubeconfig Secret does not exist (it may still be created). */
  | 'KUBECONFIG_SECRET_NOT_FOUND'
  /** The Secret exists but holds no usable key (spec.kubeconfigKeyName, kubeconfig, value, or a single key). */
  | 'KUBECONFIG_KEY_NOT_FOUND'
  /** The kubeconfig text cannot be loaded or names no current cluster. */
  | 'KUBECONFIG_INVALID'
  /** The cluster's API server did not answer through the kubeconfig. */
  | 'UNREACHABLE'
  /** A label selector that cannot be evaluated (unknown operator, In/NotIn without values, …). */
  | 'INVALID_SELECTOR';

const retryable: ReadonlySet<ClusterErrorCode> = new Set([
  'KUBECONFIG_SECRET_NOT_FOUND',
  'KUBECONFIG_KEY_NOT_FOUND',
  'UNREACHABLE',
]);

export class ClusterError extends Error {
  readonly code: ClusterErrorCode;
  readonly retryable: boolean;
  constructor(code: ClusterErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ClusterError';
    this.code = code;
    this.retryable = retryable.has(code);
  }
}

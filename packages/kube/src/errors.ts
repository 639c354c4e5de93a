/**
 * Stable failure classes of a Kubernetes API call. `retryable` is the requeue contract: controllers retry
 * those with backoff and treat the others as terminal until the input changes.
 */
export type KubeErrorCode =
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'CONFLICT'
  | 'GONE'
  | 'INVALID'
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'UNKNOWN_KIND'
  | 'TOO_MANY_REQUESTS'
  | 'TIMEOUT'
  | 'UNAVAILABLE'
  | 'NETWORK'
  | 'SERVER';

const retryableCodes: ReadonlySet<KubeErrorCode> = new Set([
  'CONFLICT',
  'TOO_MANY_REQUESTS',
  'TIMEOUT',
  'UNAVAILABLE',
  'NETWORK',
  'SERVER',
]);

export class KubeError extends Error {
  readonly code: KubeErrorCode;
  /** HTTP status, 0 when the request never got an answer. */
  readonly status: number;
  /** `reason` of the Kubernetes Status object, when there was one. */
  readonly reason: string | undefined;

  constructor(code: KubeErrorCode, status: number, message: string, reason?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'KubeError';
    this.code = code;
    this.status = status;
    this.reason = reason;
  }

  get retryable(): boolean {
    return retryableCodes.has(this.code);
  }
}

export function codeForStatus(status: number): KubeErrorCode {
  switch (status) {
    case 400:
      return 'BAD_REQUEST';
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'CONFLICT';
    case 410:
      return 'GONE';
    case 422:
      return 'INVALID';
    case 429:
      return 'TOO_MANY_REQUESTS';
    case 504:
      return 'TIMEOUT';
    case 503:
      return 'UNAVAILABLE';
    default:
      return status >= 500 ? 'SERVER' : 'BAD_REQUEST';
  }
}

export function isKubeError(error: unknown, code?: KubeErrorCode): error is KubeError {
  return error instanceof KubeError && (code === undefined || error.code === code);
}

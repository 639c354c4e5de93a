// CLI errors carry the exit code they end the process with (0 ok, 1 an expectation failed or the cluster
// refused, 2 bad input or usage) and a stable code for `--output json`. Failed Kubernetes API calls are
// `API_<KubeErrorCode>` (exit 1).

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export type CliErrorCode =
  | 'USAGE'
  | 'FILE_NOT_FOUND'
  | 'INVALID_YAML'
  | 'INVALID_INPUT'
  | 'INVALID_EVENTSOURCE'
  | 'FILE_NOT_READABLE'
  | 'NO_KUBECONFIG'
  | 'INVALID_KUBECONFIG'
  | 'INVALID_LABELS'
  | 'CANNOT_WRITE'
  // exit 1
  | 'NOT_REGISTERED'
  | 'CLUSTER_NOT_FOUND'
  | 'NOT_FOUND'
  | 'NOT_OURS'
  | 'NAMESPACE_TERMINATING';

export class CliError extends Error {
  readonly code: CliErrorCode | string;
  readonly exitCode: number;
  constructor(code: CliErrorCode | string, message: string, exitCode = EXIT_USAGE) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

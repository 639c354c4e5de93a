// CLI errors carry the exit code they end the process with (0 ok, 1 an expectation failed, 2 bad input or
// usage) and a stable code for `--output json`.

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export type CliErrorCode =
  | 'USAGE'
  | 'FILE_NOT_FOUND'
  | 'INVALID_YAML'
  | 'INVALID_INPUT'
  | 'INVALID_EVENTSOURCE';

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

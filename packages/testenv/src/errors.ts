/** Stable codes so callers and tests can branch on the failure kind, not on message text. */
export type TestEnvErrorCode =
  | 'TESTENV_PINS'
  | 'TESTENV_BUILD'
  | 'TESTENV_PKI'
  | 'TESTENV_START'
  | 'TESTENV_UNKNOWN_CLUSTER'
  | 'TESTENV_STATE'
  | 'TESTENV_CHARTS'
  | 'TESTENV_NODE';

export class TestEnvError extends Error {
  readonly code: TestEnvErrorCode;
  constructor(code: TestEnvErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TestEnvError';
    this.code = code;
  }
}

// Typed evaluation errors. `code` is stable (tests, the CLI's JSON output and the agent's status messages
// key on it); the message is for humans and names the EventSource and the contract that was broken.

export type EvaluationErrorCode =
  /** The EventSource itself is malformed (missing kind, bad field types). */
  | 'INVALID_EVENTSOURCE'
  /** A labelFilters entry has an unknown operation or an invalid key/value. */
  | 'INVALID_LABEL_FILTER'
  /** A `selector` (LabelSelector) is invalid: unknown operator, values where none are allowed, ... */
  | 'INVALID_SELECTOR'
  /** A CEL rule does not parse (reported per rule; the rule counts as false). */
  | 'CEL_PARSE'
  /** A CEL rule failed at run time or did not return a bool (the rule counts as false). */
  | 'CEL_EVAL'
  /** A CEL rule went past its cost limit (the rule counts as false). */
  | 'CEL_COST'
  /** A Lua script does not compile. */
  | 'LUA_SYNTAX'
  /** A Lua script raised an error. */
  | 'LUA_RUNTIME'
  /** A Lua script ran past its time or instruction budget. */
  | 'LUA_TIMEOUT'
  /** A Lua script went past its memory budget. */
  | 'LUA_MEMORY'
  /** A Lua script returned something that breaks the result contract. */
  | 'LUA_RESULT'
  /** An object cannot be handed to Lua (nested too deeply). */
  | 'LUA_MARSHAL'
  /** A marshalled object was used more often than declared, or after release. */
  | 'LUA_OBJECT_RELEASED'
  /** An EventSource with Lua was compiled without a Lua runtime. */
  | 'LUA_RUNTIME_MISSING'
  /** The sandbox worker running the script failed (crashed, or was closed) and was replaced. */
  | 'LUA_SANDBOX'
  /** The object was not evaluated: an earlier script of the same batch had to be stopped (retry later). */
  | 'LUA_INTERRUPTED';

export class EvaluationError extends Error {
  readonly code: EvaluationErrorCode;
  constructor(code: EvaluationErrorCode, message: string) {
    super(message);
    this.name = 'EvaluationError';
    this.code = code;
  }
}

export function isEvaluationError(e: unknown): e is EvaluationError {
  return e instanceof EvaluationError;
}

// @sveltos-ts/evaluation: the agent's pure decision core. EventSource filters, CEL and sandboxed Lua
// (wasmoon), aggregatedSelection and EventReport content. No I/O.

export { type CELIssue, type CELOutcome, CompiledCEL, toCELValue } from './cel.ts';
export { EvaluationError, type EvaluationErrorCode, isEvaluationError } from './errors.ts';
export {
  CompiledEventSource,
  CompiledSelector,
  type CompileOptions,
  compileEventSource,
  type DecidedBy,
  type EvaluationIssue,
  type EvaluationMessage,
  type EventSourceEvaluation,
  evaluateEventSource,
  type ReportContent,
  reportContent,
  type SelectorVerdict,
} from './eventsource.ts';
export { compileLabelFilters, compileLabelSelector, type LabelPredicate } from './labels.ts';
export {
  DEFAULT_LUA_LIMITS,
  type LuaAggregateResult,
  type LuaLimits,
  type LuaMatchResult,
  type LuaObject,
  LuaRuntime,
  type LuaScript,
} from './lua/runtime.ts';
export {
  type GVK,
  groupByGVK,
  gvkKey,
  gvkOf,
  matchingResourceOf,
  PreparedObject,
  prepare,
} from './object.ts';

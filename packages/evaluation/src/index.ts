// @sveltos-ts/evaluation: the agent's decision core. EventSource validation and filters, CEL (with a cost
// limit), Lua in a sandbox of worker threads (wasmoon, one Lua state per EventSource, a watchdog),
// aggregatedSelection and EventReport content. The agent and `sveltosctl eventsource test` share it.

export {
  type CELIssue,
  type CELOutcome,
  CompiledCEL,
  DEFAULT_CEL_COST_LIMIT,
  toCELValue,
} from './cel.ts';
export { EvaluationError, type EvaluationErrorCode, isEvaluationError } from './errors.ts';
export {
  type AggregationOutcome,
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
  reportableProblem,
  reportContent,
  type SelectorVerdict,
} from './eventsource.ts';
export { compileLabelFilters, compileLabelSelector, type LabelPredicate } from './labels.ts';
export {
  DEFAULT_LUA_LIMITS,
  type LuaAggregateResult,
  LuaHost,
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
export { LuaSandbox, SandboxInterrupted, type SandboxOptions, SandboxSource } from './sandbox/pool.ts';
export { validateEventSource } from './validate.ts';

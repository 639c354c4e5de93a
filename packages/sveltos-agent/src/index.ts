// @sveltos-ts/sveltos-agent: evaluates EventSources in a cluster and keeps EventReports in the management
// cluster. `main.ts` is the process; these are the pieces for in-process hosting (tests, the demo).
export { AGENT_PROBLEM_ANNOTATION, type AgentOptions, SveltosAgent } from './agent.ts';
export { fileBackedClient } from './credentials.ts';
export { evaluationCompiler } from './evaluator.ts';
export { AgentFleet, type AgentFleetOptions } from './fleet.ts';
export { LocalReports, localEventReport } from './local-report.ts';
export { type AgentMetrics, agentMetrics } from './metrics.ts';
export { buildEventReport, type ClusterIdentity, reportFingerprint } from './report.ts';
export type { CompiledSource, CompileSource, ObjectVerdict } from './source.ts';

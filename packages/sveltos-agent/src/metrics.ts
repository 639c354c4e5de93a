import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface AgentMetrics {
  evaluations: Counter<'eventsource'>;
  evaluationErrors: Counter<'eventsource'>;
  evaluationSeconds: Histogram;
  reportsWritten: Counter;
  reportsDeleted: Counter;
  /** First hop of event → add-on applied: an object change seen → the report holding it written. */
  changeToReportSeconds: Histogram;
}

export function agentMetrics(registry: Registry, watchedObjects: () => number): AgentMetrics {
  const registers = [registry];
  new Gauge({
    name: 'sveltos_agent_watched_objects',
    help: 'Objects held in the informer caches',
    registers,
    collect() {
      this.set(watchedObjects());
    },
  });
  return {
    evaluations: new Counter({
      name: 'sveltos_agent_evaluations_total',
      help: 'Per-object evaluations',
      labelNames: ['eventsource'],
      registers,
    }),
    evaluationErrors: new Counter({
      name: 'sveltos_agent_evaluation_errors_total',
      help: 'Rules or scripts that failed (compile or run)',
      labelNames: ['eventsource'],
      registers,
    }),
    evaluationSeconds: new Histogram({
      name: 'sveltos_agent_evaluation_duration_seconds',
      help: 'Time to evaluate one object',
      buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1],
      registers,
    }),
    reportsWritten: new Counter({
      name: 'sveltos_agent_reports_written_total',
      help: 'EventReports written',
      registers,
    }),
    reportsDeleted: new Counter({
      name: 'sveltos_agent_reports_deleted_total',
      help: 'EventReports deleted',
      registers,
    }),
    changeToReportSeconds: new Histogram({
      name: 'sveltos_agent_change_to_report_seconds',
      help: 'From an object change seen by the agent (informer event) to the EventReport holding it written (coalescing window included).',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
  };
}

// Prometheus metrics of the event-manager (SPEC §9).

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface ManagerMetrics {
  reconciles: Counter<'unit' | 'result'>;
  reconcileSeconds: Histogram<'unit'>;
  eventToProfileSeconds: Histogram;
  queueDepth: Gauge;
}

/** Units: trigger, trigger_status, pair, report_status. */
export function managerMetrics(registry: Registry, queueLength: () => number): ManagerMetrics {
  return {
    reconciles: new Counter({
      name: 'sveltos_event_manager_reconcile_total',
      help: 'Reconciles by unit and result (success, requeue, error, terminal).',
      labelNames: ['unit', 'result'],
      registers: [registry],
    }),
    reconcileSeconds: new Histogram({
      name: 'sveltos_event_manager_reconcile_duration_seconds',
      help: 'Reconcile duration by unit.',
      labelNames: ['unit'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    eventToProfileSeconds: new Histogram({
      name: 'sveltos_event_manager_event_to_profile_seconds',
      help: 'From the EventReport change (agent annotation, else managedFields time) to the ClusterProfile write.',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'sveltos_event_manager_queue_depth',
      help: 'Keys waiting in the work queue.',
      registers: [registry],
      collect() {
        this.set(queueLength());
      },
    }),
  };
}

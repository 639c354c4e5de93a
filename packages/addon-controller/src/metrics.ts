// Prometheus metrics of the addon-controller (SPEC §9).

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface AddonMetrics {
  reconciles: Counter<'unit' | 'result'>;
  reconcileSeconds: Histogram<'unit'>;
  resources: Counter<'action'>;
  queueDepth: Gauge;
}

/** Units: pair (profile × cluster), profile (status and fan-out). */
export function addonMetrics(registry: Registry, queueLength: () => number): AddonMetrics {
  return {
    reconciles: new Counter({
      name: 'sveltos_addon_controller_reconcile_total',
      help: 'Reconciles by unit and result (success, requeue, error, terminal).',
      labelNames: ['unit', 'result'],
      registers: [registry],
    }),
    reconcileSeconds: new Histogram({
      name: 'sveltos_addon_controller_reconcile_duration_seconds',
      help: 'Reconcile duration by unit.',
      labelNames: ['unit'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    resources: new Counter({
      name: 'sveltos_addon_controller_resources_total',
      help: 'Writes to managed clusters: create, update, takeover, delete, conflict, failed.',
      labelNames: ['action'],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'sveltos_addon_controller_queue_depth',
      help: 'Keys waiting in the work queue.',
      registers: [registry],
      collect() {
        this.set(queueLength());
      },
    }),
  };
}

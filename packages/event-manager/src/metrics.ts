// The event-manager's own metrics; reconcile counts, durations and queue depths are the Manager's
// controller metrics (controller_runtime_*, workqueue_*), labelled by controller.

import { registered } from '@sveltos-ts/runtime';
import { Histogram, type Registry } from 'prom-client';

export interface EventManagerMetrics {
  eventToProfileSeconds: Histogram;
}

export function eventManagerMetrics(registry: Registry): EventManagerMetrics {
  const name = 'sveltos_event_manager_event_to_profile_seconds';
  return {
    eventToProfileSeconds: registered(
      registry,
      name,
      () =>
        new Histogram({
          name,
          help: 'From the EventReport change (agent annotation, else managedFields time) to the ClusterProfile write.',
          buckets: [0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30],
          registers: [registry],
        }),
    ),
  };
}

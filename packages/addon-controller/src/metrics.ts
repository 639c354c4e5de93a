// The addon-controller's own metrics; reconcile counts, durations and queue depths are the Manager's
// controller metrics (controller_runtime_*, workqueue_*), labelled by controller.

import { registered } from '@sveltos-ts/runtime';
import { Counter, Histogram, type Registry } from 'prom-client';

export interface AddonMetrics {
  resources: Counter<'action'>;
  /** Last hop of event → add-on applied: a ClusterProfile spec change seen → deployed cleanly to a cluster. */
  profileToAppliedSeconds: Histogram;
}

export function addonMetrics(registry: Registry): AddonMetrics {
  const name = 'sveltos_addon_controller_resources_total';
  const hop = 'sveltos_addon_controller_profile_to_applied_seconds';
  return {
    profileToAppliedSeconds: registered(
      registry,
      hop,
      () =>
        new Histogram({
          name: hop,
          help: 'From a ClusterProfile spec change seen by the addon-controller to its features deployed cleanly to a matching cluster.',
          buckets: [0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30],
          registers: [registry],
        }),
    ),
    resources: registered(
      registry,
      name,
      () =>
        new Counter({
          name,
          help: 'Writes to managed clusters: create, update, takeover, delete, conflict, failed.',
          labelNames: ['action'],
          registers: [registry],
        }),
    ),
  };
}

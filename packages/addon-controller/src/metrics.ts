// The addon-controller's own metrics; reconcile counts, durations and queue depths are the Manager's
// controller metrics (controller_runtime_*, workqueue_*), labelled by controller.

import { registered } from '@sveltos-ts/runtime';
import { Counter, type Registry } from 'prom-client';

export interface AddonMetrics {
  resources: Counter<'action'>;
}

export function addonMetrics(registry: Registry): AddonMetrics {
  const name = 'sveltos_addon_controller_resources_total';
  return {
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

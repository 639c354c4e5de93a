// The event-manager process: flags, JSON logs, metrics and health endpoints, leader election, SIGTERM.
import { SVELTOS_NAMESPACE } from '@sveltos-ts/api';
import { runControllerMain } from '@sveltos-ts/runtime';
import { addEventManager } from './event-manager.ts';

await runControllerMain({
  name: 'event-manager',
  description: 'Turns EventReports into ClusterProfiles (Sveltos event framework)',
  defaultMetricsPort: 8080,
  defaultNamespace: SVELTOS_NAMESPACE,
  managesClusterStatus: true,
  // instantiated ConfigMaps/Secrets go where the manager runs, as upstream's NAMESPACE
  setup: (manager, { namespace, manageClusterStatus, workers }) =>
    addEventManager(manager, { namespace, manageClusterStatus, workers }),
});

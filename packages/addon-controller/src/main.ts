// The addon-controller process: flags, JSON logs, metrics and health endpoints, leader election, SIGTERM.
import { SVELTOS_NAMESPACE } from '@sveltos-ts/api';
import { runControllerMain } from '@sveltos-ts/runtime';
import { addAddonController } from './addon-controller.ts';

await runControllerMain({
  name: 'addon-controller',
  description: 'Deploys ClusterProfiles into the matching clusters (Sveltos)',
  defaultMetricsPort: 8081,
  defaultNamespace: SVELTOS_NAMESPACE,
  // the event-manager probes clusters; one writer of their readiness, or failures are counted twice
  managesClusterStatus: false,
  setup: (manager, { manageClusterStatus, workers }) =>
    addAddonController(manager, { manageClusterStatus, workers }),
});

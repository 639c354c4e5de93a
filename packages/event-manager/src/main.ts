// The event-manager process: flags, JSON logs, metrics and health endpoints, leader election, SIGTERM.
// --conversion-webhook serves the CRDs' v1alpha1 ⇄ v1beta1 conversion on the webhook server (--webhook-port,
// certificate in --webhook-cert-dir); off by default, as it needs a certificate the chart provides.
import { SVELTOS_NAMESPACE } from '@sveltos-ts/api';
import { runControllerMain } from '@sveltos-ts/runtime';
import { Option } from 'commander';
import { addConversionWebhook } from './conversion-webhook.ts';
import { addEventManager } from './event-manager.ts';

await runControllerMain({
  name: 'event-manager',
  description: 'Turns EventReports into ClusterProfiles (Sveltos event framework)',
  defaultMetricsPort: 8080,
  defaultNamespace: SVELTOS_NAMESPACE,
  managesClusterStatus: true,
  addFlags: (program) =>
    program.addOption(
      new Option(
        '--conversion-webhook [enabled]',
        'serve the conversion webhook of the v1alpha1 API (docs/api-versions.md)',
      )
        .choices(['true', 'false'])
        .preset('true')
        .default('false'),
    ),
  // instantiated ConfigMaps/Secrets go where the manager runs, as upstream's NAMESPACE
  setup: (manager, { namespace, manageClusterStatus, workers, flags }) => {
    if (flags.conversionWebhook === 'true') addConversionWebhook(manager);
    addEventManager(manager, { namespace, manageClusterStatus, workers });
  },
});

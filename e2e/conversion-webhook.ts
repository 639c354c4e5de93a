// The test bed's side of the conversion webhook: the event-manager's webhook server on 127.0.0.1 with a
// certificate from the bed's CA, and the CRDs pointing at it by URL with that CA as caBundle (the bed's API
// servers cannot reach a Service; docs/design/webhooks.md). Shared by the conversion and legacy tests.
import { CONVERSION_WEBHOOK_PATH, crds, withConversionWebhook } from '@sveltos-ts/api';
import { addConversionWebhook } from '@sveltos-ts/event-manager';
import { silentLogger } from '@sveltos-ts/kube';
import { Manager } from '@sveltos-ts/runtime';
import type { TestEnv } from '@sveltos-ts/testenv';

/** A Manager serving only the conversion webhook on `port` (0: a free one), certificate from `certDir`. */
export async function startConversionWebhook(env: TestEnv, certDir: string, port = 0): Promise<Manager> {
  const manager = new Manager({
    name: 'conversion-webhook',
    kubeConfig: env.cluster('mgmt').kubeConfig(),
    logger: silentLogger,
    webhook: { port, host: '127.0.0.1', certDir },
  });
  addConversionWebhook(manager);
  await manager.start();
  return manager;
}

/** Mints the serving certificate into `certDir`, starts the webhook and (re)installs the management
 * cluster's CRDs calling it. */
export async function serveConversion(
  env: TestEnv,
  certDir: string,
): Promise<{ manager: Manager; port: number }> {
  const cert = await env.mintServingCert(certDir);
  const manager = await startConversionWebhook(env, certDir);
  const port = manager.webhookPort!;
  const clientConfig = {
    url: `https://127.0.0.1:${port}${CONVERSION_WEBHOOK_PATH}`,
    caBundle: Buffer.from(cert.caPem).toString('base64'),
  };
  await env.cluster('mgmt').installCrds(crds.map((c) => withConversionWebhook(c, clientConfig)));
  return { manager, port };
}

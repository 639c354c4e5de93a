// The CRDs' conversion webhook (v1alpha1 ⇄ v1beta1, docs/api-versions.md) on the event-manager's Manager:
// every replica serves it, leader or not, since the API server may call any of them.
import { CONVERSION_WEBHOOK_PATH, convertObject } from '@sveltos-ts/api';
import { conversionHandler, type Manager } from '@sveltos-ts/runtime';

export function addConversionWebhook(manager: Manager): void {
  manager.webhook(CONVERSION_WEBHOOK_PATH, conversionHandler(convertObject));
}

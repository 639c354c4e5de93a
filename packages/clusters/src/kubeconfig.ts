// Where a registered cluster's kubeconfig lives, and how it is read out of its Secret (reference §1.5, §1.6).

import {
  CAPI_KUBECONFIG_SECRET_KEY,
  type CapiCluster,
  type ClusterType,
  kubeconfigSecretName,
  type SveltosCluster,
} from '@sveltos-ts/api';
import { ClusterError } from './errors.ts';

export interface KubeconfigSecretRef {
  namespace: string;
  name: string;
  /** The key to read; undefined means: `kubeconfig`, else `value`, else the only key. */
  key: string | undefined;
}

export function kubeconfigSecretRef(
  type: ClusterType,
  cluster: SveltosCluster | CapiCluster,
): KubeconfigSecretRef {
  const namespace = cluster.metadata?.namespace ?? '';
  const name = cluster.metadata?.name ?? '';
  if (type === 'Capi') {
    return { namespace, name: kubeconfigSecretName('Capi', name), key: CAPI_KUBECONFIG_SECRET_KEY };
  }
  const spec = (cluster as SveltosCluster).spec;
  return {
    namespace,
    name: spec?.kubeconfigName || kubeconfigSecretName('Sveltos', name),
    key: spec?.kubeconfigKeyName || undefined,
  };
}

/** The kubeconfig text held by a Secret's `data` (base64 values), per the key rules of `ref`. */
export function kubeconfigFromSecret(
  ref: KubeconfigSecretRef,
  secret: { data?: Record<string, string> } | undefined,
): string {
  const where = `Secret ${ref.namespace}/${ref.name}`;
  if (secret === undefined) {
    throw new ClusterError('KUBECONFIG_SECRET_NOT_FOUND', `kubeconfig ${where} does not exist`);
  }
  const data = secret.data ?? {};
  const keys = Object.keys(data);
  const key =
    ref.key ??
    (Object.hasOwn(data, 'kubeconfig')
      ? 'kubeconfig'
      : Object.hasOwn(data, 'value')
        ? 'value'
        : keys.length === 1
          ? keys[0]
          : undefined);
  if (key === undefined || !Object.hasOwn(data, key)) {
    throw new ClusterError(
      'KUBECONFIG_KEY_NOT_FOUND',
      ref.key === undefined
        ? `${where} has no key "kubeconfig" or "value" and not exactly one key (keys: ${keys.join(', ') || 'none'})`
        : `${where} has no key ${JSON.stringify(ref.key)} (spec.kubeconfigKeyName)`,
    );
  }
  return Buffer.from(data[key]!, 'base64').toString('utf8');
}

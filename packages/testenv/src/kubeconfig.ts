import { type KubeConfig, loadKubeConfig as load } from '@sveltos-ts/kube';
import { stringify } from 'yaml';

export interface KubeconfigParts {
  clusterName: string;
  server: string;
  /** PEM of the CA that signed the API server's serving certificate. */
  caPem: string;
  user: string;
  token: string;
}

/** A standard kubeconfig (one cluster, one user, one context) usable by kubectl as well as by our code. */
export function kubeconfigYaml(parts: KubeconfigParts): string {
  const context = `${parts.user}@${parts.clusterName}`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: parts.clusterName,
        cluster: {
          server: parts.server,
          'certificate-authority-data': Buffer.from(parts.caPem).toString('base64'),
        },
      },
    ],
    users: [{ name: parts.user, user: { token: parts.token } }],
    contexts: [{ name: context, context: { cluster: parts.clusterName, user: parts.user } }],
    'current-context': context,
  });
}

export function loadKubeConfig(yaml: string): KubeConfig {
  return load({ text: yaml });
}

// The one place the product turns kubeconfig into credentials (issue 17 replaces client-node's loader with
// a lean one here, and nowhere else).

import { KubeConfig } from '@kubernetes/client-node';
import { KubeError } from './errors.ts';

export type { KubeConfig };

export type KubeConfigSource =
  /** A kubeconfig file, else the default: in-cluster service account, $KUBECONFIG or ~/.kube/config. */
  | { file?: string | undefined; context?: string | undefined }
  /** kubeconfig text (a Secret's content). */
  | { text: string; context?: string | undefined };

/** Loads a kubeconfig; a missing file, bad YAML or an unknown context is a KubeError naming the source. */
export function loadKubeConfig(source: KubeConfigSource = {}): KubeConfig {
  const config = new KubeConfig();
  const where = 'text' in source ? 'kubeconfig' : (source.file ?? 'default kubeconfig');
  try {
    if ('text' in source) config.loadFromString(source.text);
    else if (source.file) config.loadFromFile(source.file);
    else config.loadFromDefault();
  } catch (error) {
    throw new KubeError('BAD_REQUEST', 0, `${where}: ${(error as Error).message}`, undefined, {
      cause: error,
    });
  }
  if (source.context) {
    if (!config.getContextObject(source.context))
      throw new KubeError('BAD_REQUEST', 0, `${where}: no context named ${JSON.stringify(source.context)}`);
    config.setCurrentContext(source.context);
  }
  if (!config.getCurrentCluster()) throw new KubeError('BAD_REQUEST', 0, `${where}: no current cluster`);
  return config;
}

import { statSync } from 'node:fs';
import { loadKubeConfig, RestClient } from '@sveltos-ts/kube';

/**
 * A client whose kubeconfig file may be replaced at any time (a mounted Secret whose token rotates): the
 * file is re-read when its modification time or size changes, so the next request uses the new credentials.
 */
export function fileBackedClient(path: string): () => RestClient {
  let stamp = '';
  let client: RestClient | undefined;
  return () => {
    const stat = statSync(path);
    const current = `${stat.mtimeMs}:${stat.size}`;
    if (!client || current !== stamp) {
      client = new RestClient(loadKubeConfig({ file: path }));
      stamp = current;
    }
    return client;
  };
}

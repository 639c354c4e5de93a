// The web view during the demo: served from this process against the demo's management cluster, with a token
// of a read-only ServiceAccount (every Sveltos kind and Events, nothing else) to paste on its sign-in page.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mintServiceAccountKubeconfig, type TestEnv } from '@sveltos-ts/testenv';
import { startWebServer } from '@sveltos-ts/web';

export interface DemoWebView {
  url: string;
  tokenFile: string;
  /** The command that serves the view again against clusters left running by --keep. */
  rerun: string;
  stop(): Promise<void>;
}

export async function startDemoWebView(env: TestEnv): Promise<DemoWebView> {
  const read = ['get', 'list', 'watch'];
  const { token } = await mintServiceAccountKubeconfig(env.cluster('mgmt').kubeConfig(), {
    namespace: 'fleet-viewers',
    name: 'viewer',
    clusterRules: [
      { apiGroups: ['lib.projectsveltos.io', 'config.projectsveltos.io'], resources: ['*'], verbs: read },
      { apiGroups: ['cluster.x-k8s.io'], resources: ['clusters'], verbs: read },
      { apiGroups: [''], resources: ['events'], verbs: read },
    ],
  });
  const tokenFile = join(env.runDir, 'web-viewer.token');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  const port = Number.parseInt(process.env.SVELTOS_WEB_PORT ?? '0', 10);
  const web = await startWebServer({
    target: { server: env.cluster('mgmt').server, caPem: env.caPem },
    host: '127.0.0.1',
    port,
  });
  return {
    url: web.url,
    tokenFile,
    rerun: `node packages/web/src/main.ts --kubeconfig ${env.cluster('mgmt').kubeconfigPath} --address 127.0.0.1 --port 8080`,
    stop: () => web.close(),
  };
}

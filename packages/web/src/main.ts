// The web view process (`sveltos-web`): flags, JSON logs, SIGTERM. It reads the management cluster with the
// token of each user (see server.ts); a kubeconfig, when given, only says where the API server is and which
// CA signed it: its credentials are never used.
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { jsonLogger, type LogLevel, loadKubeConfig } from '@sveltos-ts/kube';
import { startWebServer } from './server.ts';
import type { ApiServerTarget } from './session.ts';

const IN_CLUSTER_CA = '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt';

const HELP = `sveltos-web: a read-only web view of a Sveltos fleet (clusters, events, profiles, add-ons), live.

Every page is read with the user's own bearer token (pasted on the sign-in page, or put into
X-Forwarded-Access-Token by an authenticating proxy with --trust-forwarded-token): the API server's RBAC
decides what is shown. This process needs no Kubernetes permissions of its own.

Flags:
  --address <ip>                 listen address (default 0.0.0.0)
  --port <n>                     listen port (default 8080)
  --server <url>                 the management cluster's API server (default: in-cluster, else --kubeconfig)
  --certificate-authority <file> CA of the API server's certificate (default: in-cluster CA when present)
  --insecure-skip-tls-verify     do not verify the API server's certificate (tests only)
  --tls-server-name <name>       server name to verify the API server's certificate against
  --kubeconfig <file>            take the server, CA and TLS settings of its current context (not its user)
  --trust-forwarded-token        accept the token in X-Forwarded-Access-Token (only behind a proxy that sets it)
  --tls-cert-file <file>         serve HTTPS with this certificate (PEM) ...
  --tls-key-file <file>          ... and key
  --session-idle-seconds <n>     close a user's watches this long after their last page closed (default 60)
  --max-sessions <n>             concurrent users (distinct tokens) at most (default 100)
  --log-level <level>            debug, info, warn or error (default info)
  -h, --help                     this text
`;

function target(values: Record<string, string | boolean | undefined>): ApiServerTarget {
  const file = (name: string): string | undefined =>
    typeof values[name] === 'string' ? readFileSync(values[name] as string, 'utf8') : undefined;
  if (typeof values.server === 'string') {
    return {
      server: values.server,
      caPem: file('certificate-authority'),
      insecureSkipTLSVerify: values['insecure-skip-tls-verify'] === true,
      tlsServerName: values['tls-server-name'] as string | undefined,
    };
  }
  if (typeof values.kubeconfig === 'string') {
    const config = loadKubeConfig({ file: values.kubeconfig });
    const cluster = config.getCurrentCluster()!;
    const caPem = cluster.caData
      ? Buffer.from(cluster.caData, 'base64').toString()
      : cluster.caFile
        ? readFileSync(cluster.caFile, 'utf8')
        : undefined;
    return {
      server: cluster.server,
      caPem: file('certificate-authority') ?? caPem,
      insecureSkipTLSVerify: values['insecure-skip-tls-verify'] === true || cluster.skipTLSVerify,
      tlsServerName: (values['tls-server-name'] as string | undefined) ?? cluster.tlsServerName,
    };
  }
  const host = process.env.KUBERNETES_SERVICE_HOST;
  if (host) {
    const port = process.env.KUBERNETES_SERVICE_PORT ?? '443';
    return {
      server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
      caPem:
        file('certificate-authority') ??
        (existsSync(IN_CLUSTER_CA) ? readFileSync(IN_CLUSTER_CA, 'utf8') : undefined),
      insecureSkipTLSVerify: values['insecure-skip-tls-verify'] === true,
      tlsServerName: values['tls-server-name'] as string | undefined,
    };
  }
  throw new Error('no API server: pass --server or --kubeconfig (or run in a pod)');
}

const { values } = parseArgs({
  options: {
    address: { type: 'string', default: '0.0.0.0' },
    port: { type: 'string', default: '8080' },
    server: { type: 'string' },
    'certificate-authority': { type: 'string' },
    'insecure-skip-tls-verify': { type: 'boolean' },
    'tls-server-name': { type: 'string' },
    kubeconfig: { type: 'string' },
    'trust-forwarded-token': { type: 'boolean' },
    'tls-cert-file': { type: 'string' },
    'tls-key-file': { type: 'string' },
    'session-idle-seconds': { type: 'string', default: '60' },
    'max-sessions': { type: 'string', default: '100' },
    'log-level': { type: 'string', default: 'info' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});

if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const level = values['log-level'] as LogLevel;
if (!['debug', 'info', 'warn', 'error'].includes(level)) {
  process.stderr.write(`--log-level: expected debug, info, warn or error, got ${level}\n`);
  process.exit(2);
}
const logger = jsonLogger({ level, fields: { component: 'web' } });
if (Boolean(values['tls-cert-file']) !== Boolean(values['tls-key-file'])) {
  logger.error('--tls-cert-file and --tls-key-file go together');
  process.exit(2);
}

try {
  const web = await startWebServer({
    target: target(values),
    host: values.address,
    port: Number.parseInt(values.port, 10),
    trustForwardedToken: values['trust-forwarded-token'] === true,
    tls: values['tls-cert-file']
      ? {
          cert: readFileSync(values['tls-cert-file'], 'utf8'),
          key: readFileSync(values['tls-key-file']!, 'utf8'),
        }
      : undefined,
    sessionIdleMs: Number.parseInt(values['session-idle-seconds'], 10) * 1000,
    maxSessions: Number.parseInt(values['max-sessions'], 10),
    logger,
  });
  const stop = (): void => {
    logger.info('stopping');
    web.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (error) {
  logger.error('cannot start', { error: (error as Error).message });
  process.exit(1);
}

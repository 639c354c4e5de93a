// What a kubeconfig's settings mean for a request (docs/design/kube-client.md): one connection pool per
// client (TLS settings, client certificate) and the headers of each request —
// bearer tokens (inline, a file re-read when it changes, an exec plugin's until it expires), basic auth,
// a stored OIDC token and impersonation.

import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import type { Agent } from 'node:http';
import { KubeError } from './errors.ts';
import { connectionPool, type TlsSettings } from './http.ts';
import type { Cluster, ExecConfig, KubeConfig, User } from './kubeconfig.ts';

/** What an exec plugin returned: a token and/or a client certificate, until `expiresAt` (ms). */
interface ExecCredential {
  token?: string | undefined;
  certPem?: string | undefined;
  keyPem?: string | undefined;
  expiresAt: number;
}

const EXEC_TIMEOUT_MS = 60_000;

function pem(data: string | undefined, file: string | undefined, what: string): string | undefined {
  if (data !== undefined) return Buffer.from(data, 'base64').toString();
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new KubeError(
      'BAD_REQUEST',
      0,
      `kubeconfig: cannot read ${what} ${file}: ${(error as Error).message}`,
    );
  }
}

/** Authenticates requests to one cluster as one user. */
export class Credentials {
  readonly #cluster: Cluster;
  readonly #user: User;
  readonly #tls: TlsSettings;
  #pool: Agent | undefined;
  #tokenFile: { mtimeMs: number; size: number; token: string } | undefined;
  #exec: Promise<ExecCredential> | undefined;

  constructor(config: KubeConfig) {
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new KubeError('BAD_REQUEST', 0, 'kubeconfig has no current cluster');
    const user = config.getCurrentUser() ?? { name: '' };
    if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify)
      throw new KubeError('BAD_REQUEST', 0, `kubeconfig: ${cluster.server} is plain HTTP`);
    if (cluster.proxyUrl)
      throw new KubeError(
        'BAD_REQUEST',
        0,
        `kubeconfig: cluster ${cluster.name}: proxy-url is not supported (connect to ${cluster.server} directly)`,
      );
    if (
      user.authProvider &&
      !user.authProvider.config?.['id-token'] &&
      !user.authProvider.config?.['access-token']
    )
      throw new KubeError(
        'BAD_REQUEST',
        0,
        `kubeconfig: user ${user.name}: auth-provider ${user.authProvider.name} is not supported (only a stored id-token or access-token is used; use an exec plugin)`,
      );
    this.#cluster = cluster;
    this.#user = user;
    const ca = pem(cluster.caData, cluster.caFile, 'certificate-authority');
    const cert = pem(user.certData, user.certFile, 'client-certificate');
    const key = pem(user.keyData, user.keyFile, 'client-key');
    this.#tls = {
      rejectUnauthorized: !cluster.skipTLSVerify,
      ...(ca !== undefined ? { ca } : {}),
      ...(cert !== undefined ? { cert } : {}),
      ...(key !== undefined ? { key } : {}),
      ...(cluster.tlsServerName ? { servername: cluster.tlsServerName } : {}),
    };
  }

  /** What a request needs: its connection pool (TLS, client certificate) and authentication headers. */
  async forRequest(): Promise<{ agent: Agent; headers: Array<[string, string]> }> {
    const exec = await this.#execCredential();
    return { agent: this.#poolFor(exec), headers: this.#headers(exec) };
  }

  #poolFor(exec: ExecCredential | undefined): Agent {
    if (exec?.certPem && exec.keyPem && (exec.certPem !== this.#tls.cert || exec.keyPem !== this.#tls.key)) {
      // a rotated client certificate: new connections must present it
      this.#tls.cert = exec.certPem;
      this.#tls.key = exec.keyPem;
      // every connection closes (watches reconnect), so each new one presents the new certificate
      this.#pool?.destroy();
      this.#pool = undefined;
    }
    this.#pool ??= connectionPool(this.#cluster.server, this.#tls);
    return this.#pool;
  }

  #headers(exec: ExecCredential | undefined): Array<[string, string]> {
    const user = this.#user;
    const headers: Array<[string, string]> = [];
    const token = this.#token(exec);
    if (token) headers.push(['authorization', `Bearer ${token}`]);
    else if (user.username !== undefined)
      headers.push([
        'authorization',
        `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}`,
      ]);
    if (user.impersonate) headers.push(['impersonate-user', user.impersonate]);
    for (const group of user.impersonateGroups ?? []) headers.push(['impersonate-group', group]);
    if (user.impersonateUid) headers.push(['impersonate-uid', user.impersonateUid]);
    for (const [key, values] of Object.entries(user.impersonateExtra ?? {}))
      for (const value of values) headers.push([`impersonate-extra-${encodeURIComponent(key)}`, value]);
    return headers;
  }

  /** Drops a cached exec credential, e.g. after a 401 (the plugin is asked again on the next request). */
  forgetExecCredential(): void {
    this.#exec = undefined;
  }

  #token(exec: ExecCredential | undefined): string | undefined {
    const user = this.#user;
    if (user.token) return user.token;
    if (user.tokenFile) return this.#readTokenFile(user.tokenFile);
    if (exec) return exec.token;
    const provider = user.authProvider?.config;
    return provider?.['id-token'] ?? provider?.['access-token'];
  }

  /** The token file (a projected service-account token rotates in place): re-read when it changed. */
  #readTokenFile(path: string): string {
    let stat: { mtimeMs: number; size: number };
    try {
      stat = statSync(path);
      const cached = this.#tokenFile;
      if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.token;
      const token = readFileSync(path, 'utf8').trim();
      this.#tokenFile = { mtimeMs: stat.mtimeMs, size: stat.size, token };
      return token;
    } catch (error) {
      // retryable: the file is replaced by the kubelet and may be missing for a moment
      throw new KubeError(
        'UNAVAILABLE',
        0,
        `kubeconfig: cannot read tokenFile ${path}: ${(error as Error).message}`,
      );
    }
  }

  async #execCredential(): Promise<ExecCredential | undefined> {
    const exec = this.#user.exec;
    if (!exec) return undefined;
    const pending = this.#exec;
    if (pending) {
      const credential = await pending.catch(() => undefined);
      // refresh a little before expiry so a request never carries a token that dies in flight
      if (credential && credential.expiresAt - 10_000 > Date.now()) return credential;
      if (this.#exec !== pending) return this.#execCredential();
    }
    const run = runExecPlugin(exec, this.#user.name, this.#cluster);
    this.#exec = run;
    try {
      return await run;
    } catch (error) {
      if (this.#exec === run) this.#exec = undefined;
      throw error;
    }
  }
}

/** Runs an exec credential plugin (client.authentication.k8s.io) and reads the ExecCredential it prints. */
export async function runExecPlugin(
  exec: ExecConfig,
  userName: string,
  cluster: Cluster,
): Promise<ExecCredential> {
  const spec: Record<string, unknown> = { interactive: false };
  if (exec.provideClusterInfo) {
    spec.cluster = {
      server: cluster.server,
      ...(cluster.tlsServerName ? { 'tls-server-name': cluster.tlsServerName } : {}),
      ...(cluster.caData ? { 'certificate-authority-data': cluster.caData } : {}),
      ...(cluster.skipTLSVerify ? { 'insecure-skip-tls-verify': true } : {}),
      ...(cluster.proxyUrl ? { 'proxy-url': cluster.proxyUrl } : {}),
    };
  }
  const env = { ...process.env };
  for (const { name, value } of exec.env ?? []) env[name] = value;
  env.KUBERNETES_EXEC_INFO = JSON.stringify({ apiVersion: exec.apiVersion, kind: 'ExecCredential', spec });
  const where = `kubeconfig: user ${userName}: exec plugin ${exec.command}`;
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(exec.command, exec.args ?? [], { env, timeout: EXEC_TIMEOUT_MS }, (error, out, err) => {
      if (!error) return resolve(out);
      const hint =
        (error as NodeJS.ErrnoException).code === 'ENOENT' && exec.installHint
          ? ` (${exec.installHint})`
          : '';
      const detail = String(err).trim() || error.message;
      // retryable: a plugin often fails for a passing reason (network to the identity provider)
      reject(
        new KubeError('UNAVAILABLE', 0, `${where} failed: ${detail}${hint}`, undefined, { cause: error }),
      );
    });
  });
  let status: Record<string, unknown>;
  try {
    const parsed = JSON.parse(stdout) as { kind?: unknown; status?: unknown };
    if (parsed.kind !== 'ExecCredential' || parsed.status === null || typeof parsed.status !== 'object')
      throw new Error('expected an ExecCredential with a status');
    status = parsed.status as Record<string, unknown>;
  } catch (error) {
    throw new KubeError(
      'UNAUTHORIZED',
      0,
      `${where} printed no valid ExecCredential: ${(error as Error).message}`,
    );
  }
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const credential: ExecCredential = {
    token: text(status.token),
    certPem: text(status.clientCertificateData),
    keyPem: text(status.clientKeyData),
    expiresAt:
      typeof status.expirationTimestamp === 'string'
        ? Date.parse(status.expirationTimestamp)
        : Number.POSITIVE_INFINITY,
  };
  if (!credential.token && !(credential.certPem && credential.keyPem))
    throw new KubeError(
      'UNAUTHORIZED',
      0,
      `${where} returned neither a token nor a client certificate and key`,
    );
  if (Number.isNaN(credential.expiresAt))
    throw new KubeError(
      'UNAUTHORIZED',
      0,
      `${where}: bad expirationTimestamp ${String(status.expirationTimestamp)}`,
    );
  return credential;
}

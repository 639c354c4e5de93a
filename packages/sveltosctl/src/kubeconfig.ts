// Kubeconfigs in the CLI: which cluster a command talks to (`--kubeconfig`/`--management-kubeconfig` and
// `--context`, else $KUBECONFIG or ~/.kube/config), the managed cluster's kubeconfig `register cluster` stores
// in a Secret (made self-contained), and the token kubeconfigs `generate kubeconfig` and `register agent`
// print. A file that is missing, unreadable or not a kubeconfig is bad input (exit 2); a failing API call is
// a failure (exit 1).

import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { isKubeError, type KubeConfig, loadKubeConfig, RestClient } from '@sveltos-ts/kube';
import { parse, stringify } from 'yaml';
import { CliError, EXIT_FAILED } from './errors.ts';

/** Where a command finds a cluster: a kubeconfig file (else the default one) and a context in it. */
export interface ClusterAccess {
  file?: string | undefined;
  context?: string | undefined;
  /** The flag that names the file, for messages (e.g. `--management-kubeconfig`). */
  flag: string;
  /** What the cluster is, for messages (e.g. `management cluster`). */
  what: string;
}

const firstLine = (error: unknown): string => (error as Error).message.split('\n')[0]!.trim();

/** Text of a file the user named; missing, a directory or unreadable is bad input. */
export function readUserFile(path: string, what: string): string {
  if (!existsSync(path)) throw new CliError('FILE_NOT_FOUND', `${what} ${path}: no such file`);
  if (!statSync(path).isFile()) throw new CliError('INVALID_INPUT', `${what} ${path}: not a file`);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError('FILE_NOT_READABLE', `${what} ${path}: cannot read it: ${(error as Error).message}`);
  }
}

/** Loads the kubeconfig of `access` with its context as the current one. */
export function loadAccess(access: ClusterAccess): KubeConfig {
  const label = `kubeconfig of the ${access.what}`;
  if (access.file) readUserFile(access.file, label);
  else if (process.env.KUBECONFIG) {
    const files = process.env.KUBECONFIG.split(':').filter(Boolean);
    if (!files.some((f) => existsSync(f)))
      throw new CliError(
        'FILE_NOT_FOUND',
        `${label}: KUBECONFIG names no existing file (${process.env.KUBECONFIG}); pass ${access.flag}`,
      );
  } else if (!existsSync(resolve(homedir(), '.kube', 'config')) && !process.env.KUBERNETES_SERVICE_HOST) {
    throw new CliError(
      'NO_KUBECONFIG',
      `no ${label}: pass ${access.flag} <file>, set KUBECONFIG or create ~/.kube/config`,
    );
  }
  let config: KubeConfig;
  try {
    config = loadKubeConfig({ file: access.file, context: access.context });
  } catch (error) {
    throw new CliError('INVALID_KUBECONFIG', `invalid ${label}: ${firstLine(error)}`);
  }
  if (!config.getCurrentCluster()?.server)
    throw new CliError('INVALID_KUBECONFIG', `invalid ${label}: its current cluster has no server`);
  return config;
}

/** A client for the cluster of `access`. */
export function clientFor(access: ClusterAccess): RestClient {
  return new RestClient(loadAccess(access));
}

/** The innermost cause of an error (fetch failures hide the socket error two levels down). */
function rootCause(error: unknown): string {
  let e = error as { message?: string; cause?: unknown; code?: string };
  while (e.cause && typeof e.cause === 'object') e = e.cause as typeof e;
  return e.code && !e.message?.includes(e.code) ? `${e.code}: ${e.message}` : (e.message ?? String(e));
}

/** Runs API calls on `client`; a Kubernetes failure becomes a CLI failure (exit 1) saying what was being done. */
export async function api<T>(client: RestClient, doing: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!isKubeError(error)) throw error;
    if (error.code === 'NETWORK' || error.code === 'TIMEOUT')
      throw new CliError(
        `API_${error.code}`,
        `${doing}: cannot reach the API server ${client.server}: ${rootCause(error)}`,
        EXIT_FAILED,
      );
    const hint =
      error.code === 'FORBIDDEN'
        ? ' (the kubeconfig lacks the permission)'
        : error.code === 'UNAUTHORIZED'
          ? ' (the kubeconfig credentials were rejected)'
          : '';
    throw new CliError(`API_${error.code}`, `${doing}: ${error.message}${hint}`, EXIT_FAILED);
  }
}

// ---- the managed cluster's kubeconfig (register cluster) ----------------------------------------------

type YamlMap = Record<string, unknown>;

const isMap = (v: unknown): v is YamlMap => v !== null && typeof v === 'object' && !Array.isArray(v);

export interface ManagedKubeconfig {
  /** What goes into the Secret: the file as written, or re-serialised with referenced files inlined. */
  text: string;
  /** API server of the current context. */
  server: string;
  /** Files whose content was inlined (certificate-authority, client-certificate, client-key, tokenFile). */
  inlined: string[];
  warnings: string[];
}

/**
 * Reads the kubeconfig of a cluster to register. The controllers read it from a Secret, where paths to
 * certificate or token files mean nothing, so referenced files are inlined (`*-data`, `token`).
 */
export function readManagedKubeconfig(path: string): ManagedKubeconfig {
  const what = 'kubeconfig of the cluster to register (--kubeconfig)';
  const original = readUserFile(path, what);
  let doc: unknown;
  try {
    doc = parse(original);
  } catch (error) {
    throw new CliError('INVALID_KUBECONFIG', `${path}: not a kubeconfig: ${firstLine(error)}`);
  }
  if (!isMap(doc) || !Array.isArray(doc.clusters) || doc.clusters.length === 0)
    throw new CliError('INVALID_KUBECONFIG', `${path}: not a kubeconfig (no clusters)`);
  const base = dirname(resolve(path));
  const inlined: string[] = [];
  const warnings: string[] = [];
  const inline = (holder: YamlMap, fileKey: string, dataKey: string, encode: boolean) => {
    const file = holder[fileKey];
    if (typeof file !== 'string' || file === '') return;
    const full = resolve(base, file);
    if (!existsSync(full)) throw new CliError('FILE_NOT_FOUND', `${path}: ${fileKey} ${file}: no such file`);
    const content = readFileSync(full);
    holder[dataKey] = encode ? content.toString('base64') : content.toString('utf8').trim();
    delete holder[fileKey];
    inlined.push(full);
  };
  for (const entry of doc.clusters) {
    if (isMap(entry) && isMap(entry.cluster))
      inline(entry.cluster, 'certificate-authority', 'certificate-authority-data', true);
  }
  for (const entry of Array.isArray(doc.users) ? doc.users : []) {
    if (!isMap(entry) || !isMap(entry.user)) continue;
    inline(entry.user, 'client-certificate', 'client-certificate-data', true);
    inline(entry.user, 'client-key', 'client-key-data', true);
    inline(entry.user, 'tokenFile', 'token', false);
    if (entry.user.exec || entry.user['auth-provider'])
      warnings.push(
        `user ${String(entry.name)} authenticates with an exec plugin or auth provider: the Sveltos controllers ` +
          'must be able to run it too (a ServiceAccount token is safer: sveltosctl generate kubeconfig)',
      );
  }
  const text = inlined.length > 0 ? stringify(doc) : original;
  let config: KubeConfig;
  try {
    config = loadKubeConfig({ text });
  } catch (error) {
    throw new CliError('INVALID_KUBECONFIG', `${path}: invalid kubeconfig: ${firstLine(error)}`);
  }
  const server = config.getCurrentCluster()?.server;
  if (!server)
    throw new CliError('INVALID_KUBECONFIG', `${path}: invalid kubeconfig: no server in its current cluster`);
  return { text, server, inlined, warnings };
}

// ---- token kubeconfigs -------------------------------------------------------------------------------

export interface TokenKubeconfig {
  /** The cluster's kubeconfig the token was issued by (server and CA are taken from its current cluster). */
  issuer: KubeConfig;
  /** Server to write instead of the issuer's (the address the user of the kubeconfig reaches it at). */
  server?: string | undefined;
  clusterName: string;
  user: string;
  token: string;
  /** Default namespace of the context. */
  namespace?: string | undefined;
}

/** A self-contained kubeconfig (one cluster, user and context) authenticating with a bearer token. */
export function tokenKubeconfig(k: TokenKubeconfig): string {
  const cluster = k.issuer.getCurrentCluster();
  if (!cluster) throw new CliError('INVALID_KUBECONFIG', 'the kubeconfig has no current cluster');
  const entry: YamlMap = { server: k.server ?? cluster.server };
  if (cluster.caData) entry['certificate-authority-data'] = cluster.caData;
  else if (cluster.caFile)
    entry['certificate-authority-data'] = readFileSync(cluster.caFile).toString('base64');
  if (cluster.skipTLSVerify) entry['insecure-skip-tls-verify'] = true;
  if (cluster.tlsServerName) entry['tls-server-name'] = cluster.tlsServerName;
  const context = `${k.user}@${k.clusterName}`;
  return stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: k.clusterName, cluster: entry }],
      users: [{ name: k.user, user: { token: k.token } }],
      contexts: [
        {
          name: context,
          context: {
            cluster: k.clusterName,
            user: k.user,
            ...(k.namespace ? { namespace: k.namespace } : {}),
          },
        },
      ],
      'current-context': context,
    },
    { lineWidth: 0 },
  );
}

export interface IssuedToken {
  token: string;
  expirationTimestamp: string;
}

/** A token for a ServiceAccount through the TokenRequest API; `expirationSeconds` 0 = the server's default. */
export async function requestToken(
  client: RestClient,
  namespace: string,
  serviceAccount: string,
  expirationSeconds: number,
): Promise<IssuedToken> {
  const path = await client.path(
    { apiVersion: 'v1', kind: 'ServiceAccount', namespace, name: serviceAccount },
    'token',
  );
  const response = await client.request<{ status?: { token?: string; expirationTimestamp?: string } }>(
    'POST',
    path,
    {
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: expirationSeconds > 0 ? { expirationSeconds } : {},
      },
    },
  );
  const token = response.status?.token;
  if (!token)
    throw new CliError(
      'API_ERROR',
      `TokenRequest for ${namespace}/${serviceAccount} returned no token`,
      EXIT_FAILED,
    );
  return { token, expirationTimestamp: response.status?.expirationTimestamp ?? '' };
}

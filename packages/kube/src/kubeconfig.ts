// The one place the product turns a kubeconfig into connection settings (docs/design/kube-client.md): a
// lean reader of kubeconfig files, kubeconfig text and the in-cluster service account. It loads no
// generated API models (client-node's KubeConfig costs ~85 MB of every process for its models); what the
// settings mean for a request (TLS, tokens, exec plugins) is auth.ts.

import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { KubeError } from './errors.ts';

/** A `clusters[]` entry (field names as client-node's, which callers used before). */
export interface Cluster {
  name: string;
  server: string;
  /** base64 PEM (certificate-authority-data). */
  caData?: string | undefined;
  /** PEM file (certificate-authority), absolute. */
  caFile?: string | undefined;
  skipTLSVerify: boolean;
  tlsServerName?: string | undefined;
  proxyUrl?: string | undefined;
}

/** An exec credential plugin (client.authentication.k8s.io/v1 or v1beta1). */
export interface ExecConfig {
  apiVersion: string;
  command: string;
  args?: string[] | undefined;
  env?: Array<{ name: string; value: string }> | undefined;
  provideClusterInfo?: boolean | undefined;
  interactiveMode?: string | undefined;
  installHint?: string | undefined;
}

/** A `users[]` entry. */
export interface User {
  name: string;
  token?: string | undefined;
  /** A file holding the token, re-read as it rotates (absolute). */
  tokenFile?: string | undefined;
  /** base64 PEM (client-certificate-data / client-key-data). */
  certData?: string | undefined;
  certFile?: string | undefined;
  keyData?: string | undefined;
  keyFile?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  exec?: ExecConfig | undefined;
  /** Legacy auth providers: only a stored `id-token`/`access-token` is used (oidc). */
  authProvider?: { name: string; config?: Record<string, string> | undefined } | undefined;
  /** Impersonation (`as`, `as-groups`, `as-uid`, `as-user-extra`). */
  impersonate?: string | undefined;
  impersonateGroups?: string[] | undefined;
  impersonateUid?: string | undefined;
  impersonateExtra?: Record<string, string[]> | undefined;
}

/** A `contexts[]` entry. */
export interface Context {
  name: string;
  cluster: string;
  user: string;
  namespace?: string | undefined;
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

type Yaml = Record<string, unknown>;
const isMap = (v: unknown): v is Yaml => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function entries(doc: Yaml, key: string, inner: string): Array<{ name: string; body: Yaml }> {
  const list = doc[key];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new Error(`${key} is not a list`);
  return list.map((entry, i) => {
    if (!isMap(entry)) throw new Error(`${key}[${i}] is not a map`);
    const name = str(entry.name);
    if (name === undefined) throw new Error(`${key}[${i}].name is missing`);
    const body = entry[inner] ?? {};
    if (!isMap(body)) throw new Error(`${key}[${i}].${inner} is not a map`);
    return { name, body };
  });
}

/**
 * A kubeconfig: clusters, users, contexts and the current context, with relative file paths resolved
 * against the file's directory (as kubectl does). Mutable like client-node's, which it replaces.
 */
export class KubeConfig {
  clusters: Cluster[] = [];
  users: User[] = [];
  contexts: Context[] = [];
  currentContext = '';

  /** Parses kubeconfig text; `basePath` is where relative file references start. */
  loadFromString(text: string, options: { basePath?: string } = {}): void {
    const doc: unknown = parse(text);
    if (!isMap(doc)) throw new Error('not a kubeconfig (expected a YAML map)');
    const base = options.basePath ?? process.cwd();
    const file = (v: unknown): string | undefined => {
      const path = str(v);
      return path === undefined ? undefined : isAbsolute(path) ? path : resolve(base, path);
    };
    this.clusters = entries(doc, 'clusters', 'cluster').map(({ name, body }, i) => {
      const server = str(body.server);
      if (server === undefined) throw new Error(`clusters[${i}].cluster.server is missing`);
      return {
        name,
        server,
        caData: str(body['certificate-authority-data']),
        caFile: file(body['certificate-authority']),
        skipTLSVerify:
          body['insecure-skip-tls-verify'] === true || body['insecure-skip-tls-verify'] === 'true',
        tlsServerName: str(body['tls-server-name']),
        proxyUrl: str(body['proxy-url']),
      };
    });
    this.users = entries(doc, 'users', 'user').map(({ name, body }) => parseUser(name, body, file));
    this.contexts = entries(doc, 'contexts', 'context').map(({ name, body }) => ({
      name,
      cluster: str(body.cluster) ?? '',
      user: str(body.user) ?? '',
      namespace: str(body.namespace),
    }));
    this.currentContext = str(doc['current-context']) ?? '';
  }

  loadFromFile(path: string): void {
    const full = resolve(path);
    this.loadFromString(readFileSync(full, 'utf8'), { basePath: dirname(full) });
  }

  /**
   * $KUBECONFIG (the first file naming an entry wins, as kubectl merges), else ~/.kube/config, else the
   * in-cluster service account.
   */
  loadFromDefault(): void {
    const paths = (process.env.KUBECONFIG ?? '').split(':').filter(Boolean);
    if (paths.length > 0) {
      const merged = new KubeConfig();
      for (const path of paths) {
        if (!existsSync(path)) continue;
        const one = new KubeConfig();
        one.loadFromFile(path);
        merged.#merge(one);
      }
      Object.assign(this, {
        clusters: merged.clusters,
        users: merged.users,
        contexts: merged.contexts,
        currentContext: merged.currentContext,
      });
      return;
    }
    const home = join(process.env.HOME || homedir(), '.kube', 'config');
    if (existsSync(home)) this.loadFromFile(home);
    else if (process.env.KUBERNETES_SERVICE_HOST && existsSync(join(SERVICE_ACCOUNT_DIR, 'token')))
      this.loadFromCluster();
    else
      throw new Error('no kubeconfig: KUBECONFIG is not set, ~/.kube/config does not exist and not in a pod');
  }

  /** The pod's service account: the `kubernetes` Service, its CA, and the token file (re-read as it rotates). */
  loadFromCluster(dir = SERVICE_ACCOUNT_DIR): void {
    const host = process.env.KUBERNETES_SERVICE_HOST;
    const port = process.env.KUBERNETES_SERVICE_PORT ?? '443';
    if (!host) throw new Error('not in a pod: KUBERNETES_SERVICE_HOST is not set');
    const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
    let namespace: string | undefined;
    try {
      namespace = readFileSync(join(dir, 'namespace'), 'utf8').trim() || undefined;
    } catch {
      namespace = undefined;
    }
    this.clusters = [{ name: 'inCluster', server, caFile: join(dir, 'ca.crt'), skipTLSVerify: false }];
    this.users = [{ name: 'inClusterUser', tokenFile: join(dir, 'token') }];
    this.contexts = [{ name: 'inClusterContext', cluster: 'inCluster', user: 'inClusterUser', namespace }];
    this.currentContext = 'inClusterContext';
  }

  #merge(other: KubeConfig): void {
    const add = <T extends { name: string }>(into: T[], from: T[]) => {
      for (const e of from) if (!into.some((x) => x.name === e.name)) into.push(e);
    };
    add(this.clusters, other.clusters);
    add(this.users, other.users);
    add(this.contexts, other.contexts);
    this.currentContext ||= other.currentContext;
  }

  getCurrentContext(): string {
    return this.currentContext;
  }

  setCurrentContext(name: string): void {
    this.currentContext = name;
  }

  getContextObject(name: string): Context | null {
    return this.contexts.find((c) => c.name === name) ?? null;
  }

  getCluster(name: string): Cluster | null {
    return this.clusters.find((c) => c.name === name) ?? null;
  }

  getUser(name: string): User | null {
    return this.users.find((u) => u.name === name) ?? null;
  }

  getCurrentCluster(): Cluster | null {
    const context = this.getContextObject(this.currentContext);
    return context ? this.getCluster(context.cluster) : null;
  }

  getCurrentUser(): User | null {
    const context = this.getContextObject(this.currentContext);
    return context ? this.getUser(context.user) : null;
  }

  /** A self-standing kubeconfig (YAML) of everything held, e.g. for the helm CLI. */
  exportConfig(): string {
    return stringify(
      {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: this.clusters.map((c) => ({ name: c.name, cluster: exportCluster(c) })),
        users: this.users.map((u) => ({ name: u.name, user: exportUser(u) })),
        contexts: this.contexts.map((c) => ({
          name: c.name,
          context: { cluster: c.cluster, user: c.user, ...(c.namespace ? { namespace: c.namespace } : {}) },
        })),
        'current-context': this.currentContext,
      },
      { lineWidth: 0 },
    );
  }
}

function parseUser(name: string, body: Yaml, file: (v: unknown) => string | undefined): User {
  const user: User = {
    name,
    token: str(body.token),
    tokenFile: file(body.tokenFile),
    certData: str(body['client-certificate-data']),
    certFile: file(body['client-certificate']),
    keyData: str(body['client-key-data']),
    keyFile: file(body['client-key']),
    username: str(body.username),
    password: str(body.password),
    impersonate: str(body.as),
    impersonateUid: str(body['as-uid']),
  };
  if (Array.isArray(body['as-groups'])) user.impersonateGroups = body['as-groups'].map(String);
  if (isMap(body['as-user-extra'])) {
    user.impersonateExtra = Object.fromEntries(
      Object.entries(body['as-user-extra']).map(([k, v]) => [
        k,
        Array.isArray(v) ? v.map(String) : [String(v)],
      ]),
    );
  }
  const exec = body.exec;
  if (isMap(exec)) {
    const command = str(exec.command);
    if (command === undefined) throw new Error(`users ${name}: exec.command is missing`);
    const env = Array.isArray(exec.env)
      ? exec.env.filter(isMap).map((e) => ({ name: String(e.name ?? ''), value: String(e.value ?? '') }))
      : undefined;
    user.exec = {
      apiVersion: str(exec.apiVersion) ?? 'client.authentication.k8s.io/v1',
      // a command given as a relative path is relative to the kubeconfig, like other files
      command: command.includes('/') ? (file(command) ?? command) : command,
      args: Array.isArray(exec.args) ? exec.args.map(String) : undefined,
      env,
      provideClusterInfo: exec.provideClusterInfo === true,
      interactiveMode: str(exec.interactiveMode),
      installHint: str(exec.installHint),
    };
  }
  const provider = body['auth-provider'];
  if (isMap(provider)) {
    user.authProvider = {
      name: str(provider.name) ?? '',
      config: isMap(provider.config)
        ? Object.fromEntries(Object.entries(provider.config).map(([k, v]) => [k, String(v)]))
        : undefined,
    };
  }
  return user;
}

function exportCluster(c: Cluster): Yaml {
  return {
    server: c.server,
    ...(c.caData ? { 'certificate-authority-data': c.caData } : {}),
    ...(c.caFile ? { 'certificate-authority': c.caFile } : {}),
    ...(c.skipTLSVerify ? { 'insecure-skip-tls-verify': true } : {}),
    ...(c.tlsServerName ? { 'tls-server-name': c.tlsServerName } : {}),
    ...(c.proxyUrl ? { 'proxy-url': c.proxyUrl } : {}),
  };
}

function exportUser(u: User): Yaml {
  const out: Yaml = {};
  const set = (key: string, value: unknown) => {
    if (value !== undefined) out[key] = value;
  };
  set('token', u.token);
  set('tokenFile', u.tokenFile);
  set('client-certificate-data', u.certData);
  set('client-certificate', u.certFile);
  set('client-key-data', u.keyData);
  set('client-key', u.keyFile);
  set('username', u.username);
  set('password', u.password);
  set('as', u.impersonate);
  set('as-groups', u.impersonateGroups);
  set('as-uid', u.impersonateUid);
  set('as-user-extra', u.impersonateExtra);
  if (u.exec) {
    const { apiVersion, command, args, env, provideClusterInfo, interactiveMode, installHint } = u.exec;
    out.exec = {
      apiVersion,
      command,
      ...(args ? { args } : {}),
      ...(env ? { env } : {}),
      ...(provideClusterInfo ? { provideClusterInfo } : {}),
      ...(interactiveMode ? { interactiveMode } : {}),
      ...(installHint ? { installHint } : {}),
    };
  }
  if (u.authProvider) out['auth-provider'] = u.authProvider;
  return out;
}

export type KubeConfigSource =
  /** A kubeconfig file, else the default: $KUBECONFIG, ~/.kube/config, or the in-cluster service account. */
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

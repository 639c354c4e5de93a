// One session per identity (per bearer token): a client of the management cluster holding the USER's token,
// what the API server's authorizer lets that token list and watch (SelfSubjectAccessReviews asked with the
// token itself), and informers for exactly that. The web component has no credentials of its own: what a
// page shows is what the token may read. Browsers presenting the same token share the session and so its
// watches; the last one to leave starts an idle timer, after which the watches are closed.

import { createHash } from 'node:crypto';
import {
  Informer,
  isKubeError,
  KubeError,
  type KubeObject,
  type Logger,
  loadKubeConfig,
  RestClient,
} from '@sveltos-ts/kube';
import {
  type Access,
  type CoreEvent,
  EVENT_INVOLVED_KINDS,
  type KindId,
  type Snapshot,
  trimObject,
  WATCHED,
  type WatchedKind,
} from './model.ts';

/** How to reach the management cluster's API server (never with credentials of the web component). */
export interface ApiServerTarget {
  server: string;
  /** PEM of the CA of the API server's serving certificate; default: the system's trust store. */
  caPem?: string | undefined;
  insecureSkipTLSVerify?: boolean | undefined;
  tlsServerName?: string | undefined;
}

export interface Identity {
  username: string;
  groups: string[];
}

export class SessionError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'SessionError';
    this.status = status;
  }
}

/** A RestClient for `target` authenticating with `token` only. */
export function userClient(target: ApiServerTarget, token: string): RestClient {
  const cluster: Record<string, unknown> = { server: target.server };
  if (target.caPem) cluster['certificate-authority-data'] = Buffer.from(target.caPem).toString('base64');
  if (target.insecureSkipTLSVerify) cluster['insecure-skip-tls-verify'] = true;
  if (target.tlsServerName) cluster['tls-server-name'] = target.tlsServerName;
  const text = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'management', cluster }],
    users: [{ name: 'user', user: { token } }],
    contexts: [{ name: 'user', context: { cluster: 'management', user: 'user' } }],
    'current-context': 'user',
  });
  return new RestClient(loadKubeConfig({ text }));
}

/** Who the token belongs to (SelfSubjectReview); a rejected token is a 401 SessionError. */
export async function whoAmI(client: RestClient): Promise<Identity> {
  try {
    const review = await client.request<{ status?: { userInfo?: { username?: string; groups?: string[] } } }>(
      'POST',
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } },
    );
    return {
      username: review.status?.userInfo?.username ?? '',
      groups: review.status?.userInfo?.groups ?? [],
    };
  } catch (error) {
    if (isKubeError(error, 'UNAUTHORIZED'))
      throw new SessionError(401, 'the API server rejected the token (expired, revoked or mistyped)');
    // API servers before 1.28 do not serve SelfSubjectReview: the access reviews still authenticate
    if (isKubeError(error, 'NOT_FOUND')) return { username: '', groups: [] };
    throw error;
  }
}

/** `kubectl auth can-i <verb> <resource> [-n namespace]` asked with the session's own token. */
async function canI(
  client: RestClient,
  kind: WatchedKind,
  verb: string,
  namespace: string | undefined,
): Promise<boolean> {
  const review = await client.request<{ status?: { allowed?: boolean } }>(
    'POST',
    '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    {
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: {
          resourceAttributes: {
            verb,
            group: kind.group,
            resource: kind.resource,
            namespace: namespace ?? '',
          },
        },
      },
    },
  );
  return review.status?.allowed === true;
}

async function canListAndWatch(
  client: RestClient,
  kind: WatchedKind,
  namespace: string | undefined,
): Promise<boolean> {
  const [list, watch] = await Promise.all([
    canI(client, kind, 'list', namespace),
    canI(client, kind, 'watch', namespace),
  ]);
  return list && watch;
}

/** The namespace of a ServiceAccount user (`system:serviceaccount:<namespace>:<name>`). */
export function serviceAccountNamespace(username: string): string | undefined {
  const match = /^system:serviceaccount:([^:]+):[^:]+$/.exec(username);
  return match?.[1];
}

const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Namespace hints from the login form (or a header): valid DNS labels only, at most 20. */
export function parseNamespaceHints(value: string | undefined): string[] {
  const names = (value ?? '')
    .split(/[\s,]+/)
    .map((n) => n.trim())
    .filter((n) => n.length > 0 && n.length <= 63 && NAMESPACE_NAME.test(n));
  return [...new Set(names)].sort().slice(0, 20);
}

/**
 * What the token may read, kind by kind: cluster-wide when it may list and watch everywhere, otherwise the
 * candidate namespaces (its ServiceAccount's namespace and the ones the user named) where it may.
 */
export async function reviewAccess(
  client: RestClient,
  identity: Identity,
  hints: readonly string[],
): Promise<Record<KindId, Access>> {
  const candidates = [...new Set([...hints, serviceAccountNamespace(identity.username) ?? ''])]
    .filter(Boolean)
    .sort();
  const entries = await Promise.all(
    WATCHED.map(async (kind): Promise<[KindId, Access]> => {
      try {
        await client.resource(kind.apiVersion, kind.kind);
      } catch (error) {
        if (isKubeError(error, 'UNKNOWN_KIND'))
          // Cluster API not installed: nothing to show, nothing hidden
          return [kind.id, kind.optional ? { scope: 'absent' } : { scope: 'none', reason: 'not served' }];
        throw error;
      }
      if (await canListAndWatch(client, kind, undefined)) return [kind.id, { scope: 'cluster' }];
      if (!kind.namespaced || candidates.length === 0)
        return [kind.id, { scope: 'none', reason: 'forbidden' }];
      const allowed = await Promise.all(candidates.map((ns) => canListAndWatch(client, kind, ns)));
      const namespaces = candidates.filter((_, i) => allowed[i]);
      return [
        kind.id,
        namespaces.length > 0 ? { scope: 'namespaces', namespaces } : { scope: 'none', reason: 'forbidden' },
      ];
    }),
  );
  return Object.fromEntries(entries) as Record<KindId, Access>;
}

export interface SessionOptions {
  target: ApiServerTarget;
  token: string;
  namespaces: readonly string[];
  logger: Logger;
  /** Server-side length of a watch before it is opened again with the token (RBAC re-checked). */
  watchTimeoutSeconds?: number;
  /** How long an API answer waits for the first lists. */
  syncTimeoutMs?: number;
}

export type ChangeListener = (kinds: ReadonlySet<KindId>) => void;

interface Watch {
  kind: WatchedKind;
  namespace: string | undefined;
  informer: Informer;
  /** Resolves when the watch is given up (access withdrawn, kind removed): nothing more to wait for. */
  removed: Promise<void>;
  remove(): void;
}

export class Session {
  readonly key: string;
  readonly client: RestClient;
  readonly namespaces: readonly string[];
  identity: Identity = { username: '', groups: [] };
  access: Record<KindId, Access> | undefined;
  lastUsed = Date.now();
  /** Set when the token stopped working: every request and stream of the session ends with it. */
  failure: SessionError | undefined;
  readonly #options: SessionOptions;
  readonly #logger: Logger;
  readonly #watches: Watch[] = [];
  readonly #listeners = new Set<ChangeListener>();
  readonly #failureListeners = new Set<(error: SessionError) => void>();
  #ready: Promise<void> | undefined;
  #refs = 0;
  #verifiedAt = Date.now();
  #closed = false;

  constructor(key: string, options: SessionOptions) {
    this.key = key;
    this.#options = options;
    this.namespaces = options.namespaces;
    this.#logger = options.logger.child({ session: key.slice(0, 12) });
    this.client = userClient(options.target, options.token);
  }

  /** Authenticates, reviews access and starts the watches; resolves once every first list has loaded. */
  start(): Promise<void> {
    this.#ready ??= this.#start();
    return this.#ready;
  }

  async #start(): Promise<void> {
    this.identity = await whoAmI(this.client);
    this.access = await reviewAccess(this.client, this.identity, this.namespaces);
    this.#logger.info('session started', {
      user: this.identity.username,
      access: Object.fromEntries(
        Object.entries(this.access).map(([k, a]) => [
          k,
          a.scope === 'namespaces' ? a.namespaces.join(',') : a.scope,
        ]),
      ),
    });
    for (const kind of WATCHED) {
      const access = this.access[kind.id];
      if (access.scope === 'none' || access.scope === 'absent') continue;
      const namespaces = access.scope === 'cluster' ? [undefined] : access.namespaces;
      const selectors =
        kind.id === 'events'
          ? EVENT_INVOLVED_KINDS.map((k) => `involvedObject.kind=${k}`)
          : [kind.fieldSelector];
      for (const namespace of namespaces) {
        for (const fieldSelector of selectors) this.#watch(kind, namespace, fieldSelector);
      }
    }
    await this.#synced();
  }

  #watch(kind: WatchedKind, namespace: string | undefined, fieldSelector: string | undefined): void {
    const informer = new Informer(this.client, {
      apiVersion: kind.apiVersion,
      kind: kind.kind,
      namespace,
      fieldSelector,
      transform: trimObject,
      watchTimeoutSeconds: this.#options.watchTimeoutSeconds ?? 60,
      backoff: { initialMs: 500, maxMs: 30_000 },
    });
    let remove = (): void => undefined;
    const removed = new Promise<void>((resolve) => {
      remove = resolve;
    });
    const watch: Watch = { kind, namespace, informer, removed, remove };
    informer.on(() => this.#changed(kind.id));
    informer.onError((error) => this.#watchFailed(watch, error));
    this.#watches.push(watch);
    informer.start();
  }

  async #synced(): Promise<void> {
    const timeout = this.#options.syncTimeoutMs ?? 15_000;
    let timer: NodeJS.Timeout | undefined;
    let off: () => unknown = () => undefined;
    const failed = new Promise<never>((_, reject) => {
      off = this.onFailure(reject);
      timer = setTimeout(
        () => reject(new SessionError(503, `the API server's lists did not load within ${timeout / 1000} s`)),
        timeout,
      );
    });
    try {
      await Promise.race([
        Promise.all(this.#watches.map((w) => Promise.race([w.informer.waitForSync(), w.removed]))),
        failed,
      ]);
    } finally {
      clearTimeout(timer);
      off();
    }
  }

  #watchFailed(watch: Watch, error: Error): void {
    if (isKubeError(error, 'UNAUTHORIZED')) {
      this.fail(new SessionError(401, 'the API server no longer accepts the token (expired or revoked)'));
      return;
    }
    // RBAC changed since the session started (stop showing what the token may no longer read), or a CRD
    // was removed: either way the watch would only retry forever
    const forbidden = isKubeError(error, 'FORBIDDEN');
    if (forbidden || isKubeError(error, 'UNKNOWN_KIND') || isKubeError(error, 'NOT_FOUND')) {
      this.#logger.info('watch given up', {
        kind: watch.kind.kind,
        namespace: watch.namespace,
        error: error.message,
      });
      void watch.informer.stop();
      watch.remove();
      const index = this.#watches.indexOf(watch);
      if (index >= 0) this.#watches.splice(index, 1);
      if (this.access && !this.#watches.some((w) => w.kind.id === watch.kind.id)) {
        this.access[watch.kind.id] = forbidden
          ? { scope: 'none', reason: 'forbidden' }
          : watch.kind.optional
            ? { scope: 'absent' }
            : { scope: 'none', reason: 'not served' };
      }
      this.#changed(watch.kind.id);
    }
  }

  #pending = new Set<KindId>();
  #flushScheduled = false;

  #changed(kind: KindId): void {
    this.#pending.add(kind);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // one notification per burst of watch events handled in the same turn
    queueMicrotask(() => {
      this.#flushScheduled = false;
      const kinds = this.#pending;
      this.#pending = new Set();
      for (const listener of this.#listeners) listener(kinds);
    });
  }

  onChange(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onFailure(listener: (error: SessionError) => void): () => void {
    this.#failureListeners.add(listener);
    return () => this.#failureListeners.delete(listener);
  }

  fail(error: SessionError): void {
    if (this.failure) return;
    this.failure = error;
    this.#logger.info('session ended', { reason: error.message });
    for (const listener of this.#failureListeners) listener(error);
    void this.close();
  }

  /**
   * Re-authenticates the token when it was last checked more than `maxAgeMs` ago, so a revoked token stops
   * reading from the cache within that time (the watches notice it when they are next opened).
   */
  async verify(maxAgeMs: number): Promise<void> {
    if (this.failure) throw this.failure;
    if (Date.now() - this.#verifiedAt < maxAgeMs) return;
    try {
      await whoAmI(this.client);
      this.#verifiedAt = Date.now();
    } catch (error) {
      if (error instanceof SessionError && error.status === 401) this.fail(error);
      throw error;
    }
  }

  snapshot(): Snapshot {
    const byKind = new Map<KindId, KubeObject[]>();
    for (const w of this.#watches) {
      const list = byKind.get(w.kind.id) ?? [];
      for (const object of w.informer.list()) list.push(object);
      byKind.set(w.kind.id, list);
    }
    const of = <T>(id: KindId): T[] => (byKind.get(id) ?? []) as unknown as T[];
    return {
      sveltosClusters: of('sveltosclusters'),
      capiClusters: of('capiclusters'),
      eventReports: of('eventreports'),
      eventTriggers: of('eventtriggers'),
      clusterProfiles: of('clusterprofiles'),
      clusterSummaries: of('clustersummaries'),
      events: of<CoreEvent>('events'),
      access: { ...(this.access ?? ({} as Record<KindId, Access>)) },
    };
  }

  /** Open watches (one per kind and namespace; Events one per involved kind). */
  get watchCount(): number {
    return this.#watches.length;
  }

  get refs(): number {
    return this.#refs;
  }

  acquire(): void {
    this.#refs++;
    this.lastUsed = Date.now();
  }

  release(): void {
    this.#refs = Math.max(0, this.#refs - 1);
    this.lastUsed = Date.now();
  }

  get closed(): boolean {
    return this.#closed;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    await Promise.all(this.#watches.map((w) => w.informer.stop()));
    this.#watches.length = 0;
  }
}

export interface SessionPoolOptions {
  target: ApiServerTarget;
  logger: Logger;
  /** A session nobody used for this long is closed (its watches stop). */
  idleMs?: number;
  maxSessions?: number;
  watchTimeoutSeconds?: number;
  syncTimeoutMs?: number;
}

/** Sessions by token (a hash of it: tokens are not kept as keys), shared by every browser presenting it. */
export class SessionPool {
  readonly #options: SessionPoolOptions;
  readonly #sessions = new Map<string, Session>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: SessionPoolOptions) {
    this.#options = options;
    const idle = options.idleMs ?? 60_000;
    // closing idle sessions is housekeeping, not data polling: pages are updated from the watches
    this.#sweeper = setInterval(() => this.#sweep(), Math.max(1_000, Math.min(idle / 2, 30_000)));
    this.#sweeper.unref();
  }

  static keyOf(token: string, namespaces: readonly string[]): string {
    return createHash('sha256').update(token).update('\n').update(namespaces.join(',')).digest('hex');
  }

  /** The started session for a token (created and started on first use). */
  async get(token: string, namespaces: readonly string[]): Promise<Session> {
    const key = SessionPool.keyOf(token, namespaces);
    let session = this.#sessions.get(key);
    if (session?.closed) {
      this.#sessions.delete(key);
      session = undefined;
    }
    if (!session) {
      if (this.#sessions.size >= (this.#options.maxSessions ?? 100)) this.#evict();
      if (this.#sessions.size >= (this.#options.maxSessions ?? 100))
        throw new SessionError(503, 'too many concurrent sessions; try again later');
      session = new Session(key, {
        target: this.#options.target,
        token,
        namespaces,
        logger: this.#options.logger,
        watchTimeoutSeconds: this.#options.watchTimeoutSeconds,
        syncTimeoutMs: this.#options.syncTimeoutMs,
      });
      this.#sessions.set(key, session);
    }
    session.lastUsed = Date.now();
    try {
      await session.start();
    } catch (error) {
      // a failed start (bad token, API server down) is not kept: the next request tries again
      if (this.#sessions.get(key) === session) this.#sessions.delete(key);
      await session.close();
      if (error instanceof SessionError) throw error;
      if (error instanceof KubeError) throw new SessionError(502, `API server: ${error.message}`);
      throw error;
    }
    return session;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Every open watch of every session (for metrics and tests). */
  get watchCount(): number {
    let n = 0;
    for (const s of this.#sessions.values()) n += s.watchCount;
    return n;
  }

  #sweep(): void {
    const idle = this.#options.idleMs ?? 60_000;
    const now = Date.now();
    for (const [key, session] of this.#sessions) {
      if (session.closed || (session.refs === 0 && now - session.lastUsed > idle)) {
        this.#sessions.delete(key);
        void session.close();
      }
    }
  }

  /** Makes room: the least recently used session nobody is streaming from. */
  #evict(): void {
    const idle = [...this.#sessions.entries()]
      .filter(([, s]) => s.refs === 0)
      .sort((a, b) => a[1].lastUsed - b[1].lastUsed)[0];
    if (!idle) return;
    this.#sessions.delete(idle[0]);
    void idle[1].close();
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    const sessions = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(sessions.map((s) => s.close()));
  }
}

// The web component's HTTP server (node:http): the static pages, a read-only JSON API and a Server-Sent-
// Events stream telling the browser what changed. Every API request carries the user's bearer token (the
// Authorization header the page sends, or X-Forwarded-Access-Token from an OIDC proxy in front when
// trusted); the answer is computed from what that token's watches hold, so the API server's RBAC decides
// what a page shows.

import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { extname } from 'node:path';
import { type Logger, silentLogger } from '@sveltos-ts/kube';
import { type AssetRoots, assetRoots, CONTENT_TYPES, importMapHash, resolveAsset } from './assets.ts';
import type { KindId } from './model.ts';
import {
  type ApiServerTarget,
  parseNamespaceHints,
  type Session,
  SessionError,
  SessionPool,
} from './session.ts';
import {
  type ClusterTypeId,
  clusterDetail,
  clusterList,
  overview,
  profileDetail,
  profileList,
  timeline,
  triggerDetail,
  triggerList,
} from './views.ts';

export interface WebServerOptions {
  target: ApiServerTarget;
  /** Listen address and port; port 0 picks a free one. */
  host?: string;
  port?: number;
  /** Accept the token an authenticating proxy puts into X-Forwarded-Access-Token. */
  trustForwardedToken?: boolean;
  /** Serve HTTPS with this certificate and key (PEM). */
  tls?: { cert: string; key: string } | undefined;
  logger?: Logger;
  /** A session (and its watches) nobody used for this long is closed; default 60 s. */
  sessionIdleMs?: number;
  maxSessions?: number;
  /** Tokens are checked again with the API server at most this often while in use; default 30 s. */
  reverifyMs?: number;
  /** A watch is reopened (so RBAC is asked again) after this long; default 60 s (jittered up to 2x). */
  watchTimeoutSeconds?: number;
  /** A burst of changes is announced once per this interval at most; default 100 ms. */
  notifyIntervalMs?: number;
  /** Keep-alive comments on idle streams; default 20 s. */
  heartbeatMs?: number;
}

export interface WebServer {
  url: string;
  server: Server;
  sessions: SessionPool;
  close(): Promise<void>;
}

const FORWARDED_TOKEN_HEADER = 'x-forwarded-access-token';
const NAMESPACES_HEADER = 'x-sveltos-namespaces';

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function securityHeaders(scriptHash: string | undefined): Record<string, string> {
  return {
    'content-security-policy': [
      "default-src 'self'",
      `script-src 'self'${scriptHash ? ` ${scriptHash}` : ''}`,
      "style-src 'self'",
      "img-src 'self' data:",
      "connect-src 'self'",
      "font-src 'self'",
      "object-src 'none'",
      "base-uri 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
  };
}

/** The bearer token of a request: Authorization first, then the proxy's header when trusted. */
export function requestToken(request: IncomingMessage, trustForwarded: boolean): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  if (trustForwarded) {
    const forwarded = request.headers[FORWARDED_TOKEN_HEADER];
    const value = Array.isArray(forwarded) ? forwarded[0] : forwarded;
    if (value?.trim()) return value.trim();
  }
  return undefined;
}

function intParam(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number.parseInt(raw, 10);
  return Number.isFinite(n) ? n : undefined;
}

function clusterType(value: string | undefined): ClusterTypeId {
  if (value === 'sveltos' || value === 'capi') return value;
  throw new HttpError(404, `unknown cluster type ${JSON.stringify(value)}`);
}

function segments(path: string): string[] {
  try {
    return path
      .split('/')
      .filter(Boolean)
      .map((s) => decodeURIComponent(s));
  } catch {
    throw new HttpError(400, 'malformed path');
  }
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const logger = options.logger ?? silentLogger;
  const roots: AssetRoots = assetRoots();
  const indexHtml = readFileSync(resolveAsset(roots, '/index.html')!, 'utf8');
  const headers = securityHeaders(importMapHash(indexHtml));
  const sessions = new SessionPool({
    target: options.target,
    logger,
    idleMs: options.sessionIdleMs,
    maxSessions: options.maxSessions,
    watchTimeoutSeconds: options.watchTimeoutSeconds,
  });
  const reverifyMs = options.reverifyMs ?? 30_000;
  const trustForwarded = options.trustForwardedToken === true;
  const streams = new Set<ServerResponse>();

  const json = (response: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    response.writeHead(status, {
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'content-length': Buffer.byteLength(text),
    });
    response.end(text);
  };

  async function session(request: IncomingMessage): Promise<Session> {
    const token = requestToken(request, trustForwarded);
    if (!token) throw new HttpError(401, 'no bearer token: sign in with a token');
    const hints = parseNamespaceHints(
      [request.headers[NAMESPACES_HEADER]].flat().filter(Boolean).join(',') || undefined,
    );
    const s = await sessions.get(token, hints);
    await s.verify(reverifyMs);
    return s;
  }

  function api(s: Session, path: string[], params: URLSearchParams): unknown {
    const q = params.get('q') ?? undefined;
    const page = intParam(params, 'page');
    const pageSize = intParam(params, 'pageSize');
    const snapshot = s.snapshot();
    const [resource, ...rest] = path;
    const notFound = (what: string): never => {
      throw new HttpError(404, `${what} not found, or not readable with this token`);
    };
    switch (resource) {
      case 'whoami':
        return { user: s.identity.username, groups: s.identity.groups, access: s.access };
      case 'overview':
        return overview(snapshot);
      case 'clusters': {
        if (rest.length === 0) {
          const ready = params.get('ready');
          return clusterList(snapshot, {
            q,
            page,
            pageSize,
            ready: ready === 'ready' || ready === 'not-ready' ? ready : undefined,
          });
        }
        if (rest.length !== 3) throw new HttpError(404, 'expected /api/clusters/<type>/<namespace>/<name>');
        const id = { type: clusterType(rest[0]), namespace: rest[1]!, name: rest[2]! };
        return clusterDetail(snapshot, id) ?? notFound(`cluster ${id.namespace}/${id.name}`);
      }
      case 'triggers':
        if (rest.length === 0) return triggerList(snapshot, { q, page, pageSize });
        return triggerDetail(snapshot, rest[0]!) ?? notFound(`EventTrigger ${rest[0]}`);
      case 'profiles':
        if (rest.length === 0) return profileList(snapshot, { q, page, pageSize });
        return profileDetail(snapshot, rest[0]!) ?? notFound(`ClusterProfile ${rest[0]}`);
      case 'timeline': {
        const cluster = params.get('cluster');
        let id: { type: ClusterTypeId; namespace: string; name: string } | undefined;
        if (cluster) {
          const [type, namespace, name] = cluster.split('/');
          if (!namespace || !name) throw new HttpError(400, 'cluster=<type>/<namespace>/<name>');
          id = { type: clusterType(type), namespace, name };
        }
        return timeline(snapshot, {
          cluster: id,
          trigger: params.get('trigger') ?? undefined,
          profile: params.get('profile') ?? undefined,
          q,
          page,
          pageSize,
        });
      }
      default:
        throw new HttpError(404, `no API ${JSON.stringify(resource ?? '')}`);
    }
  }

  /** Server-Sent Events: `ready` once, then `change` (kinds) after watch events, `unauthorized` at the end. */
  function stream(s: Session, request: IncomingMessage, response: ServerResponse): void {
    response.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.flushHeaders();
    streams.add(response);
    s.acquire();
    const send = (event: string, data: unknown): void => {
      response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    send('ready', { user: s.identity.username, access: s.access });
    const interval = options.notifyIntervalMs ?? 100;
    let pending = new Set<KindId>();
    let timer: NodeJS.Timeout | undefined;
    let lastSent = 0;
    const flush = (): void => {
      timer = undefined;
      lastSent = Date.now();
      const kinds = [...pending].sort();
      pending = new Set();
      send('change', { kinds, at: new Date().toISOString() });
    };
    const offChange = s.onChange((kinds) => {
      for (const k of kinds) pending.add(k);
      if (timer) return;
      // the first change after a quiet spell goes out at once; a burst is coalesced per interval
      timer = setTimeout(flush, Math.max(0, lastSent + interval - Date.now()));
    });
    const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), options.heartbeatMs ?? 20_000);
    const offFailure = s.onFailure((error) => {
      send('unauthorized', { message: error.message });
      response.end();
    });
    const close = (): void => {
      offChange();
      offFailure();
      clearTimeout(timer);
      clearInterval(heartbeat);
      streams.delete(response);
      s.release();
    };
    request.on('close', close);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path === '/healthz' || path === '/readyz') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end('ok');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' });
      response.end();
      return;
    }
    if (path === '/api/config') {
      json(response, 200, { forwardedToken: trustForwarded });
      return;
    }
    if (path.startsWith('/api/')) {
      try {
        const s = await session(request);
        const parts = segments(path.slice('/api/'.length));
        if (parts[0] === 'stream' && parts.length === 1) {
          stream(s, request, response);
          return;
        }
        s.acquire();
        try {
          json(response, 200, api(s, parts, url.searchParams));
        } finally {
          s.release();
        }
      } catch (error) {
        const status = error instanceof HttpError || error instanceof SessionError ? error.status : 500;
        if (status === 500) logger.error('request failed', { path, error: (error as Error).message });
        json(response, status, { error: (error as Error).message });
      }
      return;
    }
    const file = resolveAsset(roots, path);
    if (!file) {
      response.writeHead(404, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
      response.end('not found');
      return;
    }
    const body = readFileSync(file);
    response.writeHead(200, {
      ...headers,
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': body.length,
      // the pages change with the version; the vendored library does not
      'cache-control': path.startsWith('/vendor/') ? 'public, max-age=86400' : 'no-cache',
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  }

  const listener = (request: IncomingMessage, response: ServerResponse): void => {
    handle(request, response).catch((error: unknown) => {
      logger.error('request failed', { error: (error as Error).message });
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  };
  const server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, listener)
    : createHttpServer(listener);
  // streams live long; ordinary requests do not need more than this
  server.requestTimeout = 0;
  server.headersTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${options.tls ? 'https' : 'http'}://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}/`;
  logger.info('serving the web view', { url, trustForwardedToken: trustForwarded });
  return {
    url,
    server,
    sessions,
    async close() {
      for (const response of streams) response.end();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await sessions.close();
    },
  };
}

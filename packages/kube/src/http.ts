// The HTTP exchange under RestClient, on node:http/node:https (docs/design/kube-client.md): the API server
// speaks plain HTTP/1.1 JSON and streams watches as lines, which needs nothing more. The undici package
// cost ~26 MB of resident memory in every process just by being loaded.

import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface TlsSettings {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
  servername?: string;
}

/** A pooled agent for one server: keep-alive connections (TCP probes at 30 s, as client-go). */
export function connectionPool(server: string, tls: TlsSettings): HttpAgent {
  const pool = { keepAlive: true, keepAliveMsecs: 30_000 };
  return server.startsWith('https:') ? new HttpsAgent({ ...pool, ...tls }) : new HttpAgent(pool);
}

export interface HttpResponse {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  /** The body as it streams (a watch reads it line by line). */
  readonly body: IncomingMessage;
  text(): Promise<string>;
}

export interface HttpRequest {
  method: string;
  /** Header pairs; a name given twice is sent twice (Impersonate-Group). */
  headers: Array<[string, string]>;
  body?: string | undefined;
  agent: HttpAgent;
  signal: AbortSignal;
}

/** Sends one request; resolves with the response once its headers arrived. */
export function send(url: URL, init: HttpRequest): Promise<HttpResponse> {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of init.headers) {
    const current = headers[name];
    headers[name] =
      current === undefined ? value : [...(Array.isArray(current) ? current : [String(current)]), value];
  }
  if (init.body !== undefined) headers['content-length'] = Buffer.byteLength(init.body);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method, headers, agent: init.agent, signal: init.signal });
    req.once('error', reject);
    req.once('response', (res) => {
      const status = res.statusCode ?? 0;
      resolve({
        status,
        statusText: res.statusMessage ?? '',
        ok: status >= 200 && status < 300,
        body: res,
        async text() {
          const chunks: Buffer[] = [];
          for await (const chunk of res) chunks.push(chunk as Buffer);
          return Buffer.concat(chunks).toString('utf8');
        },
      });
    });
    req.end(init.body);
  });
}

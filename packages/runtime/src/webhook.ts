import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { type KubeObject, type Logger, silentLogger } from '@sveltos-ts/kube';

/** controller-runtime's default: where cert-manager or a Helm chart mounts `tls.crt` and `tls.key`. */
export const defaultWebhookCertDir = '/tmp/k8s-webhook-server/serving-certs';
/** controller-runtime's default webhook port. */
export const defaultWebhookPort = 9443;
/** Larger request bodies are refused with 413 (the API server's own request limit is 3 MiB per object). */
export const defaultMaxBodyBytes = 10 * 1024 * 1024;

export interface WebhookServerOptions {
  /** Port to listen on; 0 picks a free one ({@link WebhookServer.start} resolves with it). Default 9443. */
  port?: number;
  /** Default `0.0.0.0`: the API server reaches the webhook through a Service, i.e. the pod IP. */
  host?: string;
  /** Directory holding `tls.crt` and `tls.key` (default {@link defaultWebhookCertDir}). */
  certDir?: string;
  /** Explicit certificate (PEM, may carry the chain) and key files, instead of `certDir`. */
  certFile?: string;
  keyFile?: string;
  logger?: Logger;
  /** Default {@link defaultMaxBodyBytes}. */
  maxBodyBytes?: number;
  /** How long {@link WebhookServer.stop} lets in-flight reviews finish before closing connections. */
  shutdownGraceMs?: number;
}

/** A request body as the API server posts it: an AdmissionReview, a ConversionReview or another JSON object. */
export interface WebhookReview {
  apiVersion?: string;
  kind?: string;
  request?: { uid?: string; [field: string]: unknown };
  [field: string]: unknown;
}

/** Receives the parsed review and returns the response body (serialized as JSON, HTTP 200). */
export type WebhookHandler = (review: WebhookReview) => unknown;

/** apiextensions.k8s.io/v1 ConversionReview, as the API server sends it and expects it back. */
export interface ConversionReview {
  apiVersion: string;
  kind: 'ConversionReview';
  request?: { uid: string; desiredAPIVersion: string; objects: KubeObject[] };
  response?: ConversionResponse;
}

export interface ConversionResponse {
  /** The request's uid, echoed. */
  uid: string;
  /** Same length and order as the request's objects, each at `desiredAPIVersion`. Absent on failure. */
  convertedObjects?: KubeObject[];
  result: { status: 'Success' | 'Failure'; message?: string };
}

/**
 * Converts one object to `desiredAPIVersion` and returns it (it may modify and return its argument). The
 * result must carry `apiVersion: desiredAPIVersion`; metadata other than labels and annotations must be
 * left as is (the API server rejects the conversion otherwise). Throwing fails the whole review.
 */
export type ConvertFunction = (
  object: KubeObject,
  desiredAPIVersion: string,
) => KubeObject | Promise<KubeObject>;

/** Certificate of a loaded pair, for logs and diagnostics. */
export interface ServingCertificateInfo {
  certFile: string;
  /** Hex, upper case, as `tls.PeerCertificate.serialNumber` shows it. */
  serialNumber: string;
  fingerprint256: string;
  validTo: string;
}

interface LoadedPair {
  cert: string;
  key: string;
  info: ServingCertificateInfo;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : errorMessage(error);
    throw new Error(`webhook serving ${what} ${file}: ${reason}`, { cause: error });
  }
}

/** Reads and checks a certificate/key pair; every failure names the file at fault. */
function loadPair(certFile: string, keyFile: string): LoadedPair {
  const cert = readPem(certFile, 'certificate');
  const key = readPem(keyFile, 'key');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (error) {
    throw new Error(
      `webhook serving certificate ${certFile} is not a PEM certificate: ${errorMessage(error)}`,
      {
        cause: error,
      },
    );
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    throw new Error(`webhook serving key ${keyFile} is not a PEM private key: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new Error(`webhook serving certificate ${certFile} does not match the key ${keyFile}`);
  }
  return {
    cert,
    key,
    info: {
      certFile,
      serialNumber: x509.serialNumber,
      fingerprint256: x509.fingerprint256,
      validTo: x509.validTo,
    },
  };
}

/** Changes whenever either file is rewritten in place, replaced by a rename or re-pointed by a symlink. */
function filesSignature(files: readonly string[]): string {
  return files
    .map((file) => {
      try {
        const stat = statSync(file);
        return `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
      } catch (error) {
        return `missing(${(error as NodeJS.ErrnoException).code ?? 'error'})`;
      }
    })
    .join('|');
}

/**
 * The response for a review whose handler threw: a ConversionReview gets `result.status: Failure`, an
 * AdmissionReview is refused with code 500 (what controller-runtime does), anything else is `undefined`
 * (the server answers HTTP 500).
 */
function failedReview(review: WebhookReview, message: string): object | undefined {
  const uid = typeof review.request?.uid === 'string' ? review.request.uid : '';
  if (review.kind === 'ConversionReview') {
    const response: ConversionResponse = { uid, result: { status: 'Failure', message } };
    return { apiVersion: review.apiVersion ?? 'apiextensions.k8s.io/v1', kind: 'ConversionReview', response };
  }
  if (review.kind === 'AdmissionReview') {
    return {
      apiVersion: review.apiVersion ?? 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid, allowed: false, status: { code: 500, message } },
    };
  }
  return undefined;
}

/**
 * Wraps the apiextensions.k8s.io/v1 ConversionReview protocol around a per-object `convert`: the uid is
 * echoed, objects already at the desired version pass through untouched, and any failure (a throw, a result
 * at the wrong apiVersion, a malformed review) becomes `result.status: Failure` with a message naming the
 * object, which the API server shows the client.
 */
export function conversionHandler(convert: ConvertFunction): WebhookHandler {
  return async (review: WebhookReview): Promise<ConversionReview> => {
    const request = review.request as Partial<NonNullable<ConversionReview['request']>> | undefined;
    const uid = typeof request?.uid === 'string' ? request.uid : '';
    const reply = (response: Omit<ConversionResponse, 'uid'>): ConversionReview => ({
      apiVersion: review.apiVersion ?? 'apiextensions.k8s.io/v1',
      kind: 'ConversionReview',
      response: { uid, ...response },
    });
    if (review.kind !== 'ConversionReview') {
      const kind = JSON.stringify(review.kind);
      return reply({
        result: { status: 'Failure', message: `expected a ConversionReview, got kind ${kind}` },
      });
    }
    const desired = request?.desiredAPIVersion;
    if (!uid || typeof desired !== 'string' || !Array.isArray(request?.objects)) {
      const message = 'ConversionReview request must have uid, desiredAPIVersion and objects';
      return reply({ result: { status: 'Failure', message } });
    }
    const convertedObjects: KubeObject[] = [];
    for (const object of request.objects) {
      if (object.apiVersion === desired) {
        convertedObjects.push(object);
        continue;
      }
      const name = `${object.kind ?? 'object'} ${object.metadata?.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata?.name ?? '(unnamed)'}`;
      const what = `converting ${name} from ${object.apiVersion} to ${desired}`;
      let converted: KubeObject;
      try {
        converted = await convert(object, desired);
      } catch (error) {
        return reply({ result: { status: 'Failure', message: `${what}: ${errorMessage(error)}` } });
      }
      if (converted?.apiVersion !== desired) {
        const message = `${what}: the converted object has apiVersion ${JSON.stringify(converted?.apiVersion)}`;
        return reply({ result: { status: 'Failure', message } });
      }
      convertedObjects.push(converted);
    }
    return reply({ convertedObjects, result: { status: 'Success' } });
  };
}

/**
 * The HTTPS server the API server calls for admission and CRD conversion webhooks (controller-runtime's
 * webhook server). The certificate comes from files and is re-read when they change (cert-manager and Helm
 * rotate them in place): every new connection compares the files' inode, size and times with those of the
 * loaded pair and installs a changed pair with `setSecureContext` before the handshake. A pair that fails to
 * load (half-written, mismatched) is logged and the previous one keeps serving.
 */
export class WebhookServer {
  readonly #port: number;
  readonly #host: string;
  readonly #certFile: string;
  readonly #keyFile: string;
  readonly #logger: Logger;
  readonly #maxBodyBytes: number;
  readonly #shutdownGraceMs: number;
  readonly #handlers = new Map<string, WebhookHandler>();
  #server: Server | undefined;
  /** Established TLS connections of the current server, and those with a request in progress (for stop). */
  #connections = new Set<TLSSocket>();
  readonly #busy = new WeakSet<Socket>();
  #loaded: ServingCertificateInfo | undefined;
  #loadedSignature = '';
  #failedSignature = '';

  constructor(options: WebhookServerOptions = {}) {
    if ((options.certFile === undefined) !== (options.keyFile === undefined)) {
      throw new Error('webhook server: certFile and keyFile go together');
    }
    if (options.certFile !== undefined && options.certDir !== undefined) {
      throw new Error('webhook server: give either certDir or certFile/keyFile, not both');
    }
    const certDir = options.certDir ?? defaultWebhookCertDir;
    this.#certFile = options.certFile ?? join(certDir, 'tls.crt');
    this.#keyFile = options.keyFile ?? join(certDir, 'tls.key');
    this.#port = options.port ?? defaultWebhookPort;
    this.#host = options.host ?? '0.0.0.0';
    this.#logger = options.logger ?? silentLogger;
    this.#maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes;
    this.#shutdownGraceMs = options.shutdownGraceMs ?? 5_000;
  }

  /** Serves `handler` at `path` (exact match, query ignored); may be called before or after {@link start}. */
  handle(path: string, handler: WebhookHandler): this {
    if (!path.startsWith('/')) throw new Error(`webhook path ${JSON.stringify(path)} must start with /`);
    if (this.#handlers.has(path)) throw new Error(`a webhook is already registered at ${path}`);
    this.#handlers.set(path, handler);
    return this;
  }

  /** The certificate currently presented, once loaded. */
  get certificate(): ServingCertificateInfo | undefined {
    return this.#loaded;
  }

  /** The port listened on, once started. */
  get port(): number | undefined {
    const address = this.#server?.address();
    return address && typeof address === 'object' ? (address as AddressInfo).port : undefined;
  }

  /** True while listening with a loaded certificate: a readiness check for the process. */
  ready(): boolean {
    return this.#server?.listening === true && this.#loaded !== undefined;
  }

  /**
   * Loads the certificate (a missing or invalid file is an error naming it) and listens; resolves with
   * the port. Can be called again after {@link stop}.
   */
  async start(): Promise<number> {
    if (this.#server) throw new Error('webhook server already started');
    const signature = filesSignature([this.#certFile, this.#keyFile]);
    const pair = loadPair(this.#certFile, this.#keyFile);
    const server = createServer({ cert: pair.cert, key: pair.key, minVersion: 'TLSv1.2' }, (req, res) =>
      this.#onRequest(server, req, res),
    );
    // runs before the TLS socket is created from the server's current context (node:tls's own listener)
    server.prependListener('connection', () => this.#reloadIfChanged(server));
    const connections = new Set<TLSSocket>();
    this.#connections = connections;
    server.on('secureConnection', (socket: TLSSocket) => {
      if (!server.listening) {
        socket.destroy(); // established while stopping
        return;
      }
      connections.add(socket);
      socket.once('close', () => connections.delete(socket));
    });
    server.on('tlsClientError', (error: NodeJS.ErrnoException) => {
      const fields = { error: error.message };
      if (error.code === 'ECONNRESET') this.#logger.debug('webhook TLS handshake failed', fields);
      else this.#logger.warn('webhook TLS handshake failed', fields);
    });
    await new Promise<void>((resolve, reject) => {
      const failed = (error: Error): void =>
        reject(new Error(`webhook server cannot listen on ${this.#host}:${this.#port}: ${error.message}`));
      server.once('error', failed);
      server.listen(this.#port, this.#host, () => {
        server.off('error', failed);
        server.on('error', (error) => this.#logger.error('webhook server error', { error: error.message }));
        resolve();
      });
    });
    this.#server = server;
    this.#loaded = pair.info;
    this.#loadedSignature = signature;
    this.#failedSignature = '';
    const port = (server.address() as AddressInfo).port;
    this.#logger.info('serving webhooks', {
      address: `https://${this.#host}:${port}`,
      paths: [...this.#handlers.keys()],
      serialNumber: pair.info.serialNumber,
      validTo: pair.info.validTo,
    });
    return port;
  }

  /**
   * Stops accepting connections, closes those without a request in progress, lets in-flight reviews
   * finish (within the grace period). Idempotent.
   */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    this.#loaded = undefined;
    // like Go's Shutdown: connections without a request in progress are closed now, including a client's
    // spare connection that never sent one (node's closeIdleConnections() leaves those open); the others
    // close after their answer (Connection: close) or when the grace period ends
    const connections = this.#connections;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.#logger.warn('webhook connections still open after the grace period: closing them');
        for (const socket of connections) socket.destroy();
      }, this.#shutdownGraceMs);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        resolve();
      });
      for (const socket of connections) if (!this.#busy.has(socket)) socket.destroy();
    });
    this.#logger.info('webhook server stopped');
  }

  #reloadIfChanged(server: Server): void {
    const signature = filesSignature([this.#certFile, this.#keyFile]);
    if (signature === this.#loadedSignature || signature === this.#failedSignature) return;
    try {
      const pair = loadPair(this.#certFile, this.#keyFile);
      server.setSecureContext({ cert: pair.cert, key: pair.key, minVersion: 'TLSv1.2' });
      this.#loaded = pair.info;
      this.#loadedSignature = signature;
      this.#failedSignature = '';
      this.#logger.info('webhook serving certificate reloaded', {
        serialNumber: pair.info.serialNumber,
        validTo: pair.info.validTo,
      });
    } catch (error) {
      // typically a rotation caught between writing the certificate and the key: retried when they change
      this.#failedSignature = signature;
      this.#logger.warn('webhook serving certificate not reloaded; the previous one is still served', {
        error: errorMessage(error),
      });
    }
  }

  #onRequest(server: Server, req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    this.#busy.add(socket);
    res.once('close', () => this.#busy.delete(socket));
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const handler = this.#handlers.get(path);
    if (!handler) {
      this.#plain(server, res, 404, `no webhook is served at ${path}`);
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      this.#plain(server, res, 405, `method ${req.method} not allowed: webhooks take POST`);
      return;
    }
    const tooLarge = (): void => {
      res.setHeader('connection', 'close');
      this.#plain(server, res, 413, `request body larger than ${this.#maxBodyBytes} bytes`);
    };
    if (Number(req.headers['content-length'] ?? 0) > this.#maxBodyBytes) {
      tooLarge();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > this.#maxBodyBytes) {
        refused = true;
        chunks.length = 0;
        tooLarge();
      } else {
        chunks.push(chunk);
      }
    });
    req.on('error', (error) => this.#logger.debug('webhook request aborted', { path, error: error.message }));
    req.on('end', () => {
      if (!refused) void this.#dispatch(server, path, handler, Buffer.concat(chunks), res);
    });
  }

  async #dispatch(
    server: Server,
    path: string,
    handler: WebhookHandler,
    body: Buffer,
    res: ServerResponse,
  ): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (error) {
      this.#plain(server, res, 400, `request body is not valid JSON: ${errorMessage(error)}`);
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      this.#plain(
        server,
        res,
        400,
        'request body must be a JSON object (an AdmissionReview or a ConversionReview)',
      );
      return;
    }
    const review = parsed as WebhookReview;
    const fields = { path, kind: review.kind, uid: review.request?.uid };
    let result: unknown;
    try {
      result = await handler(review);
      if (result === undefined) throw new Error('the webhook handler returned no response');
    } catch (error) {
      const message = errorMessage(error);
      this.#logger.warn('webhook handler failed', { ...fields, error: message });
      result = failedReview(review, message);
      if (result === undefined) {
        this.#plain(server, res, 500, message);
        return;
      }
    }
    let text: string;
    try {
      text = JSON.stringify(result);
    } catch (error) {
      this.#plain(server, res, 500, `the webhook response is not serializable: ${errorMessage(error)}`);
      return;
    }
    this.#logger.debug('webhook review answered', fields);
    this.#reply(server, res, 200, 'application/json', text);
  }

  #plain(server: Server, res: ServerResponse, status: number, message: string): void {
    this.#reply(server, res, status, 'text/plain; charset=utf-8', `${message}\n`);
  }

  #reply(server: Server, res: ServerResponse, status: number, contentType: string, text: string): void {
    if (res.headersSent) return;
    // while stopping, no keep-alive: the connection closes after this answer so stop() can finish
    if (!server.listening) res.setHeader('connection', 'close');
    res.writeHead(status, { 'content-type': contentType }).end(text);
  }
}

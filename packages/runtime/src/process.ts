import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jsonLogger, type Logger, type LogLevel } from '@sveltos-ts/kube';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { levelledLogger } from './log-level.ts';

/** A readiness check: `true` when ready, otherwise the reason shown on /readyz. */
export type ReadinessCheck = () => true | string;

export interface ProcessRuntimeOptions {
  /** Component name: the `component` field of every log line and the metrics prefix. */
  name: string;
  /** Port of the /metrics, /healthz and /readyz server; 0 picks a free one, undefined disables it. */
  port?: number | undefined;
  host?: string;
  logLevel?: LogLevel;
  /** Where log lines go (stderr by default). */
  writeLog?: (line: string) => void;
  /** Exit the process after shutdown on SIGTERM/SIGINT (default true; tests pass false). */
  exitOnSignal?: boolean;
}

/**
 * What every long-running component shares: JSON logs, a Prometheus registry, health endpoints and an
 * orderly shutdown (SIGTERM/SIGINT run the registered stop hooks in reverse order, then exit 0).
 */
export class ProcessRuntime {
  readonly name: string;
  readonly logger: Logger;
  readonly metrics = new Registry();
  readonly #readiness = new Map<string, ReadinessCheck>();
  readonly #liveness = new Map<string, ReadinessCheck>();
  readonly #stopHooks: Array<{ name: string; stop: () => Promise<void> | void }> = [];
  readonly #servers: Server[] = [];
  #stopping: Promise<void> | undefined;
  readonly #signalHandler: () => void;
  /** Changed at run time by `setLogLevel` (sveltosctl log-level). */
  #logLevel: LogLevel;

  constructor(options: ProcessRuntimeOptions) {
    this.name = options.name;
    this.#logLevel = options.logLevel ?? 'info';
    const lines = jsonLogger({
      level: 'debug',
      fields: { component: options.name },
      ...(options.writeLog ? { write: options.writeLog } : {}),
    });
    this.logger = levelledLogger(lines, () => this.#logLevel);
    collectDefaultMetrics({ register: this.metrics });
    this.#signalHandler = () => {
      this.logger.info('signal received, shutting down');
      void this.shutdown().then(() => {
        if (options.exitOnSignal ?? true) process.exit(0);
      });
    };
    process.once('SIGTERM', this.#signalHandler);
    process.once('SIGINT', this.#signalHandler);
  }

  get logLevel(): LogLevel {
    return this.#logLevel;
  }

  /** Changes the level of every logger of the process (children included) from now on. */
  setLogLevel(level: LogLevel): void {
    this.#logLevel = level;
  }

  /** Registers a named readiness check; /readyz is 200 only when every check passes. */
  addReadiness(name: string, check: ReadinessCheck): void {
    this.#readiness.set(name, check);
  }

  /** Registers a named liveness check; /healthz fails (and the kubelet restarts the pod) when one fails. */
  addHealth(name: string, check: ReadinessCheck): void {
    this.#liveness.set(name, check);
  }

  /** Registers cleanup run at shutdown, last registered first (like defer). */
  onShutdown(name: string, stop: () => Promise<void> | void): void {
    this.#stopHooks.push({ name, stop });
  }

  readiness(): { ready: boolean; failing: Record<string, string> } {
    return evaluate(this.#readiness);
  }

  health(): { ready: boolean; failing: Record<string, string> } {
    return evaluate(this.#liveness);
  }

  /** Starts an HTTP server for /metrics, /healthz and /readyz (call again for another address); resolves
   * with its port. */
  async listen(port = 0, host = '127.0.0.1'): Promise<number> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/healthz') {
        const { ready: healthy, failing } = this.health();
        const body = this.#stopping ? 'stopping' : healthy ? 'ok' : JSON.stringify(failing);
        res.writeHead(healthy && !this.#stopping ? 200 : 503, { 'content-type': 'text/plain' }).end(body);
      } else if (path === '/readyz') {
        const { ready, failing } = this.readiness();
        const body =
          ready && !this.#stopping ? 'ok' : JSON.stringify(this.#stopping ? { stopping: true } : failing);
        res.writeHead(ready && !this.#stopping ? 200 : 503, { 'content-type': 'text/plain' }).end(body);
      } else if (path === '/metrics') {
        this.metrics.metrics().then(
          (text) => res.writeHead(200, { 'content-type': this.metrics.contentType }).end(text),
          (error: unknown) => res.writeHead(500).end(String(error)),
        );
      } else {
        res.writeHead(404).end('not found');
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.#servers.push(server);
    const actual = (server.address() as AddressInfo).port;
    this.logger.info('serving metrics and health', { address: `http://${host}:${actual}` });
    return actual;
  }

  /** Runs the stop hooks (each failure logged, none skipped) and closes the HTTP server. Idempotent. */
  shutdown(): Promise<void> {
    this.#stopping ??= (async () => {
      for (const hook of [...this.#stopHooks].reverse()) {
        try {
          await hook.stop();
        } catch (error) {
          this.logger.error('shutdown step failed', { step: hook.name, error: (error as Error).message });
        }
      }
      await Promise.all(
        this.#servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
      );
      process.removeListener('SIGTERM', this.#signalHandler);
      process.removeListener('SIGINT', this.#signalHandler);
      this.logger.info('stopped');
    })();
    return this.#stopping;
  }
}

function evaluate(checks: Map<string, ReadinessCheck>): { ready: boolean; failing: Record<string, string> } {
  const failing: Record<string, string> = {};
  for (const [name, check] of checks) {
    const result = check();
    if (result !== true) failing[name] = result;
  }
  return { ready: Object.keys(failing).length === 0, failing };
}

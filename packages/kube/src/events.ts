import { randomBytes } from 'node:crypto';
import type { Logger } from './logger.ts';
import type { RestClient } from './rest.ts';

/** The object an Event is about (core/v1 `involvedObject`). */
export interface Involved {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string | undefined;
  uid?: string | undefined;
}

const MAX_REMEMBERED = 10_000;

/**
 * Kubernetes Events (core/v1) on the objects users look at (`kubectl describe`). Each (object, reason,
 * message) is written once per process, so a failure retried with backoff does not flood the namespace.
 * Recording never throws: an Event is a courtesy, a failed write is logged.
 */
export class EventRecorder {
  /** The client, or how to get the current one (credentials that rotate). */
  readonly #client: RestClient | (() => RestClient);
  readonly #logger: Logger;
  readonly #component: string;
  readonly #seen = new Set<string>();

  constructor(client: RestClient | (() => RestClient), logger: Logger, component: string) {
    this.#client = client;
    this.#logger = logger;
    this.#component = component;
  }

  record(on: Involved, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const key = `${on.kind}|${on.namespace ?? ''}|${on.name}|${on.uid ?? ''}|${reason}|${message}`;
    if (this.#seen.has(key)) return;
    if (this.#seen.size >= MAX_REMEMBERED) this.#seen.clear();
    this.#seen.add(key);
    const now = new Date().toISOString();
    const client = typeof this.#client === 'function' ? this.#client() : this.#client;
    client
      .create({
        apiVersion: 'v1',
        kind: 'Event',
        // cluster-scoped objects (EventTrigger, ClusterProfile) get their Events in "default", where
        // kubectl describe looks for them
        metadata: {
          name: `${on.name.slice(0, 200)}.${randomBytes(8).toString('hex')}`,
          namespace: on.namespace || 'default',
        },
        involvedObject: on,
        reason,
        message: message.slice(0, 1024),
        type,
        source: { component: this.#component },
        reportingComponent: this.#component,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      })
      .catch((error: unknown) =>
        this.#logger.warn('cannot record Event', {
          reason,
          object: on.name,
          error: (error as Error).message,
        }),
      );
  }
}

// Kubernetes Events (core/v1) on the objects users look at: EventTriggers and EventReports.

import { randomBytes } from 'node:crypto';
import type { Logger, RestClient } from '@sveltos-ts/kube';

export interface Involved {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string | undefined;
  uid?: string | undefined;
}

const MAX_REMEMBERED = 10_000;

/** Writes Events, once per (object, reason, message) per process, so a failure retried with backoff does
 * not flood the namespace. Failures to record are logged, never thrown: an Event is a courtesy. */
export class EventRecorder {
  readonly #client: RestClient;
  readonly #logger: Logger;
  readonly #seen = new Set<string>();

  constructor(client: RestClient, logger: Logger) {
    this.#client = client;
    this.#logger = logger;
  }

  record(on: Involved, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const key = `${on.kind}|${on.namespace ?? ''}|${on.name}|${on.uid ?? ''}|${reason}|${message}`;
    if (this.#seen.has(key)) return;
    if (this.#seen.size >= MAX_REMEMBERED) this.#seen.clear();
    this.#seen.add(key);
    // cluster-scoped objects (EventTrigger) get their Events in "default", as kubectl describe expects
    const namespace = on.namespace || 'default';
    const now = new Date().toISOString();
    this.#client
      .create({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${on.name}.${randomBytes(8).toString('hex')}`, namespace },
        involvedObject: on,
        reason,
        message: message.slice(0, 1024),
        type,
        source: { component: 'event-manager' },
        reportingComponent: 'event-manager',
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

// Kubernetes Events on the objects users look at (ClusterSummaries, ClusterProfiles).

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

/** Writes each (object, reason, message) once per process, so a failure retried with backoff does not
 * flood the namespace. Recording never throws: a failed write is logged. */
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
    const now = new Date().toISOString();
    this.#client
      .create({
        apiVersion: 'v1',
        kind: 'Event',
        // cluster-scoped objects (ClusterProfile) get their Events in "default", where kubectl describe looks
        metadata: {
          name: `${on.name.slice(0, 200)}.${randomBytes(8).toString('hex')}`,
          namespace: on.namespace || 'default',
        },
        involvedObject: on,
        reason,
        message: message.slice(0, 1024),
        type,
        source: { component: 'addon-controller' },
        reportingComponent: 'addon-controller',
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

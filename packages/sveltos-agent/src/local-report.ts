// The EventReport an upstream agent keeps in its own cluster, `projectsveltos/<eventSourceName>`: users and
// templates read it there (`kubectl get eventreports -n projectsveltos`, `getResource` of an EventReport).
// The management copy is what the event-manager acts on; this one is kept in step with it. Failing to
// write it never holds the management copy back.

import {
  EVENT_SOURCE_NAME_LABEL,
  EventReportKind,
  type ObjectReference,
  SVELTOS_NAMESPACE,
} from '@sveltos-ts/api';
import { isKubeError, type KubeObject, type Logger, type RestClient } from '@sveltos-ts/kube';
import { reportFingerprint } from './report.ts';

const fieldManager = 'sveltos-agent';

/** The local copy: cluster fields empty (as upstream leaves them there), labelled with its EventSource. */
export function localEventReport(
  eventSourceName: string,
  content: { matchingResources: ObjectReference[]; resources?: string },
  namespace = SVELTOS_NAMESPACE,
): KubeObject {
  return {
    apiVersion: EventReportKind.apiVersion,
    kind: EventReportKind.kind,
    metadata: {
      name: eventSourceName,
      namespace,
      labels: { [EVENT_SOURCE_NAME_LABEL]: eventSourceName },
    },
    spec: {
      clusterNamespace: '',
      clusterName: '',
      clusterType: '',
      eventSourceName,
      matchingResources: content.matchingResources,
      ...(content.resources ? { resources: content.resources } : {}),
    },
  };
}

export class LocalReports {
  readonly #client: RestClient;
  readonly #logger: Logger;
  readonly #namespace: string;
  readonly #written = new Map<string, string>();
  #namespaceReady = false;
  /** Why local copies cannot be written here at all (no CRD, no permission); said once. */
  #unavailable: string | undefined;

  constructor(client: RestClient, logger: Logger, namespace = SVELTOS_NAMESPACE) {
    this.#client = client;
    this.#logger = logger;
    this.#namespace = namespace;
  }

  /** Writes the local copy when its content changed. Throws only what a retry may fix. */
  async write(
    eventSourceName: string,
    content: { matchingResources: ObjectReference[]; resources?: string },
  ): Promise<void> {
    if (this.#unavailable) return;
    const report = localEventReport(eventSourceName, content, this.#namespace);
    const fingerprint = reportFingerprint(report);
    if (this.#written.get(eventSourceName) === fingerprint) return;
    try {
      await this.#ensureNamespace();
      await this.#client.apply(report, { fieldManager });
      this.#written.set(eventSourceName, fingerprint);
    } catch (error) {
      if (isKubeError(error, 'UNKNOWN_KIND') || isKubeError(error, 'FORBIDDEN')) {
        this.#unavailable = (error as Error).message;
        this.#logger.warn('EventReports are not kept in this cluster (management copies are unaffected)', {
          error: this.#unavailable,
        });
        return;
      }
      throw error;
    }
  }

  async delete(eventSourceName: string): Promise<void> {
    this.#written.delete(eventSourceName);
    if (this.#unavailable) return;
    await this.#client.delete({
      apiVersion: EventReportKind.apiVersion,
      kind: EventReportKind.kind,
      namespace: this.#namespace,
      name: eventSourceName,
    });
  }

  async #ensureNamespace(): Promise<void> {
    if (this.#namespaceReady) return;
    try {
      await this.#client.create({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: SVELTOS_NAMESPACE },
      });
    } catch (error) {
      // present already, or not ours to create: the write itself tells whether we may use it
      if (!isKubeError(error, 'ALREADY_EXISTS') && !isKubeError(error, 'FORBIDDEN')) throw error;
    }
    this.#namespaceReady = true;
  }
}

import { createHash } from 'node:crypto';
import {
  type ClusterType,
  EventReportKind,
  encodeEventReportResources,
  eventReportLabels,
  eventReportName,
} from '@sveltos-ts/api';
import type { KubeObject } from '@sveltos-ts/kube';

/** The cluster an agent speaks for, as registered in the management cluster. */
export interface ClusterIdentity {
  namespace: string;
  name: string;
  type: ClusterType;
}

export interface ObjectReference {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export function referenceOf(object: KubeObject): ObjectReference {
  const ref: ObjectReference = {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
  };
  if (object.metadata.namespace) ref.namespace = object.metadata.namespace;
  return ref;
}

/** Stable order, so the same matches always give the same report bytes (and no spurious writes). */
function compareObjects(a: KubeObject, b: KubeObject): number {
  const key = (o: KubeObject): string =>
    `${o.apiVersion}\u0000${o.kind}\u0000${o.metadata.namespace ?? ''}\u0000${o.metadata.name}`;
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
}

/** Server-managed noise that changes without the resource changing for users. */
function withoutVolatileMetadata(object: KubeObject): KubeObject {
  const { managedFields: _managed, ...metadata } = object.metadata;
  return { ...object, metadata } as KubeObject;
}

/**
 * The management-cluster copy of the EventReport for one EventSource (SPEC §2): named and labelled so the
 * event-manager can check it names the cluster whose credentials wrote it.
 */
export function buildEventReport(
  cluster: ClusterIdentity,
  eventSourceName: string,
  matches: readonly KubeObject[],
  collectResources: boolean,
): KubeObject {
  const sorted = [...matches].sort(compareObjects);
  const spec: Record<string, unknown> = {
    clusterNamespace: cluster.namespace,
    clusterName: cluster.name,
    clusterType: cluster.type,
    eventSourceName,
    matchingResources: sorted.map(referenceOf),
  };
  const resources = collectResources
    ? encodeEventReportResources(sorted.map(withoutVolatileMetadata))
    : undefined;
  if (resources) spec.resources = resources;
  return {
    apiVersion: EventReportKind.apiVersion,
    kind: EventReportKind.kind,
    metadata: {
      name: eventReportName(cluster.type, eventSourceName, cluster.name),
      namespace: cluster.namespace,
      labels: eventReportLabels(eventSourceName, cluster.name, cluster.type),
    },
    spec,
  };
}

/** Fingerprint of what the report says; equal fingerprints mean nothing to write. */
export function reportFingerprint(report: KubeObject): string {
  return createHash('sha256')
    .update(JSON.stringify(report.spec ?? {}))
    .digest('hex');
}

import { createHash } from 'node:crypto';
import {
  type ClusterType,
  EventReportKind,
  eventReportLabels,
  eventReportName,
  goJson,
  type KubeObject,
  type ObjectReference,
} from '@sveltos-ts/api';

/** The cluster an agent speaks for, as registered in the management cluster. */
export interface ClusterIdentity {
  namespace: string;
  name: string;
  type: ClusterType;
}

/**
 * The management-cluster copy of the EventReport for one EventSource (docs/architecture.md): named and
 * labelled so the event-manager can check it names the cluster whose credentials wrote it. The content
 * comes from the evaluation package, so the agent and `sveltosctl` produce the same bytes.
 */
export function buildEventReport(
  cluster: ClusterIdentity,
  eventSourceName: string,
  content: { matchingResources: ObjectReference[]; resources?: string },
): KubeObject {
  const spec: Record<string, unknown> = {
    clusterNamespace: cluster.namespace,
    clusterName: cluster.name,
    clusterType: cluster.type,
    eventSourceName,
    matchingResources: content.matchingResources,
  };
  if (content.resources) spec.resources = content.resources;
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

/**
 * Fingerprint of what the report says; equal fingerprints mean nothing to write. Canonical JSON (sorted
 * keys), because the API server returns objects with their keys sorted.
 */
export function reportFingerprint(report: KubeObject): string {
  return createHash('sha256')
    .update(goJson(report.spec ?? {}))
    .digest('hex');
}

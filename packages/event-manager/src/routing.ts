// Pure routing of an EventReport: which registered cluster it claims to come from, whether it is accepted,
// and which (EventTrigger, cluster) pairs consume it.

import {
  type ClusterType,
  EVENT_REPORT_CLUSTER_NAME_LABEL,
  EVENT_REPORT_CLUSTER_TYPE_LABEL,
  EVENT_SOURCE_NAME_LABEL,
  type EventReport,
  type EventTrigger,
} from '@sveltos-ts/api';
import type { ClusterKey } from '@sveltos-ts/clusters';
import { type Acceptance, reportAcceptance, type SourceCluster } from '@sveltos-ts/planner';

/** The cluster a report claims: its namespace plus the cluster-name/-type labels (the only part an agent
 * confined to its namespace cannot forge for another namespace). */
export function claimedCluster(report: EventReport): ClusterKey | undefined {
  const labels = report.metadata?.labels ?? {};
  const type = labels[EVENT_REPORT_CLUSTER_TYPE_LABEL];
  const name = labels[EVENT_REPORT_CLUSTER_NAME_LABEL];
  const namespace = report.metadata?.namespace;
  const clusterType: ClusterType | undefined =
    type === 'sveltos' ? 'Sveltos' : type === 'capi' ? 'Capi' : undefined;
  if (!clusterType || !name || !namespace) return undefined;
  return { type: clusterType, namespace, name };
}

/**
 * An agent's own copy of a report, kept in the cluster it evaluates (`projectsveltos/<eventSourceName>`, no
 * cluster labels, no cluster fields). When the management cluster is itself a source, such copies live
 * beside the management copies; they are for users and templates, not for the event-manager.
 */
export function isLocalCopy(report: EventReport): boolean {
  const labels = report.metadata?.labels ?? {};
  return (
    labels[EVENT_REPORT_CLUSTER_NAME_LABEL] === undefined &&
    labels[EVENT_REPORT_CLUSTER_TYPE_LABEL] === undefined &&
    !report.spec?.clusterName &&
    !report.spec?.clusterNamespace
  );
}

/** Acceptance of a report given the registry's view of the cluster it claims. */
export function acceptReport(report: EventReport, cluster: SourceCluster | undefined): Acceptance {
  const key = claimedCluster(report);
  if (key === undefined) {
    return {
      accepted: false,
      reason:
        `EventReport ${report.metadata?.namespace}/${report.metadata?.name} lacks a valid ` +
        `${EVENT_REPORT_CLUSTER_NAME_LABEL} or ${EVENT_REPORT_CLUSTER_TYPE_LABEL} (capi|sveltos) label`,
    };
  }
  if (cluster === undefined) {
    return {
      accepted: false,
      reason:
        `EventReport ${report.metadata?.namespace}/${report.metadata?.name} names ${key.type} cluster ` +
        `${key.namespace}/${key.name}, which is not registered`,
    };
  }
  return reportAcceptance(report, cluster);
}

/** The EventSource a report is for (label first, as upstream). */
export const reportEventSource = (report: EventReport): string =>
  report.metadata?.labels?.[EVENT_SOURCE_NAME_LABEL] ?? report.spec?.eventSourceName ?? '';

/**
 * The triggers consuming a report of `cluster`: those matching the cluster whose eventSourceName resolves
 * (per cluster, so templated names work) to the report's EventSource.
 */
export function consumers(
  eventSource: string,
  triggers: readonly EventTrigger[],
  matches: (et: EventTrigger) => boolean,
  resolve: (et: EventTrigger) => string | undefined,
): EventTrigger[] {
  return triggers.filter((et) => matches(et) && resolve(et) === eventSource);
}

// Which EventReports the event-manager accepts: a report must name its cluster consistently
// (docs/architecture.md), so a compromised cluster, whose agent can write only in its own namespace, cannot
// speak for another cluster.

import {
  clusterTypeOf,
  EVENT_REPORT_CLUSTER_NAME_LABEL,
  EVENT_REPORT_CLUSTER_TYPE_LABEL,
  EVENT_SOURCE_NAME_LABEL,
  type EventReport,
  eventReportName,
} from '@sveltos-ts/api';
import type { SourceCluster } from './types.ts';

export type Acceptance = { accepted: true } | { accepted: false; reason: string };

/** Accepts `report` only when its namespace, name, labels and spec all name `registeredCluster`. */
export function reportAcceptance(report: EventReport, registeredCluster: SourceCluster): Acceptance {
  const type = clusterTypeOf(registeredCluster);
  const namespace = registeredCluster.metadata?.namespace;
  const name = registeredCluster.metadata?.name;
  if (type === undefined || !namespace || !name) {
    return {
      accepted: false,
      reason: 'the registered cluster is not a named SveltosCluster or Cluster API Cluster',
    };
  }
  const labels = report.metadata?.labels ?? {};
  const spec = report.spec ?? {};
  const eventSource = labels[EVENT_SOURCE_NAME_LABEL];
  const checks: [string, unknown, unknown][] = [
    ['namespace', report.metadata?.namespace, namespace],
    [`label ${EVENT_REPORT_CLUSTER_NAME_LABEL}`, labels[EVENT_REPORT_CLUSTER_NAME_LABEL], name],
    [`label ${EVENT_REPORT_CLUSTER_TYPE_LABEL}`, labels[EVENT_REPORT_CLUSTER_TYPE_LABEL], type.toLowerCase()],
    ['spec.clusterNamespace', spec.clusterNamespace, namespace],
    ['spec.clusterName', spec.clusterName, name],
    ['spec.clusterType', spec.clusterType, type],
    [`label ${EVENT_SOURCE_NAME_LABEL}`, eventSource, spec.eventSourceName],
    ['name', report.metadata?.name, eventReportName(type, spec.eventSourceName ?? '', name)],
  ];
  for (const [what, got, want] of checks) {
    if (got !== want) {
      return {
        accepted: false,
        reason:
          `EventReport ${report.metadata?.namespace}/${report.metadata?.name}: ${what} is ` +
          `${JSON.stringify(got ?? null)}, expected ${JSON.stringify(want)} for ${type} cluster ${namespace}/${name}`,
      };
    }
  }
  return { accepted: true };
}

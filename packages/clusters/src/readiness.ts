// When a registered cluster counts as ready (only ready clusters are selected).

import type { CapiCluster, SveltosCluster } from '@sveltos-ts/api';

/** Cluster API: the ControlPlaneInitialized condition is True, else status.initialization says so (§1.6). */
export function capiClusterReady(cluster: CapiCluster): boolean {
  const condition = cluster.status?.conditions?.find((c) => c.type === 'ControlPlaneInitialized');
  if (condition !== undefined) return condition.status === 'True';
  return cluster.status?.initialization?.controlPlaneInitialized === true;
}

/** SveltosCluster: `status.ready`, which the registry's probe writes. */
export function sveltosClusterReady(cluster: SveltosCluster): boolean {
  return cluster.status?.ready === true;
}

/** What a probe of a cluster's API server found. */
export type ProbeResult = { ok: true; version: string } | { ok: false; message: string };

/** The SveltosCluster status fields a probe writes. */
export interface ProbedStatus {
  ready: boolean;
  version?: string;
  failureMessage: string | null;
  connectionStatus: 'Healthy' | 'Down';
  connectionFailures: number;
}

export const DEFAULT_CONSECUTIVE_FAILURE_THRESHOLD = 3;

/**
 * The status after a probe, as upstream: a reachable cluster is ready and healthy; an unreachable one is
 * counted, and only after `spec.consecutiveFailureThreshold` failures in a row (default 3) does it turn
 * Down and not ready. One failed probe (a controller starting during a short outage) changes nothing users
 * or other controllers act on.
 */
export function probedStatus(cluster: SveltosCluster, probe: ProbeResult): ProbedStatus {
  if (probe.ok) {
    return {
      ready: true,
      version: probe.version,
      failureMessage: null,
      connectionStatus: 'Healthy',
      connectionFailures: 0,
    };
  }
  const current = cluster.status ?? {};
  const threshold = Math.max(
    1,
    cluster.spec?.consecutiveFailureThreshold ?? DEFAULT_CONSECUTIVE_FAILURE_THRESHOLD,
  );
  const failures = (current.connectionFailures ?? 0) + 1;
  const down = failures >= threshold;
  return {
    ready: down ? false : current.ready === true,
    failureMessage: probe.message,
    connectionStatus: down || current.connectionStatus !== 'Healthy' ? 'Down' : 'Healthy',
    connectionFailures: failures,
  };
}

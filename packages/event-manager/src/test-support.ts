// Helpers shared by the event-manager e2e tests: registering clusters, writing EventReports exactly as the
// agent does, waiting for convergence, and running a manager scoped to one test's triggers.

import {
  type ClusterType,
  EVENT_REPORT_CHANGED_AT_ANNOTATION,
  EVENT_TRIGGER_NAME_LABEL,
  encodeEventReportResources,
  eventReportLabels,
  eventReportName,
} from '@sveltos-ts/api';
import { KubeError, type KubeObject, type RestClient } from '@sveltos-ts/kube';
import type { TestEnv } from '@sveltos-ts/testenv';
import { eventually } from '@sveltos-ts/testenv';
import { type RunningEventManager, startEventManager } from './event-manager.ts';

export { eventually };

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A SveltosCluster `name` in `namespace` reaching bed cluster `target` (admin kubeconfig Secret). */
export async function registerCluster(
  env: TestEnv,
  admin: RestClient,
  o: { namespace: string; name: string; target: string; labels: Record<string, string> },
): Promise<void> {
  await createOrKeep(admin, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `${o.name}-sveltos-kubeconfig`, namespace: o.namespace },
    data: { kubeconfig: b64(env.cluster(o.target).kubeconfigYaml) },
  });
  try {
    await admin.create({
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'SveltosCluster',
      metadata: { name: o.name, namespace: o.namespace, labels: o.labels },
      spec: {},
    });
  } catch (error) {
    if (!(error instanceof KubeError && error.code === 'ALREADY_EXISTS')) throw error;
    // shared registrations (mgmt/mgmt): add our labels, keep everyone else's
    await admin.mergePatch(
      {
        apiVersion: 'lib.projectsveltos.io/v1beta1',
        kind: 'SveltosCluster',
        namespace: o.namespace,
        name: o.name,
      },
      { metadata: { labels: o.labels } },
    );
  }
  await eventually(`SveltosCluster ${o.namespace}/${o.name} ready`, async () => {
    const c = await admin.get<KubeObject & { status?: { ready?: boolean } }>({
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'SveltosCluster',
      namespace: o.namespace,
      name: o.name,
    });
    return c.status?.ready === true;
  });
}

export async function createOrKeep(client: RestClient, object: KubeObject): Promise<void> {
  try {
    await client.create(object);
  } catch (error) {
    if (!(error instanceof KubeError && error.code === 'ALREADY_EXISTS')) throw error;
  }
}

export interface ReportInput {
  clusterNamespace: string;
  clusterName: string;
  clusterType?: ClusterType;
  eventSource: string;
  resources: Record<string, unknown>[];
  /** Put the objects into spec.resources (collectResources: true). */
  collect?: boolean;
}

/** The management-cluster EventReport exactly as the agent writes it (name, labels, spec, resources). */
export function agentReport(r: ReportInput): KubeObject {
  const type = r.clusterType ?? 'Sveltos';
  const resources = r.collect === false ? undefined : encodeEventReportResources(r.resources);
  return {
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'EventReport',
    metadata: {
      name: eventReportName(type, r.eventSource, r.clusterName),
      namespace: r.clusterNamespace,
      labels: eventReportLabels(r.eventSource, r.clusterName, type),
      annotations: { [EVENT_REPORT_CHANGED_AT_ANNOTATION]: new Date().toISOString() },
    },
    spec: {
      clusterNamespace: r.clusterNamespace,
      clusterName: r.clusterName,
      clusterType: type,
      eventSourceName: r.eventSource,
      matchingResources: r.resources.map((o) => {
        const m = o.metadata as { name: string; namespace?: string };
        return {
          apiVersion: o.apiVersion as string,
          kind: o.kind as string,
          name: m.name,
          ...(m.namespace ? { namespace: m.namespace } : {}),
        };
      }),
      ...(resources ? { resources } : {}),
    },
  };
}

/** The ObjectRef of the report `agentReport(r)` describes. */
export function reportRef(r: Omit<ReportInput, 'resources'>) {
  return {
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'EventReport',
    namespace: r.clusterNamespace,
    name: eventReportName(r.clusterType ?? 'Sveltos', r.eventSource, r.clusterName),
  };
}

/** Creates or updates (server-side apply, agent's field manager) the report. */
export async function writeReport(client: RestClient, r: ReportInput): Promise<void> {
  await client.apply(agentReport(r), { fieldManager: 'sveltos-agent', force: true });
}

/** A manager handling only triggers labelled `sveltos-test: <scope>`, so tests sharing a bed stay apart. */
export function scopedManager(env: TestEnv, scope: string, cluster = 'mgmt'): Promise<RunningEventManager> {
  return startEventManager({
    managementKubeConfig: env.cluster(cluster).kubeConfig(),
    eventTriggerSelector: { matchLabels: { 'sveltos-test': scope } },
    probeIntervalMs: 2_000,
  });
}

export const profilesOf = async (client: RestClient, eventTrigger: string) =>
  (
    await client.list<KubeObject & { spec: Record<string, unknown> }>(
      'config.projectsveltos.io/v1beta1',
      'ClusterProfile',
      {
        labelSelector: `${EVENT_TRIGGER_NAME_LABEL}=${eventTrigger}`,
      },
    )
  ).items;

export const configMapsOf = async (client: RestClient, eventTrigger: string) =>
  (
    await client.list<KubeObject & { data?: Record<string, string> }>('v1', 'ConfigMap', {
      namespace: 'projectsveltos',
      labelSelector: `${EVENT_TRIGGER_NAME_LABEL}=${eventTrigger}`,
    })
  ).items;

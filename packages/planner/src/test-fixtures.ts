// Plain-object fixtures shared by the planner tests.

import type {
  CapiCluster,
  EventReport,
  EventTrigger,
  EventTriggerSpec,
  ObjectWithData,
  SveltosCluster,
} from '@sveltos-ts/api';
import { lookupFrom } from './lookup.ts';
import { plan } from './plan.ts';
import type { ConfigMap, EventContent, ExistingObjects, Plan, PlanInput, Secret } from './types.ts';

export const sveltosCluster: SveltosCluster = {
  apiVersion: 'lib.projectsveltos.io/v1beta1',
  kind: 'SveltosCluster',
  metadata: { name: 'workload', namespace: 'default', labels: { env: 'fv', region: 'west' } },
  spec: { kubeconfigName: 'workload-kubeconfig' },
  status: { ready: true },
};

export const capiCluster: CapiCluster = {
  apiVersion: 'cluster.x-k8s.io/v1beta2',
  kind: 'Cluster',
  metadata: { name: 'capi1', namespace: 'team', labels: { env: 'fv' } },
  spec: { paused: false },
};

export function trigger(spec: Partial<EventTriggerSpec>, labels?: Record<string, string>): EventTrigger {
  return {
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'EventTrigger',
    metadata: { name: 'et', ...(labels ? { labels } : {}) },
    spec: { sourceClusterSelector: { matchLabels: { env: 'fv' } }, eventSourceName: 'es', ...spec },
  };
}

export function service(name: string, namespace: string, port = 80, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels: { sveltos: 'fv' }, uid: `uid-${name}`, resourceVersion: '7' },
    spec: { selector: { app: name }, ports: [{ port, protocol: 'TCP' }], ...extra },
  };
}

/** Content with collected resources (matching references derived from them). */
export function collected(resources: Record<string, unknown>[], eventSourceName = 'es'): EventContent {
  return {
    eventSourceName,
    resources,
    matchingResources: resources.map((r) => {
      const m = r.metadata as { name: string; namespace?: string };
      return {
        apiVersion: r.apiVersion as string,
        kind: r.kind as string,
        name: m.name,
        namespace: m.namespace,
      };
    }),
  };
}

export function configMap(
  namespace: string,
  name: string,
  data: Record<string, string>,
  annotations?: Record<string, string>,
): ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, ...(annotations ? { annotations } : {}) },
    data,
  };
}

export function secret(
  namespace: string,
  name: string,
  data: Record<string, string>,
  annotations?: Record<string, string>,
  type = 'addons.projectsveltos.io/cluster-profile',
): Secret {
  const encoded: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) encoded[k] = Buffer.from(v).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, ...(annotations ? { annotations } : {}) },
    type,
    data: encoded,
  };
}

export const INSTANTIATE = { 'projectsveltos.io/instantiate': 'ok' };

/** Deterministic new names sveltos-00000000000000000001, …, in the order they are asked for. */
export function counterNames(): (identity: string) => string {
  const seen = new Map<string, string>();
  return (identity) => {
    let n = seen.get(identity);
    if (n === undefined) {
      n = `sveltos-${String(seen.size + 1).padStart(20, '0')}`;
      seen.set(identity, n);
    }
    return n;
  };
}

export interface Run {
  eventTrigger: EventTrigger;
  report?: EventReport | EventContent;
  cluster?: PlanInput['cluster'];
  objects?: ObjectWithData[];
  existing?: ExistingObjects;
  options?: PlanInput['options'];
}

export function run(r: Run): Plan {
  return plan({
    eventTrigger: r.eventTrigger,
    report: r.report,
    cluster: r.cluster ?? sveltosCluster,
    lookup: lookupFrom(r.objects ?? []),
    existing: r.existing,
    options: { newName: counterNames(), ...r.options },
  });
}

export const decode = (b64: string | undefined): string => Buffer.from(b64 ?? '', 'base64').toString('utf8');

// The rows of `sveltosctl show resources|usage|dryrun|events|triggers`, from objects of the management
// cluster (plain objects in, rows out: pure). The commands read the objects (show/read.ts) and print the rows
// as a table (renderTable, upstream's layout) or as JSON/YAML.

import {
  CLUSTER_PROFILE_NAME_LABEL,
  type ClusterProfile,
  type ClusterSummary,
  EVENT_REPORT_CLUSTER_NAME_LABEL,
  EVENT_REPORT_CLUSTER_TYPE_LABEL,
  EVENT_SOURCE_NAME_LABEL,
  type EventReport,
  type EventTrigger,
  type KubeObject,
} from '@sveltos-ts/api';

type Named = { metadata: KubeObject['metadata'] };

/** kubectl's AGE column: the largest unit or two (`45s`, `12m`, `3h20m`, `6d`). */
export function age(iso: string | undefined, now: Date): string {
  if (!iso) return '<unknown>';
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return '<unknown>';
  const s = Math.max(0, Math.floor((now.getTime() - then) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return `${d}d${h % 24 ? `${h % 24}h` : ''}`;
  return d < 365 * 2 ? `${d}d` : `${Math.floor(d / 365)}y`;
}

export interface ClusterFilters {
  /** Namespace of the clusters. */
  namespace?: string | undefined;
  /** Name of the clusters. */
  cluster?: string | undefined;
}

const clusterPasses = (f: ClusterFilters, namespace: string, name: string): boolean =>
  (!f.namespace || f.namespace === namespace) && (!f.cluster || f.cluster === name);

/** The cluster an EventReport of the management cluster speaks for (namespace and cluster-name label). */
function reportCluster(r: EventReport & Named): { namespace: string; name: string; type: string } {
  return {
    namespace: r.metadata.namespace ?? '',
    name: r.metadata.labels?.[EVENT_REPORT_CLUSTER_NAME_LABEL] ?? r.spec.clusterName,
    type: r.metadata.labels?.[EVENT_REPORT_CLUSTER_TYPE_LABEL] ?? r.spec.clusterType,
  };
}

const sortRows = <T>(rows: T[], key: (r: T) => string[]): T[] =>
  rows.sort((a, b) => key(a).join('\0').localeCompare(key(b).join('\0')));

// ---- show events ---------------------------------------------------------------------------------------

export interface EventRow {
  cluster: string;
  eventSource: string;
  /** EventTriggers using this EventSource on this cluster (by their status.matchingClusters). */
  eventTriggers: string[];
  matching: number;
  /** The event-manager's verdict on the report (status.phase), and why it failed. */
  phase: string;
  message: string;
  age: string;
  /** The report object. */
  report: string;
}

export const EVENT_HEADERS = [
  'CLUSTER',
  'EVENTSOURCE',
  'EVENTTRIGGERS',
  'MATCHING',
  'PHASE',
  'AGE',
  'MESSAGE',
];

const triggerWatches = (t: EventTrigger & Named, ns: string, name: string): boolean =>
  (t.status?.matchingClusters ?? []).some((c) => c.namespace === ns && c.name === name);

export function eventRows(
  reports: readonly (EventReport & Named)[],
  triggers: readonly (EventTrigger & Named)[],
  filters: ClusterFilters & { eventSource?: string | undefined; eventTrigger?: string | undefined },
  now: Date,
): EventRow[] {
  const rows: EventRow[] = [];
  for (const r of reports) {
    const c = reportCluster(r);
    if (!c.name || !clusterPasses(filters, c.namespace, c.name)) continue;
    const source = r.metadata.labels?.[EVENT_SOURCE_NAME_LABEL] ?? r.spec.eventSourceName;
    if (filters.eventSource && source !== filters.eventSource) continue;
    const using = triggers
      .filter(
        (t) =>
          // a templated eventSourceName resolves per cluster: the report's source is what it resolved to
          (t.spec.eventSourceName === source || t.spec.eventSourceName.includes('{{')) &&
          triggerWatches(t, c.namespace, c.name),
      )
      .map((t) => t.metadata.name)
      .sort();
    if (filters.eventTrigger && !using.includes(filters.eventTrigger)) continue;
    rows.push({
      cluster: `${c.namespace}/${c.name}`,
      eventSource: source,
      eventTriggers: using,
      matching: r.spec.matchingResources?.length ?? 0,
      phase: r.status?.phase ?? '',
      message: r.status?.failureMessage ?? '',
      age: age(r.metadata.creationTimestamp, now),
      report: `${r.metadata.namespace}/${r.metadata.name}`,
    });
  }
  return sortRows(rows, (r) => [r.cluster, r.eventSource]);
}

export const eventCells = (r: EventRow): string[] => [
  r.cluster,
  r.eventSource,
  r.eventTriggers.join(', '),
  String(r.matching),
  r.phase,
  r.age,
  r.message,
];

// ---- show triggers -------------------------------------------------------------------------------------

export interface TriggerRow {
  eventTrigger: string;
  eventSource: string;
  cluster: string;
  /** Per-cluster deployment state (status.clusterInfo): Provisioned, Provisioning, Failed, ... */
  status: string;
  message: string;
}

export const TRIGGER_HEADERS = ['EVENTTRIGGER', 'EVENTSOURCE', 'CLUSTER', 'STATUS', 'MESSAGE'];

/** One row per (trigger, matching cluster); a trigger matching no cluster is one row with no cluster. */
export function triggerRows(
  triggers: readonly (EventTrigger & Named)[],
  filters: ClusterFilters & { eventTrigger?: string | undefined },
): TriggerRow[] {
  const rows: TriggerRow[] = [];
  for (const t of triggers) {
    if (filters.eventTrigger && t.metadata.name !== filters.eventTrigger) continue;
    const base = { eventTrigger: t.metadata.name, eventSource: t.spec.eventSourceName };
    const matching = t.status?.matchingClusters ?? [];
    const info = t.status?.clusterInfo ?? [];
    const clusters = new Map<string, { namespace: string; name: string }>();
    for (const c of [...matching, ...info.map((i) => i.cluster)])
      clusters.set(`${c.namespace}/${c.name}`, { namespace: c.namespace ?? '', name: c.name ?? '' });
    if (clusters.size === 0) {
      if (!filters.namespace && !filters.cluster)
        rows.push({ ...base, cluster: '', status: '', message: 'no cluster matches' });
      continue;
    }
    for (const [key, c] of clusters) {
      if (!clusterPasses(filters, c.namespace, c.name)) continue;
      const i = info.find((x) => x.cluster.namespace === c.namespace && x.cluster.name === c.name);
      const stillMatching = matching.some((m) => m.namespace === c.namespace && m.name === c.name);
      rows.push({
        ...base,
        cluster: key,
        status: i?.status ?? 'Pending',
        message: [i?.failureMessage, stillMatching ? '' : 'no longer matching: being withdrawn']
          .filter(Boolean)
          .join('; '),
      });
    }
  }
  return sortRows(rows, (r) => [r.eventTrigger, r.cluster]);
}

export const triggerCells = (r: TriggerRow): string[] => [
  r.eventTrigger,
  r.eventSource,
  r.cluster,
  r.status,
  r.message,
];

// ---- show resources ------------------------------------------------------------------------------------

export interface ResourceRow {
  cluster: string;
  /** `group/version, Kind=Kind` as upstream prints a GVK. */
  gvk: string;
  namespace: string;
  name: string;
  eventSource: string;
  /** The collected object itself (with --full, and in JSON/YAML). */
  object?: Record<string, unknown> | undefined;
}

export const RESOURCE_HEADERS = ['CLUSTER', 'GVK', 'NAMESPACE', 'NAME', 'EVENTSOURCE'];

/** The objects of an EventReport's `spec.resources`: base64 of JSON documents, each followed by `---`. */
export function collectedObjects(resources: string | undefined): Record<string, unknown>[] {
  if (!resources) return [];
  const text = Buffer.from(resources, 'base64').toString('utf8');
  const out: Record<string, unknown>[] = [];
  for (const part of text.split(/^---$/m)) {
    if (!part.trim()) continue;
    try {
      const o = JSON.parse(part) as unknown;
      if (o && typeof o === 'object' && !Array.isArray(o)) out.push(o as Record<string, unknown>);
    } catch {
      // a report is written by an agent: a malformed part is skipped, not fatal for the listing
    }
  }
  return out;
}

const gvkOf = (apiVersion: string, kind: string): string => {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return `${group}/${version}, Kind=${kind}`;
};

/** Objects collected by EventSources (collectResources), per cluster; matching references otherwise. */
export function resourceRows(
  reports: readonly (EventReport & Named)[],
  filters: ClusterFilters & { kind?: string | undefined; eventSource?: string | undefined },
  full: boolean,
): ResourceRow[] {
  const rows: ResourceRow[] = [];
  for (const r of reports) {
    const c = reportCluster(r);
    if (!c.name || !clusterPasses(filters, c.namespace, c.name)) continue;
    const eventSource = r.metadata.labels?.[EVENT_SOURCE_NAME_LABEL] ?? r.spec.eventSourceName;
    if (filters.eventSource && eventSource !== filters.eventSource) continue;
    const collected = collectedObjects(r.spec.resources);
    const entries =
      collected.length > 0
        ? collected.map((o) => {
            const m = (o.metadata ?? {}) as { namespace?: string; name?: string };
            return {
              apiVersion: String(o.apiVersion ?? ''),
              kind: String(o.kind ?? ''),
              namespace: m.namespace ?? '',
              name: m.name ?? '',
              object: o,
            };
          })
        : (r.spec.matchingResources ?? []).map((m) => ({
            apiVersion: m.apiVersion ?? '',
            kind: m.kind ?? '',
            namespace: m.namespace ?? '',
            name: m.name ?? '',
            object: undefined,
          }));
    for (const e of entries) {
      if (filters.kind && e.kind.toLowerCase() !== filters.kind.toLowerCase()) continue;
      rows.push({
        cluster: `${c.namespace}/${c.name}`,
        gvk: gvkOf(e.apiVersion, e.kind),
        namespace: e.namespace,
        name: e.name,
        eventSource,
        ...(full && e.object ? { object: e.object } : {}),
      });
    }
  }
  return sortRows(rows, (r) => [r.cluster, r.gvk, r.namespace, r.name, r.eventSource]);
}

export const resourceCells = (r: ResourceRow): string[] => [
  r.cluster,
  r.gvk,
  r.namespace,
  r.name,
  r.eventSource,
];

// ---- show dryrun ---------------------------------------------------------------------------------------

/** The ClusterSummary annotation the addon-controller writes with the dry-run entries (JSON). */
export const DRY_RUN_ANNOTATION = 'addon-controller.projectsveltos.io/dry-run';

export interface DryRunRow {
  cluster: string;
  resourceType: string;
  namespace: string;
  name: string;
  action: string;
  message: string;
  clusterProfile: string;
}

export const DRY_RUN_HEADERS = [
  'CLUSTER',
  'RESOURCE TYPE',
  'NAMESPACE',
  'NAME',
  'ACTION',
  'MESSAGE',
  'CLUSTER PROFILE',
];

/** `Kind ns/name`, `Kind name`, `helm release ns/name`, optionally `(management cluster)` after. */
function splitDescribed(resource: string): { type: string; namespace: string; name: string } {
  const local = resource.endsWith(' (management cluster)');
  const text = local ? resource.slice(0, -' (management cluster)'.length) : resource;
  const i = text.lastIndexOf(' ');
  const type = i < 0 ? '' : text.slice(0, i);
  const ref = i < 0 ? text : text.slice(i + 1);
  const slash = ref.indexOf('/');
  return {
    type: `${type}${local ? ' (management cluster)' : ''}`,
    namespace: slash < 0 ? '' : ref.slice(0, slash),
    name: slash < 0 ? ref : ref.slice(slash + 1),
  };
}

export function dryRunRows(
  summaries: readonly (ClusterSummary & Named)[],
  filters: ClusterFilters & { profile?: string | undefined },
): DryRunRow[] {
  const profileFilter = filters.profile?.replace(/^ClusterProfile\//, '');
  const rows: DryRunRow[] = [];
  for (const s of summaries) {
    const text = s.metadata.annotations?.[DRY_RUN_ANNOTATION];
    const profile = s.metadata.labels?.[CLUSTER_PROFILE_NAME_LABEL] ?? '';
    if (text === undefined || !clusterPasses(filters, s.spec.clusterNamespace, s.spec.clusterName)) continue;
    if (profileFilter && profile !== profileFilter) continue;
    let entries: { action?: unknown; resource?: unknown; message?: unknown }[];
    try {
      entries = JSON.parse(text) as typeof entries;
      if (!Array.isArray(entries)) throw new Error('not a list');
    } catch {
      rows.push({
        cluster: `${s.spec.clusterNamespace}/${s.spec.clusterName}`,
        resourceType: '',
        namespace: '',
        name: '',
        action: '',
        message: `unreadable ${DRY_RUN_ANNOTATION} annotation on ClusterSummary ${s.metadata.name}`,
        clusterProfile: profile,
      });
      continue;
    }
    for (const e of entries) {
      const { type, namespace, name } = splitDescribed(String(e.resource ?? ''));
      rows.push({
        cluster: `${s.spec.clusterNamespace}/${s.spec.clusterName}`,
        resourceType: type,
        namespace,
        name,
        action: String(e.action ?? ''),
        message: typeof e.message === 'string' ? e.message : '',
        clusterProfile: profile,
      });
    }
  }
  return sortRows(rows, (r) => [r.cluster, r.clusterProfile, r.resourceType, r.namespace, r.name]);
}

export const dryRunCells = (r: DryRunRow): string[] => [
  r.cluster,
  r.resourceType,
  r.namespace,
  r.name,
  r.action,
  r.message,
  r.clusterProfile,
];

// ---- show usage ----------------------------------------------------------------------------------------

export type UsageKind = 'ConfigMap' | 'Secret' | 'Cluster';

export interface UsageRow {
  kind: UsageKind;
  namespace: string;
  name: string;
  /** `ClusterProfile/x`, `EventTrigger/y`. */
  usedBy: string[];
  /** Clusters where what uses it is deployed (ClusterSummaries) or watched (EventTrigger status). */
  clusters: string[];
}

export const USAGE_HEADERS = ['RESOURCE KIND', 'RESOURCE NAMESPACE', 'RESOURCE NAME', 'USED BY', 'CLUSTERS'];

interface Ref {
  kind?: string | undefined;
  namespace?: string | undefined;
  name?: string | undefined;
}

type Spec = NonNullable<ClusterProfile['spec']>;

/** Every ConfigMap/Secret a profile-shaped spec reads: policyRefs, valuesFrom, kustomizationRefs,
 * patchesFrom, templateResourceRefs; plus an EventTrigger's generators. */
function referencedData(
  spec: Spec & Partial<Pick<EventTrigger['spec'], 'configMapGenerator' | 'secretGenerator'>>,
) {
  const refs: Ref[] = [
    ...(spec.policyRefs ?? []),
    ...(spec.kustomizationRefs ?? []),
    ...(spec.kustomizationRefs ?? []).flatMap((k) => k.valuesFrom ?? []),
    ...(spec.helmCharts ?? []).flatMap((h) => h.valuesFrom ?? []),
    ...(spec.patchesFrom ?? []),
    ...(spec.templateResourceRefs ?? []).map((t) => t.resource),
    ...(spec.configMapGenerator ?? []).map((g) => ({ ...g, kind: 'ConfigMap' })),
    ...(spec.secretGenerator ?? []).map((g) => ({ ...g, kind: 'Secret' })),
  ];
  return refs.filter((r) => r.kind === 'ConfigMap' || r.kind === 'Secret');
}

/**
 * Who uses what: for each ConfigMap/Secret referenced by a ClusterProfile or an EventTrigger, the referrers
 * and the clusters they deploy to; for each cluster, the profiles deployed there and the triggers watching
 * it. A reference with an empty namespace means the cluster's namespace, a templated one is resolved per
 * cluster: both are listed as written.
 */
export function usageRows(
  input: {
    profiles: readonly (ClusterProfile & Named)[];
    triggers: readonly (EventTrigger & Named)[];
    summaries: readonly (ClusterSummary & Named)[];
  },
  filters: { kind?: UsageKind | undefined; namespace?: string | undefined; name?: string | undefined },
): UsageRow[] {
  const rows = new Map<string, UsageRow>();
  const use = (kind: UsageKind, namespace: string, name: string, by: string, clusters: string[]) => {
    const key = JSON.stringify([kind, namespace, name]);
    const row = rows.get(key) ?? { kind, namespace, name, usedBy: [], clusters: [] };
    row.usedBy = [...new Set([...row.usedBy, by])].sort();
    row.clusters = [...new Set([...row.clusters, ...clusters])].sort();
    rows.set(key, row);
  };
  const deployedTo = new Map<string, string[]>();
  for (const s of input.summaries) {
    const profile = s.metadata.labels?.[CLUSTER_PROFILE_NAME_LABEL];
    if (!profile) continue;
    const cluster = `${s.spec.clusterNamespace}/${s.spec.clusterName}`;
    deployedTo.set(profile, [...(deployedTo.get(profile) ?? []), cluster]);
    use('Cluster', s.spec.clusterNamespace, s.spec.clusterName, `ClusterProfile/${profile}`, []);
  }
  for (const p of input.profiles) {
    const clusters = deployedTo.get(p.metadata.name) ?? [];
    for (const r of referencedData(p.spec ?? {}))
      use(
        r.kind as UsageKind,
        r.namespace ?? '',
        r.name ?? '',
        `ClusterProfile/${p.metadata.name}`,
        clusters,
      );
  }
  for (const t of input.triggers) {
    const clusters = (t.status?.matchingClusters ?? []).map((c) => `${c.namespace}/${c.name}`);
    for (const c of t.status?.matchingClusters ?? [])
      use('Cluster', c.namespace ?? '', c.name ?? '', `EventTrigger/${t.metadata.name}`, []);
    for (const r of referencedData(t.spec as Spec & EventTrigger['spec']))
      use(r.kind as UsageKind, r.namespace ?? '', r.name ?? '', `EventTrigger/${t.metadata.name}`, clusters);
  }
  const out = [...rows.values()].filter(
    (r) =>
      (!filters.kind || r.kind === filters.kind) &&
      (!filters.namespace || r.namespace === filters.namespace) &&
      (!filters.name || r.name === filters.name),
  );
  for (const r of out) if (r.kind === 'Cluster') r.clusters = [`${r.namespace}/${r.name}`];
  return sortRows(out, (r) => [r.kind, r.namespace, r.name]);
}

export const usageCells = (r: UsageRow): string[] => [
  r.kind,
  r.namespace,
  r.name,
  r.usedBy.join(', '),
  r.clusters.join(', '),
];

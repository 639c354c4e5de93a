// The pages' data, shaped from a snapshot of what one identity may read: pure functions, so every answer the
// browser gets is tested with plain objects (views.test.ts). The question they answer first: why is this
// add-on in that cluster (or not)? An add-on row names the ClusterProfile that deployed it, and a profile the
// EventTrigger, the source cluster and the event (the matching resource) it was made for.

import {
  type CapiCluster,
  CLUSTER_PROFILE_NAME_LABEL,
  type ClusterProfile,
  type ClusterSummary,
  EVENT_REPORT_CHANGED_AT_ANNOTATION,
  EVENT_REPORT_CLUSTER_NAME_LABEL,
  EVENT_REPORT_CLUSTER_TYPE_LABEL,
  EVENT_SOURCE_NAME_LABEL,
  EVENT_TRIGGER_CLUSTER_NAME_LABEL,
  EVENT_TRIGGER_CLUSTER_NAMESPACE_LABEL,
  EVENT_TRIGGER_CLUSTER_TYPE_LABEL,
  EVENT_TRIGGER_EVENT_REPORT_NAME_LABEL,
  EVENT_TRIGGER_NAME_LABEL,
  EVENT_TRIGGER_RESOURCE_NAME_LABEL,
  EVENT_TRIGGER_RESOURCE_NAMESPACE_LABEL,
  type EventReport,
  type EventTrigger,
  type LabelSelector,
  type SveltosCluster,
} from '@sveltos-ts/api';
import { capiClusterReady, selectorMatches } from '@sveltos-ts/clusters';
import type { Access, CoreEvent, KindId, Snapshot } from './model.ts';

// ---- common ---------------------------------------------------------------------------------------------

/** `sveltos` or `capi`: the lower-case spelling of EventReport labels, also used in page addresses. */
export type ClusterTypeId = 'sveltos' | 'capi';

export interface ClusterId {
  type: ClusterTypeId;
  namespace: string;
  name: string;
}

export const clusterKey = (c: ClusterId): string => `${c.type}/${c.namespace}/${c.name}`;

function typeId(type: string | undefined): ClusterTypeId {
  return type?.toLowerCase() === 'capi' ? 'capi' : 'sveltos';
}

/** The cluster a reference names (SveltosCluster or Cluster API Cluster); undefined for other kinds. */
function refCluster(ref: { kind?: string; namespace?: string; name?: string }): ClusterId | undefined {
  if (!ref.name || !ref.namespace) return undefined;
  if (ref.kind === 'SveltosCluster') return { type: 'sveltos', namespace: ref.namespace, name: ref.name };
  if (ref.kind === 'Cluster') return { type: 'capi', namespace: ref.namespace, name: ref.name };
  return undefined;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
  pages: number;
}

export const MAX_PAGE_SIZE = 200;

export function paginate<T>(all: readonly T[], page = 1, pageSize = 50): Page<T> {
  const size = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(pageSize) || 50));
  const pages = Math.max(1, Math.ceil(all.length / size));
  const current = Math.min(pages, Math.max(1, Math.floor(page) || 1));
  return {
    items: all.slice((current - 1) * size, current * size),
    total: all.length,
    page: current,
    pageSize: size,
    pages,
  };
}

/**
 * A search over words: every word must match. `key=value` matches a label exactly, `key=` or `key` a label
 * key (or the text); anything else is a case-insensitive substring of the text.
 */
export function matchesSearch(
  query: string | undefined,
  text: string,
  labels: Readonly<Record<string, string>> = {},
): boolean {
  const words = (query ?? '').trim().split(/\s+/).filter(Boolean);
  const haystack = text.toLowerCase();
  return words.every((word) => {
    const eq = word.indexOf('=');
    if (eq > 0) {
      const key = word.slice(0, eq);
      const value = word.slice(eq + 1);
      if (!Object.hasOwn(labels, key)) return false;
      return value === '' || labels[key] === value;
    }
    const lower = word.toLowerCase();
    return haystack.includes(lower) || Object.keys(labels).some((k) => k.toLowerCase().includes(lower));
  });
}

/** What the identity could not read, for a notice on the page ("hidden: EventTriggers (forbidden)"). */
export interface Hidden {
  kind: KindId;
  reason: string;
}

export function hiddenKinds(access: Snapshot['access'], kinds: readonly KindId[]): Hidden[] {
  const out: Hidden[] = [];
  for (const kind of kinds) {
    const a: Access = access[kind];
    if (a.scope === 'none') out.push({ kind, reason: a.reason });
    else if (a.scope === 'namespaces')
      out.push({ kind, reason: `only namespaces ${a.namespaces.join(', ') || '(none)'}` });
  }
  return out;
}

export function selectorText(selector: LabelSelector | undefined): string {
  if (!selector) return '';
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else parts.push(`!${e.key}`);
  }
  return parts.join(', ');
}

// ---- indexes --------------------------------------------------------------------------------------------

export interface ClusterInfo extends ClusterId {
  labels: Record<string, string>;
  ready: boolean;
  version: string;
  connection: string;
  failureMessage: string;
  paused: boolean;
  created: string;
}

function sveltosInfo(c: SveltosCluster): ClusterInfo {
  return {
    type: 'sveltos',
    namespace: c.metadata.namespace ?? '',
    name: c.metadata.name,
    labels: c.metadata.labels ?? {},
    ready: c.status?.ready === true,
    version: c.status?.version ?? '',
    connection: c.status?.connectionStatus ?? '',
    failureMessage: c.status?.failureMessage ?? '',
    paused: c.spec?.paused === true,
    created: c.metadata.creationTimestamp ?? '',
  };
}

function capiInfo(c: CapiCluster): ClusterInfo {
  const failed = c.status?.conditions?.find((x) => x.status === 'False' && x.message);
  return {
    type: 'capi',
    namespace: c.metadata.namespace ?? '',
    name: c.metadata.name,
    labels: c.metadata.labels ?? {},
    ready: capiClusterReady(c),
    version: c.spec?.topology?.version ?? '',
    connection: c.status?.phase ?? '',
    failureMessage: failed?.message ?? '',
    paused: c.spec?.paused === true,
    created: c.metadata.creationTimestamp ?? '',
  };
}

/** Where a ClusterProfile made by the event-manager came from; undefined for a profile a person wrote. */
export interface Origin {
  trigger: string;
  cluster: ClusterId | undefined;
  eventSource: string;
  /** The matching resource the profile was made for (oneForEvent: true); undefined: the cluster's events. */
  resource: { namespace: string; name: string } | undefined;
}

export function profileOrigin(profile: ClusterProfile): Origin | undefined {
  const l = profile.metadata.labels ?? {};
  const trigger = l[EVENT_TRIGGER_NAME_LABEL];
  if (!trigger) return undefined;
  const ns = l[EVENT_TRIGGER_CLUSTER_NAMESPACE_LABEL];
  const name = l[EVENT_TRIGGER_CLUSTER_NAME_LABEL];
  const resourceName = l[EVENT_TRIGGER_RESOURCE_NAME_LABEL];
  return {
    trigger,
    cluster:
      ns && name ? { type: typeId(l[EVENT_TRIGGER_CLUSTER_TYPE_LABEL]), namespace: ns, name } : undefined,
    eventSource: l[EVENT_TRIGGER_EVENT_REPORT_NAME_LABEL] ?? '',
    resource: resourceName
      ? { namespace: l[EVENT_TRIGGER_RESOURCE_NAMESPACE_LABEL] ?? '', name: resourceName }
      : undefined,
  };
}

function summaryCluster(s: ClusterSummary): ClusterId {
  return { type: typeId(s.spec.clusterType), namespace: s.spec.clusterNamespace, name: s.spec.clusterName };
}

/**
 * The cluster a report speaks for; undefined for a report that names none (the agent's own copy in its
 * namespace, before the event-manager files it under the cluster).
 */
function reportCluster(r: EventReport): ClusterId | undefined {
  const l = r.metadata.labels ?? {};
  const name = r.spec.clusterName || l[EVENT_REPORT_CLUSTER_NAME_LABEL];
  const namespace = r.spec.clusterNamespace || r.metadata.namespace;
  if (!name || !namespace) return undefined;
  return { type: typeId(r.spec.clusterType || l[EVENT_REPORT_CLUSTER_TYPE_LABEL]), namespace, name };
}

const reportSource = (r: EventReport): string =>
  r.spec.eventSourceName || (r.metadata.labels?.[EVENT_SOURCE_NAME_LABEL] ?? '');

function summaryProfile(s: ClusterSummary): string {
  return s.metadata.labels?.[CLUSTER_PROFILE_NAME_LABEL] ?? '';
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** The snapshot with the relations every page follows, built once per answer (linear in its size). */
export class Fleet {
  readonly snapshot: Snapshot;
  readonly clusters: ClusterInfo[];
  readonly clusterByKey = new Map<string, ClusterInfo>();
  readonly summariesByCluster = new Map<string, ClusterSummary[]>();
  readonly summariesByProfile = new Map<string, ClusterSummary[]>();
  readonly reportsByCluster = new Map<string, EventReport[]>();
  readonly profilesByTrigger = new Map<string, ClusterProfile[]>();
  readonly profileByName = new Map<string, ClusterProfile>();
  readonly triggerByName = new Map<string, EventTrigger>();

  constructor(snapshot: Snapshot) {
    this.snapshot = snapshot;
    this.clusters = [...snapshot.sveltosClusters.map(sveltosInfo), ...snapshot.capiClusters.map(capiInfo)];
    this.clusters.sort((a, b) => clusterKey(a).localeCompare(clusterKey(b)));
    for (const c of this.clusters) this.clusterByKey.set(clusterKey(c), c);
    for (const s of snapshot.clusterSummaries) {
      push(this.summariesByCluster, clusterKey(summaryCluster(s)), s);
      push(this.summariesByProfile, summaryProfile(s), s);
    }
    for (const r of snapshot.eventReports) {
      const cluster = reportCluster(r);
      if (cluster) push(this.reportsByCluster, clusterKey(cluster), r);
    }
    for (const p of snapshot.clusterProfiles) {
      this.profileByName.set(p.metadata.name, p);
      const origin = profileOrigin(p);
      if (origin) push(this.profilesByTrigger, origin.trigger, p);
    }
    for (const t of snapshot.eventTriggers) this.triggerByName.set(t.metadata.name, t);
  }

  /** A cluster by id; one the identity cannot read is still named, with what is known (nothing). */
  cluster(id: ClusterId): ClusterInfo {
    return (
      this.clusterByKey.get(clusterKey(id)) ?? {
        ...id,
        labels: {},
        ready: false,
        version: '',
        connection: '',
        failureMessage: '',
        paused: false,
        created: '',
      }
    );
  }

  visible(id: ClusterId): boolean {
    return this.clusterByKey.has(clusterKey(id));
  }

  /** Clusters a profile selects (status.matchingClusters) or has a record in (its ClusterSummaries). */
  profileDestinations(profile: ClusterProfile): ClusterId[] {
    const out = new Map<string, ClusterId>();
    for (const ref of profile.status?.matchingClusters ?? []) {
      const id = refCluster(ref);
      if (id) out.set(clusterKey(id), id);
    }
    for (const s of this.summariesByProfile.get(profile.metadata.name) ?? []) {
      const id = summaryCluster(s);
      out.set(clusterKey(id), id);
    }
    return [...out.values()].sort((a, b) => clusterKey(a).localeCompare(clusterKey(b)));
  }
}

// ---- deployed add-ons (ClusterSummaries) ----------------------------------------------------------------

export interface FeatureView {
  featureID: string;
  status: string;
  failureMessage: string;
  consecutiveFailures: number;
  lastAppliedTime: string;
}

export interface ResourceView {
  featureID: string;
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  lastAppliedTime: string;
  location: 'managed cluster' | 'management cluster';
}

export interface HelmReleaseView {
  releaseName: string;
  releaseNamespace: string;
  chartName: string;
  chartVersion: string;
  repositoryURL: string;
  lastAppliedTime: string;
  status: string;
  message: string;
}

export interface DeploymentView {
  summary: { namespace: string; name: string };
  cluster: ClusterId;
  profile: string;
  /** Why the profile exists: the trigger, source cluster and event (undefined: written by a person). */
  origin: Origin | undefined;
  /** Provisioned, Provisioning, Failed, … the worst state of its features. */
  status: string;
  features: FeatureView[];
  resources: ResourceView[];
  helmReleases: HelmReleaseView[];
  dependencies: string;
  driftsReverted: number;
  lastDrift: string;
  lastDriftTime: string;
}

const STATUS_ORDER = ['FailedNonRetriable', 'Failed', 'Provisioning', 'Removing', 'Removed', 'Provisioned'];

/** The worst of some feature states: a profile is only as good as its worst feature. */
export function worstStatus(statuses: readonly string[]): string {
  const known = statuses.filter(Boolean);
  if (known.length === 0) return 'Pending';
  return [...known].sort((a, b) => rank(a) - rank(b))[0]!;
}
const rank = (s: string): number => {
  const i = STATUS_ORDER.indexOf(s);
  return i < 0 ? STATUS_ORDER.length : i;
};

export function deploymentView(fleet: Fleet, s: ClusterSummary): DeploymentView {
  const profileName = summaryProfile(s);
  const profile = fleet.profileByName.get(profileName);
  const features: FeatureView[] = (s.status?.featureSummaries ?? []).map((f) => ({
    featureID: f.featureID,
    status: f.status ?? '',
    failureMessage: f.failureMessage ?? '',
    consecutiveFailures: f.consecutiveFailures ?? 0,
    lastAppliedTime: f.lastAppliedTime ?? '',
  }));
  const resources: ResourceView[] = [];
  const helmReleases: HelmReleaseView[] = [];
  let driftsReverted = 0;
  let lastDrift = '';
  let lastDriftTime = '';
  const helmState = new Map(
    (s.status?.helmReleaseSummaries ?? []).map((h) => [`${h.releaseNamespace}/${h.releaseName}`, h]),
  );
  for (const f of s.status?.deployedFeatures ?? []) {
    for (const r of f.resources ?? []) {
      resources.push({
        featureID: f.featureID,
        group: r.group,
        version: r.version,
        kind: r.kind,
        namespace: r.namespace ?? '',
        name: r.name,
        lastAppliedTime: r.lastAppliedTime ?? '',
        location: r.deploymentType === 'Local' ? 'management cluster' : 'managed cluster',
      });
    }
    for (const h of f.helmReleases ?? []) {
      const state = helmState.get(`${h.releaseNamespace}/${h.releaseName}`);
      helmState.delete(`${h.releaseNamespace}/${h.releaseName}`);
      helmReleases.push({
        releaseName: h.releaseName,
        releaseNamespace: h.releaseNamespace,
        chartName: h.chartName ?? '',
        chartVersion: h.chartVersion ?? '',
        repositoryURL: h.repositoryURL ?? '',
        lastAppliedTime: h.lastAppliedTime ?? '',
        status: state?.status ?? 'Managing',
        message: state?.failureMessage ?? state?.conflictMessage ?? '',
      });
    }
    driftsReverted += f.driftsReverted ?? 0;
    if ((f.lastDriftTime ?? '') > lastDriftTime) {
      lastDriftTime = f.lastDriftTime ?? '';
      lastDrift = f.lastDrift ?? '';
    }
  }
  // releases that are wanted but not (yet) deployed: a conflict or a failure shows here
  for (const h of helmState.values()) {
    helmReleases.push({
      releaseName: h.releaseName,
      releaseNamespace: h.releaseNamespace,
      chartName: '',
      chartVersion: '',
      repositoryURL: '',
      lastAppliedTime: '',
      status: h.status,
      message: h.failureMessage ?? h.conflictMessage ?? '',
    });
  }
  const key = (r: ResourceView) => `${r.kind}/${r.namespace}/${r.name}`;
  resources.sort((a, b) => key(a).localeCompare(key(b)));
  return {
    summary: { namespace: s.metadata.namespace ?? '', name: s.metadata.name },
    cluster: summaryCluster(s),
    profile: profileName,
    origin: profile ? profileOrigin(profile) : undefined,
    status: worstStatus(features.map((f) => f.status)),
    features,
    resources,
    helmReleases,
    dependencies: s.status?.dependencies ?? '',
    driftsReverted,
    lastDrift,
    lastDriftTime,
  };
}

// ---- clusters -------------------------------------------------------------------------------------------

export interface ClusterRow extends ClusterInfo {
  profiles: number;
  resources: number;
  helmReleases: number;
  /** Profiles whose deployment in this cluster failed. */
  failing: number;
  /** EventSources with at least one matching resource in this cluster. */
  events: number;
}

export interface ClusterListQuery {
  q?: string | undefined;
  ready?: 'ready' | 'not-ready' | undefined;
  page?: number | undefined;
  pageSize?: number | undefined;
}

export interface ClusterList extends Page<ClusterRow> {
  /** Clusters visible before the search (for "12 of 1,000"). */
  all: number;
  readyCount: number;
  hidden: Hidden[];
}

function clusterRow(fleet: Fleet, c: ClusterInfo): ClusterRow {
  const key = clusterKey(c);
  const summaries = fleet.summariesByCluster.get(key) ?? [];
  let resources = 0;
  let helmReleases = 0;
  let failing = 0;
  for (const s of summaries) {
    for (const f of s.status?.deployedFeatures ?? []) {
      resources += f.resources?.length ?? 0;
      helmReleases += f.helmReleases?.length ?? 0;
    }
    if ((s.status?.featureSummaries ?? []).some((f) => f.status?.startsWith('Failed'))) failing++;
  }
  const events = (fleet.reportsByCluster.get(key) ?? []).filter(
    (r) => (r.spec.matchingResources?.length ?? 0) > 0,
  ).length;
  return { ...c, profiles: summaries.length, resources, helmReleases, failing, events };
}

export function clusterList(snapshot: Snapshot, query: ClusterListQuery = {}): ClusterList {
  const fleet = new Fleet(snapshot);
  const matching = fleet.clusters.filter(
    (c) =>
      (query.ready === undefined || c.ready === (query.ready === 'ready')) &&
      matchesSearch(query.q, `${c.namespace}/${c.name} ${c.type}`, c.labels),
  );
  const page = paginate(matching, query.page, query.pageSize);
  return {
    ...page,
    items: page.items.map((c) => clusterRow(fleet, c)),
    all: fleet.clusters.length,
    readyCount: fleet.clusters.filter((c) => c.ready).length,
    hidden: hiddenKinds(snapshot.access, ['sveltosclusters', 'capiclusters', 'clustersummaries']),
  };
}

export interface MatchingResource {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface ReportView {
  namespace: string;
  name: string;
  cluster: ClusterId | undefined;
  eventSource: string;
  phase: string;
  failureMessage: string;
  matching: MatchingResource[];
  collectedBytes: number;
  changedAt: string;
  /** EventTriggers using this EventSource that watch this cluster. */
  triggers: string[];
}

function reportView(r: EventReport, triggers: string[]): ReportView {
  const spec = r.spec as EventReport['spec'] & { collectedBytes?: number };
  return {
    namespace: r.metadata.namespace ?? '',
    name: r.metadata.name,
    cluster: reportCluster(r),
    eventSource: reportSource(r),
    phase: r.status?.phase ?? '',
    failureMessage: r.status?.failureMessage ?? '',
    matching: (r.spec.matchingResources ?? []).map((m) => ({
      apiVersion: m.apiVersion ?? '',
      kind: m.kind ?? '',
      namespace: m.namespace ?? '',
      name: m.name ?? '',
    })),
    collectedBytes: spec.collectedBytes ?? 0,
    changedAt:
      r.metadata.annotations?.[EVENT_REPORT_CHANGED_AT_ANNOTATION] ?? r.metadata.creationTimestamp ?? '',
    triggers,
  };
}

/** Whether a trigger watches a cluster: its status says so, or its source selector matches the labels. */
function triggerWatches(trigger: EventTrigger, cluster: ClusterInfo): boolean {
  const listed = (trigger.status?.matchingClusters ?? []).some((ref) => {
    const id = refCluster(ref);
    return id !== undefined && clusterKey(id) === clusterKey(cluster);
  });
  if (listed) return true;
  try {
    return cluster.ready && selectorMatches(trigger.spec.sourceClusterSelector, cluster.labels);
  } catch {
    return false;
  }
}

export interface ProducedProfile {
  name: string;
  trigger: string;
  resource: { namespace: string; name: string } | undefined;
  destinations: ClusterId[];
}

export interface TriggerRef {
  name: string;
  eventSource: string;
}

export interface ClusterDetail {
  cluster: ClusterRow;
  reports: ReportView[];
  /** EventTriggers watching this cluster for events. */
  triggers: TriggerRef[];
  /** ClusterProfiles made because of events in this cluster, and where they deploy. */
  produced: ProducedProfile[];
  /** What is deployed here, per ClusterProfile, with why. */
  deployments: DeploymentView[];
  /** Profiles that select this cluster but have no record here yet. */
  pending: string[];
  hidden: Hidden[];
}

export function clusterDetail(snapshot: Snapshot, id: ClusterId): ClusterDetail | undefined {
  const fleet = new Fleet(snapshot);
  const key = clusterKey(id);
  const info = fleet.clusterByKey.get(key);
  const summaries = fleet.summariesByCluster.get(key) ?? [];
  const reports = fleet.reportsByCluster.get(key) ?? [];
  // a tenant may read the records of a cluster without reading the cluster object
  if (!info && summaries.length === 0 && reports.length === 0) return undefined;
  const cluster = info ?? fleet.cluster(id);
  const watching = snapshot.eventTriggers.filter((t) => triggerWatches(t, cluster));
  const produced: ProducedProfile[] = [];
  for (const p of snapshot.clusterProfiles) {
    const origin = profileOrigin(p);
    if (!origin?.cluster || clusterKey(origin.cluster) !== key) continue;
    produced.push({
      name: p.metadata.name,
      trigger: origin.trigger,
      resource: origin.resource,
      destinations: fleet.profileDestinations(p),
    });
  }
  produced.sort((a, b) => a.name.localeCompare(b.name));
  const deployments = summaries
    .map((s) => deploymentView(fleet, s))
    .sort((a, b) => a.profile.localeCompare(b.profile));
  const recorded = new Set(deployments.map((d) => d.profile));
  const pending = snapshot.clusterProfiles
    .filter(
      (p) =>
        !recorded.has(p.metadata.name) &&
        (p.status?.matchingClusters ?? []).some((ref) => {
          const c = refCluster(ref);
          return c !== undefined && clusterKey(c) === key;
        }),
    )
    .map((p) => p.metadata.name)
    .sort();
  return {
    cluster: clusterRow(fleet, cluster),
    reports: reports
      .map((r) =>
        reportView(
          r,
          watching.filter((t) => t.spec.eventSourceName === reportSource(r)).map((t) => t.metadata.name),
        ),
      )
      .sort((a, b) => a.eventSource.localeCompare(b.eventSource)),
    triggers: watching
      .map((t) => ({ name: t.metadata.name, eventSource: t.spec.eventSourceName }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    produced,
    deployments,
    pending,
    hidden: hiddenKinds(snapshot.access, [
      'sveltosclusters',
      'eventreports',
      'eventtriggers',
      'clusterprofiles',
      'clustersummaries',
    ]),
  };
}

// ---- EventTriggers: source cluster → event → profile → destination clusters ------------------------------

export interface TriggerRow {
  name: string;
  eventSource: string;
  sourceSelector: string;
  destination: string;
  oneForEvent: boolean;
  sources: number;
  profiles: number;
  destinations: number;
  failing: number;
}

function destinationText(t: EventTrigger): string {
  if (t.spec.destinationCluster) {
    const d = t.spec.destinationCluster;
    return `${d.kind ?? 'cluster'} ${d.namespace ?? ''}/${d.name ?? ''}`;
  }
  if (t.spec.destinationClusterSelector) return selectorText(t.spec.destinationClusterSelector);
  return 'the cluster where the event happened';
}

function triggerRow(fleet: Fleet, t: EventTrigger): TriggerRow {
  const profiles = fleet.profilesByTrigger.get(t.metadata.name) ?? [];
  const destinations = new Set<string>();
  let failing = 0;
  for (const p of profiles) {
    for (const d of fleet.profileDestinations(p)) destinations.add(clusterKey(d));
    for (const s of fleet.summariesByProfile.get(p.metadata.name) ?? []) {
      if ((s.status?.featureSummaries ?? []).some((f) => f.status?.startsWith('Failed'))) failing++;
    }
  }
  failing += (t.status?.clusterInfo ?? []).filter((i) => i.status?.startsWith('Failed')).length;
  return {
    name: t.metadata.name,
    eventSource: t.spec.eventSourceName,
    sourceSelector: selectorText(t.spec.sourceClusterSelector),
    destination: destinationText(t),
    oneForEvent: t.spec.oneForEvent === true,
    sources: fleet.clusters.filter((c) => triggerWatches(t, c)).length,
    profiles: profiles.length,
    destinations: destinations.size,
    failing,
  };
}

export interface TriggerList extends Page<TriggerRow> {
  all: number;
  hidden: Hidden[];
}

export function triggerList(
  snapshot: Snapshot,
  query: { q?: string | undefined; page?: number | undefined; pageSize?: number | undefined } = {},
): TriggerList {
  const fleet = new Fleet(snapshot);
  const matching = [...snapshot.eventTriggers]
    .filter((t) => matchesSearch(query.q, `${t.metadata.name} ${t.spec.eventSourceName}`, t.metadata.labels))
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const page = paginate(matching, query.page, query.pageSize);
  return {
    ...page,
    items: page.items.map((t) => triggerRow(fleet, t)),
    all: snapshot.eventTriggers.length,
    hidden: hiddenKinds(snapshot.access, ['eventtriggers', 'clusterprofiles', 'sveltosclusters']),
  };
}

export interface ChainEvent {
  id: string;
  source: string;
  resource: MatchingResource;
}

export interface ChainSource {
  key: string;
  cluster: ClusterInfo;
  report: ReportView | undefined;
}

export interface ChainProfile {
  name: string;
  source: string | undefined;
  /** Events the profile was made for: one (oneForEvent) or every event of its source cluster. */
  events: string[];
  destinations: { key: string; status: string; failureMessage: string }[];
}

export interface ChainDestination {
  key: string;
  cluster: ClusterInfo;
  visible: boolean;
}

export interface TriggerDetail {
  trigger: TriggerRow & {
    destinationCluster: string;
    clusterSetRefs: string[];
    policyRefs: string[];
    helmCharts: string[];
    created: string;
  };
  /** Per source cluster, what the trigger's event-manager recorded (status.clusterInfo). */
  clusterInfo: { cluster: ClusterId; status: string; failureMessage: string }[];
  sources: ChainSource[];
  events: ChainEvent[];
  profiles: ChainProfile[];
  destinations: ChainDestination[];
  hidden: Hidden[];
}

const resourceId = (source: string, r: MatchingResource): string =>
  `${source}|${r.apiVersion}|${r.kind}|${r.namespace}|${r.name}`;

export function triggerDetail(snapshot: Snapshot, name: string): TriggerDetail | undefined {
  const fleet = new Fleet(snapshot);
  const trigger = fleet.triggerByName.get(name);
  const profiles = fleet.profilesByTrigger.get(name) ?? [];
  if (!trigger && profiles.length === 0) return undefined;
  const sources = new Map<string, ChainSource>();
  const addSource = (id: ClusterId) => {
    const key = clusterKey(id);
    if (!sources.has(key)) sources.set(key, { key, cluster: fleet.cluster(id), report: undefined });
  };
  if (trigger) for (const c of fleet.clusters) if (triggerWatches(trigger, c)) addSource(c);
  for (const p of profiles) {
    const origin = profileOrigin(p);
    if (origin?.cluster) addSource(origin.cluster);
  }
  const eventSource = trigger?.spec.eventSourceName ?? profileOrigin(profiles[0]!)?.eventSource ?? '';
  const events: ChainEvent[] = [];
  for (const source of sources.values()) {
    const report = (fleet.reportsByCluster.get(source.key) ?? []).find(
      (r) => reportSource(r) === eventSource,
    );
    if (!report) continue;
    source.report = reportView(report, [name]);
    for (const m of source.report.matching) {
      events.push({ id: resourceId(source.key, m), source: source.key, resource: m });
    }
  }
  const destinations = new Map<string, ChainDestination>();
  const chainProfiles: ChainProfile[] = profiles
    .map((p) => {
      const origin = profileOrigin(p);
      const source = origin?.cluster ? clusterKey(origin.cluster) : undefined;
      const ofSource = events.filter((e) => e.source === source);
      const linked = origin?.resource
        ? ofSource.filter(
            (e) =>
              e.resource.name === origin.resource!.name &&
              e.resource.namespace === origin.resource!.namespace,
          )
        : ofSource;
      const summaries = new Map(
        (fleet.summariesByProfile.get(p.metadata.name) ?? []).map((s) => [clusterKey(summaryCluster(s)), s]),
      );
      const dests = fleet.profileDestinations(p).map((id) => {
        const key = clusterKey(id);
        if (!destinations.has(key))
          destinations.set(key, { key, cluster: fleet.cluster(id), visible: fleet.visible(id) });
        const s = summaries.get(key);
        const view = s ? deploymentView(fleet, s) : undefined;
        return {
          key,
          status: view?.status ?? 'Pending',
          failureMessage: view?.features.find((f) => f.failureMessage)?.failureMessage ?? '',
        };
      });
      return { name: p.metadata.name, source, events: linked.map((e) => e.id), destinations: dests };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  const row: TriggerRow = trigger
    ? triggerRow(fleet, trigger)
    : {
        name,
        eventSource,
        sourceSelector: '',
        destination: '',
        oneForEvent: false,
        sources: sources.size,
        profiles: profiles.length,
        destinations: destinations.size,
        failing: 0,
      };
  return {
    trigger: {
      ...row,
      destinationCluster: trigger?.spec.destinationCluster
        ? `${trigger.spec.destinationCluster.namespace ?? ''}/${trigger.spec.destinationCluster.name ?? ''}`
        : '',
      clusterSetRefs: trigger?.spec.clusterSetRefs ?? [],
      policyRefs: (trigger?.spec.policyRefs ?? []).map(
        (r) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`,
      ),
      helmCharts: (trigger?.spec.helmCharts ?? []).map(
        (h) =>
          `${h.releaseNamespace}/${h.releaseName} (${h.chartName}${h.chartVersion ? ` ${h.chartVersion}` : ''})`,
      ),
      created: trigger?.metadata.creationTimestamp ?? '',
    },
    clusterInfo: (trigger?.status?.clusterInfo ?? []).flatMap((i) => {
      const id = refCluster(i.cluster);
      return id ? [{ cluster: id, status: i.status ?? '', failureMessage: i.failureMessage ?? '' }] : [];
    }),
    sources: [...sources.values()].sort((a, b) => a.key.localeCompare(b.key)),
    events,
    profiles: chainProfiles,
    destinations: [...destinations.values()].sort((a, b) => a.key.localeCompare(b.key)),
    hidden: hiddenKinds(snapshot.access, [
      'eventtriggers',
      'eventreports',
      'clusterprofiles',
      'clustersummaries',
      'sveltosclusters',
    ]),
  };
}

// ---- ClusterProfiles ------------------------------------------------------------------------------------

export interface ProfileRow {
  name: string;
  origin: Origin | undefined;
  selector: string;
  clusterRefs: string[];
  destinations: number;
  provisioned: number;
  failing: number;
  created: string;
}

function profileRow(fleet: Fleet, p: ClusterProfile): ProfileRow {
  const summaries = fleet.summariesByProfile.get(p.metadata.name) ?? [];
  const states = summaries.map((s) =>
    worstStatus((s.status?.featureSummaries ?? []).map((f) => f.status ?? '')),
  );
  return {
    name: p.metadata.name,
    origin: profileOrigin(p),
    selector: selectorText(p.spec?.clusterSelector),
    clusterRefs: (p.spec?.clusterRefs ?? []).map((r) => `${r.namespace ?? ''}/${r.name ?? ''}`),
    destinations: fleet.profileDestinations(p).length,
    provisioned: states.filter((s) => s === 'Provisioned').length,
    failing: states.filter((s) => s.startsWith('Failed')).length,
    created: p.metadata.creationTimestamp ?? '',
  };
}

export interface ProfileList extends Page<ProfileRow> {
  all: number;
  hidden: Hidden[];
}

export function profileList(
  snapshot: Snapshot,
  query: { q?: string | undefined; page?: number | undefined; pageSize?: number | undefined } = {},
): ProfileList {
  const fleet = new Fleet(snapshot);
  const matching = [...snapshot.clusterProfiles]
    .filter((p) => {
      const origin = profileOrigin(p);
      const text = `${p.metadata.name} ${origin?.trigger ?? ''} ${origin?.cluster ? clusterKey(origin.cluster) : ''}`;
      return matchesSearch(query.q, text, p.metadata.labels);
    })
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const page = paginate(matching, query.page, query.pageSize);
  return {
    ...page,
    items: page.items.map((p) => profileRow(fleet, p)),
    all: snapshot.clusterProfiles.length,
    hidden: hiddenKinds(snapshot.access, ['clusterprofiles', 'clustersummaries']),
  };
}

export interface ProfileDetail {
  profile: ProfileRow;
  /** Per destination cluster: what the profile deployed there. */
  deployments: DeploymentView[];
  /** Destinations without a record yet. */
  pending: ClusterId[];
  conditions: { type: string; status: string; reason: string; message: string }[];
  policyRefs: string[];
  helmCharts: string[];
  hidden: Hidden[];
}

export function profileDetail(snapshot: Snapshot, name: string): ProfileDetail | undefined {
  const fleet = new Fleet(snapshot);
  const profile = fleet.profileByName.get(name);
  const summaries = fleet.summariesByProfile.get(name) ?? [];
  if (!profile && summaries.length === 0) return undefined;
  const deployments = summaries
    .map((s) => deploymentView(fleet, s))
    .sort((a, b) => clusterKey(a.cluster).localeCompare(clusterKey(b.cluster)));
  const recorded = new Set(deployments.map((d) => clusterKey(d.cluster)));
  return {
    profile: profile
      ? profileRow(fleet, profile)
      : {
          name,
          origin: undefined,
          selector: '',
          clusterRefs: [],
          destinations: deployments.length,
          provisioned: deployments.filter((d) => d.status === 'Provisioned').length,
          failing: deployments.filter((d) => d.status.startsWith('Failed')).length,
          created: '',
        },
    deployments,
    pending: profile ? fleet.profileDestinations(profile).filter((d) => !recorded.has(clusterKey(d))) : [],
    conditions: (profile?.status?.conditions ?? []).map((c) => ({
      type: c.type,
      status: c.status,
      reason: c.reason ?? '',
      message: c.message ?? '',
    })),
    policyRefs: (profile?.spec?.policyRefs ?? []).map(
      (r) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`,
    ),
    helmCharts: (profile?.spec?.helmCharts ?? []).map(
      (h) =>
        `${h.releaseNamespace}/${h.releaseName} (${h.chartName}${h.chartVersion ? ` ${h.chartVersion}` : ''})`,
    ),
    hidden: hiddenKinds(snapshot.access, ['clusterprofiles', 'clustersummaries', 'sveltosclusters']),
  };
}

// ---- what changed when ----------------------------------------------------------------------------------

export type TimelineSource = 'event' | 'applied' | 'report' | 'profile' | 'cluster' | 'drift';

export interface TimelineEntry {
  time: string;
  source: TimelineSource;
  /** Normal or Warning for Kubernetes Events; Warning for failures recorded in summaries. */
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  object: { kind: string; namespace: string; name: string };
  cluster: ClusterId | undefined;
  trigger: string | undefined;
  profile: string | undefined;
  count: number;
}

export interface TimelineQuery {
  cluster?: ClusterId | undefined;
  trigger?: string | undefined;
  profile?: string | undefined;
  q?: string | undefined;
  page?: number | undefined;
  pageSize?: number | undefined;
}

function eventTime(e: CoreEvent): string {
  return e.lastTimestamp || e.eventTime || e.firstTimestamp || e.metadata.creationTimestamp || '';
}

/** Every dated fact of the snapshot: Kubernetes Events and the times the records carry. */
export function timelineEntries(fleet: Fleet): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  const snapshot = fleet.snapshot;
  const summaryByName = new Map(
    snapshot.clusterSummaries.map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s]),
  );
  const reportByName = new Map(
    snapshot.eventReports.map((r) => [`${r.metadata.namespace}/${r.metadata.name}`, r]),
  );
  for (const e of snapshot.events) {
    const inv = e.involvedObject ?? {};
    const kind = inv.kind ?? '';
    const ns = inv.namespace ?? '';
    const name = inv.name ?? '';
    let cluster: ClusterId | undefined;
    let trigger: string | undefined;
    let profile: string | undefined;
    if (kind === 'SveltosCluster' || kind === 'Cluster') cluster = refCluster(inv);
    else if (kind === 'ClusterSummary') {
      const s = summaryByName.get(`${ns}/${name}`);
      if (s) {
        cluster = summaryCluster(s);
        profile = summaryProfile(s);
        trigger = profileOrigin(
          fleet.profileByName.get(profile) ?? ({ metadata: { name: '' } } as ClusterProfile),
        )?.trigger;
      }
    } else if (kind === 'EventReport') {
      const r = reportByName.get(`${ns}/${name}`);
      if (r) cluster = reportCluster(r);
    } else if (kind === 'EventTrigger') trigger = name;
    else if (kind === 'ClusterProfile') {
      profile = name;
      const p = fleet.profileByName.get(name);
      const origin = p ? profileOrigin(p) : undefined;
      trigger = origin?.trigger;
      cluster = origin?.cluster;
    }
    out.push({
      time: eventTime(e),
      source: 'event',
      type: e.type === 'Warning' ? 'Warning' : 'Normal',
      reason: e.reason ?? '',
      message: e.message ?? '',
      object: { kind, namespace: ns, name },
      cluster,
      trigger,
      profile,
      count: e.count ?? 1,
    });
  }
  for (const s of snapshot.clusterSummaries) {
    const view = deploymentView(fleet, s);
    const base = {
      object: { kind: 'ClusterSummary', namespace: view.summary.namespace, name: view.summary.name },
      cluster: view.cluster,
      trigger: view.origin?.trigger,
      profile: view.profile,
      count: 1,
    };
    // resources applied together are one entry: "applied Secret billing/db, Secret payroll/db"
    const byTime = new Map<string, string[]>();
    for (const r of view.resources) {
      if (!r.lastAppliedTime) continue;
      push(byTime, r.lastAppliedTime, `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`);
    }
    for (const h of view.helmReleases) {
      if (!h.lastAppliedTime) continue;
      push(
        byTime,
        h.lastAppliedTime,
        `Helm release ${h.releaseNamespace}/${h.releaseName}${h.chartVersion ? ` (${h.chartVersion})` : ''}`,
      );
    }
    for (const [time, what] of byTime) {
      out.push({
        ...base,
        time,
        source: 'applied',
        type: 'Normal',
        reason: 'Applied',
        message: `applied ${what.join(', ')} (ClusterProfile ${view.profile})`,
      });
    }
    for (const f of view.features) {
      if (!f.failureMessage) continue;
      out.push({
        ...base,
        time: f.lastAppliedTime || s.metadata.creationTimestamp || '',
        source: 'applied',
        type: 'Warning',
        reason: f.status || 'Failed',
        message: `${f.featureID}: ${f.failureMessage}`,
      });
    }
    if (view.lastDriftTime) {
      out.push({
        ...base,
        time: view.lastDriftTime,
        source: 'drift',
        type: 'Warning',
        reason: 'ConfigurationDrift',
        message: `drift reverted: ${view.lastDrift} (${view.driftsReverted} in all)`,
      });
    }
  }
  for (const r of snapshot.eventReports) {
    const view = reportView(r, []);
    // a report naming no cluster is an agent's local copy of one filed under its cluster: shown once
    if (!view.changedAt || !view.cluster) continue;
    const n = view.matching.length;
    out.push({
      time: view.changedAt,
      source: 'report',
      type: view.failureMessage ? 'Warning' : 'Normal',
      reason: 'EventReport',
      message: `${n} resource${n === 1 ? '' : 's'} match EventSource ${view.eventSource}${view.failureMessage ? `: ${view.failureMessage}` : ''}`,
      object: { kind: 'EventReport', namespace: view.namespace, name: view.name },
      cluster: view.cluster,
      trigger: undefined,
      profile: undefined,
      count: 1,
    });
  }
  for (const p of snapshot.clusterProfiles) {
    const origin = profileOrigin(p);
    if (!p.metadata.creationTimestamp) continue;
    const resource = origin?.resource
      ? ` for ${origin.resource.namespace ? `${origin.resource.namespace}/` : ''}${origin.resource.name}`
      : '';
    out.push({
      time: p.metadata.creationTimestamp,
      source: 'profile',
      type: 'Normal',
      reason: 'Created',
      message: origin
        ? `ClusterProfile created by EventTrigger ${origin.trigger}${origin.cluster ? ` (event in ${origin.cluster.namespace}/${origin.cluster.name}${resource})` : ''}`
        : 'ClusterProfile created',
      object: { kind: 'ClusterProfile', namespace: '', name: p.metadata.name },
      cluster: origin?.cluster,
      trigger: origin?.trigger,
      profile: p.metadata.name,
      count: 1,
    });
  }
  for (const c of fleet.clusters) {
    if (!c.created) continue;
    out.push({
      time: c.created,
      source: 'cluster',
      type: 'Normal',
      reason: 'Registered',
      message: `cluster registered (${Object.entries(c.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')})`,
      object: {
        kind: c.type === 'capi' ? 'Cluster' : 'SveltosCluster',
        namespace: c.namespace,
        name: c.name,
      },
      cluster: { type: c.type, namespace: c.namespace, name: c.name },
      trigger: undefined,
      profile: undefined,
      count: 1,
    });
  }
  return out;
}

export interface Timeline extends Page<TimelineEntry> {
  hidden: Hidden[];
}

export function timeline(snapshot: Snapshot, query: TimelineQuery = {}): Timeline {
  const fleet = new Fleet(snapshot);
  const wantCluster = query.cluster ? clusterKey(query.cluster) : undefined;
  const entries = timelineEntries(fleet).filter((e) => {
    if (wantCluster && (!e.cluster || clusterKey(e.cluster) !== wantCluster)) return false;
    if (query.trigger && e.trigger !== query.trigger) return false;
    if (query.profile && e.profile !== query.profile) return false;
    const text = `${e.reason} ${e.message} ${e.object.kind} ${e.object.namespace}/${e.object.name}`;
    return matchesSearch(query.q, text);
  });
  // newest first; equal times keep a stable order (by text)
  entries.sort((a, b) => b.time.localeCompare(a.time) || a.message.localeCompare(b.message));
  return {
    ...paginate(entries, query.page, query.pageSize ?? 100),
    hidden: hiddenKinds(snapshot.access, ['events', 'clustersummaries', 'eventreports', 'clusterprofiles']),
  };
}

// ---- overview -------------------------------------------------------------------------------------------

export interface Overview {
  clusters: number;
  ready: number;
  triggers: number;
  profiles: number;
  deployments: number;
  failing: number;
  reports: number;
  hidden: Hidden[];
}

export function overview(snapshot: Snapshot): Overview {
  const fleet = new Fleet(snapshot);
  return {
    clusters: fleet.clusters.length,
    ready: fleet.clusters.filter((c) => c.ready).length,
    triggers: snapshot.eventTriggers.length,
    profiles: snapshot.clusterProfiles.length,
    deployments: snapshot.clusterSummaries.length,
    failing: snapshot.clusterSummaries.filter((s) =>
      (s.status?.featureSummaries ?? []).some((f) => f.status?.startsWith('Failed')),
    ).length,
    reports: snapshot.eventReports.filter((r) => (r.spec.matchingResources?.length ?? 0) > 0).length,
    hidden: hiddenKinds(snapshot.access, [
      'sveltosclusters',
      'eventtriggers',
      'clusterprofiles',
      'clustersummaries',
      'eventreports',
      'events',
    ]),
  };
}

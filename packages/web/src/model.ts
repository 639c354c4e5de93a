// What the web view reads, per identity: the kinds it watches with the user's token, how far that token may
// read each of them, and the snapshot of what the watches hold (the input of the pure views in views.ts).

import {
  CAPI_API_VERSION,
  type CapiCluster,
  type ClusterProfile,
  ClusterProfileKind,
  type ClusterSummary,
  ClusterSummaryKind,
  type EventReport,
  EventReportKind,
  type EventTrigger,
  EventTriggerKind,
  type KubeObject,
  type SveltosCluster,
  SveltosClusterKind,
} from '@sveltos-ts/api';

/** A core/v1 Event as the view reads it. */
export interface CoreEvent extends KubeObject {
  involvedObject?: {
    apiVersion?: string;
    kind?: string;
    namespace?: string;
    name?: string;
    uid?: string;
  };
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  source?: { component?: string };
  reportingComponent?: string;
}

export interface WatchedKind {
  /** Short stable id used in the API and in change notifications. */
  id: KindId;
  apiVersion: string;
  kind: string;
  /** Plural resource name, for access reviews. */
  resource: string;
  group: string;
  namespaced: boolean;
  /** A field selector narrowing the watch (Events: only those about Sveltos objects). */
  fieldSelector?: string;
  /** The CRD may legitimately be absent (Cluster API): not served is not an error. */
  optional?: boolean;
}

export type KindId =
  | 'sveltosclusters'
  | 'capiclusters'
  | 'eventreports'
  | 'eventtriggers'
  | 'clusterprofiles'
  | 'clustersummaries'
  | 'events';

/** Kinds of Sveltos objects whose Kubernetes Events the timeline shows (one Event watch each). */
export const EVENT_INVOLVED_KINDS = [
  'SveltosCluster',
  'EventTrigger',
  'EventReport',
  'ClusterProfile',
  'ClusterSummary',
] as const;

const libGroup = SveltosClusterKind.apiVersion.split('/')[0]!;
const configGroup = ClusterProfileKind.apiVersion.split('/')[0]!;

export const WATCHED: readonly WatchedKind[] = [
  {
    id: 'sveltosclusters',
    apiVersion: SveltosClusterKind.apiVersion,
    kind: 'SveltosCluster',
    resource: 'sveltosclusters',
    group: libGroup,
    namespaced: true,
  },
  {
    id: 'capiclusters',
    apiVersion: CAPI_API_VERSION,
    kind: 'Cluster',
    resource: 'clusters',
    group: 'cluster.x-k8s.io',
    namespaced: true,
    optional: true,
  },
  {
    id: 'eventreports',
    apiVersion: EventReportKind.apiVersion,
    kind: 'EventReport',
    resource: 'eventreports',
    group: libGroup,
    namespaced: true,
  },
  {
    id: 'eventtriggers',
    apiVersion: EventTriggerKind.apiVersion,
    kind: 'EventTrigger',
    resource: 'eventtriggers',
    group: libGroup,
    namespaced: false,
  },
  {
    id: 'clusterprofiles',
    apiVersion: ClusterProfileKind.apiVersion,
    kind: 'ClusterProfile',
    resource: 'clusterprofiles',
    group: configGroup,
    namespaced: false,
  },
  {
    id: 'clustersummaries',
    apiVersion: ClusterSummaryKind.apiVersion,
    kind: 'ClusterSummary',
    resource: 'clustersummaries',
    group: configGroup,
    namespaced: true,
  },
  {
    id: 'events',
    apiVersion: 'v1',
    kind: 'Event',
    resource: 'events',
    group: '',
    namespaced: true,
  },
];

/** How far one identity may read one kind (decided by the API server's authorizer, asked with its token). */
export type Access =
  | { scope: 'cluster' }
  /** The API server does not serve the kind (Cluster API not installed): nothing to show, nothing hidden. */
  | { scope: 'absent' }
  | { scope: 'namespaces'; namespaces: string[] }
  | { scope: 'none'; reason: string };

export interface Snapshot {
  sveltosClusters: readonly SveltosCluster[];
  capiClusters: readonly CapiCluster[];
  eventReports: readonly EventReport[];
  eventTriggers: readonly EventTrigger[];
  clusterProfiles: readonly ClusterProfile[];
  clusterSummaries: readonly ClusterSummary[];
  events: readonly CoreEvent[];
  access: Readonly<Record<KindId, Access>>;
}

export function emptySnapshot(access?: Partial<Record<KindId, Access>>): Snapshot {
  const all = Object.fromEntries(
    WATCHED.map((w) => [w.id, access?.[w.id] ?? { scope: 'cluster' }]),
  ) as Record<KindId, Access>;
  return {
    sveltosClusters: [],
    capiClusters: [],
    eventReports: [],
    eventTriggers: [],
    clusterProfiles: [],
    clusterSummaries: [],
    events: [],
    access: all,
  };
}

/**
 * Drops what no page shows before an object is cached: managed fields, the collected objects of an
 * EventReport (kept as a count), the copy of the profile spec in a ClusterSummary, last-applied annotations.
 */
export function trimObject(object: KubeObject): KubeObject {
  const { managedFields: _managed, ...metadata } = object.metadata;
  const annotations = metadata.annotations;
  if (annotations?.['kubectl.kubernetes.io/last-applied-configuration'] !== undefined) {
    const { 'kubectl.kubernetes.io/last-applied-configuration': _last, ...rest } = annotations;
    metadata.annotations = rest;
  }
  const out: KubeObject = { ...object, metadata };
  const spec = out.spec as Record<string, unknown> | undefined;
  if (object.kind === 'EventReport' && spec && typeof spec.resources === 'string') {
    const { resources: _resources, ...rest } = spec;
    out.spec = { ...rest, collectedBytes: spec.resources.length };
  }
  if (object.kind === 'ClusterSummary' && spec?.clusterProfileSpec !== undefined) {
    const { clusterProfileSpec: _profileSpec, ...rest } = spec;
    out.spec = rest;
  }
  return out;
}

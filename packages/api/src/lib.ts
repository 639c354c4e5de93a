// lib.projectsveltos.io/v1beta1: EventSource, EventTrigger, EventReport, SveltosCluster, ClusterSet.

import { clusterInfo, profileShape, resourceSelector } from './common.ts';
import { defineKind, type ObjectOf } from './crd.ts';
import { labelSelector, objectReference } from './meta.ts';
import {
  arr,
  bool,
  bytes,
  dateTime,
  doc,
  freeform,
  int,
  obj,
  opt,
  type Static,
  str,
  strEnum,
  strMap,
} from './schema.ts';

export const LIB_GROUP = 'lib.projectsveltos.io';
export const LIB_VERSION = 'v1beta1';
export const LIB_API_VERSION = `${LIB_GROUP}/${LIB_VERSION}` as const;

// ---- EventSource ---------------------------------------------------------------------------------------

export const messagingMatchCriteria = obj({
  subject: opt(str({ description: 'NATS/JetStream subject (regular expression); empty means any.' })),
  cloudEventSource: opt(str({ description: 'CloudEvent source (regular expression).' })),
  cloudEventType: opt(str({ description: 'CloudEvent type (regular expression).' })),
  cloudEventSubject: opt(str({ description: 'CloudEvent subject (regular expression).' })),
});
export type MessagingMatchCriteria = Static<typeof messagingMatchCriteria>;

export const eventSourceSpec = obj({
  resourceSelectors: opt(arr(resourceSelector, { description: 'Which resources are part of the event.' })),
  aggregatedSelection: opt(
    str({
      description: 'Lua source defining `evaluate()` over all selected `resources`; returns {resources}.',
    }),
  ),
  collectResources: opt(
    bool({ default: false, description: 'Put the full matching objects into the EventReport.' }),
  ),
  messagingMatchCriteria: opt(arr(messagingMatchCriteria, { description: 'CloudEvents (NATS) that match.' })),
});
export type EventSourceSpec = Static<typeof eventSourceSpec>;

export const EventSourceKind = defineKind({
  group: LIB_GROUP,
  version: LIB_VERSION,
  kind: 'EventSource',
  plural: 'eventsources',
  scope: 'Cluster',
  description: 'EventSource defines what an event is: resources (or CloudEvents) in a managed cluster.',
  spec: eventSourceSpec,
  specRequired: false,
});
export type EventSource = ObjectOf<typeof EventSourceKind>;

// ---- EventTrigger --------------------------------------------------------------------------------------

export const generatorReference = obj({
  namespace: opt(str({ description: 'Namespace of the source; empty means the cluster namespace.' })),
  name: str({ minLength: 1, description: 'Name of the source; may be a template.' }),
  nameFormat: str({ minLength: 1, description: 'Template for the name of the generated object.' }),
  optional: opt(bool({ default: false, description: 'Skip silently when the source is missing.' })),
});
export type GeneratorReference = Static<typeof generatorReference>;

export const CLOUD_EVENT_ACTIONS = ['Create', 'Delete'] as const;
export type CloudEventAction = (typeof CLOUD_EVENT_ACTIONS)[number];

export const eventTriggerSpec = obj({
  sourceClusterSelector: doc(labelSelector, 'Clusters where the event is watched.'),
  clusterSetRefs: opt(
    arr(str(), { description: 'Names of ClusterSets whose selected clusters are watched too.' }),
  ),
  destinationClusterSelector: opt(
    doc(labelSelector, 'Clusters where add-ons are deployed; default: the cluster where the event happened.'),
  ),
  destinationCluster: opt(doc(objectReference, 'One destination cluster; fields may be templates.')),
  eventSourceName: str({ minLength: 1, description: 'Name of the EventSource; may be a cluster template.' }),
  oneForEvent: opt(
    bool({
      default: false,
      description: 'One ClusterProfile per matching resource (true) or per cluster (false). Immutable.',
      rules: [{ rule: 'self == oldSelf', message: 'Value is immutable' }],
    }),
  ),
  profileNameFormat: opt(
    str({ minLength: 1, description: 'Template for the generated ClusterProfile names.' }),
  ),
  configMapGenerator: opt(
    arr(generatorReference, { description: 'ConfigMaps instantiated with event data.' }),
  ),
  secretGenerator: opt(arr(generatorReference, { description: 'Secrets instantiated with event data.' })),
  cloudEventAction: opt(
    str({ default: 'Create', description: 'Create or Delete (may be a template over the CloudEvent).' }),
  ),
  ...profileShape({ templateResourceRefsAsMap: false }),
});
export type EventTriggerSpec = Static<typeof eventTriggerSpec>;

export const eventTriggerStatus = obj({
  matchingClusters: opt(arr(objectReference, { description: 'Clusters matching the source selection.' })),
  destinationMatchingClusterRefs: opt(
    arr(objectReference, { description: 'Unused (kept for compatibility).' }),
  ),
  clusterInfo: opt(arr(clusterInfo, { description: 'Deployment state per cluster.' })),
});
export type EventTriggerStatus = Static<typeof eventTriggerStatus>;

export const EventTriggerKind = defineKind({
  group: LIB_GROUP,
  version: LIB_VERSION,
  kind: 'EventTrigger',
  plural: 'eventtriggers',
  scope: 'Cluster',
  description: 'EventTrigger says where to watch an EventSource and which add-ons to deploy when it fires.',
  spec: eventTriggerSpec,
  specRequired: true,
  status: eventTriggerStatus,
});
export type EventTrigger = ObjectOf<typeof EventTriggerKind>;

// ---- EventReport ---------------------------------------------------------------------------------------

export const REPORT_PHASES = ['WaitingForDelivery', 'Delivering', 'Processed'] as const;
export type ReportPhase = (typeof REPORT_PHASES)[number];

export const eventReportSpec = obj({
  clusterNamespace: str({ description: 'Namespace of the cluster (empty in the agent-side copy).' }),
  clusterName: str({ description: 'Name of the cluster (empty in the agent-side copy).' }),
  clusterType: str({ description: 'Capi or Sveltos (empty in the agent-side copy).' }),
  eventSourceName: str({ description: 'The EventSource this report is for.' }),
  matchingResources: opt(arr(objectReference, { description: 'References to the matching resources.' })),
  resources: opt(
    bytes({ description: 'Matching objects as JSON, each followed by "---" (collectResources).' }),
  ),
  cloudEvents: opt(arr(bytes(), { description: 'Matching CloudEvents (JSON), NATS only.' })),
});
export type EventReportSpec = Static<typeof eventReportSpec>;

export const eventReportStatus = obj({
  phase: opt(strEnum(REPORT_PHASES)),
  failureMessage: opt(str({ description: 'Why the event-manager could not process the report.' })),
});
export type EventReportStatus = Static<typeof eventReportStatus>;

export const EventReportKind = defineKind({
  group: LIB_GROUP,
  version: LIB_VERSION,
  kind: 'EventReport',
  plural: 'eventreports',
  scope: 'Namespaced',
  description: 'EventReport lists the resources of one cluster that match one EventSource.',
  spec: eventReportSpec,
  specRequired: true,
  status: eventReportStatus,
});
export type EventReport = ObjectOf<typeof EventReportKind>;

// ---- SveltosCluster ------------------------------------------------------------------------------------

export const clusterCheck = obj({
  name: str({ description: 'Name of the check.' }),
  resourceSelectors: arr(resourceSelector),
  condition: str({ description: 'Lua source defining `evaluate()`; returns {result, message}.' }),
});
export type ClusterCheck = Static<typeof clusterCheck>;

export const CONNECTION_STATUSES = ['Healthy', 'Down'] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

export const sveltosClusterSpec = obj(
  {
    kubeconfigName: opt(
      str({ description: 'Secret holding the kubeconfig; default <name>-sveltos-kubeconfig.' }),
    ),
    kubeconfigKeyName: opt(str({ description: 'Key of that Secret; default: its first key.' })),
    paused: opt(bool({ description: 'Stop all Sveltos processing for this cluster.' })),
    pullMode: opt(
      bool({
        default: false,
        description: 'The agent in the cluster pulls its configuration. Immutable.',
        rules: [{ rule: 'self == oldSelf', message: 'Value is immutable' }],
      }),
    ),
    tokenRequestRenewalOption: opt(
      obj({
        renewTokenRequestInterval: str({ description: 'How often the token is renewed (a duration).' }),
        tokenDuration: opt(str()),
        saNamespace: opt(str()),
        saName: opt(str()),
        kubeconfigKeyName: opt(str()),
      }),
    ),
    data: opt(strMap({ description: 'Arbitrary data.' })),
    activeWindow: opt(obj({ from: str({ minLength: 1 }), to: str({ minLength: 1 }) })),
    consecutiveFailureThreshold: opt(int({ default: 3 })),
    readinessChecks: opt(arr(clusterCheck)),
    livenessChecks: opt(arr(clusterCheck)),
    workloadIdentity: opt(freeform({ description: 'Cloud workload identity settings (passed through).' })),
  },
  {
    rules: [
      {
        rule: '!has(self.workloadIdentity) || !has(self.kubeconfigName)',
        message: 'workloadIdentity, kubeconfigName: conflict',
      },
    ],
  },
);
export type SveltosClusterSpec = Static<typeof sveltosClusterSpec>;

export const sveltosClusterStatus = obj({
  version: opt(str({ description: 'Kubernetes version of the cluster.' })),
  ready: opt(bool({ description: 'Whether Sveltos can manage the cluster.' })),
  connectionStatus: opt(strEnum(CONNECTION_STATUSES)),
  failureMessage: opt(str()),
  lastReconciledTokenRequestAt: opt(str()),
  agentLastReportTime: opt(dateTime()),
  nextUnpause: opt(dateTime()),
  nextPause: opt(dateTime()),
  activeWindowHash: opt(bytes()),
  connectionFailures: opt(int()),
});
export type SveltosClusterStatus = Static<typeof sveltosClusterStatus>;

export const SveltosClusterKind = defineKind({
  group: LIB_GROUP,
  version: LIB_VERSION,
  kind: 'SveltosCluster',
  plural: 'sveltosclusters',
  scope: 'Namespaced',
  description: 'SveltosCluster registers a cluster reached through a kubeconfig Secret.',
  spec: sveltosClusterSpec,
  specRequired: false,
  status: sveltosClusterStatus,
  printerColumns: [
    {
      name: 'Ready',
      type: 'boolean',
      jsonPath: '.status.ready',
      description: 'Whether the cluster is ready to be managed',
    },
    { name: 'Version', type: 'string', jsonPath: '.status.version', description: 'Kubernetes version' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    {
      name: 'Shard',
      type: 'string',
      jsonPath: ".metadata.annotations['sharding\\.projectsveltos\\.io/key']",
      description: 'Shard the cluster belongs to',
    },
  ],
});
export type SveltosCluster = ObjectOf<typeof SveltosClusterKind>;

// ---- ClusterSet ----------------------------------------------------------------------------------------

export const clusterSetSpec = obj({
  clusterSelector: opt(doc(labelSelector, 'Clusters that can be selected.')),
  clusterRefs: opt(arr(objectReference, { description: 'Clusters that can be selected.' })),
  maxReplicas: opt(int({ description: 'How many of the matching clusters are selected.' })),
});
export type ClusterSetSpec = Static<typeof clusterSetSpec>;

export const clusterSetStatus = obj({
  matchingClusterRefs: opt(arr(objectReference)),
  selectedClusterRefs: opt(arr(objectReference)),
});
export type ClusterSetStatus = Static<typeof clusterSetStatus>;

export const ClusterSetKind = defineKind({
  group: LIB_GROUP,
  version: LIB_VERSION,
  kind: 'ClusterSet',
  plural: 'clustersets',
  scope: 'Cluster',
  description: 'ClusterSet selects up to maxReplicas of the matching clusters.',
  spec: clusterSetSpec,
  specRequired: false,
  status: clusterSetStatus,
});
export type ClusterSet = ObjectOf<typeof ClusterSetKind>;

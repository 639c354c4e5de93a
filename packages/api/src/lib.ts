// lib.projectsveltos.io/v1beta1: EventSource, EventTrigger, EventReport, SveltosCluster, ClusterSet.

import { clusterInfo, labelFilter, profileShape, resourceSelector } from './common.ts';
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
/** The legacy version, served beside v1beta1 through the conversion webhook (docs/api-versions.md). */
export const LEGACY_VERSION = 'v1alpha1';
export const LIB_LEGACY_API_VERSION = `${LIB_GROUP}/${LEGACY_VERSION}` as const;

/** The string form of a label selector (`env=fv`, `env in (a,b)`, `!legacy`), used by the v1alpha1 API. */
const selectorString = (description: string) =>
  str({ description: `${description} A label selector in its string form, e.g. env=fv or env in (a,b).` });

// ---- EventSource ---------------------------------------------------------------------------------------

export const messagingMatchCriteria = obj({
  subject: opt(str({ description: 'NATS/JetStream subject (regular expression); empty means any.' })),
  cloudEventSource: opt(str({ description: 'CloudEvent source (regular expression).' })),
  cloudEventType: opt(str({ description: 'CloudEvent type (regular expression).' })),
  cloudEventSubject: opt(str({ description: 'CloudEvent subject (regular expression).' })),
});
export type MessagingMatchCriteria = Static<typeof messagingMatchCriteria>;

/** What both versions select with (v1alpha1 also has its flat form). */
const eventSourceSelection = {
  resourceSelectors: opt(arr(resourceSelector, { description: 'Which resources are part of the event.' })),
  aggregatedSelection: opt(
    str({
      description: 'Lua source defining `evaluate()` over all selected `resources`; returns {resources}.',
    }),
  ),
  collectResources: opt(
    bool({ default: false, description: 'Put the full matching objects into the EventReport.' }),
  ),
};

export const eventSourceSpec = obj({
  ...eventSourceSelection,
  messagingMatchCriteria: opt(arr(messagingMatchCriteria, { description: 'CloudEvents (NATS) that match.' })),
});
export type EventSourceSpec = Static<typeof eventSourceSpec>;

/** v1alpha1: the flat form of the first releases (one kind, `labelFilters`, a Lua `script`), or the
 * `resourceSelectors` of later ones. */
export const eventSourceSpecV1alpha1 = obj(
  {
    group: opt(str({ description: 'Flat form: API group of the resources ("" for the core group).' })),
    version: opt(str({ description: 'Flat form: API version of the resources.' })),
    kind: opt(str({ minLength: 1, description: 'Flat form: kind of the resources.' })),
    namespace: opt(str({ description: 'Flat form: namespace to look in; empty means all namespaces.' })),
    labelFilters: opt(arr(labelFilter, { description: 'Flat form: label conditions, ANDed.' })),
    script: opt(
      str({ description: 'Flat form: Lua source defining `evaluate()`; returns {matching, message}.' }),
    ),
    ...eventSourceSelection,
  },
  {
    rules: [
      {
        rule: '!(has(self.kind) && has(self.resourceSelectors))',
        message: 'use either the flat form (group, version, kind...) or resourceSelectors, not both',
      },
      {
        rule: 'has(self.kind) || !(has(self.group) || has(self.version) || has(self.namespace) || has(self.labelFilters) || has(self.script))',
        message:
          'group, version, namespace, labelFilters and script describe resources of a kind: kind is required',
      },
      { rule: '!has(self.kind) || has(self.version)', message: 'version is required with kind' },
    ],
  },
);
export type EventSourceSpecV1alpha1 = Static<typeof eventSourceSpecV1alpha1>;

export const EventSourceKind = defineKind({
  group: LIB_GROUP,
  version: LIB_VERSION,
  kind: 'EventSource',
  plural: 'eventsources',
  scope: 'Cluster',
  description: 'EventSource defines what an event is: resources (or CloudEvents) in a managed cluster.',
  spec: eventSourceSpec,
  specRequired: false,
  legacy: { version: LEGACY_VERSION, spec: eventSourceSpecV1alpha1, specRequired: false },
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

/** Both versions' report content (v1beta1 adds CloudEvents). */
const eventReportContent = {
  clusterNamespace: str({ description: 'Namespace of the cluster (empty in the agent-side copy).' }),
  clusterName: str({ description: 'Name of the cluster (empty in the agent-side copy).' }),
  clusterType: str({ description: 'Capi or Sveltos (empty in the agent-side copy).' }),
  eventSourceName: str({ description: 'The EventSource this report is for.' }),
  matchingResources: opt(arr(objectReference, { description: 'References to the matching resources.' })),
  resources: opt(
    bytes({ description: 'Matching objects as JSON, each followed by "---" (collectResources).' }),
  ),
};

export const eventReportSpec = obj({
  ...eventReportContent,
  cloudEvents: opt(arr(bytes(), { description: 'Matching CloudEvents (JSON), NATS only.' })),
});
export type EventReportSpec = Static<typeof eventReportSpec>;

/** v1alpha1: no CloudEvents. */
export const eventReportSpecV1alpha1 = obj(eventReportContent);

export const eventReportStatus = obj({
  phase: opt(strEnum(REPORT_PHASES)),
  failureMessage: opt(str({ description: 'Why the event-manager could not process the report.' })),
});
export type EventReportStatus = Static<typeof eventReportStatus>;

/** v1alpha1: the phase only. */
export const eventReportStatusV1alpha1 = obj({ phase: opt(strEnum(REPORT_PHASES)) });

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
  legacy: {
    version: LEGACY_VERSION,
    spec: eventReportSpecV1alpha1,
    status: eventReportStatusV1alpha1,
    specRequired: true,
  },
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

const sveltosClusterCommon = {
  kubeconfigName: opt(
    str({ description: 'Secret holding the kubeconfig; default <name>-sveltos-kubeconfig.' }),
  ),
  kubeconfigKeyName: opt(str({ description: 'Key of that Secret; default: its first key.' })),
  paused: opt(bool({ description: 'Stop all Sveltos processing for this cluster.' })),
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
};

export const sveltosClusterSpec = obj(
  {
    ...sveltosClusterCommon,
    pullMode: opt(
      bool({
        default: false,
        description: 'The agent in the cluster pulls its configuration. Immutable.',
        rules: [{ rule: 'self == oldSelf', message: 'Value is immutable' }],
      }),
    ),
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

/** v1alpha1: no pull mode, readiness/liveness checks or workload identity. */
export const sveltosClusterSpecV1alpha1 = obj(sveltosClusterCommon);

const sveltosClusterStatusCommon = {
  version: opt(str({ description: 'Kubernetes version of the cluster.' })),
  ready: opt(bool({ description: 'Whether Sveltos can manage the cluster.' })),
  connectionStatus: opt(strEnum(CONNECTION_STATUSES)),
  failureMessage: opt(str()),
  lastReconciledTokenRequestAt: opt(str()),
  nextUnpause: opt(dateTime()),
  nextPause: opt(dateTime()),
  connectionFailures: opt(int()),
};

export const sveltosClusterStatus = obj({
  ...sveltosClusterStatusCommon,
  agentLastReportTime: opt(dateTime()),
  activeWindowHash: opt(bytes()),
});
export type SveltosClusterStatus = Static<typeof sveltosClusterStatus>;

/** v1alpha1: no agent report time, no active window hash. */
export const sveltosClusterStatusV1alpha1 = obj(sveltosClusterStatusCommon);

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
  legacy: {
    version: LEGACY_VERSION,
    spec: sveltosClusterSpecV1alpha1,
    status: sveltosClusterStatusV1alpha1,
    specRequired: false,
  },
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

const clusterSetChoice = {
  clusterRefs: opt(arr(objectReference, { description: 'Clusters that can be selected.' })),
  maxReplicas: opt(int({ description: 'How many of the matching clusters are selected.' })),
};

export const clusterSetSpec = obj({
  clusterSelector: opt(doc(labelSelector, 'Clusters that can be selected.')),
  ...clusterSetChoice,
});
export type ClusterSetSpec = Static<typeof clusterSetSpec>;

/** v1alpha1: the cluster selector as a string. */
export const clusterSetSpecV1alpha1 = obj({
  clusterSelector: opt(selectorString('Clusters that can be selected.')),
  ...clusterSetChoice,
});

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
  legacy: {
    version: LEGACY_VERSION,
    spec: clusterSetSpecV1alpha1,
    status: clusterSetStatus,
    specRequired: false,
  },
});
export type ClusterSet = ObjectOf<typeof ClusterSetKind>;

// ---- EventBasedAddOn (v1alpha1 only) --------------------------------------------------------------------

/** The fields of the add-on description an EventBasedAddOn had. */
const { syncMode, stopMatchingBehavior, policyRefs, helmCharts, kustomizationRefs } = profileShape({
  templateResourceRefsAsMap: false,
});

/**
 * EventBasedAddOn, the name EventTrigger had in the v1alpha1 API. String selectors; every ConfigMap and
 * Secret in `policyRefs` is instantiated with the event (no annotation needed). The first releases called
 * the source selector `clusterSelector`, later ones `sourceClusterSelector`: either is accepted.
 */
export const eventBasedAddOnSpec = obj(
  {
    clusterSelector: opt(selectorString('Clusters where the event is watched (first releases).')),
    sourceClusterSelector: opt(selectorString('Clusters where the event is watched.')),
    destinationClusterSelector: opt(
      selectorString('Clusters where add-ons are deployed; default: the cluster where the event happened.'),
    ),
    eventSourceName: str({ minLength: 1, description: 'Name of the EventSource.' }),
    oneForEvent: opt(
      bool({
        description: 'One ClusterProfile per matching resource (true) or per cluster (false). Immutable.',
        rules: [{ rule: 'self == oldSelf', message: 'Value is immutable' }],
      }),
    ),
    syncMode,
    stopMatchingBehavior,
    policyRefs,
    helmCharts,
    kustomizationRefs,
  },
  {
    rules: [
      {
        rule: 'has(self.clusterSelector) != has(self.sourceClusterSelector)',
        message: 'set clusterSelector or sourceClusterSelector (its later name), exactly one of them',
      },
    ],
  },
);
export type EventBasedAddOnSpec = Static<typeof eventBasedAddOnSpec>;

export const EventBasedAddOnKind = defineKind({
  group: LIB_GROUP,
  version: LEGACY_VERSION,
  kind: 'EventBasedAddOn',
  plural: 'eventbasedaddons',
  scope: 'Cluster',
  description:
    'EventBasedAddOn (v1alpha1; now EventTrigger) says where to watch an EventSource and which add-ons to deploy when it fires; referenced ConfigMaps and Secrets are always instantiated with the event.',
  spec: eventBasedAddOnSpec,
  specRequired: true,
  status: eventTriggerStatus,
});
export type EventBasedAddOn = ObjectOf<typeof EventBasedAddOnKind>;

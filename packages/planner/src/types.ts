// Planner input and output shapes. Everything is plain data: the adapter reads objects from the API servers,
// calls plan(), and server-side-applies the result.

import type {
  CapiCluster,
  ClusterProfile,
  EventReport,
  EventTrigger,
  ObjectMeta,
  ObjectReference,
  ObjectWithData,
  SveltosCluster,
} from '@sveltos-ts/api';
import type { PlanWarning } from './errors.ts';

/** The cluster where the event happened, as read from the management cluster. */
export type SourceCluster = SveltosCluster | CapiCluster;

// Type literals, like the kinds of @sveltos-ts/api (`ObjectOf`), so that they are KubeObjects (and lookup
// results) while excess fields in a literal are still caught.
export type ConfigMap = {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: ObjectMeta;
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
};

export type Secret = {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: ObjectMeta;
  type?: string;
  /** base64 values, as on the wire. */
  data?: Record<string, string>;
  stringData?: Record<string, string>;
};

export interface ObjectKey {
  kind: string;
  /** Empty for cluster-scoped kinds (ClusterProfile). */
  namespace: string;
  name: string;
}

/** Reads one management-cluster object (ConfigMap, Secret, Flux source, ClusterProfile); undefined when it
 * does not exist. Must be free of side effects. */
export type Lookup = (key: ObjectKey) => ObjectWithData | undefined;

/** The decoded content of an EventReport. */
export interface EventContent {
  eventSourceName: string;
  matchingResources?: ObjectReference[];
  /** The collected objects (collectResources: true). */
  resources?: Record<string, unknown>[];
  /** CloudEvents, as JSON text or already parsed. */
  cloudEvents?: (string | Record<string, unknown>)[];
}

/** Objects this (EventTrigger, cluster) pair created before; used to reuse names and keep CloudEvent profiles. */
export interface ExistingObjects {
  clusterProfiles?: readonly ClusterProfile[];
  configMaps?: readonly ConfigMap[];
  secrets?: readonly Secret[];
}

export interface PlanOptions {
  /** Namespace of instantiated ConfigMaps/Secrets and generator outputs (event-manager NAMESPACE). */
  namespace?: string;
  /**
   * Name for a new object, given a stable identity string. Default: `sveltos-` + 20 characters of [0-9a-z]
   * derived from the identity, so planning stays a pure function (docs/design/planner.md).
   */
  newName?: (identity: string) => string;
  /** Enables env/expandenv in templates with this environment (off by default). */
  templateEnv?: ReadonlyMap<string, string>;
  /** Instantiate every ConfigMap/Secret of `policyRefs`, annotated or not: what an EventBasedAddOn (the
   * v1alpha1 EventTrigger) meant. */
  instantiatePolicyRefs?: boolean;
}

export interface PlanInput {
  eventTrigger: EventTrigger;
  /** The management-cluster EventReport, its decoded content, or undefined when there is none. */
  report: EventReport | EventContent | undefined;
  cluster: SourceCluster;
  lookup: Lookup;
  existing?: ExistingObjects;
  options?: PlanOptions;
  /** The EventSource name the caller already resolved for this cluster (`resolveEventSourceName`), so a
   * reconcile resolves a templated name once; resolved here when absent. */
  eventSourceName?: string;
}

export interface Plan {
  /** The EventSource name the trigger resolves to for this cluster. */
  eventSourceName: string;
  clusterProfiles: ClusterProfile[];
  configMaps: ConfigMap[];
  secrets: Secret[];
  /** Every object the plan looked up (found or not): what the adapter should watch for this pair. */
  references: ObjectKey[];
  warnings: PlanWarning[];
}

// What the event-manager's reconcilers share during one leadership term: the informers (process-wide), the
// cluster registry, and the term's own state (pair outcomes, the index of generated objects, the references
// each plan looked up). A new term starts from nothing and rebuilds it from the caches.

import {
  type ClusterProfile,
  CONFIG_API_VERSION,
  type EventReport,
  type EventSource,
  type EventTrigger,
  type LabelSelector,
  LIB_API_VERSION,
  type ObjectReference,
} from '@sveltos-ts/api';
import {
  type ClusterKey,
  type ClusterRegistry,
  clusterKeyString,
  selectorMatches,
} from '@sveltos-ts/clusters';
import type { EventRecorder, Informer, KubeObject, Logger, RestClient } from '@sveltos-ts/kube';
import { type Lookup, resolveEventSourceName, type SourceCluster } from '@sveltos-ts/planner';
import type { ControllerHandle, Manager } from '@sveltos-ts/runtime';
import type { EventManagerMetrics } from './metrics.ts';
import { OwnedIndex } from './owned-index.ts';
import { desiredHash, type PairKey, pairId } from './ownership.ts';

export const FIELD_MANAGER = 'sveltos-event-manager';

export type Generated = KubeObject & {
  data?: Record<string, string>;
  type?: string;
  spec?: Record<string, unknown>;
};

/** Where a report sits: its namespace and name. */
export interface ReportKey {
  namespace: string;
  name: string;
}

export type PairStatus = 'Provisioning' | 'Provisioned' | 'Failed' | 'Removing' | 'Removed';

/** What the last reconcile of a (trigger, cluster) pair concluded; trigger and report status read it. */
export interface PairOutcome {
  pair: PairKey;
  status: PairStatus;
  message?: string | undefined;
  /** The EventReport content (uid + generation) this outcome reflects. */
  report?: { key: string; uid: string; generation: number } | undefined;
}

/** The process-wide informers the event-manager reads (requested once, on every replica). */
export interface EventManagerInformers {
  triggers: Informer<EventTrigger & KubeObject>;
  sources: Informer<EventSource & KubeObject>;
  reports: Informer<EventReport & KubeObject>;
  profiles: Informer<ClusterProfile & KubeObject>;
  configMaps: Informer<Generated>;
  secrets: Informer<Generated>;
}

export function eventManagerInformers(manager: Manager): EventManagerInformers {
  const cache = manager.cache;
  return {
    triggers: cache.informer({ apiVersion: LIB_API_VERSION, kind: 'EventTrigger' }),
    sources: cache.informer({ apiVersion: LIB_API_VERSION, kind: 'EventSource' }),
    reports: cache.informer({ apiVersion: LIB_API_VERSION, kind: 'EventReport' }),
    // every profile, not only ours: the addon-controller in the same process shares this informer
    profiles: cache.informer({ apiVersion: CONFIG_API_VERSION, kind: 'ClusterProfile' }),
    configMaps: cache.informer({ apiVersion: 'v1', kind: 'ConfigMap' }),
    secrets: cache.informer({ apiVersion: 'v1', kind: 'Secret' }),
  };
}

export interface EventManagerSettings {
  /** Namespace of instantiated ConfigMaps/Secrets and generator outputs (upstream NAMESPACE). */
  namespace: string;
  /** Handle only EventTriggers whose labels match (undefined: all). */
  eventTriggerSelector?: LabelSelector | undefined;
  /** Concurrent reconciles of the busiest units (default 8). */
  workers?: number | undefined;
}

/** The queues of the term's controllers, so one unit can wake another. */
export interface EventManagerQueues {
  trigger: ControllerHandle<string>;
  triggerStatus: ControllerHandle<string>;
  reportStatus: ControllerHandle<ReportKey>;
  copies: ControllerHandle<ClusterKey>;
  pair: ControllerHandle<PairKey>;
}

export class EventManagerContext {
  readonly settings: EventManagerSettings;
  readonly client: RestClient;
  readonly logger: Logger;
  readonly recorder: EventRecorder;
  readonly metrics: EventManagerMetrics;
  readonly informers: EventManagerInformers;
  readonly registry: ClusterRegistry;
  readonly outcomes = new Map<string, PairOutcome>();
  readonly owned: OwnedIndex;
  /** Referenced object (`kind|ns|name`) → pairs whose last plan looked it up. */
  readonly #references = new Map<string, Map<string, PairKey>>();
  readonly #pairReferences = new Map<string, string[]>();
  /** What we last applied (hash, resulting resourceVersion): skips no-op applies; lost with the term. */
  readonly #applied = new Map<string, { hash: string; resourceVersion: string; generation?: number }>();
  /** Per API server: fingerprint of the EventSource copies last synced there. */
  readonly sourceSync = new Map<string, string>();
  /** Set right after the controllers are added, before any of them runs. */
  queues!: EventManagerQueues;

  constructor(
    manager: Manager,
    settings: EventManagerSettings,
    informers: EventManagerInformers,
    metrics: EventManagerMetrics,
  ) {
    this.settings = settings;
    this.client = manager.client;
    this.logger = manager.logger;
    this.recorder = manager.recorder('event-manager');
    this.metrics = metrics;
    this.informers = informers;
    this.registry = manager.clusters();
    this.owned = new OwnedIndex(settings.namespace, {
      changed: (pair, written) => {
        // our own write coming back (the version we applied): the pair already knows; a deletion always wakes
        const ours =
          written !== undefined &&
          this.#applied.get(objectId(written))?.resourceVersion === written.metadata.resourceVersion;
        if (!ours) this.#wakePair(pair);
      },
      deleted: (o) => this.#applied.delete(objectId(o)),
    });
  }

  /** Whether this manager handles the trigger (its labels match the configured selector). */
  mine(et: EventTrigger): boolean {
    const s = this.settings.eventTriggerSelector;
    return s === undefined || selectorMatches(s, et.metadata?.labels);
  }

  myTriggers(): (EventTrigger & KubeObject)[] {
    return this.informers.triggers.list().filter((et) => this.mine(et));
  }

  /** Matching clusters: selector over registered clusters ∪ ClusterSet selections (deduplicated). A cluster
   * that cannot be reached still matches: its pairs wait for it instead of deleting what they made.
   * Throws INVALID_SELECTOR. */
  matching(et: EventTrigger): ObjectReference[] {
    const out = new Map<string, ObjectReference>();
    for (const c of this.registry.labelled(et.spec.sourceClusterSelector)) out.set(c.key, c.ref);
    for (const ref of this.registry.clusterSetSelection(et.spec.clusterSetRefs ?? [])) {
      const key = refKey(ref);
      if (key !== undefined && !out.has(key)) out.set(key, ref);
    }
    return [...out.values()];
  }

  /** Whether the trigger matches the cluster now (an invalid selector matches nothing): `matching` for one
   * cluster, without walking the fleet — it is asked per (trigger, cluster). */
  matches(et: EventTrigger, cluster: string): boolean {
    if (et.metadata.deletionTimestamp) return false;
    const registered = this.registry.get(cluster);
    let bySelector: boolean;
    try {
      bySelector = selectorMatches(et.spec.sourceClusterSelector, registered?.labels);
    } catch {
      return false;
    }
    if (registered && bySelector) return true;
    return this.registry.clusterSetSelection(et.spec.clusterSetRefs ?? []).some((r) => refKey(r) === cluster);
  }

  /** The EventSource a trigger uses for a cluster (its name may be a template); undefined when it fails. */
  resolve(et: EventTrigger, cluster: SourceCluster): string | undefined {
    try {
      return resolveEventSourceName(et, cluster);
    } catch {
      return undefined;
    }
  }

  /** Lookup over the informer caches (the planner needs a synchronous, side-effect-free lookup). */
  readonly lookup: Lookup = (k) => {
    if (k.kind === 'ConfigMap') return this.informers.configMaps.get(`${k.namespace}/${k.name}`);
    if (k.kind === 'Secret') return this.informers.secrets.get(`${k.namespace}/${k.name}`);
    if (k.kind === 'ClusterProfile') return this.informers.profiles.get(k.name);
    return undefined;
  };

  /** The cached object a generated object's identity points at. */
  cached(o: {
    kind: string;
    metadata: { name: string; namespace?: string | undefined };
  }): Generated | undefined {
    if (o.kind === 'ClusterProfile') return this.informers.profiles.get(o.metadata.name);
    const informer = o.kind === 'ConfigMap' ? this.informers.configMaps : this.informers.secrets;
    return informer.get(`${o.metadata.namespace}/${o.metadata.name}`);
  }

  outcome(pair: PairKey): PairOutcome | undefined {
    return this.outcomes.get(pairId(pair));
  }

  setOutcome(outcome: PairOutcome): void {
    this.outcomes.set(pairId(outcome.pair), outcome);
  }

  /** Every cluster a trigger has to look at: matching now, recorded in its status, owning generated
   * objects, or with an outcome this term. */
  clustersOf(et: EventTrigger | undefined, name: string): Map<string, ClusterKey> {
    const out = new Map<string, ClusterKey>();
    const add = (k: ClusterKey | undefined) => {
      if (k !== undefined && !out.has(clusterKeyString(k))) out.set(clusterKeyString(k), k);
    };
    if (et && !et.metadata.deletionTimestamp) {
      try {
        for (const r of this.matching(et)) add(keyOfRef(r));
      } catch {
        // an invalid selector matches nothing; the trigger reconcile reports it
      }
    }
    for (const info of et?.status?.clusterInfo ?? []) add(keyOfRef(info.cluster));
    for (const [type, namespace, clusterName] of this.owned.clustersOf(name)) {
      if (type === 'Sveltos' || type === 'Capi') add({ type, namespace, name: clusterName });
    }
    for (const o of this.outcomes.values()) if (o.pair.eventTrigger === name) add(o.pair.cluster);
    return out;
  }

  /** A cluster changed (labels, readiness, shard, kubeconfig) or went away: the pairs it can affect are those
   * of the triggers matching it now and those this term has an outcome for (what was deployed for it). */
  wakePairsOf(cluster: ClusterKey): void {
    const key = clusterKeyString(cluster);
    const pairCluster: ClusterKey = { type: cluster.type, namespace: cluster.namespace, name: cluster.name };
    for (const et of this.myTriggers()) {
      const pair = { eventTrigger: et.metadata.name, cluster: pairCluster };
      if (this.matches(et, key) || this.outcomes.has(pairId(pair))) this.queues.pair.add(pair);
    }
  }

  /** Remembers what a pair's plan looked up, so a change to any of those objects wakes the pair. */
  trackReferences(
    pair: PairKey,
    references: ReadonlyArray<{ kind: string; namespace: string; name: string }>,
  ): void {
    const id = pairId(pair);
    for (const r of this.#pairReferences.get(id) ?? []) this.#references.get(r)?.delete(id);
    const refs = references.map((r) => `${r.kind}|${r.namespace}|${r.name}`);
    this.#pairReferences.set(id, refs);
    for (const r of refs) {
      const pairs = this.#references.get(r) ?? new Map<string, PairKey>();
      this.#references.set(r, pairs);
      pairs.set(id, pair);
    }
  }

  /** Pairs whose last plan looked up this ConfigMap/Secret. */
  referencing(o: { kind: string; metadata: { name: string; namespace?: string | undefined } }): PairKey[] {
    return [...(this.#references.get(objectId(o))?.values() ?? [])];
  }

  /** Server-side apply unless the same desired object was applied and nobody changed it since. Returns
   * true when the object changed. */
  async apply(o: Generated): Promise<boolean> {
    const id = objectId(o);
    const hash = desiredHash(o);
    const cached = this.cached(o);
    const last = this.#applied.get(id);
    if (cached && last && last.hash === hash && unchangedSince(cached, last, o)) return false;
    const result = await this.client.apply(o, { fieldManager: FIELD_MANAGER, force: true });
    const resourceVersion = result.metadata.resourceVersion ?? '';
    this.#applied.set(id, {
      hash,
      resourceVersion,
      ...(result.metadata.generation !== undefined ? { generation: result.metadata.generation } : {}),
    });
    return cached?.metadata.resourceVersion !== resourceVersion;
  }

  /** Wakes the pair an object we generated belongs to, unless another manager handles its trigger. */
  #wakePair(pair: PairKey): void {
    const et = this.informers.triggers.get(pair.eventTrigger);
    if (et !== undefined && !this.mine(et)) return;
    this.queues?.pair.add(pair);
  }
}

/**
 * Whether what we applied is still there: the same version, or — for a ClusterProfile, whose spec changes move
 * its generation — the same generation with our labels and annotations intact (the addon-controller adds a
 * finalizer and writes status to every profile; re-applying each one after that doubled the writes).
 */
function unchangedSince(
  cached: Generated,
  last: { resourceVersion: string; generation?: number },
  desired: Generated,
): boolean {
  if (cached.metadata.resourceVersion === last.resourceVersion) return true;
  if (desired.kind !== 'ClusterProfile') return false;
  if (last.generation === undefined || cached.metadata.generation !== last.generation) return false;
  const kept = (mine: Record<string, string> | undefined, theirs: Record<string, string> | undefined) =>
    Object.entries(mine ?? {}).every(([k, v]) => theirs?.[k] === v);
  return (
    kept(desired.metadata.labels, cached.metadata.labels) &&
    kept(desired.metadata.annotations, cached.metadata.annotations)
  );
}

export function objectId(o: {
  kind: string;
  metadata: { namespace?: string | undefined; name: string };
}): string {
  return `${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;
}

/** The registry key of a cluster reference (SveltosCluster or CAPI Cluster), undefined for anything else. */
export function refKey(r: ObjectReference): string | undefined {
  const key = keyOfRef(r);
  return key && clusterKeyString(key);
}

/** The registry key of a cluster reference, as a structured key. */
export function keyOfRef(r: ObjectReference): ClusterKey | undefined {
  const type = r.kind === 'Cluster' ? 'Capi' : r.kind === 'SveltosCluster' ? 'Sveltos' : undefined;
  return type && r.namespace && r.name ? { type, namespace: r.namespace, name: r.name } : undefined;
}

export function refOfKey(c: ClusterKey): ObjectReference {
  return c.type === 'Capi'
    ? { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster', namespace: c.namespace, name: c.name }
    : { apiVersion: LIB_API_VERSION, kind: 'SveltosCluster', namespace: c.namespace, name: c.name };
}

export function ref(o: {
  apiVersion: string;
  kind: string;
  metadata: { namespace?: string | undefined; name: string };
}) {
  return { apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name };
}

export function involved(o: {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string | undefined; uid?: string | undefined };
}) {
  return {
    apiVersion: o.apiVersion ?? '',
    kind: o.kind ?? '',
    name: o.metadata?.name ?? '',
    namespace: o.metadata?.namespace,
    uid: o.metadata?.uid,
  };
}

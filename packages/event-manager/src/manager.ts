// The event-manager: distributes EventSources to matching clusters, consumes EventReports as they change,
// and applies the planner's desired ClusterProfiles/ConfigMaps/Secrets. Watch-driven; every decision is
// re-derived from cluster state, so a crash at any point converges on restart (docs/design/event-manager.md).

import type { KubeConfig } from '@kubernetes/client-node';
import {
  type ClusterProfile,
  CONFIG_API_VERSION,
  DEPLOYED_BY_SVELTOS_ANNOTATION,
  EVENT_REPORT_CHANGED_AT_ANNOTATION,
  EVENT_TRIGGER_FINALIZER,
  EVENT_TRIGGER_NAME_LABEL,
  type EventReport,
  type EventSource,
  type EventTrigger,
  eventReportName,
  type LabelSelector,
  LIB_API_VERSION,
  type ObjectReference,
  SVELTOS_NAMESPACE,
} from '@sveltos-ts/api';
import {
  ClusterError,
  type ClusterKey,
  ClusterRegistry,
  clusterKeyString,
  type RegisteredCluster,
  selectorMatches,
} from '@sveltos-ts/clusters';
import {
  EventRecorder,
  Informer,
  KubeError,
  type KubeObject,
  type Logger,
  type ReconcileResult,
  RestClient,
  silentLogger,
  TerminalError,
  WorkQueue,
  whileLeading,
} from '@sveltos-ts/kube';
import {
  type ConfigMap,
  type ExistingObjects,
  type Lookup,
  ownershipSelector,
  type Plan,
  PlanError,
  plan,
  resolveEventSourceName,
  type Secret,
  type SourceCluster,
} from '@sveltos-ts/planner';
import { Registry } from 'prom-client';
import { type ManagerMetrics, managerMetrics } from './metrics.ts';
import {
  desiredHash,
  ownershipDiff,
  ownerTuple,
  pairKey,
  pairOfLabels,
  parsePairKey,
  reportStatusKey,
  triggerKey,
  triggerStatusKey,
} from './ownership.ts';
import { acceptReport, claimedCluster, consumers, reportEventSource } from './routing.ts';

export const FIELD_MANAGER = 'sveltos-event-manager';
/** Set by the agent on every EventReport content change: when the event was observed (ISO 8601, ms). */
export { EVENT_REPORT_CHANGED_AT_ANNOTATION };

export interface EventManagerOptions {
  managementKubeConfig: KubeConfig;
  logger?: Logger;
  /** prom-client registry for the metrics (a private one by default). */
  metrics?: Registry;
  /** Namespace of instantiated ConfigMaps/Secrets and generator outputs (upstream NAMESPACE). */
  namespace?: string;
  /** Handle only EventTriggers whose labels match (undefined: all). Lets several managers share a cluster. */
  eventTriggerSelector?: LabelSelector;
  /** Concurrent reconciles (default 8). */
  workers?: number;
  /** SveltosCluster probe interval (default 60 s). */
  probeIntervalMs?: number;
  /** Lease-based leader election: only the leader reconciles. Off when undefined. */
  leaderElection?: { namespace: string; name?: string; identity?: string; leaseDurationSeconds?: number };
}

export interface RunningEventManager {
  /** True once informers synced and workers run (on the leader). */
  ready(): boolean;
  readonly registry: ClusterRegistry | undefined;
  stop(): Promise<void>;
}

type Status = 'Provisioning' | 'Provisioned' | 'Failed' | 'Removing' | 'Removed';

interface Outcome {
  status: Status;
  message?: string;
  /** The EventReport content (uid + generation) this outcome reflects. */
  report?: { key: string; uid: string; generation: number };
}

type Obj = KubeObject & { data?: Record<string, string>; type?: string; spec?: Record<string, unknown> };

const isTerminalPlan = (e: unknown): boolean => e instanceof PlanError && !e.retryable;

/** Starts the event-manager in this process; with leader election it starts reconciling once leading. */
export async function startEventManager(options: EventManagerOptions): Promise<RunningEventManager> {
  const logger = options.logger ?? silentLogger;
  if (!options.leaderElection) {
    const m = new EventManager(options, logger);
    await m.start();
    return { ready: () => m.isReady, registry: m.registry, stop: () => m.stop() };
  }
  const le = options.leaderElection;
  const leader = whileLeading(
    {
      client: new RestClient(options.managementKubeConfig),
      namespace: le.namespace,
      name: le.name ?? 'event-manager',
      identity: le.identity,
      leaseDurationSeconds: le.leaseDurationSeconds,
      logger,
    },
    () => new EventManager(options, logger),
  );
  return {
    ready: () => leader.current()?.isReady ?? false,
    get registry() {
      return leader.current()?.registry;
    },
    stop: () => leader.stop(),
  };
}

class EventManager {
  readonly #options: EventManagerOptions;
  readonly #logger: Logger;
  readonly #client: RestClient;
  readonly #namespace: string;
  readonly #metrics: ManagerMetrics;
  readonly #recorder: EventRecorder;
  readonly #queue: WorkQueue<string>;
  readonly #triggers: Informer<EventTrigger & KubeObject>;
  readonly #sources: Informer<EventSource & KubeObject>;
  readonly #reports: Informer<EventReport & KubeObject>;
  readonly #profiles: Informer<ClusterProfile & KubeObject>;
  readonly #configMaps: Informer<Obj>;
  readonly #secrets: Informer<Obj>;
  readonly registry: ClusterRegistry;
  /** Pair outcomes: re-derived by reconciling every pair after a restart. */
  readonly #outcomes = new Map<string, Outcome>();
  /** Owner tuple → keys (`kind|ns|name`) of the objects carrying it. */
  readonly #owned = new Map<string, Set<string>>();
  /** Referenced object (`kind|ns|name`) → pairs whose last plan looked it up. */
  readonly #references = new Map<string, Set<string>>();
  readonly #pairReferences = new Map<string, string[]>();
  /** What we last applied (hash, resulting resourceVersion): skips no-op applies; lost on restart, harmless. */
  readonly #applied = new Map<string, { hash: string; resourceVersion: string }>();
  /** Per API server: fingerprint of the EventSource copies last synced there. */
  readonly #sourceSync = new Map<string, string>();
  #running: Promise<void> | undefined;
  #ready = false;
  #stopped = false;

  constructor(options: EventManagerOptions, logger: Logger) {
    this.#options = options;
    this.#logger = logger;
    this.#client = new RestClient(options.managementKubeConfig);
    this.#namespace = options.namespace ?? SVELTOS_NAMESPACE;
    this.#queue = new WorkQueue({ logger, baseDelayMs: 200, maxDelayMs: 30_000 });
    this.#metrics = managerMetrics(options.metrics ?? new Registry(), () => this.#queue.length);
    this.#recorder = new EventRecorder(this.#client, logger, 'event-manager');
    const inf = <T extends KubeObject>(apiVersion: string, kind: string, labelSelector?: string) =>
      new Informer<T>(this.#client, { apiVersion, kind, labelSelector, logger });
    this.#triggers = inf(LIB_API_VERSION, 'EventTrigger');
    this.#sources = inf(LIB_API_VERSION, 'EventSource');
    this.#reports = inf(LIB_API_VERSION, 'EventReport');
    this.#profiles = inf(CONFIG_API_VERSION, 'ClusterProfile', EVENT_TRIGGER_NAME_LABEL);
    this.#configMaps = inf('v1', 'ConfigMap');
    this.#secrets = inf('v1', 'Secret');
    this.registry = new ClusterRegistry({
      client: this.#client,
      logger,
      secrets: this.#secrets,
      ...(options.probeIntervalMs ? { probeIntervalMs: options.probeIntervalMs } : {}),
    });
  }

  get isReady(): boolean {
    return this.#ready;
  }

  async start(): Promise<void> {
    await this.#ensureNamespace();
    this.#wireHandlers();
    const informers = [
      this.#triggers,
      this.#sources,
      this.#reports,
      this.#profiles,
      this.#configMaps,
      this.#secrets,
    ];
    for (const i of informers) i.start();
    await this.registry.start();
    await Promise.all(informers.map((i) => i.waitForSync()));
    if (this.#stopped) return;
    // nothing runs before every cache is complete: an absent report must really mean "no report"
    for (const et of this.#triggers.list()) if (this.#mine(et)) this.#queue.add(triggerKey(et.metadata.name));
    for (const o of [...this.#profiles.list(), ...this.#configMaps.list(), ...this.#secrets.list()])
      this.#onOwned(o);
    this.#running = this.#queue.run(this.#options.workers ?? 8, (key) => this.#reconcile(key));
    this.#ready = true;
    this.#logger.info('event-manager started', { namespace: this.#namespace });
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#ready = false;
    this.#queue.shutdown();
    await this.#running;
    await Promise.all(
      [this.#triggers, this.#sources, this.#reports, this.#profiles, this.#configMaps].map((i) => i.stop()),
    );
    await this.registry.stop();
    await this.#secrets.stop();
  }

  async #ensureNamespace(): Promise<void> {
    try {
      await this.#client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: this.#namespace } });
    } catch (error) {
      if (!(error instanceof KubeError && (error.code === 'ALREADY_EXISTS' || error.code === 'CONFLICT'))) {
        if (!(error instanceof KubeError && error.code === 'FORBIDDEN')) throw error;
      }
    }
  }

  // ---- watches → keys --------------------------------------------------------------------------------

  #mine(et: EventTrigger): boolean {
    const s = this.#options.eventTriggerSelector;
    return s === undefined || selectorMatches(s, et.metadata?.labels);
  }

  #myTriggers(): (EventTrigger & KubeObject)[] {
    return this.#triggers.list().filter((et) => this.#mine(et));
  }

  #enqueueAllTriggers(): void {
    for (const et of this.#myTriggers()) this.#queue.add(triggerKey(et.metadata.name));
  }

  #wireHandlers(): void {
    this.#triggers.on((e) => {
      const et = e.object;
      if (e.type === 'update') {
        const changed =
          et.metadata.generation !== e.old.metadata.generation ||
          et.metadata.deletionTimestamp !== e.old.metadata.deletionTimestamp ||
          JSON.stringify(et.metadata.labels) !== JSON.stringify(e.old.metadata.labels);
        if (!changed) return;
      }
      if (this.#mine(et) || e.type === 'delete') this.#queue.add(triggerKey(et.metadata.name));
    });
    this.#sources.on((e) => {
      if (e.type === 'update' && JSON.stringify(e.object.spec) === JSON.stringify(e.old.spec)) return;
      this.#sourceSync.clear();
      this.#enqueueAllTriggers();
    });
    this.#reports.on((e) => {
      const r = e.object;
      if (
        e.type === 'update' &&
        r.metadata.generation === e.old.metadata.generation &&
        r.metadata.deletionTimestamp === e.old.metadata.deletionTimestamp &&
        JSON.stringify(r.metadata.labels) === JSON.stringify(e.old.metadata.labels)
      ) {
        return; // status-only (ours) or unrelated metadata change
      }
      this.#routeReport(r);
    });
    const owned = (e: { object: Obj }) => this.#onOwned(e.object);
    this.#profiles.on((e) => (e.type === 'delete' ? this.#onOwnedDeleted(e.object) : owned(e)));
    for (const informer of [this.#configMaps, this.#secrets]) {
      informer.on((e) => {
        if (e.type === 'delete') this.#onOwnedDeleted(e.object);
        else if (e.object.metadata.namespace === this.#namespace) owned(e);
        const refs = this.#references.get(objectId(e.object));
        if (refs) for (const p of refs) this.#queue.add(p);
      });
    }
    this.registry.on((e) => {
      if (e.type === 'clusterset-changed') {
        for (const et of this.#myTriggers()) {
          if (et.spec.clusterSetRefs?.includes(e.name)) this.#queue.add(triggerKey(et.metadata.name));
        }
        return;
      }
      this.#enqueueAllTriggers();
    });
  }

  /** Indexes an object we generated (by its ownership labels) and wakes its pair. */
  #onOwned(o: Obj): void {
    const tuple = ownerTuple(o.metadata.labels);
    if (tuple === undefined) return;
    if (o.kind !== 'ClusterProfile' && o.metadata.namespace !== this.#namespace) return;
    const set = this.#owned.get(tuple) ?? new Set<string>();
    this.#owned.set(tuple, set);
    set.add(objectId(o));
    this.#wakePairOf(o);
  }

  #onOwnedDeleted(o: Obj): void {
    const tuple = ownerTuple(o.metadata.labels);
    if (tuple === undefined) return;
    this.#owned.get(tuple)?.delete(objectId(o));
    this.#applied.delete(objectId(o));
    this.#wakePairOf(o);
  }

  #wakePairOf(o: Obj): void {
    const pair = pairOfLabels(o.metadata.labels);
    if (pair === undefined) return;
    const et = this.#triggers.get(pair.eventTrigger);
    // objects of a trigger another manager handles are not ours to touch
    if (et !== undefined && !this.#mine(et)) return;
    this.#queue.add(pairKey(pair.eventTrigger, pair.cluster));
  }

  #routeReport(report: EventReport): void {
    const key = claimedCluster(report);
    this.#queue.add(reportStatusKey(report.metadata.namespace ?? '', report.metadata.name ?? ''));
    if (key === undefined) return;
    const cluster = this.registry.get(key);
    const eventSource = reportEventSource(report);
    for (const et of this.#myTriggers()) {
      const resolved = cluster ? this.#resolve(et, cluster.object) : et.spec.eventSourceName;
      if (resolved === eventSource) this.#queue.add(pairKey(et.metadata.name, key));
    }
  }

  #resolve(et: EventTrigger, cluster: SourceCluster): string | undefined {
    try {
      return resolveEventSourceName(et, cluster);
    } catch {
      return undefined;
    }
  }

  // ---- reconcile dispatch -----------------------------------------------------------------------------

  async #reconcile(key: string): Promise<ReconcileResult | undefined> {
    const unit = key.startsWith('T:')
      ? 'trigger'
      : key.startsWith('S:')
        ? 'trigger_status'
        : key.startsWith('P:')
          ? 'pair'
          : 'report_status';
    const end = this.#metrics.reconcileSeconds.startTimer({ unit });
    try {
      const result =
        unit === 'trigger'
          ? await this.#reconcileTrigger(key.slice(2))
          : unit === 'trigger_status'
            ? await this.#reconcileTriggerStatus(key.slice(2))
            : unit === 'pair'
              ? await this.#reconcilePair(key)
              : await this.#reconcileReportStatus(key.slice(2));
      this.#metrics.reconciles.inc({ unit, result: result?.requeueAfterMs ? 'requeue' : 'success' });
      return result;
    } catch (error) {
      this.#metrics.reconciles.inc({ unit, result: error instanceof TerminalError ? 'terminal' : 'error' });
      throw error;
    } finally {
      end();
    }
  }

  // ---- EventTrigger ---------------------------------------------------------------------------------

  /** Matching clusters: selector over ready registered clusters ∪ ClusterSet selections (deduplicated). */
  #matching(et: EventTrigger): ObjectReference[] {
    const out = new Map<string, ObjectReference>();
    for (const c of this.registry.matching(et.spec.sourceClusterSelector)) out.set(c.key, c.ref);
    for (const ref of this.registry.clusterSetSelection(et.spec.clusterSetRefs ?? [])) {
      const key = refKey(ref);
      if (key !== undefined && !out.has(key)) out.set(key, ref);
    }
    return [...out.values()];
  }

  /** Every cluster a trigger has to look at: matching now, recorded in status, or owning objects. */
  #clustersOf(et: EventTrigger | undefined, name: string): Map<string, ObjectReference | ClusterKey> {
    const out = new Map<string, ObjectReference | ClusterKey>();
    if (et && !et.metadata.deletionTimestamp) {
      try {
        for (const ref of this.#matching(et)) out.set(refKey(ref)!, ref);
      } catch {
        // an invalid selector matches nothing; the trigger reconcile reports it
      }
    }
    for (const info of et?.status?.clusterInfo ?? []) {
      const k = refKey(info.cluster);
      if (k !== undefined && !out.has(k)) out.set(k, info.cluster);
    }
    for (const tuple of this.#owned.keys()) {
      const [etName, type, namespace, clusterName] = JSON.parse(tuple) as string[];
      if (etName !== name || (type !== 'Sveltos' && type !== 'Capi')) continue;
      const k = clusterKeyString({ type, namespace: namespace!, name: clusterName! });
      if (!out.has(k) && (this.#owned.get(tuple)?.size ?? 0) > 0) {
        out.set(k, { type, namespace: namespace!, name: clusterName! });
      }
    }
    for (const p of this.#outcomes.keys()) {
      const parsed = parsePairKey(p);
      if (parsed?.eventTrigger === name && !out.has(clusterKeyString(parsed.cluster))) {
        out.set(clusterKeyString(parsed.cluster), parsed.cluster);
      }
    }
    return out;
  }

  async #reconcileTrigger(name: string): Promise<ReconcileResult | undefined> {
    const et = this.#triggers.get(name);
    if (et && !this.#mine(et)) return undefined;
    if (et && !et.metadata.deletionTimestamp) {
      try {
        this.#matching(et);
      } catch (error) {
        this.#recorder.record(involved(et), 'Warning', 'InvalidClusterSelector', (error as Error).message);
      }
      if (!(et.metadata.finalizers ?? []).includes(EVENT_TRIGGER_FINALIZER)) {
        await this.#client.mergePatch(ref(et), {
          metadata: {
            finalizers: [...(et.metadata.finalizers ?? []), EVENT_TRIGGER_FINALIZER],
            resourceVersion: et.metadata.resourceVersion,
          },
        });
      }
    }
    for (const k of this.#clustersOf(et, name).keys()) {
      const cluster = parseKey(k);
      if (cluster) this.#queue.add(pairKey(name, cluster));
    }
    if (et) this.#queue.add(triggerStatusKey(name));
    return undefined;
  }

  async #reconcileTriggerStatus(name: string): Promise<ReconcileResult | undefined> {
    const et = this.#triggers.get(name);
    if (!et || !this.#mine(et)) return undefined;
    let matching: ObjectReference[] = [];
    if (!et.metadata.deletionTimestamp) {
      try {
        matching = this.#matching(et);
      } catch {
        matching = [];
      }
    }
    const clusterInfo = [];
    let pending = false;
    for (const [k, c] of this.#clustersOf(et, name)) {
      const cluster = parseKey(k)!;
      const outcome = this.#outcomes.get(pairKey(name, cluster));
      if (outcome?.status === 'Removed') continue;
      pending = true;
      const clusterRef = 'type' in c ? (this.registry.get(c)?.ref ?? refOfKey(c)) : c;
      clusterInfo.push({
        cluster: clusterRef,
        status: outcome?.status ?? 'Provisioning',
        ...(outcome?.message ? { failureMessage: outcome.message } : {}),
      });
    }
    const status = { matchingClusters: matching, clusterInfo };
    const current = {
      matchingClusters: et.status?.matchingClusters ?? [],
      clusterInfo: et.status?.clusterInfo ?? [],
    };
    if (JSON.stringify(current) !== JSON.stringify(status)) {
      try {
        await this.#client.request('PATCH', await this.#client.path(ref(et), 'status'), {
          query: { fieldManager: FIELD_MANAGER },
          body: { status },
          contentType: 'application/merge-patch+json',
        });
      } catch (error) {
        if (!(error instanceof KubeError && error.code === 'NOT_FOUND')) throw error;
      }
    }
    if (
      et.metadata.deletionTimestamp &&
      !pending &&
      (et.metadata.finalizers ?? []).includes(EVENT_TRIGGER_FINALIZER)
    ) {
      await this.#client.mergePatch(ref(et), {
        metadata: {
          finalizers: (et.metadata.finalizers ?? []).filter((f) => f !== EVENT_TRIGGER_FINALIZER),
          resourceVersion: et.metadata.resourceVersion,
        },
      });
      for (const p of [...this.#outcomes.keys()])
        if (parsePairKey(p)?.eventTrigger === name) this.#outcomes.delete(p);
    }
    return undefined;
  }

  // ---- (EventTrigger, cluster) ------------------------------------------------------------------------

  async #reconcilePair(key: string): Promise<ReconcileResult | undefined> {
    const { eventTrigger: name, cluster: ck } = parsePairKey(key)!;
    const et = this.#triggers.get(name);
    if (et && !this.#mine(et)) return undefined;
    const cluster = this.registry.get(ck);
    let wanted = false;
    if (et && !et.metadata.deletionTimestamp) {
      try {
        wanted = this.#matching(et).some((r) => refKey(r) === clusterKeyString(ck));
      } catch {
        wanted = false;
      }
    }
    const reportKey = cluster ? this.#expectedReportKey(et, cluster) : undefined;
    try {
      const result = wanted
        ? await this.#deploy(key, et!, ck, cluster)
        : await this.#undeploy(key, name, ck, cluster, et);
      return result;
    } catch (error) {
      const message = (error as Error).message;
      this.#outcomes.set(key, { status: 'Failed', message, ...this.#reportStamp(reportKey) });
      if (et) {
        this.#recorder.record(
          involved(et),
          'Warning',
          'ProcessingFailed',
          `cluster ${clusterKeyString(ck)}: ${message}`,
        );
      }
      const terminal =
        isTerminalPlan(error) ||
        (error instanceof KubeError && !error.retryable && error.code !== 'NOT_FOUND') ||
        (error instanceof ClusterError && !error.retryable);
      if (terminal) throw new TerminalError(codeOf(error), message, { cause: error });
      throw error;
    } finally {
      this.#queue.add(triggerStatusKey(name));
      if (reportKey) this.#queue.add(reportStatusKey(...splitKey(reportKey)));
    }
  }

  #expectedReportKey(et: EventTrigger | undefined, cluster: RegisteredCluster): string | undefined {
    if (!et) return undefined;
    const es = this.#resolve(et, cluster.object);
    return es === undefined
      ? undefined
      : `${cluster.namespace}/${eventReportName(cluster.type, es, cluster.name)}`;
  }

  #reportStamp(reportKey: string | undefined): Pick<Outcome, 'report'> {
    const r = reportKey ? this.#reports.get(reportKey) : undefined;
    return r
      ? { report: { key: reportKey!, uid: r.metadata.uid ?? '', generation: r.metadata.generation ?? 0 } }
      : {};
  }

  /** Objects a pair owns, from the caches (ClusterProfiles anywhere, ConfigMaps/Secrets in our namespace). */
  #ownedBy(tuple: string): Obj[] {
    const out: Obj[] = [];
    for (const id of this.#owned.get(tuple) ?? []) {
      const [kind, ns, name] = id.split('|') as [string, string, string];
      const o =
        kind === 'ClusterProfile'
          ? this.#profiles.get(name)
          : kind === 'ConfigMap'
            ? this.#configMaps.get(`${ns}/${name}`)
            : this.#secrets.get(`${ns}/${name}`);
      if (o && ownerTuple(o.metadata.labels) === tuple) out.push(o);
    }
    return out;
  }

  async #deploy(
    key: string,
    et: EventTrigger,
    ck: ClusterKey,
    cluster: RegisteredCluster | undefined,
  ): Promise<ReconcileResult | undefined> {
    if (!cluster?.ready || cluster.paused) {
      // nothing is removed for a cluster that is only temporarily unusable
      this.#outcomes.set(key, {
        status: 'Provisioning',
        message: !cluster
          ? `cluster ${clusterKeyString(ck)} is not registered`
          : 'cannot proceed: the cluster is paused or not ready',
      });
      return undefined;
    }
    const eventSource = resolveEventSourceName(et, cluster.object);
    await this.#syncEventSources(cluster);
    const reportKey = `${cluster.namespace}/${eventReportName(cluster.type, eventSource, cluster.name)}`;
    const report = this.#reports.get(reportKey);
    if (report) {
      const acceptance = acceptReport(report, cluster.object);
      // a malformed report at the expected name is reported, and nothing is changed (nothing lost)
      if (!acceptance.accepted) throw new PlanError('INVALID_INPUT', acceptance.reason);
    }
    const tuple = ownerTuple(ownershipLabelsOf(et.metadata.name!, cluster))!;
    const owned = this.#ownedBy(tuple);
    const existing: ExistingObjects = {
      clusterProfiles: owned.filter((o) => o.kind === 'ClusterProfile') as unknown as ClusterProfile[],
      configMaps: owned.filter((o) => o.kind === 'ConfigMap') as unknown as ConfigMap[],
      secrets: owned.filter((o) => o.kind === 'Secret') as unknown as Secret[],
    };
    const desired: Plan = plan({
      eventTrigger: et,
      report: report && !report.metadata.deletionTimestamp ? report : undefined,
      cluster: cluster.object,
      lookup: this.#lookup,
      existing,
      options: { namespace: this.#namespace },
    });
    this.#track(key, desired);
    for (const w of desired.warnings) this.#recorder.record(involved(et), 'Warning', w.code, w.message);
    // data first (profiles reference it), each group with bounded parallelism
    await inBatches([...desired.configMaps, ...desired.secrets], (o) => this.#apply(o as unknown as Obj));
    let changed = (await inBatches(desired.clusterProfiles, (p) => this.#apply(p as unknown as Obj))).some(
      Boolean,
    );
    const diff = ownershipDiff(owned, [
      ...desired.clusterProfiles,
      ...desired.configMaps,
      ...desired.secrets,
    ] as Obj[]);
    for (const p of diff.deleteProfiles) {
      await this.#client.delete({
        apiVersion: CONFIG_API_VERSION,
        kind: 'ClusterProfile',
        name: p.metadata.name,
      });
      changed = true;
    }
    if (changed && report) this.#observeLatency(report);
    const stamp = this.#reportStamp(reportKey);
    if (diff.profilesPending) {
      // the profile's delete event wakes this pair again; the requeue is only a safety net
      this.#outcomes.set(key, {
        status: 'Provisioning',
        message: 'waiting for stale ClusterProfiles to be deleted',
        ...stamp,
      });
      return { requeueAfterMs: 5_000 };
    }
    for (const o of diff.deleteData) await this.#client.delete(ref(o));
    this.#outcomes.set(key, { status: 'Provisioned', ...stamp });
    return undefined;
  }

  async #undeploy(
    key: string,
    name: string,
    ck: ClusterKey,
    cluster: RegisteredCluster | undefined,
    et: EventTrigger | undefined,
  ): Promise<ReconcileResult | undefined> {
    const tuple = ownerTuple(ownershipLabelsOf(name, cluster ?? { ...ck, object: undefined }))!;
    const owned = this.#ownedBy(tuple);
    const diff = ownershipDiff(owned, []);
    for (const p of diff.deleteProfiles) {
      await this.#client.delete({
        apiVersion: CONFIG_API_VERSION,
        kind: 'ClusterProfile',
        name: p.metadata.name,
      });
    }
    if (diff.profilesPending) {
      this.#outcomes.set(key, { status: 'Removing', message: 'waiting for ClusterProfiles to be deleted' });
      return { requeueAfterMs: 5_000 };
    }
    for (const o of diff.deleteData) await this.#client.delete(ref(o));
    if (cluster?.ready && !cluster.paused) {
      await this.#syncEventSources(cluster);
    } else if (cluster && et) {
      this.#recorder.record(
        involved(et),
        'Warning',
        'CleanupSkipped',
        `cluster ${cluster.key} is not ready: EventSource copies there are left in place`,
      );
    }
    this.#outcomes.set(key, { status: 'Removed' });
    this.#track(key, undefined);
    return undefined;
  }

  /** Lookup over the informer caches (the planner needs a synchronous, side-effect-free lookup). */
  readonly #lookup: Lookup = (k) => {
    if (k.kind === 'ConfigMap') return this.#configMaps.get(`${k.namespace}/${k.name}`);
    if (k.kind === 'Secret') return this.#secrets.get(`${k.namespace}/${k.name}`);
    if (k.kind === 'ClusterProfile') return this.#profiles.get(k.name);
    return undefined;
  };

  /** Remembers what a pair's plan looked up, so a change to any of those objects wakes the pair. */
  #track(key: string, p: Plan | undefined): void {
    for (const r of this.#pairReferences.get(key) ?? []) this.#references.get(r)?.delete(key);
    const refs = (p?.references ?? []).map((r) => `${r.kind}|${r.namespace}|${r.name}`);
    this.#pairReferences.set(key, refs);
    for (const r of refs) {
      const set = this.#references.get(r) ?? new Set<string>();
      this.#references.set(r, set);
      set.add(key);
    }
  }

  /** Server-side apply unless the same desired object was applied and nobody changed it since. Returns
   * true when the object changed. */
  async #apply(o: Obj): Promise<boolean> {
    const id = objectId(o);
    const hash = desiredHash(o);
    const cached =
      o.kind === 'ClusterProfile'
        ? this.#profiles.get(o.metadata.name)
        : o.kind === 'ConfigMap'
          ? this.#configMaps.get(`${o.metadata.namespace}/${o.metadata.name}`)
          : this.#secrets.get(`${o.metadata.namespace}/${o.metadata.name}`);
    const last = this.#applied.get(id);
    if (cached && last && last.hash === hash && cached.metadata.resourceVersion === last.resourceVersion)
      return false;
    const result = await this.#client.apply(o, { fieldManager: FIELD_MANAGER, force: true });
    const resourceVersion = result.metadata.resourceVersion ?? '';
    this.#applied.set(id, { hash, resourceVersion });
    return cached?.metadata.resourceVersion !== resourceVersion;
  }

  #observeLatency(report: EventReport): void {
    const at = report.metadata.annotations?.[EVENT_REPORT_CHANGED_AT_ANNOTATION];
    let since = at ? Date.parse(at) : Number.NaN;
    if (Number.isNaN(since)) {
      const times = (report.metadata.managedFields ?? [])
        .filter((f) => f.subresource !== 'status' && f.time)
        .map((f) => Date.parse(f.time!));
      since = times.length > 0 ? Math.max(...times) : Number.NaN;
    }
    if (!Number.isNaN(since))
      this.#metrics.eventToProfileSeconds.observe(Math.max(0, Date.now() - since) / 1000);
  }

  // ---- EventSource copies in managed clusters ----------------------------------------------------------

  /**
   * Makes the EventSource copies on the cluster's API server exactly those some trigger needs there: the
   * union over every registered cluster reached through the same server (several registrations may share
   * one) of the EventSources of the triggers matching it. Only copies we applied are ever deleted.
   */
  async #syncEventSources(cluster: RegisteredCluster): Promise<void> {
    const client = this.registry.connection(cluster.key);
    const desired = new Map<string, EventSource & KubeObject>();
    for (const c of this.registry.list()) {
      if (c.key !== cluster.key) {
        let other: RestClient;
        try {
          other = this.registry.connection(c.key);
        } catch {
          continue;
        }
        if (other.server !== client.server) continue;
      }
      for (const et of this.#triggers.list()) {
        if (et.metadata.deletionTimestamp) continue;
        let matches = false;
        try {
          matches = this.#matching(et).some((r) => refKey(r) === c.key);
        } catch {
          matches = false;
        }
        if (!matches) continue;
        const name = this.#resolve(et, c.object);
        const source = name === undefined ? undefined : this.#sources.get(name);
        if (source && !source.metadata.deletionTimestamp) desired.set(source.metadata.name, source);
      }
    }
    const fingerprint = JSON.stringify(
      [...desired.values()].map((s) => [s.metadata.name, s.metadata.resourceVersion]).sort(),
    );
    if (this.#sourceSync.get(client.server) === fingerprint) return;
    for (const s of desired.values()) {
      await client.apply(
        {
          apiVersion: LIB_API_VERSION,
          kind: 'EventSource',
          metadata: {
            name: s.metadata.name,
            ...(s.metadata.labels ? { labels: s.metadata.labels } : {}),
            annotations: { [DEPLOYED_BY_SVELTOS_ANNOTATION]: 'true' },
          },
          spec: s.spec ?? {},
        },
        { fieldManager: FIELD_MANAGER, force: true },
      );
    }
    const present = await client.list<EventSource & KubeObject>(LIB_API_VERSION, 'EventSource');
    for (const copy of present.items) {
      const ours =
        copy.metadata.annotations?.[DEPLOYED_BY_SVELTOS_ANNOTATION] === 'true' &&
        (copy.metadata.managedFields ?? []).some((f) => f.manager === FIELD_MANAGER);
      if (ours && !desired.has(copy.metadata.name)) {
        await client.delete({ apiVersion: LIB_API_VERSION, kind: 'EventSource', name: copy.metadata.name });
      }
    }
    this.#sourceSync.set(client.server, fingerprint);
  }

  // ---- EventReport status ------------------------------------------------------------------------------

  async #reconcileReportStatus(key: string): Promise<ReconcileResult | undefined> {
    const report = this.#reports.get(key);
    if (!report || report.metadata.deletionTimestamp) return undefined;
    const ck = claimedCluster(report);
    const cluster = ck ? this.registry.get(ck) : undefined;
    const eventSource = reportEventSource(report);
    const acceptance = acceptReport(report, cluster?.object);
    if (!acceptance.accepted) {
      // only a manager with a trigger for this EventSource speaks about the report
      const concerned = this.#myTriggers().some(
        (et) =>
          et.spec.eventSourceName === eventSource ||
          (cluster && this.#resolve(et, cluster.object) === eventSource),
      );
      if (!concerned) return undefined;
      this.#logger.warn('EventReport ignored', { report: key, reason: acceptance.reason });
      this.#recorder.record(involved(report), 'Warning', 'ReportRejected', acceptance.reason);
      await this.#patchReportStatus(report, { failureMessage: acceptance.reason });
      return undefined;
    }
    const cl = cluster!;
    const users = consumers(
      eventSource,
      this.#myTriggers().filter((et) => !et.metadata.deletionTimestamp),
      (et) => {
        try {
          return this.#matching(et).some((r) => refKey(r) === cl.key);
        } catch {
          return false;
        }
      },
      (et) => this.#resolve(et, cl.object),
    );
    if (users.length === 0) return undefined;
    const failures: string[] = [];
    for (const et of users) {
      const o = this.#outcomes.get(pairKey(et.metadata.name!, cl));
      const current =
        o?.report?.uid === report.metadata.uid && o?.report?.generation === (report.metadata.generation ?? 0);
      if (!current) return undefined; // that pair has not processed this content yet; it will wake us
      if (o?.status === 'Failed') failures.push(`EventTrigger ${et.metadata.name}: ${o.message}`);
      else if (o?.status !== 'Provisioned') return undefined;
    }
    await this.#patchReportStatus(
      report,
      failures.length > 0
        ? { failureMessage: failures.join('; ') }
        : { phase: 'Processed', failureMessage: null },
    );
    return undefined;
  }

  async #patchReportStatus(
    report: EventReport & KubeObject,
    status: { phase?: string; failureMessage: string | null },
  ): Promise<void> {
    const current = report.status ?? {};
    if (
      (status.phase === undefined || current.phase === status.phase) &&
      (current.failureMessage ?? null) === status.failureMessage
    ) {
      return;
    }
    try {
      await this.#client.request('PATCH', await this.#client.path(ref(report), 'status'), {
        query: { fieldManager: FIELD_MANAGER },
        body: { status },
        contentType: 'application/merge-patch+json',
      });
    } catch (error) {
      if (!(error instanceof KubeError && error.code === 'NOT_FOUND')) throw error;
    }
  }
}

// ---- small helpers ---------------------------------------------------------------------------------------

const APPLY_PARALLELISM = 8;

async function inBatches<T, R>(items: readonly T[], f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += APPLY_PARALLELISM) {
    out.push(...(await Promise.all(items.slice(i, i + APPLY_PARALLELISM).map(f))));
  }
  return out;
}

function objectId(o: { kind: string; metadata: { namespace?: string | undefined; name: string } }): string {
  return `${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;
}

function ref(o: {
  apiVersion: string;
  kind: string;
  metadata: { namespace?: string | undefined; name: string };
}) {
  return { apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name };
}

function involved(o: {
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

function refKey(r: ObjectReference): string | undefined {
  const type = r.kind === 'Cluster' ? 'Capi' : r.kind === 'SveltosCluster' ? 'Sveltos' : undefined;
  return type && r.namespace && r.name
    ? clusterKeyString({ type, namespace: r.namespace, name: r.name })
    : undefined;
}

function parseKey(k: string): ClusterKey | undefined {
  const m = /^(Sveltos|Capi):([^/]+)\/(.+)$/.exec(k);
  return m ? { type: m[1] as ClusterKey['type'], namespace: m[2]!, name: m[3]! } : undefined;
}

function refOfKey(c: ClusterKey): ObjectReference {
  return c.type === 'Capi'
    ? { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster', namespace: c.namespace, name: c.name }
    : { apiVersion: LIB_API_VERSION, kind: 'SveltosCluster', namespace: c.namespace, name: c.name };
}

function splitKey(k: string): [string, string] {
  const i = k.indexOf('/');
  return [k.slice(0, i), k.slice(i + 1)];
}

function codeOf(error: unknown): string {
  return (error as { code?: string }).code ?? 'FAILED';
}

/** The ownership labels of (trigger, cluster), also for a cluster that is no longer registered. */
function ownershipLabelsOf(
  eventTrigger: string,
  cluster: ClusterKey & { object: SourceCluster | undefined },
): Record<string, string> {
  const { apiVersion, kind } = refOfKey(cluster);
  const object =
    cluster.object ??
    ({ apiVersion, kind, metadata: { namespace: cluster.namespace, name: cluster.name } } as SourceCluster);
  return ownershipSelector(eventTrigger, object);
}

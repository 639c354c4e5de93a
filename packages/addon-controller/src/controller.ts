// The addon-controller adapter: watches ClusterProfiles, ClusterSummaries, ConfigMaps/Secrets and clusters in
// the management cluster, and reconciles each (profile, cluster) pair: plan (desiredResources), look at the
// live objects, diff, then server-side apply / delete in the managed cluster and record the outcome in the
// pair's ClusterSummary. Every decision is re-derived from cluster state, so a crash converges on restart
// (docs/design/addon-controller.md).

import type { KubeConfig } from '@kubernetes/client-node';
import {
  CLUSTER_PROFILE_NAME_LABEL,
  type ClusterProfile,
  type ClusterProfileSpec,
  type ClusterSummary,
  type ClusterType,
  CONFIG_API_VERSION,
  SERVICE_ACCOUNT_NAME_LABEL,
  SERVICE_ACCOUNT_NAMESPACE_LABEL,
  SVELTOS_NAMESPACE,
} from '@sveltos-ts/api';
import {
  ClusterError,
  ClusterRegistry,
  clusterKeyString,
  parseClusterKey,
  type RegisteredCluster,
} from '@sveltos-ts/clusters';
import {
  EventRecorder,
  Informer,
  type Involved,
  KubeError,
  type KubeObject,
  type Logger,
  type ReconcileResult,
  RestClient,
  silentLogger,
  WorkQueue,
  whileLeading,
} from '@sveltos-ts/kube';
import { Registry } from 'prom-client';
import { type DiffResult, diff, type LiveMeta, placeResource } from './diff.ts';
import { AddonError } from './errors.ts';
import { impersonating, tenantUser } from './impersonation.ts';
import { profileSelects } from './match.ts';
import { type AddonMetrics, addonMetrics } from './metrics.ts';
import {
  type DesiredResource,
  type DesiredState,
  describe,
  desiredResources,
  type MgmtObject,
  type RefKey,
  type ResourceId,
  resourceKey,
  type TargetCluster,
} from './plan.ts';
import {
  clusterSummaryLabels,
  clusterSummaryName,
  deploymentHash,
  featureStatus,
  type RecordedResource,
  recordedResources,
  summaryStatus,
} from './summary.ts';

export const FIELD_MANAGER = 'sveltos-addon-controller';
/** On a ClusterSummary of a DryRun profile: JSON list of what a real run would do. */
export const DRY_RUN_ANNOTATION = 'addon-controller.projectsveltos.io/dry-run';

export interface AddonControllerOptions {
  managementKubeConfig: KubeConfig;
  logger?: Logger;
  /** prom-client registry for the metrics (a private one by default). */
  metrics?: Registry;
  /** Concurrent reconciles (default 8). */
  workers?: number;
  /** Handle only ClusterProfiles carrying these labels; their ClusterSummaries get them too. Lets several
   * controllers share one management cluster (tests). Default: all profiles. */
  scope?: Record<string, string>;
  /** Probe SveltosClusters and write their readiness (default true; false when another component does). */
  manageClusterStatus?: boolean;
  /** SveltosCluster probe interval (default 60 s). */
  probeIntervalMs?: number;
  /** When a pair blocked by a conflict is looked at again (default 30 s). */
  conflictRetryMs?: number;
  /** Lease-based leader election: only the leader reconciles. Off when undefined. */
  leaderElection?: { namespace?: string; name?: string; identity?: string; leaseDurationSeconds?: number };
}

export interface RunningAddonController {
  /** True once informers synced and workers run (on the leader). */
  ready(): boolean;
  readonly registry: ClusterRegistry | undefined;
  stop(): Promise<void>;
}

/** Starts the addon-controller in this process; with leader election it reconciles once leading. */
export async function startAddonController(options: AddonControllerOptions): Promise<RunningAddonController> {
  const logger = options.logger ?? silentLogger;
  let current: AddonController | undefined;
  const metrics = addonMetrics(options.metrics ?? new Registry(), () => current?.queueLength ?? 0);
  if (!options.leaderElection) {
    const only = new AddonController(options, logger, metrics);
    current = only;
    await only.start();
    return { ready: () => only.isReady, registry: only.registry, stop: () => only.stop() };
  }
  const le = options.leaderElection;
  const leader = whileLeading(
    {
      client: new RestClient(options.managementKubeConfig),
      namespace: le.namespace ?? SVELTOS_NAMESPACE,
      name: le.name ?? 'addon-controller',
      identity: le.identity,
      leaseDurationSeconds: le.leaseDurationSeconds,
      logger,
    },
    () => {
      current = new AddonController(options, logger, metrics);
      return current;
    },
  );
  return {
    ready: () => leader.current()?.isReady ?? false,
    get registry() {
      return leader.current()?.registry;
    },
    stop: () => leader.stop(),
  };
}

type Profile = ClusterProfile & KubeObject;
type Summary = ClusterSummary & KubeObject;
type Data = KubeObject & { data?: Record<string, string>; type?: string };

const PROFILE = 'profile:';
const PAIR = 'pair:';
const pairKey = (profile: string, cluster: string): string => `${PAIR}${profile}|${cluster}`;
const refId = (k: RefKey): string => `${k.kind}|${k.namespace}|${k.name}`;

/** Writes a pair's outcome; the reconcile then returns `result` or throws `retry`. */
interface Outcome {
  result?: ReconcileResult;
  retry?: Error;
}

class AddonController {
  readonly #options: AddonControllerOptions;
  readonly #logger: Logger;
  readonly #metrics: AddonMetrics;
  readonly #client: RestClient;
  readonly #recorder: EventRecorder;
  readonly #queue: WorkQueue<string>;
  readonly #profiles: Informer<Profile>;
  readonly #summaries: Informer<Summary>;
  readonly #configMaps: Informer<Data>;
  readonly #secrets: Informer<Data>;
  readonly registry: ClusterRegistry;
  /** Management object (`kind|ns|name`) → pairs whose last plan looked it up. */
  readonly #references = new Map<string, Set<string>>();
  readonly #pairReferences = new Map<string, string[]>();
  readonly #scopeSelector: string | undefined;
  #running: Promise<void> | undefined;
  #ready = false;

  constructor(options: AddonControllerOptions, logger: Logger, metrics: AddonMetrics) {
    this.#options = options;
    this.#logger = logger;
    this.#metrics = metrics;
    this.#client = new RestClient(options.managementKubeConfig);
    this.#recorder = new EventRecorder(this.#client, logger, 'addon-controller');
    this.#queue = new WorkQueue({ logger, baseDelayMs: 200, maxDelayMs: 30_000 });
    const scope = Object.entries(options.scope ?? {});
    this.#scopeSelector = scope.length ? scope.map(([k, v]) => `${k}=${v}`).join(',') : undefined;
    const inf = <T extends KubeObject>(apiVersion: string, kind: string, labelSelector?: string) =>
      new Informer<T>(this.#client, { apiVersion, kind, labelSelector, logger });
    this.#profiles = inf(CONFIG_API_VERSION, 'ClusterProfile', this.#scopeSelector);
    this.#summaries = inf(CONFIG_API_VERSION, 'ClusterSummary', this.#scopeSelector);
    this.#configMaps = inf('v1', 'ConfigMap');
    this.#secrets = inf('v1', 'Secret');
    this.registry = new ClusterRegistry({
      client: this.#client,
      logger,
      secrets: this.#secrets,
      manageStatus: options.manageClusterStatus ?? true,
      fieldManager: FIELD_MANAGER,
      ...(options.probeIntervalMs ? { probeIntervalMs: options.probeIntervalMs } : {}),
    });
  }

  get isReady(): boolean {
    return this.#ready;
  }

  get queueLength(): number {
    return this.#queue.length;
  }

  async start(): Promise<void> {
    this.#profiles.on((e) => this.#queue.add(PROFILE + e.object.metadata.name));
    this.#summaries.on((e) => {
      // our own status writes come back as updates: only appearance (startup) and removal matter
      if (e.type !== 'update') this.#enqueueSummary(e.object);
    });
    for (const [kind, informer] of [
      ['ConfigMap', this.#configMaps],
      ['Secret', this.#secrets],
    ] as const) {
      informer.on((e) => {
        const m = e.object.metadata;
        for (const pair of this.#references.get(`${kind}|${m.namespace ?? ''}|${m.name}`) ?? [])
          this.#queue.add(pair);
      });
    }
    this.registry.on((e) => {
      if (e.type === 'clusterset-changed') {
        for (const p of this.#profiles.list()) this.#queue.add(PROFILE + p.metadata.name);
        return;
      }
      for (const p of this.#profiles.list()) this.#queue.add(PROFILE + p.metadata.name);
      for (const s of this.#summaries.list()) {
        if (s.spec.clusterNamespace === e.cluster.namespace && s.spec.clusterName === e.cluster.name) {
          this.#enqueueSummary(s);
        }
      }
    });
    const informers = [this.#profiles, this.#summaries, this.#configMaps, this.#secrets];
    for (const i of informers) i.start();
    // nothing reconciles before every cache is complete: a missing profile would read as "deleted"
    await Promise.all([...informers.map((i) => i.waitForSync()), this.registry.start()]);
    this.#running = this.#queue.run(this.#options.workers ?? 8, (key) => this.#reconcile(key));
    this.#ready = true;
    this.#logger.info('addon-controller started', { scope: this.#scopeSelector ?? 'all profiles' });
  }

  async stop(): Promise<void> {
    this.#ready = false;
    this.#queue.shutdown();
    await this.#running;
    await Promise.all([
      this.#profiles.stop(),
      this.#summaries.stop(),
      this.#configMaps.stop(),
      this.#secrets.stop(),
      this.registry.stop(),
    ]);
  }

  #enqueueSummary(s: Summary): void {
    const profile = s.metadata.labels?.[CLUSTER_PROFILE_NAME_LABEL];
    const type: ClusterType = s.spec.clusterType === 'Capi' ? 'Capi' : 'Sveltos';
    if (!profile) return;
    this.#queue.add(
      pairKey(
        profile,
        clusterKeyString({ type, namespace: s.spec.clusterNamespace, name: s.spec.clusterName }),
      ),
    );
  }

  async #reconcile(key: string): Promise<ReconcileResult | undefined> {
    const unit = key.startsWith(PROFILE) ? 'profile' : 'pair';
    const stopTimer = this.#metrics.reconcileSeconds.startTimer({ unit });
    try {
      const result =
        unit === 'profile'
          ? await this.#reconcileProfile(key.slice(PROFILE.length))
          : await this.#reconcilePair(key);
      this.#metrics.reconciles.inc({ unit, result: result?.requeueAfterMs ? 'requeue' : 'success' });
      return result;
    } catch (error) {
      this.#metrics.reconciles.inc({ unit, result: 'error' });
      throw error;
    } finally {
      stopTimer();
    }
  }

  // ---- profile: matching clusters, fan-out to pairs, status.matchingClusters --------------------------

  #selects(spec: ClusterProfileSpec, c: RegisteredCluster): boolean {
    return profileSelects(spec, c, this.registry.clusterSetSelection(spec.setRefs ?? []));
  }

  async #reconcileProfile(name: string): Promise<ReconcileResult | undefined> {
    const profile = this.#profiles.get(name);
    const pairs = new Set<string>();
    for (const s of this.#summaries.list()) {
      if (s.metadata.labels?.[CLUSTER_PROFILE_NAME_LABEL] === name) {
        const type: ClusterType = s.spec.clusterType === 'Capi' ? 'Capi' : 'Sveltos';
        pairs.add(
          pairKey(
            name,
            clusterKeyString({ type, namespace: s.spec.clusterNamespace, name: s.spec.clusterName }),
          ),
        );
      }
    }
    if (profile === undefined || profile.metadata.deletionTimestamp) {
      for (const p of pairs) this.#queue.add(p);
      return undefined;
    }
    let matching: RegisteredCluster[];
    try {
      matching = this.registry.list().filter((c) => this.#selects(profile.spec ?? {}, c));
    } catch (error) {
      if (!(error instanceof ClusterError)) throw error;
      // an invalid selector changes nothing deployed; the user sees why on the profile
      this.#recorder.record(this.#involvedProfile(profile), 'Warning', error.code, error.message);
      return undefined;
    }
    for (const c of matching) pairs.add(pairKey(name, c.key));
    for (const p of pairs) this.#queue.add(p);
    const refs = matching
      .map((c) => c.ref)
      .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
    if (JSON.stringify(profile.status?.matchingClusters ?? []) !== JSON.stringify(refs)) {
      await this.#ignoreGone(
        this.#client.apply(
          {
            apiVersion: CONFIG_API_VERSION,
            kind: 'ClusterProfile',
            metadata: { name },
            status: { matchingClusters: refs },
          },
          { fieldManager: FIELD_MANAGER, subresource: 'status' },
        ),
      );
    }
    return undefined;
  }

  #involvedProfile(p: Profile): Involved {
    return {
      apiVersion: CONFIG_API_VERSION,
      kind: 'ClusterProfile',
      name: p.metadata.name,
      uid: p.metadata.uid,
    };
  }

  async #ignoreGone(p: Promise<unknown>): Promise<void> {
    try {
      await p;
    } catch (error) {
      if (!(error instanceof KubeError && error.code === 'NOT_FOUND')) throw error;
    }
  }

  // ---- pair: deploy or withdraw -----------------------------------------------------------------------

  async #reconcilePair(key: string): Promise<ReconcileResult | undefined> {
    const bar = key.indexOf('|');
    const profileName = key.slice(PAIR.length, bar);
    const clusterKey = parseClusterKey(key.slice(bar + 1));
    if (clusterKey === undefined) return undefined;
    const profile = this.#profiles.get(profileName);
    const cluster = this.registry.get(clusterKey);
    const summaryName = clusterSummaryName(profileName, clusterKey.type, clusterKey.name);
    const summary = this.#summaries.get(`${clusterKey.namespace}/${summaryName}`);
    const alive = profile && !profile.metadata.deletionTimestamp ? profile : undefined;
    let selected = false;
    if (alive && cluster) {
      try {
        selected = this.#selects(alive.spec ?? {}, cluster);
      } catch (error) {
        if (error instanceof ClusterError) return undefined; // reported by the profile reconcile; keep all
        throw error;
      }
    }
    if (alive && cluster && selected)
      return this.#settle(key, await this.#deploy(key, alive, cluster, summary));
    this.#forgetReferences(key);
    if (summary === undefined) return undefined;
    if (cluster === undefined) {
      // the cluster is no longer registered: nothing can be reached to withdraw from
      await this.#deleteSummary(summary);
      return undefined;
    }
    // a cluster that is registered but not ready is waited for, not written off
    if (alive && !cluster.ready) return undefined;
    const spec = alive?.spec ?? summary.spec.clusterProfileSpec ?? {};
    if ((alive && spec.stopMatchingBehavior === 'LeavePolicies') || spec.syncMode === 'DryRun') {
      await this.#deleteSummary(summary);
      return undefined;
    }
    return this.#settle(key, await this.#withdraw(summary, cluster));
  }

  #settle(key: string, outcome: Outcome): ReconcileResult | undefined {
    if (outcome.retry) {
      this.#logger.debug('pair will be retried', { pair: key, error: outcome.retry.message });
      throw outcome.retry;
    }
    return outcome.result;
  }

  #forgetReferences(pair: string): void {
    for (const r of this.#pairReferences.get(pair) ?? []) this.#references.get(r)?.delete(pair);
    this.#pairReferences.delete(pair);
  }

  #trackReferences(pair: string, refs: readonly RefKey[]): void {
    this.#forgetReferences(pair);
    const ids = refs.map(refId);
    this.#pairReferences.set(pair, ids);
    for (const id of ids) {
      let s = this.#references.get(id);
      if (s === undefined) {
        s = new Set();
        this.#references.set(id, s);
      }
      s.add(pair);
    }
  }

  /** Plans with the informer caches for ConfigMaps/Secrets; other templateResourceRefs kinds are read
   * directly (a first pass finds which), so the planner itself stays pure and synchronous. */
  async #plan(profile: Profile, cluster: TargetCluster): Promise<DesiredState> {
    const fetched = new Map<string, MgmtObject | undefined>();
    const toFetch: RefKey[] = [];
    const lookup = (k: RefKey): MgmtObject | undefined => {
      if (k.apiVersion === 'v1' && (k.kind === 'ConfigMap' || k.kind === 'Secret')) {
        return (k.kind === 'ConfigMap' ? this.#configMaps : this.#secrets).get(`${k.namespace}/${k.name}`);
      }
      const id = `${k.apiVersion}|${refId(k)}`;
      if (!fetched.has(id)) toFetch.push(k);
      return fetched.get(id);
    };
    const input = {
      profile: { kind: 'ClusterProfile' as const, name: profile.metadata.name, spec: profile.spec ?? {} },
      cluster,
      lookup,
    };
    const first = desiredResources(input);
    if (toFetch.length === 0) return first;
    for (const k of toFetch.splice(0)) {
      let obj: MgmtObject | undefined;
      try {
        obj = await this.#client.getOrUndefined({
          apiVersion: k.apiVersion,
          kind: k.kind,
          namespace: k.namespace,
          name: k.name,
        });
      } catch (error) {
        if (!(error instanceof KubeError && error.code === 'UNKNOWN_KIND')) throw error;
      }
      fetched.set(`${k.apiVersion}|${refId(k)}`, obj);
    }
    return desiredResources(input);
  }

  async #ensureSummary(
    profile: Profile,
    cluster: RegisteredCluster,
    current: Summary | undefined,
  ): Promise<Summary> {
    const spec = profile.spec ?? {};
    const labels = {
      ...(this.#options.scope ?? {}),
      ...clusterSummaryLabels(profile.metadata.name, cluster.type, cluster.name),
      // kept for withdrawal after the profile is gone: it is applied as the same tenant
      ...pick(profile.metadata.labels, [SERVICE_ACCOUNT_NAME_LABEL, SERVICE_ACCOUNT_NAMESPACE_LABEL]),
    };
    const desired = {
      apiVersion: CONFIG_API_VERSION,
      kind: 'ClusterSummary',
      metadata: {
        name: clusterSummaryName(profile.metadata.name, cluster.type, cluster.name),
        namespace: cluster.namespace,
        labels,
      },
      spec: {
        clusterNamespace: cluster.namespace,
        clusterName: cluster.name,
        clusterType: cluster.type,
        clusterProfileSpec: spec,
      },
    };
    if (
      current &&
      JSON.stringify(current.spec) === JSON.stringify(desired.spec) &&
      Object.entries(labels).every(([k, v]) => current.metadata.labels?.[k] === v)
    ) {
      return current;
    }
    return this.#client.apply<Summary>(desired as Summary, { fieldManager: FIELD_MANAGER });
  }

  async #deploy(
    pair: string,
    profile: Profile,
    cluster: RegisteredCluster,
    existing: Summary | undefined,
  ): Promise<Outcome> {
    const spec = profile.spec ?? {};
    const summary = await this.#ensureSummary(profile, cluster, existing);
    // OneTime: deployed once, never updated afterwards (withdrawal still applies)
    if (spec.syncMode === 'OneTime' && featureStatus(existing, 'Resources') === 'Provisioned') return {};
    const state = await this.#plan(profile, {
      type: cluster.type,
      namespace: cluster.namespace,
      name: cluster.name,
      object: cluster.object as Record<string, unknown>,
    });
    this.#trackReferences(pair, state.references);
    const errors = [...state.errors];
    const recorded = recordedResources(existing);
    let client: RestClient;
    try {
      client = impersonating(this.registry.connection(cluster.key), tenantUser(profile.metadata.labels));
    } catch (error) {
      if (!(error instanceof ClusterError)) throw error;
      errors.push(
        new AddonError('APPLY_FAILED', `cluster ${cluster.namespace}/${cluster.name}: ${error.message}`),
      );
      return this.#writeOutcome(summary, existing, { errors, recorded, unsupported: state.unsupported });
    }
    const placed: DesiredResource[] = [];
    for (const d of state.resources) {
      try {
        const info = await client.resource(d.object.apiVersion as string, d.id.kind);
        placed.push(placeResource(d, info.namespaced));
      } catch (error) {
        errors.push(kubeFailure(d.id, error));
      }
    }
    const { live, unreadable } = await this.#readLive(
      client,
      [...placed.map((p) => p.id), ...recorded],
      errors,
    );
    const result = diff({
      owner: { kind: 'ClusterProfile', name: profile.metadata.name },
      // an object whose state is unknown is neither written nor counted as gone
      desired: placed.filter((p) => !unreadable.has(resourceKey(p.id))),
      recorded,
      live: (id) => live.get(resourceKey(id)),
      ownerExists: (kind, name) => kind === 'ClusterProfile' && this.#profiles.get(name) !== undefined,
      withdrawAllowed: errors.length === 0,
    });
    const conflicts = result.conflicts.map((c) => c.message);
    const blocked = conflicts.length > 0 && spec.continueOnConflict !== true;
    if (blocked)
      conflicts.push('nothing was applied because of the conflicts above (continueOnConflict is false)');
    if (spec.syncMode === 'DryRun') return this.#writeDryRun(summary, result, errors, state);
    const record = new Map<string, RecordedResource>(recorded.map((r) => [resourceKey(r), r]));
    for (const c of result.conflicts) record.delete(resourceKey(c.resource.id));
    for (const f of result.forget) record.delete(resourceKey(f));
    const now = new Date().toISOString();
    for (const u of result.unchanged)
      record.set(resourceKey(u.id), {
        ...u.id,
        lastAppliedTime: record.get(resourceKey(u.id))?.lastAppliedTime ?? now,
      });
    if (!blocked) {
      await this.#execute(client, result, record, errors, now);
      // the profile an object was taken from learns about it (nothing watches managed clusters)
      for (const a of result.apply) if (a.from) this.#queue.add(pairKey(a.from.name, cluster.key));
    }
    if (result.conflicts.length > 0)
      this.#metrics.resources.inc({ action: 'conflict' }, result.conflicts.length);
    const hashes = [...result.unchanged, ...result.apply.map((a) => a.resource)].map((d) => d.hash);
    return this.#writeOutcome(summary, existing, {
      errors,
      conflicts,
      recorded: [...record.values()],
      unsupported: state.unsupported,
      hash: deploymentHash(hashes),
    });
  }

  async #execute(
    client: RestClient,
    result: DiffResult,
    record: Map<string, RecordedResource>,
    errors: AddonError[],
    now: string,
  ): Promise<void> {
    const applies = [...result.apply].sort((a, b) => applyOrder(a.resource) - applyOrder(b.resource));
    const namespaces = new Set(
      applies
        .filter((a) => a.resource.id.namespace && !a.resource.skipNamespaceCreation)
        .map((a) => a.resource.id.namespace),
    );
    for (const a of applies)
      if (a.resource.id.kind === 'Namespace' && a.resource.id.group === '')
        namespaces.delete(a.resource.id.name);
    const missingNamespaces = new Set<string>();
    for (const ns of namespaces) {
      try {
        await this.#ensureNamespace(client, ns);
      } catch (error) {
        missingNamespaces.add(ns);
        errors.push(
          kubeFailure({ group: '', version: 'v1', kind: 'Namespace', namespace: '', name: ns }, error),
        );
      }
    }
    for (const { resource, action } of applies) {
      if (missingNamespaces.has(resource.id.namespace)) continue;
      try {
        await client.apply(resource.object as KubeObject, { fieldManager: FIELD_MANAGER, force: true });
        record.set(resourceKey(resource.id), { ...resource.id, lastAppliedTime: now });
        this.#metrics.resources.inc({ action });
      } catch (error) {
        this.#metrics.resources.inc({ action: 'failed' });
        errors.push(kubeFailure(resource.id, error));
      }
    }
    for (const id of result.remove) {
      try {
        await client.delete(objectRef(id));
        record.delete(resourceKey(id));
        this.#metrics.resources.inc({ action: 'delete' });
      } catch (error) {
        this.#metrics.resources.inc({ action: 'failed' });
        errors.push(kubeFailure(id, error));
      }
    }
  }

  /** Namespaces are created when missing and never deleted (they may hold anything by now). */
  async #ensureNamespace(client: RestClient, name: string): Promise<void> {
    if (await client.getOrUndefined({ apiVersion: 'v1', kind: 'Namespace', name })) return;
    try {
      await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, FIELD_MANAGER);
    } catch (error) {
      if (!(error instanceof KubeError && error.code === 'ALREADY_EXISTS')) throw error;
    }
  }

  /** Live metadata of each object; one that cannot be read is reported and listed as unreadable. */
  async #readLive(
    client: RestClient,
    ids: readonly ResourceId[],
    errors: AddonError[],
  ): Promise<{ live: Map<string, LiveMeta>; unreadable: Set<string> }> {
    const live = new Map<string, LiveMeta>();
    const unreadable = new Set<string>();
    const seen = new Set<string>();
    for (const id of ids) {
      const k = resourceKey(id);
      if (seen.has(k)) continue;
      seen.add(k);
      let obj: KubeObject | undefined;
      try {
        obj = await client.getOrUndefined(objectRef(id));
      } catch (error) {
        // a kind no longer served has no objects left
        if (!(error instanceof KubeError && error.code === 'UNKNOWN_KIND')) {
          unreadable.add(k);
          errors.push(kubeFailure(id, error));
        }
      }
      if (obj) live.set(k, { labels: obj.metadata.labels, annotations: obj.metadata.annotations });
    }
    return { live, unreadable };
  }

  async #writeDryRun(
    summary: Summary,
    result: DiffResult,
    errors: AddonError[],
    state: DesiredState,
  ): Promise<Outcome> {
    const report = [
      ...result.apply.map((a) => ({
        action: a.action === 'create' ? 'Create' : 'Update',
        resource: describe(a.resource.id),
      })),
      ...result.unchanged.map((u) => ({ action: 'NoAction', resource: describe(u.id) })),
      ...result.conflicts.map((c) => ({
        action: 'Conflict',
        resource: describe(c.resource.id),
        message: c.message,
      })),
      ...result.remove.map((r) => ({ action: 'Delete', resource: describe(r) })),
    ];
    const text = JSON.stringify(report);
    if (summary.metadata.annotations?.[DRY_RUN_ANNOTATION] !== text) {
      await this.#client.apply(
        {
          apiVersion: CONFIG_API_VERSION,
          kind: 'ClusterSummary',
          metadata: {
            name: summary.metadata.name,
            namespace: summary.metadata.namespace,
            annotations: { [DRY_RUN_ANNOTATION]: text },
          },
        },
        { fieldManager: `${FIELD_MANAGER}-dry-run` },
      );
    }
    // nothing deployed: the record stays what a real run left there (normally nothing)
    return this.#writeOutcome(summary, summary, {
      errors,
      conflicts: result.conflicts.map((c) => c.message),
      recorded: recordedResources(summary),
      unsupported: state.unsupported,
    });
  }

  async #withdraw(cached: Summary, cluster: RegisteredCluster): Promise<Outcome> {
    // the informer may not show yet what the previous reconcile of this pair recorded (it finished before
    // this one started): read the record from the server, or a just-applied object would be orphaned
    const summary =
      (await this.#client.getOrUndefined<Summary>({
        apiVersion: CONFIG_API_VERSION,
        kind: 'ClusterSummary',
        namespace: cached.metadata.namespace,
        name: cached.metadata.name,
      })) ?? cached;
    const recorded = recordedResources(summary);
    const owner = {
      kind: 'ClusterProfile',
      name: summary.metadata.labels?.[CLUSTER_PROFILE_NAME_LABEL] ?? '',
    };
    const errors: AddonError[] = [];
    const record = new Map<string, RecordedResource>(recorded.map((r) => [resourceKey(r), r]));
    if (recorded.length > 0) {
      let client: RestClient;
      try {
        client = impersonating(this.registry.connection(cluster.key), tenantUser(summary.metadata.labels));
        const { live, unreadable } = await this.#readLive(client, recorded, errors);
        const result = diff({
          owner,
          desired: [],
          recorded: recorded.filter((r) => !unreadable.has(resourceKey(r))),
          live: (id) => live.get(resourceKey(id)),
          ownerExists: () => true,
          withdrawAllowed: true,
        });
        for (const f of result.forget) record.delete(resourceKey(f));
        await this.#execute(client, result, record, errors, new Date().toISOString());
      } catch (error) {
        errors.push(
          error instanceof ClusterError
            ? new AddonError('APPLY_FAILED', error.message)
            : kubeFailure(undefined, error),
        );
      }
    }
    if (errors.length === 0) {
      await this.#deleteSummary(summary);
      // profiles blocked by what this one owned may deploy now
      for (const s of this.#summaries.list()) {
        if (
          s.spec.clusterNamespace === cluster.namespace &&
          s.spec.clusterName === cluster.name &&
          s !== summary
        )
          this.#enqueueSummary(s);
      }
      return {};
    }
    return this.#writeOutcome(summary, summary, {
      errors,
      recorded: [...record.values()],
      unsupported: [],
      removing: true,
    });
  }

  async #deleteSummary(summary: Summary): Promise<void> {
    await this.#client.delete({
      apiVersion: CONFIG_API_VERSION,
      kind: 'ClusterSummary',
      namespace: summary.metadata.namespace,
      name: summary.metadata.name,
    });
  }

  /** Writes the status (when it changed), records Warning events, and says whether to retry. */
  async #writeOutcome(
    summary: Summary,
    previous: Summary | undefined,
    o: {
      errors: AddonError[];
      conflicts?: string[];
      recorded: RecordedResource[];
      unsupported: DesiredState['unsupported'];
      hash?: string;
      removing?: boolean;
    },
  ): Promise<Outcome> {
    const conflicts = o.conflicts ?? [];
    const retryable = o.errors.some((e) => e.retryable);
    const failed = o.errors.length > 0 || conflicts.length > 0;
    const prior =
      previous?.status?.featureSummaries?.find((f) => f.featureID === 'Resources')?.consecutiveFailures ?? 0;
    const status = summaryStatus({
      status: o.removing
        ? 'Removing'
        : !failed
          ? 'Provisioned'
          : retryable || conflicts.length > 0
            ? 'Failed'
            : 'FailedNonRetriable',
      hash: failed ? undefined : o.hash,
      errors: o.errors,
      messages: conflicts,
      deployed: o.recorded,
      unsupported: o.unsupported,
      consecutiveFailures: failed ? prior + 1 : 0,
      now: new Date().toISOString(),
    });
    if (!sameStatus(summary.status, status)) {
      await this.#ignoreGone(
        this.#client.apply(
          {
            apiVersion: CONFIG_API_VERSION,
            kind: 'ClusterSummary',
            metadata: { name: summary.metadata.name, namespace: summary.metadata.namespace },
            status,
          },
          { fieldManager: FIELD_MANAGER, subresource: 'status' },
        ),
      );
    }
    const on: Involved = {
      apiVersion: CONFIG_API_VERSION,
      kind: 'ClusterSummary',
      name: summary.metadata.name,
      namespace: summary.metadata.namespace,
      uid: summary.metadata.uid,
    };
    for (const e of o.errors) this.#recorder.record(on, 'Warning', e.code, e.message);
    for (const c of conflicts) this.#recorder.record(on, 'Warning', 'CONFLICT', c);
    if (retryable)
      return {
        retry: new Error(
          o.errors
            .filter((e) => e.retryable)
            .map((e) => e.message)
            .join('; '),
        ),
      };
    if (conflicts.length > 0) return { result: { requeueAfterMs: this.#options.conflictRetryMs ?? 30_000 } };
    return {};
  }
}

function pick(labels: Record<string, string> | undefined, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) if (labels?.[k] !== undefined) out[k] = labels[k];
  return out;
}

/** Namespaces and CRDs first: the rest may live in or be instances of them. */
function applyOrder(d: DesiredResource): number {
  if (d.id.kind === 'Namespace' && d.id.group === '') return 0;
  if (d.id.kind === 'CustomResourceDefinition') return 1;
  return 2;
}

function objectRef(id: ResourceId) {
  return {
    apiVersion: id.group ? `${id.group}/${id.version}` : id.version,
    kind: id.kind,
    namespace: id.namespace || undefined,
    name: id.name,
  };
}

function kubeFailure(id: ResourceId | undefined, error: unknown): AddonError {
  const what = id ? `${describe(id)}: ` : '';
  if (error instanceof KubeError) {
    // a kind not served yet (CRD still coming) or a transient failure is retried; a rejection is not
    const retryable = error.retryable || error.code === 'UNKNOWN_KIND';
    return new AddonError('APPLY_FAILED', `${what}${error.message}`, { retryable, cause: error });
  }
  if (error instanceof AddonError) return error;
  throw error;
}

/** Status equality ignoring timestamps, so a no-op reconcile writes nothing. */
function sameStatus(a: ClusterSummary['status'], b: ClusterSummary['status']): boolean {
  const strip = (s: ClusterSummary['status']) =>
    JSON.stringify({
      featureSummaries: (s?.featureSummaries ?? []).map(({ lastAppliedTime: _t, ...rest }) => rest),
      deployedFeatures: s?.deployedFeatures ?? [],
    });
  return strip(a) === strip(b);
}

// Unit "clusterprofile-cluster" (key: profile × cluster): deploys what a profile wants in one cluster, or
// withdraws it, by walking the feature table; each feature records its section of the pair's
// ClusterSummary, written on every exit. Every decision is re-derived from cluster state, so a crash or a new
// leader converges (docs/design/addon-controller.md).

import {
  type ClusterProfileSpec,
  CONFIG_API_VERSION,
  type FeatureDeployment,
  SERVICE_ACCOUNT_NAME_LABEL,
  SERVICE_ACCOUNT_NAMESPACE_LABEL,
} from '@sveltos-ts/api';
import { ClusterError, clusterKeyString, type RegisteredCluster } from '@sveltos-ts/clusters';
import type { ReconcileResult, RestClient } from '@sveltos-ts/kube';
import { type Phase, type Reconciler, runPhases, type Watch, watchInformer } from '@sveltos-ts/runtime';
import { type AddonContext, type PairKey, type Profile, pairId } from '../context.ts';
import { AddonError } from '../errors.ts';
import { features } from '../features/index.ts';
import { FIELD_MANAGER } from '../features/objects.ts';
import { type FeatureScope, type Summary, toolSettings } from '../features/types.ts';
import { impersonating, tenantUser } from '../impersonation.ts';
import type { ResourceId } from '../plan.ts';
import { clusterSummaryLabels, clusterSummaryName, featureStatus, fromDeployedResource } from '../summary.ts';
import { type DriftTarget, LOCAL_TARGET } from './drift-watch.ts';
import { dependencyGate, pairsForSummaryEvent, rolloutAdmits, rolloutDone } from './pair-gates.ts';
import { type FeatureResult, nextStep, writeIntent, writeSummaryStatus } from './pair-status.ts';

interface PairScope {
  pair: PairKey;
  /** The profile, unless it is gone or being deleted. */
  profile: Profile | undefined;
  cluster: RegisteredCluster | undefined;
  summary: Summary | undefined;
  /** The features' outcomes, once they ran; the deferred write turns them into the summary status. */
  results: FeatureResult[] | undefined;
  removing: boolean;
  /** status.dependencies (dependsOn): all deployed, or what the pair waits for. */
  dependencies: string | undefined;
  writeStatus(): Promise<void>;
}

export class PairReconciler implements Reconciler<PairKey> {
  readonly #ctx: AddonContext;
  readonly #deploy: Phase<PairScope>[] = [
    // maxUpdate: a pair without a slot keeps what it deployed, summary included, until one frees
    {
      name: 'rollout',
      run: async (s) =>
        rolloutAdmits(this.#ctx, s.pair, s.profile!, s.summary) ? undefined : { done: true as const },
    },
    { name: 'summary', run: (s) => this.#ensureSummary(s) },
    { name: 'dependencies', run: (s) => this.#dependencies(s) },
    { name: 'retries', run: async (s) => this.#retryBudget(s) },
    { name: 'features', run: (s) => this.#deployFeatures(s) },
  ];
  readonly #withdraw: Phase<PairScope>[] = [
    { name: 'decide', run: (s) => this.#decideWithdrawal(s) },
    { name: 'features', run: (s) => this.#withdrawFeatures(s) },
    { name: 'summary', run: (s) => this.#deleteSummaryWhenDone(s) },
  ];

  constructor(ctx: AddonContext) {
    this.#ctx = ctx;
  }

  async reconcile(pair: PairKey): Promise<ReconcileResult | undefined> {
    const ctx = this.#ctx;
    if (!ctx.registry.handles(pair.cluster)) {
      // the cluster is another shard's: let go of it without withdrawing anything (that shard adopts the
      // summary and what it deployed; docs/design/sharding.md)
      ctx.forgetReferences(pair);
      ctx.drift.watch(pair, new Map());
      ctx.rollouts.release(pair.profile, clusterKeyString(pair.cluster));
      ctx.changeCounted.delete(pairId(pair));
      return undefined;
    }
    const profile = ctx.informers.profiles.get(pair.profile);
    const cluster = ctx.registry.get(pair.cluster);
    const summaryName = clusterSummaryName(pair.profile, pair.cluster.type, pair.cluster.name);
    const alive = profile && !profile.metadata.deletionTimestamp ? profile : undefined;
    let selected = false;
    if (alive && cluster) {
      try {
        selected = ctx.selects(alive.spec ?? {}, cluster);
      } catch (error) {
        if (error instanceof ClusterError) return undefined; // reported by the profile unit; keep all
        throw error;
      }
    }
    const scope: PairScope = {
      pair,
      profile: alive,
      cluster,
      summary: ctx.informers.summaries.get(`${pair.cluster.namespace}/${summaryName}`),
      results: undefined,
      removing: !selected,
      dependencies: undefined,
      writeStatus: () => this.#writeStatus(scope),
    };
    if (!selected) {
      ctx.changeCounted.delete(pairId(pair));
      ctx.forgetReferences(pair);
      ctx.drift.watch(pair, new Map());
      ctx.rollouts.release(pair.profile, clusterKeyString(pair.cluster));
    }
    return runPhases(scope, selected ? this.#deploy : this.#withdraw);
  }

  /** Per-hop latency: the first clean deployment of a profile change to this pair's cluster. */
  #observeHop(scope: PairScope, results: FeatureResult[], dryRun: boolean): void {
    const ctx = this.#ctx;
    const changedAt = ctx.profileChangedAt.get(scope.pair.profile);
    const id = pairId(scope.pair);
    if (dryRun || changedAt === undefined || ctx.changeCounted.get(id) === changedAt) return;
    if (results.some((r) => r.outcome.errors.length > 0 || r.outcome.conflicts.length > 0)) return;
    ctx.changeCounted.set(id, changedAt);
    ctx.metrics.profileToAppliedSeconds.observe((performance.now() - changedAt) / 1000);
  }

  /** Deferred: the status from whatever the features concluded (nothing when they did not run). */
  async #writeStatus(scope: PairScope): Promise<void> {
    if (!scope.results || !scope.summary) return;
    const dryRun = scope.profile?.spec?.syncMode === 'DryRun' && !scope.removing;
    await writeSummaryStatus(this.#ctx, scope.summary, scope.results, {
      removing: scope.removing,
      dryRun: dryRun ? scope.results.flatMap((r) => r.outcome.dryRun ?? []) : undefined,
      dependencies: scope.dependencies,
      maxConsecutiveFailures: scope.removing ? undefined : scope.profile?.spec?.maxConsecutiveFailures,
    });
  }

  #featureScope(scope: PairScope, spec: ClusterProfileSpec, labels: Record<string, string>): FeatureScope {
    const ctx = this.#ctx;
    const cluster = scope.cluster!;
    let client: RestClient | undefined;
    let clientError: AddonError | undefined;
    try {
      client = impersonating(ctx.registry.connection(cluster.key), tenantUser(labels));
    } catch (error) {
      if (!(error instanceof ClusterError)) throw error;
      clientError = new AddonError(
        'APPLY_FAILED',
        `cluster ${cluster.namespace}/${cluster.name}: ${error.message}`,
      );
    }
    const drifting = spec.syncMode === 'ContinuousWithDriftDetection' && !scope.removing;
    return {
      profile: { kind: 'ClusterProfile', name: scope.pair.profile, labels, spec },
      cluster,
      target: {
        type: cluster.type,
        namespace: cluster.namespace,
        name: cluster.name,
        object: cluster.object as Record<string, unknown>,
      },
      summary: scope.summary!,
      client,
      clientError,
      managementClient: impersonating(ctx.client, tenantUser(labels)),
      drift: { suspects: drifting ? ctx.drift.take(scope.pair) : new Set() },
      withManagementObjects: (plan) => ctx.withManagementObjects(plan),
      profileExists: (name) => ctx.informers.profiles.get(name) !== undefined,
      localElsewhere: (id) => ctx.localElsewhere(scope.pair, id),
      recordIntent: (deployed) => this.#recordIntent(scope, deployed),
      wake: (profile) => ctx.queues.pair.add({ profile, cluster: scope.pair.cluster }),
      count: (action, n = 1) => ctx.metrics.resources.inc({ action }, n),
      tools: toolSettings(ctx.settings.tools),
    };
  }

  /** Writes the summary status with one feature's record replaced by its intent; the rest stays as is. */
  async #recordIntent(scope: PairScope, deployed: FeatureDeployment): Promise<void> {
    scope.summary = await writeIntent(this.#ctx, scope.summary!, deployed);
  }

  // ---- deploy ------------------------------------------------------------------------------------------

  async #ensureSummary(scope: PairScope): Promise<undefined> {
    const profile = scope.profile!;
    const cluster = scope.cluster!;
    const labels = {
      ...(this.#ctx.settings.scope ?? {}),
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
        clusterProfileSpec: profile.spec ?? {},
      },
    };
    // Careful: the apply is also what makes scope.summary fresh. The informer cache may lag this pair's last
    // status write, whose counters (drifts, failures) sections() carries over; skipping the apply on a
    // key-order-insensitive match lost drift counts (control-fields.test.ts). Cutting this write (1 per
    // reconcile in bench/fleet) needs a fresh read in its place.
    const current = scope.summary;
    const same =
      current &&
      JSON.stringify(current.spec) === JSON.stringify(desired.spec) &&
      Object.entries(labels).every(([k, v]) => current.metadata.labels?.[k] === v);
    if (!same)
      scope.summary = await this.#ctx.client.apply<Summary>(desired as Summary, {
        fieldManager: FIELD_MANAGER,
      });
    return undefined;
  }

  async #dependencies(scope: PairScope): Promise<{ done: true } | undefined> {
    const gate = dependencyGate(this.#ctx, scope.pair, scope.profile!, scope.summary);
    scope.dependencies = gate.message;
    if (!gate.results) return undefined;
    // not deployed now (what was deployed stays); woken when a dependency's summary changes
    scope.results = gate.results;
    return { done: true };
  }

  /** maxConsecutiveFailures reached: nothing is attempted again until the spec or an input changes. */
  #retryBudget(scope: PairScope): { done: true } | undefined {
    const max = scope.profile?.spec?.maxConsecutiveFailures;
    const id = pairId(scope.pair);
    if (max === undefined) {
      this.#ctx.exhausted.delete(id);
      return undefined;
    }
    const exhausted = (scope.summary?.status?.featureSummaries ?? []).some(
      (f) => (f.consecutiveFailures ?? 0) >= max,
    );
    const inputs = this.#ctx.inputsOf(scope.pair, scope.profile?.spec ?? {});
    if (exhausted && this.#ctx.exhausted.get(id) === inputs) return { done: true };
    this.#ctx.exhausted.delete(id);
    return undefined;
  }

  async #deployFeatures(scope: PairScope): Promise<{ done: true; result: ReconcileResult | undefined }> {
    const ctx = this.#ctx;
    const profile = scope.profile!;
    const spec = profile.spec ?? {};
    const previous = scope.summary;
    const fs = this.#featureScope(scope, spec, profile.metadata.labels ?? {});
    const dryRun = spec.syncMode === 'DryRun';
    const results: FeatureResult[] = [];
    for (const feature of features) {
      const recorded = feature.recorded(previous);
      if (!feature.requested(spec) && !recorded.resources?.length && !recorded.helmReleases?.length) continue;
      // OneTime: deployed once, never updated afterwards (withdrawal still applies)
      if (spec.syncMode === 'OneTime' && featureStatus(previous, feature.id) === 'Provisioned') {
        results.push({
          feature,
          outcome: { errors: [], conflicts: [], deployed: recorded, references: [], unchanged: true },
        });
        continue;
      }
      const outcome = await feature.deploy(fs, { dryRun });
      // validateHealths: what deployed cleanly is Provisioned only once its checks pass
      if (!dryRun && fs.client && outcome.errors.length === 0 && outcome.conflicts.length === 0) {
        const unhealthy = await ctx.health.check(fs.client, spec.validateHealths, feature.id);
        if (unhealthy.length > 0) {
          outcome.errors.push(...unhealthy);
          outcome.recheckAfterMs = ctx.settings.healthRetryMs ?? 5_000;
        }
      }
      results.push({ feature, outcome });
    }
    const references = results.flatMap((r) => r.outcome.references);
    // a OneTime feature kept as it was still depends on nothing new: keep watching what it read before
    if (!results.every((r) => r.outcome.unchanged)) ctx.trackReferences(scope.pair, references);
    this.#watchDrift(scope, fs, results);
    rolloutDone(ctx, scope.pair, profile, results);
    this.#observeHop(scope, results, dryRun);
    scope.results = results;
    const next = nextStep(ctx, results, spec.maxConsecutiveFailures, previous);
    if (next === 'exhausted') ctx.exhausted.set(pairId(scope.pair), ctx.inputsOf(scope.pair, spec));
    return { done: true, result: next === 'exhausted' ? undefined : next };
  }

  /** ContinuousWithDriftDetection: the drift watch follows what the object features deployed. */
  #watchDrift(scope: PairScope, fs: FeatureScope, results: readonly FeatureResult[]): void {
    const objects = new Map<DriftTarget, ResourceId[]>();
    if (scope.profile?.spec?.syncMode === 'ContinuousWithDriftDetection') {
      const ids = results.flatMap((r) => [
        ...(r.outcome.deployed.resources ?? []).map(fromDeployedResource),
        ...(r.outcome.watch ?? []),
      ]);
      const local = ids.filter((i) => i.local);
      const remote = ids.filter((i) => !i.local);
      if (local.length) objects.set({ id: LOCAL_TARGET, client: this.#ctx.client }, local);
      if (remote.length && fs.client)
        objects.set(
          {
            id: clusterKeyString(scope.pair.cluster),
            client: this.#ctx.registry.connection(scope.pair.cluster),
          },
          remote,
        );
    }
    this.#ctx.drift.watch(scope.pair, objects);
  }

  // ---- withdraw ----------------------------------------------------------------------------------------

  async #decideWithdrawal(scope: PairScope): Promise<{ done: true } | undefined> {
    const { profile, cluster, summary } = scope;
    if (summary === undefined) return { done: true };
    if (cluster === undefined) {
      // the cluster is no longer registered: nothing can be reached to withdraw from
      await this.#deleteSummary(summary);
      return { done: true };
    }
    // a cluster that is registered but not ready is waited for, not written off
    if (profile && !cluster.ready) return { done: true };
    const spec = profile?.spec ?? summary.spec.clusterProfileSpec ?? {};
    if ((profile && spec.stopMatchingBehavior === 'LeavePolicies') || spec.syncMode === 'DryRun') {
      await this.#deleteSummary(summary);
      return { done: true };
    }
    // the informer may not show yet what the previous reconcile of this pair recorded (it finished before
    // this one started): read the record from the server, or a just-applied object would be orphaned
    scope.summary =
      (await this.#ctx.client.getOrUndefined<Summary>({
        apiVersion: CONFIG_API_VERSION,
        kind: 'ClusterSummary',
        namespace: summary.metadata.namespace,
        name: summary.metadata.name,
      })) ?? summary;
    return undefined;
  }

  async #withdrawFeatures(scope: PairScope): Promise<undefined> {
    const summary = scope.summary!;
    const fs = this.#featureScope(
      scope,
      summary.spec.clusterProfileSpec ?? {},
      summary.metadata.labels ?? {},
    );
    const results: FeatureResult[] = [];
    for (const feature of features) {
      const recorded = feature.recorded(summary);
      if (!recorded.resources?.length && !recorded.helmReleases?.length) continue;
      results.push({ feature, outcome: await feature.withdraw(fs) });
    }
    scope.results = results;
    return undefined;
  }

  async #deleteSummaryWhenDone(
    scope: PairScope,
  ): Promise<{ done: true; result: ReconcileResult | undefined }> {
    const results = scope.results ?? [];
    if (results.some((r) => r.outcome.errors.length > 0))
      return { done: true, result: retryOnly(nextStep(this.#ctx, results)) };
    await this.#deleteSummary(scope.summary!);
    scope.results = undefined; // nothing left to write a status on
    this.#ctx.drift.watch(scope.pair, new Map());
    // profiles blocked by what this one owned may deploy now
    for (const p of this.#ctx.pairsOnCluster(scope.pair.cluster))
      if (pairId(p) !== pairId(scope.pair)) this.#ctx.queues.pair.add(p);
    return { done: true, result: undefined };
  }

  async #deleteSummary(summary: Summary): Promise<void> {
    await this.#ctx.client.delete({
      apiVersion: CONFIG_API_VERSION,
      kind: 'ClusterSummary',
      namespace: summary.metadata.namespace,
      name: summary.metadata.name,
    });
  }
}

/** A pair is looked at when its summary appears or goes (not on our own status writes), when the summary
 * of a profile it depends on changes readiness, when a ConfigMap/Secret its last plan read changes, when its
 * cluster changes, and (drift detection) when one of its objects changes in the cluster. */
export function pairWatches(ctx: AddonContext): Watch<PairKey>[] {
  return [
    watchInformer(ctx.informers.summaries, (e) => pairsForSummaryEvent(ctx, e)),
    watchInformer(ctx.informers.configMaps, (e) => ctx.referencing('ConfigMap', e.object)),
    watchInformer(ctx.informers.secrets, (e) => ctx.referencing('Secret', e.object)),
    {
      subscribe: (enqueue) =>
        ctx.registry.on((e) => {
          if (e.type === 'clusterset-changed') return;
          for (const p of ctx.pairsOnCluster(e.cluster)) enqueue(p);
        }),
    },
  ];
}

const retryOnly = (r: ReconcileResult | 'exhausted' | undefined): ReconcileResult | undefined =>
  r === 'exhausted' ? undefined : r;

function pick(labels: Record<string, string> | undefined, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) if (labels?.[k] !== undefined) out[k] = labels[k];
  return out;
}

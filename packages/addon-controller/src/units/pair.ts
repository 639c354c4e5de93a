// Unit "clusterprofile-cluster" (key: profile × cluster): deploys what a profile wants in one cluster, or
// withdraws it, by walking the feature table; each feature records its section of the pair's
// ClusterSummary, written on every exit. Every decision is re-derived from cluster state, so a crash or a new
// leader converges (docs/design/addon-controller.md).

import {
  type ClusterProfileSpec,
  CONFIG_API_VERSION,
  FEATURE_IDS,
  type FeatureDeployment,
  SERVICE_ACCOUNT_NAME_LABEL,
  SERVICE_ACCOUNT_NAMESPACE_LABEL,
} from '@sveltos-ts/api';
import { ClusterError, type RegisteredCluster } from '@sveltos-ts/clusters';
import type { ReconcileResult, RestClient } from '@sveltos-ts/kube';
import { type Phase, type Reconciler, runPhases, type Watch, watchInformer } from '@sveltos-ts/runtime';
import { type AddonContext, type PairKey, type Profile, pairId } from '../context.ts';
import { AddonError } from '../errors.ts';
import { features } from '../features/index.ts';
import { FIELD_MANAGER } from '../features/objects.ts';
import { type FeatureScope, type Summary, toolSettings } from '../features/types.ts';
import { impersonating, tenantUser } from '../impersonation.ts';
import { clusterSummaryLabels, clusterSummaryName, featureStatus } from '../summary.ts';
import { type FeatureResult, nextStep, writeSummaryStatus } from './pair-status.ts';

interface PairScope {
  pair: PairKey;
  /** The profile, unless it is gone or being deleted. */
  profile: Profile | undefined;
  cluster: RegisteredCluster | undefined;
  summary: Summary | undefined;
  /** The features' outcomes, once they ran; the deferred write turns them into the summary status. */
  results: FeatureResult[] | undefined;
  removing: boolean;
  writeStatus(): Promise<void>;
}

export class PairReconciler implements Reconciler<PairKey> {
  readonly #ctx: AddonContext;
  readonly #deploy: Phase<PairScope>[] = [
    { name: 'summary', run: (s) => this.#ensureSummary(s) },
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
      writeStatus: () => this.#writeStatus(scope),
    };
    if (!selected) ctx.forgetReferences(pair);
    return runPhases(scope, selected ? this.#deploy : this.#withdraw);
  }

  /** Deferred: the status from whatever the features concluded (nothing when they did not run). */
  async #writeStatus(scope: PairScope): Promise<void> {
    if (!scope.results || !scope.summary) return;
    const dryRun = scope.profile?.spec?.syncMode === 'DryRun' && !scope.removing;
    await writeSummaryStatus(this.#ctx, scope.summary, scope.results, {
      removing: scope.removing,
      dryRun: dryRun ? scope.results.flatMap((r) => r.outcome.dryRun ?? []) : undefined,
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
      withManagementObjects: (plan) => ctx.withManagementObjects(plan),
      profileExists: (name) => ctx.informers.profiles.get(name) !== undefined,
      recordIntent: (deployed) => this.#recordIntent(scope, deployed),
      wake: (profile) => ctx.queues.pair.add({ profile, cluster: scope.pair.cluster }),
      count: (action, n = 1) => ctx.metrics.resources.inc({ action }, n),
      tools: toolSettings(ctx.settings.tools),
    };
  }

  /** Writes the summary status with one feature's record replaced by its intent; the rest stays as is. */
  async #recordIntent(scope: PairScope, deployed: FeatureDeployment): Promise<void> {
    const summary = scope.summary!;
    const current = summary.status ?? {};
    const deployedFeatures = [
      ...(current.deployedFeatures ?? []).filter((f) => f.featureID !== deployed.featureID),
      deployed,
    ].sort((a, b) => FEATURE_IDS.indexOf(a.featureID) - FEATURE_IDS.indexOf(b.featureID));
    scope.summary = await this.#ctx.client.apply<Summary>(
      {
        apiVersion: CONFIG_API_VERSION,
        kind: 'ClusterSummary',
        metadata: { name: summary.metadata.name, namespace: summary.metadata.namespace },
        status: {
          featureSummaries: current.featureSummaries ?? [],
          deployedFeatures,
          // the same field manager owns these: leaving them out of the apply would delete them
          ...(current.helmReleaseSummaries ? { helmReleaseSummaries: current.helmReleaseSummaries } : {}),
        },
      } as Summary,
      { fieldManager: FIELD_MANAGER, subresource: 'status' },
    );
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

  async #deployFeatures(scope: PairScope): Promise<{ done: true; result: ReconcileResult | undefined }> {
    const profile = scope.profile!;
    const spec = profile.spec ?? {};
    const previous = scope.summary;
    const fs = this.#featureScope(scope, spec, profile.metadata.labels ?? {});
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
      results.push({ feature, outcome: await feature.deploy(fs, { dryRun: spec.syncMode === 'DryRun' }) });
    }
    const references = results.flatMap((r) => r.outcome.references);
    // a OneTime feature kept as it was still depends on nothing new: keep watching what it read before
    if (!results.every((r) => r.outcome.unchanged)) this.#ctx.trackReferences(scope.pair, references);
    scope.results = results;
    return { done: true, result: nextStep(this.#ctx, results) };
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
      return { done: true, result: nextStep(this.#ctx, results) };
    await this.#deleteSummary(scope.summary!);
    scope.results = undefined; // nothing left to write a status on
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

/** A pair is looked at when its summary appears or goes (not on our own status writes), when a
 * ConfigMap/Secret its last plan read changes, and when its cluster changes. */
export function pairWatches(ctx: AddonContext): Watch<PairKey>[] {
  return [
    watchInformer(ctx.informers.summaries, (e) =>
      e.type === 'update' ? undefined : ctx.pairOfSummary(e.object),
    ),
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

function pick(labels: Record<string, string> | undefined, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) if (labels?.[k] !== undefined) out[k] = labels[k];
  return out;
}

// What must hold before a (profile, cluster) pair deploys: a maxUpdate slot (rollout.ts) and every
// profile of dependsOn provisioned in the cluster (dependencies.ts). And what a pair's summary changing
// means for others: dependents are woken when a dependency's readiness changes.

import { type ClusterProfileSpec, type ClusterSummary, canonicalJson, type FeatureID } from '@sveltos-ts/api';
import { ClusterError, clusterKeyString } from '@sveltos-ts/clusters';
import type { InformerEvent } from '@sveltos-ts/kube';
import type { AddonContext, PairKey, Profile } from '../context.ts';
import { AddonError } from '../errors.ts';
import { features } from '../features/index.ts';
import type { Summary } from '../features/types.ts';
import { clusterSummaryName } from '../summary.ts';
import { dependencyState, provisioned } from './dependencies.ts';
import type { FeatureResult } from './pair-status.ts';
import { maxUpdateLimit, specHash } from './rollout.ts';

export const requestedFeatures = (spec: ClusterProfileSpec): FeatureID[] =>
  features.filter((f) => f.requested(spec)).map((f) => f.id);

const alive = (p: Profile | undefined): Profile | undefined =>
  p && !p.metadata.deletionTimestamp ? p : undefined;

function summaryOf(ctx: AddonContext, profile: string, pair: PairKey): Summary | undefined {
  const name = clusterSummaryName(profile, pair.cluster.type, pair.cluster.name);
  return ctx.informers.summaries.get(`${pair.cluster.namespace}/${name}`);
}

/** maxUpdate: whether this pair may deploy the profile's current spec now (false: it waits for a slot). */
export function rolloutAdmits(
  ctx: AddonContext,
  pair: PairKey,
  profile: Profile,
  summary: Summary | undefined,
): boolean {
  const spec = profile.spec ?? {};
  if (spec.maxUpdate === undefined || spec.syncMode === 'DryRun') return true;
  let matching = 0;
  // with shards, maxUpdate bounds each shard's clusters (each shard admits its own)
  for (const c of ctx.registry.list()) {
    if (!ctx.registry.inShard(c)) continue;
    try {
      if (ctx.selects(spec, c)) matching++;
    } catch (error) {
      if (!(error instanceof ClusterError)) throw error;
    }
  }
  const limit = maxUpdateLimit(spec.maxUpdate, matching);
  if (limit === undefined) return true;
  const hash = specHash(spec);
  const name = profile.metadata.name;
  const cluster = clusterKeyString(pair.cluster);
  const current = (s: ClusterSummary) =>
    canonicalJson(s.spec.clusterProfileSpec ?? {}) === canonicalJson(spec);
  if (summary && provisioned(summary, spec, requestedFeatures)) {
    if (ctx.rollouts.done(name, hash, cluster)) ctx.queues.profile.add(name);
    return true;
  }
  const admitted = ctx.rollouts.admit(name, hash, cluster, limit, {
    already: summary !== undefined && current(summary),
    seed: () =>
      ctx.informers.summaries
        .list()
        .filter(
          (s) =>
            ctx.pairOfSummary(s)?.profile === name && current(s) && !provisioned(s, spec, requestedFeatures),
        )
        .flatMap((s) => {
          const p = ctx.pairOfSummary(s);
          return p ? [clusterKeyString(p.cluster)] : [];
        }),
  });
  // the profile's status lists the clusters updating now (a waiting pair changes nothing: no wake-up)
  if (admitted === 'taken') ctx.queues.profile.add(name);
  return admitted !== 'waiting';
}

/** After the features ran: a pair now fully provisioned frees its maxUpdate slot (waking the others). */
export function rolloutDone(
  ctx: AddonContext,
  pair: PairKey,
  profile: Profile,
  results: readonly FeatureResult[],
): void {
  const spec = profile.spec ?? {};
  if (spec.maxUpdate === undefined) return;
  const clean = results.every(
    (r) =>
      r.outcome.errors.length === 0 && r.outcome.conflicts.length === 0 && r.outcome.waiting === undefined,
  );
  if (clean && ctx.rollouts.done(profile.metadata.name, specHash(spec), clusterKeyString(pair.cluster)))
    ctx.queues.profile.add(profile.metadata.name);
}

/** dependsOn: undefined when the pair may deploy, else the results to record instead (waiting or cycle). */
export function dependencyGate(
  ctx: AddonContext,
  pair: PairKey,
  profile: Profile,
  summary: Summary | undefined,
): { message: string | undefined; results?: FeatureResult[] } {
  const spec = profile.spec ?? {};
  if (!spec.dependsOn?.length) return { message: undefined };
  const state = dependencyState({
    profile: profile.metadata.name,
    spec,
    specOf: (n) =>
      alive(ctx.informers.profiles.get(n))?.spec ?? (alive(ctx.informers.profiles.get(n)) ? {} : undefined),
    summaryOf: (n) => summaryOf(ctx, n, pair),
    requested: requestedFeatures,
  });
  if (state.type === 'ready') return { message: state.message };
  const results: FeatureResult[] = [];
  for (const feature of features) {
    const recorded = feature.recorded(summary);
    if (!feature.requested(spec) && !recorded.resources?.length && !recorded.helmReleases?.length) continue;
    results.push({
      feature,
      outcome: {
        errors: state.type === 'cycle' ? [new AddonError('DEPENDENCY_CYCLE', state.message)] : [],
        conflicts: [],
        deployed: recorded,
        references: [],
        ...(state.type === 'waiting' ? { waiting: state.message } : {}),
      },
    });
  }
  return { message: state.message, results };
}

/** Profiles whose dependsOn names `profile`. */
export function dependentsOf(ctx: AddonContext, profile: string): string[] {
  return ctx.informers.profiles
    .list()
    .filter((p) => p.spec?.dependsOn?.includes(profile))
    .map((p) => p.metadata.name);
}

const readiness = (s: Summary): string =>
  canonicalJson({
    spec: s.spec.clusterProfileSpec ?? {},
    features: (s.status?.featureSummaries ?? []).map((f) => [f.featureID, f.status]),
  });

/** Pairs to look at when a ClusterSummary changes: its own when it appears or goes, and the pairs of the
 * profiles depending on it in the same cluster when its readiness changed. */
export function pairsForSummaryEvent(ctx: AddonContext, e: InformerEvent<Summary>): PairKey[] {
  const pair = ctx.pairOfSummary(e.object);
  if (!pair) return [];
  const out: PairKey[] = e.type === 'update' ? [] : [pair];
  if (e.type === 'update' && readiness(e.old) === readiness(e.object)) return out;
  for (const d of dependentsOf(ctx, pair.profile)) out.push({ profile: d, cluster: pair.cluster });
  return out;
}

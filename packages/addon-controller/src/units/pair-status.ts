// The (profile, cluster) pair's status write: each feature's outcome becomes its section of the
// ClusterSummary status (written only when it changed), failures become Warning Events, a dry run its
// annotation, and the outcomes decide whether the pair is retried.

import {
  type ClusterSummary,
  CONFIG_API_VERSION,
  FEATURE_IDS,
  type FeatureDeployment,
} from '@sveltos-ts/api';
import { type Involved, KubeError, type ReconcileResult } from '@sveltos-ts/kube';
import type { AddonContext } from '../context.ts';
import { FIELD_MANAGER } from '../features/objects.ts';
import {
  type DryRunEntry,
  type Feature,
  type FeatureOutcome,
  featureStatusOf,
  type Summary,
} from '../features/types.ts';
import { type FeatureSection, featureSection, summaryStatus } from '../summary.ts';

/** On a ClusterSummary of a DryRun profile: JSON list of what a real run would do. */
export const DRY_RUN_ANNOTATION = 'addon-controller.projectsveltos.io/dry-run';

export interface FeatureResult {
  feature: Feature;
  outcome: FeatureOutcome;
}

/** The summary sections of the features' outcomes (an unchanged one keeps the previous section). */
export function sections(
  previous: Summary | undefined,
  results: readonly FeatureResult[],
  removing: boolean,
  maxConsecutiveFailures?: number | undefined,
): FeatureSection[] {
  const now = new Date().toISOString();
  return results.map(({ feature, outcome }) => {
    const before = previous?.status?.featureSummaries?.find((f) => f.featureID === feature.id);
    const deployedBefore = previous?.status?.deployedFeatures?.find((f) => f.featureID === feature.id);
    if (outcome.unchanged && before)
      return {
        summary: before,
        deployed: { ...outcome.deployed, ...driftRecord(deployedBefore, undefined, now) },
        releases: feature.id === 'Helm' ? previous?.status?.helmReleaseSummaries : undefined,
      };
    const status = featureStatusOf(outcome, removing);
    const failed = outcome.errors.length > 0 || outcome.conflicts.length > 0;
    const consecutiveFailures = failed ? (before?.consecutiveFailures ?? 0) + 1 : 0;
    const messages = [...outcome.conflicts, ...(outcome.waiting !== undefined ? [outcome.waiting] : [])];
    if (failed && maxConsecutiveFailures !== undefined && consecutiveFailures >= maxConsecutiveFailures)
      messages.push(
        `stopped retrying after ${consecutiveFailures} consecutive failures (spec.maxConsecutiveFailures is ${maxConsecutiveFailures}); a change of the profile or its inputs tries again`,
      );
    return featureSection({
      featureID: feature.id,
      status,
      hash: failed ? undefined : outcome.hash,
      errors: outcome.errors,
      messages,
      ...(outcome.waiting !== undefined && outcome.errors.length === 0 ? { reason: 'WAITING' } : {}),
      deployed: { ...outcome.deployed, ...driftRecord(deployedBefore, outcome.drifts, now) },
      consecutiveFailures,
      now,
      releases: outcome.releaseSummaries,
    });
  });
}

/** The drift counters of a feature's record: carried over, and counted up when drifts were reverted. */
function driftRecord(
  before: FeatureDeployment | undefined,
  drifts: readonly string[] | undefined,
  now: string,
): Partial<FeatureDeployment> {
  if (!drifts?.length)
    return {
      ...(before?.driftsReverted ? { driftsReverted: before.driftsReverted } : {}),
      ...(before?.lastDrift ? { lastDrift: before.lastDrift } : {}),
      ...(before?.lastDriftTime ? { lastDriftTime: before.lastDriftTime } : {}),
    };
  const text = drifts.join(', ');
  return {
    driftsReverted: (before?.driftsReverted ?? 0) + drifts.length,
    lastDrift: text.length > 1024 ? `${text.slice(0, 1010)}... (truncated)` : text,
    lastDriftTime: now,
  };
}

/** Writes the status when it changed, the dry-run annotation when given, and an Event per failure. */
export async function writeSummaryStatus(
  ctx: AddonContext,
  summary: Summary,
  results: readonly FeatureResult[],
  options: {
    removing: boolean;
    dryRun?: DryRunEntry[] | undefined;
    dependencies?: string | undefined;
    maxConsecutiveFailures?: number | undefined;
  },
): Promise<void> {
  if (options.dryRun !== undefined) await writeDryRun(ctx, summary, options.dryRun);
  const status = {
    ...summaryStatus(sections(summary, results, options.removing, options.maxConsecutiveFailures)),
    ...(options.dependencies !== undefined ? { dependencies: options.dependencies } : {}),
  };
  if (!sameStatus(summary.status, status)) {
    try {
      await ctx.client.apply(
        {
          apiVersion: CONFIG_API_VERSION,
          kind: 'ClusterSummary',
          metadata: { name: summary.metadata.name, namespace: summary.metadata.namespace },
          status,
        },
        { fieldManager: FIELD_MANAGER, subresource: 'status' },
      );
    } catch (error) {
      if (!(error instanceof KubeError && error.code === 'NOT_FOUND')) throw error;
    }
  }
  const on: Involved = {
    apiVersion: CONFIG_API_VERSION,
    kind: 'ClusterSummary',
    name: summary.metadata.name,
    namespace: summary.metadata.namespace,
    uid: summary.metadata.uid,
  };
  for (const { outcome } of results) {
    if (outcome.unchanged) continue;
    for (const e of outcome.errors) ctx.recorder.record(on, 'Warning', e.code, e.message);
    for (const c of outcome.conflicts) ctx.recorder.record(on, 'Warning', 'CONFLICT', c);
    if (outcome.drifts?.length)
      ctx.recorder.record(
        on,
        'Warning',
        'ConfigurationDrift',
        `configuration drift reverted: ${outcome.drifts.join(', ')}`.slice(0, 1024),
      );
  }
}

async function writeDryRun(ctx: AddonContext, summary: Summary, entries: DryRunEntry[]): Promise<void> {
  const text = JSON.stringify(entries);
  if (summary.metadata.annotations?.[DRY_RUN_ANNOTATION] === text) return;
  await ctx.client.apply(
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

/** What the queue does next: retry with backoff on a retryable error (unless maxConsecutiveFailures is
 * reached), look again shortly when only health checks failed, later on a conflict. */
export function nextStep(
  ctx: AddonContext,
  results: readonly FeatureResult[],
  maxConsecutiveFailures?: number | undefined,
  previous?: Summary | undefined,
): ReconcileResult | 'exhausted' | undefined {
  const retryable = results.flatMap(({ outcome }) => outcome.errors.filter((e) => e.retryable));
  if (maxConsecutiveFailures !== undefined) {
    const exhausted = results.some(({ feature, outcome }) => {
      if (outcome.errors.length === 0 && outcome.conflicts.length === 0) return false;
      const before = previous?.status?.featureSummaries?.find((f) => f.featureID === feature.id);
      return (before?.consecutiveFailures ?? 0) + 1 >= maxConsecutiveFailures;
    });
    if (exhausted) return 'exhausted';
  }
  const recheck = results.flatMap(({ outcome }) => (outcome.recheckAfterMs ? [outcome.recheckAfterMs] : []));
  if (retryable.length > 0 && !retryable.every((e) => e.code === 'HEALTH_CHECK_FAILED'))
    throw new Error(retryable.map((e) => e.message).join('; '));
  if (recheck.length > 0) return { requeueAfterMs: Math.min(...recheck) };
  if (results.some(({ outcome }) => outcome.conflicts.length > 0))
    return { requeueAfterMs: ctx.settings.conflictRetryMs ?? 30_000 };
  return undefined;
}

/** Status equality ignoring timestamps, so a no-op reconcile writes nothing. */
function sameStatus(a: ClusterSummary['status'], b: ClusterSummary['status']): boolean {
  const strip = (s: ClusterSummary['status']) =>
    JSON.stringify({
      featureSummaries: (s?.featureSummaries ?? []).map(({ lastAppliedTime: _t, ...rest }) => rest),
      deployedFeatures: s?.deployedFeatures ?? [],
      helmReleaseSummaries: s?.helmReleaseSummaries ?? [],
      dependencies: s?.dependencies,
    });
  return strip(a) === strip(b);
}

/** Writes the summary status with one feature's record replaced by its intent; the rest stays as is. */
export async function writeIntent(
  ctx: AddonContext,
  summary: Summary,
  deployed: FeatureDeployment,
): Promise<Summary> {
  const current = summary.status ?? {};
  const before = current.deployedFeatures?.find((f) => f.featureID === deployed.featureID);
  const deployedFeatures = [
    ...(current.deployedFeatures ?? []).filter((f) => f.featureID !== deployed.featureID),
    // the drift counters stay with the record
    {
      ...deployed,
      ...(before?.driftsReverted ? { driftsReverted: before.driftsReverted } : {}),
      ...(before?.lastDrift ? { lastDrift: before.lastDrift } : {}),
      ...(before?.lastDriftTime ? { lastDriftTime: before.lastDriftTime } : {}),
    },
  ].sort((a, b) => FEATURE_IDS.indexOf(a.featureID) - FEATURE_IDS.indexOf(b.featureID));
  return ctx.client.apply<Summary>(
    {
      apiVersion: CONFIG_API_VERSION,
      kind: 'ClusterSummary',
      metadata: { name: summary.metadata.name, namespace: summary.metadata.namespace },
      status: {
        featureSummaries: current.featureSummaries ?? [],
        deployedFeatures,
        // the same field manager owns these: leaving them out of the apply would delete them
        ...(current.helmReleaseSummaries ? { helmReleaseSummaries: current.helmReleaseSummaries } : {}),
        ...(current.dependencies ? { dependencies: current.dependencies } : {}),
      },
    } as Summary,
    { fieldManager: FIELD_MANAGER, subresource: 'status' },
  );
}

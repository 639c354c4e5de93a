// The (profile, cluster) pair's status write: each feature's outcome becomes its section of the
// ClusterSummary status (written only when it changed), failures become Warning Events, a dry run its
// annotation, and the outcomes decide whether the pair is retried.

import { type ClusterSummary, CONFIG_API_VERSION } from '@sveltos-ts/api';
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
): FeatureSection[] {
  const now = new Date().toISOString();
  return results.map(({ feature, outcome }) => {
    const before = previous?.status?.featureSummaries?.find((f) => f.featureID === feature.id);
    if (outcome.unchanged && before)
      return {
        summary: before,
        deployed: outcome.deployed,
        releases: feature.id === 'Helm' ? previous?.status?.helmReleaseSummaries : undefined,
      };
    const status = featureStatusOf(outcome, removing);
    const failed = outcome.errors.length > 0 || outcome.conflicts.length > 0;
    return featureSection({
      featureID: feature.id,
      status,
      hash: failed ? undefined : outcome.hash,
      errors: outcome.errors,
      messages: outcome.conflicts,
      deployed: outcome.deployed,
      consecutiveFailures: failed ? (before?.consecutiveFailures ?? 0) + 1 : 0,
      now,
      releases: outcome.releaseSummaries,
    });
  });
}

/** Writes the status when it changed, the dry-run annotation when given, and an Event per failure. */
export async function writeSummaryStatus(
  ctx: AddonContext,
  summary: Summary,
  results: readonly FeatureResult[],
  options: { removing: boolean; dryRun?: DryRunEntry[] | undefined },
): Promise<void> {
  if (options.dryRun !== undefined) await writeDryRun(ctx, summary, options.dryRun);
  const status = summaryStatus(sections(summary, results, options.removing));
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

/** What the queue does next: retry with backoff on a retryable error, look again later on a conflict. */
export function nextStep(ctx: AddonContext, results: readonly FeatureResult[]): ReconcileResult | undefined {
  const retryable = results.flatMap(({ outcome }) => outcome.errors.filter((e) => e.retryable));
  if (retryable.length > 0) throw new Error(retryable.map((e) => e.message).join('; '));
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
    });
  return strip(a) === strip(b);
}

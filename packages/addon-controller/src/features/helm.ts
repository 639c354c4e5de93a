// Feature "Helm": the charts a profile's helmCharts name, installed, upgraded and uninstalled with the real
// helm CLI (docs/design/helm.md), spec.patches applied through helm's post-renderer (helm/post-render.ts),
// drift of the releases' objects detected and put back (helm/drift.ts).
// Charts are handled in the order written; a release is managed by one
// profile (tier decides, as for objects); the summary records each release before helm touches it, so a
// crash never orphans one, and withdrawal uninstalls what the record lists.

import type { DeployedHelmRelease, FeatureDeployment, HelmChartSummary } from '@sveltos-ts/api';
import type { AddonError } from '../errors.ts';
import { tenantUser } from '../impersonation.ts';
import type { ResourceId } from '../plan.ts';
import { deploymentHash, recordedDeployment } from '../summary.ts';
import { deployRelease, type ReleaseContext, type ReleaseResult, uninstallRelease } from './helm/actions.ts';
import { HelmCli } from './helm/cli.ts';
import { driftLabels } from './helm/drift.ts';
import { parseHelmOptions } from './helm/options.ts';
import { planReleases, releaseKey } from './helm/plan.ts';
import { postRenderer } from './helm/post-render.ts';
import { planPatches } from './patches.ts';
import type { DryRunEntry, Feature, FeatureOutcome, FeatureScope } from './types.ts';

const keyOf = (r: DeployedHelmRelease): string => releaseKey(r.releaseNamespace, r.releaseName);

const deployment = (records: Iterable<DeployedHelmRelease>): FeatureDeployment => ({
  featureID: 'Helm',
  helmReleases: [...records].sort((a, b) => keyOf(a).localeCompare(keyOf(b))),
});

const recordedReleases = (summary: FeatureScope['summary'] | undefined): DeployedHelmRelease[] =>
  recordedDeployment(summary, 'Helm').helmReleases ?? [];

/** One release at a time per API server: two profiles never run helm on the same release together. */
const locks = new Map<string, Promise<void>>();

async function withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = locks.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => {
    release = resolve;
  });
  const chained = previous.then(() => mine);
  locks.set(key, chained);
  await previous;
  try {
    return await fn();
  } finally {
    release();
    if (locks.get(key) === chained) locks.delete(key);
  }
}

/** The options a release was deployed with, from the (kept) profile spec: uninstall flags honour them. */
function recordedOptions(scope: FeatureScope, r: DeployedHelmRelease) {
  const chart = (scope.profile.spec.helmCharts ?? []).find(
    (c) => c.releaseName === r.releaseName && c.releaseNamespace === r.releaseNamespace,
  );
  try {
    return chart ? parseHelmOptions(chart.options, 'options') : undefined;
  } catch {
    return undefined;
  }
}

interface Collected {
  errors: AddonError[];
  conflicts: string[];
  entries: HelmChartSummary[];
  dryRun: DryRunEntry[];
  fingerprints: string[];
  record: Map<string, DeployedHelmRelease>;
  /** Drift detection: the releases' objects, and those found drifted and put back. */
  watch: ResourceId[];
  drifts: string[];
}

function collect(c: Collected, key: string, res: ReleaseResult): void {
  if (res.error) c.errors.push(res.error);
  if (res.conflict) c.conflicts.push(res.conflict);
  if (res.entry) c.entries.push(res.entry);
  if (res.dryRun) c.dryRun.push(res.dryRun);
  if (res.fingerprint) c.fingerprints.push(res.fingerprint);
  if (res.objects) c.watch.push(...res.objects);
  if (res.drifts) c.drifts.push(...res.drifts);
  if (res.record === null) c.record.delete(key);
  else if (res.record)
    c.record.set(key, {
      ...res.record,
      ...(res.record.lastAppliedTime || !c.record.get(key)?.lastAppliedTime
        ? {}
        : { lastAppliedTime: c.record.get(key)?.lastAppliedTime }),
    });
}

function releaseContext(scope: FeatureScope, c: Collected, helm: HelmCli): ReleaseContext {
  return {
    scope,
    client: scope.client!,
    helm,
    recordIntent: async (entry) => {
      const key = keyOf(entry);
      const before = c.record.get(key);
      c.record.set(key, {
        ...entry,
        ...(before?.lastAppliedTime ? { lastAppliedTime: before.lastAppliedTime } : {}),
      });
      if (JSON.stringify(before ?? {}) !== JSON.stringify(c.record.get(key)))
        await scope.recordIntent(deployment(c.record.values()));
    },
  };
}

async function deploy(scope: FeatureScope, options: { dryRun: boolean }): Promise<FeatureOutcome> {
  const { profile } = scope;
  const spec = profile.spec;
  const { plan, patches } = await scope.withManagementObjects((lookup) => {
    const input = {
      profile: { kind: 'ClusterProfile' as const, name: profile.name, spec },
      cluster: scope.target,
      lookup,
    };
    return { plan: planReleases(input), patches: planPatches(input) };
  });
  plan.references.push(...patches.references);
  const recorded = recordedReleases(scope.summary);
  const c: Collected = {
    errors: [...plan.errors],
    conflicts: [],
    entries: [],
    dryRun: [],
    fingerprints: [],
    record: new Map(recorded.map((r) => [keyOf(r), r])),
    watch: [],
    drifts: [],
  };
  const outcome = (): FeatureOutcome => ({
    errors: c.errors,
    conflicts: c.conflicts,
    deployed: options.dryRun ? deployment(recorded) : deployment(c.record.values()),
    hash: deploymentHash(c.fingerprints),
    references: plan.references,
    releaseSummaries: c.entries,
    ...(c.watch.length > 0 ? { watch: c.watch } : {}),
    ...(c.drifts.length > 0 ? { drifts: c.drifts } : {}),
    ...(options.dryRun ? { dryRun: c.dryRun } : {}),
  });
  const client = scope.client;
  if (client === undefined) {
    if (scope.clientError) c.errors.push(scope.clientError);
    c.entries.push(...(scope.summary.status?.helmReleaseSummaries ?? []));
    return outcome();
  }
  if (patches.errors.length > 0) {
    // never the charts without the patches the profile asks for
    c.errors.push(...patches.errors);
    c.entries.push(...(scope.summary.status?.helmReleaseSummaries ?? []));
    return outcome();
  }
  const helm = new HelmCli(scope.tools, client, tenantUser(profile.labels));
  const drift = spec.syncMode === 'ContinuousWithDriftDetection' && !options.dryRun;
  const ctx: ReleaseContext = {
    ...releaseContext(scope, c, helm),
    postRender: (r) =>
      postRenderer(
        helm,
        releaseKey(r.namespace, r.name),
        patches.patches,
        drift ? driftLabels(r.namespace, r.name) : undefined,
      ),
    ...(drift ? { drift: scope.drift } : {}),
  };
  const lockKey = (namespace: string, name: string) => `${client.server}|${releaseKey(namespace, name)}`;
  try {
    // releases no longer asked for go first (as upstream), unless some chart could not be planned: nothing
    // is withdrawn on incomplete information
    const planningFailed = c.errors.length > 0 || plan.charts.some((p) => p.error);
    const wanted = new Set(
      plan.charts.map((p) =>
        p.release ? releaseKey(p.release.namespace, p.release.name) : releaseKey(p.namespace, p.name),
      ),
    );
    if (!planningFailed) {
      for (const r of recorded) {
        if (wanted.has(keyOf(r))) continue;
        const target = { namespace: r.releaseNamespace, name: r.releaseName };
        const res = await withLock(lockKey(target.namespace, target.name), () =>
          uninstallRelease(ctx, target, recordedOptions(scope, r), options.dryRun),
        );
        collect(c, keyOf(r), res);
      }
    }
    const previous = new Map(
      (scope.summary.status?.helmReleaseSummaries ?? []).map((e) => [
        releaseKey(e.releaseNamespace, e.releaseName),
        e,
      ]),
    );
    let stopped: 'error' | 'conflict' | undefined;
    let skipped = 0;
    for (const p of plan.charts) {
      const key = p.release
        ? releaseKey(p.release.namespace, p.release.name)
        : releaseKey(p.namespace, p.name);
      if (stopped !== undefined) {
        // not attempted: its previous state stands
        const before = previous.get(key);
        if (before) c.entries.push(before);
        skipped++;
        continue;
      }
      if (p.error) {
        c.errors.push(p.error);
        if (!`${p.namespace}${p.name}`.includes('{{'))
          c.entries.push({
            releaseName: p.name,
            releaseNamespace: p.namespace,
            status: 'Managing',
            failureMessage: p.error.message,
          });
        if (spec.continueOnError !== true) stopped = 'error';
        continue;
      }
      const r = p.release;
      const res = await withLock(lockKey(r.namespace, r.name), () => deployRelease(ctx, r, options.dryRun));
      collect(c, key, res);
      if (res.error && spec.continueOnError !== true) stopped = 'error';
      if (res.conflict && spec.continueOnConflict !== true) stopped = 'conflict';
    }
    if (stopped === 'conflict' && skipped > 0)
      c.conflicts.push(
        `${skipped} chart(s) after the conflict were not deployed (continueOnConflict is false)`,
      );
  } finally {
    helm.dispose();
  }
  if (c.conflicts.length > 0) scope.count('conflict', c.conflicts.length);
  return outcome();
}

async function withdraw(scope: FeatureScope): Promise<FeatureOutcome> {
  const recorded = recordedReleases(scope.summary);
  const c: Collected = {
    errors: [],
    conflicts: [],
    entries: [],
    dryRun: [],
    fingerprints: [],
    record: new Map(recorded.map((r) => [keyOf(r), r])),
    watch: [],
    drifts: [],
  };
  const outcome = (): FeatureOutcome => ({
    errors: c.errors,
    conflicts: [],
    deployed: deployment(c.record.values()),
    references: [],
    releaseSummaries: c.entries,
  });
  if (recorded.length === 0) return outcome();
  const client = scope.client;
  if (client === undefined) {
    if (scope.clientError) c.errors.push(scope.clientError);
    return outcome();
  }
  const helm = new HelmCli(scope.tools, client, tenantUser(scope.profile.labels));
  const ctx = releaseContext(scope, c, helm);
  try {
    for (const r of recorded) {
      const target = { namespace: r.releaseNamespace, name: r.releaseName };
      const res = await withLock(`${client.server}|${keyOf(r)}`, () =>
        uninstallRelease(ctx, target, recordedOptions(scope, r), false),
      );
      collect(c, keyOf(r), res);
      if (res.error)
        c.entries.push({
          releaseName: r.releaseName,
          releaseNamespace: r.releaseNamespace,
          status: 'Managing',
          failureMessage: res.error.message,
        });
    }
  } finally {
    helm.dispose();
  }
  return outcome();
}

export const helmFeature: Feature = {
  id: 'Helm',
  requested: (spec) => (spec.helmCharts ?? []).length > 0,
  recorded: (summary) => deployment(recordedReleases(summary)),
  deploy,
  withdraw,
};

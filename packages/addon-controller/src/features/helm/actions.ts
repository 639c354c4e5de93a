// What happens to one release: decided from the live release (helm's storage) and who owns it, then done
// with the helm CLI — install, upgrade, uninstall, or nothing when chart, version, values and ownership
// already match. Callers hold the release's lock, so two profiles never act on one release at once.

import { canonicalJson, type DeployedHelmRelease, type HelmChartSummary } from '@sveltos-ts/api';
import { failpoint, type RestClient } from '@sveltos-ts/kube';
import { parseAllDocuments } from 'yaml';
import { AddonError } from '../../errors.ts';
import type { ResourceId } from '../../plan.ts';
import { FIELD_MANAGER, kubeFailure } from '../objects.ts';
import type { DryRunEntry, FeatureScope } from '../types.ts';
import { cachedResolution, type FetchedChart, fetchChart } from './charts.ts';
import { type HelmCli, HelmCommandError } from './cli.ts';
import { driftedObjects, type ReleaseObject, releaseObjects } from './drift.ts';
import { commandDeadline, type HelmOptions, installFlags, uninstallFlags, upgradeFlags } from './options.ts';
import type { DesiredRelease } from './plan.ts';
import { PATCHES_LABEL } from './post-render.ts';
import { type LiveRelease, ownerLabels, readRelease, releaseOwnership } from './release.ts';

/** What one release's reconcile concluded. */
export interface ReleaseResult {
  /** Its helmReleaseSummaries entry (none for a release that is not there and not wanted). */
  entry?: HelmChartSummary | undefined;
  /** The record entry after this reconcile: set, or null to drop it; undefined leaves it as it was. */
  record?: DeployedHelmRelease | null | undefined;
  error?: AddonError | undefined;
  conflict?: string | undefined;
  dryRun?: DryRunEntry | undefined;
  /** `ns/name|version|valuesHash` of a release managed as desired (the feature's hash). */
  fingerprint?: string | undefined;
  /** Drift detection: the release's objects (to watch) and those found drifted and put back. */
  objects?: ResourceId[] | undefined;
  drifts?: string[] | undefined;
}

export interface ReleaseContext {
  scope: FeatureScope;
  client: RestClient;
  helm: HelmCli;
  /** Writes the record with this entry set before helm runs (crash consistency). */
  recordIntent(entry: DeployedHelmRelease): Promise<void>;
  /** spec.patches/patchesFrom and drift labels: helm's post-renderer flags and the release label carrying
   * their hash, per release (helm/post-render.ts). */
  postRender?:
    | ((r: {
        namespace: string;
        name: string;
      }) => { flags: string[]; labels: Record<string, string> } | undefined)
    | undefined;
  /** ContinuousWithDriftDetection: the objects the drift watch saw change (helm/drift.ts). */
  drift?: { suspects: ReadonlySet<string> } | undefined;
}

export const describeRelease = (r: { namespace: string; name: string }): string =>
  `helm release ${r.namespace}/${r.name}`;

const helmFailure = (r: { namespace: string; name: string; field?: string }, verb: string, e: unknown) => {
  if (!(e instanceof HelmCommandError)) throw e;
  const where = r.field ? `${r.field} (release ${r.namespace}/${r.name})` : describeRelease(r);
  return new AddonError('HELM_FAILED', `${where}: helm ${verb} failed: ${e.message}`, { cause: e });
};

async function live(
  ctx: ReleaseContext,
  r: { namespace: string; name: string },
): Promise<LiveRelease | undefined> {
  try {
    return await readRelease(ctx.client, r.namespace, r.name);
  } catch (error) {
    throw kubeFailure(undefined, error);
  }
}

/** Uninstalls a release this profile owns; anything else is left alone (and dropped from the record). */
export async function uninstallRelease(
  ctx: ReleaseContext,
  r: { namespace: string; name: string },
  options: HelmOptions | undefined,
  dryRun: boolean,
): Promise<ReleaseResult> {
  const current = await live(ctx, r);
  const own = releaseOwnership(current, ctx.scope.profile.name);
  if (own.type !== 'ours')
    return {
      record: null,
      dryRun: {
        action: 'NoAction',
        resource: describeRelease(r),
        message: `not installed by this profile (${own.type})`,
      },
    };
  if (dryRun) return { dryRun: { action: 'Uninstall', resource: describeRelease(r) } };
  try {
    await ctx.helm.run(
      ['uninstall', r.name, '--namespace', r.namespace, ...(options ? uninstallFlags(options) : [])],
      {
        kube: true,
        timeoutMs: options ? commandDeadline(options, ctx.helm.tools.commandTimeoutMs) : undefined,
        what: `helm uninstall ${r.namespace}/${r.name}`,
      },
    );
  } catch (error) {
    return { error: helmFailure(r, 'uninstall', error) };
  }
  ctx.scope.count('helm-uninstall');
  return { record: null };
}

function sameRelease(
  l: LiveRelease,
  r: DesiredRelease,
  version: string,
  labels: Record<string, string>,
): string | undefined {
  const chart = r.source.ref.split('/').at(-1);
  if (l.status !== 'deployed') return `release is ${l.status}`;
  if (l.labels[PATCHES_LABEL] !== labels[PATCHES_LABEL]) return 'patches changed';
  if (l.chartName !== chart) return `chart ${l.chartName} → ${chart}`;
  if (l.chartVersion.replace(/^v(?=\d)/, '') !== version)
    return `chart version ${l.chartVersion} → ${version}`;
  if (canonicalJson(l.config) !== canonicalJson(r.values)) return 'values changed';
  for (const [k, v] of Object.entries(labels)) if (l.labels[k] !== v) return 'ownership labels changed';
  return undefined;
}

/** The chart's CRDs applied before an upgrade (`upgradeOptions.upgradeCRDs`; helm itself never upgrades them). */
async function upgradeCrds(ctx: ReleaseContext, chart: FetchedChart): Promise<void> {
  const text = await ctx.helm.run(['show', 'crds', chart.file], { kube: false, what: 'helm show crds' });
  for (const doc of parseAllDocuments(text)) {
    const crd = doc.toJS() as { kind?: string; metadata?: { name?: string } } | null;
    if (crd?.kind !== 'CustomResourceDefinition') continue;
    try {
      await ctx.client.apply(crd as never, { fieldManager: FIELD_MANAGER, force: true });
    } catch (error) {
      throw kubeFailure(undefined, error);
    }
  }
}

/** Installs, upgrades or leaves a wanted release, or reports who else manages it. */
export async function deployRelease(
  ctx: ReleaseContext,
  r: DesiredRelease,
  dryRun: boolean,
): Promise<ReleaseResult> {
  const { scope } = ctx;
  const resource = `${describeRelease(r)} (chart ${r.source.chartName} ${r.source.version})`;
  const entry = (extra: Partial<HelmChartSummary> = {}): HelmChartSummary => ({
    releaseName: r.name,
    releaseNamespace: r.namespace,
    status: 'Managing',
    valuesHash: r.valuesHash,
    ...extra,
  });
  if (r.action === 'Uninstall') return uninstallRelease(ctx, r, r.options, dryRun);
  const current = await live(ctx, r);
  const own = releaseOwnership(current, scope.profile.name);
  let takeoverFrom: string | undefined;
  if (own.type === 'foreign' || own.type === 'profile') {
    const taken = own.type === 'profile' && (!scope.profileExists(own.name) || r.tier < own.tier);
    if (!taken) {
      const message =
        own.type === 'foreign'
          ? `${describeRelease(r)} already exists and was not installed by Sveltos: it is left untouched (uninstall it or drop it from the profile)`
          : `${describeRelease(r)} is managed by ClusterProfile ${own.name} (tier ${own.tier}); this profile's tier ${r.tier} does not take precedence (the lower tier wins, the current owner keeps it on equal tiers)`;
      return {
        entry: entry({ status: 'Conflict', conflictMessage: message, valuesHash: undefined }),
        record: null,
        conflict: message,
        dryRun: { action: 'Conflict', resource, message },
      };
    }
    takeoverFrom = own.name;
  }
  const render = ctx.postRender?.(r);
  const labels = { ...ownerLabels(scope.profile.name, r.tier), ...(render?.labels ?? {}) };
  const postRender = render?.flags ?? [];
  let chart: FetchedChart | undefined;
  let version = cachedResolution(ctx.helm, r.source);
  try {
    if (version === undefined) {
      chart = await fetchChart(ctx.helm, r.source, r.field);
      version = chart.version;
    }
  } catch (error) {
    if (!(error instanceof AddonError)) throw error;
    return {
      entry: entry({ failureMessage: error.message }),
      error,
      dryRun: { action: 'NoAction', resource, message: error.message },
    };
  }
  let change =
    own.type === 'absent'
      ? 'not installed'
      : own.type === 'ours' && current
        ? sameRelease(current, r, version, labels)
        : 'takeover';
  let drifts: string[] = [];
  let objects: ReleaseObject[] | undefined;
  if (ctx.drift && current && change === undefined) {
    objects = await releaseObjects(ctx.client, current.manifest, r.namespace);
    if (!dryRun) drifts = await driftedObjects(ctx.client, objects, ctx.drift.suspects);
    // an upgrade with what the release has puts changed fields back and creates missing objects
    if (drifts.length > 0) change = `drift: ${drifts.join(', ')}`;
  }
  const patched = labels[PATCHES_LABEL] ? `|${labels[PATCHES_LABEL]}` : '';
  const fingerprint = `${r.namespace}/${r.name}|${version}|${r.valuesHash}${patched}`;
  const record: DeployedHelmRelease = {
    releaseName: r.name,
    releaseNamespace: r.namespace,
    chartName: r.source.chartName,
    chartVersion: version,
    repositoryURL: r.source.repositoryURL,
  };
  if (change === undefined)
    return {
      entry: entry(),
      record,
      fingerprint,
      dryRun: { action: 'NoAction', resource },
      ...(objects ? { objects: objects.map((o) => o.id) } : {}),
    };
  const install = own.type === 'absent' || !current?.hasDeployed;
  if (dryRun)
    return { entry: entry(), dryRun: { action: install ? 'Install' : 'Upgrade', resource, message: change } };
  try {
    chart ??= await fetchChart(ctx.helm, r.source, r.field);
  } catch (error) {
    if (!(error instanceof AddonError)) throw error;
    return { entry: entry({ failureMessage: error.message }), error };
  }
  await ctx.recordIntent(record);
  failpoint('addon-controller/helm-before-install');
  const values = ctx.helm.file('values.json', JSON.stringify(r.values));
  const timeoutMs = commandDeadline(r.options, ctx.helm.tools.commandTimeoutMs);
  const base = ['--namespace', r.namespace, '--values', values];
  let verb = install ? 'install' : 'upgrade';
  try {
    // a release left pending by an interrupted helm (killed, crashed) blocks every later operation
    if (current?.status.startsWith('pending-') && own.type === 'ours') {
      verb = 'recovery of a pending release';
      if (install)
        await ctx.helm.run(['uninstall', r.name, '--namespace', r.namespace], {
          kube: true,
          what: 'helm uninstall',
        });
      else
        await ctx.helm.run(['rollback', r.name, '--namespace', r.namespace], {
          kube: true,
          what: 'helm rollback',
        });
      verb = install ? 'install' : 'upgrade';
    }
    if (install) {
      await ctx.helm.run(
        ['install', r.name, chart.file, ...base, ...installFlags(r.options, labels), ...postRender],
        {
          kube: true,
          timeoutMs,
          what: `helm install ${r.namespace}/${r.name}`,
        },
      );
    } else {
      if (r.options.upgrade.upgradeCRDs) await upgradeCrds(ctx, chart);
      await ctx.helm.run(
        ['upgrade', r.name, chart.file, ...base, ...upgradeFlags(r.options, labels), ...postRender],
        {
          kube: true,
          timeoutMs,
          what: `helm upgrade ${r.namespace}/${r.name}`,
        },
      );
    }
  } catch (error) {
    const failure = error instanceof AddonError ? error : helmFailure(r, verb, error);
    scope.count('failed');
    return { entry: entry({ failureMessage: failure.message }), record, error: failure };
  }
  failpoint('addon-controller/helm-after-install');
  scope.count(install ? 'helm-install' : 'helm-upgrade');
  if (takeoverFrom) scope.wake(takeoverFrom);
  let watched: ResourceId[] | undefined;
  if (ctx.drift) {
    const after = await live(ctx, r);
    watched = after ? (await releaseObjects(ctx.client, after.manifest, r.namespace)).map((o) => o.id) : [];
  }
  return {
    entry: entry(),
    record: { ...record, lastAppliedTime: new Date().toISOString() },
    fingerprint,
    ...(watched ? { objects: watched } : {}),
    ...(drifts.length > 0 ? { drifts } : {}),
  };
}

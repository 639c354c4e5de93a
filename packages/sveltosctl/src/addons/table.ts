// What `sveltosctl show addons` prints: one row per object (or Helm release) a profile deployed in a cluster,
// read from the ClusterSummaries the addon-controller writes. Rows and the table text are pure; listAddons()
// reads the summaries. Everything it needs from the addon-controller (kinds, label keys, types) comes from
// @sveltos-ts/api: the CLI never loads the controller.

import { CLUSTER_PROFILE_NAME_LABEL, type ClusterSummary, ClusterSummaryKind } from '@sveltos-ts/api';
import type { KubeObject, RestClient } from '@sveltos-ts/kube';

export interface AddonRow {
  cluster: string;
  resourceType: string;
  namespace: string;
  name: string;
  version: string;
  time: string;
  profiles: string[];
  /** With `verbose`: per profile, the feature that deployed it, its state and failure (featureSummaries),
   * and where it went (Local: the management cluster). */
  details?: AddonDetail[];
}

export interface AddonDetail {
  profile: string;
  feature: string;
  deploymentType: 'Local' | 'Remote';
  status: string;
  failureMessage?: string | undefined;
}

export interface AddonFilters {
  /** Namespace of the clusters. */
  namespace?: string | undefined;
  /** Cluster name. */
  cluster?: string | undefined;
  /** `name` or `ClusterProfile/name`. */
  profile?: string | undefined;
  /** Only Helm releases, or only resources (upstream's `--helm-charts` / `--resources`). */
  only?: 'helm' | 'resources' | undefined;
  /** Add each profile's feature, deployment type and feature state to the rows (`--verbose`). */
  verbose?: boolean | undefined;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Go's time.Time String() layout, in UTC: `2025-02-28 13:23:08 +0000 UTC`. */
export function goTimeString(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return (
    `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} +0000 UTC`
  );
}

/** Rows for the summaries that pass the filters; an object deployed by several profiles is one row. */
export function addonRows(summaries: readonly ClusterSummary[], filters: AddonFilters = {}): AddonRow[] {
  const profileFilter = filters.profile?.replace(/^ClusterProfile\//, '');
  const rows = new Map<string, AddonRow>();
  const add = (row: AddonRow) => {
    const key = JSON.stringify([row.cluster, row.resourceType, row.namespace, row.name]);
    const seen = rows.get(key);
    if (seen === undefined) rows.set(key, row);
    else {
      seen.profiles = [...new Set([...seen.profiles, ...row.profiles])].sort();
      if (seen.details && row.details) seen.details.push(...row.details);
    }
  };
  for (const s of summaries) {
    const profile = s.metadata.labels?.[CLUSTER_PROFILE_NAME_LABEL];
    if (!profile) continue;
    if (filters.namespace && s.spec.clusterNamespace !== filters.namespace) continue;
    if (filters.cluster && s.spec.clusterName !== filters.cluster) continue;
    if (profileFilter && profile !== profileFilter) continue;
    const cluster = `${s.spec.clusterNamespace}/${s.spec.clusterName}`;
    const profiles = [`ClusterProfile/${profile}`];
    for (const f of s.status?.deployedFeatures ?? []) {
      const state = s.status?.featureSummaries?.find((x) => x.featureID === f.featureID);
      const details = (deploymentType: 'Local' | 'Remote') =>
        filters.verbose
          ? {
              details: [
                {
                  profile: profiles[0]!,
                  feature: f.featureID,
                  deploymentType,
                  status: state?.status ?? '',
                  ...(state?.failureMessage ? { failureMessage: state.failureMessage } : {}),
                },
              ],
            }
          : {};
      for (const r of filters.only === 'helm' ? [] : (f.resources ?? [])) {
        add({
          cluster,
          resourceType: `${r.group}:${r.kind}`,
          namespace: r.namespace ?? '',
          name: r.name,
          version: 'N/A',
          time: goTimeString(r.lastAppliedTime),
          profiles,
          ...details(r.deploymentType === 'Local' ? 'Local' : 'Remote'),
        });
      }
      for (const h of filters.only === 'resources' ? [] : (f.helmReleases ?? [])) {
        add({
          cluster,
          resourceType: 'helm chart',
          namespace: h.releaseNamespace,
          name: h.releaseName,
          version: h.chartVersion ?? 'N/A',
          time: goTimeString(h.lastAppliedTime),
          profiles,
          ...details('Remote'),
        });
      }
    }
  }
  const key = (r: AddonRow) => [r.cluster, r.resourceType, r.namespace, r.name].join('\0');
  return [...rows.values()].sort((a, b) => key(a).localeCompare(key(b)));
}

export const ADDON_HEADERS = [
  'CLUSTER',
  'RESOURCE TYPE',
  'NAMESPACE',
  'NAME',
  'VERSION',
  'TIME',
  'PROFILES',
] as const;

/** An ASCII table as upstream's CLI prints it: centred headers, left-aligned cells, rules around. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const centre = (t: string, w: number) => {
    const left = Math.floor((w - t.length) / 2);
    return ' '.repeat(left) + t + ' '.repeat(w - t.length - left);
  };
  const line = (cells: readonly string[], align: (t: string, w: number) => string) =>
    `| ${cells.map((c, i) => align(c, widths[i]!)).join(' | ')} |`;
  return [
    rule,
    line(headers, centre),
    rule,
    ...rows.map((r) => line(r, (t, w) => t.padEnd(w))),
    ...(rows.length > 0 ? [rule] : []),
  ].join('\n');
}

/** The table; with `verbose`, one row per profile with its feature, deployment type, state and failure. */
export function addonsTable(rows: readonly AddonRow[], verbose = false): string {
  const base = (r: AddonRow) => [r.cluster, r.resourceType, r.namespace, r.name, r.version, r.time];
  if (!verbose)
    return renderTable(
      ADDON_HEADERS,
      rows.map((r) => [...base(r), r.profiles.join(', ')]),
    );
  return renderTable(
    [...ADDON_HEADERS, 'FEATURE', 'DEPLOYMENT', 'STATUS', 'MESSAGE'],
    rows.flatMap((r) =>
      (r.details ?? []).map((d) => [
        ...base(r),
        d.profile,
        d.feature,
        d.deploymentType,
        d.status,
        d.failureMessage ?? '',
      ]),
    ),
  );
}

/** Reads the ClusterSummaries of the management cluster (only those of `filters.namespace` when given). */
export async function listAddons(client: RestClient, filters: AddonFilters = {}): Promise<AddonRow[]> {
  const list = await client.list<ClusterSummary & KubeObject>(
    ClusterSummaryKind.apiVersion,
    ClusterSummaryKind.kind,
    { namespace: filters.namespace },
  );
  return addonRows(list.items, filters);
}

// A release as it is in the managed cluster, read from helm's own storage (the `sh.helm.release.v1.*`
// Secrets: base64 of gzipped JSON), so deciding that nothing needs doing costs one list call and no helm
// process. Ownership lives on the release like on objects: helm release labels (stored on those Secrets)
// name the profile and its tier.

import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { KubeObject, RestClient } from '@sveltos-ts/kube';
import { OWNER_KIND_ANNOTATION, OWNER_NAME_ANNOTATION, OWNER_TIER_ANNOTATION } from '../../plan.ts';

export interface LiveRelease {
  revision: number;
  /** deployed, failed, pending-install, pending-upgrade, pending-rollback, uninstalling, uninstalled, superseded */
  status: string;
  chartName: string;
  chartVersion: string;
  /** The values the release was installed with (helm's `config`). */
  config: Record<string, unknown>;
  /** Release labels (helm's system labels removed). */
  labels: Record<string, string>;
  /** Some revision is deployed (an upgrade is possible). */
  hasDeployed: boolean;
  /** The rendered (and post-rendered) manifest of the latest revision. */
  manifest: string;
}

const SYSTEM_LABELS = new Set(['name', 'owner', 'status', 'version', 'createdAt', 'modifiedAt']);

type StorageSecret = KubeObject & { data?: Record<string, string> };

function decode(secret: StorageSecret): {
  status?: string;
  chart?: unknown;
  config?: unknown;
  manifest?: string;
} {
  const outer = Buffer.from(secret.data?.release ?? '', 'base64').toString('utf8');
  let bytes = Buffer.from(outer, 'base64');
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  const r = JSON.parse(bytes.toString('utf8')) as {
    info?: { status?: string };
    chart?: { metadata?: { name?: string; version?: string } };
    config?: Record<string, unknown> | null;
    manifest?: string;
  };
  return {
    status: r.info?.status,
    chart: r.chart?.metadata,
    config: r.config ?? {},
    manifest: r.manifest ?? '',
  };
}

/** The latest revision of release `name` in `namespace`, or undefined when there is none. */
export async function readRelease(
  client: RestClient,
  namespace: string,
  name: string,
): Promise<LiveRelease | undefined> {
  const list = await client.list<StorageSecret>('v1', 'Secret', {
    namespace,
    labelSelector: `owner=helm,name=${name}`,
  });
  if (list.items.length === 0) return undefined;
  const revision = (s: StorageSecret) => Number(s.metadata.labels?.version ?? 0);
  const latest = list.items.reduce((a, b) => (revision(b) > revision(a) ? b : a));
  const r = decode(latest);
  const chart = (r.chart ?? {}) as { name?: string; version?: string };
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(latest.metadata.labels ?? {})) if (!SYSTEM_LABELS.has(k)) labels[k] = v;
  return {
    revision: revision(latest),
    status: r.status ?? latest.metadata.labels?.status ?? 'unknown',
    chartName: chart.name ?? '',
    chartVersion: chart.version ?? '',
    config: (r.config ?? {}) as Record<string, unknown>,
    labels,
    hasDeployed: list.items.some((s) => s.metadata.labels?.status === 'deployed'),
    manifest: r.manifest ?? '',
  };
}

/** A label value naming a profile: the name itself when it fits, else a readable prefix and a hash. */
export function ownerValue(name: string): string {
  if (name.length <= 63 && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 16);
  return `${name
    .slice(0, 46)
    .replace(/[^-a-z0-9.]/g, '-')
    .replace(/[-.]+$/, '')}-${hash}`;
}

export function ownerLabels(profile: string, tier: number): Record<string, string> {
  return {
    [OWNER_KIND_ANNOTATION]: 'ClusterProfile',
    [OWNER_NAME_ANNOTATION]: ownerValue(profile),
    [OWNER_TIER_ANNOTATION]: String(tier),
  };
}

export type ReleaseOwnership =
  | { type: 'absent' }
  | { type: 'ours' }
  | { type: 'profile'; name: string; tier: number }
  | { type: 'foreign' };

/** Who manages a live release: nobody (absent or uninstalled), this profile, another one, or not Sveltos. */
export function releaseOwnership(live: LiveRelease | undefined, profile: string): ReleaseOwnership {
  if (live === undefined || live.status === 'uninstalled') return { type: 'absent' };
  const kind = live.labels[OWNER_KIND_ANNOTATION];
  const name = live.labels[OWNER_NAME_ANNOTATION];
  if (kind === undefined || name === undefined) return { type: 'foreign' };
  if (kind === 'ClusterProfile' && name === ownerValue(profile)) return { type: 'ours' };
  const tier = Number.parseInt(live.labels[OWNER_TIER_ANNOTATION] ?? '', 10);
  return { type: 'profile', name, tier: Number.isFinite(tier) ? tier : 100 };
}

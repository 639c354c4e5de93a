// The ClusterSummary of a (profile, cluster) pair: its name and labels, what it records as deployed, and the
// status written after each reconcile. Pure.

import { createHash } from 'node:crypto';
import {
  CLUSTER_NAME_LABEL,
  CLUSTER_PROFILE_NAME_LABEL,
  CLUSTER_TYPE_LABEL,
  type ClusterSummary,
  type ClusterSummaryStatus,
  type ClusterType,
  type DeployedResource,
  type FeatureDeployment,
  type FeatureID,
  type FeatureStatus,
  type FeatureSummary,
  type HelmChartSummary,
} from '@sveltos-ts/api';
import type { AddonError } from './errors.ts';
import { type ResourceId, resourceKey } from './plan.ts';

const MAX_NAME = 253;

/** Upstream's name for a ClusterProfile's summary: `<profile>-<capi|sveltos>-<cluster>` (in the cluster's
 * namespace). Names that would exceed 253 characters are cut and end with a hash, so they stay unique. */
export function clusterSummaryName(
  profileName: string,
  clusterType: ClusterType,
  clusterName: string,
): string {
  const name = `${profileName}-${clusterType.toLowerCase()}-${clusterName}`;
  if (name.length <= MAX_NAME) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 16);
  return `${name.slice(0, MAX_NAME - 17).replace(/[-.]+$/, '')}-${hash}`;
}

export function clusterSummaryLabels(
  profileName: string,
  clusterType: ClusterType,
  clusterName: string,
): Record<string, string> {
  return {
    [CLUSTER_PROFILE_NAME_LABEL]: profileName,
    [CLUSTER_NAME_LABEL]: clusterName,
    [CLUSTER_TYPE_LABEL]: clusterType.toLowerCase(),
  };
}

export interface RecordedResource extends ResourceId {
  lastAppliedTime?: string | undefined;
  /** It existed before Sveltos applied to it: withdrawal restores it instead of deleting it. */
  preExisting?: true | undefined;
}

/** A feature's deployment record, as kept in the summary's `deployedFeatures`. */
export function recordedDeployment(
  summary: ClusterSummary | undefined,
  featureID: FeatureID,
): FeatureDeployment {
  return summary?.status?.deployedFeatures?.find((f) => f.featureID === featureID) ?? { featureID };
}

/** The resources a feature recorded as deployed. */
export function recordedResources(
  summary: ClusterSummary | undefined,
  featureID: FeatureID = 'Resources',
): RecordedResource[] {
  return (recordedDeployment(summary, featureID).resources ?? []).map(fromDeployedResource);
}

export function fromDeployedResource(r: DeployedResource): RecordedResource {
  return {
    group: r.group,
    version: r.version,
    kind: r.kind,
    namespace: r.namespace ?? '',
    name: r.name,
    ...(r.deploymentType === 'Local' ? { local: true as const } : {}),
    lastAppliedTime: r.lastAppliedTime,
    ...(r.preExisting ? { preExisting: true as const } : {}),
  };
}

export function featureStatus(
  summary: ClusterSummary | undefined,
  featureID: string,
): FeatureStatus | undefined {
  return summary?.status?.featureSummaries?.find((f) => f.featureID === featureID)?.status;
}

const MAX_MESSAGE = 4096;

/** One message for the status: every failure on its own line, cut to a size the API server accepts. */
export function failureText(messages: readonly string[]): string | undefined {
  if (messages.length === 0) return undefined;
  const text = [...new Set(messages)].join('\n');
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 15)}\n... (truncated)` : text;
}

/** One feature's part of the summary status. */
export interface FeatureSection {
  summary: FeatureSummary;
  deployed?: FeatureDeployment | undefined;
  /** Per Helm release state (only the Helm feature has them). */
  releases?: HelmChartSummary[] | undefined;
}

export interface SectionInput {
  featureID: FeatureID;
  status: FeatureStatus;
  /** Fingerprint of what was deployed (base64). */
  hash?: string | undefined;
  errors: readonly AddonError[];
  /** Extra failure lines (conflicts). */
  messages?: readonly string[];
  /** failureReason when there is no error (default CONFLICT when there are messages). */
  reason?: string | undefined;
  deployed: FeatureDeployment;
  consecutiveFailures: number;
  now: string;
  releases?: HelmChartSummary[] | undefined;
}

export function deployedResource(r: RecordedResource): DeployedResource {
  return {
    group: r.group,
    version: r.version,
    kind: r.kind,
    ...(r.namespace ? { namespace: r.namespace } : {}),
    name: r.name,
    ...(r.lastAppliedTime ? { lastAppliedTime: r.lastAppliedTime } : {}),
    ...(r.local ? { deploymentType: 'Local' as const } : {}),
    ...(r.preExisting ? { preExisting: true } : {}),
  };
}

/** A feature's summary entry and deployment record, resources sorted (stable status, no churn). */
export function featureSection(input: SectionInput): FeatureSection {
  const failure = failureText([...input.errors.map((e) => e.message), ...(input.messages ?? [])]);
  const reason = input.errors[0]?.code ?? (input.messages?.length ? (input.reason ?? 'CONFLICT') : undefined);
  const resources = [...(input.deployed.resources ?? [])].sort((a, b) =>
    resourceKey(fromDeployedResource(a)).localeCompare(resourceKey(fromDeployedResource(b))),
  );
  const gvks = [...new Set(resources.map((r) => `${r.kind}.${r.version}.${r.group}`))].sort();
  const deployed: FeatureDeployment = {
    featureID: input.featureID,
    ...(input.deployed.resources ? { resources } : {}),
    ...(input.deployed.helmReleases ? { helmReleases: input.deployed.helmReleases } : {}),
    ...(input.deployed.driftsReverted ? { driftsReverted: input.deployed.driftsReverted } : {}),
    ...(input.deployed.lastDrift ? { lastDrift: input.deployed.lastDrift } : {}),
    ...(input.deployed.lastDriftTime ? { lastDriftTime: input.deployed.lastDriftTime } : {}),
  };
  return {
    summary: {
      featureID: input.featureID,
      status: input.status,
      ...(input.hash ? { hash: input.hash } : {}),
      consecutiveFailures: input.consecutiveFailures,
      ...(failure ? { failureReason: reason, failureMessage: failure } : {}),
      ...(gvks.length ? { deployedGroupVersionKind: gvks } : {}),
      lastAppliedTime: input.now,
    },
    deployed,
    ...(input.releases ? { releases: input.releases } : {}),
  };
}

/** A feature the profile asks for and this controller refuses (reported, never silently ignored). */
export function refusedSection(featureID: FeatureID, message: string): FeatureSection {
  return {
    summary: {
      featureID,
      status: 'FailedNonRetriable',
      failureReason: 'FEATURE_NOT_SUPPORTED',
      failureMessage: message,
    },
  };
}

/** The complete ClusterSummary status from the features' sections (written with server-side apply, so it
 * replaces what we wrote last). */
export function summaryStatus(sections: readonly FeatureSection[]): ClusterSummaryStatus {
  const releases = sections.flatMap((s) => s.releases ?? []);
  return {
    featureSummaries: sections.map((s) => s.summary),
    deployedFeatures: sections.flatMap((s) => (s.deployed ? [s.deployed] : [])),
    ...(releases.length > 0 ? { helmReleaseSummaries: releases } : {}),
  };
}

/** Fingerprint of a set of resource hashes (order-independent), base64 as the `hash` field wants. */
export function deploymentHash(hashes: readonly string[]): string {
  return createHash('sha256')
    .update([...hashes].sort().join('\n'))
    .digest('base64');
}

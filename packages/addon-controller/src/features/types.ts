// The feature table's contract (upstream's addon-controller has one handler per feature): each kind of
// add-on — raw resources, Helm charts, kustomizations — plans, deploys, dry-runs and withdraws on its own,
// and records its section of the ClusterSummary. The pair unit only walks the table.

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  ClusterProfileSpec,
  ClusterSummary,
  FeatureDeployment,
  FeatureID,
  FeatureStatus,
  FeatureSummary,
  HelmChartSummary,
} from '@sveltos-ts/api';
import type { RegisteredCluster } from '@sveltos-ts/clusters';
import type { KubeObject, RestClient } from '@sveltos-ts/kube';
import type { AddonError } from '../errors.ts';
import type { Lookup, RefKey, ResourceId, TargetCluster } from '../plan.ts';

export type Summary = ClusterSummary & KubeObject;

/** The external programs features run, and where their caches live (docs/design/helm.md). */
export interface ToolSettings {
  /** The helm CLI (default `helm` on PATH). */
  helmBinary: string;
  /** The kustomize CLI (default `kustomize` on PATH). */
  kustomizeBinary: string;
  /** Writable directory for helm's homes, the chart cache and scratch files (default `<tmpdir>/sveltos-addon-tools`). */
  cacheDir: string;
  /** Bound on every helm/kustomize run that has no timeout of its own (default 5 minutes); overruns are killed. */
  commandTimeoutMs: number;
}

export function toolSettings(t: Partial<ToolSettings> | undefined): ToolSettings {
  return {
    helmBinary: t?.helmBinary || 'helm',
    kustomizeBinary: t?.kustomizeBinary || 'kustomize',
    cacheDir: t?.cacheDir || join(tmpdir(), 'sveltos-addon-tools'),
    commandTimeoutMs: t?.commandTimeoutMs ?? 5 * 60_000,
  };
}

/** What every feature sees of one (profile, cluster) pair reconcile. */
export interface FeatureScope {
  /** The profile being deployed, or — when withdrawing after it is gone — what the summary kept of it. */
  profile: { kind: 'ClusterProfile'; name: string; labels: Record<string, string>; spec: ClusterProfileSpec };
  cluster: RegisteredCluster;
  target: TargetCluster;
  /** The pair's ClusterSummary as last written (its record of what each feature deployed). */
  summary: Summary;
  /** The managed cluster as the profile's tenant; undefined when it cannot be reached (`clientError`). */
  client: RestClient | undefined;
  clientError: AddonError | undefined;
  /** The management cluster as the profile's tenant: where deploymentType Local objects go. */
  managementClient: RestClient;
  /** Drift detection (syncMode ContinuousWithDriftDetection): objects (resourceKey) the drift watch saw
   * change since this pair last looked; each is checked against our configuration with a dry run. */
  drift: { suspects: ReadonlySet<string> };
  /** Runs a pure plan over management-cluster objects: ConfigMaps/Secrets come from the caches; other
   * kinds are read from the API server when the plan first asks for them (and the plan runs again). */
  withManagementObjects<T>(plan: (lookup: Lookup) => T): Promise<T>;
  /** Whether a ClusterProfile exists (objects of a deleted owner may be taken over). */
  profileExists(name: string): boolean;
  /** Whether a management-cluster object (deploymentType Local) is also recorded by this profile's pair
   * of another cluster: then it is not deleted when this pair no longer wants it. */
  localElsewhere(id: ResourceId): boolean;
  /**
   * Records what the feature is about to put into the cluster before it does (intent), so a crash between
   * the write and its record never orphans an object: after a restart the record names it, and it is
   * either kept or withdrawn.
   */
  recordIntent(deployed: FeatureDeployment): Promise<void>;
  /** Wakes another profile's pair on the same cluster (it lost or may now take an object). */
  wake(profileName: string): void;
  count(action: string, n?: number): void;
  /** The helm and kustomize CLIs and their cache directory. */
  tools: ToolSettings;
}

/** One dry-run line: what a real run would do to one object or release. */
export interface DryRunEntry {
  action: 'Create' | 'Update' | 'NoAction' | 'Conflict' | 'Delete' | 'Install' | 'Upgrade' | 'Uninstall';
  resource: string;
  message?: string;
}

/** A feature's result for one reconcile; the pair unit turns it into the feature's summary section. */
export interface FeatureOutcome {
  /** Failures; none means the feature is deployed (or withdrawn) as asked. */
  errors: AddonError[];
  /** Objects someone else owns, as messages (they keep the feature from being Provisioned). */
  conflicts: string[];
  /** What the feature has in the cluster now (its record). */
  deployed: FeatureDeployment;
  /** Fingerprint of what was deployed, when everything was. */
  hash?: string | undefined;
  /** Management-cluster objects the plan looked up (a change to one wakes the pair). */
  references: RefKey[];
  /** Only for a dry run: what a real run would do. */
  dryRun?: DryRunEntry[];
  /** Per Helm release: Managing or Conflict, values hash, failure (the summary's `helmReleaseSummaries`). */
  releaseSummaries?: HelmChartSummary[];
  /** Kept as it was (OneTime, already deployed): the previous summary section stands. */
  unchanged?: boolean;
  /** Objects found changed or deleted in the cluster (drift) and put back by this reconcile. */
  drifts?: string[];
  /** Drift detection: objects to watch besides the recorded resources (the objects of Helm releases). */
  watch?: ResourceId[];
  /** Not deployed yet, and why (dependsOn, maxUpdate): the section says Provisioning with this message. */
  waiting?: string;
  /** Look again after this long even when nothing changes (health checks not passing yet). */
  recheckAfterMs?: number;
}

export interface Feature {
  id: FeatureID;
  /** Whether the profile asks for this feature. */
  requested(spec: ClusterProfileSpec): boolean;
  /** What the summary records this feature as having deployed (empty when nothing). */
  recorded(summary: ClusterSummary | undefined): FeatureDeployment;
  /** Plans and applies (or, with `dryRun`, only computes what it would do). */
  deploy(scope: FeatureScope, options: { dryRun: boolean }): Promise<FeatureOutcome>;
  /** Removes what it recorded. */
  withdraw(scope: FeatureScope): Promise<FeatureOutcome>;
}

/** The status a feature's outcome gives its summary section. */
export function featureStatusOf(o: FeatureOutcome, removing: boolean): FeatureStatus {
  if (removing) return 'Removing';
  if (o.waiting !== undefined && o.errors.length === 0) return 'Provisioning';
  if (o.errors.length === 0 && o.conflicts.length === 0) return 'Provisioned';
  return o.errors.some((e) => e.retryable) || o.conflicts.length > 0 ? 'Failed' : 'FailedNonRetriable';
}

export type { FeatureSummary };

// What the addon-controller's units share during one leadership term: the informers (process-wide), the
// cluster registry, and the term's own state (which management objects each pair's last plan read).

import {
  CLUSTER_PROFILE_NAME_LABEL,
  type ClusterProfile,
  type ClusterProfileSpec,
  type ClusterType,
  CONFIG_API_VERSION,
  canonicalJson,
} from '@sveltos-ts/api';
import {
  type ClusterKey,
  type ClusterRegistry,
  clusterKeyString,
  type RegisteredCluster,
} from '@sveltos-ts/clusters';
import {
  type EventRecorder,
  type Informer,
  KubeError,
  type KubeObject,
  type Logger,
  type RestClient,
} from '@sveltos-ts/kube';
import type { ControllerHandle, Manager } from '@sveltos-ts/runtime';
import type { HealthChecks } from './features/health.ts';
import type { Summary, ToolSettings } from './features/types.ts';
import { profileSelects } from './match.ts';
import type { AddonMetrics } from './metrics.ts';
import { type Lookup, type MgmtObject, type RefKey, type ResourceId, resourceKey } from './plan.ts';
import { fromDeployedResource } from './summary.ts';
import { SummaryIndex } from './summary-index.ts';
import type { DriftWatcher } from './units/drift-watch.ts';
import { Rollouts } from './units/rollout.ts';

export type Profile = ClusterProfile & KubeObject;
export type Data = KubeObject & { data?: Record<string, string>; type?: string };

/** A (profile, cluster) pair. */
export interface PairKey {
  profile: string;
  cluster: ClusterKey;
}

export const pairId = (p: PairKey): string => `${p.profile}|${clusterKeyString(p.cluster)}`;

export interface AddonInformers {
  profiles: Informer<Profile>;
  summaries: Informer<Summary>;
  configMaps: Informer<Data>;
  secrets: Informer<Data>;
}

export interface AddonSettings {
  /** Handle only ClusterProfiles carrying these labels; their ClusterSummaries get them too. */
  scope?: Record<string, string> | undefined;
  /** When a pair blocked by a conflict is looked at again (default 30 s). */
  conflictRetryMs?: number | undefined;
  workers?: number | undefined;
  /** When a pair whose health checks do not pass yet is looked at again (default 5 s). */
  healthRetryMs?: number | undefined;
  /** helm and kustomize binaries, cache directory, command timeout (defaults: toolSettings()). */
  tools?: Partial<ToolSettings> | undefined;
}

export function scopeSelector(scope: Record<string, string> | undefined): string | undefined {
  const entries = Object.entries(scope ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(',') : undefined;
}

export function addonInformers(manager: Manager, settings: AddonSettings): AddonInformers {
  const labelSelector = scopeSelector(settings.scope);
  const cache = manager.cache;
  return {
    profiles: cache.informer({ apiVersion: CONFIG_API_VERSION, kind: 'ClusterProfile', labelSelector }),
    summaries: cache.informer({ apiVersion: CONFIG_API_VERSION, kind: 'ClusterSummary', labelSelector }),
    configMaps: cache.informer({ apiVersion: 'v1', kind: 'ConfigMap' }),
    secrets: cache.informer({ apiVersion: 'v1', kind: 'Secret' }),
  };
}

export class AddonContext {
  readonly settings: AddonSettings;
  readonly client: RestClient;
  readonly logger: Logger;
  readonly recorder: EventRecorder;
  readonly metrics: AddonMetrics;
  readonly informers: AddonInformers;
  readonly registry: ClusterRegistry;
  /** The ClusterSummaries by profile and by cluster (attached for the term in addon-controller.ts). */
  readonly summaryIndex: SummaryIndex;
  /** Management object (`kind|ns|name`) → pairs whose last plan looked it up. */
  readonly #references = new Map<string, Map<string, PairKey>>();
  readonly #pairReferences = new Map<string, string[]>();
  /** Set right after the controllers are added, before any of them runs. */
  queues!: { profile: ControllerHandle<string>; pair: ControllerHandle<PairKey> };
  /** maxUpdate slots of this term (units/rollout.ts). */
  readonly rollouts = new Rollouts();
  /** validateHealths (features/health.ts) and the drift watch (units/drift-watch.ts), set with the queues. */
  health!: HealthChecks;
  drift!: DriftWatcher<PairKey>;

  constructor(manager: Manager, settings: AddonSettings, informers: AddonInformers, metrics: AddonMetrics) {
    this.settings = settings;
    this.client = manager.client;
    this.logger = manager.logger;
    this.recorder = manager.recorder('addon-controller');
    this.metrics = metrics;
    this.informers = informers;
    this.registry = manager.clusters();
    this.summaryIndex = new SummaryIndex(
      informers.summaries,
      (s) => s.metadata.labels?.[CLUSTER_PROFILE_NAME_LABEL],
    );
  }

  /** Whether the profile deploys to the cluster (clusterRefs ∪ selector ∪ set selection; ready only). */
  selects(spec: ClusterProfileSpec, c: RegisteredCluster): boolean {
    return profileSelects(spec, c, this.registry.clusterSetSelection(spec.setRefs ?? []));
  }

  /** The pair a ClusterSummary records. */
  pairOfSummary(s: Summary): PairKey | undefined {
    const profile = s.metadata.labels?.[CLUSTER_PROFILE_NAME_LABEL];
    if (!profile) return undefined;
    const type: ClusterType = s.spec.clusterType === 'Capi' ? 'Capi' : 'Sveltos';
    return { profile, cluster: { type, namespace: s.spec.clusterNamespace, name: s.spec.clusterName } };
  }

  /** Every summary's pair on a cluster (to wake the profiles deployed there). */
  pairsOnCluster(cluster: ClusterKey): PairKey[] {
    return this.summaryIndex.onCluster(cluster).flatMap((s) => this.pairOfSummary(s) ?? []);
  }

  /** Whether another pair of the same profile records the management-cluster object `id`. */
  localElsewhere(pair: PairKey, id: ResourceId): boolean {
    const key = resourceKey(id);
    return this.summaryIndex.ofProfile(pair.profile).some((s) => {
      const other = this.pairOfSummary(s);
      if (!other || pairId(other) === pairId(pair)) return false;
      return (s.status?.deployedFeatures ?? []).some((f) =>
        (f.resources ?? []).some(
          (r) => r.deploymentType === 'Local' && resourceKey(fromDeployedResource(r)) === key,
        ),
      );
    });
  }

  forgetReferences(pair: PairKey): void {
    const id = pairId(pair);
    for (const r of this.#pairReferences.get(id) ?? []) this.#references.get(r)?.delete(id);
    this.#pairReferences.delete(id);
  }

  trackReferences(pair: PairKey, refs: readonly RefKey[]): void {
    this.forgetReferences(pair);
    const id = pairId(pair);
    const ids = refs.map(refId);
    this.#pairReferences.set(id, ids);
    for (const r of ids) {
      const pairs = this.#references.get(r) ?? new Map<string, PairKey>();
      this.#references.set(r, pairs);
      pairs.set(id, pair);
    }
  }

  /** maxConsecutiveFailures: pair → the inputs it last gave up on (units/pair.ts). */
  readonly exhausted = new Map<string, string>();
  /** Per-hop latency (metric profile_to_applied): when this process saw each profile's spec change
   * (performance.now()), and which change each pair has counted already. */
  readonly profileChangedAt = new Map<string, number>();
  readonly changeCounted = new Map<string, number>();

  /** What a pair's deployment depends on: the spec and the versions of the objects its last plan read. */
  inputsOf(pair: PairKey, spec: ClusterProfileSpec): string {
    const versions = (this.#pairReferences.get(pairId(pair)) ?? []).map((r) => {
      const [kind, namespace, name] = r.split('|');
      const informer =
        kind === 'ConfigMap'
          ? this.informers.configMaps
          : kind === 'Secret'
            ? this.informers.secrets
            : undefined;
      return `${r}@${informer?.get(`${namespace}/${name}`)?.metadata.resourceVersion ?? '-'}`;
    });
    return `${canonicalJson(spec)}|${versions.join(',')}`;
  }

  referencing(kind: string, o: KubeObject): PairKey[] {
    const m = o.metadata;
    return [...(this.#references.get(`${kind}|${m.namespace ?? ''}|${m.name}`)?.values() ?? [])];
  }

  /** Runs a pure plan with ConfigMaps/Secrets from the caches; other templateResourceRefs kinds are read
   * directly (a first pass finds which), so planning itself stays pure and synchronous. */
  async withManagementObjects<T>(plan: (lookup: Lookup) => T): Promise<T> {
    const fetched = new Map<string, MgmtObject | undefined>();
    const toFetch: RefKey[] = [];
    const lookup: Lookup = (k) => {
      if (k.apiVersion === 'v1' && (k.kind === 'ConfigMap' || k.kind === 'Secret')) {
        const informer = k.kind === 'ConfigMap' ? this.informers.configMaps : this.informers.secrets;
        return informer.get(`${k.namespace}/${k.name}`);
      }
      const id = `${k.apiVersion}|${refId(k)}`;
      if (!fetched.has(id)) toFetch.push(k);
      return fetched.get(id);
    };
    const first = plan(lookup);
    if (toFetch.length === 0) return first;
    for (const k of toFetch.splice(0)) {
      let obj: MgmtObject | undefined;
      try {
        obj = await this.client.getOrUndefined({
          apiVersion: k.apiVersion,
          kind: k.kind,
          namespace: k.namespace,
          name: k.name,
        });
      } catch (error) {
        if (!(error instanceof KubeError && error.code === 'UNKNOWN_KIND')) throw error;
      }
      fetched.set(`${k.apiVersion}|${refId(k)}`, obj);
    }
    return plan(lookup);
  }
}

export const refId = (k: RefKey): string => `${k.kind}|${k.namespace}|${k.name}`;

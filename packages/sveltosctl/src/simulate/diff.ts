// `sveltosctl simulate --diff`: what the simulated chain would change in a live fleet. The management
// cluster is read once (ClusterProfiles, ClusterSummaries, EventReports, the ConfigMaps/Secrets the
// event-manager owns); the objects it owns are handed to the planner as `existing`, so names are reused
// exactly as the event-manager would reuse them. Deployed objects are checked in the managed clusters the
// management cluster reaches (their kubeconfig Secrets): the `projectsveltos.io/hash` annotation says
// whether the live object is what the profile would apply.
//
// Compared: EventReports (matchingResources), generated ConfigMaps/Secrets (data, type, labels),
// ClusterProfiles (spec, labels), ClusterSummaries (existence), deployed objects (hash) and Helm releases
// (chart version and values hash). Deleted: what the event-manager owns for the input's EventTriggers and
// what the live ClusterSummaries of the compared profiles record, when the simulation no longer wants it.

import {
  CLUSTER_PROFILE_NAME_LABEL,
  type ClusterSummary,
  CONFIG_API_VERSION,
  canonicalJson,
  EVENT_REPORT_CLUSTER_NAME_LABEL,
  EVENT_SOURCE_NAME_LABEL,
  EVENT_TRIGGER_NAME_LABEL,
  HASH_ANNOTATION,
  type KubeObject,
  LIB_API_VERSION,
} from '@sveltos-ts/api';
import { kubeconfigFromSecret, type RegisteredCluster } from '@sveltos-ts/clusters';
import { isKubeError, loadKubeConfig, RestClient } from '@sveltos-ts/kube';
import { type ConfigMap, type ExistingObjects, ownershipSelector, type Secret } from '@sveltos-ts/planner';
import { renderTable } from '../addons/table.ts';
import { api, type ClusterAccess, clientFor } from '../kubeconfig.ts';
import type { Simulation } from './chain.ts';
import type { SimulationInput } from './input.ts';

export type ChangeAction = 'create' | 'update' | 'delete' | 'unchanged' | 'unknown';

export interface Change {
  /** `management` or `<namespace>/<name>` of a managed cluster. */
  cluster: string;
  kind: string;
  namespace: string;
  name: string;
  action: ChangeAction;
  detail?: string | undefined;
}

type Owned = KubeObject & { data?: Record<string, string>; type?: string; spec?: unknown };

const hasLabels = (labels: Record<string, string> | undefined, subset: Record<string, string>): boolean =>
  Object.entries(subset).every(([k, v]) => labels?.[k] === v);

const id = (o: KubeObject): string => `${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;

/** Labels of `want` missing or different in `live`, as text; '' when all are there. */
function labelDrift(
  want: Record<string, string> | undefined,
  live: Record<string, string> | undefined,
): string {
  const off = Object.entries(want ?? {})
    .filter(([k, v]) => live?.[k] !== v)
    .map(([k]) => k);
  return off.length ? `labels ${off.join(', ')}` : '';
}

/** Top-level keys whose values differ (for the detail column). */
function fieldsDiffering(
  a: Record<string, unknown> | undefined,
  b: Record<string, unknown> | undefined,
): string[] {
  const keys = new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})]);
  return [...keys].filter((k) => canonicalJson(a?.[k] ?? null) !== canonicalJson(b?.[k] ?? null)).sort();
}

export class LiveState {
  readonly #client: RestClient;
  readonly #input: SimulationInput;
  readonly profiles: Owned[];
  readonly summaries: (ClusterSummary & KubeObject)[];
  readonly reports: Owned[];
  readonly owned: Owned[];
  readonly #secrets = new Map<string, Owned | undefined>();
  /** Managed clusters found unreachable: asked once, not once per object. */
  readonly #unreachable = new Map<string, string>();

  private constructor(
    client: RestClient,
    input: SimulationInput,
    live: { profiles: Owned[]; summaries: (ClusterSummary & KubeObject)[]; reports: Owned[]; owned: Owned[] },
  ) {
    this.#client = client;
    this.#input = input;
    this.profiles = live.profiles;
    this.summaries = live.summaries;
    this.reports = live.reports;
    this.owned = live.owned;
  }

  static async read(access: ClusterAccess, input: SimulationInput): Promise<LiveState> {
    const client = clientFor(access);
    return api(client, 'reading the management cluster', async () => {
      const selector = { labelSelector: EVENT_TRIGGER_NAME_LABEL };
      const [profiles, summaries, reports, configMaps, secrets] = await Promise.all([
        client.list<Owned>(CONFIG_API_VERSION, 'ClusterProfile'),
        client.list<ClusterSummary & KubeObject>(CONFIG_API_VERSION, 'ClusterSummary'),
        client.list<Owned>(LIB_API_VERSION, 'EventReport', {
          labelSelector: EVENT_REPORT_CLUSTER_NAME_LABEL,
        }),
        client.list<Owned>('v1', 'ConfigMap', selector),
        client.list<Owned>('v1', 'Secret', selector),
      ]);
      return new LiveState(client, input, {
        profiles: profiles.items,
        summaries: summaries.items,
        reports: reports.items,
        owned: [
          ...profiles.items.filter((p) => p.metadata.labels?.[EVENT_TRIGGER_NAME_LABEL]),
          ...configMaps.items,
          ...secrets.items,
        ],
      });
    });
  }

  /** What the event-manager owns for (trigger, cluster): the planner reuses these names. */
  readonly existing = (eventTrigger: string, cluster: RegisteredCluster): ExistingObjects | undefined => {
    const selector = ownershipSelector(eventTrigger, cluster.object);
    const mine = this.owned.filter((o) => hasLabels(o.metadata.labels, selector));
    if (mine.length === 0) return undefined;
    return {
      clusterProfiles: mine.filter((o) => o.kind === 'ClusterProfile') as never[],
      configMaps: mine.filter((o) => o.kind === 'ConfigMap') as unknown as ConfigMap[],
      secrets: mine.filter((o) => o.kind === 'Secret') as unknown as Secret[],
    };
  };

  async compare(sim: Simulation): Promise<Change[]> {
    const changes: Change[] = [];
    const triggers = new Set(
      this.#input.management
        .filter((i) => i.object.kind === 'EventTrigger')
        .map((i) => i.object.metadata.name),
    );
    const mgmt = (o: KubeObject, action: ChangeAction, detail?: string) =>
      changes.push({
        cluster: 'management',
        kind: o.kind,
        namespace: o.metadata.namespace ?? '',
        name: o.metadata.name,
        action,
        ...(detail ? { detail } : {}),
      });

    // EventReports: what matches
    const liveReports = new Map(this.reports.map((r) => [id(r), r]));
    const predictedReports = new Set<string>();
    for (const r of sim.eventReports) {
      predictedReports.add(id(r.report));
      const live = liveReports.get(id(r.report));
      if (!live) mgmt(r.report, 'create');
      else {
        const same =
          canonicalJson((live.spec as { matchingResources?: unknown })?.matchingResources ?? []) ===
          canonicalJson(r.matchingResources);
        mgmt(r.report, same ? 'unchanged' : 'update', same ? undefined : 'matchingResources');
      }
    }
    const clusters = new Set(sim.clusters.map((c) => `${c.namespace}/${c.name}`));
    const sources = new Set(
      this.#input.management
        .filter((i) => i.object.kind === 'EventSource')
        .map((i) => i.object.metadata.name),
    );
    for (const r of this.reports) {
      const cluster = `${r.metadata.namespace}/${r.metadata.labels?.[EVENT_REPORT_CLUSTER_NAME_LABEL]}`;
      const source = r.metadata.labels?.[EVENT_SOURCE_NAME_LABEL] ?? '';
      if (clusters.has(cluster) && sources.has(source) && !predictedReports.has(id(r)))
        mgmt(r, 'delete', 'no trigger of the input uses this EventSource on this cluster any more');
    }

    // what the event-manager writes: ConfigMaps, Secrets, ClusterProfiles
    const liveOwned = new Map([...this.owned, ...this.profiles].map((o) => [id(o), o]));
    const predicted = new Set<string>();
    const data = (o: Owned) => ({
      data: o.data ?? {},
      ...(o.kind === 'Secret' ? { type: o.type ?? 'Opaque' } : {}),
    });
    for (const o of [...sim.configMaps, ...sim.secrets] as Owned[]) {
      predicted.add(id(o));
      const live = liveOwned.get(id(o));
      if (!live) mgmt(o, 'create');
      else {
        const drift = [
          ...fieldsDiffering(data(o), data(live)),
          ...(labelDrift(o.metadata.labels, live.metadata.labels) ? ['labels'] : []),
        ];
        mgmt(o, drift.length ? 'update' : 'unchanged', drift.join(', ') || undefined);
      }
    }
    for (const p of sim.profiles) {
      const object = p.object as Owned;
      predicted.add(id(object));
      const live = liveOwned.get(id(object));
      if (!live) mgmt(object, 'create');
      else {
        const drift = fieldsDiffering(
          object.spec as Record<string, unknown>,
          live.spec as Record<string, unknown>,
        ).map((f) => `spec.${f}`);
        if (p.origin !== 'input' && labelDrift(object.metadata.labels, live.metadata.labels))
          drift.push('labels');
        mgmt(object, drift.length ? 'update' : 'unchanged', drift.join(', ') || undefined);
      }
    }
    const deletedProfiles = new Set<string>();
    for (const o of this.owned) {
      const trigger = o.metadata.labels?.[EVENT_TRIGGER_NAME_LABEL];
      if (trigger && triggers.has(trigger) && !predicted.has(id(o))) {
        mgmt(o, 'delete', `EventTrigger ${trigger} no longer wants it`);
        if (o.kind === 'ClusterProfile') deletedProfiles.add(o.metadata.name);
      }
    }

    // ClusterSummaries and what they deploy
    const comparedProfiles = new Set([...sim.profiles.map((p) => p.name), ...deletedProfiles]);
    const liveSummaries = new Map(
      this.summaries.map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s]),
    );
    const predictedSummaries = new Set<string>();
    for (const d of sim.deployments) {
      const key = `${d.clusterSummary.namespace}/${d.clusterSummary.name}`;
      predictedSummaries.add(key);
      const summary = liveSummaries.get(key);
      changes.push({
        cluster: 'management',
        kind: 'ClusterSummary',
        namespace: d.clusterSummary.namespace,
        name: d.clusterSummary.name,
        action: summary ? 'unchanged' : 'create',
      });
      if (d.dryRun) continue;
      const cluster = sim.clusters.find((c) => `${c.namespace}/${c.name}` === d.cluster)!;
      const recorded = new Map(
        (summary?.status?.deployedFeatures ?? []).flatMap((f) =>
          (f.resources ?? []).map(
            (r) =>
              [
                `${r.deploymentType === 'Local' ? 'Local|' : ''}${r.group}|${r.kind}|${r.namespace ?? ''}|${r.name}`,
                r,
              ] as const,
          ),
        ),
      );
      for (const r of d.resources) {
        const group = r.apiVersion.includes('/') ? r.apiVersion.split('/')[0]! : '';
        recorded.delete(`${r.local ? 'Local|' : ''}${group}|${r.kind}|${r.namespace}|${r.name}`);
        const where = r.local ? 'management' : d.cluster;
        const { action, detail } = await this.#deployed(r.local ? undefined : cluster, r);
        changes.push({
          cluster: where,
          kind: r.kind,
          namespace: r.namespace,
          name: r.name,
          action,
          ...(detail ? { detail } : {}),
        });
      }
      for (const [, r] of recorded)
        changes.push({
          cluster: r.deploymentType === 'Local' ? 'management' : d.cluster,
          kind: r.kind,
          namespace: r.namespace ?? '',
          name: r.name,
          action: 'delete',
          detail: `ClusterProfile ${d.profile} no longer deploys it${r.preExisting ? ' (it existed before: restored, not deleted)' : ''}`,
        });
      const releases = new Map(
        (summary?.status?.helmReleaseSummaries ?? []).map(
          (h) => [`${h.releaseNamespace}/${h.releaseName}` as string, h] as const,
        ),
      );
      const recordedReleases = new Map(
        (summary?.status?.deployedFeatures ?? []).flatMap((f) =>
          (f.helmReleases ?? []).map((h) => [`${h.releaseNamespace}/${h.releaseName}` as string, h] as const),
        ),
      );
      for (const h of d.helmReleases) {
        const key = `${h.releaseNamespace}/${h.releaseName}`;
        const live = recordedReleases.get(key);
        const values = releases.get(key)?.valuesHash;
        recordedReleases.delete(key);
        const base = {
          cluster: d.cluster,
          kind: 'HelmRelease',
          namespace: h.releaseNamespace,
          name: h.releaseName,
        };
        if (h.action === 'Uninstall') changes.push({ ...base, action: live ? 'delete' : 'unchanged' });
        else if (!live)
          changes.push({ ...base, action: 'create', detail: `install ${h.chartName} ${h.chartVersion}` });
        else {
          const drift = [
            ...(live.chartVersion !== h.chartVersion
              ? [`version ${live.chartVersion ?? '?'} → ${h.chartVersion}`]
              : []),
            ...(values !== undefined && values !== h.valuesHash ? ['values'] : []),
          ];
          changes.push({
            ...base,
            action: drift.length ? 'update' : 'unchanged',
            ...(drift.length ? { detail: drift.join(', ') } : {}),
          });
        }
      }
      for (const [key, h] of recordedReleases) {
        const [namespace, name] = [h.releaseNamespace, h.releaseName];
        changes.push({
          cluster: d.cluster,
          kind: 'HelmRelease',
          namespace,
          name,
          action: 'delete',
          detail: `${key}: no longer wanted`,
        });
      }
    }
    for (const s of this.summaries) {
      const key = `${s.metadata.namespace}/${s.metadata.name}`;
      const profile = s.metadata.labels?.[CLUSTER_PROFILE_NAME_LABEL] ?? '';
      if (!comparedProfiles.has(profile) || predictedSummaries.has(key)) continue;
      changes.push({
        cluster: 'management',
        kind: 'ClusterSummary',
        namespace: s.metadata.namespace ?? '',
        name: s.metadata.name,
        action: 'delete',
      });
      for (const f of s.status?.deployedFeatures ?? []) {
        for (const r of f.resources ?? [])
          changes.push({
            cluster:
              r.deploymentType === 'Local'
                ? 'management'
                : `${s.spec.clusterNamespace}/${s.spec.clusterName}`,
            kind: r.kind,
            namespace: r.namespace ?? '',
            name: r.name,
            action: 'delete',
            detail: `ClusterProfile ${profile} no longer deploys to this cluster`,
          });
      }
    }
    const order: Record<ChangeAction, number> = { create: 0, update: 1, delete: 2, unknown: 3, unchanged: 4 };
    return changes.sort(
      (a, b) =>
        (a.cluster === 'management' ? 0 : 1) - (b.cluster === 'management' ? 0 : 1) ||
        a.cluster.localeCompare(b.cluster) ||
        order[a.action] - order[b.action] ||
        `${a.kind}/${a.namespace}/${a.name}`.localeCompare(`${b.kind}/${b.namespace}/${b.name}`),
    );
  }

  /** The live state of one deployed object: its hash annotation against the predicted hash. */
  async #deployed(
    cluster: RegisteredCluster | undefined,
    r: Simulation['deployments'][number]['resources'][number],
  ): Promise<{ action: ChangeAction; detail?: string }> {
    const down = cluster ? this.#unreachable.get(cluster.key) : undefined;
    if (down !== undefined) return { action: 'unknown', detail: `cluster not reachable: ${down}` };
    let client: RestClient;
    try {
      client = cluster ? await this.#clusterClient(cluster) : this.#client;
    } catch (error) {
      const why = (error as Error).message.split('\n')[0]!;
      if (cluster) this.#unreachable.set(cluster.key, why);
      return { action: 'unknown', detail: `cluster not reachable: ${why}` };
    }
    try {
      const live = await client.getOrUndefined({
        apiVersion: r.apiVersion,
        kind: r.kind,
        namespace: r.namespace || undefined,
        name: r.name,
      });
      if (!live) return { action: 'create' };
      const hash = live.metadata.annotations?.[HASH_ANNOTATION];
      if (hash === r.hash) return { action: 'unchanged' };
      return {
        action: 'update',
        detail: hash === undefined ? 'exists, not deployed by Sveltos (adopted, or a conflict)' : 'content',
      };
    } catch (error) {
      if (isKubeError(error, 'UNKNOWN_KIND'))
        return { action: 'create', detail: `the cluster does not serve ${r.kind} yet` };
      if (cluster && (isKubeError(error, 'NETWORK') || isKubeError(error, 'TIMEOUT'))) {
        const why = (error as Error).message.split('\n')[0]!;
        this.#unreachable.set(cluster.key, why);
        return { action: 'unknown', detail: `cluster not reachable: ${why}` };
      }
      return { action: 'unknown', detail: (error as Error).message.split('\n')[0] };
    }
  }

  async #clusterClient(cluster: RegisteredCluster): Promise<RestClient> {
    const ref = cluster.kubeconfig;
    const key = `${ref.namespace}/${ref.name}`;
    if (!this.#secrets.has(key))
      this.#secrets.set(
        key,
        await this.#client.getOrUndefined<Owned>({
          apiVersion: 'v1',
          kind: 'Secret',
          namespace: ref.namespace,
          name: ref.name,
        }),
      );
    const text = kubeconfigFromSecret(ref, this.#secrets.get(key));
    return new RestClient(loadKubeConfig({ text }));
  }

  table(changes: readonly Change[]): string {
    const shown = changes.filter((c) => c.action !== 'unchanged');
    const unchanged = changes.length - shown.length;
    const text = renderTable(
      ['CLUSTER', 'KIND', 'NAMESPACE', 'NAME', 'ACTION', 'DETAIL'],
      shown.map((c) => [c.cluster, c.kind, c.namespace, c.name, c.action, c.detail ?? '']),
    );
    return `${shown.length ? text : 'no change'}\n${unchanged} object(s) unchanged`;
  }
}

// The whole event chain, offline, through the controllers' own decision functions:
//
//   objects of a cluster ─(the agent's evaluation: @sveltos-ts/evaluation, report builders of the agent)─►
//   EventReports ─(the event-manager's plan(): @sveltos-ts/planner)─► ClusterProfiles + instantiated and
//   generated ConfigMaps/Secrets ─(the addon-controller's planning: desiredResources + patches, Helm
//   planReleases, Kustomize build)─► the objects and Helm releases each destination cluster would get.
//
// Nothing here decides what the controllers decide: which clusters a trigger or a profile selects, the
// EventSource a trigger resolves to, what matches, what a template renders and what a profile deploys all
// come from the packages the controllers run. What is left here is the wiring the processes do (which
// pairs exist, what a lookup sees) and the order of the chain.
//
// Whatever the chain creates in a cluster (the agent's local EventReport copies, deployed objects; in the
// management cluster, with `managementCluster`, everything the controllers write) is visible to the next
// evaluation, so a chain whose output fires another trigger is followed round after round until nothing
// changes (at most `maxRounds`).

import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import {
  type AddonError,
  buildKustomizeObjects,
  clusterSummaryName,
  type DesiredResource,
  type DesiredState,
  diff,
  failureText,
  featureStatusOf,
  type LiveMeta,
  type Lookup as MgmtLookup,
  type PlannedChart,
  placeResource,
  planKustomizations,
  planPatches,
  planReleases,
  planResourceObjects,
  profileSelects,
  refusals,
  type ToolSettings,
  withPatches,
} from '@sveltos-ts/addon-controller';
import {
  applyDefaults,
  type CapiCluster,
  type ClusterProfile,
  type ClusterProfileSpec,
  type ClusterSet,
  type ClusterType,
  canonicalJson,
  clusterTypeOf,
  type EventReport,
  type EventSource,
  type EventTrigger,
  type KubeObject,
  type ObjectReference,
  type ObjectWithData,
  SVELTOS_NAMESPACE,
  type SveltosCluster,
} from '@sveltos-ts/api';
import {
  ClusterError,
  capiClusterReady,
  kubeconfigSecretRef,
  type RegisteredCluster,
  selectClusters,
  selectorMatches,
  sveltosClusterReady,
} from '@sveltos-ts/clusters';
import { compileEventSource, groupByGVK, type LuaSandbox } from '@sveltos-ts/evaluation';
import {
  type ConfigMap,
  type ExistingObjects,
  type ObjectKey,
  PlanError,
  type PlanWarning,
  plan,
  resolveEventSourceName,
  type Secret,
} from '@sveltos-ts/planner';
import { buildEventReport, localEventReport } from '@sveltos-ts/sveltos-agent';
import { CliError } from '../errors.ts';
import type { SimulationInput } from './input.ts';

/** Which component would report a problem, and where a user would read it. */
export type Component = 'sveltos-agent' | 'event-manager' | 'addon-controller';

export interface Problem {
  component: Component;
  /** The object the controller records it on (`EventTrigger x`, `ClusterProfile y`, `EventSource z`). */
  object: string;
  /** `<namespace>/<name>` of the cluster concerned, when there is one. */
  cluster?: string | undefined;
  code: string;
  message: string;
  /** false: a warning (Kubernetes Warning Event); nothing is blocked. */
  blocking: boolean;
}

export interface SimReport {
  cluster: string;
  eventSource: string;
  /** The management-cluster copy the event-manager reads. */
  report: KubeObject;
  /** The agent's copy in the cluster it evaluates (`projectsveltos/<EventSource>`). */
  local: KubeObject;
  matchingResources: ObjectReference[];
}

export type PairStatus = 'Provisioned' | 'Provisioning' | 'Failed';

/** One (EventTrigger, source cluster) pair, as the event-manager would conclude it. */
export interface SimPair {
  eventTrigger: string;
  cluster: string;
  eventSource?: string | undefined;
  status: PairStatus;
  message?: string | undefined;
  code?: string | undefined;
  warnings: PlanWarning[];
  clusterProfiles: string[];
  configMaps: string[];
  secrets: string[];
}

/** An object of a destination cluster and where it comes from. */
export interface SimResource {
  feature: 'Resources' | 'Kustomize';
  /** `group/version` (or `version`) and kind, namespace ('' when cluster-scoped or unknown), name. */
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  /** deploymentType Local: it goes to the management cluster. */
  local: boolean;
  hash: string;
  source: DesiredResource['source'];
  object: Record<string, unknown>;
  /** Another profile keeps this object in this cluster: the addon-controller's conflict message. */
  conflict?: string | undefined;
}

export interface SimRelease {
  releaseName: string;
  releaseNamespace: string;
  action: 'Install' | 'Uninstall';
  repositoryURL: string;
  chartName: string;
  chartVersion: string;
  values: Record<string, unknown>;
  valuesHash: string;
}

export interface SimFeature {
  featureID: 'Resources' | 'Helm' | 'Kustomize';
  /** As the ClusterSummary's featureSummaries would say, assuming every write succeeds. */
  status: string;
  failureReason?: string | undefined;
  failureMessage?: string | undefined;
  /** Why this feature could not be simulated offline (nothing of it is predicted). */
  notSimulated?: string | undefined;
}

/** One (ClusterProfile, destination cluster) pair: what the addon-controller would deploy there. */
export interface SimDeployment {
  profile: string;
  cluster: string;
  clusterType: ClusterType;
  clusterSummary: { namespace: string; name: string };
  /** syncMode DryRun: nothing is applied; the ClusterSummary's dry-run annotation lists it instead. */
  dryRun: boolean;
  features: SimFeature[];
  resources: SimResource[];
  helmReleases: SimRelease[];
}

export interface SimProfile {
  name: string;
  /** `input` for a ClusterProfile of the input; otherwise the pair that generated it. */
  origin: 'input' | { eventTrigger: string; cluster: string };
  object: ClusterProfile & KubeObject;
  matchingClusters: string[];
}

/** What the controllers would write: the same shape for one round and for the whole simulation. */
interface ChainOutcome {
  pairs: SimPair[];
  /** What the event-manager would write in the management cluster. */
  configMaps: (ConfigMap & KubeObject)[];
  secrets: (Secret & KubeObject)[];
  profiles: SimProfile[];
  deployments: SimDeployment[];
  problems: Problem[];
}

export interface Simulation extends ChainOutcome {
  rounds: number;
  settled: boolean;
  clusters: RegisteredCluster[];
  eventReports: SimReport[];
  notes: string[];
}

export interface SimulationOptions {
  /** Namespace of instantiated ConfigMaps/Secrets and generator outputs (the event-manager's NAMESPACE). */
  namespace?: string | undefined;
  tools: ToolSettings;
  sandbox: LuaSandbox;
  maxRounds?: number | undefined;
  /** Objects the event-manager already owns (live ones, with --diff): their names are reused as it would. */
  existing?: (eventTrigger: string, cluster: RegisteredCluster) => ExistingObjects | undefined;
}

// ---- clusters ------------------------------------------------------------------------------------------

const keyOf = (c: { namespace: string; name: string }): string => `${c.namespace}/${c.name}`;

/**
 * The registered clusters of the input. A cluster is ready as the registry judges it (SveltosCluster
 * status.ready, Cluster API ControlPlaneInitialized) when its status says anything; a cluster written without
 * status is taken as ready (nothing has probed it yet). `spec.paused` pauses it.
 */
export function registeredClusters(objects: readonly KubeObject[]): RegisteredCluster[] {
  const out: RegisteredCluster[] = [];
  for (const object of objects) {
    const type = clusterTypeOf(object);
    if (type === undefined || (type === 'Capi' && object.kind !== 'Cluster')) continue;
    if (type === 'Sveltos' && object.kind !== 'SveltosCluster') continue;
    const cluster = object as unknown as (SveltosCluster | CapiCluster) & KubeObject;
    const namespace = cluster.metadata.namespace ?? '';
    const name = cluster.metadata.name;
    const status = (cluster as { status?: unknown }).status;
    const ready =
      status === undefined
        ? true
        : type === 'Capi'
          ? capiClusterReady(cluster as CapiCluster)
          : sveltosClusterReady(cluster as SveltosCluster);
    out.push({
      type,
      namespace,
      name,
      key: `${type}:${namespace}/${name}`,
      object: cluster,
      labels: { ...(cluster.metadata.labels ?? {}) },
      ready,
      paused: (cluster.spec as { paused?: unknown } | undefined)?.paused === true,
      ref: {
        apiVersion: cluster.apiVersion,
        kind: cluster.kind,
        namespace,
        name,
      },
      kubeconfig: kubeconfigSecretRef(type, cluster),
    });
  }
  return out.sort((a, b) => keyOf(a).localeCompare(keyOf(b)) || a.type.localeCompare(b.type));
}

const refIs = (r: ObjectReference, c: RegisteredCluster): boolean =>
  r.kind === c.ref.kind && r.namespace === c.namespace && r.name === c.name;

// ---- lookups -------------------------------------------------------------------------------------------

const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');

/** Objects by kind, namespace and name; a cluster-scoped object is found whatever namespace is asked. */
class ObjectIndex {
  readonly #byKey = new Map<string, KubeObject>();
  constructor(objects: Iterable<KubeObject>) {
    for (const o of objects)
      this.#byKey.set(
        this.#key(groupOf(o.apiVersion), o.kind, o.metadata.namespace ?? '', o.metadata.name),
        o,
      );
  }
  #key(group: string, kind: string, namespace: string, name: string): string {
    return JSON.stringify([group, kind, namespace, name]);
  }
  get(group: string, kind: string, namespace: string, name: string): KubeObject | undefined {
    return (
      this.#byKey.get(this.#key(group, kind, namespace, name)) ??
      this.#byKey.get(this.#key(group, kind, '', name))
    );
  }
}

// ---- the chain -----------------------------------------------------------------------------------------

interface RoundResult extends ChainOutcome {
  reports: SimReport[];
  /** Per pair (`trigger|cluster key`): what it planned, for the next round's `existing`. */
  planned: Map<string, ExistingObjects>;
}

const emptyRound = (): RoundResult => ({
  reports: [],
  pairs: [],
  configMaps: [],
  secrets: [],
  profiles: [],
  deployments: [],
  problems: [],
  planned: new Map(),
});

/** What the API server would store of a Secret the event-manager applies (stringData into base64 data). */
function storedSecret(s: Secret): Secret & KubeObject {
  const { stringData, ...rest } = structuredClone(s);
  const data = { ...(rest.data ?? {}) };
  for (const [k, v] of Object.entries(stringData ?? {})) data[k] = Buffer.from(v).toString('base64');
  return { ...rest, type: rest.type ?? 'Opaque', data } as Secret & KubeObject;
}

function isExecutable(binary: string): boolean {
  const candidates = binary.includes('/')
    ? [binary]
    : (process.env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, binary));
  return candidates.some((c) => {
    try {
      accessSync(c, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export class Simulator {
  readonly #input: SimulationInput;
  readonly #options: SimulationOptions;
  readonly #clusters: RegisteredCluster[];
  readonly #sources = new Map<string, EventSource & KubeObject>();
  readonly #triggers: (EventTrigger & KubeObject)[] = [];
  readonly #userProfiles: (ClusterProfile & KubeObject)[] = [];
  readonly #sets: (ClusterSet & KubeObject)[] = [];
  readonly #notes: string[] = [];
  #kustomize: boolean | undefined;
  /** What each feature's status was computed from, to compute it again when conflicts are found. */
  readonly #featureErrors = new WeakMap<SimFeature, readonly AddonError[]>();
  readonly #desired = new WeakMap<SimResource, DesiredResource>();

  constructor(input: SimulationInput, options: SimulationOptions) {
    this.#input = input;
    this.#options = options;
    const objects = input.management.map((i) => i.object);
    this.#clusters = registeredClusters(objects);
    for (const o of objects) {
      if (o.kind === 'EventSource') this.#sources.set(o.metadata.name, o as EventSource & KubeObject);
      else if (o.kind === 'EventTrigger') this.#triggers.push(o as EventTrigger & KubeObject);
      else if (o.kind === 'ClusterProfile') this.#userProfiles.push(o as ClusterProfile & KubeObject);
      else if (o.kind === 'ClusterSet') this.#sets.push(o as ClusterSet & KubeObject);
    }
    this.#triggers.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    this.#userProfiles.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    for (const key of [
      ...input.clusterObjects.keys(),
      ...(input.managementCluster ? [input.managementCluster] : []),
    ]) {
      const found = this.#clusters.filter((c) => keyOf(c) === key);
      if (found.length === 0)
        throw new CliError(
          'INVALID_INPUT',
          `objects are given for cluster ${key}, but the input registers no SveltosCluster or Cluster ${key}`,
        );
      if (found.length > 1)
        throw new CliError(
          'INVALID_INPUT',
          `${key} is both a SveltosCluster and a Cluster API Cluster in the input: which one is meant is ambiguous`,
        );
    }
    if (this.#triggers.length === 0 && this.#userProfiles.length === 0)
      this.#notes.push('the input has no EventTrigger and no ClusterProfile: nothing would be created');
  }

  /** Runs the chain until what it creates stops changing. */
  async run(): Promise<Simulation> {
    const max = this.#options.maxRounds ?? 10;
    let previous = emptyRound();
    let fingerprint = '';
    let rounds = 0;
    let settled = false;
    while (rounds < max) {
      rounds++;
      const result = await this.#round(previous);
      const next = canonicalJson({
        reports: result.reports.map((r) => r.report),
        configMaps: result.configMaps,
        secrets: result.secrets,
        profiles: result.profiles.map((p) => p.object),
        deployed: result.deployments.map((d) => [d.profile, d.cluster, d.resources.map((r) => r.object)]),
      });
      previous = result;
      if (next === fingerprint) {
        settled = true;
        break;
      }
      fingerprint = next;
    }
    if (!settled)
      this.#notes.push(
        `what the chain creates still changed after ${rounds} rounds (its output keeps firing events): the last round is shown`,
      );
    return {
      rounds,
      settled,
      clusters: this.#clusters,
      eventReports: previous.reports,
      pairs: previous.pairs,
      configMaps: previous.configMaps,
      secrets: previous.secrets,
      profiles: previous.profiles,
      deployments: previous.deployments,
      problems: previous.problems,
      notes: [...this.#input.ignored, ...this.#notes],
    };
  }

  /** Objects the chain has created in a cluster (last round): local report copies and deployed objects. */
  #created(previous: RoundResult, cluster: RegisteredCluster): KubeObject[] {
    const out: KubeObject[] = previous.reports
      .filter((r) => r.cluster === keyOf(cluster))
      .map((r) => r.local);
    for (const d of previous.deployments) {
      if (d.cluster !== keyOf(cluster) || d.dryRun) continue;
      for (const r of d.resources) if (!r.local) out.push(r.object as unknown as KubeObject);
    }
    return out;
  }

  /** Everything in the management cluster: the input, and what the chain wrote there last round. */
  #managementObjects(previous: RoundResult): KubeObject[] {
    return [
      ...this.#input.management.map((i) => i.object),
      ...previous.reports.map((r) => r.report),
      ...previous.configMaps,
      ...previous.secrets,
      ...previous.profiles.filter((p) => p.origin !== 'input').map((p) => p.object),
      ...previous.deployments.flatMap((d) =>
        d.dryRun ? [] : d.resources.filter((r) => r.local).map((r) => r.object as unknown as KubeObject),
      ),
    ];
  }

  #objectsOf(previous: RoundResult, cluster: RegisteredCluster): KubeObject[] {
    const key = keyOf(cluster);
    const objects = [
      ...(this.#input.clusterObjects.get(key) ?? []).map((i) => i.object),
      ...this.#created(previous, cluster),
    ];
    if (this.#input.managementCluster === key) objects.push(...this.#managementObjects(previous));
    // the last write of an object wins, as on an API server
    const byId = new Map<string, KubeObject>();
    for (const o of objects)
      byId.set(
        JSON.stringify([groupOf(o.apiVersion), o.kind, o.metadata.namespace ?? '', o.metadata.name]),
        o,
      );
    return [...byId.values()];
  }

  /** ClusterSet selections, as the component owning cluster status computes them (sticky on status). */
  #setSelection(names: readonly string[]): ObjectReference[] {
    return names.flatMap((n) => {
      const set = this.#sets.find((s) => s.metadata.name === n);
      return set ? selectClusters(set, this.#clusters).selected : [];
    });
  }

  /** The clusters a trigger matches: its sourceClusterSelector over registered clusters (ready or not) ∪
   * its ClusterSets' selections, as the event-manager's `matching`. Throws INVALID_SELECTOR. */
  #triggerClusters(et: EventTrigger): RegisteredCluster[] {
    const out = this.#clusters.filter((c) => selectorMatches(et.spec.sourceClusterSelector, c.labels));
    for (const ref of this.#setSelection(et.spec.clusterSetRefs ?? [])) {
      const c = this.#clusters.find((x) => refIs(ref, x));
      if (c && !out.includes(c)) out.push(c);
    }
    return out;
  }

  async #round(previous: RoundResult): Promise<RoundResult> {
    const result = emptyRound();
    const problems = result.problems;
    const triggerClusters = new Map<string, RegisteredCluster[]>();
    for (const et of this.#triggers) {
      try {
        triggerClusters.set(et.metadata.name, this.#triggerClusters(et));
      } catch (error) {
        if (!(error instanceof ClusterError)) throw error;
        triggerClusters.set(et.metadata.name, []);
        problems.push({
          component: 'event-manager',
          object: `EventTrigger ${et.metadata.name}`,
          code: 'InvalidClusterSelector',
          message: error.message,
          blocking: true,
        });
      }
    }

    // 1. the agents: every EventSource a matching trigger resolves to, on every usable cluster
    const reports = new Map<string, SimReport>();
    for (const cluster of this.#clusters) {
      if (!cluster.ready || cluster.paused) continue;
      const wanted = new Map<string, EventSource & KubeObject>();
      for (const et of this.#triggers) {
        if (!triggerClusters.get(et.metadata.name)!.includes(cluster)) continue;
        let name: string;
        try {
          name = resolveEventSourceName(et, cluster.object);
        } catch {
          continue; // the pair reports it
        }
        const source = this.#sources.get(name);
        if (source) wanted.set(name, source);
      }
      if (wanted.size === 0) continue;
      const objects = this.#objectsOf(previous, cluster);
      const byGVK = groupByGVK(objects);
      for (const [name, source] of [...wanted].sort(([a], [b]) => a.localeCompare(b))) {
        const report = await this.#evaluate(cluster, name, source, byGVK, problems);
        if (report) reports.set(`${keyOf(cluster)}|${name}`, report);
      }
    }
    result.reports = [...reports.values()];

    // 2. the event-manager: plan() per (trigger, matching cluster)
    const mgmtPrevious = this.#managementObjects(previous);
    const plannerIndex = new ObjectIndex(mgmtPrevious);
    const plannerLookup = (k: ObjectKey): ObjectWithData | undefined =>
      k.kind === 'ConfigMap' || k.kind === 'Secret' || k.kind === 'ClusterProfile'
        ? (plannerIndex.get(
            k.kind === 'ClusterProfile' ? 'config.projectsveltos.io' : '',
            k.kind,
            k.namespace,
            k.name,
          ) as ObjectWithData | undefined)
        : undefined;
    const generatedProfiles: SimProfile[] = [];
    for (const et of this.#triggers) {
      for (const cluster of triggerClusters.get(et.metadata.name)!) {
        const pair: SimPair = {
          eventTrigger: et.metadata.name,
          cluster: keyOf(cluster),
          status: 'Provisioned',
          warnings: [],
          clusterProfiles: [],
          configMaps: [],
          secrets: [],
        };
        result.pairs.push(pair);
        if (!cluster.ready || cluster.paused) {
          pair.status = 'Provisioning';
          pair.message = 'cannot proceed: the cluster is paused or not ready';
          continue;
        }
        try {
          const eventSource = resolveEventSourceName(et, cluster.object);
          pair.eventSource = eventSource;
          const report = reports.get(`${keyOf(cluster)}|${eventSource}`);
          const pairId = `${et.metadata.name}|${cluster.key}`;
          const existing =
            this.#options.existing?.(et.metadata.name, cluster) ?? previous.planned.get(pairId);
          const planned = plan({
            eventTrigger: et,
            report: report?.report as EventReport | undefined,
            cluster: cluster.object,
            lookup: plannerLookup,
            ...(existing ? { existing } : {}),
            options: { namespace: this.#options.namespace ?? SVELTOS_NAMESPACE },
            eventSourceName: eventSource,
          });
          result.planned.set(pairId, {
            clusterProfiles: planned.clusterProfiles,
            configMaps: planned.configMaps,
            secrets: planned.secrets,
          });
          pair.warnings = planned.warnings;
          for (const w of planned.warnings)
            problems.push({
              component: 'event-manager',
              object: `EventTrigger ${et.metadata.name}`,
              cluster: keyOf(cluster),
              code: w.code,
              message: w.message,
              blocking: false,
            });
          for (const cm of planned.configMaps) {
            result.configMaps.push(cm as ConfigMap & KubeObject);
            pair.configMaps.push(`${cm.metadata.namespace}/${cm.metadata.name}`);
          }
          for (const s of planned.secrets) {
            result.secrets.push(storedSecret(s));
            pair.secrets.push(`${s.metadata.namespace}/${s.metadata.name}`);
          }
          for (const p of planned.clusterProfiles) {
            // the API server fills in the CRD defaults before the addon-controller reads it
            const object = applyDefaults(p) as ClusterProfile & KubeObject;
            generatedProfiles.push({
              name: object.metadata.name,
              origin: { eventTrigger: et.metadata.name, cluster: keyOf(cluster) },
              object,
              matchingClusters: [],
            });
            pair.clusterProfiles.push(object.metadata.name);
          }
        } catch (error) {
          if (!(error instanceof PlanError)) throw error;
          pair.status = 'Failed';
          pair.message = error.message;
          pair.code = error.code;
          problems.push({
            component: 'event-manager',
            object: `EventTrigger ${et.metadata.name}`,
            cluster: keyOf(cluster),
            code: error.code,
            message: error.message,
            blocking: true,
          });
        }
      }
    }

    // 3. the addon-controller: every profile on every cluster it selects
    result.profiles = [
      ...this.#userProfiles.map(
        (object): SimProfile => ({
          name: object.metadata.name,
          origin: 'input',
          object,
          matchingClusters: [],
        }),
      ),
      ...generatedProfiles,
    ];
    const addonIndex = new ObjectIndex([
      ...this.#input.management.map((i) => i.object),
      ...result.reports.map((r) => r.report),
      ...result.configMaps,
      ...result.secrets,
      ...result.profiles.filter((p) => p.origin !== 'input').map((p) => p.object),
      ...previous.deployments.flatMap((d) =>
        d.dryRun ? [] : d.resources.filter((r) => r.local).map((r) => r.object as unknown as KubeObject),
      ),
    ]);
    const lookup: MgmtLookup = (k) =>
      addonIndex.get(groupOf(k.apiVersion), k.kind, k.namespace, k.name) as ObjectWithData | undefined;
    for (const profile of result.profiles) {
      const spec: ClusterProfileSpec = profile.object.spec ?? {};
      const where = `ClusterProfile ${profile.name}`;
      for (const r of refusals(spec))
        problems.push({
          component: 'addon-controller',
          object: where,
          code: 'FEATURE_NOT_SUPPORTED',
          message: r.message,
          blocking: false,
        });
      let selected: RegisteredCluster[];
      try {
        const sets = this.#setSelection(spec.setRefs ?? []);
        selected = this.#clusters.filter((c) => profileSelects(spec, c, sets));
      } catch (error) {
        if (!(error instanceof ClusterError)) throw error;
        problems.push({
          component: 'addon-controller',
          object: where,
          code: error.code,
          message: error.message,
          blocking: true,
        });
        continue;
      }
      profile.matchingClusters = selected.map(keyOf);
      for (const cluster of selected) {
        const deployment = await this.#deploy(profile, spec, cluster, lookup);
        result.deployments.push(deployment);
        for (const f of deployment.features) {
          if (f.failureMessage)
            problems.push({
              component: 'addon-controller',
              object: `ClusterSummary ${deployment.clusterSummary.namespace}/${deployment.clusterSummary.name}`,
              cluster: keyOf(cluster),
              code: f.failureReason ?? 'FAILED',
              message: `${f.featureID}: ${f.failureMessage}`,
              blocking: true,
            });
        }
      }
    }
    this.#conflicts(result.deployments, problems);
    return result;
  }

  /**
   * Objects several profiles deploy into the same cluster. The addon-controller's ownership rule (`diff`)
   * decides, against the object as its holder would have written it: the lowest tier keeps it; on equal
   * tiers whichever profile deployed first keeps it, which a simulation cannot know, so every profile of the
   * lowest tier is reported. The losers' features are then in conflict, as their ClusterSummaries would say.
   */
  #conflicts(deployments: readonly SimDeployment[], problems: Problem[]): void {
    const claims = new Map<string, { d: SimDeployment; r: SimResource }[]>();
    for (const d of deployments) {
      if (d.dryRun) continue;
      for (const r of d.resources) {
        const key = JSON.stringify([
          r.local ? '' : d.cluster,
          groupOf(r.apiVersion),
          r.kind,
          r.namespace,
          r.name,
        ]);
        claims.set(key, [...(claims.get(key) ?? []), { d, r }]);
      }
    }
    const conflicts = new Map<SimFeature, string[]>();
    for (const claimed of claims.values()) {
      if (new Set(claimed.map((c) => c.d.profile)).size < 2) continue;
      const lowest = Math.min(...claimed.map((c) => this.#desired.get(c.r)!.tier));
      const winners = claimed.filter((c) => this.#desired.get(c.r)!.tier === lowest);
      const owner = winners.length === 1 ? winners[0] : undefined;
      for (const c of claimed) {
        if (c === owner) continue;
        const holder = owner ?? winners.find((w) => w.d.profile !== c.d.profile)!;
        const verdict = diff({
          owner: { kind: 'ClusterProfile', name: c.d.profile },
          desired: [this.#desired.get(c.r)!],
          recorded: [],
          live: () => holder.r.object.metadata as LiveMeta,
          ownerExists: () => true,
          withdrawAllowed: false,
        }).conflicts[0];
        if (!verdict) continue;
        const message = owner
          ? verdict.message
          : `${verdict.message} (equal tiers: whichever profile deploys first keeps it; a simulation cannot know which)`;
        c.r.conflict = message;
        const feature = c.d.features.find((f) => f.featureID === c.r.feature);
        if (feature) conflicts.set(feature, [...(conflicts.get(feature) ?? []), message]);
        problems.push({
          component: 'addon-controller',
          object: `ClusterSummary ${c.d.clusterSummary.namespace}/${c.d.clusterSummary.name}`,
          cluster: c.d.cluster,
          code: 'CONFLICT',
          message: `${c.r.feature}: ${message}`,
          blocking: true,
        });
      }
    }
    for (const [feature, messages] of conflicts)
      Object.assign(
        feature,
        featureState(feature.featureID, this.#featureErrors.get(feature) ?? [], messages),
      );
  }

  async #evaluate(
    cluster: RegisteredCluster,
    name: string,
    source: EventSource & KubeObject,
    byGVK: ReturnType<typeof groupByGVK>,
    problems: Problem[],
  ): Promise<SimReport | undefined> {
    const problem = (code: string, message: string, blocking = true) =>
      problems.push({
        component: 'sveltos-agent',
        object: `EventSource ${name}`,
        cluster: keyOf(cluster),
        code,
        message: `EventSource ${name} on cluster ${keyOf(cluster)}: ${message}`,
        blocking,
      });
    let compiled: Awaited<ReturnType<typeof compileEventSource>>;
    try {
      compiled = await compileEventSource(source, { sandbox: this.#options.sandbox });
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'INVALID_EVENTSOURCE';
      problem('EvaluationFailed', `${(error as Error).message}${code ? ` [${code}]` : ''}`);
      return undefined;
    }
    try {
      const evaluation = await compiled.evaluate(byGVK);
      for (const e of evaluation.errors) if (!e.fatal) problem(e.code, `${e.message} [${e.code}]`, false);
      if (!evaluation.ok) {
        const failure = evaluation.errors.find((e) => e.fatal)!;
        // the agent keeps the last good report; a simulation has none
        problem('EvaluationFailed', `${failure.message} [${failure.code}]`);
        return undefined;
      }
      const content = {
        matchingResources: evaluation.matchingResources,
        ...(evaluation.resources ? { resources: evaluation.resources } : {}),
      };
      return {
        cluster: keyOf(cluster),
        eventSource: name,
        report: buildEventReport(
          { namespace: cluster.namespace, name: cluster.name, type: cluster.type },
          name,
          content,
        ),
        local: localEventReport(name, content),
        matchingResources: evaluation.matchingResources,
      };
    } finally {
      compiled.release();
    }
  }

  #kustomizeAvailable(): boolean {
    this.#kustomize ??= isExecutable(this.#options.tools.kustomizeBinary);
    return this.#kustomize;
  }

  async #deploy(
    profile: SimProfile,
    spec: ClusterProfileSpec,
    cluster: RegisteredCluster,
    lookup: MgmtLookup,
  ): Promise<SimDeployment> {
    const owner = { kind: 'ClusterProfile' as const, name: profile.name, spec };
    const input = {
      profile: owner,
      cluster: {
        type: cluster.type,
        namespace: cluster.namespace,
        name: cluster.name,
        object: cluster.object as unknown as Record<string, unknown>,
      },
      lookup,
    };
    const deployment: SimDeployment = {
      profile: profile.name,
      cluster: keyOf(cluster),
      clusterType: cluster.type,
      clusterSummary: {
        namespace: cluster.namespace,
        name: clusterSummaryName(profile.name, cluster.type, cluster.name),
      },
      dryRun: spec.syncMode === 'DryRun',
      features: [],
      resources: [],
      helmReleases: [],
    };
    const tools = this.#options.tools;
    const needsKustomize = (spec.patches ?? []).length > 0 || (spec.patchesFrom ?? []).length > 0;
    const withoutKustomize = (what: string) =>
      `${what} need the kustomize binary (${tools.kustomizeBinary} is not found; pass --kustomize-binary)`;
    const record = (featureID: SimFeature['featureID'], errors: readonly AddonError[]) => {
      const feature: SimFeature = { featureID, ...featureState(featureID, errors, []) };
      this.#featureErrors.set(feature, errors);
      deployment.features.push(feature);
    };
    const objects = (feature: SimResource['feature'], state: DesiredState) => {
      for (const d of state.resources) {
        const apiVersion = d.object.apiVersion as string;
        const scoped = this.#input.scopes.namespaced(apiVersion, d.id.kind);
        const placed = scoped === undefined ? d : placeResource(d, scoped);
        const resource: SimResource = {
          feature,
          apiVersion,
          kind: placed.id.kind,
          namespace: placed.id.namespace,
          name: placed.id.name,
          local: placed.id.local === true,
          hash: placed.hash,
          source: placed.source,
          object: placed.object,
        };
        this.#desired.set(resource, placed);
        deployment.resources.push(resource);
        this.#input.scopes.learn(placed.object);
      }
    };
    if ((spec.policyRefs ?? []).length > 0) {
      if (needsKustomize && !this.#kustomizeAvailable())
        deployment.features.push({
          featureID: 'Resources',
          status: 'NotSimulated',
          notSimulated: withoutKustomize('spec.patches/patchesFrom'),
        });
      else {
        const { state, patches } = planResourceObjects(input);
        const patched = await withPatches(tools, owner, state, patches);
        objects('Resources', patched);
        record('Resources', patched.errors);
      }
    }
    if ((spec.helmCharts ?? []).length > 0) {
      const helm = planReleases(input);
      const errors = [...helm.errors];
      for (const chart of helm.charts as PlannedChart[]) {
        if (chart.error) {
          errors.push(chart.error);
          continue;
        }
        const r = chart.release;
        deployment.helmReleases.push({
          releaseName: r.name,
          releaseNamespace: r.namespace,
          action: r.action,
          repositoryURL: r.source.repositoryURL,
          chartName: r.source.chartName,
          chartVersion: r.source.version,
          values: r.values,
          valuesHash: r.valuesHash,
        });
      }
      record('Helm', errors);
    }
    if ((spec.kustomizationRefs ?? []).length > 0) {
      if (!this.#kustomizeAvailable())
        deployment.features.push({
          featureID: 'Kustomize',
          status: 'NotSimulated',
          notSimulated: withoutKustomize('kustomizationRefs'),
        });
      else {
        const state = await buildKustomizeObjects(tools, owner, planKustomizations(input));
        const patched = await withPatches(tools, owner, state, planPatches(input));
        objects('Kustomize', patched);
        record('Kustomize', patched.errors);
      }
    }
    return deployment;
  }
}

/** A feature's state as its ClusterSummary section would say, assuming every write succeeds. */
function featureState(
  featureID: SimFeature['featureID'],
  errors: readonly AddonError[],
  conflicts: readonly string[],
): Pick<SimFeature, 'status' | 'failureReason' | 'failureMessage'> {
  const status = featureStatusOf(
    { errors: [...errors], conflicts: [...conflicts], deployed: { featureID }, references: [] },
    false,
  );
  const failure = failureText([...errors.map((e) => e.message), ...conflicts]);
  return {
    status,
    failureReason: failure ? (errors[0]?.code ?? 'CONFLICT') : undefined,
    failureMessage: failure,
  };
}

/** Runs the whole chain over the input. */
export function simulate(input: SimulationInput, options: SimulationOptions): Promise<Simulation> {
  return new Simulator(input, options).run();
}

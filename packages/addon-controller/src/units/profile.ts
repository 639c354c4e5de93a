// Unit "clusterprofile" (key: profile name): finds the clusters a profile selects, fans out to every
// (profile, cluster) pair (selected now or holding a summary), and writes `status.matchingClusters`, the
// condition FeaturesSupported (fields refused out loud, refusals.ts, with a Warning Event each) and, with
// maxUpdate, `updatingClusters`/`updatedClusters`.

import {
  type ClusterProfileSpec,
  type ClusterProfileStatus,
  CONFIG_API_VERSION,
  type Condition,
  canonicalJson,
  type ObjectReference,
} from '@sveltos-ts/api';
import { ClusterError, isEmptySelector, type RegisteredCluster } from '@sveltos-ts/clusters';
import { KubeError, type ReconcileResult } from '@sveltos-ts/kube';
import {
  type Phase,
  type Reconciler,
  runPhases,
  specLabelsOrDeletionChanged,
  type Watch,
  watchInformer,
} from '@sveltos-ts/runtime';
import { type AddonContext, type PairKey, type Profile, pairId } from '../context.ts';
import { FIELD_MANAGER } from '../features/objects.ts';
import { refusals } from '../refusals.ts';
import { provisioned } from './dependencies.ts';
import { requestedFeatures } from './pair-gates.ts';
import { specHash } from './rollout.ts';

interface ProfileScope {
  name: string;
  profile: Profile | undefined;
  pairs: Map<string, PairKey>;
  /** The matching clusters to write; undefined leaves the status alone (deleted profile, bad selector). */
  matching: ObjectReference[] | undefined;
  writeStatus(): Promise<void>;
}

export class ProfileReconciler implements Reconciler<string> {
  readonly #ctx: AddonContext;
  readonly #phases: Phase<ProfileScope>[] = [
    { name: 'pairs with a summary', run: async (s) => this.#summarised(s) },
    { name: 'matching clusters', run: async (s) => this.#matching(s) },
  ];

  constructor(ctx: AddonContext) {
    this.#ctx = ctx;
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const scope: ProfileScope = {
      name,
      profile: this.#ctx.informers.profiles.get(name),
      pairs: new Map(),
      matching: undefined,
      writeStatus: () => this.#writeStatus(scope),
    };
    return runPhases(scope, this.#phases);
  }

  #summarised(scope: ProfileScope): undefined {
    for (const s of this.#ctx.summaryIndex.ofProfile(scope.name)) {
      const pair = this.#ctx.pairOfSummary(s);
      if (pair) scope.pairs.set(pairId(pair), pair);
    }
    return undefined;
  }

  #matching(scope: ProfileScope): undefined {
    const { profile } = scope;
    if (profile === undefined || profile.metadata.deletionTimestamp) return undefined;
    let matching: RegisteredCluster[];
    try {
      const spec = profile.spec ?? {};
      matching = candidates(this.#ctx, spec).filter((c) => this.#ctx.selects(spec, c));
    } catch (error) {
      if (!(error instanceof ClusterError)) throw error;
      // an invalid selector changes nothing deployed; the user sees why on the profile
      this.#ctx.recorder.record(
        {
          apiVersion: CONFIG_API_VERSION,
          kind: 'ClusterProfile',
          name: profile.metadata.name,
          uid: profile.metadata.uid,
        },
        'Warning',
        error.code,
        error.message,
      );
      return undefined;
    }
    for (const c of matching) {
      const pair = { profile: scope.name, cluster: { type: c.type, namespace: c.namespace, name: c.name } };
      scope.pairs.set(pairId(pair), pair);
    }
    scope.matching = matching
      .map((c) => c.ref)
      .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
    return undefined;
  }

  /** Deferred: the pairs are woken and the status written on every exit. */
  async #writeStatus(scope: ProfileScope): Promise<void> {
    for (const p of scope.pairs.values())
      if (this.#ctx.registry.handles(p.cluster)) this.#ctx.queues.pair.add(p);
    const { profile, matching } = scope;
    // one writer of the profile's status, over the whole fleet: the default shard (docs/design/sharding.md)
    if (!profile || matching === undefined || this.#ctx.registry.shardKey !== '') return;
    const spec = profile.spec ?? {};
    const current = profile.status ?? {};
    const condition = supportCondition(spec, current.conditions);
    const status: ClusterProfileStatus = {
      matchingClusters: matching,
      conditions: [condition],
      ...(spec.maxUpdate !== undefined ? this.#rollout(scope.name, spec) : {}),
    };
    const same = (a: ClusterProfileStatus, b: ClusterProfileStatus) =>
      canonicalJson({ ...a, conditions: a.conditions?.map(({ lastTransitionTime: _t, ...c }) => c) }) ===
      canonicalJson({ ...b, conditions: b.conditions?.map(({ lastTransitionTime: _t, ...c }) => c) });
    const previous: ClusterProfileStatus = {
      matchingClusters: current.matchingClusters ?? [],
      ...(current.conditions ? { conditions: current.conditions } : {}),
      ...(current.updatingClusters ? { updatingClusters: current.updatingClusters } : {}),
      ...(current.updatedClusters ? { updatedClusters: current.updatedClusters } : {}),
    };
    if (same(previous, status)) return;
    // each refused field is told once, when the condition changes
    const before = current.conditions?.find((c) => c.type === FEATURES_SUPPORTED);
    if (before?.message !== condition.message)
      for (const r of refusals(spec))
        this.#ctx.recorder.record(
          {
            apiVersion: CONFIG_API_VERSION,
            kind: 'ClusterProfile',
            name: scope.name,
            uid: profile.metadata.uid,
          },
          'Warning',
          'FEATURE_NOT_SUPPORTED',
          r.message,
        );
    try {
      await this.#ctx.client.apply(
        { apiVersion: CONFIG_API_VERSION, kind: 'ClusterProfile', metadata: { name: scope.name }, status },
        { fieldManager: FIELD_MANAGER, subresource: 'status' },
      );
    } catch (error) {
      if (!(error instanceof KubeError && error.code === 'NOT_FOUND')) throw error;
    }
  }

  /** maxUpdate: the clusters updating to the current spec, and those already updated (units/rollout.ts). */
  #rollout(
    name: string,
    spec: ClusterProfileSpec,
  ): Pick<ClusterProfileStatus, 'updatingClusters' | 'updatedClusters'> {
    const hash = specHash(spec);
    const updated: ObjectReference[] = [];
    for (const s of this.#ctx.summaryIndex.ofProfile(name)) {
      const pair = this.#ctx.pairOfSummary(s);
      if (!pair || !provisioned(s, spec, requestedFeatures)) continue;
      updated.push(clusterRef(pair.cluster));
    }
    const updating = this.#ctx.rollouts.updating(name, hash).flatMap((k) => {
      const c = this.#ctx.registry.get(k);
      return c ? [clusterRef(c)] : [];
    });
    const sorted = (l: ObjectReference[]) =>
      l.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
    return {
      updatingClusters: { hash, clusters: sorted(updating) },
      updatedClusters: { hash, clusters: sorted(updated) },
    };
  }
}

export const FEATURES_SUPPORTED = 'FeaturesSupported';

/** FeaturesSupported: False (FEATURE_NOT_SUPPORTED, one line per refused field) or True. */
export function supportCondition(
  spec: ClusterProfileSpec,
  previous: readonly Condition[] | undefined,
): Condition {
  const refused = refusals(spec);
  const condition: Condition = refused.length
    ? {
        type: FEATURES_SUPPORTED,
        status: 'False',
        reason: 'FEATURE_NOT_SUPPORTED',
        message: refused.map((r) => r.message).join('\n'),
      }
    : {
        type: FEATURES_SUPPORTED,
        status: 'True',
        reason: 'AllFieldsSupported',
        message: 'every field set is deployed',
      };
  const before = previous?.find((c) => c.type === FEATURES_SUPPORTED);
  return {
    ...condition,
    lastTransitionTime:
      before?.status === condition.status && before.lastTransitionTime
        ? before.lastTransitionTime
        : new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

const clusterRef = (c: { type: string; namespace: string; name: string }): ObjectReference => ({
  apiVersion: c.type === 'Capi' ? 'cluster.x-k8s.io/v1beta1' : 'lib.projectsveltos.io/v1beta1',
  kind: c.type === 'Capi' ? 'Cluster' : 'SveltosCluster',
  namespace: c.namespace,
  name: c.name,
});

/** A profile is looked at when it changes, when a ClusterSet changes, when a cluster it selects (or selected,
 * or deployed to) changes, and (maxUpdate) when one of its summaries changes. A cluster's change wakes only
 * those profiles: every profile at each of a fleet's cluster changes is quadratic in the fleet. */
export function profileWatches(ctx: AddonContext): Watch<string>[] {
  return [
    // not for its own status writes: nothing it reads changed
    watchInformer(ctx.informers.profiles, (e) =>
      e.type === 'update' && !specLabelsOrDeletionChanged(e.old, e.object)
        ? undefined
        : e.object.metadata.name,
    ),
    // maxUpdate: a cluster finishing (or failing) changes which clusters are updating
    watchInformer(ctx.informers.summaries, (e) => {
      const profile = ctx.pairOfSummary(e.object)?.profile;
      return profile && ctx.informers.profiles.get(profile)?.spec?.maxUpdate !== undefined
        ? profile
        : undefined;
    }),
    {
      subscribe: (enqueue) =>
        ctx.registry.on((e) => {
          const profiles = ctx.informers.profiles.list();
          if (e.type === 'clusterset-changed') {
            for (const p of profiles) enqueue(p.metadata.name);
            return;
          }
          const deployed = new Set(ctx.pairsOnCluster(e.cluster).map((pair) => pair.profile));
          for (const p of profiles)
            if (deployed.has(p.metadata.name) || concerns(ctx, p, e.cluster)) enqueue(p.metadata.name);
        }),
    },
  ];
}

/** Whether the profile selects the cluster now or lists it among its matching clusters. */
function concerns(ctx: AddonContext, profile: Profile, cluster: RegisteredCluster): boolean {
  const listed = (profile.status?.matchingClusters ?? []).some(
    (r) => r.namespace === cluster.namespace && r.name === cluster.name && r.kind === cluster.ref.kind,
  );
  if (listed) return true;
  try {
    return ctx.selects(profile.spec ?? {}, cluster);
  } catch {
    return true; // a selector that cannot be evaluated: the reconcile reports it
  }
}

/** The clusters worth testing against a profile: those it names, when that is all it selects by (every
 * profile the event-manager generates), or else the whole fleet. */
function candidates(ctx: AddonContext, spec: ClusterProfileSpec): RegisteredCluster[] {
  if (!isEmptySelector(spec.clusterSelector) || (spec.setRefs ?? []).length > 0) return ctx.registry.list();
  const named = new Map<string, RegisteredCluster>();
  for (const ref of spec.clusterRefs ?? []) {
    const cluster = ctx.registry.getByRef(ref);
    if (cluster) named.set(cluster.key, cluster);
  }
  return [...named.values()];
}

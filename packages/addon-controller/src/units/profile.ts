// Unit "clusterprofile" (key: profile name): finds the clusters a profile selects, fans out to every
// (profile, cluster) pair (selected now or holding a summary), and writes `status.matchingClusters`.

import { CLUSTER_PROFILE_NAME_LABEL, CONFIG_API_VERSION, type ObjectReference } from '@sveltos-ts/api';
import { ClusterError, type RegisteredCluster } from '@sveltos-ts/clusters';
import { KubeError, type ReconcileResult } from '@sveltos-ts/kube';
import { type Phase, type Reconciler, runPhases, type Watch, watchInformer } from '@sveltos-ts/runtime';
import { type AddonContext, type PairKey, type Profile, pairId } from '../context.ts';
import { FIELD_MANAGER } from '../features/objects.ts';

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
    for (const s of this.#ctx.informers.summaries.list()) {
      if (s.metadata.labels?.[CLUSTER_PROFILE_NAME_LABEL] !== scope.name) continue;
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
      matching = this.#ctx.registry.list().filter((c) => this.#ctx.selects(profile.spec ?? {}, c));
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
    for (const p of scope.pairs.values()) this.#ctx.queues.pair.add(p);
    const { profile, matching } = scope;
    if (!profile || matching === undefined) return;
    if (JSON.stringify(profile.status?.matchingClusters ?? []) === JSON.stringify(matching)) return;
    try {
      await this.#ctx.client.apply(
        {
          apiVersion: CONFIG_API_VERSION,
          kind: 'ClusterProfile',
          metadata: { name: scope.name },
          status: { matchingClusters: matching },
        },
        { fieldManager: FIELD_MANAGER, subresource: 'status' },
      );
    } catch (error) {
      if (!(error instanceof KubeError && error.code === 'NOT_FOUND')) throw error;
    }
  }
}

/** A profile is looked at when it changes and when clusters or ClusterSets change. */
export function profileWatches(ctx: AddonContext): Watch<string>[] {
  return [
    watchInformer(ctx.informers.profiles, (e) => e.object.metadata.name),
    {
      subscribe: (enqueue) =>
        ctx.registry.on(() => {
          for (const p of ctx.informers.profiles.list()) enqueue(p.metadata.name);
        }),
    },
  ];
}

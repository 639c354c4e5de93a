// Unit "eventtrigger-status" (key: trigger name): writes `status.matchingClusters` and `status.clusterInfo`
// from the pairs' outcomes, and removes the finalizer of a deleted trigger once every pair is cleaned up.

import { EVENT_TRIGGER_FINALIZER, type EventTrigger, type ObjectReference } from '@sveltos-ts/api';
import type { KubeObject, ReconcileResult } from '@sveltos-ts/kube';
import { type Phase, type Reconciler, runPhases } from '@sveltos-ts/runtime';
import { type EventManagerContext, FIELD_MANAGER, ref, refOfKey } from '../context.ts';

interface TriggerStatusScope {
  trigger: EventTrigger & KubeObject;
  matching: ObjectReference[];
  clusterInfo: Array<{ cluster: ObjectReference; status: string; failureMessage?: string }>;
  /** Pairs not yet removed: the finalizer stays while any is left. */
  pending: boolean;
  /** False until the outcomes are collected: nothing is written from an incomplete picture. */
  collected: boolean;
  writeStatus(): Promise<void>;
}

export class TriggerStatusReconciler implements Reconciler<string> {
  readonly #ctx: EventManagerContext;
  readonly #phases: Phase<TriggerStatusScope>[] = [
    { name: 'collect pair outcomes', run: (s) => this.#collect(s) },
    { name: 'release finalizer', run: (s) => this.#releaseFinalizer(s) },
  ];

  constructor(ctx: EventManagerContext) {
    this.#ctx = ctx;
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const trigger = this.#ctx.informers.triggers.get(name);
    if (!trigger || !this.#ctx.mine(trigger)) return undefined;
    // one writer of the trigger's status and finalizer: the default shard (docs/design/sharding.md)
    if (this.#ctx.registry.shardKey !== '') return undefined;
    const scope: TriggerStatusScope = {
      trigger,
      matching: [],
      clusterInfo: [],
      pending: false,
      collected: false,
      // once the finalizer is gone the trigger may be too: the write then finds nothing, which is fine
      writeStatus: () => this.#writeStatus(scope),
    };
    return runPhases(scope, this.#phases);
  }

  async #collect(scope: TriggerStatusScope): Promise<undefined> {
    const et = scope.trigger;
    const name = et.metadata.name;
    if (!et.metadata.deletionTimestamp) {
      try {
        scope.matching = this.#ctx.matching(et);
      } catch {
        scope.matching = [];
      }
    }
    for (const cluster of this.#ctx.clustersOf(et, name).values()) {
      if (!this.#ctx.registry.handles(cluster)) continue; // another shard's
      const outcome = this.#ctx.outcome({ eventTrigger: name, cluster });
      if (outcome?.status === 'Removed') continue;
      scope.pending = true;
      scope.clusterInfo.push({
        cluster: this.#ctx.registry.get(cluster)?.ref ?? refOfKey(cluster),
        status: outcome?.status ?? 'Provisioning',
        ...(outcome?.message ? { failureMessage: outcome.message } : {}),
      });
    }
    scope.collected = true;
    return undefined;
  }

  async #writeStatus(scope: TriggerStatusScope): Promise<void> {
    if (!scope.collected) return;
    const et = scope.trigger;
    const status = { matchingClusters: scope.matching, clusterInfo: scope.clusterInfo };
    const current = {
      matchingClusters: et.status?.matchingClusters ?? [],
      clusterInfo: et.status?.clusterInfo ?? [],
    };
    if (JSON.stringify(current) === JSON.stringify(status)) return;
    await this.#ctx.client.patchStatus(ref(et), status, FIELD_MANAGER);
  }

  async #releaseFinalizer(scope: TriggerStatusScope): Promise<undefined> {
    const et = scope.trigger;
    if (!et.metadata.deletionTimestamp || scope.pending) return undefined;
    if (!(et.metadata.finalizers ?? []).includes(EVENT_TRIGGER_FINALIZER)) return undefined;
    await this.#ctx.client.mergePatch(ref(et), {
      metadata: {
        finalizers: (et.metadata.finalizers ?? []).filter((f) => f !== EVENT_TRIGGER_FINALIZER),
        resourceVersion: et.metadata.resourceVersion,
      },
    });
    for (const [id, o] of [...this.#ctx.outcomes])
      if (o.pair.eventTrigger === et.metadata.name) this.#ctx.outcomes.delete(id);
    return undefined;
  }
}

// Unit "eventtrigger" (key: trigger name): keeps the finalizer on live triggers and fans out to every
// (trigger, cluster) pair the trigger has to look at. Its status is the trigger-status unit's job, which it
// wakes on every exit.

import { EVENT_TRIGGER_FINALIZER, type EventTrigger } from '@sveltos-ts/api';
import type { KubeObject, ReconcileResult } from '@sveltos-ts/kube';
import {
  type Phase,
  type Reconciler,
  runPhases,
  specLabelsOrDeletionChanged,
  type Watch,
  watchInformer,
} from '@sveltos-ts/runtime';
import { type EventManagerContext, involved, ref } from '../context.ts';

interface TriggerScope {
  name: string;
  trigger: (EventTrigger & KubeObject) | undefined;
  writeStatus(): Promise<void>;
}

export class TriggerReconciler implements Reconciler<string> {
  readonly #ctx: EventManagerContext;
  readonly #phases: Phase<TriggerScope>[] = [
    { name: 'finalizer', run: (s) => this.#finalizer(s) },
    { name: 'fan out to pairs', run: (s) => this.#fanOut(s) },
  ];

  constructor(ctx: EventManagerContext) {
    this.#ctx = ctx;
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const trigger = this.#ctx.informers.triggers.get(name);
    if (trigger && !this.#ctx.mine(trigger)) return undefined;
    const scope: TriggerScope = {
      name,
      trigger,
      writeStatus: async () => {
        if (trigger) this.#ctx.queues.triggerStatus.add(name);
      },
    };
    return runPhases(scope, this.#phases);
  }

  async #finalizer({ trigger: et }: TriggerScope): Promise<undefined> {
    if (!et || et.metadata.deletionTimestamp) return undefined;
    try {
      this.#ctx.matching(et);
    } catch (error) {
      this.#ctx.recorder.record(involved(et), 'Warning', 'InvalidClusterSelector', (error as Error).message);
    }
    if (!(et.metadata.finalizers ?? []).includes(EVENT_TRIGGER_FINALIZER)) {
      await this.#ctx.client.mergePatch(ref(et), {
        metadata: {
          finalizers: [...(et.metadata.finalizers ?? []), EVENT_TRIGGER_FINALIZER],
          resourceVersion: et.metadata.resourceVersion,
        },
      });
    }
    return undefined;
  }

  async #fanOut({ name, trigger }: TriggerScope): Promise<undefined> {
    for (const cluster of this.#ctx.clustersOf(trigger, name).values())
      this.#ctx.queues.pair.add({ eventTrigger: name, cluster });
    return undefined;
  }
}

/** A trigger is looked at when its spec, labels or deletion change, when an EventSource changes, and when a
 * ClusterSet it uses changes. A cluster's change goes straight to the pairs it can affect (see
 * `wakePairsOf`): re-fanning every trigger at each of a fleet's cluster changes is quadratic in the fleet. */
export function triggerWatches(ctx: EventManagerContext): Watch<string>[] {
  const all = () => ctx.myTriggers().map((et) => et.metadata.name);
  return [
    watchInformer(ctx.informers.triggers, (e) => {
      const et = e.object;
      if (e.type === 'update' && !specLabelsOrDeletionChanged(e.old, et)) return undefined;
      return ctx.mine(et) || e.type === 'delete' ? et.metadata.name : undefined;
    }),
    watchInformer(ctx.informers.sources, (e) =>
      e.type === 'update' && JSON.stringify(e.object.spec) === JSON.stringify(e.old.spec) ? undefined : all(),
    ),
    {
      subscribe: (enqueue) =>
        ctx.registry.on((e) => {
          if (e.type !== 'clusterset-changed') return ctx.wakePairsOf(e.cluster);
          for (const et of ctx.myTriggers())
            if (et.spec.clusterSetRefs?.includes(e.name)) enqueue(et.metadata.name);
        }),
    },
  ];
}

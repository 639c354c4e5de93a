// Unit "eventbasedaddon" (key: EventBasedAddOn name): an EventBasedAddOn, the v1alpha1 name of EventTrigger,
// is reconciled as the EventTrigger it means. The unit keeps an EventTrigger of the same name (its "mirror",
// owned by the EventBasedAddOn) equal to that meaning, and copies the mirror's status back; the other units
// then treat the mirror as any EventTrigger, except that the pair unit instantiates every referenced
// ConfigMap/Secret for it (isEventBasedAddOnMirror). docs/design/legacy-api.md says why.

import {
  applyDefaults,
  canonicalJson,
  type EventBasedAddOn,
  EventBasedAddOnKind,
  type EventTrigger,
  EventTriggerKind,
  eventBasedAddOnAsEventTrigger,
} from '@sveltos-ts/api';
import type { Informer, KubeObject, ReconcileResult } from '@sveltos-ts/kube';
import { type Reconciler, type Watch, watchInformer } from '@sveltos-ts/runtime';
import { type EventManagerContext, FIELD_MANAGER, involved } from '../context.ts';

type Owned = { metadata: { ownerReferences?: Array<{ apiVersion: string; kind: string; name: string }> } };

/** The EventBasedAddOn an EventTrigger mirrors, if it is a mirror. */
export function mirroredAddOn(et: Owned): string | undefined {
  return et.metadata.ownerReferences?.find(
    (r) => r.kind === EventBasedAddOnKind.kind && r.apiVersion === EventBasedAddOnKind.apiVersion,
  )?.name;
}

/** Whether an EventTrigger stands for an EventBasedAddOn (whose policyRefs are always instantiated). */
export function isEventBasedAddOnMirror(et: Owned): boolean {
  return mirroredAddOn(et) !== undefined;
}

export class EventBasedAddOnReconciler implements Reconciler<string> {
  readonly #ctx: EventManagerContext;
  readonly #addOns: Informer<EventBasedAddOn & KubeObject>;

  constructor(ctx: EventManagerContext, addOns: Informer<EventBasedAddOn & KubeObject>) {
    this.#ctx = ctx;
    this.#addOns = addOns;
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const ctx = this.#ctx;
    const addOn = this.#addOns.get(name);
    const mirror = ctx.informers.triggers.get(name);
    const ours = mirror !== undefined && mirroredAddOn(mirror) === name;
    if (!addOn || addOn.metadata.deletionTimestamp) {
      // the mirror's own finalizer then removes what it deployed, as for any deleted EventTrigger
      if (ours && ctx.mine(mirror) && !mirror.metadata.deletionTimestamp) {
        await ctx.client.delete(
          { apiVersion: EventTriggerKind.apiVersion, kind: EventTriggerKind.kind, name },
          { uid: mirror.metadata.uid },
        );
      }
      return undefined;
    }
    // several managers sharing a cluster: the one that will handle the mirror keeps it (its labels are copied)
    const labels = addOn.metadata.labels;
    if (!ctx.mine({ metadata: { name, ...(labels ? { labels } : {}) } } as EventTrigger)) return undefined;
    if (mirror && !ours) {
      ctx.recorder.record(
        involved(addOn),
        'Warning',
        'NameConflict',
        `an EventTrigger named ${name} exists and is not this EventBasedAddOn's: rename one of them`,
      );
      return undefined;
    }
    let meaning: EventTrigger;
    try {
      meaning = eventBasedAddOnAsEventTrigger(addOn);
    } catch (error) {
      // the previous mirror (if any) keeps running, as an EventTrigger does with a refused edit
      ctx.recorder.record(involved(addOn), 'Warning', 'InvalidClusterSelector', (error as Error).message);
      return undefined;
    }
    const desired: EventTrigger & KubeObject = {
      apiVersion: EventTriggerKind.apiVersion,
      kind: EventTriggerKind.kind,
      metadata: {
        name,
        ...(labels ? { labels } : {}),
        ownerReferences: [
          {
            apiVersion: EventBasedAddOnKind.apiVersion,
            kind: EventBasedAddOnKind.kind,
            name,
            uid: addOn.metadata.uid ?? '',
            controller: true,
          },
        ],
      },
      spec: meaning.spec,
    };
    if (mirror?.metadata.deletionTimestamp) return { requeueAfterMs: 1_000 };
    // compared as stored: the API server fills the schema's defaults into the mirror
    const specChanged = canonicalJson(mirror?.spec ?? null) !== canonicalJson(applyDefaults(desired).spec);
    if (!mirror || specChanged || !sameLabels(mirror, addOn)) {
      await ctx.client.apply(desired, { fieldManager: FIELD_MANAGER, force: true });
    }
    if (mirror?.status && canonicalJson(mirror.status) !== canonicalJson(addOn.status ?? {})) {
      // applied, not merged: a cluster gone from the mirror's status goes from this one too
      await ctx.client.apply(
        {
          apiVersion: EventBasedAddOnKind.apiVersion,
          kind: EventBasedAddOnKind.kind,
          metadata: { name },
          status: mirror.status,
        },
        { fieldManager: FIELD_MANAGER, force: true, subresource: 'status' },
      );
    }
    return undefined;
  }
}

function sameLabels(a: KubeObject, b: KubeObject): boolean {
  return canonicalJson(a.metadata.labels ?? {}) === canonicalJson(b.metadata.labels ?? {});
}

/** An EventBasedAddOn is looked at when it changes and when its mirror changes (spec drift, new status). */
export function eventBasedAddOnWatches(
  ctx: EventManagerContext,
  addOns: Informer<EventBasedAddOn & KubeObject>,
): Watch<string>[] {
  return [
    watchInformer(addOns, (e) => e.object.metadata.name),
    watchInformer(ctx.informers.triggers, (e) => mirroredAddOn(e.object)),
  ];
}

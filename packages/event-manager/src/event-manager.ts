// The event-manager as a component of a Manager: distributes EventSources to matching clusters, consumes
// EventReports as they change, and applies the planner's desired ClusterProfiles/ConfigMaps/Secrets.
// Watch-driven; every decision is re-derived from cluster state, so a crash or a new leader converges
// (docs/design/event-manager.md). Six units: eventtrigger, eventtrigger-status, eventreport-status,
// eventsource-copies, eventtrigger-cluster, and eventbasedaddon (the v1alpha1 name of EventTrigger).

import {
  type EventBasedAddOn,
  EventBasedAddOnKind,
  type LabelSelector,
  SVELTOS_NAMESPACE,
} from '@sveltos-ts/api';
import { type ClusterKey, clusterKeyString } from '@sveltos-ts/clusters';
import { KubeError, type KubeObject } from '@sveltos-ts/kube';
import {
  type Manager,
  type RunningComponent,
  type StandaloneOptions,
  startStandalone,
} from '@sveltos-ts/runtime';
import { EventManagerContext, eventManagerInformers, FIELD_MANAGER } from './context.ts';
import { eventManagerMetrics } from './metrics.ts';
import { type PairKey, pairId } from './ownership.ts';
import { EventBasedAddOnReconciler, eventBasedAddOnWatches } from './units/eventbasedaddon.ts';
import { copiesWatches, EventSourceCopiesReconciler } from './units/eventsource-copies.ts';
import { PairReconciler, pairWatches } from './units/pair.ts';
import { ReportStatusReconciler, reportKeyOf, reportStatusWatches } from './units/report-status.ts';
import { TriggerReconciler, triggerWatches } from './units/trigger.ts';
import { TriggerStatusReconciler } from './units/trigger-status.ts';

export interface EventManagerOptions {
  /** Namespace of instantiated ConfigMaps/Secrets and generator outputs (upstream NAMESPACE). */
  namespace?: string | undefined;
  /** Handle only EventTriggers whose labels match (undefined: all). Lets several managers share a cluster. */
  eventTriggerSelector?: LabelSelector | undefined;
  /** Concurrent reconciles of the pair unit (default 8). */
  workers?: number | undefined;
  /** SveltosCluster probe interval (default 60 s). */
  probeIntervalMs?: number | undefined;
  /** Probe SveltosClusters and write their readiness (default true). */
  manageClusterStatus?: boolean | undefined;
}

/** Adds the event-manager's informers (now) and controllers (each leadership term) to the Manager. */
export function addEventManager(manager: Manager, options: EventManagerOptions = {}): void {
  const settings = {
    namespace: options.namespace ?? SVELTOS_NAMESPACE,
    eventTriggerSelector: options.eventTriggerSelector,
    workers: options.workers,
  };
  const informers = eventManagerInformers(manager);
  // v1alpha1 EventBasedAddOns, each reconciled as the EventTrigger it means (units/eventbasedaddon.ts)
  const addOns = manager.cache.informer<EventBasedAddOn & KubeObject>({
    apiVersion: EventBasedAddOnKind.apiVersion,
    kind: EventBasedAddOnKind.kind,
  });
  manager.clusters();
  if (options.manageClusterStatus ?? true)
    manager.probeClusters({ fieldManager: FIELD_MANAGER, probeIntervalMs: options.probeIntervalMs });
  const metrics = eventManagerMetrics(manager.metrics);
  manager.component('event-manager', (term) => {
    const ctx = new EventManagerContext(manager, settings, informers, metrics);
    term.run('namespace', { start: () => ensureNamespace(ctx), stop: () => {} });
    term.run('owned objects index', ownedIndexRunnable(ctx));
    ctx.queues = {
      trigger: term.add('eventtrigger', new TriggerReconciler(ctx), triggerWatches(ctx), { workers: 2 }),
      triggerStatus: term.add('eventtrigger-status', new TriggerStatusReconciler(ctx), [], { workers: 2 }),
      reportStatus: term.add(
        'eventreport-status',
        new ReportStatusReconciler(ctx),
        reportStatusWatches(ctx),
        {
          keyOf: reportKeyOf,
          workers: 2,
        },
      ),
      copies: term.add<ClusterKey>(
        'eventsource-copies',
        new EventSourceCopiesReconciler(ctx),
        copiesWatches(ctx),
        {
          keyOf: clusterKeyString,
          workers: 2,
        },
      ),
      pair: term.add<PairKey>('eventtrigger-cluster', new PairReconciler(ctx), pairWatches(ctx), {
        keyOf: pairId,
        workers: settings.workers ?? 8,
      }),
    };
    term.add(
      'eventbasedaddon',
      new EventBasedAddOnReconciler(ctx, addOns),
      eventBasedAddOnWatches(ctx, addOns),
    );
  });
}

function ownedIndexRunnable(ctx: EventManagerContext) {
  let detach: (() => void) | undefined;
  return {
    start: () => {
      const { profiles, configMaps, secrets } = ctx.informers;
      detach = ctx.owned.attach([profiles, configMaps, secrets] as never);
    },
    stop: () => detach?.(),
  };
}

async function ensureNamespace(ctx: EventManagerContext): Promise<void> {
  try {
    await ctx.client.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ctx.settings.namespace },
    });
  } catch (error) {
    // present already, or not ours to create (a restricted installation creates it up front)
    if (!(error instanceof KubeError && ['ALREADY_EXISTS', 'CONFLICT', 'FORBIDDEN'].includes(error.code)))
      throw error;
  }
}

export interface StartEventManagerOptions extends EventManagerOptions, StandaloneOptions {}

export type RunningEventManager = RunningComponent;

/** The event-manager alone in a Manager of its own (tests, benchmarks); resolves once caches synced. */
export function startEventManager(options: StartEventManagerOptions): Promise<RunningEventManager> {
  return startStandalone('event-manager', options, (manager) => addEventManager(manager, options));
}

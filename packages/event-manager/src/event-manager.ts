// The event-manager as a component of a Manager: distributes EventSources to matching clusters, consumes
// EventReports as they change, and applies the planner's desired ClusterProfiles/ConfigMaps/Secrets.
// Watch-driven; every decision is re-derived from cluster state, so a crash or a new leader converges
// (docs/design/event-manager.md). Five units: eventtrigger, eventtrigger-status, eventreport-status,
// eventsource-copies, eventtrigger-cluster.

import { type LabelSelector, SVELTOS_NAMESPACE } from '@sveltos-ts/api';
import { type ClusterKey, type ClusterRegistry, clusterKeyString } from '@sveltos-ts/clusters';
import { type KubeConfig, KubeError, type Logger } from '@sveltos-ts/kube';
import { type LeaderElectionConfig, Manager } from '@sveltos-ts/runtime';
import type { Registry } from 'prom-client';
import { EventManagerContext, eventManagerInformers, FIELD_MANAGER } from './context.ts';
import { eventManagerMetrics } from './metrics.ts';
import { type PairKey, pairId } from './ownership.ts';
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

export interface StartEventManagerOptions extends EventManagerOptions {
  managementKubeConfig: KubeConfig;
  logger?: Logger;
  /** prom-client registry for the metrics (a private one by default). */
  metrics?: Registry;
  /** Lease-based leader election: only the leader reconciles. Off when undefined. */
  leaderElection?: LeaderElectionConfig;
}

export interface RunningEventManager {
  /** True once the caches synced (readiness, leader or not). */
  ready(): boolean;
  readonly registry: ClusterRegistry;
  readonly manager: Manager;
  stop(): Promise<void>;
}

/** The event-manager alone in a Manager of its own (tests, benchmarks); resolves once caches synced. */
export async function startEventManager(options: StartEventManagerOptions): Promise<RunningEventManager> {
  const manager = new Manager({
    name: 'event-manager',
    kubeConfig: options.managementKubeConfig,
    logger: options.logger,
    metrics: options.metrics,
    leaderElection: options.leaderElection,
  });
  addEventManager(manager, options);
  await manager.start();
  return {
    ready: () => manager.ready() === true,
    registry: manager.clusters(),
    manager,
    stop: () => manager.stop(),
  };
}

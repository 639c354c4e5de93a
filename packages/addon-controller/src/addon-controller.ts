// The addon-controller as a component of a Manager: watches ClusterProfiles, ClusterSummaries,
// ConfigMaps/Secrets and clusters, and reconciles two units: "clusterprofile" (matching clusters, fan-out)
// and "clusterprofile-cluster" (deploy or withdraw through the feature table, docs/design/feature-table.md).

import { LuaSandbox } from '@sveltos-ts/evaluation';
import {
  type Manager,
  type RunningComponent,
  type StandaloneOptions,
  startStandalone,
} from '@sveltos-ts/runtime';
import {
  AddonContext,
  type AddonSettings,
  addonInformers,
  type PairKey,
  pairId,
  scopeSelector,
} from './context.ts';
import { HealthChecks } from './features/health.ts';
import { FIELD_MANAGER } from './features/objects.ts';
import { addonMetrics } from './metrics.ts';
import { DriftWatcher } from './units/drift-watch.ts';
import { PairReconciler, pairWatches } from './units/pair.ts';
import { ProfileReconciler, profileWatches } from './units/profile.ts';

export interface AddonControllerOptions extends AddonSettings {
  /** Probe SveltosClusters and write their readiness (default true; false when another component does). */
  manageClusterStatus?: boolean | undefined;
  /** SveltosCluster probe interval (default 60 s). */
  probeIntervalMs?: number | undefined;
}

/** Adds the addon-controller's informers (now) and controllers (each leadership term) to the Manager. */
export function addAddonController(manager: Manager, options: AddonControllerOptions = {}): void {
  const settings: AddonSettings = {
    scope: options.scope,
    conflictRetryMs: options.conflictRetryMs,
    healthRetryMs: options.healthRetryMs,
    workers: options.workers,
    tools: options.tools,
  };
  const informers = addonInformers(manager, settings);
  manager.clusters();
  if (options.manageClusterStatus ?? true)
    manager.probeClusters({ fieldManager: FIELD_MANAGER, probeIntervalMs: options.probeIntervalMs });
  const metrics = addonMetrics(manager.metrics);
  manager.component('addon-controller', (term) => {
    const ctx = new AddonContext(manager, settings, informers, metrics);
    let sandbox: LuaSandbox | undefined;
    // validateHealths scripts run in a sandbox of their own, started when a profile first has one
    ctx.health = new HealthChecks(() => {
      sandbox ??= new LuaSandbox({ maxWorkers: 1 });
      return sandbox;
    });
    ctx.drift = new DriftWatcher<PairKey>({
      logger: manager.logger,
      enqueue: (pair) => ctx.queues.pair.add(pair),
      keyOf: pairId,
    });
    let detachSummaries: (() => void) | undefined;
    term.run('summary index', {
      start: () => {
        detachSummaries = ctx.summaryIndex.attach();
      },
      stop: () => detachSummaries?.(),
    });
    term.run('drift-watch', { start: () => ctx.drift.start(), stop: () => ctx.drift.stop() });
    // the clock of the per-hop latency: when each profile's spec changed, as this process saw it
    let stopClock: (() => void) | undefined;
    term.run('profile-change clock', {
      start: () => {
        stopClock = ctx.informers.profiles.on((e) => {
          const name = e.object.metadata.name;
          if (e.type === 'delete') ctx.profileChangedAt.delete(name);
          else if (e.type === 'add' || e.object.metadata.generation !== e.old.metadata.generation)
            ctx.profileChangedAt.set(name, performance.now());
        });
      },
      stop: () => stopClock?.(),
    });
    term.run('health-checks', {
      start: () => undefined,
      stop: async () => {
        await ctx.health.close();
        await sandbox?.close();
      },
    });
    ctx.queues = {
      // as many as the pairs: a profile's reconcile is what wakes its pairs, so fewer would gate them
      profile: term.add('clusterprofile', new ProfileReconciler(ctx), profileWatches(ctx), {
        workers: settings.workers ?? 8,
      }),
      pair: term.add<PairKey>('clusterprofile-cluster', new PairReconciler(ctx), pairWatches(ctx), {
        keyOf: pairId,
        workers: settings.workers ?? 8,
      }),
    };
    manager.logger.info('addon-controller started', {
      scope: scopeSelector(settings.scope) ?? 'all profiles',
    });
  });
}

export interface StartAddonControllerOptions extends AddonControllerOptions, StandaloneOptions {}

export type RunningAddonController = RunningComponent;

/** The addon-controller alone in a Manager of its own (tests, benchmarks); resolves once caches synced. */
export function startAddonController(options: StartAddonControllerOptions): Promise<RunningAddonController> {
  return startStandalone('addon-controller', options, (manager) => addAddonController(manager, options));
}

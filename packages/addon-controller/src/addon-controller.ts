// The addon-controller as a component of a Manager: watches ClusterProfiles, ClusterSummaries,
// ConfigMaps/Secrets and clusters, and reconciles two units: "clusterprofile" (matching clusters, fan-out)
// and "clusterprofile-cluster" (deploy or withdraw through the feature table, docs/design/feature-table.md).

import type { ClusterRegistry } from '@sveltos-ts/clusters';
import type { KubeConfig, Logger } from '@sveltos-ts/kube';
import { type LeaderElectionConfig, Manager } from '@sveltos-ts/runtime';
import type { Registry } from 'prom-client';
import {
  AddonContext,
  type AddonSettings,
  addonInformers,
  type PairKey,
  pairId,
  scopeSelector,
} from './context.ts';
import { FIELD_MANAGER } from './features/objects.ts';
import { addonMetrics } from './metrics.ts';
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
    workers: options.workers,
  };
  const informers = addonInformers(manager, settings);
  manager.clusters();
  if (options.manageClusterStatus ?? true)
    manager.probeClusters({ fieldManager: FIELD_MANAGER, probeIntervalMs: options.probeIntervalMs });
  const metrics = addonMetrics(manager.metrics);
  manager.component('addon-controller', (term) => {
    const ctx = new AddonContext(manager, settings, informers, metrics);
    ctx.queues = {
      profile: term.add('clusterprofile', new ProfileReconciler(ctx), profileWatches(ctx), { workers: 2 }),
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

export interface StartAddonControllerOptions extends AddonControllerOptions {
  managementKubeConfig: KubeConfig;
  logger?: Logger;
  /** prom-client registry for the metrics (a private one by default). */
  metrics?: Registry;
  /** Lease-based leader election: only the leader reconciles. Off when undefined. */
  leaderElection?: LeaderElectionConfig;
}

export interface RunningAddonController {
  /** True once the caches synced (readiness, leader or not). */
  ready(): boolean;
  readonly registry: ClusterRegistry;
  readonly manager: Manager;
  stop(): Promise<void>;
}

/** The addon-controller alone in a Manager of its own (tests, benchmarks); resolves once caches synced. */
export async function startAddonController(
  options: StartAddonControllerOptions,
): Promise<RunningAddonController> {
  const manager = new Manager({
    name: 'addon-controller',
    kubeConfig: options.managementKubeConfig,
    logger: options.logger,
    metrics: options.metrics,
    leaderElection: options.leaderElection,
  });
  addAddonController(manager, options);
  await manager.start();
  return {
    ready: () => manager.ready() === true,
    registry: manager.clusters(),
    manager,
    stop: () => manager.stop(),
  };
}

// The Manager of a process (controller-runtime's role): one management-cluster client, one shared informer
// cache, one cluster registry, the Event recorders, metrics, health and leader election. Components add
// their controllers to it; caches run on every replica (readiness), controllers only on the leader, each
// leadership term with fresh state (docs/design/manager.md).

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ClusterRegistry, ClusterSetSelector } from '@sveltos-ts/clusters';
import {
  EventRecorder,
  InformerCache,
  type KubeConfig,
  LeaderElector,
  type Logger,
  type RateLimit,
  RestClient,
  silentLogger,
} from '@sveltos-ts/kube';
import { Registry } from 'prom-client';
import {
  Controller,
  type ControllerHandle,
  type ControllerOptions,
  type Reconciler,
  type Watch,
  watchInformer,
} from './controller.ts';
import { type ControllerMetrics, controllerMetrics, leaderMetric } from './metrics.ts';
import { type WebhookHandler, WebhookServer, type WebhookServerOptions } from './webhook.ts';

export interface LeaderElectionConfig {
  /** Namespace of the Lease (upstream: the controller's own namespace). */
  namespace: string;
  /** Lease name (default: the Manager's name). */
  name?: string | undefined;
  /** Unique per replica (default: hostname + random suffix). */
  identity?: string | undefined;
  leaseDurationSeconds?: number | undefined;
  renewDeadlineMs?: number | undefined;
  retryPeriodMs?: number | undefined;
}

export interface ManagerOptions {
  /** Component name: default Lease name and the source of recorded Events. */
  name: string;
  kubeConfig: KubeConfig;
  logger?: Logger | undefined;
  /** Prometheus registry (a private one by default). */
  metrics?: Registry | undefined;
  /** Off when undefined: the process reconciles as soon as its caches are synced. */
  leaderElection?: LeaderElectionConfig | undefined;
  /** Where webhooks are served (port, certificate directory) if a component registers one. */
  webhook?: WebhookServerOptions | undefined;
  /** Client-side rate limit of the management-cluster client (client-go's QPS/burst); none by default. */
  clientRateLimit?: RateLimit | undefined;
  /** Every controller looks at everything it watches again this often (controller-runtime's SyncPeriod):
   * a safety net under the watches. Off when undefined. */
  resyncPeriodMs?: number | undefined;
  /** --shard-key: the clusters this process handles (annotation sharding.projectsveltos.io/key; '' or
   * undefined is the default shard). A shard has a Lease of its own (docs/design/sharding.md). */
  shardKey?: string | undefined;
}

/** Something that runs only while this replica leads (started after the caches synced). */
export interface Runnable {
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}

/** One leadership term: what a component adds here lives until the term ends. */
export interface LeaderTerm {
  /** A controller with its own typed queue and metrics, started once the component set-up returns. */
  add<K>(
    name: string,
    reconciler: Reconciler<K>,
    watches: Watch<K>[],
    options?: ControllerOptions<K>,
  ): ControllerHandle<K>;
  /** A runnable started with the controllers and stopped at the end of the term. */
  run(name: string, runnable: Runnable): void;
}

/** A component's set-up for one term: creates its fresh state and adds its controllers. */
export type ComponentSetup = (term: LeaderTerm) => void | Promise<void>;

interface RunningTerm {
  controllers: Controller<unknown>[];
  runnables: Array<{ name: string; runnable: Runnable }>;
  resync?: NodeJS.Timeout;
}

export class Manager {
  readonly name: string;
  readonly client: RestClient;
  readonly cache: InformerCache;
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly #options: ManagerOptions;
  readonly #components: Array<{ name: string; setup: ComponentSetup }> = [];
  readonly #recorders = new Map<string, EventRecorder>();
  readonly #controllerMetrics: ControllerMetrics & { release(): void };
  readonly #leaderGauge;
  readonly #stopSignal = new AbortController();
  #registry: ClusterRegistry | undefined;
  #webhooks: WebhookServer | undefined;
  #probeClusters: { probeIntervalMs?: number; fieldManager: string } | undefined;
  #elector: LeaderElector | undefined;
  #term: RunningTerm | undefined;
  /** Serialises term start and stop, so two terms never overlap. */
  #transitions: Promise<void> = Promise.resolve();
  #termFailure: string | undefined;
  #synced = false;
  #started = false;

  constructor(options: ManagerOptions) {
    this.#options = options;
    this.name = options.name;
    this.logger = options.logger ?? silentLogger;
    this.metrics = options.metrics ?? new Registry();
    this.client = new RestClient(options.kubeConfig, { rateLimit: options.clientRateLimit });
    this.cache = new InformerCache(this.client, { logger: this.logger });
    this.#controllerMetrics = controllerMetrics(this.metrics, () =>
      (this.#term?.controllers ?? []).map((c) => [c.name, c.queueLength] as [string, number]),
    );
    this.#leaderGauge = leaderMetric(this.metrics);
  }

  /** The registered clusters, shared by every component of the process (created on first use). */
  clusters(): ClusterRegistry {
    if (this.#registry === undefined && this.#started)
      throw new Error('ask the Manager for clusters() before start(): its caches start with the Manager');
    this.#registry ??= new ClusterRegistry({
      client: this.client,
      cache: this.cache,
      logger: this.logger,
      manageStatus: false,
      shardKey: this.#options.shardKey,
    });
    return this.#registry;
  }

  /** Probe SveltosClusters and write their readiness while leading (the first caller's settings win). */
  probeClusters(options: { probeIntervalMs?: number | undefined; fieldManager: string }): void {
    this.#probeClusters ??= {
      fieldManager: options.fieldManager,
      ...(options.probeIntervalMs ? { probeIntervalMs: options.probeIntervalMs } : {}),
    };
  }

  /**
   * Serves a webhook (a CRD conversion, an admission review) at `path` over HTTPS, on every replica — the
   * API server calls whichever pod its Service picks. The server starts with the Manager.
   */
  webhook(path: string, handler: WebhookHandler): void {
    if (this.#started) throw new Error(`webhook ${path} added after the Manager started`);
    this.#webhooks ??= new WebhookServer({ ...this.#options.webhook, logger: this.logger });
    this.#webhooks.handle(path, handler);
  }

  /** The port webhooks are served on, once started. */
  get webhookPort(): number | undefined {
    return this.#webhooks?.port;
  }

  /** Kubernetes Events as `component` (one recorder per component, so repeated Events are written once). */
  recorder(component: string): EventRecorder {
    let recorder = this.#recorders.get(component);
    if (recorder === undefined) {
      recorder = new EventRecorder(this.client, this.logger, component);
      this.#recorders.set(component, recorder);
    }
    return recorder;
  }

  /** Registers a component; `setup` runs at the start of every leadership term, with fresh state. */
  component(name: string, setup: ComponentSetup): void {
    if (this.#started) throw new Error(`component ${name} added after the Manager started`);
    this.#components.push({ name, setup });
  }

  /** A controller without term state of its own: the same reconciler serves every term. */
  add<K>(
    name: string,
    reconciler: Reconciler<K>,
    watches: Watch<K>[],
    options: ControllerOptions<K> = {},
  ): void {
    this.component(name, (term) => void term.add(name, reconciler, watches, options));
  }

  get leading(): boolean {
    return this.#term !== undefined;
  }

  /** Readiness (controller-runtime's): caches synced, whether or not this replica leads. */
  ready(): true | string {
    if (this.#stopSignal.signal.aborted) return 'stopping';
    if (this.#webhooks && !this.#webhooks.ready()) return 'webhook server not serving';
    if (!this.#synced) {
      const pending = [...this.cache.pending(), ...(this.#registry?.synced() === false ? ['clusters'] : [])];
      return `caches not synced: ${pending.join(', ') || 'starting'}`;
    }
    return true;
  }

  /** Liveness: false when this replica cannot do its work (a term failed to start), so it is restarted. */
  healthy(): true | string {
    return this.#termFailure === undefined ? true : `leadership term failed to start: ${this.#termFailure}`;
  }

  /**
   * Starts the caches on every replica and resolves once they are synced; then reconciles at once, or
   * campaigns for the Lease and reconciles while leading. Without leader election a failing start rejects.
   */
  async start(): Promise<void> {
    if (this.#started) throw new Error('Manager already started');
    this.#started = true;
    await this.#webhooks?.start();
    this.cache.start();
    const stopped = new Promise<void>((resolve) =>
      this.#stopSignal.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    await Promise.race([
      (async () => {
        await this.#registry?.start();
        await this.cache.waitForSync();
      })(),
      stopped,
    ]);
    if (this.#stopSignal.signal.aborted) return;
    this.#synced = true;
    this.logger.info('caches synced', { manager: this.name, informers: this.cache.size });
    const le = this.#options.leaderElection;
    if (!le) {
      await this.#transition(() => this.#startTerm(), true);
      return;
    }
    // one leader per shard: each shard's replicas campaign for a Lease of their own
    const name = (le.name ?? this.name) + (this.#options.shardKey ? `-${this.#options.shardKey}` : '');
    this.#elector = new LeaderElector({
      client: this.client,
      namespace: le.namespace,
      name,
      identity: le.identity ?? `${process.env.HOSTNAME || hostname()}-${randomBytes(4).toString('hex')}`,
      ...(le.leaseDurationSeconds ? { leaseDurationSeconds: le.leaseDurationSeconds } : {}),
      ...(le.renewDeadlineMs ? { renewDeadlineMs: le.renewDeadlineMs } : {}),
      ...(le.retryPeriodMs ? { retryPeriodMs: le.retryPeriodMs } : {}),
      logger: this.logger,
      onStartedLeading: () => {
        this.#leaderGauge.set({ name }, 1);
        return this.#transition(() => this.#startTerm(), true);
      },
      onStoppedLeading: () => {
        this.#leaderGauge.set({ name }, 0);
        if (!this.#stopSignal.signal.aborted)
          this.logger.warn('leadership lost: controllers stopped, campaigning again', { lease: name });
        void this.#transition(() => this.#stopTerm(), false);
      },
    });
    this.#leaderGauge.set({ name }, 0);
    void this.#elector.start();
  }

  #transition(step: () => Promise<void>, rethrow: boolean): Promise<void> {
    const next = this.#transitions.then(step);
    this.#transitions = next.catch(() => {});
    return rethrow ? next : next.catch(() => {});
  }

  async #startTerm(): Promise<void> {
    if (this.#stopSignal.signal.aborted || this.#term) return;
    const term: RunningTerm = { controllers: [], runnables: [] };
    const handle: LeaderTerm = {
      add: <K>(
        name: string,
        reconciler: Reconciler<K>,
        watches: Watch<K>[],
        options: ControllerOptions<K> = {},
      ) => {
        const controller = new Controller<K>(
          name,
          reconciler,
          watches,
          options,
          this.#controllerMetrics,
          this.logger.child({ controller: name }),
        );
        term.controllers.push(controller as Controller<unknown>);
        return controller;
      },
      run: (name, runnable) => void term.runnables.push({ name, runnable }),
    };
    try {
      if (this.#probeClusters) this.#manageClusterStatus(handle, this.#probeClusters);
      for (const c of this.#components) await c.setup(handle);
      for (const r of term.runnables) await r.runnable.start();
      for (const c of term.controllers) c.start();
    } catch (error) {
      const message = (error as Error).message;
      this.#termFailure = message;
      this.logger.error('leadership term failed to start', { manager: this.name, error: message });
      await this.#stopRunning(term);
      throw error;
    }
    this.#term = term;
    this.#termFailure = undefined;
    const period = this.#options.resyncPeriodMs;
    if (period) {
      term.resync = setInterval(() => {
        for (const c of term.controllers) c.resync();
      }, period);
      term.resync.unref();
    }
    this.logger.info('controllers started', {
      manager: this.name,
      controllers: term.controllers.map((c) => c.name),
    });
  }

  /** The writers of cluster status, for the component that owns it: SveltosCluster readiness (probes) and
   * ClusterSet selection. */
  #manageClusterStatus(term: LeaderTerm, options: { probeIntervalMs?: number; fieldManager: string }): void {
    const registry = this.clusters();
    term.run('sveltoscluster-probe', {
      start: () => registry.startProbing(options),
      stop: () => registry.stopProbing(),
    });
    const everySet = () => registry.clusterSets.list().map((s) => s.metadata.name);
    term.add('clusterset', new ClusterSetSelector(registry, this.client, options.fieldManager, this.logger), [
      watchInformer(registry.clusterSets, (e) => e.object.metadata.name),
      {
        subscribe: (enqueue) =>
          registry.on((e) => {
            if (e.type !== 'clusterset-changed') for (const name of everySet()) enqueue(name);
          }),
      },
    ]);
  }

  async #stopTerm(): Promise<void> {
    const term = this.#term;
    this.#term = undefined;
    if (term) await this.#stopRunning(term);
  }

  async #stopRunning(term: RunningTerm): Promise<void> {
    clearInterval(term.resync);
    await Promise.all(term.controllers.map((c) => c.stop()));
    for (const r of [...term.runnables].reverse()) {
      try {
        await r.runnable.stop();
      } catch (error) {
        this.logger.error('stopping failed', { runnable: r.name, error: (error as Error).message });
      }
    }
  }

  /** Stops the controllers (releasing the Lease), then the caches. */
  async stop(): Promise<void> {
    if (this.#stopSignal.signal.aborted) return;
    this.#stopSignal.abort();
    await this.#transition(() => this.#stopTerm(), false);
    await this.#elector?.stop();
    await this.#transitions;
    await this.#registry?.stop();
    await this.cache.stop();
    await this.#webhooks?.stop();
    this.#controllerMetrics.release();
  }
}

/** How tests, benchmarks and the demo run one component in a Manager of its own. */
export interface StandaloneOptions {
  managementKubeConfig: KubeConfig;
  logger?: Logger | undefined;
  /** prom-client registry for the metrics (a private one by default). */
  metrics?: Registry | undefined;
  /** Lease-based leader election: only the leader reconciles. Off when undefined. */
  leaderElection?: LeaderElectionConfig | undefined;
  /** The shard handled ('' or undefined: the default shard). */
  shardKey?: string | undefined;
}

export interface RunningComponent {
  /** True once the caches synced (readiness, leader or not). */
  ready(): boolean;
  readonly registry: ClusterRegistry;
  readonly manager: Manager;
  stop(): Promise<void>;
}

/** Starts a Manager named `name` with one component added by `add`; resolves once its caches synced. */
export async function startStandalone(
  name: string,
  options: StandaloneOptions,
  add: (manager: Manager) => void,
): Promise<RunningComponent> {
  const manager = new Manager({
    name,
    kubeConfig: options.managementKubeConfig,
    logger: options.logger,
    metrics: options.metrics,
    leaderElection: options.leaderElection,
    shardKey: options.shardKey,
  });
  add(manager);
  await manager.start();
  return {
    ready: () => manager.ready() === true,
    registry: manager.clusters(),
    manager,
    stop: () => manager.stop(),
  };
}

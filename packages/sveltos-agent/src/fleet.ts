import type { ClusterRegistry, RegisteredCluster } from '@sveltos-ts/clusters';
import type { Logger, RestClient } from '@sveltos-ts/kube';
import { silentLogger } from '@sveltos-ts/kube';
import { SveltosAgent } from './agent.ts';
import type { AgentMetrics } from './metrics.ts';
import type { CompileSource } from './source.ts';

export interface AgentFleetOptions {
  registry: ClusterRegistry;
  /** The management cluster: where this process runs and where reports go. */
  managementClient: RestClient;
  compile: CompileSource;
  /** Which registered clusters get an agent here (default: every cluster). */
  accepts?: (cluster: RegisteredCluster) => boolean;
  coalesceMs?: number;
  logger?: Logger;
  metrics?: AgentMetrics;
}

/**
 * The management-cluster hosting (docs/architecture.md): one agent per registered cluster inside the
 * management cluster's process, watching each cluster through its kubeconfig. For clusters where nothing may
 * be installed, for the management cluster itself (examples/cluster-inventory-kubeconfigs), and for the local
 * demo. An agent runs while its cluster is ready and not paused, and restarts when the cluster's kubeconfig
 * changes.
 */
export class AgentFleet {
  readonly #options: AgentFleetOptions;
  readonly #logger: Logger;
  readonly #agents = new Map<string, { agent: SveltosAgent; connection: RestClient }>();
  #unsubscribe: (() => void) | undefined;
  /** Serialises changes per cluster, so a quick stop/start never runs two agents for one cluster. */
  #chain = Promise.resolve();

  constructor(options: AgentFleetOptions) {
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
  }

  start(): void {
    this.#unsubscribe = this.#options.registry.on((event) => {
      if (event.type === 'cluster-changed') this.#enqueue(() => this.#sync(event.cluster));
      else if (event.type === 'cluster-removed') this.#enqueue(() => this.#stopAgent(event.cluster.key));
    });
    for (const cluster of this.#options.registry.list()) this.#enqueue(() => this.#sync(cluster));
  }

  /** Clusters with a running agent. */
  clusters(): string[] {
    return [...this.#agents.keys()].sort();
  }

  watchedObjects(): number {
    return [...this.#agents.values()].reduce((sum, { agent }) => sum + agent.watchedObjects(), 0);
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    await this.#chain;
    await Promise.all([...this.#agents.keys()].map((key) => this.#stopAgent(key)));
  }

  #enqueue(step: () => Promise<void>): void {
    this.#chain = this.#chain
      .then(step)
      .catch((error: unknown) =>
        this.#logger.error('fleet change failed', { error: (error as Error).message }),
      );
  }

  async #sync(cluster: RegisteredCluster): Promise<void> {
    // a cluster of another shard is that shard's agent's: stopping here withdraws nothing (reports stay)
    const wanted =
      cluster.ready &&
      !cluster.paused &&
      this.#options.registry.inShard(cluster) &&
      (this.#options.accepts?.(cluster) ?? true);
    if (!wanted) return this.#stopAgent(cluster.key);
    const connection = this.#options.registry.connection(cluster.key);
    const running = this.#agents.get(cluster.key);
    if (running?.connection === connection) return;
    if (running) await this.#stopAgent(cluster.key);
    const agent = new SveltosAgent({
      cluster: { namespace: cluster.namespace, name: cluster.name, type: cluster.type },
      managedClient: connection,
      reportClient: () => this.#options.managementClient,
      compile: this.#options.compile,
      logger: this.#logger.child({ cluster: cluster.key }),
      ...(this.#options.coalesceMs !== undefined ? { coalesceMs: this.#options.coalesceMs } : {}),
      ...(this.#options.metrics ? { metrics: this.#options.metrics } : {}),
    });
    agent.start();
    this.#agents.set(cluster.key, { agent, connection });
    this.#logger.info('agent started', { cluster: cluster.key });
  }

  async #stopAgent(key: string): Promise<void> {
    const running = this.#agents.get(key);
    if (!running) return;
    this.#agents.delete(key);
    await running.agent.stop();
    this.#logger.info('agent stopped', { cluster: key });
  }
}

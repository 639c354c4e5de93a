// The registry of clusters Sveltos manages: SveltosClusters and Cluster API Clusters of the management
// cluster, their readiness, label matching, ClusterSet selections and one cached client per cluster.
// Watch-driven: informers on SveltosCluster, CAPI Cluster (when served), ClusterSet and Secrets.

import { setTimeout as sleep } from 'node:timers/promises';
import {
  CAPI_API_VERSION,
  type CapiCluster,
  type ClusterSet,
  type ClusterType,
  clusterRef,
  type LabelSelector,
  LIB_API_VERSION,
  type ObjectReference,
  SHARD_ANNOTATION,
  type SveltosCluster,
} from '@sveltos-ts/api';
import {
  Backoff,
  Informer,
  type InformerCache,
  KubeError,
  type KubeObject,
  type Logger,
  loadKubeConfig,
  RestClient,
  silentLogger,
  type WatchSpec,
  WorkQueue,
} from '@sveltos-ts/kube';
import { ClusterError } from './errors.ts';
import { type KubeconfigSecretRef, kubeconfigFromSecret, kubeconfigSecretRef } from './kubeconfig.ts';
import { capiClusterReady, type ProbeResult, probedStatus, sveltosClusterReady } from './readiness.ts';
import { selectorMatches } from './selector.ts';

export interface ClusterKey {
  type: ClusterType;
  namespace: string;
  name: string;
}

/** `Sveltos:ns/name` or `Capi:ns/name`. */
export function clusterKeyString(k: ClusterKey): string {
  return `${k.type}:${k.namespace}/${k.name}`;
}

export function parseClusterKey(s: string): ClusterKey | undefined {
  const m = /^(Sveltos|Capi):([^/]+)\/(.+)$/.exec(s);
  return m ? { type: m[1] as ClusterType, namespace: m[2]!, name: m[3]! } : undefined;
}

export interface RegisteredCluster extends ClusterKey {
  key: string;
  object: SveltosCluster | CapiCluster;
  labels: Record<string, string>;
  ready: boolean;
  paused: boolean;
  ref: ObjectReference;
  kubeconfig: KubeconfigSecretRef;
  /** Its `sharding.projectsveltos.io/key` annotation; '' or absent (no annotation) is the default shard. */
  shard?: string | undefined;
}

export type RegistryEvent =
  | { type: 'cluster-changed'; cluster: RegisteredCluster }
  | { type: 'cluster-removed'; cluster: RegisteredCluster }
  | { type: 'clusterset-changed'; name: string };

interface Secret extends KubeObject {
  data?: Record<string, string>;
}

export interface ClusterRegistryOptions {
  /** Client of the management cluster. */
  client: RestClient;
  logger?: Logger;
  /** Probe SveltosClusters (GET /version through their kubeconfig) and write status.ready/version/
   * failureMessage. Default true; a component that only reads readiness passes false. */
  manageStatus?: boolean;
  /** How often a SveltosCluster is probed again (default 60 s). */
  probeIntervalMs?: number;
  /** Field manager of the status writes. */
  fieldManager?: string;
  /** The process's shared informers (a Manager's cache), which it starts and stops; without one the
   * registry runs informers of its own. */
  cache?: InformerCache;
  /** The shard this process handles (--shard-key; '' is the default shard: clusters without the
   * annotation). Every cluster stays registered — selections and status see the whole fleet — but only
   * clusters of this shard are probed, and consumers act only on those ({@link ClusterRegistry.inShard}). */
  shardKey?: string | undefined;
}

/** The fields whose change consumers must hear about (labels, readiness, pause, where the kubeconfig is). */
function fingerprint(c: RegisteredCluster): string {
  return JSON.stringify([c.labels, c.ready, c.paused, c.kubeconfig, c.shard]);
}

export class ClusterRegistry {
  readonly #client: RestClient;
  readonly #logger: Logger;
  readonly #manageStatus: boolean;
  #revision = 0;
  #probeIntervalMs: number;
  #fieldManager: string;
  readonly #shardKey: string;
  readonly #cache: InformerCache | undefined;
  readonly #own: Informer[] = [];
  readonly #sveltos: Informer<SveltosCluster & KubeObject>;
  #capi: Informer<CapiCluster & KubeObject> | undefined;
  readonly #clusterSets: Informer<ClusterSet & KubeObject>;
  readonly #secrets: Informer<Secret>;
  readonly #clusters = new Map<string, RegisteredCluster>();
  readonly #fingerprints = new Map<string, string>();
  readonly #connections = new Map<string, { secretVersion: string; client: RestClient }>();
  readonly #handlers = new Set<(event: RegistryEvent) => void>();
  #probes: WorkQueue<string> | undefined;
  #probing: Promise<void> | undefined;
  #started = false;
  #stopping = false;

  constructor(options: ClusterRegistryOptions) {
    this.#client = options.client;
    this.#logger = options.logger ?? silentLogger;
    this.#manageStatus = options.manageStatus ?? true;
    this.#probeIntervalMs = options.probeIntervalMs ?? 60_000;
    this.#fieldManager = options.fieldManager ?? 'sveltos-cluster-registry';
    this.#cache = options.cache;
    this.#shardKey = options.shardKey ?? '';
    this.#sveltos = this.#informer({ apiVersion: LIB_API_VERSION, kind: 'SveltosCluster' });
    this.#clusterSets = this.#informer({ apiVersion: LIB_API_VERSION, kind: 'ClusterSet' });
    this.#secrets = this.#informer({ apiVersion: 'v1', kind: 'Secret' });
  }

  #informer<T extends KubeObject>(spec: WatchSpec): Informer<T> {
    if (this.#cache) return this.#cache.informer<T>(spec);
    const informer = new Informer<T>(this.#client, { ...spec, logger: this.#logger });
    this.#own.push(informer as unknown as Informer);
    return informer;
  }

  /** Subscribes to cluster and ClusterSet changes; returns the unsubscribe function. */
  on(handler: (event: RegistryEvent) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  /** Starts the informers (CAPI only if its v1beta2 CRD is served) and resolves once all have synced;
   * with `manageStatus`, probing starts too. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    if (await this.#capiServed()) {
      this.#capi = this.#informer({ apiVersion: CAPI_API_VERSION, kind: 'Cluster' });
    } else {
      this.#logger.info('Cluster API is not installed: only SveltosClusters are registered');
    }
    this.#sveltos.on((e) => this.#onCluster('Sveltos', e.type === 'delete' ? undefined : e.object, e.object));
    this.#capi?.on((e) => this.#onCluster('Capi', e.type === 'delete' ? undefined : e.object, e.object));
    this.#clusterSets.on((e) => {
      const old = e.type === 'update' ? JSON.stringify(e.old.status?.selectedClusterRefs ?? []) : undefined;
      if (old !== JSON.stringify(e.object.status?.selectedClusterRefs ?? []) || e.type !== 'update') {
        this.#emit({ type: 'clusterset-changed', name: e.object.metadata.name });
      }
    });
    this.#secrets.on((e) => this.#onSecret(e.object));
    // a shared informer may have synced already: take in what it holds
    for (const c of this.#sveltos.list()) this.#onCluster('Sveltos', c, c);
    for (const c of this.#capi?.list() ?? []) this.#onCluster('Capi', c, c);
    for (const i of this.#own) i.start();
    await this.waitForSync();
    if (this.#manageStatus) this.startProbing();
  }

  /** Whether the CAPI Cluster kind is served. An API server that is starting or unreachable is asked again
   * (with backoff) rather than taken as an answer: a controller started during an outage waits for it. */
  async #capiServed(): Promise<boolean> {
    const backoff = new Backoff(200, 10_000);
    for (;;) {
      try {
        await this.#client.resource(CAPI_API_VERSION, 'Cluster');
        return true;
      } catch (error) {
        if (error instanceof KubeError && error.code === 'UNKNOWN_KIND') return false;
        if (!(error instanceof KubeError && error.retryable) || this.#stopping) throw error;
        this.#logger.warn('cannot tell yet whether Cluster API is installed, asking again', {
          error: error.message,
        });
        await sleep(backoff.next());
      }
    }
  }

  synced(): boolean {
    return [this.#sveltos, this.#capi, this.#clusterSets, this.#secrets].every((i) => i?.hasSynced() ?? true);
  }

  waitForSync(): Promise<void> {
    return Promise.all(
      [this.#sveltos, this.#capi, this.#clusterSets, this.#secrets].map((i) => i?.waitForSync()),
    ).then(() => undefined);
  }

  /** Probes SveltosClusters and writes their readiness, until {@link stopProbing}. Only one replica
   * (the leader) should: it writes status. */
  startProbing(options: { probeIntervalMs?: number; fieldManager?: string } = {}): void {
    if (this.#probes) return;
    if (options.probeIntervalMs) this.#probeIntervalMs = options.probeIntervalMs;
    if (options.fieldManager) this.#fieldManager = options.fieldManager;
    const probes = new WorkQueue<string>({ baseDelayMs: 1000, maxDelayMs: 60_000 });
    this.#probes = probes;
    this.#probing = probes.run(4, (key) => this.#probe(key));
    for (const c of this.#clusters.values()) if (c.type === 'Sveltos' && this.inShard(c)) probes.add(c.key);
  }

  /** The shard this process handles ('' is the default shard). */
  get shardKey(): string {
    return this.#shardKey;
  }

  /** Whether this process handles the cluster: it is registered and its shard annotation is ours. A
   * registered cluster of another shard is left alone — never withdrawn from — since its shard owns it. */
  inShard(cluster: RegisteredCluster | undefined): cluster is RegisteredCluster {
    return cluster !== undefined && (cluster.shard ?? '') === this.#shardKey;
  }

  /** Whether this process acts on what concerns the cluster: a registered cluster of this shard, or one
   * no longer registered when this is the default shard (its shard is unknown now: the default one cleans
   * up after it, as the one shard that always runs). */
  handles(key: string | ClusterKey): boolean {
    const cluster = this.get(key);
    return cluster === undefined ? this.#shardKey === '' : (cluster.shard ?? '') === this.#shardKey;
  }

  async stopProbing(): Promise<void> {
    const probes = this.#probes;
    this.#probes = undefined;
    probes?.shutdown();
    await this.#probing;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.stopProbing();
    await Promise.all(this.#own.map((i) => i.stop()));
  }

  get(key: string | ClusterKey): RegisteredCluster | undefined {
    return this.#clusters.get(typeof key === 'string' ? key : clusterKeyString(key));
  }

  /** The cluster a reference names (SveltosCluster or CAPI Cluster by apiVersion/kind). */
  getByRef(ref: ObjectReference): RegisteredCluster | undefined {
    const type = ref.kind === 'Cluster' ? 'Capi' : ref.kind === 'SveltosCluster' ? 'Sveltos' : undefined;
    if (type === undefined || !ref.namespace || !ref.name) return undefined;
    return this.get({ type, namespace: ref.namespace, name: ref.name });
  }

  list(): RegisteredCluster[] {
    return [...this.#clusters.values()];
  }

  /** Ready clusters whose labels match; an empty selector matches none. Throws INVALID_SELECTOR. */
  matching(selector: LabelSelector | undefined): RegisteredCluster[] {
    return this.labelled(selector).filter((c) => c.ready);
  }

  /** Registered clusters whose labels match, ready or not (an unreachable cluster still matches: it is
   * waited for, not written off). An empty selector matches none. Throws INVALID_SELECTOR. */
  labelled(selector: LabelSelector | undefined): RegisteredCluster[] {
    return this.list().filter((c) => selectorMatches(selector, c.labels));
  }

  /** The ClusterSet informer (for controllers that watch sets). */
  get clusterSets(): Informer<ClusterSet & KubeObject> {
    return this.#clusterSets;
  }

  clusterSet(name: string): (ClusterSet & KubeObject) | undefined {
    return this.#clusterSets.get(name);
  }

  /** `status.selectedClusterRefs` of the named ClusterSets (missing ones are skipped, as upstream). */
  clusterSetSelection(names: readonly string[]): ObjectReference[] {
    return names.flatMap((n) => this.#clusterSets.get(n)?.status?.selectedClusterRefs ?? []);
  }

  /** A client for the cluster, built from its kubeconfig Secret and cached until that Secret changes. */
  connection(key: string | ClusterKey): RestClient {
    const cluster = this.get(key);
    if (cluster === undefined) {
      throw new ClusterError(
        'CLUSTER_NOT_FOUND',
        `cluster ${String(typeof key === 'string' ? key : clusterKeyString(key))} is not registered`,
      );
    }
    const secret = this.#secrets.get(`${cluster.kubeconfig.namespace}/${cluster.kubeconfig.name}`);
    const version = secret?.metadata.resourceVersion ?? '';
    const cached = this.#connections.get(cluster.key);
    if (cached && secret && cached.secretVersion === version) return cached.client;
    const text = kubeconfigFromSecret(cluster.kubeconfig, secret);
    let client: RestClient;
    try {
      client = new RestClient(loadKubeConfig({ text }));
    } catch (error) {
      throw new ClusterError(
        'KUBECONFIG_INVALID',
        `kubeconfig in Secret ${cluster.kubeconfig.namespace}/${cluster.kubeconfig.name} is not usable: ${(error as Error).message}`,
        { cause: error },
      );
    }
    this.#connections.set(cluster.key, { secretVersion: version, client });
    return client;
  }

  /** Bumped at every change event: what is derived from the whole fleet can be cached until it moves. */
  get revision(): number {
    return this.#revision;
  }

  #emit(event: RegistryEvent): void {
    this.#revision++;
    for (const h of this.#handlers) {
      try {
        h(event);
      } catch (error) {
        this.#logger.error('registry handler threw', { error: (error as Error).message });
      }
    }
  }

  #onCluster(type: ClusterType, object: (SveltosCluster | CapiCluster) | undefined, last: KubeObject): void {
    const namespace = last.metadata.namespace ?? '';
    const name = last.metadata.name;
    const key = clusterKeyString({ type, namespace, name });
    if (object === undefined || object.metadata?.deletionTimestamp) {
      const old = this.#clusters.get(key);
      this.#clusters.delete(key);
      this.#fingerprints.delete(key);
      this.#connections.delete(key);
      if (old) this.#emit({ type: 'cluster-removed', cluster: old });
      return;
    }
    const cluster: RegisteredCluster = {
      type,
      namespace,
      name,
      key,
      object,
      labels: { ...(object.metadata?.labels ?? {}) },
      ready:
        type === 'Capi'
          ? capiClusterReady(object as CapiCluster)
          : sveltosClusterReady(object as SveltosCluster),
      paused: object.spec?.paused === true,
      ref: clusterRef(type, namespace, name),
      kubeconfig: kubeconfigSecretRef(type, object),
      shard: object.metadata?.annotations?.[SHARD_ANNOTATION] ?? '',
    };
    const previous = this.#clusters.get(key);
    this.#clusters.set(key, cluster);
    const print = fingerprint(cluster);
    if (this.#fingerprints.get(key) === print) return;
    this.#fingerprints.set(key, print);
    if (type === 'Sveltos' && JSON.stringify(previous?.kubeconfig) !== JSON.stringify(cluster.kubeconfig)) {
      this.#connections.delete(key);
      if (this.inShard(cluster)) this.#probes?.add(key);
    } else if (type === 'Sveltos' && previous?.shard !== cluster.shard && this.inShard(cluster)) {
      this.#probes?.add(key); // moved into this shard: its probing starts here
    }
    this.#emit({ type: 'cluster-changed', cluster });
  }

  #onSecret(secret: Secret): void {
    const at = `${secret.metadata.namespace}/${secret.metadata.name}`;
    for (const c of this.#clusters.values()) {
      if (`${c.kubeconfig.namespace}/${c.kubeconfig.name}` !== at) continue;
      // credentials rotated (or the Secret appeared/vanished): rebuild the client and probe again
      this.#connections.delete(c.key);
      if (c.type === 'Sveltos' && this.inShard(c)) this.#probes?.add(c.key);
      this.#emit({ type: 'cluster-changed', cluster: c });
    }
  }

  /** GET /version through the kubeconfig; writes the outcome to the SveltosCluster status. */
  async #probe(key: string): Promise<{ requeueAfterMs: number } | undefined> {
    const cluster = this.#clusters.get(key);
    // a cluster that moved to another shard is probed there
    if (cluster === undefined || cluster.type !== 'Sveltos' || !this.inShard(cluster)) return undefined;
    let probe: ProbeResult;
    try {
      const version = await this.connection(key).request<{ gitVersion?: string }>('GET', '/version');
      probe = { ok: true, version: version?.gitVersion ?? '' };
    } catch (error) {
      probe = { ok: false, message: (error as Error).message };
    }
    const status = probedStatus(cluster.object as SveltosCluster, probe);
    const current = (cluster.object as SveltosCluster).status ?? {};
    const same =
      current.ready === status.ready &&
      (current.failureMessage ?? null) === status.failureMessage &&
      current.connectionStatus === status.connectionStatus &&
      (current.connectionFailures ?? 0) === status.connectionFailures &&
      (status.version === undefined || current.version === status.version);
    if (!same) {
      await this.#client.patchStatus(
        {
          apiVersion: LIB_API_VERSION,
          kind: 'SveltosCluster',
          namespace: cluster.namespace,
          name: cluster.name,
        },
        status,
        this.#fieldManager,
      );
      this.#logger.info('cluster readiness', { cluster: key, ...status });
    }
    // an unreachable cluster is looked at again sooner: it is counted down (or back up) within seconds
    return { requeueAfterMs: probe.ok ? this.#probeIntervalMs : Math.min(this.#probeIntervalMs, 5_000) };
  }
}

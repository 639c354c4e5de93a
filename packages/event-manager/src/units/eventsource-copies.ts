// Unit "eventsource-copies" (key: cluster): makes the EventSource copies on the cluster's API server exactly
// those some trigger needs there — the union, over every registered cluster reached through the same
// server (several registrations may share one), of the EventSources of the triggers matching it. Only copies
// we applied are ever deleted. Agents in the cluster evaluate these copies.

import {
  DEPLOYED_BY_SVELTOS_ANNOTATION,
  EventReportKind,
  type EventSource,
  EventSourceKind,
  LIB_API_VERSION,
  storageVersionOnly,
} from '@sveltos-ts/api';
import { ClusterError, type ClusterKey, type RegisteredCluster } from '@sveltos-ts/clusters';
import {
  isKubeError,
  type KubeObject,
  type ReconcileResult,
  type RestClient,
  TerminalError,
} from '@sveltos-ts/kube';
import { type Phase, type Reconciler, runPhases, type Watch, watchInformer } from '@sveltos-ts/runtime';
import { type EventManagerContext, FIELD_MANAGER, involved } from '../context.ts';

type Source = EventSource & KubeObject;

interface CopiesScope {
  cluster: RegisteredCluster;
  client: RestClient;
  desired: Map<string, Source>;
  fingerprint: string;
  writeStatus(failure: unknown): Promise<void>;
}

export class EventSourceCopiesReconciler implements Reconciler<ClusterKey> {
  readonly #ctx: EventManagerContext;
  readonly #desiredByServer = new Map<string, { revision: string; desired: Map<string, Source> }>();
  readonly #phases: Phase<CopiesScope>[] = [
    { name: 'desired copies', run: async (s) => this.#desired(s) },
    { name: 'CRDs served', run: (s) => this.#ensureCrds(s) },
    { name: 'apply', run: (s) => this.#apply(s) },
    { name: 'delete unwanted', run: (s) => this.#deleteUnwanted(s) },
  ];

  constructor(ctx: EventManagerContext) {
    this.#ctx = ctx;
  }

  async reconcile(key: ClusterKey): Promise<ReconcileResult | undefined> {
    const cluster = this.#ctx.registry.get(key);
    // an unusable cluster keeps its copies until it is back; another shard's cluster is that shard's
    if (!cluster?.ready || cluster.paused || !this.#ctx.registry.inShard(cluster)) return undefined;
    let client: RestClient;
    try {
      client = this.#ctx.registry.connection(cluster.key);
    } catch (error) {
      if (error instanceof ClusterError && !error.retryable)
        throw new TerminalError(error.code, error.message, { cause: error });
      throw error;
    }
    const scope: CopiesScope = {
      cluster,
      client,
      desired: new Map(),
      fingerprint: '',
      writeStatus: async (failure) => {
        if (failure === undefined) return;
        // the cluster is where a user looks for why its agents see no EventSource
        this.#ctx.recorder.record(
          involved(cluster.object as KubeObject),
          'Warning',
          'EventSourceSyncFailed',
          `EventSource copies: ${(failure as Error).message}`,
        );
      },
    };
    return runPhases(scope, this.#phases);
  }

  #desired(scope: CopiesScope): { done: true } | undefined {
    const ctx = this.#ctx;
    // the union is the same for every cluster of a server: computed once per server until the fleet, a
    // trigger or an EventSource changes (a fleet's clusters are reconciled in bursts)
    const revision = `${ctx.registry.revision}|${ctx.informers.triggers.resourceVersion}|${ctx.informers.sources.resourceVersion}`;
    const known = this.#desiredByServer.get(scope.client.server);
    if (known?.revision === revision) scope.desired = known.desired;
    else {
      this.#unionOfServer(scope);
      this.#desiredByServer.set(scope.client.server, { revision, desired: scope.desired });
    }
    scope.fingerprint = JSON.stringify(
      [...scope.desired.values()].map((s) => [s.metadata.name, s.metadata.resourceVersion]).sort(),
    );
    return ctx.sourceSync.get(scope.client.server) === scope.fingerprint ? { done: true } : undefined;
  }

  /** The EventSources of the triggers matching any cluster registered through the scope's server. */
  #unionOfServer(scope: CopiesScope): void {
    const ctx = this.#ctx;
    const triggers = ctx.informers.triggers.list();
    for (const c of ctx.registry.list()) {
      if (c.key !== scope.cluster.key) {
        let other: RestClient;
        try {
          other = ctx.registry.connection(c.key);
        } catch {
          continue;
        }
        if (other.server !== scope.client.server) continue;
      }
      for (const et of triggers) {
        if (!ctx.matches(et, c.key)) continue;
        const name = ctx.resolve(et, c.object);
        const source = name === undefined ? undefined : ctx.informers.sources.get(name);
        if (source && !source.metadata.deletionTimestamp) scope.desired.set(source.metadata.name, source);
      }
    }
  }

  /**
   * A cluster that does not serve EventSources yet (nothing installed Sveltos' CRDs there) gets the two its
   * agents need, EventSource and EventReport, through the kubeconfig it was registered with.
   */
  async #ensureCrds({
    client,
    cluster,
    desired,
  }: CopiesScope): Promise<{ done: true; result: ReconcileResult } | undefined> {
    if (desired.size === 0) return undefined;
    try {
      await client.resource(LIB_API_VERSION, 'EventSource');
      return undefined;
    } catch (error) {
      if (!isKubeError(error, 'UNKNOWN_KIND')) throw error;
    }
    // the storage version only: no conversion webhook serves v1alpha1 there
    for (const kind of [EventSourceKind, EventReportKind]) {
      const crd = storageVersionOnly(kind.crd) as unknown as KubeObject;
      await client.apply(crd, { fieldManager: FIELD_MANAGER, force: true });
    }
    this.#ctx.recorder.record(
      involved(cluster.object as KubeObject),
      'Normal',
      'CRDsInstalled',
      'installed the EventSource and EventReport CRDs, which the cluster did not serve',
    );
    // the kinds are served once the CRDs are established: look again shortly
    return { done: true, result: { requeueAfterMs: 1_000 } };
  }

  async #apply({ client, desired }: CopiesScope): Promise<undefined> {
    for (const s of desired.values()) {
      await client.apply(
        {
          apiVersion: LIB_API_VERSION,
          kind: 'EventSource',
          metadata: {
            name: s.metadata.name,
            ...(s.metadata.labels ? { labels: s.metadata.labels } : {}),
            annotations: { [DEPLOYED_BY_SVELTOS_ANNOTATION]: 'true' },
          },
          spec: s.spec ?? {},
        },
        { fieldManager: FIELD_MANAGER, force: true },
      );
    }
    return undefined;
  }

  async #deleteUnwanted({ client, desired, fingerprint }: CopiesScope): Promise<undefined> {
    const present = await client.list<Source>(LIB_API_VERSION, 'EventSource');
    for (const copy of present.items) {
      const ours =
        copy.metadata.annotations?.[DEPLOYED_BY_SVELTOS_ANNOTATION] === 'true' &&
        (copy.metadata.managedFields ?? []).some((f) => f.manager === FIELD_MANAGER);
      if (ours && !desired.has(copy.metadata.name)) {
        await client.delete({ apiVersion: LIB_API_VERSION, kind: 'EventSource', name: copy.metadata.name });
      }
    }
    this.#ctx.sourceSync.set(client.server, fingerprint);
    return undefined;
  }
}

/** Copies are synced for a cluster when one of its pairs is reconciled (the pair unit enqueues it) and on
 * every cluster when an EventSource changes. */
export function copiesWatches(ctx: EventManagerContext): Watch<ClusterKey>[] {
  return [
    watchInformer(ctx.informers.sources, (e) => {
      if (e.type === 'update' && JSON.stringify(e.object.spec) === JSON.stringify(e.old.spec))
        return undefined;
      return ctx.registry.list().map((c) => ({ type: c.type, namespace: c.namespace, name: c.name }));
    }),
  ];
}

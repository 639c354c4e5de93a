import {
  Informer,
  type InformerEvent,
  type KubeObject,
  type Logger,
  type RestClient,
  stripManagedFields,
} from '@sveltos-ts/kube';

export interface Gvk {
  group: string;
  version: string;
  kind: string;
}

export function gvkKey(gvk: Gvk): string {
  return `${gvk.group}/${gvk.version}/${gvk.kind}`;
}

export function apiVersionOf(gvk: Gvk): string {
  return gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
}

type Listener = (event: InformerEvent<KubeObject>) => void;

/** What the shared caches keep of an object: what identifies it and its version. */
export function namesOnly(object: KubeObject): KubeObject {
  const { name, namespace, uid, resourceVersion } = object.metadata;
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: { name, ...(namespace ? { namespace } : {}), uid, resourceVersion },
  };
}

interface Entry {
  informer: Informer;
  listeners: Set<Listener>;
}

/**
 * One cluster-wide informer per group/version/kind, shared by every EventSource that selects it: started
 * on first use, stopped when its last user goes. Namespace filters are applied by evaluation, so N
 * EventSources over Services cost one watch.
 */
export class SharedInformers {
  readonly #client: RestClient;
  readonly #logger: Logger;
  readonly #entries = new Map<string, Entry>();

  constructor(client: RestClient, logger: Logger) {
    this.#client = client;
    this.#logger = logger;
  }

  /** Subscribes to a kind; returns the informer (its cache holds every object of that kind). */
  acquire(gvk: Gvk, listener: Listener): Informer {
    const key = gvkKey(gvk);
    let entry = this.#entries.get(key);
    if (!entry) {
      const informer = new Informer(this.#client, {
        apiVersion: apiVersionOf(gvk),
        kind: gvk.kind,
        logger: this.#logger.child({ gvk: key }),
        transform: stripManagedFields,
        // the cache keeps names and versions only (~50x smaller): objects are evaluated from their
        // events, and a late EventSource lists them whole (agent.ts)
        cacheAs: namesOnly,
      });
      const created: Entry = { informer, listeners: new Set() };
      informer.on((event) => {
        for (const l of created.listeners) l(event);
      });
      entry = created;
      this.#entries.set(key, entry);
      informer.start();
    }
    entry.listeners.add(listener);
    return entry.informer;
  }

  /** Unsubscribes; the informer stops when nobody uses its kind any more. */
  async release(gvk: Gvk, listener: Listener): Promise<void> {
    const key = gvkKey(gvk);
    const entry = this.#entries.get(key);
    if (!entry) return;
    entry.listeners.delete(listener);
    if (entry.listeners.size === 0) {
      this.#entries.delete(key);
      await entry.informer.stop();
    }
  }

  /** Kinds currently watched and how many objects each caches. */
  stats(): Array<{ gvk: string; objects: number; synced: boolean }> {
    return [...this.#entries].map(([gvk, entry]) => ({
      gvk,
      objects: entry.informer.list().length,
      synced: entry.informer.hasSynced(),
    }));
  }

  async stop(): Promise<void> {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(entries.map((entry) => entry.informer.stop()));
  }
}

// One informer per watched collection for a whole process, however many controllers read it
// (controller-runtime's shared cache): two controllers asking for ConfigMaps share one list and one watch.

import type { KubeObject } from '@sveltos-ts/api';
import { Informer } from './informer.ts';
import type { Logger } from './logger.ts';
import type { RestClient } from './rest.ts';

/** What is watched: a kind, optionally narrowed to a namespace and label/field selectors. */
export interface WatchSpec {
  apiVersion: string;
  kind: string;
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
}

function specKey(s: WatchSpec): string {
  return JSON.stringify([
    s.apiVersion,
    s.kind,
    s.namespace ?? '',
    s.labelSelector ?? '',
    s.fieldSelector ?? '',
  ]);
}

export interface InformerCacheOptions {
  logger?: Logger;
  /** Applied to every object of every informer before it is cached (e.g. drop managedFields). */
  transform?: (object: KubeObject) => KubeObject;
}

/**
 * The process's informers, created on first request and shared afterwards. Informers requested before
 * {@link start} start with it; later ones start at once. {@link synced} is readiness: every informer has
 * loaded its first list.
 */
export class InformerCache {
  readonly #client: RestClient;
  readonly #options: InformerCacheOptions;
  readonly #informers = new Map<string, Informer>();
  #started = false;

  constructor(client: RestClient, options: InformerCacheOptions = {}) {
    this.#client = client;
    this.#options = options;
  }

  informer<T extends KubeObject = KubeObject>(spec: WatchSpec): Informer<T> {
    const key = specKey(spec);
    let informer = this.#informers.get(key);
    if (informer === undefined) {
      informer = new Informer(this.#client, {
        ...spec,
        logger: this.#options.logger?.child({ watch: spec.kind }),
        ...(this.#options.transform ? { transform: this.#options.transform } : {}),
      });
      this.#informers.set(key, informer);
      if (this.#started) informer.start();
    }
    return informer as unknown as Informer<T>;
  }

  /** How many collections are watched (one watch each). */
  get size(): number {
    return this.#informers.size;
  }

  start(): void {
    this.#started = true;
    for (const informer of this.#informers.values()) informer.start();
  }

  /** True once every informer requested so far has loaded its first list. */
  synced(): boolean {
    return [...this.#informers.values()].every((i) => i.hasSynced());
  }

  /** Kinds whose first list has not loaded yet (for readiness messages). */
  pending(): string[] {
    return [...this.#informers.values()].filter((i) => !i.hasSynced()).map((i) => i.options.kind);
  }

  /** Resolves once every informer requested so far (and any requested while waiting) has synced. */
  async waitForSync(): Promise<void> {
    for (;;) {
      const informers = [...this.#informers.values()];
      await Promise.all(informers.map((i) => i.waitForSync()));
      if (this.#informers.size === informers.length) return;
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#informers.values()].map((i) => i.stop()));
  }
}

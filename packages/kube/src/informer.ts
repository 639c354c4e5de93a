import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject } from '@sveltos-ts/api';
import { Backoff } from './backoff.ts';
import { codeForStatus, KubeError } from './errors.ts';
import type { Logger } from './logger.ts';
import type { RestClient } from './rest.ts';
import { objectKey } from './types.ts';

export type InformerEvent<T extends KubeObject> =
  | { type: 'add'; object: T }
  | { type: 'update'; object: T; old: T }
  | { type: 'delete'; object: T };

export interface InformerOptions {
  apiVersion: string;
  kind: string;
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  logger?: Logger | undefined;
  /** Server-side watch duration before a routine re-watch (jittered up to 2x); default 300 s. */
  watchTimeoutSeconds?: number;
  backoff?: { initialMs: number; maxMs: number };
  /**
   * Applied to every object before it is cached or handed to handlers, e.g. to drop fields nobody reads
   * (`stripManagedFields`): the cache is most of a watcher's memory.
   */
  transform?: (object: KubeObject) => KubeObject;
  /**
   * What the cache keeps of each object (default: all of it). Handlers still get whole objects as they
   * arrive; `get`/`list`, the `old` of an update and a delete found by a relist give the cached form. For a
   * watcher that evaluates objects as they change and keeps few of them (the agent: names only).
   */
  cacheAs?: (object: KubeObject) => KubeObject;
}

/** Drops `metadata.managedFields`, often the larger part of a small object, which evaluation never reads. */
export function stripManagedFields(object: KubeObject): KubeObject {
  if (!object.metadata.managedFields) return object;
  const { managedFields: _dropped, ...metadata } = object.metadata;
  return { ...object, metadata };
}

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject & { code?: number; message?: string; reason?: string };
}

type WatchEnd = { kind: 'expired' } | { kind: 'closed'; livedMs: number };

/**
 * A list/watch cache of one kind, client-go style: it resumes watches from the last resourceVersion (kept
 * fresh by bookmarks), relists on 410 Gone and turns the difference into events, and retries every other
 * failure with backoff. It never stops on its own: only {@link stop} ends it.
 *
 * Handlers run synchronously, in the order the API server produced the changes.
 */
export class Informer<T extends KubeObject = KubeObject> {
  readonly options: InformerOptions;
  readonly #client: RestClient;
  readonly #store = new Map<string, T>();
  readonly #handlers = new Set<(event: InformerEvent<T>) => void>();
  readonly #errorHandlers = new Set<(error: Error) => void>();
  readonly #backoff: Backoff;
  #resourceVersion = '';
  #synced = false;
  #syncWaiters: Array<() => void> = [];
  #stopped = false;
  /** Aborted by stop(): ends a watch or a back-off pause whenever stop() comes, even between awaits. */
  readonly #stop = new AbortController();
  #running: Promise<void> | undefined;

  constructor(client: RestClient, options: InformerOptions) {
    this.#client = client;
    this.options = options;
    this.#backoff = new Backoff(options.backoff?.initialMs ?? 200, options.backoff?.maxMs ?? 30_000);
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  on(handler: (event: InformerEvent<T>) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  /** Every failure is reported here (and logged) before the informer retries. */
  onError(handler: (error: Error) => void): () => void {
    this.#errorHandlers.add(handler);
    return () => this.#errorHandlers.delete(handler);
  }

  get(key: string): T | undefined {
    return this.#store.get(key);
  }

  list(): T[] {
    return [...this.#store.values()];
  }

  get resourceVersion(): string {
    return this.#resourceVersion;
  }

  hasSynced(): boolean {
    return this.#synced;
  }

  /** Resolves once the first full list has been loaded into the cache. */
  waitForSync(): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve) => this.#syncWaiters.push(resolve));
  }

  start(): this {
    if (!this.#running) this.#running = this.#run();
    return this;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stop.abort();
    await this.#running;
  }

  async #run(): Promise<void> {
    let needList = true;
    while (!this.#stopped) {
      try {
        if (needList) {
          await this.#relist();
          needList = false;
        }
        const end = await this.#watch();
        if (end.kind === 'expired') {
          needList = true;
          this.options.logger?.info('watch expired (410 Gone), relisting', this.#logFields());
          continue;
        }
        // a watch that ends at once every time means something is wrong: slow down instead of spinning
        if (end.livedMs > 1000) this.#backoff.reset();
        else await this.#pause(this.#backoff.next());
      } catch (error) {
        if (this.#stopped) break;
        const failure = error instanceof Error ? error : new Error(String(error));
        if (failure instanceof KubeError && failure.code === 'GONE') needList = true;
        this.#report(failure);
        await this.#pause(this.#backoff.next());
      }
    }
  }

  async #pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.#stop.signal }).catch(() => {});
  }

  #report(error: Error): void {
    this.options.logger?.warn('informer error, retrying', { ...this.#logFields(), error: error.message });
    for (const handler of this.#errorHandlers) handler(error);
  }

  #logFields(): Record<string, unknown> {
    return {
      apiVersion: this.options.apiVersion,
      kind: this.options.kind,
      namespace: this.options.namespace,
    };
  }

  #emit(event: InformerEvent<T>): void {
    for (const handler of this.#handlers) {
      try {
        handler(event);
      } catch (error) {
        this.options.logger?.error('informer handler threw', {
          ...this.#logFields(),
          error: (error as Error).message,
        });
      }
    }
  }

  /** Replaces the cache with a fresh list and emits exactly the differences (no phantom events). */
  async #relist(): Promise<void> {
    const { apiVersion, kind, namespace, labelSelector, fieldSelector } = this.options;
    const seen = new Set<string>();
    const transform = this.options.transform;
    let resourceVersion = '';
    // page by page: handlers take each page in before the next is fetched, so a large list is never
    // held whole (with `cacheAs`, the agent's peak memory is a page, not the cluster)
    for await (const page of this.#client.pages<T>(apiVersion, kind, {
      namespace,
      labelSelector,
      fieldSelector,
    })) {
      if (this.#stopped) return;
      for (const item of page.items) {
        const object = (transform ? transform(item) : item) as T;
        const key = objectKey(object);
        seen.add(key);
        this.#upsert(key, object);
      }
      resourceVersion = page.resourceVersion;
    }
    if (this.#stopped) return;
    for (const [key, old] of [...this.#store]) {
      if (!seen.has(key)) {
        this.#store.delete(key);
        this.#emit({ type: 'delete', object: old });
      }
    }
    this.#resourceVersion = resourceVersion;
    if (!this.#synced) {
      this.#synced = true;
      for (const resolve of this.#syncWaiters.splice(0)) resolve();
    }
  }

  #upsert(key: string, object: T): void {
    const old = this.#store.get(key);
    this.#store.set(key, this.options.cacheAs ? (this.options.cacheAs(object) as T) : object);
    if (!old) this.#emit({ type: 'add', object });
    else if (old.metadata.uid !== object.metadata.uid) {
      // deleted and re-created while we were not watching: two distinct objects
      this.#emit({ type: 'delete', object: old });
      this.#emit({ type: 'add', object });
    } else if (old.metadata.resourceVersion !== object.metadata.resourceVersion) {
      this.#emit({ type: 'update', object, old });
    }
  }

  #apply(event: WatchEvent): void {
    const received = { ...event.object, apiVersion: this.options.apiVersion, kind: this.options.kind };
    const object = (this.options.transform ? this.options.transform(received) : received) as T;
    const key = objectKey(object);
    if (event.type === 'DELETED') {
      const old = this.#store.get(key);
      if (!old) return;
      this.#store.delete(key);
      this.#emit({ type: 'delete', object });
      return;
    }
    this.#upsert(key, object);
  }

  async #watch(): Promise<WatchEnd> {
    const { apiVersion, kind, namespace, labelSelector, fieldSelector } = this.options;
    const path = await this.#client.path({ apiVersion, kind, namespace });
    const timeoutSeconds = Math.round((this.options.watchTimeoutSeconds ?? 300) * (1 + Math.random()));
    const abort = new AbortController();
    const signal = AbortSignal.any([abort.signal, this.#stop.signal]);
    const started = Date.now();
    let expired = false;
    try {
      await this.#client.watch(
        path,
        {
          resourceVersion: this.#resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds,
          labelSelector,
          fieldSelector,
        },
        (raw) => {
          if (expired || signal.aborted) return;
          const event = raw as WatchEvent;
          if (event.type === 'ERROR') {
            const status = event.object.code ?? 500;
            if (status === 410) {
              expired = true;
              abort.abort();
              return;
            }
            throw new KubeError(
              codeForStatus(status),
              status,
              `watch ${kind}: ${event.object.message}`,
              event.object.reason,
            );
          }
          const resourceVersion = event.object.metadata?.resourceVersion;
          if (resourceVersion) this.#resourceVersion = resourceVersion;
          if (event.type !== 'BOOKMARK') this.#apply(event);
        },
        // bookmarks arrive about once a minute, so a longer silence means a dead connection
        { signal, idleTimeoutMs: 90_000 },
      );
    } catch (error) {
      if (error instanceof KubeError && error.code === 'GONE') return { kind: 'expired' };
      throw error;
    }
    return expired ? { kind: 'expired' } : { kind: 'closed', livedMs: Date.now() - started };
  }
}

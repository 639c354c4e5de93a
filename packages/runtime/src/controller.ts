// A controller: one reconciler, its typed work queue, the watches that fill the queue, and its metrics
// (controller-runtime's Controller). Created by a Manager for one leadership term and thrown away after.

import {
  type Informer,
  type InformerEvent,
  type KubeObject,
  type Logger,
  type ReconcileResult,
  TerminalError,
  WorkQueue,
} from '@sveltos-ts/kube';
import type { ControllerMetrics } from './metrics.ts';

/**
 * The reconcile contract: bring the world in line with `key` and return nothing (done) or when to look
 * again. Throwing retries the key with per-key backoff; a {@link TerminalError} drops it until something
 * enqueues it again (bad user input that retrying cannot fix).
 */
export interface Reconciler<K> {
  reconcile(key: K): Promise<ReconcileResult | undefined>;
}

type Keys<K> = Iterable<K> | K | undefined;

/** What enqueues keys: changes of a shared informer, or any other source of signals. */
export type Watch<K> =
  | {
      informer: Informer<KubeObject>;
      map: (event: InformerEvent<KubeObject>) => Keys<K>;
    }
  | {
      /** Subscribes; returns the unsubscribe function. */
      subscribe: (enqueue: (key: K) => void) => () => void;
    };

/** Whether an update is more than a status write: its generation (the spec), labels or deletion moved. For
 * units that read only those, so their own status writes do not wake them again. */
export function specLabelsOrDeletionChanged(old: KubeObject, now: KubeObject): boolean {
  return (
    now.metadata.generation !== old.metadata.generation ||
    now.metadata.deletionTimestamp !== old.metadata.deletionTimestamp ||
    JSON.stringify(now.metadata.labels) !== JSON.stringify(old.metadata.labels)
  );
}

/** A watch on an informer: `map` turns each change into the keys it concerns. When the controller starts,
 * every object already cached is replayed as an `add`, so a new leader looks at everything once. */
export function watchInformer<T extends KubeObject, K>(
  informer: Informer<T>,
  map: (event: InformerEvent<T>) => Keys<K>,
): Watch<K> {
  return {
    informer: informer as unknown as Informer<KubeObject>,
    map: map as unknown as (event: InformerEvent<KubeObject>) => Keys<K>,
  };
}

export interface ControllerOptions<K> {
  /** Identity of a key (default `String`); required for object keys. */
  keyOf?: (key: K) => string;
  /** Concurrent reconciles (default 1; keys are never processed twice at once). */
  workers?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/** What other code holds of a running controller: a way to enqueue keys. */
export interface ControllerHandle<K> {
  readonly name: string;
  add(key: K): void;
  addAfter(key: K, delayMs: number): void;
}

function isIterable<K>(keys: Keys<K>): keys is Iterable<K> {
  return (
    typeof keys === 'object' &&
    keys !== null &&
    typeof (keys as Iterable<K>)[Symbol.iterator] === 'function' &&
    !('metadata' in keys)
  );
}

export class Controller<K> implements ControllerHandle<K> {
  readonly name: string;
  readonly #reconciler: Reconciler<K>;
  readonly #watches: Watch<K>[];
  readonly #options: ControllerOptions<K>;
  readonly #queue: WorkQueue<K>;
  readonly #metrics: ControllerMetrics;
  readonly #logger: Logger;
  readonly #unsubscribe: Array<() => void> = [];
  #active = 0;
  #running: Promise<void> | undefined;

  constructor(
    name: string,
    reconciler: Reconciler<K>,
    watches: Watch<K>[],
    options: ControllerOptions<K>,
    metrics: ControllerMetrics,
    logger: Logger,
  ) {
    this.name = name;
    this.#reconciler = reconciler;
    this.#watches = watches;
    this.#options = options;
    this.#metrics = metrics;
    this.#logger = logger;
    this.#queue = new WorkQueue<K>({
      logger,
      baseDelayMs: options.baseDelayMs ?? 200,
      maxDelayMs: options.maxDelayMs ?? 30_000,
      ...(options.keyOf ? { keyOf: options.keyOf } : {}),
    });
  }

  get queueLength(): number {
    return this.#queue.length;
  }

  get activeWorkers(): number {
    return this.#active;
  }

  add(key: K): void {
    if (this.#queue.shuttingDown) return;
    this.#metrics.adds.inc({ name: this.name });
    this.#queue.add(key);
  }

  addAfter(key: K, delayMs: number): void {
    this.#queue.addAfter(key, delayMs);
  }

  #enqueueAll(keys: Keys<K>): void {
    if (keys === undefined) return;
    if (isIterable(keys)) for (const k of keys) this.add(k);
    else this.add(keys);
  }

  /** Subscribes the watches (replaying cached objects) and starts the workers. */
  start(): void {
    for (const w of this.#watches) {
      if ('subscribe' in w) {
        this.#unsubscribe.push(w.subscribe((k) => this.add(k)));
        continue;
      }
      this.#unsubscribe.push(w.informer.on((e) => this.#enqueueAll(w.map(e))));
    }
    this.resync();
    const workers = this.#options.workers ?? 1;
    this.#metrics.maxWorkers.set({ controller: this.name }, workers);
    this.#running = this.#queue.run(workers, (key) => this.#reconcile(key));
  }

  /** Replays every cached object of the watched informers as an `add`: the controller looks at all it
   * watches once (at start, and every resync period as a safety net). */
  resync(): void {
    for (const w of this.#watches)
      if ('informer' in w)
        for (const object of w.informer.list()) this.#enqueueAll(w.map({ type: 'add', object }));
  }

  async #reconcile(key: K): Promise<ReconcileResult | undefined> {
    const labels = { controller: this.name };
    const stop = this.#metrics.duration.startTimer(labels);
    this.#active++;
    this.#metrics.activeWorkers.set(labels, this.#active);
    try {
      const result = await this.#reconciler.reconcile(key);
      this.#metrics.total.inc({ ...labels, result: result?.requeueAfterMs ? 'requeue_after' : 'success' });
      this.#logger.debug('reconciled', { controller: this.name, key });
      return result;
    } catch (error) {
      this.#metrics.total.inc({ ...labels, result: 'error' });
      this.#metrics.errors.inc(labels);
      if (error instanceof TerminalError) this.#metrics.terminalErrors.inc(labels);
      else this.#metrics.retries.inc({ name: this.name });
      throw error;
    } finally {
      this.#active--;
      this.#metrics.activeWorkers.set(labels, this.#active);
      stop();
    }
  }

  /** Stops watching, lets running reconciles finish, drops what is queued. */
  async stop(): Promise<void> {
    for (const u of this.#unsubscribe.splice(0)) u();
    this.#queue.shutdown();
    await this.#running;
    this.#logger.debug('controller stopped', { controller: this.name });
  }
}

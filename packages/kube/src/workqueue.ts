import type { Logger } from './logger.ts';

/** What a reconcile returns: nothing (done), or when to look again even if nothing changes. */
export interface ReconcileResult {
  requeueAfterMs?: number;
}

/**
 * A failure that retrying cannot fix (bad user input): the key is dropped until something changes it,
 * instead of being retried with backoff. Any other thrown error is retried with per-key backoff.
 */
export class TerminalError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TerminalError';
    this.code = code;
  }
}

export interface WorkQueueOptions<K = string> {
  /** Identity of a key: keys with the same identity are one key (default: `String(key)`). Lets typed keys
   * (objects) be queued without string prefixes. */
  keyOf?: (key: K) => string;
  /** First retry delay after a failure; doubles per consecutive failure of the same key. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  logger?: Logger;
}

/**
 * Keyed work queue with client-go's guarantees: a key waiting is queued once however often it is added;
 * a key is never processed by two workers at once; a key added while being processed runs again after.
 */
export class WorkQueue<K = string> {
  readonly #queue: K[] = [];
  /** Identities of keys waiting (queued, or re-added while processing). */
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  readonly #waiters: Array<(key: K | undefined) => void> = [];
  /** The latest value added per identity, for keys re-added while processing. */
  readonly #pending = new Map<string, K>();
  readonly #keyOf: (key: K) => string;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #logger: Logger | undefined;
  #shuttingDown = false;

  constructor(options: WorkQueueOptions<K> = {}) {
    this.#keyOf = options.keyOf ?? String;
    this.#baseDelayMs = options.baseDelayMs ?? 100;
    this.#maxDelayMs = options.maxDelayMs ?? 60_000;
    this.#logger = options.logger;
  }

  /** Keys waiting (not counting those being processed or delayed). */
  get length(): number {
    return this.#queue.length;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  add(key: K): void {
    const id = this.#keyOf(key);
    if (this.#shuttingDown || this.#dirty.has(id)) return;
    this.#dirty.add(id);
    if (this.#processing.has(id)) {
      this.#pending.set(id, key);
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#dirty.delete(id);
      this.#processing.add(id);
      waiter(key);
    } else {
      this.#queue.push(key);
    }
  }

  /** Adds after a delay; an earlier pending delay for the same key wins. */
  addAfter(key: K, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const id = this.#keyOf(key);
    const at = Date.now() + delayMs;
    const pending = this.#timers.get(id);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.#timers.delete(id);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.#timers.set(id, { at, timer });
  }

  /** Re-adds after this key's next backoff delay (exponential in its consecutive failures). */
  addRateLimited(key: K): number {
    const id = this.#keyOf(key);
    const failures = this.#failures.get(id) ?? 0;
    this.#failures.set(id, failures + 1);
    const delay = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** Math.min(failures, 30));
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears a key's failure history (after a success or a terminal failure). */
  forget(key: K): void {
    this.#failures.delete(this.#keyOf(key));
  }

  failures(key: K): number {
    return this.#failures.get(this.#keyOf(key)) ?? 0;
  }

  /** Next key to process, or undefined once shut down. The caller must call {@link done}. */
  get(): Promise<K | undefined> {
    const key = this.#queue.shift();
    if (key !== undefined) {
      const id = this.#keyOf(key);
      this.#dirty.delete(id);
      this.#processing.add(id);
      return Promise.resolve(key);
    }
    if (this.#shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  done(key: K): void {
    const id = this.#keyOf(key);
    this.#processing.delete(id);
    if (this.#dirty.has(id)) {
      this.#dirty.delete(id);
      const next = this.#pending.get(id) ?? key;
      this.#pending.delete(id);
      this.add(next);
    }
  }

  shutdown(): void {
    this.#shuttingDown = true;
    for (const { timer } of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    for (const waiter of this.#waiters.splice(0)) waiter(undefined);
  }

  /**
   * Runs `concurrency` workers until {@link shutdown}. Success forgets the key's failures and honours
   * `requeueAfterMs`; a {@link TerminalError} drops the key; any other error retries it with backoff.
   */
  async run(concurrency: number, reconcile: (key: K) => Promise<ReconcileResult | undefined>): Promise<void> {
    const worker = async (): Promise<void> => {
      for (let key = await this.get(); key !== undefined; key = await this.get()) {
        try {
          const result = await reconcile(key);
          this.forget(key);
          if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
        } catch (error) {
          if (error instanceof TerminalError) {
            this.forget(key);
            this.#logger?.warn('reconcile failed terminally', {
              key: this.#keyOf(key),
              code: error.code,
              error: error.message,
            });
          } else {
            const delay = this.addRateLimited(key);
            this.#logger?.warn('reconcile failed, will retry', {
              key: this.#keyOf(key),
              retryInMs: delay,
              error: (error as Error).message,
            });
          }
        } finally {
          this.done(key);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }
}

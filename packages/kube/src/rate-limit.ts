// Client-side rate limiting as client-go does it (`--kube-api-qps` / `--kube-api-burst`): a token bucket
// refilled at `qps` tokens a second, holding at most `burst`. Requests wait for a token; watches do not.

import { setTimeout as sleep } from 'node:timers/promises';

export interface RateLimit {
  qps: number;
  burst: number;
}

export class TokenBucket {
  readonly #qps: number;
  readonly #burst: number;
  #tokens: number;
  #last = Date.now();
  /** Waiters are served in order, so a burst of requests is spread out fairly. */
  #queue: Promise<void> = Promise.resolve();

  constructor(limit: RateLimit) {
    if (!(limit.qps > 0) || !(limit.burst >= 1)) throw new RangeError('qps must be > 0 and burst >= 1');
    this.#qps = limit.qps;
    this.#burst = limit.burst;
    this.#tokens = limit.burst;
  }

  /** Resolves when a token is available (and takes it). */
  take(): Promise<void> {
    const turn = this.#queue.then(async () => {
      this.#refill();
      if (this.#tokens < 1) {
        await sleep(Math.ceil(((1 - this.#tokens) / this.#qps) * 1000));
        this.#refill();
      }
      this.#tokens -= 1;
    });
    this.#queue = turn;
    return turn;
  }

  #refill(): void {
    const now = Date.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#qps);
    this.#last = now;
  }
}

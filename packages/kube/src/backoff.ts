/** Exponential backoff with full jitter, so many clients recovering at once do not retry in lockstep. */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  #attempt = 0;

  constructor(initialMs = 200, maxMs = 30_000) {
    this.#initialMs = initialMs;
    this.#maxMs = maxMs;
  }

  /** Delay before the next attempt; grows with every call until {@link reset}. */
  next(): number {
    const ceiling = Math.min(this.#maxMs, this.#initialMs * 2 ** this.#attempt);
    this.#attempt = Math.min(this.#attempt + 1, 30);
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  reset(): void {
    this.#attempt = 0;
  }

  get attempts(): number {
    return this.#attempt;
  }
}

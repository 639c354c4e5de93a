import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject } from '@sveltos-ts/api';
import { KubeError } from './errors.ts';
import type { Logger } from './logger.ts';
import type { RestClient } from './rest.ts';

export interface Lease extends KubeObject {
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

export interface LeaderElectionOptions {
  client: RestClient;
  namespace: string;
  name: string;
  /** Unique per candidate (e.g. pod name + random suffix). */
  identity: string;
  leaseDurationSeconds?: number;
  /** A leader that cannot renew for this long steps down (must be below the lease duration). */
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Called when this candidate becomes leader; the signal aborts when leadership is lost. */
  onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  onStoppedLeading?: () => void;
  onNewLeader?: (identity: string) => void;
  logger?: Logger;
}

/** Kubernetes MicroTime wants exactly six fractional digits. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * Lease-based leader election (coordination.k8s.io/v1), with client-go's rules: expiry is judged by when
 * this candidate last saw the lease record change (so clocks need not agree), writes use optimistic
 * concurrency, and a leader that stops cleanly releases the lease so a follower takes over at its next try.
 */
export class LeaderElector {
  readonly #options: Required<Omit<LeaderElectionOptions, 'onNewLeader' | 'onStoppedLeading' | 'logger'>> &
    LeaderElectionOptions;
  #leading = false;
  #stopped = false;
  #leadership: AbortController | undefined;
  #observed: { holder: string; renewTime: string; resourceVersion: string } | undefined;
  #observedAt = 0;
  #lastRenew = 0;
  #wake: AbortController | undefined;
  #running: Promise<void> | undefined;

  constructor(options: LeaderElectionOptions) {
    this.#options = {
      leaseDurationSeconds: 15,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      ...options,
    };
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  /** Starts campaigning; resolves once {@link stop} has been called and the loop has ended. */
  start(): Promise<void> {
    this.#running ??= this.#loop();
    return this.#running;
  }

  /** Stops campaigning; a leader releases the lease (unless `release: false`, e.g. to simulate a crash). */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    this.#stopped = true;
    this.#wake?.abort();
    await this.#running;
    if (this.#leading) {
      if (options.release ?? true) await this.#release().catch(() => {});
      this.#stepDown();
    }
  }

  async #loop(): Promise<void> {
    const { retryPeriodMs } = this.#options;
    while (!this.#stopped) {
      try {
        await this.#tryAcquireOrRenew();
      } catch (error) {
        this.#options.logger?.warn('leader election attempt failed', { error: (error as Error).message });
      }
      if (this.#leading && Date.now() - this.#lastRenew > this.#options.renewDeadlineMs) {
        this.#options.logger?.warn('could not renew the lease in time, stepping down', {
          lease: this.#options.name,
        });
        this.#stepDown();
      }
      this.#wake = new AbortController();
      await sleep(retryPeriodMs, undefined, { signal: this.#wake.signal }).catch(() => {});
    }
  }

  #ref() {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      namespace: this.#options.namespace,
      name: this.#options.name,
    };
  }

  async #tryAcquireOrRenew(): Promise<void> {
    const { client, identity, leaseDurationSeconds } = this.#options;
    const now = new Date();
    const current = await client.getOrUndefined<Lease>(this.#ref());
    if (!current) {
      const lease: Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.#options.name, namespace: this.#options.namespace },
        spec: {
          holderIdentity: identity,
          leaseDurationSeconds,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: 0,
        },
      };
      try {
        await client.create(lease);
      } catch (error) {
        if (error instanceof KubeError && error.code === 'ALREADY_EXISTS') return;
        throw error;
      }
      this.#becomeLeader();
      return;
    }
    const spec = current.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const record = {
      holder,
      renewTime: spec.renewTime ?? '',
      resourceVersion: current.metadata.resourceVersion ?? '',
    };
    if (
      !this.#observed ||
      this.#observed.holder !== record.holder ||
      this.#observed.renewTime !== record.renewTime
    ) {
      if (this.#observed?.holder !== holder && holder) this.#options.onNewLeader?.(holder);
      this.#observed = record;
      this.#observedAt = Date.now();
    }
    const heldByOther = holder !== '' && holder !== identity;
    const duration = (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    if (heldByOther && this.#observedAt + duration > Date.now()) {
      if (this.#leading) this.#stepDown();
      return;
    }
    const takingOver = holder !== identity;
    const updated: Lease = {
      ...current,
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds,
        renewTime: microTime(now),
        ...(takingOver
          ? { acquireTime: microTime(now), leaseTransitions: (spec.leaseTransitions ?? 0) + 1 }
          : {}),
      },
    };
    try {
      await client.replace(updated);
    } catch (error) {
      // someone else wrote first: they won this round
      if (error instanceof KubeError && error.code === 'CONFLICT') return;
      throw error;
    }
    if (takingOver || !this.#leading) this.#becomeLeader();
    else this.#lastRenew = Date.now();
  }

  #becomeLeader(): void {
    this.#lastRenew = Date.now();
    if (this.#leading) return;
    this.#leading = true;
    this.#leadership = new AbortController();
    this.#options.logger?.info('became leader', {
      lease: this.#options.name,
      identity: this.#options.identity,
    });
    this.#options.onNewLeader?.(this.#options.identity);
    const term = this.#leadership;
    // a leader that cannot run what it leads for must not keep the Lease: give it up so another replica
    // (or this one, on its next try) takes over
    Promise.resolve(this.#options.onStartedLeading(term.signal)).catch((error: unknown) => {
      this.#options.logger?.error('leader callback failed, releasing the lease', {
        lease: this.#options.name,
        error: (error as Error).message,
      });
      if (this.#leadership !== term || !this.#leading) return;
      this.#stepDown();
      void this.#release().catch(() => {});
    });
  }

  #stepDown(): void {
    if (!this.#leading) return;
    this.#leading = false;
    this.#leadership?.abort();
    this.#options.onStoppedLeading?.();
  }

  async #release(): Promise<void> {
    const current = await this.#options.client.getOrUndefined<Lease>(this.#ref());
    if (!current || current.spec?.holderIdentity !== this.#options.identity) return;
    await this.#options.client.replace<Lease>({
      ...current,
      spec: { ...current.spec, holderIdentity: '', renewTime: microTime(new Date()) },
    });
  }
}

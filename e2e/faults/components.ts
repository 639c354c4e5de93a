// The product's components as supervised processes, the way a kubelet runs them: a component that exits
// unexpectedly (a SIGKILL, a failpoint) is started again; a test can restart one with failpoints armed.

import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const entry = (path: string) => fileURLToPath(new URL(`../../packages/${path}`, import.meta.url));

export const MAINS = {
  'event-manager': entry('event-manager/src/main.ts'),
  'addon-controller': entry('addon-controller/src/main.ts'),
  'sveltos-agent': entry('sveltos-agent/src/main.ts'),
} as const;

export type ComponentName = keyof typeof MAINS;

/** Short Lease timings, so outages longer than every Lease deadline fit in a test. */
export const LEASE = { duration: 4_000, renewDeadline: 3_000, retryPeriod: 500 };

export const leaseFlags = [
  '--leader-elect',
  `--leader-elect-lease-duration=${LEASE.duration}ms`,
  `--leader-elect-renew-deadline=${LEASE.renewDeadline}ms`,
  `--leader-elect-retry-period=${LEASE.retryPeriod}ms`,
];

interface Run {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  logs: string;
  port: number | undefined;
}

export class Component {
  readonly name: ComponentName;
  readonly #args: string[];
  #run: Run | undefined;
  #supervising = true;
  #restarts = 0;
  /** Every exit that was not asked for (crashes, failpoints): what a kubelet would count as restarts. */
  readonly crashes: Array<{ code: number | null; signal: NodeJS.Signals | null; failpoint?: string }> = [];

  constructor(name: ComponentName, args: string[]) {
    this.name = name;
    this.#args = args;
  }

  get restarts(): number {
    return this.#restarts;
  }

  /** Starts the process; `failpoints` arms SVELTOS_FAILPOINTS for this run only. */
  start(failpoints?: string): void {
    const child = spawn(process.execPath, [MAINS[this.name], ...this.#args, '--metrics-port=0'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, SVELTOS_FAILPOINTS: failpoints ?? '' },
    });
    const run: Run = {
      child,
      logs: '',
      port: undefined,
      exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))),
    };
    child.stderr?.on('data', (chunk: Buffer) => {
      run.logs = (run.logs + chunk.toString()).slice(-200_000);
      run.port ??= Number(/"address":"http:\/\/[\d.]+:(\d+)"/.exec(run.logs)?.[1]) || undefined;
    });
    this.#run = run;
    void run.exited.then((exit) => {
      if (this.#run !== run || !this.#supervising) return;
      const failpoint = /"failpoint":"([^"]+)"/.exec(run.logs)?.[1];
      this.crashes.push({ ...exit, ...(failpoint ? { failpoint } : {}) });
      this.#restarts++;
      // the kubelet's back-off, shortened
      void sleep(200).then(() => {
        if (this.#run === run && this.#supervising) this.start();
      });
    });
  }

  /** Restarts with failpoints armed (SIGKILL of the current run, as a pod being replaced abruptly). */
  async restartWith(failpoints: string): Promise<void> {
    const run = this.#run;
    this.#run = undefined;
    run?.child.kill('SIGKILL');
    await run?.exited;
    this.start(failpoints);
  }

  /** SIGKILL now; the supervisor starts it again. */
  kill(): void {
    this.#run?.child.kill('SIGKILL');
  }

  /** True once /readyz answers 200. */
  async ready(): Promise<boolean> {
    const port = this.#run?.port;
    if (port === undefined) return false;
    try {
      return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
    } catch {
      return false;
    }
  }

  /** True when it holds its Lease (its leader gauge is 1). */
  async leading(): Promise<boolean> {
    const port = this.#run?.port;
    if (port === undefined) return false;
    try {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return /^leader_election_master_status\{name="[^"]+"\} 1/m.test(text);
    } catch {
      return false;
    }
  }

  get logs(): string {
    return this.#run?.logs ?? '';
  }

  async stop(): Promise<void> {
    this.#supervising = false;
    const run = this.#run;
    this.#run = undefined;
    run?.child.kill('SIGTERM');
    await run?.exited;
  }
}

/** A small seeded generator (mulberry32): the same seed gives the same trials. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

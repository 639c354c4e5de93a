// Helpers the benchmarks share to run components as processes and read what they cost from /proc: resident
// memory (now and its high-water mark) and CPU time (user + system, in clock ticks of 1/100 s).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '@sveltos-ts/testenv';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** As the charts run the components (NODE_OPTIONS): a small young generation keeps the heap near live data. */
export const nodeFlags = ['--max-semi-space-size=2'];

export type Component = 'event-manager' | 'addon-controller' | 'sveltos-agent';

const sources: Record<Component, string> = {
  'event-manager': 'packages/event-manager/src/main.ts',
  'addon-controller': 'packages/addon-controller/src/main.ts',
  'sveltos-agent': 'packages/sveltos-agent/src/main.ts',
};

/**
 * Where a component's entry point is: its TypeScript source (type-stripped by Node), or the esbuild bundle
 * the images ship (`node scripts/images/bundle.ts --out <dir>`), when `bundleDir` is given.
 */
export function entryPoint(component: Component, bundleDir?: string): string {
  if (bundleDir === undefined) return join(repoRoot, sources[component]);
  const file = join(bundleDir, component, 'main.mjs');
  if (!existsSync(file))
    throw new Error(`no bundle at ${file}: run node scripts/images/bundle.ts --out ${bundleDir}`);
  return file;
}

export interface RunningProcess {
  name: string;
  child: ChildProcess;
  /** The metrics/health port. */
  port: number;
  logs(): string;
  stop(): Promise<void>;
}

/** Ports handed to processes of this run: the kernel may offer a just-released port again, and processes
 * started together would then race for it. */
const handedOut = new Set<number>();
async function unusedPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** Spawns a component with `args` (plus --metrics-port); its output is kept for failures. */
export async function startProcess(
  name: string,
  component: Component,
  args: string[],
  options: { bundleDir?: string | undefined; env?: NodeJS.ProcessEnv; echo?: boolean } = {},
): Promise<RunningProcess> {
  const port = await unusedPort();
  const argv = [...nodeFlags, entryPoint(component, options.bundleDir), ...args, `--metrics-port=${port}`];
  const child = spawn(process.execPath, argv, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let logs = '';
  const keep = (chunk: Buffer) => {
    logs += chunk.toString();
    if (logs.length > 2_000_000) logs = logs.slice(-1_000_000);
    if (options.echo) process.stderr.write(chunk);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    child,
    port,
    logs: () => logs,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Resolves once GET /readyz answers 200. */
export async function waitReady(p: RunningProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${p.port}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (p.child.exitCode !== null)
      throw new Error(`${p.name} exited (${p.child.exitCode}):\n${p.logs().slice(-3000)}`);
    if (Date.now() > deadline)
      throw new Error(`${p.name} not ready after ${timeoutMs / 1000} s\n${p.logs().slice(-3000)}`);
    await sleep(100);
  }
}

export interface ProcStat {
  rssMb: number;
  peakRssMb: number;
  /** user + system CPU time in seconds. */
  cpuSeconds: number;
}

export function procStat(pid: number): ProcStat {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  // fields after the command name (which may contain spaces): utime is the 14th field, stime the 15th
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(rest[11]) + Number(rest[12]);
  return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024, cpuSeconds: ticks / 100 };
}

/**
 * Samples processes for `seconds`: CPU used over the window (in cores) and the largest RSS seen.
 */
export async function sampleIdle(
  pids: Record<string, number>,
  seconds: number,
): Promise<Record<string, { cores: number; rssMb: number }>> {
  const first = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, procStat(pid)]));
  const maxRss = Object.fromEntries(Object.entries(first).map(([k, s]) => [k, s.rssMb]));
  const started = performance.now();
  for (let i = 0; i < seconds; i++) {
    await sleep(1000);
    for (const [k, pid] of Object.entries(pids)) maxRss[k] = Math.max(maxRss[k]!, procStat(pid).rssMb);
  }
  const elapsed = (performance.now() - started) / 1000;
  return Object.fromEntries(
    Object.entries(pids).map(([k, pid]) => [
      k,
      {
        cores: Number(((procStat(pid).cpuSeconds - first[k]!.cpuSeconds) / elapsed).toFixed(4)),
        rssMb: Math.round(maxRss[k]!),
      },
    ]),
  );
}

/** The machine's load averages, to put next to every figure. */
export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** CPU time the whole machine has spent busy (all cores, seconds): the API servers' share is in it too. */
export function machineBusySeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / 100;
}

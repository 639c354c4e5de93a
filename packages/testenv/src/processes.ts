import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A control-plane process whose output goes to `<runDir>/<name>.log`. */
export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | string>;
  stop(): Promise<void>;
}

const pidsFile = (runDir: string): string => join(runDir, 'pids');

/**
 * Starts a process and records its pid in the run directory, where the watchdog (and `testenv down`)
 * find it. Children would survive a SIGKILLed owner: the watchdog covers that.
 */
export function startProcess(
  runDir: string,
  name: string,
  command: string,
  args: string[],
  options: { detached?: boolean } = {},
): ManagedProcess {
  const logFile = join(runDir, `${name}.log`);
  const out = openSync(logFile, 'a');
  const child: ChildProcess = spawn(command, args, {
    stdio: ['ignore', out, out],
    cwd: runDir,
    // a detached bed gets its own process group, so a Ctrl-C in the starting terminal does not stop it
    detached: options.detached ?? false,
  });
  closeSync(out);
  // the owner may exit while the control plane runs: the watchdog or an explicit stop ends it
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  appendFileSync(pidsFile(runDir), `${pid}\n`);
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.on('error', () => resolve('spawn-error'));
  });
  return {
    name,
    pid,
    logFile,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const ended = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
      if (!ended) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Last lines of a process log, for error messages that tell the user why a start failed. */
export function logTail(logFile: string, lines = 15): string {
  if (!existsSync(logFile)) return '';
  return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * A tiny shell loop that outlives a SIGKILLed owner: once the owner pid is gone it kills every pid the run
 * recorded, runs the nodes' cleanup scripts and removes the run directory. A clean stop removes the
 * directory first, which ends the loop.
 */
export function startWatchdog(runDir: string, ownerPid: number): void {
  const script = [
    'owner="$1"; dir="$2"',
    'while kill -0 "$owner" 2>/dev/null && [ -d "$dir" ]; do sleep 1; done',
    '[ -d "$dir" ] || exit 0',
    'pids=$(cat "$dir/pids" 2>/dev/null)',
    '[ -n "$pids" ] && kill -TERM $pids 2>/dev/null',
    'sleep 3',
    '[ -n "$pids" ] && kill -KILL $pids 2>/dev/null',
    // nodes (node.ts) leave containers, mounts, network and cgroups that killing pids does not remove
    'for script in "$dir"/cleanup-node-*.sh; do [ -f "$script" ] && bash "$script"; done',
    'rm -rf "$dir"',
  ].join('\n');
  const watchdog = spawn('bash', ['-c', script, 'testenv-watchdog', String(ownerPid), runDir], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.unref();
  writeFileSync(join(runDir, 'watchdog.pid'), String(watchdog.pid));
}

/**
 * Whether a process still runs. An exited child of a dead owner can linger as a zombie when PID 1 does not
 * reap orphans (common in containers); `kill(pid, 0)` succeeds on zombies, so /proc is checked too.
 */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Kills every process a run directory recorded (used by `testenv down` for a detached bed). */
export async function killRecorded(runDir: string): Promise<number> {
  if (!existsSync(pidsFile(runDir))) return 0;
  const pids = readFileSync(pidsFile(runDir), 'utf8').split('\n').filter(Boolean).map(Number);
  const alive = isRunning;
  const running = pids.filter(alive);
  // a process may exit between the liveness check and the signal
  const signal = (pid: number, name: NodeJS.Signals): void => {
    try {
      process.kill(pid, name);
    } catch {
      // already gone
    }
  };
  const terminate = async (group: number[]): Promise<void> => {
    for (const pid of group) signal(pid, 'SIGTERM');
    for (let i = 0; i < 50 && group.some(alive); i++) await sleep(200);
    for (const pid of group.filter(alive)) signal(pid, 'SIGKILL');
    // SIGKILL is delivered asynchronously: return only once the processes are really gone
    for (let i = 0; i < 50 && group.some(alive); i++) await sleep(100);
  };
  // etcd is recorded first: API servers stopped after it would wait for it until killed
  const [etcd, ...servers] = pids;
  await terminate(servers.filter(alive));
  if (etcd !== undefined && alive(etcd)) await terminate([etcd]);
  return running.length;
}

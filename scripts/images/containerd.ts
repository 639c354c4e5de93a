// A private containerd (its own root, state and socket in a temporary directory) to run the images built
// by scripts/build-images.sh with runc, the way a kubelet would: image config's user, read-only root
// filesystem. Used by e2e/images.test.ts and `node scripts/images/containerd.ts` (see the end of the file).
// Needs root; `ensureTools` installs containerd and runc with apt-get when they are missing.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function exec(file: string, args: string[], timeoutMs = 120_000): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await run(file, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string; message: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message };
  }
}

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(join(dir, tool)));
}

/** Why this machine cannot run the images (not root, no apt-get for missing tools), or undefined. */
export async function ensureTools(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'containerd needs root';
  const missing = ['containerd', 'ctr', 'runc'].filter((tool) => !onPath(tool));
  if (missing.length === 0) return undefined;
  if (!onPath('apt-get')) return `missing ${missing.join(', ')} and no apt-get to install them`;
  const update = await exec('apt-get', ['update', '-qq'], 300_000);
  if (update.code !== 0) return `apt-get update failed: ${update.stderr}`;
  const install = await exec(
    'apt-get',
    ['install', '-y', '-qq', '--no-install-recommends', 'containerd', 'runc'],
    600_000,
  );
  if (install.code !== 0) return `apt-get install containerd runc failed: ${install.stderr}`;
  return undefined;
}

export interface RunOptions {
  /** replaces the image's entrypoint and arguments */
  command?: string[];
  /** arguments after the image's entrypoint */
  args?: string[];
  netHost?: boolean;
  /** host file or directory → container path, read-only */
  mounts?: Record<string, string>;
  /** a writable tmpfs at /tmp (a pod's emptyDir) */
  tmpfs?: boolean;
  env?: Record<string, string>;
}

export class Containerd {
  readonly namespace: string;
  readonly dir: string;
  readonly socket: string;
  #daemon: ChildProcess;
  #snapshotter = 'overlayfs';
  #ids = 0;

  private constructor(dir: string, namespace: string, daemon: ChildProcess) {
    this.dir = dir;
    this.namespace = namespace;
    this.socket = join(dir, 'containerd.sock');
    this.#daemon = daemon;
  }

  /** The end of the daemon's log. */
  logs(): string {
    try {
      return readFileSync(join(this.dir, 'containerd.log'), 'utf8').slice(-4000);
    } catch {
      return '';
    }
  }

  /** Starts a containerd of our own; `stop()` ends it and deletes everything it stored. */
  static async start(namespace = 'sveltos-test'): Promise<Containerd> {
    const dir = mkdtempSync(join(tmpdir(), 'sveltos-containerd-'));
    const config = join(dir, 'config.toml');
    writeFileSync(
      config,
      [
        'version = 2',
        `root = "${join(dir, 'root')}"`,
        `state = "${join(dir, 'state')}"`,
        // no CRI: nothing but ctr talks to this daemon
        'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
        '[grpc]',
        `  address = "${join(dir, 'containerd.sock')}"`,
        '',
      ].join('\n'),
    );
    // the log goes to a file, not a pipe: the shims containerd starts inherit it and outlive the daemon
    const log = openSync(join(dir, 'containerd.log'), 'a');
    const daemon = spawn('containerd', ['--config', config], { stdio: ['ignore', log, log] });
    closeSync(log);
    const containerd = new Containerd(dir, namespace, daemon);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (daemon.exitCode !== null) {
        throw new Error(`containerd exited with ${daemon.exitCode}: ${containerd.logs()}`);
      }
      if (existsSync(containerd.socket) && (await containerd.ctr(['version'])).code === 0) break;
      if (Date.now() > deadline) {
        await containerd.stop();
        throw new Error(`containerd did not start: ${containerd.logs()}`);
      }
      await sleep(100);
    }
    const plugins = await containerd.ctr(['plugins', 'ls']);
    if (!/io\.containerd\.snapshotter\.v1\s+overlayfs\s+\S+\s+ok/.test(plugins.stdout)) {
      containerd.#snapshotter = 'native'; // no overlay here (e.g. inside some containers): copies instead
    }
    return containerd;
  }

  ctr(args: string[], timeoutMs?: number): Promise<CommandResult> {
    return exec('ctr', ['--address', this.socket, '--namespace', this.namespace, ...args], timeoutMs);
  }

  /** Imports an OCI archive; returns the image's name (its org.opencontainers.image.ref.name). */
  async importArchive(path: string): Promise<string> {
    const result = await this.ctr(['images', 'import', '--snapshotter', this.#snapshotter, path], 300_000);
    if (result.code !== 0) throw new Error(`ctr images import ${path}: ${result.stderr}`);
    const match = /unpacking (\S+) \(sha256:/.exec(result.stdout + result.stderr);
    if (!match) throw new Error(`ctr images import ${path}: no image in the output: ${result.stdout}`);
    return match[1]!;
  }

  #runArgs(image: string, id: string, options: RunOptions): string[] {
    const args = ['run', '--rm', '--read-only', '--snapshotter', this.#snapshotter];
    if (options.netHost) args.push('--net-host');
    for (const [source, target] of Object.entries(options.mounts ?? {})) {
      args.push('--mount', `type=bind,src=${source},dst=${target},options=rbind:ro`);
    }
    if (options.tmpfs) args.push('--mount', 'type=tmpfs,src=tmpfs,dst=/tmp,options=nosuid:nodev:mode=1777');
    for (const [name, value] of Object.entries(options.env ?? {})) args.push('--env', `${name}=${value}`);
    args.push(image, id);
    if (options.command) args.push(...options.command);
    else if (options.args?.length) {
      // ctr replaces the whole process when given arguments: repeat the image's entrypoint
      args.push('/usr/local/bin/node', '/app/main.mjs', ...options.args);
    }
    return args;
  }

  /** Runs a container to completion (`ctr run --rm`, the image's user, read-only root filesystem). */
  runToCompletion(image: string, options: RunOptions = {}, timeoutMs = 120_000): Promise<CommandResult> {
    return this.ctr(this.#runArgs(image, this.#nextId(), options), timeoutMs);
  }

  /** Starts a long-running container; `stop` sends SIGTERM and resolves with its exit code. */
  startContainer(image: string, options: RunOptions = {}): RunningContainer {
    const id = this.#nextId();
    const child = spawn(
      'ctr',
      ['--address', this.socket, '--namespace', this.namespace, ...this.#runArgs(image, id, options)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return new RunningContainer(this, id, child);
  }

  #nextId(): string {
    this.#ids += 1;
    return `sveltos-${process.pid}-${this.#ids}`;
  }

  /** Removes the namespace's containers and images, ends the daemon, deletes its directory. */
  async stop(): Promise<void> {
    try {
      if (this.#daemon.exitCode === null) {
        const containers = await this.ctr(['containers', 'list', '--quiet']);
        for (const id of containers.stdout.split('\n').filter(Boolean)) {
          await this.ctr(['tasks', 'kill', '--signal', 'SIGKILL', id]);
          await this.ctr(['tasks', 'delete', '--force', id]);
          await this.ctr(['containers', 'delete', id]);
        }
        const images = await this.ctr(['images', 'list', '--quiet']);
        const refs = images.stdout.split('\n').filter(Boolean);
        if (refs.length > 0) await this.ctr(['images', 'remove', '--sync', ...refs]);
        await this.ctr(['namespaces', 'remove', this.namespace]);
      }
    } finally {
      if (this.#daemon.exitCode === null) {
        const exited = new Promise((resolve) => this.#daemon.once('exit', resolve));
        this.#daemon.kill('SIGTERM');
        await Promise.race([exited, sleep(10_000, undefined, { ref: false })]);
        if (this.#daemon.exitCode === null) this.#daemon.kill('SIGKILL');
      }
      // the snapshotter's directories are plain directories once no container runs
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

export class RunningContainer {
  readonly id: string;
  readonly exited: Promise<number | null>;
  #containerd: Containerd;
  #output = '';

  constructor(containerd: Containerd, id: string, child: ChildProcess) {
    this.#containerd = containerd;
    this.id = id;
    const append = (chunk: Buffer): void => {
      this.#output = (this.#output + chunk.toString()).slice(-200_000);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  /** stdout and stderr so far (the components log JSON lines to stderr). */
  get output(): string {
    return this.#output;
  }

  /** SIGTERM to the container's process (PID 1); resolves with the container's exit code. */
  async stop(timeoutMs = 30_000): Promise<number | null> {
    await this.#containerd.ctr(['tasks', 'kill', '--signal', 'SIGTERM', this.id]);
    const timeout = sleep(timeoutMs, 'timeout' as const, { ref: false });
    const code = await Promise.race([this.exited, timeout]);
    if (code !== 'timeout') return code;
    await this.#containerd.ctr(['tasks', 'kill', '--signal', 'SIGKILL', this.id]);
    await this.exited;
    throw new Error(`${this.id} ignored SIGTERM for ${timeoutMs / 1000} s`);
  }
}

// `node scripts/images/containerd.ts <archive>... [-- args]`: import the archives into a private containerd
// and run each image once with the arguments (default --help; arguments starting with an absolute path
// replace the entry point), as its user on a read-only root with a tmpfs /tmp; exits non-zero when one
// fails.
if (import.meta.main) {
  const argv = process.argv.slice(2);
  const split = argv.indexOf('--');
  const archives = split === -1 ? argv : argv.slice(0, split);
  const args = split === -1 ? ['--help'] : argv.slice(split + 1);
  if (archives.length === 0) {
    console.error('usage: node scripts/images/containerd.ts <archive>... [-- args]');
    process.exit(2);
  }
  const problem = await ensureTools();
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
  const containerd = await Containerd.start();
  let failed = 0;
  try {
    for (const archive of archives) {
      const image = await containerd.importArchive(archive);
      const replace = args[0]?.startsWith('/') === true;
      const result = await containerd.runToCompletion(
        image,
        replace ? { command: args, tmpfs: true } : { args, tmpfs: true },
      );
      console.log(`${image} ${args.join(' ')}: exit ${result.code}`);
      process.stdout.write(result.stdout);
      process.stderr.write(result.stderr);
      if (result.code !== 0) failed += 1;
    }
  } finally {
    await containerd.stop();
  }
  process.exitCode = failed === 0 ? 0 : 1;
}

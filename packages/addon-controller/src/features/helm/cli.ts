// The helm CLI as a child process: one HelmCli per (reconcile, cluster), with helm's homes under the
// writable cache directory, the managed cluster's credentials in a private kubeconfig file (0600, removed
// on dispose), the tenant impersonated with --kube-as-user, and every run bounded: a run that overruns its
// deadline is killed with its process group.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RestClient } from '@sveltos-ts/kube';
import type { ToolSettings } from '../types.ts';

const MAX_OUTPUT = 4 * 1024 * 1024;

export class HelmCommandError extends Error {
  readonly timedOut: boolean;
  readonly stderr: string;
  constructor(message: string, stderr: string, timedOut: boolean) {
    super(message);
    this.name = 'HelmCommandError';
    this.stderr = stderr;
    this.timedOut = timedOut;
  }
}

/** helm's error text without its `Error: ` prefix and usage noise: what a status message can show. */
export function helmMessage(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('WARNING:') && !/^(walk\.go|coalesce\.go|install\.go):/.test(l));
  const errorLine = lines.findIndex((l) => l.startsWith('Error:'));
  const picked = errorLine >= 0 ? lines.slice(errorLine) : lines.slice(-3);
  return (
    picked
      .join(' ')
      .replace(/^Error: /, '')
      .slice(0, 2000) || 'helm failed without a message'
  );
}

/** Runs `binary args` with `env`; resolves with stdout, rejects with HelmCommandError. */
export function runTool(
  binary: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; timeoutMs: number; cwd?: string; what: string },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, {
      env: options.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      // its own process group: a kill on overrun takes plugins and post-renderers with it
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (c: Buffer) => {
      if (stdout.length < MAX_OUTPUT) stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < MAX_OUTPUT) stderr += c.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new HelmCommandError(`cannot run ${binary}: ${error.message}`, '', false));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut)
        reject(
          new HelmCommandError(
            `${options.what} did not finish within ${Math.round(options.timeoutMs / 1000)} s and was stopped`,
            stderr,
            true,
          ),
        );
      else if (code === 0) resolve(stdout);
      else reject(new HelmCommandError(helmMessage(stderr), stderr, false));
    });
  });
}

export class HelmCli {
  readonly #tools: ToolSettings;
  readonly #client: RestClient;
  readonly #user: string | undefined;
  readonly #home: string;
  #scratch: string | undefined;
  #kubeconfig: string | undefined;
  #files = 0;

  constructor(tools: ToolSettings, client: RestClient, user: string | undefined) {
    this.#tools = tools;
    this.#client = client;
    this.#user = user;
    this.#home = join(tools.cacheDir, 'helm');
  }

  get tools(): ToolSettings {
    return this.#tools;
  }

  /** A private scratch directory for this reconcile (values, CA and credential files). */
  scratch(): string {
    if (this.#scratch === undefined) {
      mkdirSync(this.#tools.cacheDir, { recursive: true, mode: 0o700 });
      this.#scratch = mkdtempSync(join(this.#tools.cacheDir, 'run-'));
    }
    return this.#scratch;
  }

  /** Writes `content` to a new file of the scratch directory, readable by this user only. */
  file(name: string, content: string): string {
    const path = join(this.scratch(), `${this.#files++}-${name}`);
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  }

  #env(): NodeJS.ProcessEnv {
    const registry = join(this.#home, 'registry.json');
    if (!existsSync(registry)) {
      mkdirSync(this.#home, { recursive: true, mode: 0o700 });
      writeFileSync(registry, '{}', { mode: 0o600 });
    }
    return {
      PATH: process.env.PATH,
      HOME: this.#home,
      HELM_CACHE_HOME: join(this.#home, 'cache'),
      HELM_CONFIG_HOME: join(this.#home, 'config'),
      HELM_DATA_HOME: join(this.#home, 'data'),
      // an empty registry config: credentials come from the chart's own settings, never from elsewhere
      HELM_REGISTRY_CONFIG: registry,
      HELM_DRIVER: 'secret',
    };
  }

  /** Flags that point helm at the managed cluster, as the tenant when there is one. */
  #kubeFlags(): string[] {
    if (this.#kubeconfig === undefined)
      this.#kubeconfig = this.file('kubeconfig', this.#client.kubeConfig.exportConfig());
    return ['--kubeconfig', this.#kubeconfig, ...(this.#user ? ['--kube-as-user', this.#user] : [])];
  }

  /** Runs helm; `kube` adds the cluster flags. */
  run(
    args: readonly string[],
    options: { kube: boolean; timeoutMs?: number; what: string },
  ): Promise<string> {
    return runTool(this.#tools.helmBinary, [...args, ...(options.kube ? this.#kubeFlags() : [])], {
      env: this.#env(),
      cwd: this.scratch(),
      timeoutMs: options.timeoutMs ?? this.#tools.commandTimeoutMs,
      what: options.what,
    });
  }

  dispose(): void {
    if (this.#scratch !== undefined) rmSync(this.#scratch, { recursive: true, force: true });
    this.#scratch = undefined;
    this.#kubeconfig = undefined;
  }
}

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { TestEnvError } from './errors.ts';
import { cacheRoot, packageRoot } from './paths.ts';

/** The real control-plane programs the test bed runs, built from the Go modules pinned in `go/go.mod`. */
export interface ControlPlaneBinaries {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  /** Cache directory the binaries live in (keyed by the pinned versions). */
  dir: string;
  /** True when this call built something, false when the cache was warm. */
  built: boolean;
  buildSeconds: number;
}

const goModuleDir = join(packageRoot, 'go');

const programs = [
  { file: 'etcd', pkg: 'go.etcd.io/etcd/server/v3' },
  { file: 'kube-apiserver', pkg: 'k8s.io/kubernetes/cmd/kube-apiserver' },
  { file: 'kube-controller-manager', pkg: 'k8s.io/kubernetes/cmd/kube-controller-manager' },
] as const;

/** Versions read from go.mod so the cache key, the log line and the pins can never disagree. */
export function pinnedVersions(): { kubernetes: string; etcd: string } {
  const goMod = readFileSync(join(goModuleDir, 'go.mod'), 'utf8');
  const version = (module: string): string => {
    const match = new RegExp(`^\\s*${module.replaceAll('.', '\\.')}\\s+(v\\S+)`, 'm').exec(goMod);
    if (!match?.[1]) throw new TestEnvError('TESTENV_PINS', `go.mod does not pin ${module}`);
    return match[1];
  };
  return { kubernetes: version('k8s.io/kubernetes'), etcd: version('go.etcd.io/etcd/server/v3') };
}

function cacheKey(): string {
  const digest = createHash('sha256')
    .update(readFileSync(join(goModuleDir, 'go.mod')))
    .update(readFileSync(join(goModuleDir, 'go.sum')))
    .digest('hex')
    .slice(0, 12);
  const { kubernetes, etcd } = pinnedVersions();
  return `k8s-${kubernetes}-etcd-${etcd}-${digest}`;
}

function runGo(args: string[], log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, {
      cwd: goModuleDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false -mod=readonly' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', (error) =>
      reject(new TestEnvError('TESTENV_BUILD', `cannot run go (is Go installed?): ${error.message}`)),
    );
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else {
        log(output);
        reject(new TestEnvError('TESTENV_BUILD', `go ${args.join(' ')} failed with exit code ${code}`));
      }
    });
  });
}

/**
 * Returns the control-plane binaries, building any that are missing. A cold build compiles
 * kube-apiserver and kube-controller-manager (minutes on two cores); a warm call only checks files.
 */
export async function ensureBinaries(
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<ControlPlaneBinaries> {
  const dir = join(cacheRoot(), 'testenv', cacheKey());
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  let built = false;
  for (const program of programs) {
    const target = join(dir, program.file);
    if (existsSync(target)) continue;
    log(`testenv: building ${program.file} from ${program.pkg} (cache ${dir})`);
    const partial = `${target}.partial-${process.pid}`;
    await runGo(['build', '-trimpath', '-ldflags=-s -w', '-o', partial, program.pkg], log);
    // rename is atomic, so a concurrent or interrupted build never leaves a half-written binary behind
    renameSync(partial, target);
    built = true;
  }
  const buildSeconds = (Date.now() - started) / 1000;
  if (built) {
    const { kubernetes, etcd } = pinnedVersions();
    log(`testenv: built kubernetes ${kubernetes} and etcd ${etcd} in ${buildSeconds.toFixed(1)} s`);
  }
  return {
    etcd: join(dir, 'etcd'),
    kubeApiserver: join(dir, 'kube-apiserver'),
    kubeControllerManager: join(dir, 'kube-controller-manager'),
    dir,
    built,
    buildSeconds,
  };
}

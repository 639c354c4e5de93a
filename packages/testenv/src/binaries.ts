import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { TestEnvError } from './errors.ts';
import { cacheRoot, packageRoot } from './paths.ts';

/** The real programs the test bed runs, built from the Go modules pinned in `go/` and `go-helm/`. */
export interface ControlPlaneBinaries {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  helm: string;
  /** kustomize, built from `go-kustomize/` (the addon-controller renders kustomizationRefs with it). */
  kustomize: string;
  /** The OCI registry (CNCF distribution), built from `go-registry/` (tests serve charts from it). */
  registry: string;
  /**
   * kubelet and kube-scheduler, built from `go-node/` (the same k8s.io/kubernetes as `go/`) only when asked
   * (`ensureBinaries(log, { node: true })`): empty strings otherwise. See node.ts.
   */
  kubelet: string;
  kubeScheduler: string;
  /** Cache directory of the node binaries (also holds the sandbox image), empty unless built. */
  nodeDir: string;
  /** Cache directory of the control-plane binaries (keyed by the pinned versions). */
  dir: string;
  /** True when this call built something, false when the cache was warm. */
  built: boolean;
  buildSeconds: number;
}

/** A Go module of ours that pins upstream programs; each gets a cache directory keyed by its pins. */
interface PinnedModule {
  dir: string;
  programs: ReadonlyArray<{ file: string; pkg: string }>;
  cacheName: (goMod: string) => string;
  /** Built only when the caller asks for it (`ensureBinaries(log, { node: true })`). */
  onDemand?: 'node';
}

const modules: readonly PinnedModule[] = [
  {
    dir: join(packageRoot, 'go'),
    programs: [
      { file: 'etcd', pkg: 'go.etcd.io/etcd/server/v3' },
      { file: 'kube-apiserver', pkg: 'k8s.io/kubernetes/cmd/kube-apiserver' },
      { file: 'kube-controller-manager', pkg: 'k8s.io/kubernetes/cmd/kube-controller-manager' },
    ],
    cacheName: (goMod) =>
      `k8s-${pinnedVersion(goMod, 'k8s.io/kubernetes')}-etcd-${pinnedVersion(goMod, 'go.etcd.io/etcd/server/v3')}`,
  },
  {
    dir: join(packageRoot, 'go-helm'),
    programs: [{ file: 'helm', pkg: 'helm.sh/helm/v3/cmd/helm' }],
    cacheName: (goMod) => `helm-${pinnedVersion(goMod, 'helm.sh/helm/v3')}`,
  },
  {
    dir: join(packageRoot, 'go-kustomize'),
    programs: [{ file: 'kustomize', pkg: 'sigs.k8s.io/kustomize/kustomize/v5' }],
    cacheName: (goMod) => `kustomize-${pinnedVersion(goMod, 'sigs.k8s.io/kustomize/kustomize/v5')}`,
  },
  {
    dir: join(packageRoot, 'go-registry'),
    programs: [{ file: 'registry', pkg: 'github.com/distribution/distribution/v3/cmd/registry' }],
    cacheName: (goMod) => `registry-${pinnedVersion(goMod, 'github.com/distribution/distribution/v3')}`,
  },
  {
    dir: join(packageRoot, 'go-node'),
    programs: [
      { file: 'kubelet', pkg: 'k8s.io/kubernetes/cmd/kubelet' },
      { file: 'kube-scheduler', pkg: 'k8s.io/kubernetes/cmd/kube-scheduler' },
    ],
    cacheName: (goMod) => {
      // one Kubernetes for the whole bed: a kubelet newer or older than its API server is not what we test
      const kubernetes = pinnedVersion(goMod, 'k8s.io/kubernetes');
      const controlPlane = pinnedVersion(
        readFileSync(join(packageRoot, 'go', 'go.mod'), 'utf8'),
        'k8s.io/kubernetes',
      );
      if (kubernetes !== controlPlane) {
        throw new TestEnvError(
          'TESTENV_PINS',
          `go-node pins k8s.io/kubernetes ${kubernetes} but go/ pins ${controlPlane}: keep them equal`,
        );
      }
      return `node-k8s-${kubernetes}`;
    },
    onDemand: 'node',
  },
];

function pinnedVersion(goMod: string, module: string): string {
  const match = new RegExp(`^\\s*(?:require\\s+)?${module.replaceAll('.', '\\.')}\\s+(v\\S+)`, 'm').exec(
    goMod,
  );
  if (!match?.[1]) throw new TestEnvError('TESTENV_PINS', `go.mod does not pin ${module}`);
  return match[1];
}

/** Versions read from the go.mod files so the cache key, the log line and the pins can never disagree. */
export function pinnedVersions(): { kubernetes: string; etcd: string; helm: string } {
  const read = (dir: string): string => readFileSync(join(packageRoot, dir, 'go.mod'), 'utf8');
  return {
    kubernetes: pinnedVersion(read('go'), 'k8s.io/kubernetes'),
    etcd: pinnedVersion(read('go'), 'go.etcd.io/etcd/server/v3'),
    helm: pinnedVersion(read('go-helm'), 'helm.sh/helm/v3'),
  };
}

function cacheDir(module: PinnedModule): string {
  const goMod = readFileSync(join(module.dir, 'go.mod'), 'utf8');
  const digest = createHash('sha256')
    .update(goMod)
    .update(readFileSync(join(module.dir, 'go.sum')))
    .digest('hex')
    .slice(0, 12);
  return join(cacheRoot(), 'testenv', `${module.cacheName(goMod)}-${digest}`);
}

function runGo(cwd: string, args: string[], log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, {
      cwd,
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
 * Returns the binaries, building any that are missing. A cold build compiles kube-apiserver,
 * kube-controller-manager and helm (minutes on two cores); a warm call only checks files.
 */
export async function ensureBinaries(
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  options: { node?: boolean } = {},
): Promise<ControlPlaneBinaries> {
  const started = Date.now();
  let built = false;
  const paths = new Map<string, string>();
  const dirs: string[] = [];
  let nodeDir = '';
  for (const module of modules) {
    if (module.onDemand === 'node' && !options.node) continue;
    const dir = cacheDir(module);
    if (module.onDemand === 'node') nodeDir = dir;
    dirs.push(dir);
    mkdirSync(dir, { recursive: true });
    for (const program of module.programs) {
      const target = join(dir, program.file);
      paths.set(program.file, target);
      if (existsSync(target)) continue;
      log(`testenv: building ${program.file} from ${program.pkg} (cache ${dir})`);
      const partial = `${target}.partial-${process.pid}`;
      await runGo(module.dir, ['build', '-trimpath', '-ldflags=-s -w', '-o', partial, program.pkg], log);
      // rename is atomic, so a concurrent or interrupted build never leaves a half-written binary behind
      renameSync(partial, target);
      built = true;
    }
  }
  const buildSeconds = (Date.now() - started) / 1000;
  if (built) {
    const { kubernetes, etcd, helm } = pinnedVersions();
    log(
      `testenv: built kubernetes ${kubernetes}, etcd ${etcd} and helm ${helm} in ${buildSeconds.toFixed(1)} s`,
    );
  }
  const path = (file: string): string => paths.get(file) ?? '';
  return {
    etcd: path('etcd'),
    kubeApiserver: path('kube-apiserver'),
    kubeControllerManager: path('kube-controller-manager'),
    helm: path('helm'),
    kustomize: path('kustomize'),
    registry: path('registry'),
    kubelet: path('kubelet'),
    kubeScheduler: path('kube-scheduler'),
    nodeDir,
    dir: dirs[0] ?? '',
    built,
    buildSeconds,
  };
}

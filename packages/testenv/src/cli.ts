#!/usr/bin/env node
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { parseAllDocuments } from 'yaml';
import { ensureBinaries, pinnedVersions } from './binaries.ts';
import { TestEnvError } from './errors.ts';
import { cleanupNodes, ensureNodeHost, ensurePauseArchive } from './node.ts';
import { cacheRoot, packageRoot } from './paths.ts';
import { killRecorded } from './processes.ts';
import { standardClusters } from './shared.ts';
import { TestEnv } from './testenv.ts';

const defaultRunDir = (): string => join(cacheRoot(), 'testenv', 'runs', 'default');
const runDirOption = [
  '--run-dir <dir>',
  'where the background bed keeps its state',
  defaultRunDir(),
] as const;

function clusterList(value: string): string[] {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0) throw new InvalidArgumentError('give at least one cluster name');
  return names;
}

/** CRD manifests from files or directories of YAML. */
function readCrds(paths: string[]): object[] {
  const files = paths.flatMap((path) =>
    existsSync(path) && !path.endsWith('.yaml') && !path.endsWith('.yml')
      ? readdirSync(path)
          .filter((file) => /\.ya?ml$/.test(file))
          .sort()
          .map((file) => join(path, file))
      : [path],
  );
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(file, 'utf8'))
      .map((doc) => doc.toJSON() as object | null)
      .filter((doc): doc is object => doc !== null),
  );
}

const program = new Command('testenv')
  .description('Local Kubernetes control planes (real etcd + kube-apiserver) for tests and demos')
  .showHelpAfterError();

program
  .command('build')
  .description('build the pinned etcd, kube-apiserver, kube-controller-manager and helm (cached)')
  .option('--node', 'also the node: kubelet, kube-scheduler, the sandbox image and Debian packages (root)')
  .action(async (options: { node?: boolean }) => {
    const binaries = await ensureBinaries(undefined, { node: options.node === true });
    const { kubernetes, etcd, helm } = pinnedVersions();
    const state = binaries.built ? 'built' : 'cached';
    console.log(
      `kubernetes ${kubernetes}, etcd ${etcd}, helm ${helm} (${state}): ${binaries.dir}, ${binaries.helm}`,
    );
    if (options.node) {
      const log = (line: string): void => void process.stderr.write(`${line}\n`);
      await ensureNodeHost(log);
      const pause = await ensurePauseArchive(binaries.nodeDir, join(packageRoot, 'go-node'), log);
      console.log(`node: ${binaries.kubelet}, ${binaries.kubeScheduler}, ${pause}`);
    }
  });

program
  .command('up')
  .description('start clusters in the background; prints a kubeconfig per cluster')
  .option(
    '--clusters <names>',
    'comma-separated cluster names',
    clusterList,
    standardClusters.map((c) => c.name),
  )
  .option('--crds <paths...>', 'CRD YAML files or directories to install in every cluster', [])
  .option(
    '--nodes <names>',
    'comma-separated clusters that get a real node (kubelet, containerd, scheduler; needs root)',
    clusterList,
    [],
  )
  .option(...runDirOption)
  .action(async (options: { clusters: string[]; crds: string[]; nodes: string[]; runDir: string }) => {
    const runDir = options.runDir;
    if (existsSync(join(runDir, 'state.json'))) {
      throw new TestEnvError(
        'TESTENV_STATE',
        `a bed is already running (${runDir}); run "testenv down" first`,
      );
    }
    const crds = readCrds(options.crds);
    const unknown = options.nodes.filter((name) => !options.clusters.includes(name));
    if (unknown.length > 0) {
      throw new TestEnvError('TESTENV_START', `--nodes names unknown clusters: ${unknown.join(', ')}`);
    }
    const clusters = options.clusters.map((name) => ({ name, node: options.nodes.includes(name) }));
    const env = await TestEnv.start({ clusters, runDir, detached: true });
    if (crds.length > 0) await Promise.all(env.clusters().map((cluster) => cluster.installCrds(crds)));
    for (const cluster of env.clusters()) {
      const node = cluster.node ? `\tnode ${cluster.node.name} ${cluster.node.ip}` : '';
      console.log(`${cluster.name}\t${cluster.server}\t${cluster.kubeconfigPath}${node}`);
    }
    console.log(`\nlogs and data: ${runDir}\nstop with: testenv down`);
  });

program
  .command('status')
  .description('show the running background bed')
  .option(...runDirOption)
  .action((options: { runDir: string }) => {
    const stateFile = join(options.runDir, 'state.json');
    if (!existsSync(stateFile)) {
      console.log('no bed running');
      process.exitCode = 3;
      return;
    }
    const env = TestEnv.attach(stateFile);
    for (const cluster of env.clusters()) {
      const node = cluster.node ? `\tnode ${cluster.node.name} ${cluster.node.ip}` : '';
      console.log(`${cluster.name}\t${cluster.server}\t${cluster.kubeconfigPath}${node}`);
    }
  });

program
  .command('down')
  .description('stop the background bed and delete its data')
  .option(...runDirOption)
  .action(async (options: { runDir: string }) => {
    const runDir = options.runDir;
    const stopped = await killRecorded(runDir);
    await cleanupNodes(runDir);
    rmSync(runDir, { recursive: true, force: true });
    console.log(stopped > 0 ? `stopped ${stopped} process(es)` : 'nothing was running');
  });

program.parseAsync().catch((error: unknown) => {
  const code = error instanceof TestEnvError ? error.code : 'TESTENV_ERROR';
  console.error(`testenv: ${(error as Error).message} [${code}]`);
  process.exit(2);
});

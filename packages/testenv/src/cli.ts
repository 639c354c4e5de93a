#!/usr/bin/env node
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { parseAllDocuments } from 'yaml';
import { ensureBinaries, pinnedVersions } from './binaries.ts';
import { TestEnvError } from './errors.ts';
import { cacheRoot } from './paths.ts';
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
  .action(async () => {
    const binaries = await ensureBinaries();
    const { kubernetes, etcd, helm } = pinnedVersions();
    const state = binaries.built ? 'built' : 'cached';
    console.log(
      `kubernetes ${kubernetes}, etcd ${etcd}, helm ${helm} (${state}): ${binaries.dir}, ${binaries.helm}`,
    );
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
  .option(...runDirOption)
  .action(async (options: { clusters: string[]; crds: string[]; runDir: string }) => {
    const runDir = options.runDir;
    if (existsSync(join(runDir, 'state.json'))) {
      throw new TestEnvError(
        'TESTENV_STATE',
        `a bed is already running (${runDir}); run "testenv down" first`,
      );
    }
    const crds = readCrds(options.crds);
    const env = await TestEnv.start({ clusters: options.clusters, runDir, detached: true });
    if (crds.length > 0) await Promise.all(env.clusters().map((cluster) => cluster.installCrds(crds)));
    for (const cluster of env.clusters())
      console.log(`${cluster.name}\t${cluster.server}\t${cluster.kubeconfigPath}`);
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
    for (const cluster of env.clusters())
      console.log(`${cluster.name}\t${cluster.server}\t${cluster.kubeconfigPath}`);
  });

program
  .command('down')
  .description('stop the background bed and delete its data')
  .option(...runDirOption)
  .action(async (options: { runDir: string }) => {
    const runDir = options.runDir;
    const stopped = await killRecorded(runDir);
    rmSync(runDir, { recursive: true, force: true });
    console.log(stopped > 0 ? `stopped ${stopped} process(es)` : 'nothing was running');
  });

program.parseAsync().catch((error: unknown) => {
  const code = error instanceof TestEnvError ? error.code : 'TESTENV_ERROR';
  console.error(`testenv: ${(error as Error).message} [${code}]`);
  process.exit(2);
});

#!/usr/bin/env node
// The sveltos-agent process, in either hosting of SPEC §2:
//  --hosting=managed     in the managed cluster; pushes EventReports to the management cluster with
//                        credentials limited to its cluster's namespace (the Helm chart's way);
//  --hosting=management  in the management cluster; one agent per registered cluster, each watching its
//                        cluster through the kubeconfig Secret it was registered with.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import { CLUSTER_TYPES, type ClusterType } from '@sveltos-ts/api';
import { ClusterRegistry } from '@sveltos-ts/clusters';
import { LuaRuntime } from '@sveltos-ts/evaluation';
import { LeaderElector, type LogLevel, RestClient } from '@sveltos-ts/kube';
import { ProcessRuntime } from '@sveltos-ts/runtime';
import { Command, InvalidArgumentError, Option } from 'commander';
import { SveltosAgent } from './agent.ts';
import { fileBackedClient } from './credentials.ts';
import { evaluationCompiler } from './evaluator.ts';
import { AgentFleet } from './fleet.ts';
import { agentMetrics } from './metrics.ts';

interface Flags {
  hosting: 'managed' | 'management';
  kubeconfig?: string;
  managementKubeconfig?: string;
  clusterNamespace?: string;
  clusterName?: string;
  clusterType: ClusterType;
  metricsPort: number;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  coalesceMs: number;
  logLevel: LogLevel;
}

/** What runs while this replica leads (or always, without leader election). */
interface Workload {
  start(): void;
  stop(): Promise<void>;
  synced(): boolean;
  watchedObjects(): number;
}

function integer(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new InvalidArgumentError('expected a non-negative integer');
  return parsed;
}

const program = new Command('sveltos-agent')
  .description('Evaluates EventSources and reports matches to the management cluster as EventReports')
  .addOption(
    new Option(
      '--hosting <where>',
      'managed: in the managed cluster; management: one agent per registered cluster',
    )
      .choices(['managed', 'management'])
      .default('managed'),
  )
  .option(
    '--kubeconfig <path>',
    'the cluster this process runs in (default: in-cluster config or $KUBECONFIG)',
  )
  .option(
    '--management-kubeconfig <path>',
    'managed hosting: credentials for EventReports in the management cluster',
  )
  .option('--cluster-namespace <ns>', 'managed hosting: namespace of this cluster in the management cluster')
  .option('--cluster-name <name>', 'managed hosting: name of this cluster in the management cluster')
  .addOption(
    new Option('--cluster-type <type>', 'how the cluster is registered')
      .choices(CLUSTER_TYPES)
      .default('Sveltos'),
  )
  .option('--metrics-port <port>', 'port of /metrics, /healthz and /readyz', integer, 8080)
  .option('--leader-elect', 'run only while holding the Lease (for several replicas)', false)
  .option('--leader-election-namespace <ns>', 'namespace of the Lease', 'projectsveltos')
  .option('--coalesce-ms <ms>', 'window in which changes are evaluated together', integer, 30)
  .addOption(
    new Option('--log-level <level>', 'log level')
      .choices(['debug', 'info', 'warn', 'error'])
      .default('info'),
  )
  .showHelpAfterError();

async function main(flags: Flags): Promise<void> {
  if (flags.hosting === 'managed') {
    const missing = (['managementKubeconfig', 'clusterNamespace', 'clusterName'] as const).filter(
      (f) => !flags[f],
    );
    if (missing.length > 0) {
      const names = missing.map((f) => `--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
      program.error(`--hosting=managed needs ${names.join(', ')}`, { exitCode: 2 });
    }
  }
  const runtime = new ProcessRuntime({ name: 'sveltos-agent', logLevel: flags.logLevel });
  const config = new KubeConfig();
  if (flags.kubeconfig) config.loadFromFile(flags.kubeconfig);
  else config.loadFromDefault();
  const local = new RestClient(config);
  const compile = evaluationCompiler(await LuaRuntime.create());

  let registry: ClusterRegistry | undefined;
  if (flags.hosting === 'management') {
    // the event-manager owns SveltosCluster status; this process only reads it
    registry = new ClusterRegistry({ client: local, logger: runtime.logger, manageStatus: false });
    await registry.start();
    runtime.onShutdown('cluster registry', () => registry?.stop());
  }

  let workload: Workload | undefined;
  const createWorkload = (): Workload => {
    const metrics = agentMetrics(runtime.metrics, () => workload?.watchedObjects() ?? 0);
    if (registry) {
      return new AgentFleet({
        registry,
        managementClient: local,
        compile,
        coalesceMs: flags.coalesceMs,
        logger: runtime.logger,
        metrics,
      });
    }
    return new SveltosAgent({
      cluster: { namespace: flags.clusterNamespace!, name: flags.clusterName!, type: flags.clusterType },
      managedClient: local,
      reportClient: fileBackedClient(flags.managementKubeconfig!),
      compile,
      coalesceMs: flags.coalesceMs,
      logger: runtime.logger,
      metrics,
    });
  };
  const begin = (): void => {
    workload = createWorkload();
    workload.start();
  };

  runtime.addReadiness('informers', () =>
    workload ? workload.synced() || 'informers not synced' : 'not leading',
  );
  runtime.onShutdown('agent', () => workload?.stop());
  await runtime.listen(flags.metricsPort, '0.0.0.0');

  if (!flags.leaderElect) {
    begin();
    return;
  }
  const elector = new LeaderElector({
    client: local,
    namespace: flags.leaderElectionNamespace,
    name: flags.hosting === 'managed' ? `sveltos-agent-${flags.clusterName}` : 'sveltos-agent-management',
    identity: `${hostname()}-${randomBytes(4).toString('hex')}`,
    logger: runtime.logger,
    onStartedLeading: begin,
    onStoppedLeading: () => {
      const stopping = workload;
      workload = undefined;
      void stopping?.stop();
    },
  });
  runtime.onShutdown('leader election', () => elector.stop());
  void elector.start();
}

program.parse();
main(program.opts<Flags>()).catch((error: unknown) => {
  console.error(`sveltos-agent: ${(error as Error).message}`);
  process.exit(1);
});

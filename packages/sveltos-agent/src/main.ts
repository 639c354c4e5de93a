#!/usr/bin/env node
// The sveltos-agent process, hosted in the managed cluster (SPEC §2 (a)): it evaluates that cluster and
// pushes EventReports to the management cluster with credentials limited to its cluster's namespace.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import { CLUSTER_TYPES, type ClusterType } from '@sveltos-ts/api';
import { LuaRuntime } from '@sveltos-ts/evaluation';
import { LeaderElector, type LogLevel, RestClient } from '@sveltos-ts/kube';
import { ProcessRuntime } from '@sveltos-ts/runtime';
import { Command, InvalidArgumentError, Option } from 'commander';
import { SveltosAgent } from './agent.ts';
import { fileBackedClient } from './credentials.ts';
import { evaluationCompiler } from './evaluator.ts';
import { agentMetrics } from './metrics.ts';

interface Flags {
  kubeconfig?: string;
  managementKubeconfig: string;
  clusterNamespace: string;
  clusterName: string;
  clusterType: ClusterType;
  metricsPort: number;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  coalesceMs: number;
  logLevel: LogLevel;
}

function integer(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new InvalidArgumentError('expected a non-negative integer');
  return parsed;
}

const program = new Command('sveltos-agent')
  .description('Evaluates EventSources in this cluster and reports matches to the management cluster')
  .option('--kubeconfig <path>', 'the managed cluster (default: in-cluster config or $KUBECONFIG)')
  .requiredOption('--management-kubeconfig <path>', 'credentials for EventReports in the management cluster')
  .requiredOption('--cluster-namespace <ns>', 'namespace of this cluster in the management cluster')
  .requiredOption('--cluster-name <name>', 'name of this cluster in the management cluster')
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
  const runtime = new ProcessRuntime({ name: 'sveltos-agent', logLevel: flags.logLevel });
  const managedConfig = new KubeConfig();
  if (flags.kubeconfig) managedConfig.loadFromFile(flags.kubeconfig);
  else managedConfig.loadFromDefault();
  const managedClient = new RestClient(managedConfig);
  const lua = await LuaRuntime.create();

  let agent: SveltosAgent | undefined;
  const startAgent = (): SveltosAgent => {
    const created: SveltosAgent = new SveltosAgent({
      cluster: { namespace: flags.clusterNamespace, name: flags.clusterName, type: flags.clusterType },
      managedClient,
      reportClient: fileBackedClient(flags.managementKubeconfig),
      compile: evaluationCompiler(lua),
      coalesceMs: flags.coalesceMs,
      logger: runtime.logger,
      metrics: agentMetrics(runtime.metrics, () => created.watchedObjects()),
    });
    created.start();
    return created;
  };

  runtime.addReadiness('informers', () => (agent ? agent.synced() || 'informers not synced' : 'not leading'));
  runtime.onShutdown('agent', () => agent?.stop());
  await runtime.listen(flags.metricsPort, '0.0.0.0');

  if (!flags.leaderElect) {
    agent = startAgent();
    return;
  }
  const elector = new LeaderElector({
    client: managedClient,
    namespace: flags.leaderElectionNamespace,
    name: `sveltos-agent-${flags.clusterName}`,
    identity: `${hostname()}-${randomBytes(4).toString('hex')}`,
    logger: runtime.logger,
    onStartedLeading: () => {
      agent = startAgent();
    },
    onStoppedLeading: () => {
      const stopping = agent;
      agent = undefined;
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

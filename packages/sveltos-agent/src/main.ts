#!/usr/bin/env node
// The sveltos-agent process, in either hosting of docs/architecture.md:
//  --hosting=managed     in the managed cluster; pushes EventReports to the management cluster with
//                        credentials limited to its cluster's namespace (the Helm chart's way);
//  --hosting=management  in the management cluster; one agent per registered cluster, each watching its
//                        cluster through the kubeconfig Secret it was registered with.
import { CLUSTER_TYPES, type ClusterType } from '@sveltos-ts/api';
import { LuaSandbox } from '@sveltos-ts/evaluation';
import { type LogLevel, loadKubeConfig } from '@sveltos-ts/kube';
import {
  addLeaderElectionFlags,
  type LeaderElectionFlags,
  leaderElectionConfig,
  Manager,
  ProcessRuntime,
  serveManager,
} from '@sveltos-ts/runtime';
import { Command, InvalidArgumentError, Option } from 'commander';
import { SveltosAgent } from './agent.ts';
import { fileBackedClient } from './credentials.ts';
import { evaluationCompiler } from './evaluator.ts';
import { AgentFleet } from './fleet.ts';
import { agentMetrics } from './metrics.ts';

interface Flags extends LeaderElectionFlags {
  hosting: 'managed' | 'management';
  kubeconfig?: string;
  managementKubeconfig?: string;
  clusterNamespace?: string;
  clusterName?: string;
  clusterType: ClusterType;
  metricsPort: number;
  leaderElectionNamespace: string;
  coalesceMs: number;
  localReportsNamespace: string;
  logLevel: LogLevel;
  shardKey: string;
}

/** What runs while this replica leads (or always, without leader election). */
interface Workload {
  start(): void;
  stop(): Promise<void>;
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
  .option('--leader-election-namespace <ns>', 'namespace of the Lease', 'projectsveltos')
  .option('--coalesce-ms <ms>', 'window in which changes are evaluated together', integer, 30)
  .option(
    '--local-reports-namespace <ns>',
    'managed hosting: where the agent keeps its own copy of each EventReport in its cluster',
    'projectsveltos',
  )
  .option(
    '--shard-key <key>',
    'management hosting: only clusters whose sharding.projectsveltos.io/key annotation is this key (default: those without it)',
    '',
  )
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
    if (flags.shardKey)
      program.error(
        '--shard-key: only the management hosting is sharded (a managed agent serves its own cluster)',
        {
          exitCode: 2,
        },
      );
  }
  if (flags.shardKey && !/^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/.test(flags.shardKey))
    program.error(
      `--shard-key=${flags.shardKey}: a shard key is lower-case letters, digits, '-' and '.' (at most 63, starting and ending with a letter or digit)`,
      { exitCode: 2 },
    );
  const runtime = new ProcessRuntime({ name: 'sveltos-agent', logLevel: flags.logLevel });
  const lease =
    flags.hosting === 'managed' ? `sveltos-agent-${flags.clusterName}` : 'sveltos-agent-management';
  const manager = new Manager({
    name: 'sveltos-agent',
    kubeConfig: loadKubeConfig({ file: flags.kubeconfig }),
    logger: runtime.logger,
    metrics: runtime.metrics,
    leaderElection: leaderElectionConfig(flags, { namespace: flags.leaderElectionNamespace, name: lease }),
    shardKey: flags.shardKey,
  });
  const compile = evaluationCompiler(new LuaSandbox());
  // management hosting: the registered clusters (the event-manager owns their status; this reads it)
  const registry = flags.hosting === 'management' ? manager.clusters() : undefined;

  let workload: Workload | undefined;
  const metrics = agentMetrics(runtime.metrics, () => workload?.watchedObjects() ?? 0);
  const createWorkload = (): Workload =>
    registry
      ? new AgentFleet({
          registry,
          managementClient: manager.client,
          compile,
          coalesceMs: flags.coalesceMs,
          logger: runtime.logger,
          metrics,
        })
      : new SveltosAgent({
          cluster: { namespace: flags.clusterNamespace!, name: flags.clusterName!, type: flags.clusterType },
          managedClient: manager.client,
          reportClient: fileBackedClient(flags.managementKubeconfig!),
          compile,
          coalesceMs: flags.coalesceMs,
          localReportsNamespace: flags.localReportsNamespace,
          logger: runtime.logger,
          metrics,
        });
  // a fresh agent per leadership term: nothing of a lost term is reused
  manager.component('sveltos-agent', (term) =>
    term.run('agent', {
      start: () => {
        workload = createWorkload();
        workload.start();
      },
      stop: async () => {
        const stopping = workload;
        workload = undefined;
        await stopping?.stop();
      },
    }),
  );
  serveManager(runtime, manager);
  await runtime.listen(flags.metricsPort, '0.0.0.0');
  await manager.start();
}

addLeaderElectionFlags(program);
program.parse();
main(program.opts<Flags>()).catch((error: unknown) => {
  console.error(`sveltos-agent: ${(error as Error).message}`);
  process.exit(1);
});

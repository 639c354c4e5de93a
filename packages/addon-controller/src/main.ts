// The addon-controller process: flags, JSON logs, metrics and health endpoints, leader election, SIGTERM.

import { KubeConfig } from '@kubernetes/client-node';
import { SVELTOS_NAMESPACE } from '@sveltos-ts/api';
import type { LogLevel } from '@sveltos-ts/kube';
import { ProcessRuntime } from '@sveltos-ts/runtime';
import { Command, InvalidArgumentError, Option } from 'commander';
import { startAddonController } from './controller.ts';

const port = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('not a port number');
  return n;
};

const program = new Command('addon-controller')
  .description('Deploys ClusterProfiles into the matching clusters (Sveltos)')
  .option(
    '--kubeconfig <path>',
    'kubeconfig of the management cluster (default: in-cluster or ~/.kube/config)',
  )
  .option('--metrics-port <port>', 'port of /metrics, /healthz and /readyz (0: any free port)', port, 8081)
  .option('--leader-elect', 'elect a leader through a Lease so only one replica reconciles', false)
  .addOption(
    new Option('--log-level <level>', 'log level')
      .choices(['debug', 'info', 'warn', 'error'])
      .default('info'),
  )
  .parse();

const flags = program.opts<{
  kubeconfig?: string;
  metricsPort: number;
  leaderElect: boolean;
  logLevel: LogLevel;
}>();
const runtime = new ProcessRuntime({ name: 'addon-controller', logLevel: flags.logLevel });
const kubeConfig = new KubeConfig();
if (flags.kubeconfig) kubeConfig.loadFromFile(flags.kubeconfig);
else kubeConfig.loadFromDefault();
const namespace = process.env.NAMESPACE || SVELTOS_NAMESPACE;

try {
  await runtime.listen(flags.metricsPort, '0.0.0.0');
  const controller = await startAddonController({
    managementKubeConfig: kubeConfig,
    logger: runtime.logger,
    metrics: runtime.metrics,
    ...(flags.leaderElect ? { leaderElection: { namespace } } : {}),
  });
  runtime.addReadiness('reconcilers', () => controller.ready() || 'not leading or caches not synced');
  runtime.onShutdown('addon-controller', () => controller.stop());
} catch (error) {
  runtime.logger.error('addon-controller failed to start', { error: (error as Error).message });
  await runtime.shutdown();
  process.exit(1);
}

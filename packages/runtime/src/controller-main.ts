import { KubeConfig } from '@kubernetes/client-node';
import type { Logger, LogLevel } from '@sveltos-ts/kube';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Registry } from 'prom-client';
import { ProcessRuntime } from './process.ts';

/** What a management-cluster controller's start function receives. */
export interface ControllerContext {
  managementKubeConfig: KubeConfig;
  logger: Logger;
  metrics: Registry;
  /** Set with --leader-elect: elect through a Lease in the process's namespace ($NAMESPACE). */
  leaderElection: { namespace: string } | undefined;
}

export interface RunningController {
  ready(): boolean;
  stop(): Promise<void>;
}

export interface ControllerMainOptions {
  name: string;
  description: string;
  defaultMetricsPort: number;
  /** Namespace used when $NAMESPACE is not set (upstream: projectsveltos). */
  defaultNamespace: string;
  start(context: ControllerContext): Promise<RunningController>;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('not a port number');
  return n;
}

/**
 * The shared process entry of the management-cluster controllers: the same flags (--kubeconfig,
 * --metrics-port, --leader-elect, --log-level), JSON logs, metrics and health endpoints, readiness from
 * the controller, graceful SIGTERM, and exit code 1 with a logged reason when start-up fails.
 */
export async function runControllerMain(options: ControllerMainOptions, argv = process.argv): Promise<void> {
  const program = new Command(options.name)
    .description(options.description)
    .option(
      '--kubeconfig <path>',
      'kubeconfig of the management cluster (default: in-cluster or ~/.kube/config)',
    )
    .option(
      '--metrics-port <port>',
      'port of /metrics, /healthz and /readyz (0: any free port)',
      port,
      options.defaultMetricsPort,
    )
    .option('--leader-elect', 'elect a leader through a Lease so only one replica reconciles', false)
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['debug', 'info', 'warn', 'error'])
        .default('info'),
    )
    .parse(argv);
  const flags = program.opts<{
    kubeconfig?: string;
    metricsPort: number;
    leaderElect: boolean;
    logLevel: LogLevel;
  }>();
  const runtime = new ProcessRuntime({ name: options.name, logLevel: flags.logLevel });
  // upstream's NAMESPACE: where the controller's own objects and its Lease live
  const namespace = process.env.NAMESPACE || options.defaultNamespace;
  try {
    const kubeConfig = new KubeConfig();
    if (flags.kubeconfig) kubeConfig.loadFromFile(flags.kubeconfig);
    else kubeConfig.loadFromDefault();
    await runtime.listen(flags.metricsPort, '0.0.0.0');
    const controller = await options.start({
      managementKubeConfig: kubeConfig,
      logger: runtime.logger,
      metrics: runtime.metrics,
      leaderElection: flags.leaderElect ? { namespace } : undefined,
    });
    runtime.addReadiness('reconcilers', () => controller.ready() || 'not leading or caches not synced');
    runtime.onShutdown(options.name, () => controller.stop());
  } catch (error) {
    runtime.logger.error(`${options.name} failed to start`, { error: (error as Error).message });
    await runtime.shutdown();
    process.exit(1);
  }
}

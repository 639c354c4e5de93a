import { type Logger, type LogLevel, loadKubeConfig } from '@sveltos-ts/kube';
import { Command, InvalidArgumentError, Option } from 'commander';
import { Manager } from './manager.ts';
import { ProcessRuntime } from './process.ts';

/** What a management-cluster component's set-up receives besides the Manager. */
export interface ControllerContext {
  logger: Logger;
  /** Where the component's own objects and its Lease live ($NAMESPACE, upstream's convention). */
  namespace: string;
}

export interface ControllerMainOptions {
  name: string;
  description: string;
  defaultMetricsPort: number;
  /** Namespace used when $NAMESPACE is not set (upstream: projectsveltos). */
  defaultNamespace: string;
  /** Adds the component's controllers to the Manager (before it starts). */
  setup(manager: Manager, context: ControllerContext): void | Promise<void>;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('not a port number');
  return n;
}

/** Process wiring shared by every Manager-based entry: readiness and liveness from the Manager, and an
 * orderly stop (controllers, then caches) on SIGTERM. */
export function serveManager(runtime: ProcessRuntime, manager: Manager): void {
  runtime.addReadiness('manager', () => manager.ready());
  runtime.addHealth('manager', () => manager.healthy());
  runtime.onShutdown(manager.name, () => manager.stop());
}

/**
 * The process entry of the management-cluster controllers: the same flags (--kubeconfig, --metrics-port,
 * --leader-elect, --log-level), one Manager, JSON logs, metrics and health endpoints, graceful SIGTERM,
 * and exit code 1 with a logged reason when start-up fails.
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
  const namespace = process.env.NAMESPACE || options.defaultNamespace;
  try {
    const manager = new Manager({
      name: options.name,
      kubeConfig: loadKubeConfig({ file: flags.kubeconfig }),
      logger: runtime.logger,
      metrics: runtime.metrics,
      leaderElection: flags.leaderElect ? { namespace } : undefined,
    });
    await options.setup(manager, { logger: runtime.logger, namespace });
    serveManager(runtime, manager);
    await runtime.listen(flags.metricsPort, '0.0.0.0');
    await manager.start();
  } catch (error) {
    runtime.logger.error(`${options.name} failed to start`, { error: (error as Error).message });
    await runtime.shutdown();
    process.exit(1);
  }
}

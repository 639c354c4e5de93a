import { type Logger, type LogLevel, loadKubeConfig, silentLogger } from '@sveltos-ts/kube';
import { Command, InvalidArgumentError, Option } from 'commander';
import { addLeaderElectionFlags, type LeaderElectionFlags, leaderElectionConfig } from './flags.ts';
import { watchLogLevel } from './log-level.ts';
import { Manager } from './manager.ts';
import { ProcessRuntime } from './process.ts';
import {
  type AppliedUpstreamFlags,
  addUpstreamFlags,
  applyUpstreamFlags,
  type UpstreamFlags,
} from './upstream-flags.ts';

/** What a management-cluster component's set-up receives besides the Manager. */
export interface ControllerContext {
  logger: Logger;
  /** --manage-cluster-status: probe SveltosClusters and write their readiness (one component should). */
  manageClusterStatus: boolean;
  /** Where the component's own objects and its Lease live ($NAMESPACE, upstream's convention). */
  namespace: string;
  /** --concurrent-reconciles: workers of the component's main unit (its default when undefined). */
  workers: number | undefined;
  /** The parsed values of the component's own flags (`addFlags`). */
  flags: Record<string, unknown>;
}

export interface ControllerMainOptions {
  name: string;
  description: string;
  defaultMetricsPort: number;
  /** Namespace used when $NAMESPACE is not set (upstream: projectsveltos). */
  defaultNamespace: string;
  /** Whether this component probes SveltosClusters unless told otherwise. */
  managesClusterStatus: boolean;
  /** Adds the component's own flags to the common ones. */
  addFlags?(program: Command): void;
  /** Adds the component's controllers to the Manager (before it starts). */
  setup(manager: Manager, context: ControllerContext): void | Promise<void>;
}

function bool(value: string | undefined): boolean {
  if (value === undefined || value === 'true') return true;
  if (value === 'false') return false;
  throw new InvalidArgumentError('expected true or false');
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
  const program = new Command(options.name).description(options.description);
  program
    .option(
      '--kubeconfig <path>',
      'kubeconfig of the management cluster (default: in-cluster or ~/.kube/config)',
    )
    .option(
      '--metrics-port <port>',
      'port of /metrics, /healthz and /readyz (0: any free port)',
      port,
      options.defaultMetricsPort,
    );
  addLeaderElectionFlags(program)
    .option(
      '--webhook-port <port>',
      'port of the HTTPS webhook server (when the component serves one)',
      port,
      9443,
    )
    .option(
      '--webhook-cert-dir <dir>',
      'directory holding tls.crt and tls.key of the webhook server (reloaded when they change)',
      '/tmp/k8s-webhook-server/serving-certs',
    )
    .addOption(
      new Option('--manage-cluster-status [bool]', 'probe SveltosClusters and write their readiness')
        .argParser(bool)
        .default(options.managesClusterStatus),
    )
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['debug', 'info', 'warn', 'error'])
        .default('info'),
    );
  addUpstreamFlags(program);
  options.addFlags?.(program);
  program.parse(argv);
  const flags = program.opts<
    {
      kubeconfig?: string;
      metricsPort: number;
      logLevel: LogLevel;
      manageClusterStatus: boolean;
      webhookPort: number;
      webhookCertDir: string;
    } & LeaderElectionFlags &
      UpstreamFlags
  >();
  const upstream = ((): AppliedUpstreamFlags => {
    try {
      return applyUpstreamFlags(flags, silentLogger);
    } catch (error) {
      return program.error(`${options.name}: ${(error as Error).message}`, { exitCode: 2 });
    }
  })();
  // an explicit --log-level wins over upstream's --v
  const logLevel =
    program.getOptionValueSource('logLevel') === 'cli'
      ? flags.logLevel
      : (upstream.logLevel ?? flags.logLevel);
  const runtime = new ProcessRuntime({ name: options.name, logLevel });
  applyUpstreamFlags(flags, runtime.logger);
  const namespace = process.env.NAMESPACE || options.defaultNamespace;
  try {
    const manager = new Manager({
      name: options.name,
      kubeConfig: loadKubeConfig({ file: flags.kubeconfig }),
      logger: runtime.logger,
      metrics: runtime.metrics,
      leaderElection: leaderElectionConfig(flags, { namespace }),
      webhook: { port: flags.webhookPort, certDir: flags.webhookCertDir },
      clientRateLimit: upstream.rateLimit,
      resyncPeriodMs: upstream.resyncPeriodMs,
      shardKey: upstream.shardKey,
    });
    watchLogLevel(manager, {
      namespace,
      component: options.name,
      startLevel: logLevel,
      apply: (level) => runtime.setLogLevel(level),
      logger: runtime.logger,
    });
    await options.setup(manager, {
      logger: runtime.logger,
      namespace,
      manageClusterStatus: flags.manageClusterStatus,
      workers: upstream.workers,
      flags: program.opts(),
    });
    serveManager(runtime, manager);
    await runtime.listen(flags.metricsPort, '0.0.0.0');
    for (const address of upstream.listen) await runtime.listen(address.port, address.host);
    await manager.start();
  } catch (error) {
    runtime.logger.error(`${options.name} failed to start`, { error: (error as Error).message });
    // a failed process must exit to be restarted, even if stopping hangs on an unreachable API server
    setTimeout(() => process.exit(1), 10_000).unref();
    await runtime.shutdown();
    process.exit(1);
  }
}

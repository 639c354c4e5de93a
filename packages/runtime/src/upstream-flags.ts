// Flags upstream Sveltos controllers accept, which users' manifests and charts pass. Each is honoured or
// refused with a message naming it; none is accepted and silently ignored (docs/deviations.md).

import type { Logger, LogLevel, RateLimit } from '@sveltos-ts/kube';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { parseDuration } from './flags.ts';

export interface UpstreamFlags {
  diagnosticsAddress?: string;
  insecureDiagnostics: boolean;
  healthAddr?: string;
  v?: number;
  shardKey: string;
  capiOnboardAnnotation: string;
  agentInMgmtCluster: boolean;
  kubeApiQps?: number;
  kubeApiBurst?: number;
  syncPeriod: number;
  concurrentReconciles?: number;
  workerNumber?: number;
  version?: string;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

function positive(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError('expected a number greater than zero');
  return n;
}

function bool(value: string | undefined): boolean {
  if (value === undefined || value === 'true') return true;
  if (value === 'false') return false;
  throw new InvalidArgumentError('expected true or false');
}

/** `:8443`, `0.0.0.0:8443` or `[::]:8443` → host and port. */
export function parseAddress(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d+)$/.exec(value.trim());
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port > 65535)
    throw new InvalidArgumentError(`not an address: ${JSON.stringify(value)} (e.g. :8443 or 0.0.0.0:8443)`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

export function addUpstreamFlags(program: Command): Command {
  return program
    .addOption(
      new Option(
        '--diagnostics-address <address>',
        'address of /metrics, /healthz and /readyz (upstream spelling)',
      ),
    )
    .addOption(
      new Option('--insecure-diagnostics [bool]', 'serve metrics over plain HTTP without authentication')
        .argParser(bool)
        .default(false),
    )
    .addOption(new Option('--health-addr <address>', 'address of /healthz and /readyz (upstream spelling)'))
    .addOption(
      new Option('--v <level>', 'klog verbosity: 5 or more logs at debug level').argParser(nonNegativeInt),
    )
    .addOption(
      new Option(
        '--shard-key <key>',
        'handle only clusters whose sharding.projectsveltos.io/key annotation is this key (default: those without it)',
      ).default(''),
    )
    .addOption(
      new Option(
        '--capi-onboard-annotation <key>',
        'only CAPI clusters carrying this annotation (refused)',
      ).default(''),
    )
    .addOption(
      new Option('--agent-in-mgmt-cluster [bool]', 'agents run in the management cluster (see docs)')
        .argParser(bool)
        .default(false),
    )
    .addOption(
      new Option('--kube-api-qps <qps>', 'client-side rate limit of API requests').argParser(positive),
    )
    .addOption(
      new Option('--kube-api-burst <n>', 'burst of the client-side rate limit').argParser(nonNegativeInt),
    )
    .addOption(
      new Option('--sync-period <duration>', 'every controller looks at everything again this often')
        .argParser(parseDuration)
        .default(600_000, '10m'),
    )
    .addOption(
      new Option('--concurrent-reconciles <n>', 'concurrent reconciles of the main unit').argParser(positive),
    )
    .addOption(
      new Option('--worker-number <n>', 'upstream spelling of --concurrent-reconciles').argParser(positive),
    )
    .addOption(new Option('--version <version>', 'version string of this deployment (informational)'));
}

export interface AppliedUpstreamFlags {
  /** Extra addresses to serve metrics and health on. */
  listen: Array<{ host: string; port: number }>;
  logLevel: LogLevel | undefined;
  rateLimit: RateLimit | undefined;
  resyncPeriodMs: number | undefined;
  workers: number | undefined;
  /** The shard handled ('' is the default shard: clusters without the annotation). */
  shardKey: string;
}

/**
 * What the upstream flags mean here. Throws (the caller exits with usage status) for those this project
 * does not support yet, naming the flag; explains in the log what differs for the others.
 */
export function applyUpstreamFlags(flags: UpstreamFlags, logger: Logger): AppliedUpstreamFlags {
  // the key names the shard's Lease (<component>-<key>), so it must fit in an object name
  if (flags.shardKey && !/^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/.test(flags.shardKey)) {
    throw new InvalidArgumentError(
      `--shard-key=${flags.shardKey}: a shard key is lower-case letters, digits, '-' and '.' (at most 63, starting and ending with a letter or digit)`,
    );
  }
  if (flags.capiOnboardAnnotation) {
    throw new InvalidArgumentError(
      `--capi-onboard-annotation=${flags.capiOnboardAnnotation}: not supported yet; every ready CAPI cluster is considered`,
    );
  }
  const listen = [flags.diagnosticsAddress, flags.healthAddr].flatMap((a) => (a ? [parseAddress(a)] : []));
  if (flags.diagnosticsAddress && !flags.insecureDiagnostics) {
    logger.warn(
      '--diagnostics-address: metrics are served over plain HTTP without authentication (secure serving is not implemented); protect the port with a NetworkPolicy',
      { address: flags.diagnosticsAddress },
    );
  }
  if (flags.agentInMgmtCluster) {
    logger.info(
      "--agent-in-mgmt-cluster: agents hosted in the management cluster read EventSource copies through each cluster's kubeconfig, as in-cluster agents do; nothing else changes",
    );
  }
  const qps = flags.kubeApiQps;
  return {
    listen,
    logLevel: flags.v === undefined ? undefined : flags.v >= 5 ? 'debug' : 'info',
    rateLimit: qps ? { qps, burst: Math.max(1, flags.kubeApiBurst ?? Math.ceil(qps * 1.5)) } : undefined,
    resyncPeriodMs: flags.syncPeriod > 0 ? flags.syncPeriod : undefined,
    workers: flags.concurrentReconciles ?? flags.workerNumber,
    shardKey: flags.shardKey,
  };
}

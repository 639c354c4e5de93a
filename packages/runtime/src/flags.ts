// Flags every component accepts, spelt as controller-runtime components spell them.

import { type Command, InvalidArgumentError, Option } from 'commander';
import type { LeaderElectionConfig } from './manager.ts';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration (`15s`, `500ms`, `1m30s`) or a plain number of seconds, in milliseconds. */
export function parseDuration(value: string): number {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text)
    throw new InvalidArgumentError(`not a duration: ${JSON.stringify(value)} (e.g. 15s, 500ms, 1m)`);
  return parts.reduce((ms, p) => ms + Number(p[1]) * UNITS[p[2]!]!, 0);
}

function positiveDuration(value: string): number {
  const ms = parseDuration(value);
  if (ms <= 0) throw new InvalidArgumentError('must be greater than zero');
  return ms;
}

export interface LeaderElectionFlags {
  leaderElect: boolean;
  leaderElectLeaseDuration: number;
  leaderElectRenewDeadline: number;
  leaderElectRetryPeriod: number;
}

/** --leader-elect and its timings (client-go's defaults: 15 s lease, 10 s renew deadline, 2 s retry). */
export function addLeaderElectionFlags(program: Command): Command {
  const duration = (flag: string, description: string, ms: number, shown: string) =>
    new Option(`${flag} <duration>`, description).argParser(positiveDuration).default(ms, shown);
  return program
    .option('--leader-elect', 'elect a leader through a Lease so only one replica reconciles', false)
    .addOption(
      duration('--leader-elect-lease-duration', 'how long a Lease is valid without renewal', 15_000, '15s'),
    )
    .addOption(
      duration(
        '--leader-elect-renew-deadline',
        'a leader that cannot renew for this long steps down',
        10_000,
        '10s',
      ),
    )
    .addOption(duration('--leader-elect-retry-period', 'how often to try to acquire or renew', 2_000, '2s'));
}

/** The Manager's leader election from the flags (undefined without --leader-elect). */
export function leaderElectionConfig(
  flags: LeaderElectionFlags,
  where: { namespace: string; name?: string },
): LeaderElectionConfig | undefined {
  if (!flags.leaderElect) return undefined;
  if (flags.leaderElectRenewDeadline >= flags.leaderElectLeaseDuration)
    throw new InvalidArgumentError(
      '--leader-elect-renew-deadline must be shorter than --leader-elect-lease-duration',
    );
  return {
    ...where,
    leaseDurationSeconds: Math.max(1, Math.round(flags.leaderElectLeaseDuration / 1000)),
    renewDeadlineMs: flags.leaderElectRenewDeadline,
    retryPeriodMs: flags.leaderElectRetryPeriod,
  };
}

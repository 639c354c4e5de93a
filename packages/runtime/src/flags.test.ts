import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import {
  addLeaderElectionFlags,
  type LeaderElectionFlags,
  leaderElectionConfig,
  parseDuration,
} from './flags.ts';

const parse = (...args: string[]) =>
  addLeaderElectionFlags(new Command().exitOverride().configureOutput({ writeErr: () => {} }))
    .parse(args, { from: 'user' })
    .opts<LeaderElectionFlags>();

describe('leader election flags', () => {
  it('durations as Go writes them, or plain seconds', () => {
    assert.equal(parseDuration('15s'), 15_000);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('2'), 2_000);
    assert.throws(() => parseDuration('15 seconds'), /not a duration/);
    assert.throws(() => parseDuration('s'), /not a duration/);
  });

  it("client-go's defaults; off without --leader-elect", () => {
    const flags = parse();
    assert.deepEqual(flags, {
      leaderElect: false,
      leaderElectLeaseDuration: 15_000,
      leaderElectRenewDeadline: 10_000,
      leaderElectRetryPeriod: 2_000,
    });
    assert.equal(leaderElectionConfig(flags, { namespace: 'ns' }), undefined);
  });

  it('timings become the Lease settings; a renew deadline not shorter than the lease is refused', () => {
    const flags = parse(
      '--leader-elect',
      '--leader-elect-lease-duration=4s',
      '--leader-elect-renew-deadline=3s',
    );
    assert.deepEqual(leaderElectionConfig(flags, { namespace: 'ns', name: 'lease' }), {
      namespace: 'ns',
      name: 'lease',
      leaseDurationSeconds: 4,
      renewDeadlineMs: 3_000,
      retryPeriodMs: 2_000,
    });
    assert.throws(
      () =>
        leaderElectionConfig(parse('--leader-elect', '--leader-elect-renew-deadline=20s'), {
          namespace: 'ns',
        }),
      /must be shorter/,
    );
    assert.throws(() => parse('--leader-elect-retry-period=0s'), /greater than zero/);
  });
});

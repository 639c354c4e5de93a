import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Logger, silentLogger } from '@sveltos-ts/kube';
import { Command } from 'commander';
import { addUpstreamFlags, applyUpstreamFlags, parseAddress, type UpstreamFlags } from './upstream-flags.ts';

const parse = (...args: string[]) =>
  addUpstreamFlags(new Command().exitOverride().configureOutput({ writeErr: () => {} }))
    .parse(args, { from: 'user' })
    .opts<UpstreamFlags>();

function recording(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger: Logger = {
    ...silentLogger,
    info: (msg: string) => void lines.push(`info ${msg}`),
    warn: (msg: string) => void lines.push(`warn ${msg}`),
  };
  return { logger, lines };
}

describe('upstream flags', () => {
  it('addresses as upstream writes them', () => {
    assert.deepEqual(parseAddress(':8443'), { host: '0.0.0.0', port: 8443 });
    assert.deepEqual(parseAddress('127.0.0.1:9440'), { host: '127.0.0.1', port: 9440 });
    assert.deepEqual(parseAddress('[::]:8443'), { host: '::', port: 8443 });
    assert.throws(() => parseAddress('8443'), /not an address/);
    assert.throws(() => parseAddress(':99999'), /not an address/);
  });

  it('what an upstream manifest passes is honoured', () => {
    const applied = applyUpstreamFlags(
      parse(
        '--diagnostics-address=:8443',
        '--insecure-diagnostics=true',
        '--health-addr=:9440',
        '--v=5',
        '--agent-in-mgmt-cluster=false',
        '--kube-api-qps=20',
        '--kube-api-burst=30',
        '--sync-period=5m',
        '--concurrent-reconciles=10',
        '--version=v1.0.0',
        '--shard-key=shard1',
      ),
      silentLogger,
    );
    assert.deepEqual(applied, {
      listen: [
        { host: '0.0.0.0', port: 8443 },
        { host: '0.0.0.0', port: 9440 },
      ],
      logLevel: 'debug',
      rateLimit: { qps: 20, burst: 30 },
      resyncPeriodMs: 300_000,
      workers: 10,
      shardKey: 'shard1',
    });
    assert.equal(applyUpstreamFlags(parse('--v=2'), silentLogger).logLevel, 'info');
    assert.equal(applyUpstreamFlags(parse('--worker-number=4'), silentLogger).workers, 4);
    assert.equal(applyUpstreamFlags(parse('--sync-period=0s'), silentLogger).resyncPeriodMs, undefined);
  });

  it('what differs is said in the log, not silently', () => {
    const { logger, lines } = recording();
    applyUpstreamFlags(parse('--diagnostics-address=:8443', '--agent-in-mgmt-cluster'), logger);
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^warn --diagnostics-address: .*plain HTTP without authentication/);
    assert.match(lines[1]!, /^info --agent-in-mgmt-cluster: /);
  });

  it('--shard-key names the shard handled; one that cannot name a Lease is refused, naming the flag', () => {
    assert.equal(applyUpstreamFlags(parse('--shard-key=shard1'), silentLogger).shardKey, 'shard1');
    assert.equal(applyUpstreamFlags(parse(), silentLogger).shardKey, '');
    assert.throws(
      () => applyUpstreamFlags(parse('--shard-key=Shard_1'), silentLogger),
      /--shard-key=Shard_1: a shard key is lower-case letters/,
    );
  });

  it('what is not supported yet is refused, naming the flag', () => {
    assert.throws(
      () => applyUpstreamFlags(parse('--capi-onboard-annotation=onboard'), silentLogger),
      /--capi-onboard-annotation=onboard: not supported yet/,
    );
    // empty values are upstream's defaults: nothing to refuse
    assert.doesNotThrow(() => applyUpstreamFlags(parse('--shard-key='), silentLogger));
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SveltosCluster } from '@sveltos-ts/api';
import { probedStatus } from './readiness.ts';

const cluster = (status: SveltosCluster['status'], threshold?: number): SveltosCluster =>
  ({
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'SveltosCluster',
    metadata: { name: 'c', namespace: 'ns' },
    spec: threshold === undefined ? {} : { consecutiveFailureThreshold: threshold },
    ...(status ? { status } : {}),
  }) as SveltosCluster;

const down = { ok: false, message: 'connection refused' } as const;

describe('probedStatus', () => {
  it('a reachable cluster is ready and healthy, and its failure count is reset', () => {
    assert.deepEqual(
      probedStatus(cluster({ ready: false, connectionFailures: 5 }), { ok: true, version: 'v1.35.4' }),
      {
        ready: true,
        version: 'v1.35.4',
        failureMessage: null,
        connectionStatus: 'Healthy',
        connectionFailures: 0,
      },
    );
  });

  it('a ready cluster stays ready until the default threshold of 3 failures in a row', () => {
    let c = cluster({ ready: true, connectionStatus: 'Healthy', connectionFailures: 0 });
    const seen: Array<[boolean, string, number]> = [];
    for (let i = 0; i < 3; i++) {
      const s = probedStatus(c, down);
      seen.push([s.ready, s.connectionStatus, s.connectionFailures]);
      c = cluster({ ...c.status, ...s, failureMessage: s.failureMessage ?? undefined });
    }
    assert.deepEqual(seen, [
      [true, 'Healthy', 1],
      [true, 'Healthy', 2],
      [false, 'Down', 3],
    ]);
  });

  it('honours spec.consecutiveFailureThreshold, and a threshold below 1 counts as 1', () => {
    const healthy = { ready: true, connectionStatus: 'Healthy' as const, connectionFailures: 0 };
    assert.equal(probedStatus(cluster(healthy, 1), down).ready, false);
    assert.equal(probedStatus(cluster(healthy, 0), down).ready, false);
    assert.equal(probedStatus(cluster({ ...healthy, connectionFailures: 3 }, 5), down).ready, true);
    assert.equal(probedStatus(cluster({ ...healthy, connectionFailures: 4 }, 5), down).ready, false);
  });

  it('a cluster never reached is not made ready by failures', () => {
    const s = probedStatus(cluster(undefined), down);
    assert.equal(s.ready, false);
    assert.equal(s.connectionStatus, 'Down');
    assert.equal(s.failureMessage, 'connection refused');
  });
});

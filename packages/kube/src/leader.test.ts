import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually, sharedTestEnv } from '@sveltos-ts/testenv';
import { LeaderElector, type Lease } from './leader.ts';
import { RestClient } from './rest.ts';

const leaseDurationSeconds = 3;
let client: RestClient;

/** Candidates for one lease, recording who leads so the test can check there is never more than one. */
function candidates(lease: string, ids: string[]) {
  const leaders = new Set<string>();
  let maxConcurrent = 0;
  const stoppedLeading: string[] = [];
  const electors = new Map(
    ids.map((identity) => [
      identity,
      new LeaderElector({
        client,
        namespace: 'default',
        name: lease,
        identity,
        leaseDurationSeconds,
        renewDeadlineMs: 2_000,
        retryPeriodMs: 200,
        onStartedLeading: () => {
          leaders.add(identity);
          maxConcurrent = Math.max(maxConcurrent, leaders.size);
        },
        onStoppedLeading: () => {
          leaders.delete(identity);
          stoppedLeading.push(identity);
        },
      }),
    ]),
  );
  return { electors, leaders, stoppedLeading, maxConcurrent: () => maxConcurrent };
}

async function readLease(name: string): Promise<Lease> {
  return client.get<Lease>({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    namespace: 'default',
    name,
  });
}

describe('LeaderElector on a real Lease', () => {
  before(async () => {
    client = new RestClient((await sharedTestEnv()).cluster('mgmt').kubeConfig());
  });

  it('hands over before the lease expires when the leader stops cleanly', async () => {
    const lease = `handover-${Date.now().toString(36)}`;
    const { electors, leaders, stoppedLeading, maxConcurrent } = candidates(lease, ['first', 'second']);
    void electors.get('first')!.start();
    await eventually('the first candidate to lead', () => leaders.has('first'));
    void electors.get('second')!.start();
    await sleep(600); // three retry periods: the follower must not take a live lease
    assert.deepEqual([...leaders], ['first']);

    const before = await readLease(lease);
    await electors.get('first')!.stop();
    assert.deepEqual(stoppedLeading, ['first']);
    await eventually('the second candidate to lead', () => leaders.has('second'));
    const after = await readLease(lease);
    await electors.get('second')!.stop();

    assert.equal(after.spec?.holderIdentity, 'second');
    assert.equal(after.spec?.leaseTransitions, (before.spec?.leaseTransitions ?? 0) + 1);
    // the Lease's own timestamps show the takeover happened while the old lease was still valid
    const oldExpiry = Date.parse(before.spec!.renewTime!) + leaseDurationSeconds * 1000;
    assert.ok(Date.parse(after.spec!.acquireTime!) < oldExpiry, 'released lease taken before it expired');
    assert.equal(maxConcurrent(), 1, 'never two leaders at once');
  });

  it('takes over an expired lease after the leader dies without releasing it', async () => {
    const lease = `crash-${Date.now().toString(36)}`;
    const { electors, leaders, maxConcurrent } = candidates(lease, ['crashing', 'survivor']);
    void electors.get('crashing')!.start();
    await eventually('the first candidate to lead', () => leaders.has('crashing'));
    void electors.get('survivor')!.start();
    await electors.get('crashing')!.stop({ release: false });
    assert.equal(
      (await readLease(lease)).spec?.holderIdentity,
      'crashing',
      'the dead leader still holds the lease',
    );
    await eventually('the survivor to take over', () => leaders.has('survivor'));
    assert.equal((await readLease(lease)).spec?.holderIdentity, 'survivor');
    await electors.get('survivor')!.stop();
    assert.equal(maxConcurrent(), 1);
    assert.equal((await readLease(lease)).spec?.holderIdentity, '', 'a clean stop releases the lease');
  });

  it('signals the leader callback when leadership ends', async () => {
    const lease = `signal-${Date.now().toString(36)}`;
    let signal: AbortSignal | undefined;
    const elector = new LeaderElector({
      client,
      namespace: 'default',
      name: lease,
      identity: 'only',
      retryPeriodMs: 200,
      onStartedLeading: (s) => {
        signal = s;
      },
    });
    void elector.start();
    await eventually('leadership', () => signal !== undefined);
    assert.equal(signal!.aborted, false);
    await elector.stop();
    assert.equal(signal!.aborted, true);
  });
});

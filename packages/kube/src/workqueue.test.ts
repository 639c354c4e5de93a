import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TerminalError, WorkQueue } from './workqueue.ts';

describe('WorkQueue', () => {
  it('queues a waiting key once however often it is added', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    queue.add('b');
    queue.add('a');
    assert.equal(queue.length, 2);
    assert.equal(await queue.get(), 'a');
    assert.equal(await queue.get(), 'b');
    assert.equal(queue.length, 0);
  });

  it('re-runs a key added while it is being processed, only after done()', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    const key = await queue.get();
    queue.add('a');
    queue.add('a');
    assert.equal(queue.length, 0, 'a key being processed is not handed out again');
    queue.done(key!);
    assert.equal(queue.length, 1);
    assert.equal(await queue.get(), 'a');
  });

  it('never processes one key in two workers at once', async () => {
    const queue = new WorkQueue();
    const active = new Set<string>();
    let overlaps = 0;
    let runs = 0;
    const running = queue.run(4, async (key) => {
      if (active.has(key)) overlaps++;
      active.add(key);
      runs++;
      await sleep(5);
      active.delete(key);
      return undefined;
    });
    for (let i = 0; i < 50; i++) {
      queue.add(`k${i % 3}`);
      await sleep(1);
    }
    await sleep(50);
    queue.shutdown();
    await running;
    assert.equal(overlaps, 0);
    assert.ok(runs >= 3, `every key ran at least once (runs=${runs})`);
    assert.ok(runs < 50, `adds during processing were coalesced (runs=${runs})`);
  });

  it('backs off per key, exponentially, and forgets on success', () => {
    const queue = new WorkQueue({ baseDelayMs: 10, maxDelayMs: 50 });
    assert.deepEqual(
      [
        queue.addRateLimited('x'),
        queue.addRateLimited('x'),
        queue.addRateLimited('x'),
        queue.addRateLimited('x'),
      ],
      [10, 20, 40, 50],
    );
    assert.equal(queue.addRateLimited('y'), 10, 'another key has its own history');
    queue.forget('x');
    assert.equal(queue.failures('x'), 0);
    assert.equal(queue.addRateLimited('x'), 10);
    queue.shutdown();
  });

  it('keeps the earliest of several delayed adds', async () => {
    const queue = new WorkQueue();
    queue.addAfter('a', 10_000);
    queue.addAfter('a', 5);
    assert.equal(await queue.get(), 'a');
    queue.shutdown();
  });

  it('retries a failing reconcile with backoff and drops a terminal one', async () => {
    const queue = new WorkQueue({ baseDelayMs: 1 });
    const attempts = new Map<string, number>();
    const running = queue.run(1, async (key) => {
      const n = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, n);
      if (key === 'flaky' && n < 3) throw new Error('transient');
      if (key === 'bad') throw new TerminalError('BAD_INPUT', 'cannot be fixed by retrying');
      return undefined;
    });
    queue.add('flaky');
    queue.add('bad');
    for (let i = 0; i < 200 && (attempts.get('flaky') ?? 0) < 3; i++) await sleep(5);
    await sleep(20);
    queue.shutdown();
    await running;
    assert.equal(attempts.get('flaky'), 3, 'retried until it succeeded');
    assert.equal(attempts.get('bad'), 1, 'a terminal failure is not retried');
    assert.equal(queue.failures('flaky'), 0, 'success forgot the failures');
  });

  it('honours requeueAfterMs', async () => {
    const queue = new WorkQueue();
    let runs = 0;
    const running = queue.run(1, async () => {
      runs++;
      return runs < 2 ? { requeueAfterMs: 5 } : undefined;
    });
    queue.add('periodic');
    for (let i = 0; i < 100 && runs < 2; i++) await sleep(5);
    queue.shutdown();
    await running;
    assert.equal(runs, 2);
  });

  it('ends idle workers on shutdown and refuses new keys', async () => {
    const queue = new WorkQueue();
    const running = queue.run(2, async () => undefined);
    queue.shutdown();
    await running;
    queue.add('late');
    assert.equal(queue.length, 0);
    assert.equal(await queue.get(), undefined);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenBucket } from './rate-limit.ts';

describe('TokenBucket', () => {
  it('lets a burst through at once and makes the next request wait for a refill', async () => {
    const bucket = new TokenBucket({ qps: 20, burst: 3 });
    let fourth = false;
    const burst = [bucket.take(), bucket.take(), bucket.take()];
    const next = bucket.take().then(() => {
      fourth = true;
    });
    await Promise.all(burst);
    // the bucket is empty: the fourth request is waiting on a timer, which cannot have fired yet
    assert.equal(fourth, false);
    await next;
    assert.equal(fourth, true);
  });

  it('refuses settings that would never let a request through', () => {
    assert.throws(() => new TokenBucket({ qps: 0, burst: 1 }), RangeError);
    assert.throws(() => new TokenBucket({ qps: 1, burst: 0 }), RangeError);
  });
});

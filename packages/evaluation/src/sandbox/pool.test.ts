// The sandbox's bookkeeping: Lua states evicted from a worker are re-created from the scripts, workers are
// replaced when they grow, a closed sandbox fails what is in flight instead of leaving it pending.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EvaluationError } from '../errors.ts';
import { LuaSandbox } from './pool.ts';

const echo = (tag: string) => [
  {
    name: `${tag}.evaluate`,
    source: `function evaluate() return {matching = true, message = "${tag} " .. obj.n} end`,
  },
];

describe('LuaSandbox', () => {
  test('states evicted from a worker are re-created from the scripts the main thread keeps', async () => {
    const sandbox = new LuaSandbox({ maxWorkers: 1, maxStatesPerWorker: 1 });
    try {
      const a = await sandbox.register(echo('a'));
      const b = await sandbox.register(echo('b'));
      for (let round = 0; round < 3; round++) {
        // each request evicts the other EventSource's state (one state per worker)
        const [ra] = await a.run([{ kind: 'each', script: 0, objects: [{ n: round }] }]);
        const [rb] = await b.run([{ kind: 'each', script: 0, objects: [{ n: round }] }]);
        assert.deepEqual(ra, [{ matching: true, message: `a ${round}` }]);
        assert.deepEqual(rb, [{ matching: true, message: `b ${round}` }]);
      }
      assert.equal(sandbox.stats.started, 1);
    } finally {
      await sandbox.close();
    }
  });

  test('a worker whose memory grew past the limit is replaced after its request', async () => {
    const sandbox = new LuaSandbox({ maxWorkers: 1, recycleHeapBytes: 1 });
    try {
      const a = await sandbox.register(echo('a'));
      for (let n = 0; n < 3; n++) {
        const [r] = await a.run([{ kind: 'each', script: 0, objects: [{ n }] }]);
        assert.deepEqual(r, [{ matching: true, message: `a ${n}` }]);
      }
      assert.ok(sandbox.stats.recycled >= 3, JSON.stringify(sandbox.stats));
      assert.ok(sandbox.stats.started >= 3, JSON.stringify(sandbox.stats));
    } finally {
      await sandbox.close();
    }
  });

  test('closing the sandbox fails the request in flight; a released EventSource cannot run', async () => {
    const sandbox = new LuaSandbox({
      limits: { timeoutMs: 60_000, maxInstructions: 1e15 },
      hardTimeoutMs: 60_000,
    });
    const spin = await sandbox.register([
      { name: 'spin', source: 'function evaluate() while true do end end' },
    ]);
    // queued or already running when the sandbox closes: either way it fails with LUA_SANDBOX
    const inFlight = assert.rejects(
      spin.run([{ kind: 'each', script: 0, objects: [{}] }]),
      (e: unknown) => e instanceof EvaluationError && e.code === 'LUA_SANDBOX',
    );
    await sandbox.close();
    await inFlight;

    const other = new LuaSandbox();
    try {
      const a = await other.register(echo('a'));
      a.release();
      await assert.rejects(
        a.run([{ kind: 'each', script: 0, objects: [{ n: 1 }] }]),
        (e: unknown) => e instanceof EvaluationError && e.code === 'LUA_SANDBOX',
      );
    } finally {
      await other.close();
    }
  });
});

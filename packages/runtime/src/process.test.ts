import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Counter } from 'prom-client';
import { ProcessRuntime } from './process.ts';

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: await response.text() };
}

describe('ProcessRuntime', () => {
  it('serves health, readiness with reasons, and metrics', async () => {
    const lines: string[] = [];
    const runtime = new ProcessRuntime({
      name: 'unit',
      exitOnSignal: false,
      writeLog: (line) => lines.push(line),
    });
    let synced = false;
    runtime.addReadiness('informers', () => (synced ? true : 'informers not synced'));
    const counter = new Counter({ name: 'unit_things_total', help: 'things', registers: [runtime.metrics] });
    counter.inc(3);
    const port = await runtime.listen(0);
    try {
      assert.deepEqual(await get(port, '/healthz'), { status: 200, body: 'ok' });
      const notReady = await get(port, '/readyz');
      assert.equal(notReady.status, 503);
      assert.deepEqual(JSON.parse(notReady.body), { informers: 'informers not synced' });
      synced = true;
      assert.equal((await get(port, '/readyz')).status, 200);
      const metrics = await get(port, '/metrics');
      assert.match(metrics.body, /^unit_things_total 3$/m);
      assert.match(metrics.body, /process_resident_memory_bytes/);
      assert.equal((await get(port, '/nope')).status, 404);
    } finally {
      await runtime.shutdown();
    }
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.ok(logged.every((entry) => entry.component === 'unit' && typeof entry.time === 'string'));
    assert.ok(logged.some((entry) => entry.msg === 'stopped'));
  });

  it('runs stop hooks in reverse order, keeps going past a failing one, and only once', async () => {
    const runtime = new ProcessRuntime({ name: 'order', exitOnSignal: false, writeLog: () => {} });
    const order: string[] = [];
    runtime.onShutdown('first', () => {
      order.push('first');
    });
    runtime.onShutdown('broken', () => {
      throw new Error('boom');
    });
    runtime.onShutdown('last', async () => {
      order.push('last');
    });
    await Promise.all([runtime.shutdown(), runtime.shutdown()]);
    assert.deepEqual(order, ['last', 'first']);
  });

  it('shuts down gracefully on SIGTERM and exits 0', async () => {
    const module = fileURLToPath(new URL('./process.ts', import.meta.url));
    const script = `
      import { ProcessRuntime } from ${JSON.stringify(module)};
      const runtime = new ProcessRuntime({ name: 'signal', writeLog: () => {} });
      runtime.onShutdown('say', () => console.log('cleaned up'));
      console.log('ready');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    let signalled = false;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready') && !signalled) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0);
    assert.match(output, /cleaned up/);
  });
});

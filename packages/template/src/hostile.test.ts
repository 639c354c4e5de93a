// Hostile templates cannot stall or exhaust the process: each one ends with a typed error (or Go's output)
// well within its deadline. Each runs in a child process with a timeout and a heap cap, so a regression
// (a hang, an out-of-memory crash) fails this test instead of hanging the suite.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { hostileTemplates } from '../testdata/hostile/cases.ts';

const runner = fileURLToPath(new URL('../testdata/hostile/run.ts', import.meta.url));
/** Far above what any case takes (a few hundred ms), far below a hang. */
const DEADLINE_MS = 20_000;

function runCase(index: number): Promise<{ outcome?: Record<string, unknown>; failure?: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--max-old-space-size=512', runner, String(index)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve({ failure: `still running after ${DEADLINE_MS} ms (killed)` });
      else if (code !== 0) resolve({ failure: `exited with ${code ?? signal}: ${err.slice(-500)}` });
      else resolve({ outcome: JSON.parse(out) as Record<string, unknown> });
    });
  });
}

describe('hostile templates end with a typed error within their deadline', () => {
  hostileTemplates.forEach((c, i) => {
    it(c.name, async () => {
      const { outcome, failure } = await runCase(i);
      assert.equal(failure, undefined);
      if ('code' in c.expect) {
        assert.equal(outcome?.code, c.expect.code, JSON.stringify(outcome));
        assert.match(String(outcome?.message), /budget|limit|too deep/);
      } else if (typeof c.expect.output === 'string') {
        assert.equal(outcome?.output, c.expect.output, JSON.stringify(outcome));
      } else {
        assert.match(String(outcome?.output), c.expect.output, JSON.stringify(outcome));
      }
    });
  });
});

// Hostile CEL rules end within their deadline: the cost limit (as cel-go's CostLimit) stops what would run
// for minutes or exhaust memory, and `matches` is linear (RE2). Each rule runs in a child process with a
// deadline, so a regression fails the test instead of hanging the suite.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { hostileCEL } from '../testdata/hostile/cel.ts';

const runner = fileURLToPath(new URL('../testdata/hostile/cel-run.ts', import.meta.url));
const DEADLINE_MS = 30_000;

function run(index: number): Promise<{ matchedRule?: string; issues: { code: string; message: string }[] }> {
  return new Promise((resolve, reject) => {
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
      if (signal === 'SIGKILL') reject(new Error(`still running after ${DEADLINE_MS} ms (killed)`));
      else if (code !== 0) reject(new Error(`exited with ${code ?? signal}: ${err.slice(-1000)}`));
      else resolve(JSON.parse(out));
    });
  });
}

describe('hostile CEL ends within its deadline', () => {
  hostileCEL.forEach((c, i) => {
    it(c.name, async () => {
      const r = await run(i);
      assert.equal(r.matchedRule, undefined);
      if (c.expect === 'FALSE') {
        assert.deepEqual(r.issues, []);
        return;
      }
      assert.deepEqual(
        r.issues.map((x) => x.code),
        ['CEL_COST'],
      );
      assert.match(r.issues[0]!.message, /actual cost limit exceeded \(limit 1000000\)/);
    });
  });
});

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { TestEnvError } from './errors.ts';
import { eventually } from './eventually.ts';
import { httpsJson } from './http.ts';
import { packageRoot } from './paths.ts';
import { isRunning } from './processes.ts';
import { TestEnv } from './testenv.ts';

const run = promisify(execFile);
const cli = join(packageRoot, 'src', 'cli.ts');

const alive = isRunning;

function recordedPids(runDir: string): number[] {
  return readFileSync(join(runDir, 'pids'), 'utf8').split('\n').filter(Boolean).map(Number);
}

describe('TestEnv', () => {
  it('leaves no process behind when its owner is killed with SIGKILL', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'testenv-orphan-'));
    const script = `
      import { TestEnv } from ${JSON.stringify(join(packageRoot, 'src', 'index.ts'))};
      await TestEnv.start({ runDir: ${JSON.stringify(runDir)}, clusters: [{ name: 'doomed', controllerManager: false }], log: () => {} });
      console.log('ready');
      setInterval(() => {}, 1000);
    `;
    const owner = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      owner.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      owner.on('exit', (code) => reject(new Error(`owner exited early with ${code}`)));
    });
    const pids = recordedPids(runDir);
    assert.equal(pids.length, 2, 'etcd and one kube-apiserver were recorded');
    assert.ok(pids.every(alive));

    owner.kill('SIGKILL');
    await eventually(
      'the watchdog to stop the control plane',
      () => !pids.some(alive) && !existsSync(runDir),
    );
  });

  it('refuses bad cluster names and unknown clusters with typed errors', async () => {
    await assert.rejects(
      TestEnv.start({ clusters: [{ name: 'Not_DNS', controllerManager: false }], log: () => {} }),
      (error: unknown) =>
        error instanceof TestEnvError && error.code === 'TESTENV_START' && /DNS label/.test(error.message),
    );
    const env = await TestEnv.start({
      clusters: [{ name: 'only', controllerManager: false }],
      log: () => {},
    });
    try {
      assert.throws(
        () => env.cluster('missing'),
        (error: unknown) =>
          error instanceof TestEnvError &&
          error.code === 'TESTENV_UNKNOWN_CLUSTER' &&
          /have: only/.test(error.message),
      );
      await assert.rejects(env.addCluster('only'), /already exists/);
    } finally {
      await env.stop();
    }
    assert.equal(existsSync(env.runDir), false, 'stop removes the run directory');
  });

  it('the CLI starts a background bed, reports it, and stops it', async () => {
    const runDir = join(mkdtempSync(join(tmpdir(), 'testenv-cli-')), 'bed');
    try {
      const up = await run(process.execPath, [cli, 'up', '--clusters', 'one,two', '--run-dir', runDir]);
      const lines = up.stdout.split('\n').filter((line) => line.includes('\thttps://'));
      assert.deepEqual(
        lines.map((line) => line.split('\t')[0]),
        ['one', 'two'],
      );
      const state = JSON.parse(readFileSync(join(runDir, 'state.json'), 'utf8')) as {
        clusters: Array<{ server: string }>;
      };
      const env = TestEnv.attach(join(runDir, 'state.json'));
      const target = { server: state.clusters[0]!.server, caPem: env.caPem, token: env.adminToken };
      assert.equal((await httpsJson(target, 'GET', '/api/v1/namespaces/default')).status, 200);

      const second = await run(process.execPath, [cli, 'up', '--run-dir', runDir]).then(
        () => assert.fail('a second up must refuse'),
        (error: { code: number; stderr: string }) => error,
      );
      assert.equal(second.code, 2);
      assert.match(second.stderr, /already running/);

      const status = await run(process.execPath, [cli, 'status', '--run-dir', runDir]);
      assert.match(status.stdout, /^one\thttps:/m);

      const pids = recordedPids(runDir);
      const down = await run(process.execPath, [cli, 'down', '--run-dir', runDir]);
      assert.match(down.stdout, /stopped \d+ process/);
      assert.ok(!pids.some(alive), 'every recorded process is gone');
      const after = await run(process.execPath, [cli, 'status', '--run-dir', runDir]).then(
        () => assert.fail('status must report no bed'),
        (error: { code: number; stdout: string }) => error,
      );
      assert.equal(after.code, 3);
    } finally {
      await run(process.execPath, [cli, 'down', '--run-dir', runDir]).catch(() => {});
      rmSync(join(runDir, '..'), { recursive: true, force: true });
    }
  });

  it('the CLI rejects an empty cluster list with a usage error', async () => {
    const error = await run(process.execPath, [cli, 'up', '--clusters', ' , ']).then(
      () => assert.fail('expected a usage error'),
      (e: { code: number; stderr: string }) => e,
    );
    assert.notEqual(error.code, 0);
    assert.match(error.stderr, /at least one cluster/);
  });
});

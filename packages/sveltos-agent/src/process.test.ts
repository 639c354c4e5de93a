// The agent as users run it: the real entry point as a child process, with a kubeconfig file for the
// management cluster that gets replaced while it runs (credential rotation).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEPLOYED_BY_SVELTOS_ANNOTATION, EventReportKind, eventReportName } from '@sveltos-ts/api';
import { RestClient } from '@sveltos-ts/kube';
import { eventually, sharedTestEnv, type TestEnv } from '@sveltos-ts/testenv';

const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;
const clusterNamespace = `proc-${suffix}`;
const main = fileURLToPath(new URL('./main.ts', import.meta.url));

describe('sveltos-agent process', () => {
  let env: TestEnv;
  let dir: string;
  let child: ChildProcess;
  let logs = '';
  let port = 0;
  let validKubeconfig = '';

  before(async () => {
    env = await sharedTestEnv();
    dir = mkdtempSync(join(tmpdir(), 'agent-proc-'));
    const mgmt = new RestClient(env.cluster('mgmt').kubeConfig());
    const managed = new RestClient(env.cluster('cluster-a').kubeConfig());
    await mgmt.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: clusterNamespace } });
    await managed.create({
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'EventSource',
      metadata: { name: `proc-${suffix}`, annotations: { [DEPLOYED_BY_SVELTOS_ANNOTATION]: 'ok' } },
      spec: { resourceSelectors: [{ group: '', version: 'v1', kind: 'Namespace', name: 'kube-system' }] },
    });
    // start with credentials that do not work: a token the API server does not know
    const valid = await env.cluster('mgmt').mintServiceAccountKubeconfig({
      namespace: clusterNamespace,
      name: 'agent',
      rules: [
        {
          apiGroups: ['lib.projectsveltos.io'],
          resources: ['eventreports'],
          verbs: ['get', 'create', 'patch', 'delete'],
        },
      ],
    });
    writeFileSync(
      join(dir, 'management.kubeconfig'),
      valid.kubeconfigYaml.replace(valid.token, 'revoked-token'),
    );
    validKubeconfig = valid.kubeconfigYaml;

    child = spawn(
      process.execPath,
      [
        main,
        `--kubeconfig=${env.cluster('cluster-a').kubeconfigPath}`,
        `--management-kubeconfig=${join(dir, 'management.kubeconfig')}`,
        `--cluster-namespace=${clusterNamespace}`,
        '--cluster-name=cluster-a',
        '--metrics-port=0',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr!.on('data', (chunk: Buffer) => {
      logs += chunk.toString();
    });
    port = await eventually('the metrics address in the logs', async () => {
      const match = /"address":"http:\/\/[\d.]+:(\d+)"/.exec(logs);
      return match ? Number(match[1]) : undefined;
    });
  });
  after(() => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps retrying with rejected credentials and reports once the kubeconfig file is rotated', async () => {
    const mgmt = new RestClient(env.cluster('mgmt').kubeConfig());
    const ref = {
      apiVersion: EventReportKind.apiVersion,
      kind: EventReportKind.kind,
      namespace: clusterNamespace,
      name: eventReportName('Sveltos', `proc-${suffix}`, 'cluster-a'),
    };
    await eventually('a rejected write in the logs', async () =>
      /Unauthorized|401/i.test(logs) ? true : undefined,
    );
    assert.equal(await mgmt.getOrUndefined(ref), undefined);

    writeFileSync(join(dir, 'management.kubeconfig'), validKubeconfig);
    const report = await eventually('the report after rotation', () => mgmt.getOrUndefined(ref), 60_000);
    assert.deepEqual(
      (report.spec as { matchingResources: Array<{ name: string }> }).matchingResources.map((r) => r.name),
      ['kube-system'],
    );
  });

  it('serves readiness and the agent metrics, and logs JSON lines', async () => {
    const ready = await eventually('readiness', async () => {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`);
      return response.status === 200 ? true : undefined;
    });
    assert.equal(ready, true);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, /^sveltos_agent_reports_written_total [1-9]/m);
    assert.match(metrics, /^sveltos_agent_evaluations_total\{eventsource="proc-/m);
    assert.match(metrics, /^sveltos_agent_watched_objects \d+/m);
    for (const line of logs.trim().split('\n')) {
      const entry = JSON.parse(line) as { level: string; component: string };
      assert.equal(entry.component, 'sveltos-agent');
    }
  });

  it('exits 0 on SIGTERM after stopping cleanly', async () => {
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0);
    assert.match(logs, /"msg":"stopped"/);
  });
});

describe('sveltos-agent flags', () => {
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [main, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.once('exit', (code) => resolve({ code, stderr }));
    });

  it('--shard-key is for the management hosting only, and must be able to name a Lease', async () => {
    const managed = await run([
      '--shard-key=s1',
      '--management-kubeconfig=/nonexistent',
      '--cluster-namespace=a',
      '--cluster-name=b',
    ]);
    assert.equal(managed.code, 2);
    assert.match(managed.stderr, /--shard-key: only the management hosting is sharded/);
    const bad = await run(['--hosting=management', '--shard-key=Shard_1']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--shard-key=Shard_1: a shard key is lower-case letters/);
  });
});

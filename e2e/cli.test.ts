// The sveltosctl commands of issue 18 as processes against real API servers: the show commands read what
// the real chain wrote (an example run through agents, event-manager and addon-controller, plus a DryRun
// ClusterProfile); log-level changes the verbosity of a running event-manager process; version asks the
// API server. Exit codes: 0 ok, 1 the API server cannot be reached, 2 bad usage.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CONFIG_API_VERSION, crds } from '@sveltos-ts/api';
import { type KubeObject, RestClient } from '@sveltos-ts/kube';
import { sveltosctl } from '@sveltos-ts/sveltosctl/testing';
import { eventually, TestEnv } from '@sveltos-ts/testenv';
import { converge, type Fleet, scenarios, startFleet } from './scenarios.ts';

const example = scenarios.find((s) => s.example === 'network-policy-per-service')!;

/** Table rows (cells trimmed) of upstream's ASCII layout. */
const tableRows = (text: string): string[][] =>
  text
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .map((l) =>
      l
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim()),
    );

describe('sveltosctl show commands on what the real chain wrote', () => {
  let env: TestEnv;
  let fleet: Fleet;
  let kubeconfig: string;
  const show = (...args: string[]) => sveltosctl(['show', ...args, '--kubeconfig', kubeconfig]);

  before(async () => {
    env = await TestEnv.start({ clusters: ['mgmt', 'cluster-a', 'cluster-b'] });
    kubeconfig = env.cluster('mgmt').kubeconfigPath;
    fleet = await startFleet(env);
    await example.apply(fleet);
    await converge(fleet, example.expected);
    // a DryRun profile on cluster-b: its ClusterSummary carries what a real run would do
    const mgmt = fleet.client('mgmt');
    await mgmt.apply(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'dry-quota', namespace: 'default' },
        data: {
          'quota.yaml':
            'apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: small\n  namespace: default\nspec:\n  hard:\n    pods: "10"\n',
        },
      } as KubeObject,
      { fieldManager: 'e2e' },
    );
    await mgmt.apply(
      {
        apiVersion: CONFIG_API_VERSION,
        kind: 'ClusterProfile',
        metadata: { name: 'dry-quota' },
        spec: {
          clusterSelector: { matchLabels: { env: 'fv' } },
          syncMode: 'DryRun',
          policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'dry-quota' }],
        },
      } as KubeObject,
      { fieldManager: 'e2e' },
    );
  });
  after(async () => {
    await fleet?.stop();
    await env?.stop();
  });

  it('show events: the report of cluster-b, the trigger using it, what matches, the verdict, the age', async () => {
    const row = await eventually('a processed report', async () => {
      const r = await show('events', '-o', 'json');
      assert.equal(r.code, 0, r.stderr);
      const rows = JSON.parse(r.stdout) as { cluster: string; eventSource: string; phase: string }[];
      return rows.find((x) => x.cluster === 'default/cluster-b' && x.phase === 'Processed');
    });
    assert.deepEqual(
      { ...row, age: undefined },
      {
        cluster: 'default/cluster-b',
        eventSource: 'services-wanting-a-policy',
        eventTriggers: ['network-policy-per-service'],
        matching: 1,
        phase: 'Processed',
        message: '',
        age: undefined,
        report: 'default/sveltos--services-wanting-a-policy--cluster-b',
      },
    );
    const table = await show('events', '--cluster', 'cluster-b');
    assert.equal(table.code, 0, table.stderr);
    const [headers, ...rows] = tableRows(table.stdout);
    assert.deepEqual(headers, [
      'CLUSTER',
      'EVENTSOURCE',
      'EVENTTRIGGERS',
      'MATCHING',
      'PHASE',
      'AGE',
      'MESSAGE',
    ]);
    assert.equal(rows.length, 1);
    assert.match(rows[0]![5]!, /^\d+(s|m)/, 'AGE as kubectl prints it');
  });

  it('show triggers: each matching cluster and its state', async () => {
    await eventually('Provisioned on cluster-b', async () => {
      const r = await show('triggers', '--eventtrigger', 'network-policy-per-service');
      assert.equal(r.code, 0, r.stderr);
      const rows = tableRows(r.stdout);
      assert.deepEqual(rows[0], ['EVENTTRIGGER', 'EVENTSOURCE', 'CLUSTER', 'STATUS', 'MESSAGE']);
      return rows
        .slice(1)
        .some(
          (x) =>
            x.join('|') ===
            'network-policy-per-service|services-wanting-a-policy|default/cluster-b|Provisioned|',
        );
    });
  });

  it('show resources: the Service the EventSource collected; --full prints it', async () => {
    const r = await show('resources', '--cluster', 'cluster-b');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(tableRows(r.stdout), [
      ['CLUSTER', 'GVK', 'NAMESPACE', 'NAME', 'EVENTSOURCE'],
      ['default/cluster-b', '/v1, Kind=Service', 'default', 'orders', 'services-wanting-a-policy'],
    ]);
    const full = await show('resources', '--cluster', 'cluster-b', '--full', '-o', 'json');
    const [row] = JSON.parse(full.stdout) as { object: { spec: { selector: unknown } } }[];
    assert.deepEqual(row?.object.spec.selector, { app: 'orders' });
    const yaml = await show('resources', '--cluster', 'cluster-b', '--full');
    assert.equal(yaml.code, 0, yaml.stderr);
    assert.match(yaml.stdout, /^# default\/cluster-b \/v1, Kind=Service default\/orders\n/);
    assert.match(yaml.stdout, /\n {2}selector:\n {4}app: orders\n/);
  });

  it('show usage: the template ConfigMap, used by the EventTrigger, for cluster-b', async () => {
    const r = await show('usage', '--kind', 'configmap', '--name', 'front-policy-template', '-o', 'json');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [
      {
        kind: 'ConfigMap',
        namespace: 'default',
        name: 'front-policy-template',
        usedBy: ['EventTrigger/network-policy-per-service'],
        clusters: ['default/cluster-b'],
      },
    ]);
  });

  it('show dryrun: what the DryRun profile would do', async () => {
    const rows = await eventually('dry-run entries', async () => {
      const r = await show('dryrun', '--profile', 'dry-quota');
      assert.equal(r.code, 0, r.stderr);
      const t = tableRows(r.stdout);
      return t.length > 1 ? t : undefined;
    });
    assert.deepEqual(rows, [
      ['CLUSTER', 'RESOURCE TYPE', 'NAMESPACE', 'NAME', 'ACTION', 'MESSAGE', 'CLUSTER PROFILE'],
      ['default/cluster-b', 'ResourceQuota', 'default', 'small', 'Create', '', 'dry-quota'],
    ]);
  });

  it('show addons --verbose: the feature, where it went and its state', async () => {
    const r = await show('addons', '--cluster', 'cluster-b', '--resources', '--verbose');
    assert.equal(r.code, 0, r.stderr);
    const [headers, ...rows] = tableRows(r.stdout);
    assert.deepEqual(headers!.slice(-4), ['FEATURE', 'DEPLOYMENT', 'STATUS', 'MESSAGE']);
    const policy = rows.find((x) => x[3] === 'allow-internal-to-orders');
    assert.deepEqual(policy?.slice(-4), ['Resources', 'Remote', 'Provisioned', '']);
  });

  it('version: the CLI and the API server', async () => {
    const r = await sveltosctl(['version', '--kubeconfig', kubeconfig, '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const v = JSON.parse(r.stdout) as {
      clientVersion: { version: string };
      serverVersion: { gitVersion: string };
    };
    assert.match(v.clientVersion.version, /^v\d+\.\d+\.\d+/);
    // the test bed's kube-apiserver is built without version stamps: compare with what it serves
    const served = await new RestClient(env.cluster('mgmt').kubeConfig()).request<{ gitVersion: string }>(
      'GET',
      '/version',
    );
    assert.equal(v.serverVersion.gitVersion, served.gitVersion);
    const text = await sveltosctl(['version', '--kubeconfig', kubeconfig]);
    assert.deepEqual(text.stdout.split('\n').slice(0, 2), [
      `Client Version: ${v.clientVersion.version} (node ${process.version})`,
      `Server Version: ${served.gitVersion}`,
    ]);
  });

  it('exit codes: 2 for bad usage, 1 when the management cluster cannot be reached', async () => {
    const usage = await show('events', '-o', 'wide');
    assert.equal(usage.code, 2);
    const context = await show('triggers', '--context', 'no-such-context');
    assert.equal(context.code, 2, context.stderr);
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dead = join(mkdtempSync(join(tmpdir(), 'cli-e2e-')), 'dead.kubeconfig');
    writeFileSync(
      dead,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: dead, cluster: {server: "https://127.0.0.1:1"}}]',
        'users: [{name: u, user: {token: t}}]',
        'contexts: [{name: dead, context: {cluster: dead, user: u}}]',
        'current-context: dead',
      ].join('\n'),
    );
    const unreachable = await sveltosctl(['show', 'usage', '--kubeconfig', dead]);
    assert.equal(unreachable.code, 1, unreachable.stderr);
    assert.match(unreachable.stderr, /^error: /);
    // version, as kubectl: the client's version, then the failure to reach the server
    const version = await sveltosctl(['version', '--kubeconfig', dead]);
    assert.equal(version.code, 1);
    assert.match(version.stdout, /^Client Version: v\d+\.\d+\.\d+ /);
    assert.match(version.stderr, /^error: /);
    const client = await sveltosctl(['version', '--client']);
    assert.equal(client.code, 0, 'no cluster needed with --client');
  });
});

describe('sveltosctl log-level against a running event-manager process', () => {
  let env: TestEnv;
  let child: ChildProcess;
  let logs = '';
  let kubeconfig: string;

  before(async () => {
    env = await TestEnv.start({ clusters: [{ name: 'mgmt', controllerManager: false }] });
    await env.cluster('mgmt').installCrds(crds);
    kubeconfig = env.cluster('mgmt').kubeconfigPath;
    await new RestClient(env.cluster('mgmt').kubeConfig()).create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'projectsveltos' },
    });
    child = spawn(
      process.execPath,
      [
        fileURLToPath(new URL('../packages/event-manager/src/main.ts', import.meta.url)),
        `--kubeconfig=${kubeconfig}`,
        '--metrics-port=0',
        '--log-level=info',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr!.on('data', (chunk: Buffer) => {
      logs += chunk.toString();
    });
    await eventually('the event-manager synced', () => logs.includes('caches synced'), 60_000);
  });
  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await env?.stop();
  });

  const levels = () =>
    logs
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: string; msg: string; to?: string });

  it('set --debug: the running process logs at debug from then on; show says so; unset restores info', async () => {
    assert.ok(!levels().some((l) => l.level === 'debug'), 'started at info: no debug line yet');
    const set = await sveltosctl([
      'log-level',
      'set',
      '--component',
      'EventManager',
      '--debug',
      '--kubeconfig',
      kubeconfig,
    ]);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.stdout.trim(), 'event-manager: log level debug');
    await eventually('the level applied', () =>
      levels().some((l) => l.msg === 'log level changed' && l.to === 'debug'),
    );

    const shown = await sveltosctl(['log-level', 'show', '--kubeconfig', kubeconfig, '-o', 'json']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual(JSON.parse(shown.stdout), [
      { component: 'addon-controller', level: '' },
      { component: 'event-manager', level: 'debug' },
    ]);

    // debug lines appear once something happens: an EventTrigger to reconcile
    await new RestClient(env.cluster('mgmt').kubeConfig()).create({
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'EventTrigger',
      metadata: { name: 'log-level-probe' },
      spec: { sourceClusterSelector: { matchLabels: { none: 'x' } }, eventSourceName: 'none' },
    } as KubeObject);
    await eventually('debug lines', () => levels().some((l) => l.level === 'debug'));

    const unset = await sveltosctl([
      'log-level',
      'unset',
      '--component',
      'event-manager',
      '--kubeconfig',
      kubeconfig,
    ]);
    assert.equal(unset.code, 0, unset.stderr);
    await eventually('back to info', () =>
      levels().some((l) => l.msg === 'log level changed' && l.to === 'info'),
    );
    const after = await sveltosctl(['log-level', 'show', '--kubeconfig', kubeconfig]);
    assert.match(after.stdout, /\| event-manager +\| not set \(as started\) +\|/);
  });

  it('bad usage exits 2: an unknown component, no level', async () => {
    const unknown = await sveltosctl([
      'log-level',
      'set',
      '--component',
      'Classifier',
      '--debug',
      '--kubeconfig',
      kubeconfig,
    ]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /expected event-manager or addon-controller/);
    const none = await sveltosctl([
      'log-level',
      'set',
      '--component',
      'event-manager',
      '--kubeconfig',
      kubeconfig,
    ]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /give the level/);
  });
});

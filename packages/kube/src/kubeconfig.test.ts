import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { KubeError } from './errors.ts';
import { KubeConfig, loadKubeConfig } from './kubeconfig.ts';

const twoContexts = `
apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://prod.example:6443
    certificate-authority: certs/ca.crt
    tls-server-name: api.prod
- name: dev
  cluster:
    server: https://dev.example:6443
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    client-certificate-data: Y2VydA==
    client-key-data: a2V5
    as: jane
    as-groups: [ops, dev]
    as-user-extra:
      scopes: [view]
- name: robot
  user:
    tokenFile: ./token
- name: cloud
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: ./bin/get-token
      args: [--cluster, prod]
      env: [{ name: REGION, value: eu }]
      provideClusterInfo: true
contexts:
- name: prod-admin
  context: { cluster: prod, user: admin, namespace: team-a }
- name: dev-robot
  context: { cluster: dev, user: robot }
- name: prod-cloud
  context: { cluster: prod, user: cloud }
current-context: prod-admin
`;

function writeTemp(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function badInput(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof KubeError, `expected a KubeError, got ${String(error)}`);
    assert.equal(error.code, 'BAD_REQUEST');
    assert.match(error.message, message);
    return true;
  });
}

describe('kubeconfig loader', () => {
  it('reads clusters, users and contexts; relative files resolve against the kubeconfig', () => {
    const path = writeTemp('config', twoContexts);
    const dir = path.slice(0, -'/config'.length);
    const config = loadKubeConfig({ file: path });
    assert.equal(config.getCurrentContext(), 'prod-admin');
    assert.deepEqual(config.getCurrentCluster(), {
      name: 'prod',
      server: 'https://prod.example:6443',
      caData: undefined,
      caFile: join(dir, 'certs/ca.crt'),
      skipTLSVerify: false,
      tlsServerName: 'api.prod',
      proxyUrl: undefined,
    });
    const admin = config.getCurrentUser();
    assert.equal(admin?.certData, 'Y2VydA==');
    assert.equal(admin?.keyData, 'a2V5');
    assert.equal(admin?.impersonate, 'jane');
    assert.deepEqual(admin?.impersonateGroups, ['ops', 'dev']);
    assert.deepEqual(admin?.impersonateExtra, { scopes: ['view'] });
    assert.equal(config.getContextObject('prod-admin')?.namespace, 'team-a');
    assert.equal(config.getUser('robot')?.tokenFile, join(dir, 'token'));
    const exec = config.getUser('cloud')?.exec;
    assert.equal(exec?.command, join(dir, 'bin/get-token'));
    assert.deepEqual(exec?.args, ['--cluster', 'prod']);
    assert.deepEqual(exec?.env, [{ name: 'REGION', value: 'eu' }]);
    assert.equal(exec?.provideClusterInfo, true);
  });

  it('selects a context by name and reads insecure-skip-tls-verify', () => {
    const config = loadKubeConfig({ text: twoContexts, context: 'dev-robot' });
    assert.equal(config.getCurrentCluster()?.server, 'https://dev.example:6443');
    assert.equal(config.getCurrentCluster()?.skipTLSVerify, true);
    assert.equal(config.getCurrentUser()?.name, 'robot');
  });

  it('an exec command without a slash is looked up on PATH, not resolved as a file', () => {
    const config = loadKubeConfig({
      text: twoContexts.replace('command: ./bin/get-token', 'command: aws'),
      context: 'prod-cloud',
    });
    assert.equal(config.getCurrentUser()?.exec?.command, 'aws');
  });

  it('exports a kubeconfig that loads back to the same settings', () => {
    const config = loadKubeConfig({ text: twoContexts });
    const again = loadKubeConfig({ text: config.exportConfig() });
    assert.deepEqual(again.clusters, config.clusters);
    assert.deepEqual(again.users, config.users);
    assert.deepEqual(again.contexts, config.contexts);
    assert.equal(again.getCurrentContext(), 'prod-admin');
  });

  it('merges the files of $KUBECONFIG: the first file naming an entry wins', () => {
    const first = writeTemp('a', twoContexts);
    const second = writeTemp(
      'b',
      `clusters: [{ name: prod, cluster: { server: https://other:1 } }, { name: extra, cluster: { server: https://extra:1 } }]
current-context: dev-robot`,
    );
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = `${first}:/nonexistent/kubeconfig:${second}`;
    try {
      const config = loadKubeConfig();
      assert.equal(config.getCurrentContext(), 'prod-admin');
      assert.equal(config.getCluster('prod')?.server, 'https://prod.example:6443');
      assert.equal(config.getCluster('extra')?.server, 'https://extra:1');
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  });

  it('reads the in-cluster service account: the kubernetes Service, CA file, token file, namespace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sa-'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'namespace'), 'projectsveltos\n');
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = 'fd00::1';
    process.env.KUBERNETES_SERVICE_PORT = '8443';
    try {
      const config = new KubeConfig();
      config.loadFromCluster(dir);
      assert.equal(config.getCurrentCluster()?.server, 'https://[fd00::1]:8443');
      assert.equal(config.getCurrentCluster()?.caFile, join(dir, 'ca.crt'));
      assert.equal(config.getCurrentUser()?.tokenFile, join(dir, 'token'));
      assert.equal(config.getContextObject(config.getCurrentContext())?.namespace, 'projectsveltos');
    } finally {
      for (const [key, value] of [
        ['KUBERNETES_SERVICE_HOST', saved.host],
        ['KUBERNETES_SERVICE_PORT', saved.port],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it('outside a pod, the in-cluster loader says so', () => {
    const saved = process.env.KUBERNETES_SERVICE_HOST;
    delete process.env.KUBERNETES_SERVICE_HOST;
    try {
      assert.throws(
        () => new KubeConfig().loadFromCluster('/nonexistent'),
        /KUBERNETES_SERVICE_HOST is not set/,
      );
    } finally {
      if (saved !== undefined) process.env.KUBERNETES_SERVICE_HOST = saved;
    }
  });

  describe('bad input is a BAD_REQUEST naming the source and the field', () => {
    it('a missing file', () =>
      badInput(
        () => loadKubeConfig({ file: '/nonexistent/kubeconfig' }),
        /\/nonexistent\/kubeconfig: ENOENT/,
      ));
    it('YAML that is not a map', () =>
      badInput(() => loadKubeConfig({ text: '- a\n- b\n' }), /^kubeconfig: not a kubeconfig/));
    it('broken YAML', () => badInput(() => loadKubeConfig({ text: 'clusters: [' }), /^kubeconfig: /));
    it('clusters that are not a list', () =>
      badInput(() => loadKubeConfig({ text: 'clusters: {}' }), /clusters is not a list/));
    it('a cluster without a server', () =>
      badInput(
        () => loadKubeConfig({ text: 'clusters: [{ name: a, cluster: {} }]' }),
        /clusters\[0\]\.cluster\.server is missing/,
      ));
    it('an entry without a name', () =>
      badInput(
        () => loadKubeConfig({ text: 'users: [{ user: { token: x } }]' }),
        /users\[0\]\.name is missing/,
      ));
    it('an exec plugin without a command', () =>
      badInput(
        () => loadKubeConfig({ text: 'users: [{ name: u, user: { exec: { apiVersion: v1 } } }]' }),
        /users u: exec\.command is missing/,
      ));
    it('an unknown context', () =>
      badInput(
        () => loadKubeConfig({ text: twoContexts, context: 'staging' }),
        /no context named "staging"/,
      ));
    it('no current context', () =>
      badInput(
        () => loadKubeConfig({ text: twoContexts.replace('current-context: prod-admin', '') }),
        /no current cluster/,
      ));
  });
});

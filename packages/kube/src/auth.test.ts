import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { rootCertificates } from 'node:tls';
import { sharedTestEnv } from '@sveltos-ts/testenv';
import { KubeError } from './errors.ts';
import { KubeConfig, loadKubeConfig } from './kubeconfig.ts';
import { RestClient } from './rest.ts';

// Each credential kind is checked the only way that means something: a request a real API server accepts
// (or refuses) with it.

let admin: KubeConfig;
let token: string;
let caPem: string;
let server: string;
let dir: string;

/** A kubeconfig for the test cluster whose user is `user` (YAML body). */
function configWith(user: string): KubeConfig {
  return loadKubeConfig({
    text: `clusters: [{ name: c, cluster: { server: ${server}, certificate-authority-data: ${Buffer.from(caPem).toString('base64')} } }]
users: [{ name: u, user: ${user} }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x`,
  });
}

async function whoCanList(config: KubeConfig): Promise<string> {
  const list = await new RestClient(config).list('v1', 'Namespace', { limit: 1 });
  return list.resourceVersion;
}

async function failsWith(promise: Promise<unknown>, code: KubeError['code'], message: RegExp): Promise<void> {
  const error = await promise.then(
    () => assert.fail(`expected ${code}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof KubeError, `expected a KubeError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  assert.match(error.message, message);
}

function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('credentials against a real API server', () => {
  before(async () => {
    const env = await sharedTestEnv();
    admin = env.cluster('cluster-a').kubeConfig();
    token = admin.getCurrentUser()?.token ?? '';
    const cluster = admin.getCurrentCluster();
    caPem = Buffer.from(cluster?.caData ?? '', 'base64').toString();
    server = cluster?.server ?? '';
    dir = mkdtempSync(join(tmpdir(), 'auth-'));
  });

  it('a token file is re-read when it rotates', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, `${token}\n`);
    const client = new RestClient(configWith(`{ tokenFile: ${file} }`));
    assert.ok((await client.list('v1', 'Namespace', { limit: 1 })).resourceVersion);
    writeFileSync(file, 'revoked');
    await failsWith(client.list('v1', 'Namespace', { limit: 1 }), 'UNAUTHORIZED', /Unauthorized/);
    writeFileSync(file, token);
    assert.ok((await client.list('v1', 'Namespace', { limit: 1 })).resourceVersion);
  });

  it('the in-cluster service account: the kubernetes Service address, CA file and token file', async () => {
    const sa = mkdtempSync(join(tmpdir(), 'sa-'));
    writeFileSync(join(sa, 'token'), token);
    writeFileSync(join(sa, 'ca.crt'), caPem);
    writeFileSync(join(sa, 'namespace'), 'default');
    const url = new URL(server);
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = url.hostname;
    process.env.KUBERNETES_SERVICE_PORT = url.port;
    try {
      const config = new KubeConfig();
      config.loadFromCluster(sa);
      assert.ok(await whoCanList(config));
    } finally {
      process.env.KUBERNETES_SERVICE_HOST = saved.host;
      process.env.KUBERNETES_SERVICE_PORT = saved.port;
      if (saved.host === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
      if (saved.port === undefined) delete process.env.KUBERNETES_SERVICE_PORT;
    }
  });

  it('an exec plugin: its token is used until it expires, and it is told the cluster', async () => {
    const calls = join(dir, 'calls');
    const plugin = script(
      'plugin',
      `echo "$KUBERNETES_EXEC_INFO" >> ${calls}
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' "$TOKEN"`,
    );
    const config = configWith(`{ exec: { apiVersion: client.authentication.k8s.io/v1, command: ${plugin},
      env: [{ name: TOKEN, value: "${token}" }], provideClusterInfo: true } }`);
    const client = new RestClient(config);
    await client.request('GET', '/api/v1/namespaces?limit=1');
    await client.request('GET', '/api/v1/namespaces?limit=1');
    const lines = readFileSync(calls, 'utf8').trim().split('\n');
    assert.equal(lines.length, 1, 'a token without expiry is asked for once');
    const info = JSON.parse(lines[0] ?? '') as { kind: string; spec: { cluster?: { server: string } } };
    assert.equal(info.kind, 'ExecCredential');
    assert.equal(info.spec.cluster?.server, server);
  });

  it('an expired exec credential is asked for again', async () => {
    const calls = join(dir, 'expiring-calls');
    const plugin = script(
      'expiring',
      `echo x >> ${calls}
printf '{"kind":"ExecCredential","status":{"token":"${token}","expirationTimestamp":"%s"}}' "$(date -u -d '-1 minute' +%Y-%m-%dT%H:%M:%SZ)"`,
    );
    const client = new RestClient(
      configWith(`{ exec: { apiVersion: client.authentication.k8s.io/v1, command: ${plugin} } }`),
    );
    await client.request('GET', '/api/v1/namespaces?limit=1');
    await client.request('GET', '/api/v1/namespaces?limit=1');
    assert.equal(readFileSync(calls, 'utf8').trim().split('\n').length, 2);
  });

  it('an exec plugin that fails is a retryable error carrying its stderr and install hint', async () => {
    const plugin = script('broken', 'echo "login expired" >&2; exit 1');
    await failsWith(
      whoCanList(configWith(`{ exec: { apiVersion: client.authentication.k8s.io/v1, command: ${plugin} } }`)),
      'UNAVAILABLE',
      /exec plugin .*broken failed: login expired/,
    );
    await failsWith(
      whoCanList(
        configWith(
          `{ exec: { apiVersion: client.authentication.k8s.io/v1, command: /nonexistent/kubelogin, installHint: "install kubelogin" } }`,
        ),
      ),
      'UNAVAILABLE',
      /\(install kubelogin\)/,
    );
  });

  it('an exec plugin printing something other than an ExecCredential is refused by name', async () => {
    const plugin = script('garbage', 'echo "{\\"kind\\":\\"Pod\\"}"');
    await failsWith(
      whoCanList(configWith(`{ exec: { apiVersion: client.authentication.k8s.io/v1, command: ${plugin} } }`)),
      'UNAUTHORIZED',
      /printed no valid ExecCredential: expected an ExecCredential/,
    );
  });

  it('impersonation headers reach the server', async () => {
    const as = configWith(`{ token: ${token}, as: nobody-in-particular }`);
    await failsWith(whoCanList(as), 'FORBIDDEN', /User "nobody-in-particular" cannot list/);
  });

  it('proxy-url is refused by name, not ignored', () => {
    const proxied = loadKubeConfig({
      text: `clusters: [{ name: c, cluster: { server: ${server}, proxy-url: "http://proxy:3128" } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x`,
    });
    assert.throws(() => new RestClient(proxied), /cluster c: proxy-url is not supported/);
  });

  it('an unsupported auth-provider is refused by name', () => {
    assert.throws(
      () => new RestClient(configWith('{ auth-provider: { name: gcp, config: {} } }')),
      /auth-provider gcp is not supported/,
    );
  });

  it('a wrong CA fails the TLS handshake instead of being ignored', async () => {
    const other = loadKubeConfig({
      text: `clusters: [{ name: c, cluster: { server: ${server}, certificate-authority-data: ${Buffer.from(
        rootCertificates[0] ?? '',
      ).toString('base64')} } }]
users: [{ name: u, user: { token: ${token} } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x`,
    });
    await failsWith(whoCanList(other), 'NETWORK', /certificate/);
  });
});

// Chart sources for tests, on 127.0.0.1 with certificates of the test bed's CA: a Helm chart repository
// (index.yaml + packaged charts, served by node:https) and an OCI registry (the real CNCF distribution
// registry, built from go-registry/). Both have a public and a password-protected side. The charts are the
// project's own (packages/testenv/charts), packaged with the real helm.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  cpSync,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import { join, normalize } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { ensureBinaries } from './binaries.ts';
import { TestEnvError } from './errors.ts';
import { packageRoot } from './paths.ts';
import { freePort } from './ports.ts';
import { type ManagedProcess, startProcess } from './processes.ts';
import type { TestEnv } from './testenv.ts';

const run = promisify(execFile);

export const TEST_CHARTS_DIR = join(packageRoot, 'charts');

/** User and password of the protected sides (the OCI registry's htpasswd holds a bcrypt hash of it). */
export const CHART_READER = { username: 'chart-reader', password: 'sveltos-chart-reader' } as const;
// bcrypt (cost 4) of CHART_READER.password, computed once: Node has no bcrypt and the registry needs one
const CHART_READER_BCRYPT = '$2b$04$D/uzt1wxpNoiiekVSyTcpefvGokRaeAnGY/5ILWjsolQu7eM0.q4i';

/** Charts and the versions packaged for tests (every version from the same directory). */
export const TEST_CHARTS: Readonly<Record<string, readonly string[]>> = {
  'sveltos-test-app': ['1.0.0', '1.1.0', '2.0.0'],
  'sveltos-test-crds': ['0.1.0'],
  'sveltos-test-umbrella': ['0.1.0'],
};

export interface ChartServers {
  /** `https://127.0.0.1:<port>/public`: a chart repository (index.yaml) without authentication. */
  repositoryURL: string;
  /** `https://127.0.0.1:<port>/private`: the same repository behind basic authentication (CHART_READER). */
  privateRepositoryURL: string;
  /** `oci://127.0.0.1:<port>/charts`: the charts in an OCI registry (anonymous pulls). */
  ociURL: string;
  /** `oci://127.0.0.1:<port>/charts` of a second registry that wants CHART_READER's credentials. */
  privateOciURL: string;
  /** PEM of the CA that signed both servers' certificates (the test bed's CA). */
  caPem: string;
  /** A file holding caPem. */
  caFile: string;
  /** Chart requests served by the HTTPS repository, by path (tests count fetches). */
  requests: Map<string, number>;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (the registry takes its address from a config file). */

function helmEnv(dir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: dir,
    HELM_CACHE_HOME: join(dir, 'cache'),
    HELM_CONFIG_HOME: join(dir, 'config'),
    HELM_DATA_HOME: join(dir, 'data'),
    HELM_REGISTRY_CONFIG: join(dir, 'registry.json'),
  };
}

async function helm(binary: string, dir: string, args: string[], cwd = dir): Promise<string> {
  try {
    const { stdout } = await run(binary, args, { cwd, env: helmEnv(dir), timeout: 120_000 });
    return stdout;
  } catch (error) {
    const e = error as Error & { stderr?: string };
    throw new TestEnvError('TESTENV_CHARTS', `helm ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
  }
}

/** Packages every test chart version into `out` (dependencies vendored) and writes the index. */
async function packageCharts(binary: string, work: string, out: string): Promise<string[]> {
  const src = join(work, 'src');
  cpSync(TEST_CHARTS_DIR, src, { recursive: true });
  const files: string[] = [];
  for (const [chart, versions] of Object.entries(TEST_CHARTS)) {
    // a chart with dependencies gets them vendored (file:// repositories: no network)
    if (readFileSync(join(src, chart, 'Chart.yaml'), 'utf8').includes('\ndependencies:'))
      await helm(binary, work, ['dependency', 'update', join(src, chart)]);
    for (const version of versions) {
      await helm(binary, work, [
        'package',
        join(src, chart),
        '--version',
        version,
        '--app-version',
        version,
        '--destination',
        out,
      ]);
      files.push(join(out, `${chart}-${version}.tgz`));
    }
  }
  await helm(binary, work, ['repo', 'index', out]);
  return files;
}

function serveRepository(
  dir: string,
  tls: { cert: string; key: string },
  requests: Map<string, number>,
): Promise<Server> {
  const expected = `Basic ${Buffer.from(`${CHART_READER.username}:${CHART_READER.password}`).toString('base64')}`;
  const server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const match = /^\/(public|private)\/([^/]+)$/.exec(url.pathname);
    if (!match) {
      res.writeHead(404).end();
      return;
    }
    if (match[1] === 'private' && req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="charts"' }).end();
      return;
    }
    const file = normalize(join(dir, match[2]!));
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    requests.set(url.pathname, (requests.get(url.pathname) ?? 0) + 1);
    res.writeHead(200, {
      'content-type': file.endsWith('.yaml') ? 'application/x-yaml' : 'application/gzip',
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Starts a distribution registry on `port` with TLS (and htpasswd when `auth`), waits until it answers. */
async function startRegistry(
  env: TestEnv,
  binary: string,
  dir: string,
  port: number,
  tls: { certFile: string; keyFile: string },
  auth: boolean,
): Promise<ManagedProcess> {
  mkdirSync(dir, { recursive: true });
  const lines = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
    '  tls:',
    `    certificate: ${tls.certFile}`,
    `    key: ${tls.keyFile}`,
  ];
  if (auth) {
    writeFileSync(join(dir, 'htpasswd'), `${CHART_READER.username}:${CHART_READER_BCRYPT}\n`);
    lines.push('auth:', '  htpasswd:', '    realm: charts', `    path: ${join(dir, 'htpasswd')}`);
  }
  writeFileSync(join(dir, 'config.yml'), `${lines.join('\n')}\n`);
  const name = `registry-${port}`;
  const proc = startProcess(env.runDir, name, binary, ['serve', join(dir, 'config.yml')]);
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const { status } = await fetchStatus(`https://127.0.0.1:${port}/v2/`, env.caPem);
      if (status === 200 || status === 401) return proc;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await proc.stop();
      throw new TestEnvError('TESTENV_CHARTS', `registry on port ${port} did not start (${proc.logFile})`);
    }
    await sleep(100);
  }
}

async function fetchStatus(url: string, ca: string): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Packages the test charts and serves them from a chart repository and two OCI registries (one open, one
 * wanting CHART_READER), all over HTTPS with certificates signed by `env`'s CA. Stop it when done.
 */
export async function startChartServers(env: TestEnv): Promise<ChartServers> {
  const bins = await ensureBinaries();
  const work = mkdtempSync(join(env.runDir, 'charts-'));
  const repo = join(work, 'repo');
  mkdirSync(repo, { recursive: true });
  const packaged = await packageCharts(bins.helm, work, repo);
  const cert = await env.mintServingCert(join(work, 'tls'));
  const caFile = join(work, 'ca.crt');
  writeFileSync(caFile, cert.caPem);
  const requests = new Map<string, number>();
  const server = await serveRepository(
    repo,
    { cert: readFileSync(cert.certFile, 'utf8'), key: readFileSync(cert.keyFile, 'utf8') },
    requests,
  );
  const httpsPort = (server.address() as { port: number }).port;
  const registries: ManagedProcess[] = [];
  const stop = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    for (const r of registries) await r.stop();
    rmSync(work, { recursive: true, force: true });
  };
  try {
    const ports = [await freePort(), await freePort()];
    for (const [i, port] of ports.entries()) {
      registries.push(
        await startRegistry(env, bins.registry, join(work, `registry-${i}`), port, cert, i === 1),
      );
    }
    if (ports[1] !== undefined) {
      await helm(bins.helm, work, [
        'registry',
        'login',
        `127.0.0.1:${ports[1]}`,
        '--username',
        CHART_READER.username,
        '--password',
        CHART_READER.password,
        '--ca-file',
        caFile,
      ]);
    }
    for (const port of ports)
      for (const file of packaged)
        await helm(bins.helm, work, ['push', file, `oci://127.0.0.1:${port}/charts`, '--ca-file', caFile]);
    return {
      repositoryURL: `https://127.0.0.1:${httpsPort}/public`,
      privateRepositoryURL: `https://127.0.0.1:${httpsPort}/private`,
      ociURL: `oci://127.0.0.1:${ports[0]}/charts`,
      privateOciURL: `oci://127.0.0.1:${ports[1]}/charts`,
      caPem: cert.caPem,
      caFile,
      requests,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

// The web view's container image as a kubelet runs it (scripts/build-images.sh web, then a private containerd
// and runc, as e2e/images.test.ts does for the controllers): non-root on a read-only root filesystem, serving
// its pages and Lit's modules from /app/static, answering a user's token against a real kube-apiserver, and
// exiting 0 on SIGTERM as PID 1. Needs root; SVELTOS_TS_IMAGE_TESTS=0 skips it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { crds } from '@sveltos-ts/api';
import { eventually, freePort, mintServiceAccountKubeconfig, TestEnv } from '@sveltos-ts/testenv';
import { Containerd, ensureTools } from '../scripts/images/containerd.ts';
import { readOciArchive } from '../scripts/images/oci.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const version = (
  JSON.parse(readFileSync(join(repoRoot, 'packages/web/package.json'), 'utf8')) as { version: string }
).version;
const archive = join(
  process.env.SVELTOS_TS_CACHE ?? join(homedir(), '.cache', 'sveltos-ts'),
  'images',
  `web-${version}.oci.tar`,
);

const skip = process.env.SVELTOS_TS_IMAGE_TESTS === '0' ? 'SVELTOS_TS_IMAGE_TESTS=0' : await ensureTools();

describe('web view image', { skip }, () => {
  let containerd: Containerd;
  let env: TestEnv;
  let dir: string;
  let image: string;

  before(async () => {
    // CI='' keeps bootstrap from reinstalling the workspace under the running suite
    await promisify(execFile)('bash', ['scripts/build-images.sh', 'web'], {
      cwd: repoRoot,
      env: { ...process.env, CI: '' },
      timeout: 900_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    containerd = await Containerd.start();
    image = await containerd.importArchive(archive);
    env = await TestEnv.start({ clusters: [{ name: 'mgmt', controllerManager: false }] });
    await env.cluster('mgmt').installCrds(crds);
    // the container runs as 65532: the kubeconfig must be readable by it
    dir = mkdtempSync(join(tmpdir(), 'sveltos-web-image-'));
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'kubeconfig'), env.cluster('mgmt').kubeconfigYaml, { mode: 0o644 });
  });

  after(async () => {
    await containerd?.stop();
    await env?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is named as the chart expects, runs node as uid 65532', () => {
    const { ref, config } = readOciArchive(archive);
    assert.equal(ref, `ghcr.io/sveltos-ts/web:${version}`);
    assert.equal(config.User, '65532:65532');
    assert.deepEqual(config.Entrypoint, ['/usr/local/bin/node', '/app/main.mjs']);
  });

  it("serves the pages and reads with the user's token on a read-only root; exits 0 on SIGTERM", async () => {
    const { token } = await mintServiceAccountKubeconfig(env.cluster('mgmt').kubeConfig(), {
      namespace: 'fleet-viewers',
      name: 'viewer',
      clusterRules: [
        { apiGroups: ['lib.projectsveltos.io'], resources: ['sveltosclusters'], verbs: ['list', 'watch'] },
      ],
    });
    const port = await freePort();
    const container = containerd.startContainer(image, {
      // only the server and CA of the kubeconfig are used, never its (admin) credentials
      args: ['--kubeconfig=/etc/sveltos/kubeconfig', `--port=${port}`, '--address=127.0.0.1'],
      mounts: { [join(dir, 'kubeconfig')]: '/etc/sveltos/kubeconfig' },
      netHost: true,
    });
    const base = `http://127.0.0.1:${port}/`;
    try {
      await eventually('web /readyz', async () => (await fetch(`${base}readyz`)).status === 200, 60_000);
      const page = await fetch(base);
      assert.match(await page.text(), /<sveltos-app>/);
      assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self' 'sha256-/);
      const lit = await fetch(`${base}vendor/lit/index.js`);
      assert.equal(lit.status, 200);
      assert.equal((await fetch(`${base}app/main.js`)).status, 200);
      assert.equal((await fetch(`${base}api/clusters`)).status, 401);
      const whoami = await fetch(`${base}api/whoami`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await whoami.json()) as { user: string; access: Record<string, { scope: string }> };
      assert.equal(body.user, 'system:serviceaccount:fleet-viewers:viewer');
      assert.equal(body.access.sveltosclusters?.scope, 'cluster');
      assert.equal(body.access.clusterprofiles?.scope, 'none');
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${container.output.slice(-3000)}`);
    } finally {
      const code = await container.stop();
      assert.equal(code, 0, container.output.slice(-3000));
    }
  });
});

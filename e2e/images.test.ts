// The container images as a kubelet runs them: built by scripts/build-images.sh (kept when their inputs did
// not change), imported into a private containerd and run with runc as the image's user on a read-only root
// filesystem (a tmpfs /tmp where a test says so); the controllers against a real kube-apiserver over the
// host network, ready and stopping cleanly on SIGTERM as PID 1. Needs root (containerd); installs buildah,
// containerd and runc with apt-get when missing. SVELTOS_TS_IMAGE_TESTS=0 skips it. See
// docs/design/images.md.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { crds } from '@sveltos-ts/api';
import { RestClient } from '@sveltos-ts/kube';
import { eventually, freePort, TestEnv } from '@sveltos-ts/testenv';
import { parse } from 'yaml';
import { Containerd, ensureTools } from '../scripts/images/containerd.ts';
import { readOciArchive } from '../scripts/images/oci.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const components = ['event-manager', 'addon-controller', 'sveltos-agent'] as const;
type Component = (typeof components)[number];

/** The Node that scripts/bootstrap.sh pins, and so the images carry. */
// the tools the addon-controller image carries, as testenv's go.mod files pin them
const pinnedOf = (dir: string, module: string): string =>
  new RegExp(`^\\s*(?:require\\s+)?${module.replaceAll('.', '\\.')}\\s+v(\\S+)`, 'm').exec(
    readFileSync(join(repoRoot, 'packages/testenv', dir, 'go.mod'), 'utf8'),
  )?.[1] ?? 'unknown';
const pinnedHelm = pinnedOf('go-helm', 'helm.sh/helm/v3');
const pinnedKustomize = pinnedOf('go-kustomize', 'sigs.k8s.io/kustomize/kustomize/v5');
const pinnedNode = /^NODE_VERSION=(\S+)$/m.exec(
  readFileSync(join(repoRoot, 'scripts/bootstrap.sh'), 'utf8'),
)![1];

function version(component: Component): string {
  const manifest = join(repoRoot, 'packages', component, 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

function archive(component: Component): string {
  const cache = process.env.SVELTOS_TS_CACHE ?? join(homedir(), '.cache', 'sveltos-ts');
  return join(cache, 'images', `${component}-${version(component)}.oci.tar`);
}

const skip = process.env.SVELTOS_TS_IMAGE_TESTS === '0' ? 'SVELTOS_TS_IMAGE_TESTS=0' : await ensureTools();

describe('container images', { skip }, () => {
  let containerd: Containerd;
  let env: TestEnv;
  let kubeconfigDir: string;
  const images = new Map<Component, string>();

  before(async () => {
    // CI='' keeps bootstrap from reinstalling the workspace under the running suite
    await promisify(execFile)('bash', ['scripts/build-images.sh', ...components], {
      cwd: repoRoot,
      env: { ...process.env, CI: '' },
      timeout: 900_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    containerd = await Containerd.start();
    for (const component of components) {
      images.set(component, await containerd.importArchive(archive(component)));
    }
    env = await TestEnv.start({ clusters: [{ name: 'mgmt', controllerManager: false }] });
    await env.cluster('mgmt').installCrds(crds);
    await new RestClient(env.cluster('mgmt').kubeConfig()).create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'projectsveltos' },
    });
    // the containers run as 65532: the kubeconfig must be readable by them
    kubeconfigDir = mkdtempSync(join(tmpdir(), 'sveltos-images-'));
    chmodSync(kubeconfigDir, 0o755);
    writeFileSync(join(kubeconfigDir, 'kubeconfig'), env.cluster('mgmt').kubeconfigYaml, { mode: 0o644 });
  });

  after(async () => {
    await containerd?.stop();
    await env?.stop();
    if (kubeconfigDir) rmSync(kubeconfigDir, { recursive: true, force: true });
  });

  it('configures a non-root node entry point, NODE_OPTIONS, labels and the name the chart uses', () => {
    const chart = parse(readFileSync(join(repoRoot, 'charts/sveltos-agent/Chart.yaml'), 'utf8')) as {
      appVersion: string;
    };
    const values = parse(readFileSync(join(repoRoot, 'charts/sveltos-agent/values.yaml'), 'utf8')) as {
      image: { repository: string; tag: string };
    };
    const read = components.map((component) => ({ component, image: readOciArchive(archive(component)) }));
    for (const { component, image } of read) {
      assert.equal(image.config.User, '65532:65532');
      assert.deepEqual(image.config.Entrypoint, ['/usr/local/bin/node', '/app/main.mjs']);
      assert.ok(image.config.Env?.includes('NODE_OPTIONS=--max-semi-space-size=2'));
      assert.equal(image.config.Labels?.['org.opencontainers.image.title'], component);
      assert.equal(image.config.Labels?.['org.opencontainers.image.version'], version(component));
      assert.equal(image.ref, `ghcr.io/sveltos-ts/${component}:${version(component)}`);
      // the addon-controller has helm and kustomize in a layer of their own between the two
      assert.equal(
        image.layers.length,
        component === 'addon-controller' ? 3 : 2,
        'base (Debian runtime + Node), [tools], application',
      );
    }
    const agent = read.find((entry) => entry.component === 'sveltos-agent')!.image;
    assert.equal(agent.ref, `${values.image.repository}:${values.image.tag || chart.appVersion}`);
    // one base layer for all: a node pulls it once
    assert.equal(new Set(read.map(({ image }) => image.layers[0]!.digest)).size, 1);
  });

  it('runs as uid 65532 (owner of its home) on a read-only root with a writable /tmp', async () => {
    const probe = [
      "const fs = require('node:fs');",
      "fs.writeFileSync('/tmp/probe', 'ok');",
      "let root = 'writable'; try { fs.writeFileSync('/app/probe', 'x'); } catch (e) { root = e.code; }",
      "const home = fs.statSync('/home/nonroot').uid;",
      'console.log(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), home, root, version: process.version }));',
    ].join(' ');
    const result = await containerd.runToCompletion(images.get('event-manager')!, {
      command: ['/usr/local/bin/node', '-e', probe],
      tmpfs: true,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), {
      uid: 65532,
      gid: 65532,
      home: 65532,
      root: 'EROFS',
      version: `v${pinnedNode}`,
    });
  });

  for (const component of components) {
    it(`${component}: --help exits 0`, async () => {
      const result = await containerd.runToCompletion(images.get(component)!, { args: ['--help'] });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`^Usage: ${component} `));
    });
  }

  it('addon-controller: carries the pinned helm and kustomize it shells out to', async () => {
    // helm built from the module reports only major.minor (its patch comes from release ldflags)
    for (const [tool, pin] of [
      ['helm', `v${pinnedHelm.split('.').slice(0, 2).join('.')}`],
      ['kustomize', `v${pinnedKustomize}`],
    ] as const) {
      const result = await containerd.runToCompletion(images.get('addon-controller')!, {
        command: [`/usr/local/bin/${tool}`, 'version'],
        tmpfs: true,
      });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(pin.replaceAll('.', '\\.')));
    }
  });

  const flags: Record<Component, string[]> = {
    'event-manager': ['--leader-elect'],
    'addon-controller': ['--leader-elect'],
    // management hosting: one agent per registered cluster, none registered; Lua is loaded at start
    'sveltos-agent': ['--hosting=management'],
  };
  for (const component of components) {
    it(`${component}: ready against a real kube-apiserver, exits 0 on SIGTERM`, async () => {
      const port = await freePort();
      const container = containerd.startContainer(images.get(component)!, {
        args: ['--kubeconfig=/etc/sveltos/kubeconfig', `--metrics-port=${port}`, ...flags[component]],
        mounts: { [join(kubeconfigDir, 'kubeconfig')]: '/etc/sveltos/kubeconfig' },
        netHost: true, // no /tmp mount: the agent's chart gives the read-only root nothing writable
      });
      try {
        await eventually(
          `${component} /readyz`,
          async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200,
          60_000,
        );
        assert.match(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), /^process_/m);
      } catch (error) {
        throw new Error(`${(error as Error).message}\n${container.output.slice(-3000)}`);
      } finally {
        const code = await container.stop();
        assert.equal(code, 0, container.output.slice(-3000));
      }
    });
  }
});

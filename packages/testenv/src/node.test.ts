// Real nodes in the test bed (node.ts): a kubelet and containerd per cluster, pods scheduled by the real
// kube-scheduler, images imported (never pulled), clusters kept apart, and nothing left on the machine
// afterwards — also when the owner is SIGKILLed. Needs root; installs containerd, runc, the CNI plugins
// and iptables with apt-get when missing (as on a fresh CI machine). SVELTOS_TS_NODE_TESTS=0 skips it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually } from './eventually.ts';
import { httpsJson } from './http.ts';
import { exec, nodeStateRoot, pauseBinary, pauseImage } from './node.ts';
import { writeImageArchive } from './oci.ts';
import { packageRoot } from './paths.ts';
import { isRunning } from './processes.ts';
import { type Cluster, TestEnv } from './testenv.ts';

const skip =
  process.env.SVELTOS_TS_NODE_TESTS === '0'
    ? 'SVELTOS_TS_NODE_TESTS=0'
    : process.getuid?.() !== 0
      ? 'nodes need root'
      : false;

type Json = Record<string, unknown>;
interface PodLike {
  metadata: { name: string; uid: string };
  spec: { nodeName?: string };
  status: { phase?: string; podIP?: string; conditions?: Array<{ type: string; status: string }> };
}

function api(env: TestEnv, cluster: Cluster) {
  const target = { server: cluster.server, caPem: env.caPem, token: env.adminToken };
  return async (method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> =>
    httpsJson(target, method, path, body);
}

async function create(env: TestEnv, cluster: Cluster, path: string, body: Json): Promise<void> {
  const response = await api(env, cluster)('POST', path, body);
  assert.equal(response.status, 201, JSON.stringify(response.body));
}

/** What a node left on the machine: slot files, bridge, NAT chain, cgroups, mounts. */
async function leftovers(slot: number, runDir: string): Promise<string[]> {
  const found: string[] = [];
  if (existsSync(join(nodeStateRoot, 'slots', `${slot}.json`))) found.push('slot file');
  if ((await exec('ip', ['link', 'show', `svt${slot}`])).code === 0) found.push('bridge');
  if ((await exec('iptables', ['-w', '-t', 'nat', '-S', `SVELTOS-TESTENV-${slot}`])).code === 0)
    found.push('NAT chain');
  for (const hierarchy of ['pids', 'memory', 'cpu', 'unified', '']) {
    if (existsSync(join('/sys/fs/cgroup', hierarchy, `sveltos-testenv-${slot}`)))
      found.push(`cgroup ${hierarchy}`);
  }
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => line.split(' ')[4]?.startsWith(`${runDir}/`));
  if (mounts.length > 0) found.push(`${mounts.length} mounts`);
  if (existsSync(runDir)) found.push('run directory');
  return found;
}

describe('nodes', { skip }, () => {
  let env: TestEnv;
  let alpha: Cluster;
  let beta: Cluster;
  let work: string;
  let helloImage: string;

  before(async () => {
    const started = Date.now();
    env = await TestEnv.start({
      clusters: [
        { name: 'alpha', node: true },
        { name: 'beta', node: true },
      ],
      log: () => {},
    });
    process.stderr.write(
      `nodes: two clusters with nodes ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    alpha = env.cluster('alpha');
    beta = env.cluster('beta');
    work = mkdtempSync(join(tmpdir(), 'testenv-node-'));
    // an image of our own, imported like the product's: the static pause binary, whose `-v` prints and exits
    helloImage = 'localhost/testenv/hello:1';
    writeImageArchive(join(work, 'hello.oci.tar'), {
      ref: helloImage,
      files: [
        {
          path: 'hello',
          content: readFileSync(pauseBinary(env.requireOwnedBinaries().nodeDir)),
          mode: 0o755,
        },
      ],
      config: { Entrypoint: ['/hello'], Cmd: ['-v'], User: '65532:65532' },
    });
  });

  after(async () => {
    await env?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('registers each node Ready, with its own address and pod subnet', async () => {
    assert.equal(alpha.node?.name, 'alpha-node');
    assert.notEqual(alpha.node?.slot, beta.node?.slot);
    assert.notEqual(alpha.node?.podSubnet, beta.node?.podSubnet);
    const response = await api(env, alpha)('GET', '/api/v1/nodes');
    const nodes = (response.body as { items: Array<{ metadata: { name: string }; status: Json }> }).items;
    assert.deepEqual(
      nodes.map((node) => node.metadata.name),
      ['alpha-node'],
    );
    const addresses = nodes[0]?.status.addresses as Array<{ type: string; address: string }>;
    assert.ok(addresses.some((a) => a.type === 'InternalIP' && a.address === alpha.node?.ip));
    assert.doesNotMatch(readFileSync(join(env.runDir, 'kubelet-alpha.log'), 'utf8'), /unknown field/);
  });

  it('runs a pod from an imported image to completion, placed by the scheduler', async () => {
    assert.deepEqual(await alpha.importImage(join(work, 'hello.oci.tar')), [helloImage]);
    await create(env, alpha, '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'hello' },
      spec: {
        restartPolicy: 'Never',
        containers: [{ name: 'hello', image: helloImage, imagePullPolicy: 'Never' }],
      },
    });
    const pod = await eventually(
      'the pod to succeed',
      async () => {
        const body = (await api(env, alpha)('GET', '/api/v1/namespaces/default/pods/hello')).body as PodLike;
        return body.status.phase === 'Succeeded' || body.status.phase === 'Failed' ? body : undefined;
      },
      60_000,
    );
    assert.equal(pod.status.phase, 'Succeeded');
    assert.equal(pod.spec.nodeName, 'alpha-node', 'the scheduler bound it');
    assert.ok(pod.status.podIP?.startsWith(alpha.node!.podSubnet.replace(/0\/24$/, '')), pod.status.podIP);
    // the log travels API server → kubelet (its serving port, client certificate) → containerd
    const log = await api(env, alpha)('GET', '/api/v1/namespaces/default/pods/hello/log');
    assert.match(String(log.body), /pause\.c v3\.10\.1/);
  });

  it('rolls out a Deployment (both replicas Ready through an exec probe) and a DaemonSet', async () => {
    const labels = { app: 'sleeper' };
    const podSpec = {
      containers: [
        {
          name: 'sleeper',
          image: pauseImage,
          imagePullPolicy: 'Never',
          // an exec probe: the kubelet runs `/pause -v` in the container through the CRI
          readinessProbe: { exec: { command: ['/pause', '-v'] }, periodSeconds: 2 },
        },
      ],
    };
    await create(env, alpha, '/apis/apps/v1/namespaces/default/deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'sleeper' },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: podSpec },
      },
    });
    await create(env, alpha, '/apis/apps/v1/namespaces/default/daemonsets', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'everywhere' },
      spec: {
        selector: { matchLabels: { app: 'everywhere' } },
        template: { metadata: { labels: { app: 'everywhere' } }, spec: podSpec },
      },
    });
    await eventually(
      'the Deployment and the DaemonSet to be Ready',
      async () => {
        const deployment = (
          await api(env, alpha)('GET', '/apis/apps/v1/namespaces/default/deployments/sleeper')
        ).body as { status?: { readyReplicas?: number } };
        const daemonSet = (
          await api(env, alpha)('GET', '/apis/apps/v1/namespaces/default/daemonsets/everywhere')
        ).body as { status?: { numberReady?: number } };
        return deployment.status?.readyReplicas === 2 && daemonSet.status?.numberReady === 1;
      },
      90_000,
    );
  });

  it('keeps its node through an API server restart (the kubelet reconnects)', async () => {
    await alpha.stop();
    await alpha.start();
    await create(env, alpha, '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'after-restart' },
      spec: {
        restartPolicy: 'Never',
        containers: [{ name: 'hello', image: helloImage, imagePullPolicy: 'Never' }],
      },
    });
    await eventually(
      'a pod to run after the restart',
      async () =>
        ((await api(env, alpha)('GET', '/api/v1/namespaces/default/pods/after-restart')).body as PodLike)
          .status.phase === 'Succeeded',
      60_000,
    );
  });

  it('keeps clusters apart: a runtime holds only its own cluster’s containers', async () => {
    await beta.importImage(join(work, 'hello.oci.tar'));
    await create(env, beta, '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'beta-only' },
      spec: { containers: [{ name: 'sleeper', image: pauseImage, imagePullPolicy: 'Never' }] },
    });
    const pod = await eventually(
      'the beta pod to run',
      async () => {
        const body = (await api(env, beta)('GET', '/api/v1/namespaces/default/pods/beta-only'))
          .body as PodLike;
        return body.status.phase === 'Running' ? body : undefined;
      },
      60_000,
    );
    assert.equal(pod.spec.nodeName, 'beta-node');
    const podsOf = async (cluster: Cluster): Promise<Set<string>> => {
      const result = await cluster.node!.ctr(['containers', 'list']);
      assert.equal(result.code, 0, result.stderr);
      const info = await Promise.all(
        result.stdout
          .split('\n')
          .slice(1)
          .filter(Boolean)
          .map(async (line) => {
            const id = line.split(/\s+/)[0]!;
            const container = JSON.parse((await cluster.node!.ctr(['containers', 'info', id])).stdout) as {
              Labels?: Record<string, string>;
            };
            return container.Labels?.['io.kubernetes.pod.uid'] ?? '';
          }),
      );
      return new Set(info);
    };
    const alphaUids = new Set(
      ((await api(env, alpha)('GET', '/api/v1/pods')).body as { items: PodLike[] }).items.map(
        (p) => p.metadata.uid,
      ),
    );
    const [inAlpha, inBeta] = [await podsOf(alpha), await podsOf(beta)];
    assert.deepEqual([...inBeta], [pod.metadata.uid], 'beta runs its one pod');
    assert.ok(inAlpha.size >= 4, 'alpha runs its own pods');
    for (const uid of inAlpha)
      assert.ok(alphaUids.has(uid), `alpha's runtime holds a pod of alpha only (${uid})`);
    assert.ok(!inAlpha.has(pod.metadata.uid));
    // and the kubelets never registered with each other's API server
    const betaNodes = (await api(env, beta)('GET', '/api/v1/nodes')).body as {
      items: Array<{ metadata: { name: string } }>;
    };
    assert.deepEqual(
      betaNodes.items.map((node) => node.metadata.name),
      ['beta-node'],
    );
  });

  it('stops everything it started: processes, containers, mounts, network, cgroups', async () => {
    const slots = [alpha.node!.slot, beta.node!.slot];
    const runDir = env.runDir;
    const pids = readFileSync(join(runDir, 'pids'), 'utf8').split('\n').filter(Boolean).map(Number);
    const shims = (await exec('pgrep', ['-f', `containerd-shim-runc-v2 .* -address ${runDir}/`])).stdout
      .split('\n')
      .filter(Boolean)
      .map(Number);
    assert.ok(shims.length >= 3, 'the pods run under shims of our containerds');
    const started = Date.now();
    await env.stop();
    process.stderr.write(
      `nodes: bed with two nodes stopped in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    assert.deepEqual(
      [...pids, ...shims].filter(isRunning),
      [],
      'no process of the bed or its containers is left',
    );
    for (const slot of slots) assert.deepEqual(await leftovers(slot, runDir), [], `slot ${slot}`);
  });
});

describe('nodes of a SIGKILLed owner', { skip }, () => {
  it('are removed by the watchdog: containers, network, cgroups, mounts', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'testenv-node-orphan-'));
    // a running pod too: its shim, mounts and network namespace are what killing pids alone leaves
    const script = `
      import { TestEnv } from ${JSON.stringify(join(packageRoot, 'src', 'index.ts'))};
      import { httpsJson } from ${JSON.stringify(join(packageRoot, 'src', 'http.ts'))};
      const env = await TestEnv.start({ runDir: ${JSON.stringify(runDir)}, clusters: [{ name: 'doomed', node: true }], log: () => {} });
      const cluster = env.cluster('doomed');
      const target = { server: cluster.server, caPem: env.caPem, token: env.adminToken };
      await httpsJson(target, 'POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod',
        metadata: { name: 'p' }, spec: { containers: [{ name: 'p', image: ${JSON.stringify(pauseImage)}, imagePullPolicy: 'Never' }] } });
      for (;;) {
        const pod = await httpsJson(target, 'GET', '/api/v1/namespaces/default/pods/p');
        if (pod.body.status?.phase === 'Running') break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      console.log(JSON.stringify({ slot: cluster.node.slot }));
      setInterval(() => {}, 1000);
    `;
    const owner = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const { slot } = await new Promise<{ slot: number }>((resolve, reject) => {
      owner.stdout.on('data', (chunk: Buffer) => {
        const line = chunk
          .toString()
          .split('\n')
          .find((l) => l.startsWith('{'));
        if (line) resolve(JSON.parse(line) as { slot: number });
      });
      owner.on('exit', (code) => reject(new Error(`owner exited early with ${code}`)));
    });
    assert.ok((await leftovers(slot, runDir)).includes('bridge'));
    owner.kill('SIGKILL');
    await eventually(
      'the watchdog to remove the node',
      async () => (await leftovers(slot, runDir)).length === 0,
      60_000,
    );
  });
});

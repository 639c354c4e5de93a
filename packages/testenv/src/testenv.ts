import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig } from '@sveltos-ts/kube';
import { type ControlPlaneBinaries, ensureBinaries } from './binaries.ts';
import { installCrds } from './crds.ts';
import { TestEnvError } from './errors.ts';
import { httpsJson } from './http.ts';
import { kubeconfigYaml, loadKubeConfig } from './kubeconfig.ts';
import { cleanupNodes, clientCertKubeconfig, ensurePauseArchive, Node, type NodeState } from './node.ts';
import { packageRoot } from './paths.ts';
import {
  createPki,
  mintClientCert,
  mintServingCert,
  type Pki,
  podHostAddress,
  type ServingCert,
} from './pki.ts';
import { freePort } from './ports.ts';
import { logTail, type ManagedProcess, startProcess, startWatchdog } from './processes.ts';
import {
  mintServiceAccountKubeconfig,
  type ServiceAccountCredentials,
  type ServiceAccountGrant,
} from './service-account.ts';

export interface ClusterOptions {
  name: string;
  /** Run a kube-controller-manager (namespace deletion, garbage collection, default ServiceAccounts). */
  controllerManager?: boolean;
  /** Extra kube-apiserver flags, e.g. `--watch-cache=false`. */
  apiServerArgs?: string[];
  /**
   * Give the cluster a real node: a kubelet with its own containerd and pod network, and a kube-scheduler
   * (see node.ts; needs root). The API server then also authorizes with the Node authorizer and the
   * controller manager runs every default controller (Deployments, DaemonSets, ...).
   */
  node?: boolean | { kubeletConfig?: Record<string, unknown> };
}

export interface TestEnvOptions {
  clusters: Array<string | ClusterOptions>;
  /** Where logs, certificates, etcd data and kubeconfigs go; a fresh temporary directory by default. */
  runDir?: string;
  /**
   * Detached beds (the `testenv up` CLI) keep running after this process exits; otherwise a watchdog
   * stops every process as soon as the owner dies, even by SIGKILL.
   */
  detached?: boolean;
  log?: (line: string) => void;
}

/** What a process needs to use a running bed it did not start (see {@link TestEnv.attach}). */
interface StateFile {
  runDir: string;
  etcdUrl: string;
  ownerPid: number;
  clusters: ClusterState[];
}

interface ClusterState {
  name: string;
  port: number;
  server: string;
  kubeconfigPath: string;
  options: ClusterOptions;
  node?: NodeState;
}

const adminUser = 'testenv-admin';

async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  process: ManagedProcess | undefined,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: number | string | undefined;
  process?.exited.then((code) => {
    exited = code;
  });
  while (Date.now() < deadline) {
    if (await check()) return;
    if (exited !== undefined) {
      throw new TestEnvError(
        'TESTENV_START',
        `${what} exited (${exited}) during start-up; last log lines:\n${logTail(process!.logFile)}`,
      );
    }
    await sleep(100);
  }
  const tail = process ? `; last log lines:\n${logTail(process.logFile)}` : '';
  throw new TestEnvError('TESTENV_START', `${what} not ready after ${timeoutMs / 1000} s${tail}`);
}

/** One "cluster" of the bed: a kube-apiserver (and optionally a controller manager) over an etcd prefix. */
export class Cluster {
  readonly name: string;
  readonly server: string;
  readonly port: number;
  readonly kubeconfigPath: string;
  readonly kubeconfigYaml: string;
  readonly options: ClusterOptions;
  readonly #env: TestEnv;
  #apiServer: ManagedProcess | undefined;
  #controllerManager: ManagedProcess | undefined;
  #scheduler: ManagedProcess | undefined;
  #node: Node | undefined;

  constructor(env: TestEnv, state: ClusterState) {
    this.#env = env;
    this.name = state.name;
    this.port = state.port;
    this.server = state.server;
    this.kubeconfigPath = state.kubeconfigPath;
    this.kubeconfigYaml = readFileSync(state.kubeconfigPath, 'utf8');
    this.options = state.options;
    if (state.node) this.#node = Node.attach(state.node);
  }

  /** A fresh KubeConfig with admin (system:masters) credentials. */
  kubeConfig(): KubeConfig {
    return loadKubeConfig(this.kubeconfigYaml);
  }

  /** The cluster's node, when it was started with `node: true`. */
  get node(): Node | undefined {
    return this.#node;
  }

  /**
   * This API server's address as pods on any node of the bed reach it (`https://10.244.0.1:<port>`; the
   * server's certificate is valid for it). Processes on the host use {@link server}.
   */
  get serverForPods(): string {
    return `https://${podHostAddress}:${this.port}`;
  }

  /** The admin kubeconfig with {@link serverForPods}: what a pod (e.g. a registered cluster's Secret) uses. */
  get kubeconfigYamlForPods(): string {
    return kubeconfigYaml({
      clusterName: this.name,
      server: this.serverForPods,
      caPem: this.#env.caPem,
      user: adminUser,
      token: this.#env.adminToken,
    });
  }

  /** Imports an image archive (OCI or Docker) into the cluster's node; returns the image names. */
  importImage(archive: string): Promise<string[]> {
    if (!this.#node) throw new TestEnvError('TESTENV_NODE', `cluster ${this.name} has no node`);
    return this.#node.importImage(archive);
  }

  /** @internal the node of a bed this process owns */
  setNode(node: Node): void {
    this.#node = node;
  }

  get running(): boolean {
    return this.#apiServer !== undefined;
  }

  #apiServerArgs(port: number): string[] {
    const env = this.#env;
    const pki = env.pki;
    return [
      `--etcd-servers=${env.etcdUrl}`,
      `--etcd-prefix=/testenv/${this.name}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${port}`,
      `--cert-dir=${join(env.runDir, `certs-${this.name}-${port}`)}`,
      `--tls-cert-file=${pki.servingCert}`,
      `--tls-private-key-file=${pki.servingKey}`,
      `--client-ca-file=${pki.caCert}`,
      `--token-auth-file=${join(env.runDir, 'tokens.csv')}`,
      // a node's kubelet is authorized by the Node authorizer (only what its pods need)
      this.options.node ? '--authorization-mode=Node,RBAC' : '--authorization-mode=RBAC',
      `--service-account-issuer=https://${this.name}.testenv.local`,
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--allow-privileged=true',
      '--endpoint-reconciler-type=none',
      '--enable-priority-and-fairness=false',
      '--profiling=false',
      // without it a stopping API server waits for open watches to end, i.e. until it is killed
      '--shutdown-watch-termination-grace-period=1s',
      ...(this.options.node ? this.#nodeApiServerArgs() : []),
      ...(this.options.apiServerArgs ?? []),
    ];
  }

  /** A cluster with a node: kubelets authorized as nodes, and the API server's client certificate for them. */
  #nodeApiServerArgs(): string[] {
    const pki = join(this.#env.runDir, `pki-${this.name}`);
    return [
      '--enable-admission-plugins=NodeRestriction',
      `--kubelet-client-certificate=${join(pki, 'apiserver-kubelet-client.crt')}`,
      `--kubelet-client-key=${join(pki, 'apiserver-kubelet-client.key')}`,
      '--kubelet-preferred-address-types=InternalIP',
    ];
  }

  /** Client certificates of the control plane around a node (before the API server starts). */
  async mintNodePki(): Promise<void> {
    const env = this.#env;
    const pki = join(env.runDir, `pki-${this.name}`);
    const ca = { certFile: env.pki.caCert, keyFile: join(env.runDir, 'ca.key') };
    await mintClientCert(ca, pki, 'apiserver-kubelet-client', {
      commonName: 'kube-apiserver-kubelet-client',
      organizations: ['system:masters'],
    });
    const scheduler = await mintClientCert(ca, pki, 'scheduler', { commonName: 'system:kube-scheduler' });
    writeFileSync(
      join(pki, 'scheduler.kubeconfig'),
      clientCertKubeconfig(this.name, this.server, env.pki.caCert, scheduler),
      { mode: 0o600 },
    );
  }

  async #startApiServer(port: number, server: string): Promise<ManagedProcess> {
    const env = this.#env;
    const tag = `${this.name}-${port}-${Date.now().toString(36)}`;
    const apiServer = startProcess(
      env.runDir,
      `kube-apiserver-${tag}`,
      env.requireOwnedBinaries().kubeApiserver,
      this.#apiServerArgs(port),
      { detached: env.detached },
    );
    try {
      await waitFor(
        `kube-apiserver of cluster ${this.name}`,
        async () =>
          (await httpsJson({ server, caPem: env.caPem, token: env.adminToken }, 'GET', '/readyz')).status ===
          200,
        apiServer,
      );
    } catch (error) {
      await apiServer.stop();
      throw error;
    }
    return apiServer;
  }

  /**
   * Starts (or restarts after {@link stop}) this cluster's API server on the same port and data, its
   * controller manager and, with a node, its scheduler. A node keeps running while the control plane is
   * down, as a real one would.
   */
  async start(): Promise<void> {
    if (this.#apiServer) return;
    this.#apiServer = await this.#startApiServer(this.port, this.server);
    const tag = `${this.name}-${Date.now().toString(36)}`;
    if (this.options.controllerManager ?? true) {
      const pki = this.#env.pki;
      this.#controllerManager = startProcess(
        this.#env.runDir,
        `kube-controller-manager-${tag}`,
        this.#env.requireOwnedBinaries().kubeControllerManager,
        [
          `--kubeconfig=${this.kubeconfigPath}`,
          // a node's pods need the workload controllers, node lifecycle (taints), the root CA ConfigMap...
          this.options.node ? '--controllers=*' : '--controllers=namespace,garbagecollector,serviceaccount',
          '--leader-elect=false',
          '--secure-port=0',
          `--root-ca-file=${pki.caCert}`,
          `--service-account-private-key-file=${pki.serviceAccountKey}`,
        ],
        { detached: this.#env.detached },
      );
    }
    if (this.options.node) {
      const pki = join(this.#env.runDir, `pki-${this.name}`);
      this.#scheduler = startProcess(
        this.#env.runDir,
        `kube-scheduler-${tag}`,
        this.#env.requireOwnedBinaries().kubeScheduler,
        [`--kubeconfig=${join(pki, 'scheduler.kubeconfig')}`, '--leader-elect=false', '--secure-port=0'],
        { detached: this.#env.detached },
      );
    }
  }

  /**
   * A second API server over the same data, as in a highly available control plane: clients of the
   * replica see the same cluster while the primary is stopped.
   */
  async startReplica(): Promise<{ server: string; kubeConfig(): KubeConfig; stop(): Promise<void> }> {
    const port = await freePort();
    const server = `https://127.0.0.1:${port}`;
    const process = await this.#startApiServer(port, server);
    const yaml = kubeconfigYaml({
      clusterName: this.name,
      server,
      caPem: this.#env.caPem,
      user: adminUser,
      token: this.#env.adminToken,
    });
    return { server, kubeConfig: () => loadKubeConfig(yaml), stop: () => process.stop() };
  }

  /** Applies CRDs and waits until they are served. */
  installCrds(crds: readonly object[]): Promise<void> {
    return installCrds({ server: this.server, caPem: this.#env.caPem, token: this.#env.adminToken }, crds);
  }

  /** A kubeconfig for a new ServiceAccount holding exactly the granted permissions. */
  mintServiceAccountKubeconfig(grant: ServiceAccountGrant): Promise<ServiceAccountCredentials> {
    return mintServiceAccountKubeconfig(this.kubeConfig(), grant);
  }

  /**
   * Stops the API server (and controller manager, scheduler); etcd keeps the data, so {@link start}
   * resumes it. The node keeps running (see {@link stopNode}).
   */
  async stop(): Promise<void> {
    await this.#scheduler?.stop();
    await this.#controllerManager?.stop();
    await this.#apiServer?.stop();
    this.#scheduler = undefined;
    this.#controllerManager = undefined;
    this.#apiServer = undefined;
  }

  /** Stops the node and removes everything it set up on the machine (containers, mounts, network, cgroups). */
  async stopNode(): Promise<void> {
    if (!this.#env.owned) return;
    await this.#node?.stop();
  }
}

/**
 * The project's envtest: one etcd and several real kube-apiservers on loopback, one etcd prefix per
 * cluster, RBAC on, ServiceAccount tokens on, admin via a static token.
 */
export class TestEnv {
  readonly runDir: string;
  readonly stateFile: string;
  readonly owned: boolean;
  readonly adminToken: string;
  #caPem = '';
  #detached = false;
  etcdUrl = '';
  #pki: Pki | undefined;
  #binaries: ControlPlaneBinaries | undefined;
  #log: (line: string) => void = () => {};
  #etcd: ManagedProcess | undefined;
  readonly #clusters = new Map<string, Cluster>();

  private constructor(runDir: string, owned: boolean) {
    this.runDir = runDir;
    this.stateFile = join(runDir, 'state.json');
    this.owned = owned;
    if (owned) {
      this.adminToken = randomBytes(24).toString('hex');
    } else {
      const tokens = readFileSync(join(runDir, 'tokens.csv'), 'utf8');
      this.adminToken = tokens.split(',')[0] ?? '';
      this.#caPem = readFileSync(join(runDir, 'ca.crt'), 'utf8');
    }
  }

  /** PEM of the CA behind every API server's serving certificate. */
  get caPem(): string {
    return this.#caPem;
  }

  get pki(): Pki {
    if (!this.#pki) throw new TestEnvError('TESTENV_STATE', 'this process does not own the test bed');
    return this.#pki;
  }

  get detached(): boolean {
    return this.#detached;
  }

  requireOwnedBinaries(): ControlPlaneBinaries {
    if (!this.#binaries) throw new TestEnvError('TESTENV_STATE', 'this process does not own the test bed');
    return this.#binaries;
  }

  /** Builds (when needed) and starts etcd plus one API server per requested cluster, in parallel. */
  static async start(options: TestEnvOptions): Promise<TestEnv> {
    const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    const withNodes = options.clusters.some((cluster) => typeof cluster === 'object' && cluster.node);
    const binaries = await ensureBinaries(log, { node: withNodes });
    const runDir = options.runDir ?? mkdtempSync(join(tmpdir(), 'sveltos-testenv-'));
    mkdirSync(runDir, { recursive: true });
    const env = new TestEnv(runDir, true);
    env.#binaries = binaries;
    env.#log = log;
    env.#detached = options.detached ?? false;
    if (!options.detached) startWatchdog(runDir, process.pid);
    const started = Date.now();
    try {
      env.#pki = await createPki(runDir);
      env.#caPem = readFileSync(env.#pki.caCert, 'utf8');
      writeFileSync(
        join(runDir, 'tokens.csv'),
        `${env.adminToken},${adminUser},${adminUser},"system:masters"\n`,
        {
          mode: 0o600,
        },
      );
      await env.#startEtcd();
      await Promise.all(options.clusters.map((cluster) => env.addCluster(cluster)));
    } catch (error) {
      await env.stop();
      throw error;
    }
    const names = [...env.#clusters.keys()].join(', ');
    log(
      `testenv: ${env.#clusters.size} cluster(s) [${names}] ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    return env;
  }

  /** Uses a bed another process started (e.g. the test runner's global setup); cannot stop it. */
  static attach(stateFile: string): TestEnv {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as StateFile;
    const env = new TestEnv(state.runDir, false);
    env.etcdUrl = state.etcdUrl;
    for (const cluster of state.clusters) env.#clusters.set(cluster.name, new Cluster(env, cluster));
    return env;
  }

  async #startEtcd(): Promise<void> {
    const [clientPort, peerPort] = [await freePort(), await freePort()];
    this.etcdUrl = `http://127.0.0.1:${clientPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    this.#etcd = startProcess(
      this.runDir,
      'etcd',
      this.requireOwnedBinaries().etcd,
      [
        `--data-dir=${join(this.runDir, 'etcd-data')}`,
        `--listen-client-urls=${this.etcdUrl}`,
        `--advertise-client-urls=${this.etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=default=${peerUrl}`,
        '--name=default',
        // test data is disposable: skipping fsync makes API writes several times faster
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      { detached: this.#detached },
    );
    await waitFor(
      'etcd',
      async () => {
        try {
          const response = await fetch(`${this.etcdUrl}/health`);
          return response.ok && ((await response.json()) as { health?: string }).health === 'true';
        } catch {
          return false;
        }
      },
      this.#etcd,
    );
  }

  /** Adds a cluster to a bed this process owns (a new etcd prefix and API server). */
  async addCluster(spec: string | ClusterOptions): Promise<Cluster> {
    const options = typeof spec === 'string' ? { name: spec } : spec;
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(options.name)) {
      throw new TestEnvError(
        'TESTENV_START',
        `cluster name ${JSON.stringify(options.name)} is not a DNS label`,
      );
    }
    if (options.node && options.controllerManager === false) {
      throw new TestEnvError(
        'TESTENV_START',
        `cluster ${options.name}: a node needs the controller manager (node lifecycle, workload controllers)`,
      );
    }
    if (this.#clusters.has(options.name)) {
      throw new TestEnvError('TESTENV_START', `cluster ${options.name} already exists in this bed`);
    }
    const port = await freePort();
    const server = `https://127.0.0.1:${port}`;
    const kubeconfigPath = join(this.runDir, `${options.name}.kubeconfig`);
    writeFileSync(
      kubeconfigPath,
      kubeconfigYaml({
        clusterName: options.name,
        server,
        caPem: this.caPem,
        user: adminUser,
        token: this.adminToken,
      }),
      { mode: 0o600 },
    );
    const cluster = new Cluster(this, { name: options.name, port, server, kubeconfigPath, options });
    this.#clusters.set(options.name, cluster);
    if (options.node) await cluster.mintNodePki();
    await cluster.start();
    if (options.node) await this.#startNode(cluster);
    this.#writeState();
    return cluster;
  }

  async #startNode(cluster: Cluster): Promise<void> {
    let binaries = this.requireOwnedBinaries();
    if (!binaries.kubelet) {
      binaries = await ensureBinaries(this.#log, { node: true });
      this.#binaries = binaries;
    }
    const pauseArchive = await ensurePauseArchive(binaries.nodeDir, join(packageRoot, 'go-node'), this.#log);
    const spec = typeof cluster.options.node === 'object' ? cluster.options.node : {};
    const node = await Node.start({
      runDir: this.runDir,
      cluster: cluster.name,
      server: cluster.server,
      apiServerPort: cluster.port,
      caCertFile: this.pki.caCert,
      caKeyFile: join(this.runDir, 'ca.key'),
      caPem: this.caPem,
      adminToken: this.adminToken,
      kubelet: binaries.kubelet,
      pauseArchive,
      detached: this.#detached,
      log: this.#log,
      kubeletConfig: spec.kubeletConfig,
    });
    cluster.setNode(node);
  }

  /**
   * Compacts etcd history up to now, so watches resuming from an older resourceVersion get 410 Gone
   * (API servers normally do this every few minutes).
   */
  async compactEtcd(): Promise<number> {
    const post = async (path: string, body: object): Promise<{ header?: { revision?: string } }> => {
      const response = await fetch(`${this.etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
      if (!response.ok) throw new TestEnvError('TESTENV_STATE', `etcd ${path}: HTTP ${response.status}`);
      return (await response.json()) as { header?: { revision?: string } };
    };
    const range = await post('/v3/kv/range', { key: Buffer.from('/').toString('base64'), limit: 1 });
    const revision = Number(range.header?.revision ?? 0);
    await post('/v3/kv/compaction', { revision: String(revision), physical: true });
    return revision;
  }

  /**
   * Issues a serving certificate signed by this bed's CA into `dir` (`tls.crt`, `tls.key`; 127.0.0.1 and
   * localhost by default), e.g. for a webhook server the API servers call; the CA PEM it returns goes in
   * `caBundle`. Works on an attached bed too (the CA key is in the run directory). Again on the same
   * directory: a rotation.
   */
  mintServingCert(
    dir: string,
    options: { hosts?: readonly string[]; commonName?: string; days?: number } = {},
  ): Promise<ServingCert> {
    const ca = { certFile: join(this.runDir, 'ca.crt'), keyFile: join(this.runDir, 'ca.key') };
    return mintServingCert(ca, dir, options);
  }

  cluster(name: string): Cluster {
    const cluster = this.#clusters.get(name);
    if (!cluster) {
      const known = [...this.#clusters.keys()].join(', ');
      throw new TestEnvError(
        'TESTENV_UNKNOWN_CLUSTER',
        `no cluster ${name} in the test bed (have: ${known})`,
      );
    }
    return cluster;
  }

  clusters(): Cluster[] {
    return [...this.#clusters.values()];
  }

  #writeState(): void {
    const state: StateFile = {
      runDir: this.runDir,
      etcdUrl: this.etcdUrl,
      ownerPid: process.pid,
      clusters: this.clusters().map((cluster) => ({
        name: cluster.name,
        port: cluster.port,
        server: cluster.server,
        kubeconfigPath: cluster.kubeconfigPath,
        options: cluster.options,
        node: cluster.node?.state,
      })),
    };
    writeFileSync(this.stateFile, `${JSON.stringify(state, null, 2)}\n`);
  }

  /** Stops every process this bed started and removes its run directory. */
  async stop(): Promise<void> {
    if (!this.owned) return;
    // nodes first: no kubelet outlives its API server, and the containers go before the control plane
    await Promise.all(this.clusters().map((cluster) => cluster.stopNode()));
    await cleanupNodes(this.runDir);
    await Promise.all(this.clusters().map((cluster) => cluster.stop()));
    await this.#etcd?.stop();
    this.#etcd = undefined;
    rmSync(this.runDir, { recursive: true, force: true });
  }
}

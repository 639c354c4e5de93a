// A real node for a test-bed cluster: a kubelet (built from the pinned k8s.io/kubernetes, see binaries.ts)
// over a containerd of its own (Debian's, with runc), pods on a bridge of their own, the sandbox image built
// here. Everything lives under the bed's run directory and a machine-wide "slot" (the node's index: its
// bridge, subnet, NAT chain and cgroup); a generated cleanup script undoes all of it, whoever runs it
// (Node.stop(), the watchdog of a SIGKILLed owner, `testenv down`, or the next bed finding the slot
// abandoned). See docs/design/testenv.md, "Nodes".
import { execFile } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { TestEnvError } from './errors.ts';
import { type HttpsTarget, httpsJson } from './http.ts';
import { writeImageArchive } from './oci.ts';
import { kubernetesServiceIp, mintClientCert, podHostAddress } from './pki.ts';
import { freePort } from './ports.ts';
import { isRunning, logTail, type ManagedProcess, startProcess } from './processes.ts';

const execFileAsync = promisify(execFile);

/** Machine-wide registry of node slots (tmpfs: gone after a reboot, like everything it describes). */
export const nodeStateRoot = '/run/sveltos-testenv';
const slotsDir = join(nodeStateRoot, 'slots');
const maxSlot = 250;

/** The sandbox ("pause") image: upstream's pause.c from the pinned kubernetes module, built here. */
export const pauseVersion = '3.10.1';
export const pauseImage = `localhost/sveltos-ts/pause:${pauseVersion}`;

/** The Debian packages a node needs, by the file that shows each is installed. */
const hostPackages: ReadonlyArray<{ pkg: string; file: string }> = [
  { pkg: 'containerd', file: '/usr/bin/containerd' },
  { pkg: 'containerd', file: '/usr/bin/ctr' },
  { pkg: 'runc', file: '/usr/sbin/runc' },
  { pkg: 'containernetworking-plugins', file: '/usr/lib/cni/bridge' },
  { pkg: 'iptables', file: '/usr/sbin/iptables' },
  { pkg: 'iproute2', file: '/usr/sbin/ip' },
];
/** Only to compile the sandbox image's pause.c once (static, so libc.a). */
const pauseBuildPackages: ReadonlyArray<{ pkg: string; file: string }> = [
  { pkg: 'gcc', file: '/usr/bin/gcc' },
  { pkg: 'libc6-dev', file: '/usr/include/stdio.h' },
];
export const cniBinDir = '/usr/lib/cni';

/** The kernel settings a kubelet changes at start (protectKernelDefaults: false); restored after the last node. */
const kubeletSysctls = [
  'vm/overcommit_memory',
  'vm/panic_on_oom',
  'kernel/panic',
  'kernel/panic_on_oops',
  'kernel/keys/root_maxkeys',
  'kernel/keys/root_maxbytes',
];
/** Host paths the kubelet or CNI create outside the node's directory; removed after the last node if we created them. */
const hostPathsCreated = ['/var/lib/kubelet', '/var/log/containers', '/var/lib/cni', '/var/log/pods'];

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function exec(
  file: string,
  args: readonly string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await execFileAsync(file, args, {
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 64 * 1024 * 1024,
      env: options.env ?? process.env,
      cwd: options.cwd,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string; message: string };
    if (typeof e.code !== 'number') {
      return { code: -1, stdout: e.stdout ?? '', stderr: e.stderr || e.message };
    }
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message };
  }
}

async function must(
  file: string,
  args: readonly string[],
  what: string,
  options: { timeoutMs?: number; cwd?: string } = {},
): Promise<string> {
  const result = await exec(file, args, options);
  if (result.code !== 0) {
    throw new TestEnvError(
      'TESTENV_NODE',
      `${what}: ${file} ${args.join(' ')} exited ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`,
    );
  }
  return result.stdout;
}

/**
 * Makes sure this machine can run nodes: root, and Debian's containerd, runc, CNI plugins, iptables and
 * iproute2 (installed with apt-get when missing, as on a fresh CI machine). `forPause` adds what compiling
 * the sandbox image needs. Throws TESTENV_NODE with the reason when it cannot.
 */
export function ensureNodeHost(log: (line: string) => void, forPause = false): Promise<void> {
  // clusters start in parallel: one apt-get at a time
  const key = forPause ? 'pause' : 'node';
  let pending = hostChecks.get(key);
  if (!pending) {
    pending = checkNodeHost(log, forPause);
    hostChecks.set(key, pending);
    pending.catch(() => hostChecks.delete(key));
  }
  return pending;
}
const hostChecks = new Map<string, Promise<void>>();

async function checkNodeHost(log: (line: string) => void, forPause: boolean): Promise<void> {
  if (process.platform !== 'linux') throw new TestEnvError('TESTENV_NODE', 'nodes need Linux');
  if (process.getuid?.() !== 0) {
    throw new TestEnvError('TESTENV_NODE', 'nodes need root (containerd, cgroups, network namespaces)');
  }
  const wanted = forPause ? [...hostPackages, ...pauseBuildPackages] : hostPackages;
  const missing = [...new Set(wanted.filter(({ file }) => !existsSync(file)).map(({ pkg }) => pkg))];
  if (missing.length === 0) return;
  if (!existsSync('/usr/bin/apt-get')) {
    throw new TestEnvError('TESTENV_NODE', `missing Debian packages ${missing.join(', ')} and no apt-get`);
  }
  const started = Date.now();
  log(`testenv: installing ${missing.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const lock = ['-o', 'DPkg::Lock::Timeout=300'];
  const update = await exec('apt-get', [...lock, 'update', '-qq'], { timeoutMs: 600_000, env });
  if (update.code !== 0) throw new TestEnvError('TESTENV_NODE', `apt-get update failed: ${update.stderr}`);
  const install = await exec(
    'apt-get',
    [...lock, 'install', '-y', '-qq', '--no-install-recommends', ...missing],
    { timeoutMs: 900_000, env },
  );
  if (install.code !== 0) {
    throw new TestEnvError('TESTENV_NODE', `apt-get install ${missing.join(' ')} failed: ${install.stderr}`);
  }
  log(`testenv: installed ${missing.join(' ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * The sandbox image as an OCI archive in the node cache: `build/pause/linux/pause.c` of the pinned
 * k8s.io/kubernetes module, compiled static as upstream's Makefile does, in a one-layer image laid out
 * like upstream's (`/pause`, user 65535). Built once per kubernetes pin.
 */
export function ensurePauseArchive(
  nodeCacheDir: string,
  goModuleDir: string,
  log: (line: string) => void,
): Promise<string> {
  let pending = pauseBuilds.get(nodeCacheDir);
  if (!pending) {
    pending = buildPauseArchive(nodeCacheDir, goModuleDir, log);
    pauseBuilds.set(nodeCacheDir, pending);
    pending.catch(() => pauseBuilds.delete(nodeCacheDir));
  }
  return pending;
}
const pauseBuilds = new Map<string, Promise<string>>();

/** The static pause binary beside the sandbox image (tests make small images of it: `pause -v` exits 0). */
export function pauseBinary(nodeCacheDir: string): string {
  return join(nodeCacheDir, 'pause');
}

async function buildPauseArchive(
  nodeCacheDir: string,
  goModuleDir: string,
  log: (line: string) => void,
): Promise<string> {
  const archive = join(nodeCacheDir, `pause-${pauseVersion}.oci.tar`);
  if (existsSync(archive) && existsSync(pauseBinary(nodeCacheDir))) return archive;
  await ensureNodeHost(log, true);
  const go = { cwd: goModuleDir, timeoutMs: 600_000 };
  // the module is in the module cache once the kubelet was built; `go mod download` makes sure
  await must('go', ['mod', 'download', 'k8s.io/kubernetes'], 'downloading the kubernetes module', go);
  const moduleDir = (
    await must(
      'go',
      ['list', '-mod=readonly', '-m', '-f', '{{.Dir}}', 'k8s.io/kubernetes'],
      'locating the kubernetes module',
      go,
    )
  ).trim();
  const source = join(moduleDir, 'build', 'pause', 'linux', 'pause.c');
  const binary = join(nodeCacheDir, `pause.partial-${process.pid}`);
  await must(
    'gcc',
    ['-Os', '-Wall', '-Werror', '-static', `-DVERSION=v${pauseVersion}-sveltos-ts`, '-o', binary, source],
    'compiling pause.c',
  );
  await must('strip', [binary], 'stripping pause').catch(() => '');
  writeImageArchive(archive, {
    ref: pauseImage,
    files: [{ path: 'pause', content: readFileSync(binary), mode: 0o755 }],
    config: { Entrypoint: ['/pause'], User: '65535:65535' },
  });
  renameSync(binary, pauseBinary(nodeCacheDir));
  log(`testenv: built the sandbox image ${pauseImage} from ${source}`);
  return archive;
}

interface SlotRecord {
  pid: number;
  runDir: string;
  cluster: string;
}

const slotFile = (slot: number): string => join(slotsDir, `${slot}.json`);
const slotCleanup = (slot: number): string => join(slotsDir, `${slot}.cleanup.sh`);

/** Runs a slot's cleanup script (it removes the slot's files last). */
async function runCleanup(script: string): Promise<void> {
  if (!existsSync(script)) return;
  const result = await exec('bash', [script], { timeoutMs: 120_000 });
  if (result.code !== 0) process.stderr.write(`testenv: ${script} exited ${result.code}: ${result.stderr}\n`);
}

/**
 * Takes the lowest free slot. A slot whose recorded process is gone was abandoned (a bed killed before its
 * cleanup ran): its cleanup script runs first.
 */
async function acquireSlot(record: SlotRecord): Promise<number> {
  mkdirSync(slotsDir, { recursive: true });
  for (let slot = 1; slot <= maxSlot; slot++) {
    const file = slotFile(slot);
    if (existsSync(file)) {
      let owner: SlotRecord | undefined;
      try {
        owner = JSON.parse(readFileSync(file, 'utf8')) as SlotRecord;
      } catch {
        // being written: someone else's
        continue;
      }
      if (isRunning(owner.pid)) continue;
      await runCleanup(slotCleanup(slot));
      rmSync(file, { force: true });
    }
    try {
      const fd = openSync(file, 'wx');
      writeFileSync(fd, JSON.stringify(record));
      closeSync(fd);
      return slot;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
  }
  throw new TestEnvError('TESTENV_NODE', `all ${maxSlot} node slots in ${slotsDir} are taken`);
}

/** Records, once per machine until the last node is gone, what the kubelet changes outside its directory. */
function saveHostState(): void {
  const saved = join(nodeStateRoot, 'sysctl.saved');
  if (!existsSync(saved)) {
    const lines = kubeletSysctls
      .filter((key) => existsSync(`/proc/sys/${key}`))
      .map((key) => `${key} ${readFileSync(`/proc/sys/${key}`, 'utf8').trim()}`);
    try {
      writeFileSync(saved, `${lines.join('\n')}\n`, { flag: 'wx' });
    } catch {
      // another bed saved it first
    }
  }
  const created = join(nodeStateRoot, 'created-paths');
  const missing = hostPathsCreated.filter((path) => !existsSync(path));
  if (missing.length > 0) appendFileSync(created, `${missing.join('\n')}\n`);
}

/** cgroup hierarchies mounted on this machine (v1 controllers, the v1 name=systemd and the v2 tree). */
function cgroupMounts(): Array<{ path: string; v2: boolean; cpuset: boolean }> {
  const mounts: Array<{ path: string; v2: boolean; cpuset: boolean }> = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const [fstype, , superOptions = ''] = right.split(' ');
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const path = left.split(' ')[4] ?? '';
    if (!path.startsWith('/sys/fs/cgroup')) continue;
    mounts.push({ path, v2: fstype === 'cgroup2', cpuset: superOptions.split(',').includes('cpuset') });
  }
  return mounts;
}

export function cgroupV2Only(): boolean {
  const mounts = cgroupMounts();
  return mounts.length === 1 && mounts[0]?.v2 === true && mounts[0].path === '/sys/fs/cgroup';
}

/** Creates `relative` in every hierarchy (cpuset: with its parent's CPUs and memory nodes). */
function makeCgroup(relative: string): void {
  for (const mount of cgroupMounts()) {
    let path = mount.path;
    for (const part of relative.split('/').filter(Boolean)) {
      const parent = path;
      path = join(path, part);
      if (!existsSync(path)) mkdirSync(path);
      if (mount.cpuset) {
        for (const file of ['cpuset.cpus', 'cpuset.mems']) {
          if (readFileSync(join(path, file), 'utf8').trim() === '') {
            writeFileSync(join(path, file), readFileSync(join(parent, file), 'utf8'));
          }
        }
      }
      if (mount.v2) {
        // delegate the controllers the kubelet and runc use to our subtree
        const available = readFileSync(join(parent, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
        for (const controller of ['cpu', 'cpuset', 'memory', 'pids', 'io', 'hugetlb']) {
          if (!available.includes(controller)) continue;
          try {
            writeFileSync(join(parent, 'cgroup.subtree_control'), `+${controller}`);
          } catch {
            // not delegable here: the kubelet will say so if it needs it
          }
        }
      }
    }
  }
}

function moveToCgroup(pid: number, relative: string): void {
  for (const mount of cgroupMounts()) {
    try {
      writeFileSync(join(mount.path, relative, 'cgroup.procs'), String(pid));
    } catch {
      // a hierarchy that refuses (e.g. v2 no-internal-process rules): the others still track the process
    }
  }
}

const q = (value: string): string => `'${value.replaceAll("'", `'"'"'`)}'`;

/** The script that undoes everything node `slot` set up on this machine; idempotent. */
function cleanupScript(p: {
  slot: number;
  dir: string;
  bridge: string;
  chain: string;
  cgroup: string;
  subnetPrefix: string;
  network: string;
}): string {
  return `#!/usr/bin/env bash
# Written by packages/testenv/src/node.ts: removes everything node slot ${p.slot} of a testenv bed set up on
# this machine. Idempotent. Run by Node.stop(), by the watchdog of a dead owner, by \`testenv down\`, and by
# the next bed that finds the slot abandoned.
set -u
slot=${p.slot}
dir=${q(p.dir)}
bridge=${q(p.bridge)}
chain=${q(p.chain)}
cgroup=${q(p.cgroup)}
prefix=${q(p.subnetPrefix)}
network=${q(p.network)}
state=${q(nodeStateRoot)}
hierarchies=$(grep -E ' - cgroup2? ' /proc/self/mountinfo | awk '{print $5}' | grep '^/sys/fs/cgroup')
procs() { for h in $hierarchies; do [ -d "$h/$cgroup" ] && find "$h/$cgroup" -name cgroup.procs -exec cat {} + 2>/dev/null; done | sort -u; }

# the network namespaces of our pod sandboxes, read from their bundles while they exist
netns=$(grep -rhoE '"(/var)?/run/netns/[^"]+"' "$dir/containerd/state" --include=config.json 2>/dev/null | tr -d '"' | sort -u)

# every process of the node: kubelet, containerd, its shims, the containers
for _ in $(seq 1 100); do
  pids=$(procs)
  [ -z "$pids" ] && break
  kill -KILL $pids 2>/dev/null
  sleep 0.1
done

# mounts under the node's directory (overlays, volumes, the kubelet's rshared root), deepest first
for _ in 1 2 3; do
  mounts=$(awk -v d="$dir" '$5 == d || index($5, d "/") == 1 {print $5}' /proc/self/mountinfo | sort -r -u)
  [ -z "$mounts" ] && break
  for m in $mounts; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
done

for ns in $netns; do
  umount "$ns" 2>/dev/null || umount -l "$ns" 2>/dev/null
  rm -f "$ns"
done
for ns in $(ls /run/netns 2>/dev/null); do
  case "$ns" in cni-*) ;; *) continue ;; esac
  if ip -n "$ns" -4 -o addr show 2>/dev/null | grep -qF " inet $prefix"; then ip netns delete "$ns" 2>/dev/null; fi
done

ip link delete "$bridge" 2>/dev/null
while iptables -w -t nat -D PREROUTING -i "$bridge" -j "$chain" 2>/dev/null; do :; done
iptables -w -t nat -F "$chain" 2>/dev/null
iptables -w -t nat -X "$chain" 2>/dev/null

for _ in 1 2 3 4 5; do
  left=0
  for h in $hierarchies; do
    [ -d "$h/$cgroup" ] || continue
    find "$h/$cgroup" -depth -type d -exec rmdir {} \\; 2>/dev/null
    [ -d "$h/$cgroup" ] && left=1
  done
  [ "$left" = 0 ] && break
  kill -KILL $(procs) 2>/dev/null
  sleep 0.2
done

find /var/log/containers -maxdepth 1 -lname "$dir/*" -delete 2>/dev/null
rm -rf /var/lib/cni/results/"$network"-* /var/lib/cni/networks/"$network" 2>/dev/null
rm -rf "$dir"
rm -f "$state/slots/$slot.json" "$state/slots/$slot.cleanup.sh"

# the last node on this machine restores what kubelets changed outside their directories
if [ -z "$(ls "$state/slots" 2>/dev/null | grep '\\.json$')" ]; then
  if [ -f "$state/sysctl.saved" ]; then
    while read -r key value; do [ -n "$key" ] && echo "$value" >"/proc/sys/$key" 2>/dev/null; done <"$state/sysctl.saved"
    rm -f "$state/sysctl.saved"
  fi
  if [ -f "$state/created-paths" ]; then
    for path in $(sort -u "$state/created-paths"); do rm -rf "$path"; done
    rm -f "$state/created-paths"
  fi
fi
exit 0
`;
}

export interface NodeStartOptions {
  runDir: string;
  cluster: string;
  /** The cluster's API server: https://127.0.0.1:<port> */
  server: string;
  apiServerPort: number;
  caCertFile: string;
  caKeyFile: string;
  caPem: string;
  adminToken: string;
  kubelet: string;
  pauseArchive: string;
  detached: boolean;
  log: (line: string) => void;
  /** Fields merged into the generated KubeletConfiguration. */
  kubeletConfig?: Record<string, unknown>;
}

/** What another process needs to use a running node (the bed's state file). */
export interface NodeState {
  name: string;
  slot: number;
  ip: string;
  podSubnet: string;
  dir: string;
  containerdSocket: string;
  kubeletPort: number;
  cleanupScript: string;
}

/**
 * One node of a cluster. The kubelet registers as `<cluster>-node` with the node IP `10.244.<slot>.1`
 * (the gateway of its pod bridge); pods get `10.244.<slot>.0/24`, reach their own API server through the
 * `kubernetes` Service (10.96.0.1:443) and any API server of the bed at `https://10.244.0.1:<port>`
 * (`podHostAddress`), both forwarded by the node's NAT chain to the loopback address the servers listen on.
 */
export class Node {
  readonly name: string;
  readonly slot: number;
  readonly ip: string;
  readonly podSubnet: string;
  readonly dir: string;
  readonly containerdSocket: string;
  readonly kubeletPort: number;
  readonly cleanupScript: string;
  #processes: ManagedProcess[] = [];

  private constructor(state: NodeState) {
    this.name = state.name;
    this.slot = state.slot;
    this.ip = state.ip;
    this.podSubnet = state.podSubnet;
    this.dir = state.dir;
    this.containerdSocket = state.containerdSocket;
    this.kubeletPort = state.kubeletPort;
    this.cleanupScript = state.cleanupScript;
  }

  /** A node another process started (ctr operations only; it cannot stop it). */
  static attach(state: NodeState): Node {
    return new Node(state);
  }

  get state(): NodeState {
    return {
      name: this.name,
      slot: this.slot,
      ip: this.ip,
      podSubnet: this.podSubnet,
      dir: this.dir,
      containerdSocket: this.containerdSocket,
      kubeletPort: this.kubeletPort,
      cleanupScript: this.cleanupScript,
    };
  }

  static async start(options: NodeStartOptions): Promise<Node> {
    await ensureNodeHost(options.log);
    const name = `${options.cluster}-node`;
    const slot = await acquireSlot({ pid: process.pid, runDir: options.runDir, cluster: options.cluster });
    const dir = join(options.runDir, `node-${options.cluster}`);
    const subnetPrefix = `10.244.${slot}.`;
    const bridge = `svt${slot}`;
    const chain = `SVELTOS-TESTENV-${slot}`;
    const cgroup = `sveltos-testenv-${slot}`;
    const network = `sveltos-testenv-${slot}`;
    const script = cleanupScript({ slot, dir, bridge, chain, cgroup, subnetPrefix, network });
    const cleanupFile = join(options.runDir, `cleanup-node-${options.cluster}.sh`);
    // the run directory's copy is for the watchdog and `testenv down`; the slot's for whoever finds it abandoned
    writeFileSync(cleanupFile, script, { mode: 0o755 });
    writeFileSync(slotCleanup(slot), script, { mode: 0o755 });
    const node = new Node({
      name,
      slot,
      ip: `${subnetPrefix}1`,
      podSubnet: `${subnetPrefix}0/24`,
      dir,
      containerdSocket: join(dir, 'containerd.sock'),
      kubeletPort: await freePort(),
      cleanupScript: cleanupFile,
    });
    try {
      saveHostState();
      await node.#setUp(options, { bridge, chain, cgroup, network });
    } catch (error) {
      await node.stop();
      throw error;
    }
    return node;
  }

  async #setUp(
    options: NodeStartOptions,
    names: { bridge: string; chain: string; cgroup: string; network: string },
  ): Promise<void> {
    const { dir } = this;
    const log = options.log;
    const started = Date.now();
    for (const sub of [
      'containerd/root',
      'containerd/state',
      'containerd/opt',
      'runc',
      'kubelet',
      'pod-logs',
      'cni/net.d',
      'cni/ipam',
      'pki',
    ]) {
      mkdirSync(join(dir, sub), { recursive: true });
    }
    // the node's pod network: its bridge (the node IP is the gateway), and NAT from it to the API servers
    await must('ip', ['link', 'add', names.bridge, 'type', 'bridge'], 'creating the pod bridge');
    await must('ip', ['addr', 'add', `${this.ip}/24`, 'dev', names.bridge], 'addressing the pod bridge');
    await must('ip', ['link', 'set', names.bridge, 'up'], 'starting the pod bridge');
    // DNAT to 127.0.0.1 is only routed for packets from interfaces with route_localnet
    writeFileSync(`/proc/sys/net/ipv4/conf/${names.bridge}/route_localnet`, '1');
    const nat = ['-w', '-t', 'nat'];
    await must('iptables', [...nat, '-N', names.chain], 'creating the NAT chain');
    await must(
      'iptables',
      [
        ...nat,
        '-A',
        names.chain,
        '-d',
        `${kubernetesServiceIp}/32`,
        '-p',
        'tcp',
        '--dport',
        '443',
        '-j',
        'DNAT',
        '--to-destination',
        `127.0.0.1:${options.apiServerPort}`,
        '-m',
        'comment',
        '--comment',
        `testenv ${options.cluster}: the kubernetes Service`,
      ],
      'forwarding the kubernetes Service',
    );
    await must(
      'iptables',
      [
        ...nat,
        '-A',
        names.chain,
        '-d',
        `${podHostAddress}/32`,
        '-p',
        'tcp',
        '-j',
        'DNAT',
        '--to-destination',
        '127.0.0.1',
        '-m',
        'comment',
        '--comment',
        'testenv: the host, as pods see it',
      ],
      'forwarding the host address',
    );
    await must(
      'iptables',
      [...nat, '-A', 'PREROUTING', '-i', names.bridge, '-j', names.chain],
      'hooking the NAT chain',
    );
    writeFileSync(
      join(dir, 'cni/net.d/10-testenv.conflist'),
      JSON.stringify(
        {
          cniVersion: '1.0.0',
          name: names.network,
          plugins: [
            {
              type: 'bridge',
              bridge: names.bridge,
              isGateway: true,
              isDefaultGateway: true,
              ipMasq: false,
              hairpinMode: true,
              ipam: {
                type: 'host-local',
                ranges: [[{ subnet: this.podSubnet, gateway: this.ip }]],
                dataDir: join(dir, 'cni/ipam'),
              },
            },
          ],
        },
        null,
        2,
      ),
    );

    // cgroups: the kubelet's root (pods go under <root>/kubepods) and one for the daemons, so that the
    // cleanup finds every process of the node, shims and containers included
    makeCgroup(`${names.cgroup}/runtime`);

    // containerd with its CRI plugin: own root, state, sockets, runc root, CNI config; sandbox image ours
    const config = join(dir, 'containerd/config.toml');
    writeFileSync(
      config,
      [
        'version = 2',
        `root = ${JSON.stringify(join(dir, 'containerd/root'))}`,
        `state = ${JSON.stringify(join(dir, 'containerd/state'))}`,
        '[grpc]',
        `  address = ${JSON.stringify(this.containerdSocket)}`,
        '[ttrpc]',
        `  address = ${JSON.stringify(`${this.containerdSocket}.ttrpc`)}`,
        '[plugins."io.containerd.internal.v1.opt"]',
        `  path = ${JSON.stringify(join(dir, 'containerd/opt'))}`,
        '[plugins."io.containerd.grpc.v1.cri"]',
        `  sandbox_image = ${JSON.stringify(pauseImage)}`,
        // the streaming server (exec, attach, port-forward) on loopback, a free port (default 10010 is shared)
        '  stream_server_address = "127.0.0.1"',
        '  stream_server_port = "0"',
        '  enable_selinux = false',
        // this machine class has no CAP_SYS_RESOURCE: a negative oom_score_adj (sandboxes -998, Guaranteed
        // pods -997) fails runc init with EPERM; clamp to containerd's own (0), as rootless setups do
        '  restrict_oom_score_adj = true',
        '  disable_apparmor = true',
        '  [plugins."io.containerd.grpc.v1.cri".containerd]',
        '    snapshotter = "overlayfs"',
        '    default_runtime_name = "runc"',
        '    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
        '      runtime_type = "io.containerd.runc.v2"',
        '      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
        '        SystemdCgroup = false',
        `        Root = ${JSON.stringify(join(dir, 'runc'))}`,
        '  [plugins."io.containerd.grpc.v1.cri".cni]',
        `    bin_dir = ${JSON.stringify(cniBinDir)}`,
        `    conf_dir = ${JSON.stringify(join(dir, 'cni/net.d'))}`,
        '    max_conf_num = 1',
        '',
      ].join('\n'),
    );
    const containerd = startProcess(
      options.runDir,
      `containerd-${options.cluster}`,
      'containerd',
      ['--config', config],
      {
        detached: options.detached,
      },
    );
    this.#processes.push(containerd);
    moveToCgroup(containerd.pid, `${names.cgroup}/runtime`);
    this.#recordOwner(containerd.pid, options);
    await this.#waitFor('containerd', containerd, async () => {
      if (!existsSync(this.containerdSocket)) return false;
      const plugins = await this.ctr(['plugins', 'ls']);
      return plugins.code === 0 && /io\.containerd\.grpc\.v1\s+cri\s+\S+\s+ok/.test(plugins.stdout);
    });
    await this.importImage(options.pauseArchive);

    // the kubelet: a client certificate as system:node:<name>, its own root, logs, cgroup root and ports
    const pki = join(dir, 'pki');
    const ca = { certFile: options.caCertFile, keyFile: options.caKeyFile };
    const cert = await mintClientCert(ca, pki, 'kubelet', {
      commonName: `system:node:${this.name}`,
      organizations: ['system:nodes'],
    });
    const kubeconfig = join(pki, 'kubelet.kubeconfig');
    writeFileSync(
      kubeconfig,
      clientCertKubeconfig(options.cluster, options.server, options.caCertFile, cert),
      {
        mode: 0o600,
      },
    );
    const healthzPort = await freePort();
    const kubeletConfig = {
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      address: this.ip,
      port: this.kubeletPort,
      readOnlyPort: 0,
      healthzBindAddress: '127.0.0.1',
      healthzPort,
      // the API server (logs, exec) authenticates with a client certificate of the bed's CA
      authentication: {
        anonymous: { enabled: false },
        webhook: { enabled: false },
        x509: { clientCAFile: options.caCertFile },
      },
      authorization: { mode: 'AlwaysAllow' },
      cgroupDriver: 'cgroupfs',
      cgroupRoot: `/${names.cgroup}`,
      cgroupsPerQOS: true,
      // Kubernetes 1.35 refuses cgroup v1 unless told otherwise; this machine class is hybrid (v1 controllers)
      failCgroupV1: false,
      failSwapOn: false,
      containerRuntimeEndpoint: `unix://${this.containerdSocket}`,
      imageServiceEndpoint: `unix://${this.containerdSocket}`,
      podLogsDir: join(dir, 'pod-logs'),
      resolvConf: existsSync('/etc/resolv.conf') ? '/etc/resolv.conf' : '',
      clusterDomain: 'cluster.local',
      // images are imported, never pulled: never garbage-collect them, never evict for a full-ish disk
      imageGCHighThresholdPercent: 100,
      imageGCLowThresholdPercent: 99,
      evictionHard: {
        'memory.available': '100Mi',
        'nodefs.available': '1%',
        'imagefs.available': '1%',
        'nodefs.inodesFree': '1%',
      },
      serializeImagePulls: false,
      // Secret and ConfigMap volumes follow changes within seconds (the agent reads its rotated kubeconfig)
      syncFrequency: '10s',
      nodeStatusUpdateFrequency: '5s',
      shutdownGracePeriod: '0s',
      rotateCertificates: false,
      serverTLSBootstrap: false,
      protectKernelDefaults: false,
      // see restrict_oom_score_adj above: the kubelet cannot lower its own score either
      oomScoreAdj: 0,
      ...options.kubeletConfig,
    };
    const kubeletConfigFile = join(dir, 'kubelet-config.yaml');
    writeFileSync(kubeletConfigFile, stringify(kubeletConfig));
    const kubelet = startProcess(
      options.runDir,
      `kubelet-${options.cluster}`,
      options.kubelet,
      [
        `--config=${kubeletConfigFile}`,
        `--kubeconfig=${kubeconfig}`,
        `--root-dir=${join(dir, 'kubelet')}`,
        `--cert-dir=${join(dir, 'kubelet', 'pki')}`,
        `--hostname-override=${this.name}`,
        `--node-ip=${this.ip}`,
        '--v=1',
      ],
      { detached: options.detached },
    );
    this.#processes.push(kubelet);
    moveToCgroup(kubelet.pid, `${names.cgroup}/runtime`);
    const target: HttpsTarget = { server: options.server, caPem: options.caPem, token: options.adminToken };
    await this.#waitFor(
      `kubelet of ${options.cluster}`,
      kubelet,
      async () => {
        const response = await httpsJson(target, 'GET', `/api/v1/nodes/${this.name}`);
        if (response.status !== 200) return false;
        const conditions = (
          response.body as { status?: { conditions?: Array<{ type: string; status: string }> } }
        ).status?.conditions;
        return conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
      },
      120_000,
    );
    log(
      `testenv: node ${this.name} (${this.ip}, pods ${this.podSubnet}) Ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }

  /** The slot belongs to the longest-lived process of the node (a detached bed outlives its starter). */
  #recordOwner(pid: number, options: NodeStartOptions): void {
    writeFileSync(
      slotFile(this.slot),
      JSON.stringify({ pid, runDir: options.runDir, cluster: options.cluster }),
    );
  }

  async #waitFor(
    what: string,
    process: ManagedProcess,
    ready: () => Promise<boolean>,
    timeoutMs = 60_000,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited: number | string | undefined;
    void process.exited.then((code) => {
      exited = code;
    });
    for (;;) {
      if (await ready().catch(() => false)) return;
      if (exited !== undefined) {
        throw new TestEnvError(
          'TESTENV_NODE',
          `${what} exited (${exited}); last log lines:\n${logTail(process.logFile, 25)}`,
        );
      }
      if (Date.now() > deadline) {
        throw new TestEnvError(
          'TESTENV_NODE',
          `${what} not ready after ${timeoutMs / 1000} s; last log lines:\n${logTail(process.logFile, 25)}`,
        );
      }
      await sleep(200);
    }
  }

  /** `ctr` against this node's containerd, in the CRI's namespace (`k8s.io`). */
  ctr(args: readonly string[], timeoutMs?: number): Promise<CommandResult> {
    return exec('ctr', ['--address', this.containerdSocket, '--namespace', 'k8s.io', ...args], { timeoutMs });
  }

  /**
   * Imports an OCI or Docker image archive into the node's runtime, where pods find it without a pull
   * (imagePullPolicy IfNotPresent or Never); returns the image name(s) it carried.
   */
  async importImage(archive: string): Promise<string[]> {
    const result = await this.ctr(['images', 'import', '--snapshotter', 'overlayfs', archive], 300_000);
    if (result.code !== 0) {
      throw new TestEnvError(
        'TESTENV_NODE',
        `ctr images import ${archive} into ${this.name}: ${result.stderr}`,
      );
    }
    return [...(result.stdout + result.stderr).matchAll(/unpacking (\S+) \(sha256:/g)].map((m) => m[1]!);
  }

  /** Names of the images in the node's runtime. */
  async images(): Promise<string[]> {
    const result = await this.ctr(['images', 'list', '--quiet']);
    return result.stdout.split('\n').filter(Boolean);
  }

  /** Stops the kubelet, then the cleanup script removes containers, runtime, mounts, network, cgroups. */
  async stop(): Promise<void> {
    const [containerd, kubelet] = this.#processes;
    await kubelet?.stop();
    await containerd?.stop();
    this.#processes = [];
    await runCleanup(this.cleanupScript);
    rmSync(this.cleanupScript, { force: true });
  }
}

function clientCertKubeconfig(
  cluster: string,
  server: string,
  caFile: string,
  cert: { certFile: string; keyFile: string },
): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server, 'certificate-authority': caFile } }],
    users: [{ name: 'user', user: { 'client-certificate': cert.certFile, 'client-key': cert.keyFile } }],
    contexts: [{ name: 'default', context: { cluster, user: 'user' } }],
    'current-context': 'default',
  });
}

/** A kubeconfig with a client certificate of the bed's CA (the scheduler's, the kubelet's). */
export { clientCertKubeconfig };

/** Runs every node cleanup script a run directory holds (for `testenv down` and stale beds). */
export async function cleanupNodes(runDir: string): Promise<void> {
  if (!existsSync(runDir)) return;
  for (const file of readdirSync(runDir).filter((name) => /^cleanup-node-.*\.sh$/.test(name))) {
    await runCleanup(join(runDir, file));
  }
}

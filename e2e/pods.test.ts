// The examples end to end with every component as a pod on real nodes (kubelet + containerd per cluster,
// packages/testenv node.ts), installed by the project's own charts (e2e/pods.ts): the controllers' two
// replicas turn Ready (the non-leader too), a pod killed mid-scenario is replaced by its Deployment and
// nothing is lost, and `helm upgrade` to a changed value keeps every deployed add-on.
//
// Opt-in (a few minutes): SVELTOS_TS_POD_TESTS=1. Needs root; builds the images (scripts/build-images.sh)
// and installs containerd, runc, the CNI plugins and iptables with apt-get when missing.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { CONFIG_API_VERSION } from '@sveltos-ts/api';
import { type KubeObject, RestClient } from '@sveltos-ts/kube';
import { eventually, loadKubeConfig, TestEnv } from '@sveltos-ts/testenv';
import {
  buildImages,
  type PodFleet,
  podClusterOptions,
  releaseNamespace,
  repoRoot,
  startPodFleet,
} from './pods.ts';
import { converge, type ExpectedResource, scenarios } from './scenarios.ts';

const skip =
  process.env.SVELTOS_TS_POD_TESTS !== '1'
    ? 'opt-in: SVELTOS_TS_POD_TESTS=1'
    : process.getuid?.() !== 0
      ? 'nodes need root'
      : false;

const log = (line: string): void => void process.stderr.write(`${line}\n`);

describe('the product as pods on real nodes, installed by its charts', { skip }, () => {
  let env: TestEnv;
  let fleet: PodFleet;

  before(async () => {
    let started = Date.now();
    await buildImages();
    log(`pods: images built (or up to date) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    started = Date.now();
    env = await TestEnv.start({ clusters: podClusterOptions, log: () => {} });
    log(`pods: three clusters with nodes Ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    fleet = await startPodFleet(env, log);
  });

  let failed = false;
  afterEach((t) => {
    if ((t as { passed?: boolean }).passed === false) failed = true;
  });

  after(async () => {
    if (failed && fleet) log(`pods: diagnostics\n${await fleet.diagnostics().catch(String)}`);
    await fleet?.stop();
    await env?.stop();
  });

  /** The pod holding a controller's Lease, and the others. */
  async function leaderOf(component: 'event-manager' | 'addon-controller') {
    const lease = await fleet.client('mgmt').get<KubeObject & { spec?: { holderIdentity?: string } }>({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      namespace: releaseNamespace,
      name: component,
    });
    const pods = await fleet.pods('mgmt', component);
    const holder = lease.spec?.holderIdentity ?? '';
    const leader = pods.find((pod) => holder.startsWith(`${pod.name}-`));
    return { holder, leader, others: pods.filter((pod) => pod !== leader) };
  }

  it('runs every component as Ready pods: two replicas per controller (the non-leader too), an agent per cluster', async () => {
    for (const component of ['event-manager', 'addon-controller'] as const) {
      const pods = await fleet.pods('mgmt', component);
      assert.equal(pods.length, 2, component);
      assert.ok(
        pods.every((pod) => pod.ready && pod.node === 'mgmt-node'),
        `${component}: ${JSON.stringify(pods)}`,
      );
      const { leader, others } = await eventually(`a leader of ${component}`, async () => {
        const found = await leaderOf(component);
        return found.leader ? found : undefined;
      });
      assert.ok(
        leader?.ready && others.length === 1 && others[0]?.ready,
        `${component}: the non-leader is Ready`,
      );
    }
    for (const cluster of ['mgmt', 'cluster-a', 'cluster-b']) {
      const agents = await fleet.pods(cluster, 'sveltos-agent');
      assert.equal(agents.length, 1, `one agent (DaemonSet, one node) in ${cluster}`);
      assert.ok(agents[0]?.ready && agents[0].node === `${cluster}-node`);
    }
    // every component reaches its own API server in-cluster, through the `kubernetes` Service
    for (const component of ['event-manager', 'addon-controller'] as const) {
      for (const pod of await fleet.pods('mgmt', component)) {
        assert.ok(
          !pod.args.some((arg) => arg.startsWith('--kubeconfig')),
          `${pod.name}: ${pod.args.join(' ')}`,
        );
      }
    }
  });

  for (const scenario of scenarios) {
    it(`${scenario.example}: ${scenario.title}`, async () => {
      await scenario.apply(fleet);
      await converge(fleet, scenario.expected, { timeoutMs: 180_000 });
      if (scenario.withdraw) {
        await scenario.withdraw(fleet);
        await converge(fleet, scenario.expected, { gone: true, timeoutMs: 180_000 });
      }
    });
  }

  it('the agents push EventReports with the limited credentials `register agent` minted', async () => {
    const mgmt = env.cluster('mgmt');
    const secret = await fleet.client('cluster-a').get<KubeObject & { data?: Record<string, string> }>({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: releaseNamespace,
      name: 'sveltos-agent-management-kubeconfig',
    });
    const kubeconfig = Buffer.from(secret.data?.kubeconfig ?? '', 'base64').toString();
    // the agent's pod reaches the management cluster at the address pods see; this test, on the host, at its own
    assert.ok(kubeconfig.includes(mgmt.serverForPods), 'the agent was given the address pods reach');
    const agent = new RestClient(loadKubeConfig(kubeconfig.replaceAll(mgmt.serverForPods, mgmt.server)));
    const reports = await agent.list('lib.projectsveltos.io/v1beta1', 'EventReport', {
      namespace: 'default',
    });
    assert.ok(
      reports.items.some(
        (report) => report.metadata.labels?.['eventreport.projectsveltos.io/cluster-name'] === 'cluster-a',
      ),
      'cluster-a reported its events into its namespace',
    );
    // and nothing else: not another cluster's namespace, not the kinds the controllers own
    await assert.rejects(
      agent.list('lib.projectsveltos.io/v1beta1', 'EventReport', { namespace: 'mgmt' }),
      /forbidden/,
    );
    await assert.rejects(agent.list(CONFIG_API_VERSION, 'ClusterProfile'), /forbidden/);
  });

  it('a controller pod killed mid-scenario: its Deployment replaces it, nothing is lost', async () => {
    const perService = scenarios.find((s) => s.example === 'network-policy-per-service')!;
    const before = {
      'event-manager': await leaderOf('event-manager'),
      'addon-controller': await leaderOf('addon-controller'),
    };
    // the event in cluster-b, then both leaders killed before the chain can have finished
    await perService.apply(fleet);
    const mgmt = fleet.client('mgmt');
    for (const { leader } of Object.values(before)) {
      assert.ok(leader?.containerId);
      // SIGKILL in the node's runtime: no graceful shutdown, the Lease is not released (the other replica
      // takes over when it expires); then the pod is deleted, so its Deployment must replace it
      const killed = await env
        .cluster('mgmt')
        .node!.ctr(['tasks', 'kill', '--signal', 'SIGKILL', leader.containerId]);
      assert.equal(killed.code, 0, killed.stderr);
      const path = await mgmt.path({
        apiVersion: 'v1',
        kind: 'Pod',
        namespace: releaseNamespace,
        name: leader.name,
      });
      await mgmt.request('DELETE', path, {
        body: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 },
      });
    }
    // the chain takes a few hundred milliseconds: the add-on is normally not there yet
    const applied = (await fleet.client('cluster-b').getOrUndefined(perService.expected[0]!)) !== undefined;
    const killedAt = Date.now();
    await converge(fleet, perService.expected, { timeoutMs: 180_000 });
    log(
      `pods: leaders killed ${applied ? 'after' : 'before'} the add-on was applied; applied ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`,
    );
    for (const [component, { leader }] of Object.entries(before) as Array<
      ['event-manager' | 'addon-controller', { leader?: { name: string } }]
    >) {
      await eventually(
        `${component}: two Ready replicas again, one of them new`,
        async () => {
          const pods = (await fleet.pods('mgmt', component)).filter((pod) => !pod.deleting);
          return (
            pods.length === 2 &&
            pods.every((pod) => pod.ready) &&
            pods.every((pod) => pod.name !== leader?.name)
          );
        },
        180_000,
      );
    }
    // and the chain still runs both ways with the new leaders
    await perService.withdraw!(fleet);
    await converge(fleet, perService.expected, { gone: true, timeoutMs: 180_000 });
    await perService.apply(fleet);
    await converge(fleet, perService.expected, { timeoutMs: 180_000 });
  });

  it('helm upgrade to a changed value rolls the controllers and keeps every deployed add-on', async () => {
    const deployed: ExpectedResource[] = scenarios.filter((s) => !s.withdraw).flatMap((s) => s.expected);
    const uids = async (): Promise<string[]> =>
      Promise.all(deployed.map(async (r) => (await fleet.client(r.cluster).get(r)).metadata.uid as string));
    const uidsBefore = await uids();
    const podsBefore = new Set(
      [...(await fleet.pods('mgmt', 'event-manager')), ...(await fleet.pods('mgmt', 'addon-controller'))].map(
        (pod) => pod.uid,
      ),
    );
    const started = Date.now();
    await fleet.helm('mgmt', [
      'upgrade',
      'sveltos',
      join(repoRoot, 'charts/sveltos'),
      '--namespace',
      releaseNamespace,
      '--reuse-values',
      '--set',
      'logLevel=debug',
      '--wait',
      '--timeout',
      '5m',
    ]);
    log(`pods: helm upgrade rolled out in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    for (const component of ['event-manager', 'addon-controller'] as const) {
      await eventually(
        `${component}: rolled to the new value, two Ready replicas`,
        async () => {
          const pods = (await fleet.pods('mgmt', component)).filter((pod) => !pod.deleting);
          return (
            pods.length === 2 &&
            pods.every(
              (pod) => pod.ready && pod.args.includes('--log-level=debug') && !podsBefore.has(pod.uid),
            )
          );
        },
        180_000,
      );
    }
    // the same objects: nothing was withdrawn and re-created by the new pods
    assert.deepEqual(await uids(), uidsBefore);
    // and the new release keeps reacting
    const perService = scenarios.find((s) => s.example === 'network-policy-per-service')!;
    await perService.withdraw!(fleet);
    await converge(fleet, perService.expected, { gone: true, timeoutMs: 180_000 });
    await perService.apply(fleet);
    await converge(fleet, perService.expected, { timeoutMs: 180_000 });
    assert.deepEqual(await uids(), uidsBefore);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DEPLOYED_BY_SVELTOS_ANNOTATION,
  EventReportKind,
  eventReportName,
  SveltosClusterKind,
} from '@sveltos-ts/api';
import { ClusterRegistry } from '@sveltos-ts/clusters';
import { LuaSandbox } from '@sveltos-ts/evaluation';
import { type KubeObject, RestClient } from '@sveltos-ts/kube';
import { eventually, sharedTestEnv } from '@sveltos-ts/testenv';
import { evaluationCompiler } from './evaluator.ts';
import { AgentFleet } from './fleet.ts';

const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;
const clusterNamespace = `fleet-${suffix}`;
const workloads = `fleet-work-${suffix}`;

describe('AgentFleet: agents hosted in the management cluster', () => {
  let mgmt: RestClient;
  let managed: RestClient;
  let registry: ClusterRegistry;
  let fleet: AgentFleet;

  before(async () => {
    const env = await sharedTestEnv();
    mgmt = new RestClient(env.cluster('mgmt').kubeConfig());
    managed = new RestClient(env.cluster('cluster-b').kubeConfig());
    await mgmt.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: clusterNamespace } });
    await managed.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: workloads } });
    await mgmt.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'edge-sveltos-kubeconfig', namespace: clusterNamespace },
      stringData: { kubeconfig: env.cluster('cluster-b').kubeconfigYaml },
    } as KubeObject);
    await managed.create({
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'EventSource',
      metadata: { name: `fleet-${suffix}`, annotations: { [DEPLOYED_BY_SVELTOS_ANNOTATION]: 'ok' } },
      spec: { resourceSelectors: [{ group: '', version: 'v1', kind: 'ConfigMap', namespace: workloads }] },
    });
    await managed.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'seen', namespace: workloads },
    });

    registry = new ClusterRegistry({ client: mgmt, probeIntervalMs: 1_000 });
    await registry.start();
    fleet = new AgentFleet({
      registry,
      managementClient: mgmt,
      compile: evaluationCompiler(new LuaSandbox()),
      accepts: (cluster) => cluster.namespace === clusterNamespace,
    });
    fleet.start();
  });
  after(async () => {
    await fleet.stop();
    await registry.stop();
  });

  it('starts an agent for a registered cluster once it is ready, and its reports reach the management cluster', async () => {
    await mgmt.create({
      apiVersion: SveltosClusterKind.apiVersion,
      kind: SveltosClusterKind.kind,
      metadata: { name: 'edge', namespace: clusterNamespace },
      spec: {},
    });
    await eventually('an agent for the cluster', () =>
      fleet.clusters().includes(`Sveltos:${clusterNamespace}/edge`) ? true : undefined,
    );
    const report = await eventually('the report', () =>
      mgmt.getOrUndefined({
        apiVersion: EventReportKind.apiVersion,
        kind: EventReportKind.kind,
        namespace: clusterNamespace,
        name: eventReportName('Sveltos', `fleet-${suffix}`, 'edge'),
      }),
    );
    assert.deepEqual(
      (report.spec as { matchingResources: Array<{ name: string }> }).matchingResources.map((r) => r.name),
      ['seen'],
    );
  });

  it('stops the agent when the cluster is paused', async () => {
    await mgmt.mergePatch(
      {
        apiVersion: SveltosClusterKind.apiVersion,
        kind: SveltosClusterKind.kind,
        namespace: clusterNamespace,
        name: 'edge',
      },
      { spec: { paused: true } },
    );
    await eventually('the agent to stop', () => (fleet.clusters().length === 0 ? true : undefined));
  });

  it('a shard runs agents for its clusters only; a cluster moving away has its agent stopped, its report kept', async () => {
    const env = await sharedTestEnv();
    const s1Registry = new ClusterRegistry({ client: mgmt, shardKey: 's1', manageStatus: false });
    await s1Registry.start();
    const s1Fleet = new AgentFleet({
      registry: s1Registry,
      managementClient: mgmt,
      compile: evaluationCompiler(new LuaSandbox()),
      accepts: (cluster) => cluster.namespace === clusterNamespace,
    });
    s1Fleet.start();
    const key = `Sveltos:${clusterNamespace}/sharded`;
    const ref = {
      apiVersion: SveltosClusterKind.apiVersion,
      kind: SveltosClusterKind.kind,
      namespace: clusterNamespace,
      name: 'sharded',
    };
    try {
      await mgmt.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'sharded-sveltos-kubeconfig', namespace: clusterNamespace },
        stringData: { kubeconfig: env.cluster('cluster-b').kubeconfigYaml },
      } as KubeObject);
      await mgmt.create({
        apiVersion: SveltosClusterKind.apiVersion,
        kind: SveltosClusterKind.kind,
        metadata: {
          name: 'sharded',
          namespace: clusterNamespace,
          annotations: { 'sharding.projectsveltos.io/key': 's1' },
        },
        spec: {},
      });
      // ready whoever probes: only the shard may decide where its agent runs
      await mgmt.patchStatus(ref, { ready: true }, 'fleet-test');
      await eventually('an agent in shard s1', () => (s1Fleet.clusters().includes(key) ? true : undefined));
      assert.ok(!fleet.clusters().includes(key), 'the default shard runs none for it');
      const reportRef = {
        apiVersion: EventReportKind.apiVersion,
        kind: EventReportKind.kind,
        namespace: clusterNamespace,
        name: eventReportName('Sveltos', `fleet-${suffix}`, 'sharded'),
      };
      const report = await eventually('its report', () => mgmt.getOrUndefined(reportRef));
      await mgmt.mergePatch(ref, { metadata: { annotations: { 'sharding.projectsveltos.io/key': 's2' } } });
      await eventually('the s1 agent to stop', () => (s1Fleet.clusters().includes(key) ? undefined : true));
      assert.ok(!fleet.clusters().includes(key));
      assert.equal((await mgmt.getOrUndefined(reportRef))?.metadata.uid, report.metadata.uid, 'report kept');
    } finally {
      await s1Fleet.stop();
      await s1Registry.stop();
    }
  });
});

// Failure behaviour on a bed of its own (it stops API servers): the management cluster going away for a
// minute, and credentials that only reach the agent's own cluster namespace.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  crds,
  DEPLOYED_BY_SVELTOS_ANNOTATION,
  EventReportKind,
  EventSourceKind,
  eventReportName,
} from '@sveltos-ts/api';
import { LuaSandbox } from '@sveltos-ts/evaluation';
import { type KubeObject, type Logger, RestClient } from '@sveltos-ts/kube';
import { eventually, TestEnv } from '@sveltos-ts/testenv';
import { SveltosAgent } from './agent.ts';
import { evaluationCompiler } from './evaluator.ts';

let env: TestEnv;
let lua: LuaSandbox;

const eventSource: KubeObject = {
  apiVersion: EventSourceKind.apiVersion,
  kind: EventSourceKind.kind,
  metadata: { name: 'services', annotations: { [DEPLOYED_BY_SVELTOS_ANNOTATION]: 'ok' } },
  spec: { resourceSelectors: [{ group: '', version: 'v1', kind: 'Service', namespace: 'apps' }] },
};

const service = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'apps' },
  spec: { ports: [{ port: 80 }] },
});

async function agentCredentials(namespace: string): Promise<RestClient> {
  const credentials = await env.cluster('mgmt').mintServiceAccountKubeconfig({
    namespace,
    name: 'sveltos-agent',
    rules: [
      {
        apiGroups: ['lib.projectsveltos.io'],
        resources: ['eventreports'],
        verbs: ['get', 'create', 'patch', 'delete'],
      },
    ],
  });
  return new RestClient(credentials.kubeConfig());
}

describe('sveltos-agent under failures', () => {
  before(async () => {
    env = await TestEnv.start({
      clusters: [
        { name: 'mgmt', controllerManager: false },
        { name: 'edge', controllerManager: false },
      ],
    });
    await Promise.all(env.clusters().map((cluster) => cluster.installCrds(crds)));
    const edge = new RestClient(env.cluster('edge').kubeConfig());
    await edge.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } });
    await edge.create(eventSource);
    lua = new LuaSandbox();
  });
  after(() => env.stop());

  it('converges once the management cluster is back after a 60 s outage', async () => {
    const mgmtCluster = env.cluster('mgmt');
    const mgmt = new RestClient(mgmtCluster.kubeConfig());
    const edge = new RestClient(env.cluster('edge').kubeConfig());
    const reports = await agentCredentials('edge-ns');
    const agent = new SveltosAgent({
      cluster: { namespace: 'edge-ns', name: 'edge', type: 'Sveltos' },
      managedClient: edge,
      reportClient: () => reports,
      compile: evaluationCompiler(lua),
    });
    agent.start();
    const ref = {
      apiVersion: EventReportKind.apiVersion,
      kind: EventReportKind.kind,
      namespace: 'edge-ns',
      name: eventReportName('Sveltos', 'services', 'edge'),
    };
    const names = async (): Promise<string | undefined> => {
      const report = await mgmt.getOrUndefined(ref);
      const matching = (report?.spec as { matchingResources?: Array<{ name: string }> } | undefined)
        ?.matchingResources;
      return report
        ? (matching ?? [])
            .map((m) => m.name)
            .sort()
            .join(',')
        : undefined;
    };
    try {
      await edge.create(service('before'));
      await eventually('the first report', async () => ((await names()) === 'before' ? true : undefined));

      await mgmtCluster.stop();
      await edge.create(service('during'));
      await edge.delete({ apiVersion: 'v1', kind: 'Service', namespace: 'apps', name: 'before' });
      await sleep(60_000);
      await mgmtCluster.start();

      await eventually(
        'the report to converge',
        async () => ((await names()) === 'during' ? true : undefined),
        120_000,
      );
    } finally {
      await agent.stop();
    }
  });

  it("cannot write into another cluster's namespace, and keeps retrying without crashing", async () => {
    const mgmt = new RestClient(env.cluster('mgmt').kubeConfig());
    await mgmt
      .create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'victim-ns' } })
      .catch(() => {});
    const ownCredentials = await agentCredentials('liar-ns');
    // an agent told to speak for a cluster in victim-ns, holding credentials for liar-ns only
    // the agent's log shows its attempts: a failed (refused) write is the barrier after which "nothing was
    // written" can be observed
    const refusals: string[] = [];
    const logger: Logger = {
      debug() {},
      info() {},
      warn(message, fields) {
        if (message.startsWith('reconcile failed')) refusals.push(String(fields?.error ?? ''));
      },
      error() {},
      child: () => logger,
    };
    const liar = new SveltosAgent({
      cluster: { namespace: 'victim-ns', name: 'victim', type: 'Sveltos' },
      managedClient: new RestClient(env.cluster('edge').kubeConfig()),
      reportClient: () => ownCredentials,
      compile: evaluationCompiler(lua),
      logger,
    });
    liar.start();
    try {
      await eventually('the agent to try to write and be refused twice', async () =>
        refusals.length >= 2 ? true : undefined,
      );
      assert.match(refusals[0]!, /forbidden|Forbidden|403/);
      const victims = await mgmt.list(EventReportKind.apiVersion, EventReportKind.kind, {
        namespace: 'victim-ns',
      });
      assert.deepEqual(victims.items, [], 'nothing was written into the other namespace');
      assert.equal(liar.status()[0]?.reported, false);
    } finally {
      await liar.stop();
    }
  });
});

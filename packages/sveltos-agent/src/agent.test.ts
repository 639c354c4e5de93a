import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DEPLOYED_BY_SVELTOS_ANNOTATION,
  decodeEventReportResources,
  EventReportKind,
  EventSourceKind,
  eventReportName,
} from '@sveltos-ts/api';
import { LuaSandbox } from '@sveltos-ts/evaluation';
import { type KubeObject, RestClient } from '@sveltos-ts/kube';
import { eventually, sharedTestEnv, type TestEnv } from '@sveltos-ts/testenv';
import { AGENT_PROBLEM_ANNOTATION, SveltosAgent } from './agent.ts';
import { evaluationCompiler } from './evaluator.ts';

const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;
const clusterNamespace = `agent-mgmt-${suffix}`;
const workloads = `agent-work-${suffix}`;

interface Report extends KubeObject {
  spec: { matchingResources?: Array<{ name: string; namespace?: string; kind: string }>; resources?: string };
}

let env: TestEnv;
let mgmt: RestClient;
let managed: RestClient;
let agentReports: RestClient;
let lua: LuaSandbox;

function eventSource(
  name: string,
  selector: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: EventSourceKind.apiVersion,
    kind: EventSourceKind.kind,
    metadata: { name, annotations: { [DEPLOYED_BY_SVELTOS_ANNOTATION]: 'ok' } },
    spec: {
      resourceSelectors: [{ group: '', version: 'v1', kind: 'Service', namespace: workloads, ...selector }],
      ...extra,
    },
  };
}

function service(name: string, labels: Record<string, string>, port = 80): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: workloads, labels },
    spec: { selector: { app: name }, ports: [{ port, name: 'http' }] },
  };
}

function reportRef(source: string) {
  return {
    apiVersion: EventReportKind.apiVersion,
    kind: EventReportKind.kind,
    namespace: clusterNamespace,
    name: eventReportName('Sveltos', source, 'cluster-a'),
  };
}

const matchedNames = (report: Report | undefined): string[] | undefined =>
  report?.spec.matchingResources?.map((r) => r.name).sort() ?? (report ? [] : undefined);

async function reportMatching(source: string, expected: string[]): Promise<Report> {
  return eventually(`report ${source} = [${expected}]`, async () => {
    const report = await mgmt.getOrUndefined<Report>(reportRef(source));
    return JSON.stringify(matchedNames(report)) === JSON.stringify([...expected].sort()) ? report : undefined;
  });
}

function newAgent(): SveltosAgent {
  const agent = new SveltosAgent({
    cluster: { namespace: clusterNamespace, name: 'cluster-a', type: 'Sveltos' },
    managedClient: managed,
    reportClient: () => agentReports,
    compile: evaluationCompiler(lua),
    coalesceMs: 20,
  });
  agent.start();
  return agent;
}

describe('sveltos-agent against real clusters', () => {
  let agent: SveltosAgent;
  before(async () => {
    env = await sharedTestEnv();
    mgmt = new RestClient(env.cluster('mgmt').kubeConfig());
    managed = new RestClient(env.cluster('cluster-a').kubeConfig());
    await mgmt.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: clusterNamespace } });
    await managed.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: workloads } });
    // what a real agent gets: EventReports and Events in its own cluster's namespace, nothing else
    const credentials = await env.cluster('mgmt').mintServiceAccountKubeconfig({
      namespace: clusterNamespace,
      name: 'sveltos-agent',
      rules: [
        {
          apiGroups: ['lib.projectsveltos.io'],
          resources: ['eventreports'],
          verbs: ['get', 'create', 'patch', 'update', 'delete'],
        },
        { apiGroups: [''], resources: ['events'], verbs: ['create'] },
      ],
    });
    agentReports = new RestClient(credentials.kubeConfig());
    // soft limits out of reach: a long script is stopped by the sandbox's watchdog, as a C call would be
    lua = new LuaSandbox({ limits: { timeoutMs: 600_000, maxInstructions: 1e15 }, hardTimeoutMs: 1000 });
    agent = newAgent();
  });
  after(() => agent.stop());

  it('reports Services as they are created, labelled, unlabelled and deleted', async () => {
    const source = `labels-${suffix}`;
    await managed.create(service('web', { tier: 'front' }));
    await managed.create(
      eventSource(source, { labelFilters: [{ key: 'tier', operation: 'Equal', value: 'front' }] }),
    );
    await reportMatching(source, ['web']);

    await managed.create(service('api', { tier: 'back' }));
    await managed.mergePatch(
      { apiVersion: 'v1', kind: 'Service', namespace: workloads, name: 'api' },
      {
        metadata: { labels: { tier: 'front' } },
      },
    );
    await reportMatching(source, ['api', 'web']);

    await managed.mergePatch(
      { apiVersion: 'v1', kind: 'Service', namespace: workloads, name: 'web' },
      {
        metadata: { labels: { tier: null } },
      },
    );
    await reportMatching(source, ['api']);
    await managed.delete({ apiVersion: 'v1', kind: 'Service', namespace: workloads, name: 'api' });
    const empty = await reportMatching(source, []);
    assert.equal(empty.metadata.labels?.['eventreport.projectsveltos.io/cluster-name'], 'cluster-a');
    assert.deepEqual(
      {
        clusterName: (empty.spec as Record<string, unknown>).clusterName,
        type: (empty.spec as Record<string, unknown>).clusterType,
      },
      { clusterName: 'cluster-a', type: 'Sveltos' },
    );
  });

  it('evaluates CEL with integer arithmetic and collects resources in the upstream byte format', async () => {
    const source = `cel-${suffix}`;
    await managed.create(service('high-port', { kind: 'cel' }, 8443));
    await managed.create(service('low-port', { kind: 'cel' }, 80));
    await managed.create(
      eventSource(
        source,
        { evaluateCEL: [{ name: 'tls', rule: 'resource.spec.ports[0].port + 1 > 8000' }] },
        { collectResources: true },
      ),
    );
    const report = await reportMatching(source, ['high-port']);
    const [collected] = decodeEventReportResources(report.spec.resources);
    assert.equal((collected as { metadata: { name: string } }).metadata.name, 'high-port');
  });

  it('runs Lua and aggregatedSelection', async () => {
    const source = `lua-${suffix}`;
    for (const name of ['lua-a', 'lua-b', 'lua-c']) await managed.create(service(name, { kind: 'lua' }));
    await managed.create(
      eventSource(
        source,
        {
          labelFilters: [{ key: 'kind', operation: 'Equal', value: 'lua' }],
          evaluate: `function evaluate()
            local hs = {}
            hs.matching = obj.metadata.name ~= "lua-c"
            return hs
          end`,
        },
        {
          aggregatedSelection: `function evaluate()
            local hs = {}
            hs.resources = {}
            for _, r in ipairs(resources) do
              if r.metadata.name == "lua-b" then table.insert(hs.resources, r) end
            end
            return hs
          end`,
        },
      ),
    );
    await reportMatching(source, ['lua-b']);
  });

  it('a script the sandbox has to stop costs its EventSource a timeout, reported as such; others carry on', async () => {
    const stuck = `stuck-${suffix}`;
    await managed.create(service('stuck-svc', { kind: 'stuck' }));
    await managed.create(
      eventSource(stuck, { labelFilters: [{ key: 'kind', operation: 'Equal', value: 'stuck' }] }),
    );
    const good = await reportMatching(stuck, ['stuck-svc']);
    await managed.apply(
      eventSource(stuck, {
        labelFilters: [{ key: 'kind', operation: 'Equal', value: 'stuck' }],
        evaluate:
          'function evaluate() local x = 0 for i = 1, 1e12 do x = x + i end return {matching = true} end',
      }),
      { fieldManager: 'test' },
    );
    // another EventSource over the same objects, created while the first one is stuck
    const healthy = `unstuck-${suffix}`;
    await managed.create(
      eventSource(healthy, { labelFilters: [{ key: 'kind', operation: 'Equal', value: 'stuck' }] }),
    );
    await reportMatching(healthy, ['stuck-svc']);
    const annotated = await eventually('the timeout on the report', async () => {
      const report = await mgmt.getOrUndefined<Report>(reportRef(stuck));
      return report?.metadata.annotations?.[AGENT_PROBLEM_ANNOTATION] ? report : undefined;
    });
    assert.match(
      annotated.metadata.annotations![AGENT_PROBLEM_ANNOTATION]!,
      /stopped by the sandbox watchdog.*\[LUA_TIMEOUT\] \(object /,
    );
    assert.deepEqual(annotated.spec, good.spec, 'the last good content stays');
  });

  it('a broken EventSource is reported and keeps its last good report; others keep working', async () => {
    const broken = `broken-${suffix}`;
    await managed.create(service('steady', { kind: 'broken' }));
    await managed.create(
      eventSource(broken, { labelFilters: [{ key: 'kind', operation: 'Equal', value: 'broken' }] }),
    );
    const good = await reportMatching(broken, ['steady']);

    await managed.apply(
      eventSource(broken, {
        labelFilters: [{ key: 'kind', operation: 'Equal', value: 'broken' }],
        evaluate: 'function evaluate( this is not lua',
      }),
      { fieldManager: 'test' },
    );
    const annotated = await eventually('the problem annotation', async () => {
      const report = await mgmt.getOrUndefined<Report>(reportRef(broken));
      return report?.metadata.annotations?.[AGENT_PROBLEM_ANNOTATION] ? report : undefined;
    });
    assert.match(annotated.metadata.annotations![AGENT_PROBLEM_ANNOTATION]!, /evaluate/);
    assert.deepEqual(annotated.spec, good.spec, 'the last good content stays');
    const events = await mgmt.list('v1', 'Event', { namespace: clusterNamespace });
    assert.ok(
      events.items.some((e) => (e as { reason?: string }).reason === 'EvaluationFailed'),
      'a Kubernetes Event records the failure',
    );

    // another EventSource still works while this one is broken
    const healthy = `healthy-${suffix}`;
    await managed.create(
      eventSource(healthy, { labelFilters: [{ key: 'kind', operation: 'Equal', value: 'broken' }] }),
    );
    await reportMatching(healthy, ['steady']);

    // fixing it clears the problem
    await managed.apply(
      eventSource(broken, { labelFilters: [{ key: 'kind', operation: 'Equal', value: 'broken' }] }),
      {
        fieldManager: 'test',
      },
    );
    await eventually('the problem to clear', async () => {
      const report = await mgmt.getOrUndefined<Report>(reportRef(broken));
      return report && !report.metadata.annotations?.[AGENT_PROBLEM_ANNOTATION] ? report : undefined;
    });
  });

  it('restarting the agent writes nothing when nothing changed (no transient empty report)', async () => {
    const source = `restart-${suffix}`;
    await managed.create(service('survivor', { kind: 'restart' }));
    await managed.create(
      eventSource(source, { labelFilters: [{ key: 'kind', operation: 'Equal', value: 'restart' }] }),
    );
    const before = await reportMatching(source, ['survivor']);
    await agent.stop();
    agent = newAgent();
    // the new agent has reconciled the EventSource once it knows what the management cluster holds (it
    // compares before writing): only then can "nothing was written" be observed
    await eventually('the new agent to reconcile the EventSource', async () =>
      agent.synced() && agent.status().find((s) => s.eventSource === source)?.reported ? true : undefined,
    );
    const after = await mgmt.get<Report>(reportRef(source));
    assert.equal(
      after.metadata.resourceVersion,
      before.metadata.resourceVersion,
      'the report was not rewritten',
    );
  });

  it('deletes the report when its EventSource goes away', async () => {
    const source = `gone-${suffix}`;
    await managed.create(eventSource(source, { labelFilters: [{ key: 'none', operation: 'Has' }] }));
    await reportMatching(source, []);
    await managed.delete({
      apiVersion: EventSourceKind.apiVersion,
      kind: EventSourceKind.kind,
      name: source,
    });
    await eventually('the report to be deleted', async () =>
      (await mgmt.getOrUndefined(reportRef(source))) ? undefined : true,
    );
  });

  it('keeps its own copy in the cluster it evaluates (projectsveltos/<EventSource>), and removes it with the EventSource', async () => {
    const source = `local-${suffix}`;
    await managed.create(service('local-a', { copy: 'local' }));
    await managed.create(
      eventSource(source, { labelFilters: [{ key: 'copy', operation: 'Equal', value: 'local' }] }),
    );
    await reportMatching(source, ['local-a']);
    const localRef = {
      apiVersion: EventSourceKind.apiVersion,
      kind: 'EventReport',
      namespace: 'projectsveltos',
      name: source,
    };
    const local = await eventually('the local copy', () => managed.getOrUndefined<Report>(localRef));
    assert.deepEqual(matchedNames(local), ['local-a']);
    assert.equal(local.metadata.labels?.['projectsveltos.io/eventsource-name'], source);
    // no cluster: only the management copy names it
    assert.equal((local.spec as Record<string, unknown>).clusterName, '');
    await managed.create(service('local-b', { copy: 'local' }));
    await eventually(
      'the local copy to follow',
      async () =>
        JSON.stringify(matchedNames(await managed.getOrUndefined<Report>(localRef))) ===
        JSON.stringify(['local-a', 'local-b']),
    );
    await managed.delete({
      apiVersion: EventSourceKind.apiVersion,
      kind: EventSourceKind.kind,
      name: source,
    });
    await eventually(
      'the local copy to be deleted',
      async () => (await managed.getOrUndefined(localRef)) === undefined,
    );
  });

  it('ignores EventSources not deployed by Sveltos', async () => {
    const source = `manual-${suffix}`;
    const manual = eventSource(source, {});
    delete manual.metadata.annotations;
    await managed.create(manual);
    // a deployed EventSource created after it: once its report exists, the agent has seen both (EventSource
    // events arrive in order), so the manual one's absence is a decision, not a delay
    const marker = `after-manual-${suffix}`;
    await managed.create(eventSource(marker, { labelFilters: [{ key: 'none', operation: 'Has' }] }));
    await reportMatching(marker, []);
    assert.equal(await mgmt.getOrUndefined(reportRef(source)), undefined);
    assert.equal(
      agent.status().some((s) => s.eventSource === source),
      false,
    );
  });
});

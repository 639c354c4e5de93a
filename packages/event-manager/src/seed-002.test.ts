// Seed 002 (v1alpha1 EventBasedAddOn) through its v1beta1 translation (SPEC §10): EventReports written as
// the agent writes them become ClusterProfiles and instantiated ConfigMaps; events going away, the trigger
// going away and a spoofed report are handled.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { crds, INSTANTIATE_ANNOTATION } from '@sveltos-ts/api';
import { KubeError, type KubeObject, RestClient } from '@sveltos-ts/kube';
import {
  type SeedObject,
  seedDocuments,
  seedText,
  sharedTestEnv,
  type TestEnv,
  yamlBlocks,
} from '@sveltos-ts/testenv';
import { parse } from 'yaml';
import type { RunningEventManager } from './manager.ts';
import {
  agentReport,
  configMapsOf,
  eventually,
  profilesOf,
  registerCluster,
  reportRef,
  scopedManager,
  writeReport,
} from './test-support.ts';

type Doc = SeedObject & { spec?: Record<string, unknown>; data?: Record<string, string> };

const scope = `s002-${Date.now().toString(36)}`;
const ns = scope;
const docs = () => seedDocuments(yamlBlocks(seedText('002'))) as Doc[];
const find = (kind: string, name: string, nth = 0) =>
  docs().filter((d) => d.kind === kind && d.metadata?.name === name)[nth] ?? assert.fail(`${kind}/${name}`);

/** v1alpha1 flat EventSource → v1beta1 (resourceSelectors; `script` is `evaluate`). The seed's first
 * EventSource spells `labelsFilters`; the second (Lua) is used, as it carries the same event. */
function source(d: Doc, name: string): KubeObject {
  const s = d.spec as Record<string, unknown>;
  return {
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'EventSource',
    metadata: { name },
    spec: {
      collectResources: s.collectResources,
      resourceSelectors: [
        {
          group: s.group,
          version: s.version,
          kind: s.kind,
          ...(s.namespace ? { namespace: ns } : {}),
          ...(s.script ? { evaluate: s.script } : {}),
        },
      ],
    },
  };
}

/** v1alpha1 EventBasedAddOn → v1beta1 EventTrigger (string selector → matchLabels, scoped to this test). */
function trigger(d: Doc, name: string, eventSource: string): KubeObject {
  const s = d.spec as {
    clusterSelector: string;
    oneForEvent: boolean;
    policyRefs: Record<string, unknown>[];
  };
  const [k, v] = s.clusterSelector.split('=') as [string, string];
  return {
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'EventTrigger',
    metadata: { name, labels: { 'sveltos-test': scope } },
    spec: {
      sourceClusterSelector: { matchLabels: { [k]: v, 'sveltos-test': scope } },
      eventSourceName: eventSource,
      oneForEvent: s.oneForEvent,
      policyRefs: s.policyRefs.map((r) => ({ ...r, namespace: ns })),
    },
  };
}

/** The referenced ConfigMap, instantiated as v1alpha1 always did (`projectsveltos.io/instantiate`). */
const template = (d: Doc): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: d.metadata!.name!, namespace: ns, annotations: { [INSTANTIATE_ANNOTATION]: 'ok' } },
  data: d.data!,
});

function service(name: string, port: number, selector: Record<string, string>): Record<string, unknown> {
  const seed = structuredClone(find('Service', 'my-service')) as Doc;
  return {
    ...seed,
    metadata: { name, namespace: ns, labels: { sveltos: 'fv' }, uid: `uid-${name}`, resourceVersion: '1' },
    spec: { ...seed.spec, selector, ports: [{ protocol: 'TCP', port, targetPort: 9376 }] },
  };
}

describe('seed 002: one ClusterProfile per Service, one for all', () => {
  let env: TestEnv;
  let admin: RestClient;
  let clusterA: RestClient;
  let manager: RunningEventManager;
  const perService = `service-network-policy-${scope}`;
  const esName = `sveltos-service-${scope}`;

  before(async () => {
    env = await sharedTestEnv({ crds });
    admin = new RestClient(env.cluster('mgmt').kubeConfig());
    clusterA = new RestClient(env.cluster('cluster-a').kubeConfig());
    await admin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    manager = await scopedManager(env, scope);
    await registerCluster(env, admin, {
      namespace: ns,
      name: 'workload',
      target: 'cluster-a',
      labels: { env: 'fv', 'sveltos-test': scope },
    });
    await admin.create(source(find('EventSource', 'sveltos-service', 1), esName));
    await admin.create(template(find('ConfigMap', 'network-policy')));
    await admin.create(trigger(find('EventBasedAddOn', 'service-network-policy'), perService, esName));
  });
  after(async () => {
    await manager?.stop();
  });

  it('distributes the EventSource copy to the matching cluster and reports matchingClusters', async () => {
    const copy = await eventually('EventSource copy in cluster-a', () =>
      clusterA.getOrUndefined({
        apiVersion: 'lib.projectsveltos.io/v1beta1',
        kind: 'EventSource',
        name: esName,
      }),
    );
    assert.equal(copy.metadata.annotations?.['projectsveltos.io/deployed-by-sveltos'], 'true');
    const et = await eventually('status', async () => {
      const et = await admin.get<
        KubeObject & { status?: { clusterInfo?: { status: string }[]; matchingClusters?: unknown[] } }
      >({
        apiVersion: 'lib.projectsveltos.io/v1beta1',
        kind: 'EventTrigger',
        name: perService,
      });
      return et.status?.clusterInfo?.[0]?.status === 'Provisioned' ? et : undefined;
    });
    assert.deepEqual(et.status?.matchingClusters, [
      {
        apiVersion: 'lib.projectsveltos.io/v1beta1',
        kind: 'SveltosCluster',
        namespace: ns,
        name: 'workload',
      },
    ]);
    assert.ok(et.metadata.finalizers?.includes('eventtrigger.finalizer.projectsveltos.io'));
  });

  it('a Service event → one ClusterProfile referencing an instantiated NetworkPolicy ConfigMap', async () => {
    const report = { clusterNamespace: ns, clusterName: 'workload', eventSource: esName };
    await writeReport(admin, {
      ...report,
      resources: [service('my-service', 80, { 'app.kubernetes.io/name': 'MyApp' })],
    });
    const [profile] = await eventually('one profile', async () => {
      const ps = await profilesOf(admin, perService);
      return ps.length === 1 ? ps : undefined;
    });
    assert.match(profile!.metadata.name, /^sveltos-[0-9a-z]{20}$/);
    assert.equal(profile!.metadata.labels?.['eventtrigger.lib.projectsveltos.io/resourcename'], 'my-service');
    const spec = profile!.spec as {
      clusterRefs: unknown[];
      policyRefs: { namespace: string; name: string }[];
    };
    assert.deepEqual(spec.clusterRefs, [
      {
        apiVersion: 'lib.projectsveltos.io/v1beta1',
        kind: 'SveltosCluster',
        namespace: ns,
        name: 'workload',
      },
    ]);
    assert.equal(spec.policyRefs[0]?.namespace, 'projectsveltos');
    const cm = await admin.get<KubeObject & { data: Record<string, string> }>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'projectsveltos',
      name: spec.policyRefs[0]!.name,
    });
    const policy = parse(cm.data['networkpolicy.yaml']!) as {
      metadata: { name: string; namespace: string };
      spec: { podSelector: { matchLabels: unknown }; ingress: { ports: unknown }[] };
    };
    assert.equal(policy.metadata.name, 'front-my-service');
    assert.equal(policy.metadata.namespace, ns);
    assert.deepEqual(policy.spec.podSelector.matchLabels, { 'app.kubernetes.io/name': 'MyApp' });
    assert.deepEqual(policy.spec.ingress[0]!.ports, [{ port: 80 }]);
    const er = await eventually('report Processed', async () => {
      const er = await admin.get<KubeObject & { status?: { phase?: string } }>(reportRef(report));
      return er.status?.phase === 'Processed' ? er : undefined;
    });
    assert.equal((er.status as { failureMessage?: string }).failureMessage, undefined);
  });

  it('a second Service → two profiles; the first Service going away removes its profile and ConfigMap', async () => {
    const report = { clusterNamespace: ns, clusterName: 'workload', eventSource: esName };
    const my = service('my-service', 80, { 'app.kubernetes.io/name': 'MyApp' });
    const another = service('another-service', 443, { 'app.kubernetes.io/name': 'MyApp-secure' });
    await writeReport(admin, { ...report, resources: [my, another] });
    await eventually('two profiles', async () => (await profilesOf(admin, perService)).length === 2);
    await eventually('two ConfigMaps', async () => (await configMapsOf(admin, perService)).length === 2);
    await writeReport(admin, { ...report, resources: [another] });
    const left = await eventually('one profile left', async () => {
      const ps = await profilesOf(admin, perService);
      return ps.length === 1 ? ps : undefined;
    });
    assert.equal(
      left[0]!.metadata.labels?.['eventtrigger.lib.projectsveltos.io/resourcename'],
      'another-service',
    );
    const cms = await eventually('one ConfigMap left', async () => {
      const cms = await configMapsOf(admin, perService);
      return cms.length === 1 ? cms : undefined;
    });
    assert.match(cms[0]!.data?.['networkpolicy.yaml'] ?? '', /front-another-service/);
  });

  it('the report deleted → its profiles and ConfigMaps are removed', async () => {
    await admin.delete(reportRef({ clusterNamespace: ns, clusterName: 'workload', eventSource: esName }));
    await eventually('no profiles', async () => (await profilesOf(admin, perService)).length === 0);
    await eventually('no ConfigMaps', async () => (await configMapsOf(admin, perService)).length === 0);
  });

  it('oneForEvent false: one profile whose Ingress lists both https Services', async () => {
    const name = `ingress-configuration-${scope}`;
    const es = `https-service-${scope}`;
    await admin.create(source(find('EventSource', 'https-service'), es));
    await admin.create(template(find('ConfigMap', 'ingress')));
    await admin.create(trigger(find('EventBasedAddOn', 'ingress-configuration'), name, es));
    await writeReport(admin, {
      clusterNamespace: ns,
      clusterName: 'workload',
      eventSource: es,
      resources: [service('my-service', 443, { app: 'a' }), service('my-service-2', 8443, { app: 'b' })],
    });
    const [profile] = await eventually('one profile', async () => {
      const ps = await profilesOf(admin, name);
      return ps.length === 1 ? ps : undefined;
    });
    const ref = (profile!.spec as { policyRefs: { name: string }[] }).policyRefs[0]!;
    const cm = await admin.get<KubeObject & { data: Record<string, string> }>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'projectsveltos',
      name: ref.name,
    });
    const ingress = parse(cm.data['ingress.yaml']!) as {
      spec: {
        rules: { http: { paths: { path: string; backend: { service: { port: { number: number } } } }[] } }[];
      };
    };
    const paths = ingress.spec.rules[0]!.http.paths;
    assert.deepEqual(
      paths.map((p) => [p.path, p.backend.service.port.number]),
      [
        ['/my-service', 443],
        ['/my-service-2', 8443],
      ],
    );
  });

  it('a spoofed report (cluster-a credentials claiming another cluster) is ignored with a warning Event', async () => {
    await registerCluster(env, admin, {
      namespace: `${ns}-b`,
      name: 'other',
      target: 'cluster-b',
      labels: { env: 'fv', 'sveltos-test': scope },
    }).catch(async (error: unknown) => {
      if (!(error instanceof KubeError && error.code === 'NOT_FOUND')) throw error;
    });
    // the agent of `workload` may write EventReports in its namespace only
    const agent = await env.cluster('mgmt').mintServiceAccountKubeconfig({
      namespace: ns,
      name: 'workload-agent',
      rules: [
        {
          apiGroups: ['lib.projectsveltos.io'],
          resources: ['eventreports'],
          verbs: ['get', 'create', 'patch', 'update'],
        },
      ],
    });
    const agentClient = new RestClient(agent.kubeConfig());
    const claim = {
      clusterNamespace: `${ns}-b`,
      clusterName: 'other',
      eventSource: esName,
      resources: [service('evil', 80, {})],
    };
    await assert.rejects(
      writeReport(agentClient, claim),
      (e: unknown) => e instanceof KubeError && e.code === 'FORBIDDEN',
    );
    // in its own namespace it can only lie in labels/spec: the report names `other`, which is not registered there
    const spoof = agentReport(claim);
    spoof.metadata.namespace = ns;
    await agentClient.apply(spoof, { fieldManager: 'sveltos-agent', force: true });
    const events = await eventually('warning Event', async () => {
      const list = await admin.list<KubeObject & { reason: string; type: string; message: string }>(
        'v1',
        'Event',
        {
          namespace: ns,
          fieldSelector: `involvedObject.name=${spoof.metadata.name}`,
        },
      );
      const e = list.items.filter((e) => e.reason === 'ReportRejected');
      return e.length > 0 ? e : undefined;
    });
    assert.equal(events[0]!.type, 'Warning');
    assert.match(events[0]!.message, /not registered/);
    const er = await admin.get<KubeObject & { status?: { failureMessage?: string } }>({
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'EventReport',
      namespace: ns,
      name: spoof.metadata.name,
    });
    assert.match(er.status?.failureMessage ?? '', /not registered/);
    assert.deepEqual(await profilesOf(admin, perService), []);
  });

  it('deleting the trigger removes everything it made, then the trigger itself', async () => {
    await writeReport(admin, {
      clusterNamespace: ns,
      clusterName: 'workload',
      eventSource: esName,
      resources: [service('my-service', 80, { a: 'b' })],
    });
    await eventually('profile', async () => (await profilesOf(admin, perService)).length === 1);
    await admin.delete({
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'EventTrigger',
      name: perService,
    });
    await eventually(
      'trigger gone',
      async () =>
        (await admin.getOrUndefined({
          apiVersion: 'lib.projectsveltos.io/v1beta1',
          kind: 'EventTrigger',
          name: perService,
        })) === undefined,
    );
    assert.deepEqual(await profilesOf(admin, perService), []);
    assert.deepEqual(await configMapsOf(admin, perService), []);
    await eventually(
      'EventSource copy removed',
      async () =>
        (await clusterA.getOrUndefined({
          apiVersion: 'lib.projectsveltos.io/v1beta1',
          kind: 'EventSource',
          name: esName,
        })) === undefined,
    );
  });
});

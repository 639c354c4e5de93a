// The examples network-policy-per-service (one ClusterProfile per Service) and ingress-for-https-services
// (one for all) with their own YAML: EventReports written as the agent writes them become ClusterProfiles
// and instantiated ConfigMaps; events going away, the trigger going away and a spoofed report are handled.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { crds } from '@sveltos-ts/api';
import { KubeError, type KubeObject, RestClient } from '@sveltos-ts/kube';
import { exampleDocuments, exampleObject, sharedTestEnv, type TestEnv } from '@sveltos-ts/testenv';
import { parse } from 'yaml';
import type { RunningEventManager } from './event-manager.ts';
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

const scope = `s-np-${Date.now().toString(36)}`;
const ns = scope;

/** The example's EventSource under this test's name. */
const source = (example: string, name: string): KubeObject => {
  const es = exampleObject(example, 'EventSource');
  return { ...es, metadata: { name } } as KubeObject;
};

/** The example's EventTrigger: this test's name, EventSource and label, its selector scoped to this test, its
 * references moved into this test's namespace. */
function trigger(example: string, name: string, eventSource: string): KubeObject {
  const et = exampleObject(example, 'EventTrigger');
  const spec = structuredClone(et.spec) as {
    sourceClusterSelector: { matchLabels: Record<string, string> };
    policyRefs: Record<string, unknown>[];
  };
  return {
    apiVersion: et.apiVersion,
    kind: 'EventTrigger',
    metadata: { name, labels: { 'sveltos-test': scope } },
    spec: {
      ...spec,
      sourceClusterSelector: {
        matchLabels: { ...spec.sourceClusterSelector.matchLabels, 'sveltos-test': scope },
      },
      eventSourceName: eventSource,
      policyRefs: spec.policyRefs.map((r) => ({ ...r, namespace: ns })),
    },
  };
}

/** The example's template ConfigMap (projectsveltos.io/instantiate), in this test's namespace. */
const template = (example: string): KubeObject => {
  const [cm] = exampleDocuments(example, 'configmaps.yaml');
  return { ...cm!, metadata: { ...cm!.metadata, namespace: ns } } as KubeObject;
};

/** A Service shaped like the one of examples/network-policy-per-service/trigger.yaml, as the agent collects it. */
function service(
  name: string,
  port: number,
  targetPort: number,
  selector: Record<string, string>,
): Record<string, unknown> {
  const example = exampleObject('network-policy-per-service', 'Service');
  return {
    ...example,
    metadata: { ...example.metadata, name, namespace: ns, uid: `uid-${name}`, resourceVersion: '1' },
    spec: { ...(example.spec as object), selector, ports: [{ protocol: 'TCP', port, targetPort }] },
  };
}

describe('examples network-policy-per-service and ingress-for-https-services', () => {
  let env: TestEnv;
  let admin: RestClient;
  let clusterA: RestClient;
  let manager: RunningEventManager;
  const perService = `network-policy-per-service-${scope}`;
  const esName = `services-wanting-a-policy-${scope}`;

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
    await admin.create(source('network-policy-per-service', esName));
    await admin.create(template('network-policy-per-service'));
    await admin.create(trigger('network-policy-per-service', perService, esName));
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
      resources: [service('orders', 80, 8080, { app: 'orders' })],
    });
    const [profile] = await eventually('one profile', async () => {
      const ps = await profilesOf(admin, perService);
      return ps.length === 1 ? ps : undefined;
    });
    assert.match(profile!.metadata.name, /^sveltos-[0-9a-z]{20}$/);
    assert.equal(profile!.metadata.labels?.['eventtrigger.lib.projectsveltos.io/resourcename'], 'orders');
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
    assert.equal(policy.metadata.name, 'allow-internal-to-orders');
    assert.equal(policy.metadata.namespace, ns);
    assert.deepEqual(policy.spec.podSelector.matchLabels, { app: 'orders' });
    // the pods' port: the Service's targetPort
    assert.deepEqual(policy.spec.ingress[0]!.ports, [{ port: 8080, protocol: 'TCP' }]);
    const er = await eventually('report Processed', async () => {
      const er = await admin.get<KubeObject & { status?: { phase?: string } }>(reportRef(report));
      return er.status?.phase === 'Processed' ? er : undefined;
    });
    assert.equal((er.status as { failureMessage?: string }).failureMessage, undefined);
  });

  it('a second Service → two profiles; the first Service going away removes its profile and ConfigMap', async () => {
    const report = { clusterNamespace: ns, clusterName: 'workload', eventSource: esName };
    const orders = service('orders', 80, 8080, { app: 'orders' });
    const payments = service('payments', 443, 8443, { app: 'payments' });
    await writeReport(admin, { ...report, resources: [orders, payments] });
    await eventually('two profiles', async () => (await profilesOf(admin, perService)).length === 2);
    await eventually('two ConfigMaps', async () => (await configMapsOf(admin, perService)).length === 2);
    await writeReport(admin, { ...report, resources: [payments] });
    const left = await eventually('one profile left', async () => {
      const ps = await profilesOf(admin, perService);
      return ps.length === 1 ? ps : undefined;
    });
    assert.equal(left[0]!.metadata.labels?.['eventtrigger.lib.projectsveltos.io/resourcename'], 'payments');
    const cms = await eventually('one ConfigMap left', async () => {
      const cms = await configMapsOf(admin, perService);
      return cms.length === 1 ? cms : undefined;
    });
    assert.match(cms[0]!.data?.['networkpolicy.yaml'] ?? '', /allow-internal-to-payments/);
  });

  it('the report deleted → its profiles and ConfigMaps are removed', async () => {
    await admin.delete(reportRef({ clusterNamespace: ns, clusterName: 'workload', eventSource: esName }));
    await eventually('no profiles', async () => (await profilesOf(admin, perService)).length === 0);
    await eventually('no ConfigMaps', async () => (await configMapsOf(admin, perService)).length === 0);
  });

  it('oneForEvent false: one profile whose Ingress lists both https Services', async () => {
    const name = `https-ingress-${scope}`;
    const es = `https-services-${scope}`;
    await admin.create(source('ingress-for-https-services', es));
    await admin.create(template('ingress-for-https-services'));
    await admin.create(trigger('ingress-for-https-services', name, es));
    await writeReport(admin, {
      clusterNamespace: ns,
      clusterName: 'workload',
      eventSource: es,
      resources: [
        service('admin-api', 8443, 8443, { app: 'a' }),
        service('storefront', 443, 8443, { app: 'b' }),
      ],
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
        ['/admin-api', 8443],
        ['/storefront', 443],
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
      resources: [service('evil', 80, 80, {})],
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
      resources: [service('orders', 80, 8080, { a: 'b' })],
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

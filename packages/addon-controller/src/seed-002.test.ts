// The examples network-policy-per-service and ingress-for-https-services end to end on the local control
// planes: the ClusterProfiles and instantiated ConfigMaps the event-manager plans for the examples' Services
// (planner `plan()`) are deployed into cluster-a and withdrawn when the event goes away; objects Sveltos did
// not create are never touched.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SveltosCluster } from '@sveltos-ts/api';
import type { KubeObject, RestClient } from '@sveltos-ts/kube';
import { lookupFrom, plan } from '@sveltos-ts/planner';
import { type ExampleObject, exampleDocuments } from '@sveltos-ts/testenv';
import type { RunningAddonController } from './addon-controller.ts';
import {
  client,
  clusterProfile,
  createOrKeep,
  deployed,
  eventually,
  namespace,
  profileRef,
  registerCluster,
  resourcesStatus,
  scopedController,
  summary,
  uniqueName,
} from './test-support.ts';

const scope = uniqueName('ac002');
const ns = scope;
let mgmt: RestClient;
let a: RestClient;
let controller: RunningAddonController;

/** The template ConfigMap of an example (it carries projectsveltos.io/instantiate). */
const exampleTemplate = (example: string): ExampleObject =>
  exampleDocuments(example, 'configmaps.yaml')[0] ?? assert.fail(example);

const cluster: SveltosCluster = {
  apiVersion: 'lib.projectsveltos.io/v1beta1',
  kind: 'SveltosCluster',
  metadata: { name: 'workload', namespace: ns, labels: { env: 'fv' } },
  spec: {},
  status: { ready: true },
};

/** What the event-manager would write for `services` (planner), created in the management cluster. */
async function eventManagerOutput(
  template: ExampleObject,
  oneForEvent: boolean,
  services: Record<string, unknown>[],
) {
  const cm = structuredClone(template) as KubeObject & { data: Record<string, string> };
  cm.metadata = { ...cm.metadata, namespace: ns };
  const p = plan({
    eventTrigger: {
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'EventTrigger',
      metadata: { name: `${cm.metadata.name}-trigger` },
      spec: {
        sourceClusterSelector: { matchLabels: { env: 'fv' } },
        eventSourceName: 'services-wanting-a-policy',
        oneForEvent,
        policyRefs: [{ kind: 'ConfigMap', namespace: ns, name: cm.metadata.name }],
      },
    },
    report: {
      eventSourceName: 'services-wanting-a-policy',
      resources: services,
      matchingResources: services.map((s) => ({
        apiVersion: 'v1',
        kind: 'Service',
        ...(s.metadata as { name: string; namespace: string }),
      })),
    },
    cluster,
    lookup: lookupFrom([cm]),
    options: { namespace: ns },
  });
  for (const c of p.configMaps) await mgmt.apply(c as KubeObject, { fieldManager: 'test-event-manager' });
  for (const profile of p.clusterProfiles) {
    profile.metadata.labels = { ...profile.metadata.labels, 'sveltos-test': scope };
    await mgmt.apply(profile as KubeObject, { fieldManager: 'test-event-manager' });
  }
  return p;
}

/** A Service as the agent collects it (the API server filled targetPort and protocol in). */
const service = (name: string, ports: [number, number][], selector: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: ns, labels: { 'network-policy': 'front' } },
  spec: { selector, ports: ports.map(([port, targetPort]) => ({ port, targetPort, protocol: 'TCP' })) },
});

const get = (c: RestClient, apiVersion: string, kind: string, name: string, namespace = ns) =>
  c.getOrUndefined<KubeObject & { spec?: Record<string, unknown>; data?: Record<string, string> }>({
    apiVersion,
    kind,
    namespace,
    name,
  });

before(async () => {
  mgmt = await client('mgmt');
  a = await client('cluster-a');
  await registerCluster(mgmt, {
    namespace: ns,
    name: 'workload',
    target: 'cluster-a',
    labels: { env: 'fv' },
  });
  await createOrKeep(a, namespace(ns));
  controller = await scopedController(scope);
});

after(async () => {
  await controller?.stop();
});

describe('network-policy-per-service and ingress-for-https-services through the addon-controller', () => {
  it('allow-internal-to-orders appears with the Service selector and target port, and goes away with the Service', async () => {
    const svc = service('orders', [[80, 8080]], { app: 'orders' });
    const p = await eventManagerOutput(exampleTemplate('network-policy-per-service'), true, [svc]);
    const profileName = p.clusterProfiles[0]!.metadata.name!;
    const instantiated = p.configMaps[0]!.metadata.name!;
    const np = await eventually('NetworkPolicy allow-internal-to-orders in cluster-a', () =>
      get(a, 'networking.k8s.io/v1', 'NetworkPolicy', 'allow-internal-to-orders'),
    );
    assert.deepEqual(np.spec?.podSelector, { matchLabels: { app: 'orders' } });
    assert.deepEqual(np.spec?.policyTypes, ['Ingress']);
    assert.deepEqual(np.spec?.ingress, [
      {
        from: [{ podSelector: { matchLabels: { traffic: 'internal' } } }],
        ports: [{ port: 8080, protocol: 'TCP' }],
      },
    ]);
    assert.deepEqual(
      Object.fromEntries(
        Object.entries(np.metadata.labels ?? {}).filter(([k]) => k.startsWith('projectsveltos.io/')),
      ),
      {
        'projectsveltos.io/reference-kind': 'ConfigMap',
        'projectsveltos.io/reference-name': instantiated,
        'projectsveltos.io/reference-namespace': ns,
      },
    );
    assert.match(np.metadata.annotations?.['projectsveltos.io/hash'] ?? '', /^sha256:[0-9a-f]{64}$/);

    const summaryName = `${profileName}-sveltos-workload`;
    const s = await eventually('ClusterSummary Provisioned', async () => {
      const x = await summary(mgmt, ns, summaryName);
      return resourcesStatus(x)?.status === 'Provisioned' && x;
    });
    assert.deepEqual(deployed(s), [`NetworkPolicy/${ns}/allow-internal-to-orders`]);
    assert.equal(s.metadata.labels?.['projectsveltos.io/cluster-profile-name'], profileName);
    const profile = await mgmt.get<KubeObject & { status?: { matchingClusters?: unknown[] } }>(
      profileRef(profileName),
    );
    assert.deepEqual(profile.status?.matchingClusters, [
      {
        apiVersion: 'lib.projectsveltos.io/v1beta1',
        kind: 'SveltosCluster',
        namespace: ns,
        name: 'workload',
      },
    ]);

    // the Service is deleted: the event-manager plans no profile and deletes this one
    const gone = await eventManagerOutput(exampleTemplate('network-policy-per-service'), true, []);
    assert.equal(gone.clusterProfiles.length, 0);
    await mgmt.delete(profileRef(profileName));
    await eventually(
      'NetworkPolicy withdrawn',
      async () => !(await get(a, 'networking.k8s.io/v1', 'NetworkPolicy', 'allow-internal-to-orders')),
    );
    await eventually('ClusterSummary removed', async () => !(await summary(mgmt, ns, summaryName)));
  });

  it('one Ingress for all HTTPS Services (oneForEvent: false)', async () => {
    const template = exampleTemplate('ingress-for-https-services');
    const data = (template as unknown as { data: Record<string, string> }).data;
    // the example deploys into namespace web; this test uses its own
    data['ingress.yaml'] = data['ingress.yaml']!.replace('namespace: web', `namespace: ${ns}`);
    const p = await eventManagerOutput(template, false, [
      service('admin-api', [[8443, 8443]], { app: 'a' }),
      service(
        'storefront',
        [
          [80, 8080],
          [443, 8443],
        ],
        { app: 'b' },
      ),
    ]);
    const ingress = await eventually('Ingress in cluster-a', () =>
      get(a, 'networking.k8s.io/v1', 'Ingress', 'https-entry'),
    );
    const rules = ingress.spec?.rules as Array<{ http: { paths: Array<Record<string, unknown>> } }>;
    assert.deepEqual(
      rules[0]!.http.paths.map((x) => [x.path, (x.backend as { service: unknown }).service]),
      [
        ['/admin-api', { name: 'admin-api', port: { number: 8443 } }],
        ['/storefront', { name: 'storefront', port: { number: 443 } }],
      ],
    );
    assert.equal(ingress.spec?.ingressClassName, 'nginx');
    await mgmt.delete(profileRef(p.clusterProfiles[0]!.metadata.name!));
    await eventually(
      'Ingress withdrawn',
      async () => !(await get(a, 'networking.k8s.io/v1', 'Ingress', 'https-entry')),
    );
  });

  it('adopts an object it did not create and restores it on withdrawal; withdraws what was dropped', async () => {
    await a.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'pre-existing', namespace: ns, labels: { team: 'humans' } },
      stringData: { owner: 'a human', note: 'kept' },
    });
    const secret = (name: string) =>
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nstringData:\n  owner: sveltos\n`;
    await mgmt.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'secrets', namespace: ns },
      data: { 'a.yaml': `${secret('pre-existing')}---\n${secret('ours-1')}` },
    });
    await mgmt.create(
      clusterProfile('adopt-' + scope, scope, {
        clusterRefs: [
          {
            apiVersion: 'lib.projectsveltos.io/v1beta1',
            kind: 'SveltosCluster',
            namespace: ns,
            name: 'workload',
          },
        ],
        policyRefs: [{ kind: 'ConfigMap', namespace: ns, name: 'secrets' }],
      }),
    );
    const summaryName = `adopt-${scope}-sveltos-workload`;
    const s = await eventually('Provisioned, the existing Secret adopted', async () => {
      const x = await summary(mgmt, ns, summaryName);
      return resourcesStatus(x)?.status === 'Provisioned' && x;
    });
    assert.deepEqual(deployed(s).sort(), [`Secret/${ns}/ours-1`, `Secret/${ns}/pre-existing`]);
    const record = s.status?.deployedFeatures?.[0]?.resources?.find((r) => r.name === 'pre-existing');
    assert.equal(record?.preExisting, true, 'the record says it existed before');
    const adopted = await get(a, 'v1', 'Secret', 'pre-existing');
    const text = (v: string | undefined) => Buffer.from(v ?? '', 'base64').toString();
    assert.equal(text(adopted!.data!.owner), 'sveltos', 'applied over, as upstream');
    assert.equal(text(adopted!.data!.note), 'kept', 'fields the add-on does not set stay');
    assert.equal(adopted!.metadata.labels?.['projectsveltos.io/reference-name'], 'secrets');
    assert.ok(adopted!.metadata.annotations?.['addon-controller.projectsveltos.io/pre-existing']);

    // pre-existing and ours-1 dropped, ours-2 added: ours-1 is deleted, pre-existing restored, ours-2 applied
    await mgmt.mergePatch(
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'secrets' },
      { data: { 'a.yaml': secret('ours-2') } },
    );
    await eventually(
      'ours-2 applied and ours-1 withdrawn',
      async () =>
        (await get(a, 'v1', 'Secret', 'ours-2')) !== undefined &&
        (await get(a, 'v1', 'Secret', 'ours-1')) === undefined,
    );
    const restored = await eventually('pre-existing restored', async () => {
      const x = await get(a, 'v1', 'Secret', 'pre-existing');
      return x && text(x.data?.owner) === 'a human' && x;
    });
    assert.equal(text(restored.data!.note), 'kept');
    assert.deepEqual(restored.metadata.labels, { team: 'humans' }, 'our labels are gone, its own are back');
    assert.equal(
      restored.metadata.annotations?.['addon-controller.projectsveltos.io/pre-existing'],
      undefined,
    );
    assert.equal(restored.metadata.annotations?.['projectsveltos.io/owner-name'], undefined);
    const managers =
      (restored.metadata as { managedFields?: Array<{ manager?: string }> }).managedFields ?? [];
    assert.ok(!managers.some((m) => m.manager === 'sveltos-addon-controller'), 'Sveltos owns no field of it');
    await eventually(
      'summary back to Provisioned',
      async () => resourcesStatus(await summary(mgmt, ns, summaryName))?.status === 'Provisioned',
    );

    await mgmt.delete(profileRef('adopt-' + scope));
    await eventually('ours-2 withdrawn', async () => (await get(a, 'v1', 'Secret', 'ours-2')) === undefined);
    await eventually('summary removed', async () => !(await summary(mgmt, ns, summaryName)));
    const survivor = await get(a, 'v1', 'Secret', 'pre-existing');
    assert.equal(text(survivor!.data!.owner), 'a human');
  });
});

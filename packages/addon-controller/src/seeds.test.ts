// The examples generated-settings, credentials-replication, cross-cluster-service and
// cluster-inventory-kubeconfigs through the addon-controller: the event-manager output the planner computes
// from each example's EventTrigger and event data is created in the management cluster, and the objects
// the example's README promises must appear in the destination cluster.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EventTrigger, SveltosCluster } from '@sveltos-ts/api';
import type { KubeObject, RestClient } from '@sveltos-ts/kube';
import { type EventContent, lookupFrom, plan } from '@sveltos-ts/planner';
import { asStored, exampleDocuments, exampleObject } from '@sveltos-ts/testenv';
import type { RunningAddonController } from './addon-controller.ts';
import {
  client,
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

const scope = uniqueName('acex');
const ns = scope;
let mgmt: RestClient;
let controller: RunningAddonController;
const profiles: string[] = [];

type Obj = KubeObject & { data?: Record<string, string>; spec?: Record<string, unknown> };

/** An example's object moved into this test's namespace, as the API server stores it. */
const inTestNamespace = (o: Obj): Obj =>
  asStored({ ...o, metadata: { ...o.metadata, namespace: ns } } as never);
const trigger = (example: string): EventTrigger => exampleObject(example, 'EventTrigger') as EventTrigger;
const managementObjects = (example: string, file: string): Obj[] =>
  exampleDocuments(example, file)
    .filter((o) => o.kind !== 'Namespace')
    .map((o) => inTestNamespace(o as unknown as Obj));

const sveltosCluster = (name: string, labels: Record<string, string>): SveltosCluster => ({
  apiVersion: 'lib.projectsveltos.io/v1beta1',
  kind: 'SveltosCluster',
  metadata: { name, namespace: ns, labels },
  spec: {},
  status: { ready: true },
});

function content(eventSourceName: string, resources: Record<string, unknown>[]): EventContent {
  return {
    eventSourceName,
    resources,
    matchingResources: resources.map((r) => {
      const m = r.metadata as { name: string; namespace?: string };
      return {
        apiVersion: r.apiVersion as string,
        kind: r.kind as string,
        name: m.name,
        ...(m.namespace ? { namespace: m.namespace } : {}),
      };
    }),
  };
}

/** Runs the planner as the event-manager would and writes its output (profiles scoped to this test). */
async function eventManager(
  eventTrigger: EventTrigger,
  source: SveltosCluster,
  report: EventContent,
  objects: Obj[],
): Promise<string[]> {
  const p = plan({
    eventTrigger,
    report,
    cluster: source,
    lookup: lookupFrom(objects),
    options: { namespace: ns },
  });
  assert.deepEqual(p.warnings, []);
  for (const c of [...p.configMaps, ...p.secrets])
    await mgmt.apply(c as KubeObject, { fieldManager: 'test-event-manager' });
  const names: string[] = [];
  for (const profile of p.clusterProfiles) {
    profile.metadata.labels = { ...profile.metadata.labels, 'sveltos-test': scope };
    profiles.push(profile.metadata.name!);
    names.push(profile.metadata.name!);
    await mgmt.apply(profile as KubeObject, { fieldManager: 'test-event-manager' });
  }
  return names;
}

const get = (c: RestClient, apiVersion: string, kind: string, namespace: string, name: string) =>
  c.getOrUndefined<Obj & { subsets?: unknown; type?: string }>({ apiVersion, kind, namespace, name });
const decode = (b64: string | undefined) => Buffer.from(b64 ?? '', 'base64').toString();

before(async () => {
  mgmt = await client('mgmt');
  await createOrKeep(mgmt, namespace(ns));
  controller = await scopedController(scope);
});

after(async () => {
  // withdraw everything this file deployed into the shared clusters
  for (const p of profiles) await mgmt.delete(profileRef(p));
  await eventually('all summaries withdrawn', async () => {
    const list = await mgmt.list('config.projectsveltos.io/v1beta1', 'ClusterSummary', {
      labelSelector: `sveltos-test=${scope}`,
    });
    return list.items.length === 0;
  });
  await controller?.stop();
});

describe('examples through the addon-controller', () => {
  it('credentials-replication: db-credentials is copied into billing and payroll', async () => {
    const b = await client('cluster-b');
    const et = trigger('credentials-replication');
    const spec = et.spec;
    // the example's objects live in default/projectsveltos; this test keeps them in its own namespace
    spec.configMapGenerator![0]!.namespace = ns;
    spec.templateResourceRefs![0]!.resource.namespace = ns;
    spec.templateResourceRefs![1]!.resource.namespace = ns;
    spec.policyRefs![0]!.namespace = ns;
    const [generatorSource, copier] = managementObjects('credentials-replication', 'configmaps.yaml');
    await mgmt.apply(copier!, { fieldManager: 'test' });
    await mgmt.apply(managementObjects('credentials-replication', 'secret.yaml')[0]!, {
      fieldManager: 'test',
    });
    const source = sveltosCluster('workload', { env: 'production', 'sveltos-test': scope });
    await registerCluster(mgmt, {
      namespace: ns,
      name: 'workload',
      target: 'cluster-b',
      labels: source.metadata.labels,
    });
    const namespaces = exampleDocuments('credentials-replication', 'trigger.yaml').filter(
      (n) => n.metadata.labels?.credentials === 'required',
    );
    const [profile] = await eventManager(et, source, content('namespaces-needing-credentials', namespaces), [
      generatorSource!,
      copier!,
    ]);
    for (const target of ['billing', 'payroll']) {
      const s = await eventually(`db-credentials in ${target}`, () =>
        get(b, 'v1', 'Secret', target, 'db-credentials'),
      );
      assert.equal(decode(s.data!.username), 'reporting');
      assert.equal(decode(s.data!.password), 'change-me');
      assert.equal(s.type, 'Opaque');
      assert.equal(s.metadata.labels?.['projectsveltos.io/reference-name'], 'credentials-copier');
    }
    assert.equal(await get(b, 'v1', 'Secret', 'sandbox', 'db-credentials'), undefined);
    // what `sveltosctl show addons` prints comes from the ClusterSummary
    const s = await eventually('summary Provisioned', async () => {
      const x = await summary(mgmt, ns, `${profile}-sveltos-workload`);
      return resourcesStatus(x)?.status === 'Provisioned' && x;
    });
    assert.deepEqual(deployed(s).sort(), ['Secret/billing/db-credentials', 'Secret/payroll/db-credentials']);
  });

  it('generated-settings: the generated ConfigMap and Secret become checkout-settings and checkout-database', async () => {
    const b = await client('cluster-b');
    const et = trigger('generated-settings');
    // generator outputs go to this test's namespace instead of projectsveltos (planner option below)
    for (const ref of et.spec.templateResourceRefs ?? []) ref.resource.namespace = ns;
    et.spec.policyRefs![0]!.namespace = ns;
    const source = sveltosCluster('settings', { env: 'production', 'sveltos-test': scope });
    await registerCluster(mgmt, {
      namespace: ns,
      name: 'settings',
      target: 'cluster-b',
      labels: source.metadata.labels,
    });
    // the Deployment is in this test's namespace, so are the generator sources (named after it)
    const objects = managementObjects('generated-settings', 'templates.yaml');
    const deployer = objects.find((o) => o.metadata.name === 'settings-deployer')!;
    await mgmt.apply(deployer, { fieldManager: 'test' });
    const deployment = exampleObject('generated-settings', 'Deployment');
    deployment.metadata.namespace = ns;
    await createOrKeep(b, namespace(ns));
    await eventManager(et, source, content('deployments-wanting-settings', [deployment]), objects);
    const settings = await eventually('ConfigMap checkout-settings', () =>
      get(b, 'v1', 'ConfigMap', ns, 'checkout-settings'),
    );
    assert.deepEqual(settings.data, {
      'settings.yaml': [
        'application: checkout',
        `namespace: ${ns}`,
        `cluster: ${ns}/settings`,
        'replicas: 2',
        'image: registry.example.com/shop/checkout:1.4.2',
        '',
      ].join('\n'),
    });
    const database = await eventually('Secret checkout-database', () =>
      get(b, 'v1', 'Secret', ns, 'checkout-database'),
    );
    assert.equal(decode(database.data?.url), `postgres://checkout@db.${ns}.svc:5432/checkout`);
    assert.equal(database.type, 'Opaque');
  });

  it('cross-cluster-service: inventory-remote Service and Endpoints land in the destination cluster', async () => {
    const b = await client('cluster-b');
    const et = trigger('cross-cluster-service');
    // only this test's clusters may match (the management cluster is shared)
    et.spec.sourceClusterSelector = { matchLabels: { env: 'production', 'sveltos-test': scope } };
    et.spec.destinationClusterSelector = { matchLabels: { dep: 'eng', 'sveltos-test': scope } };
    et.spec.policyRefs![0]!.namespace = ns;
    const templates = managementObjects('cross-cluster-service', 'configmaps.yaml');
    const gke = sveltosCluster('gke', { env: 'production', 'sveltos-test': scope });
    await registerCluster(mgmt, {
      namespace: ns,
      name: 'gke',
      target: 'cluster-a',
      labels: gke.metadata.labels,
    });
    await registerCluster(mgmt, {
      namespace: ns,
      name: 'kind',
      target: 'cluster-b',
      labels: { dep: 'eng', 'sveltos-test': scope },
    });
    // the example's Service as the agent collects it once the cloud gave it an address
    const lb = {
      ...exampleObject('cross-cluster-service', 'Service'),
      status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } },
    };
    await eventManager(et, gke, content('load-balancers-with-address', [lb]), templates);
    const svc = await eventually('Service remote-services/inventory-remote', () =>
      get(b, 'v1', 'Service', 'remote-services', 'inventory-remote'),
    );
    assert.deepEqual(
      (svc.spec!.ports as Array<Record<string, unknown>>).map(({ port, protocol, targetPort }) => ({
        port,
        protocol,
        targetPort,
      })),
      // targetPort defaults to port: the Endpoints give the load balancer's port
      [{ port: 80, protocol: 'TCP', targetPort: 80 }],
    );
    assert.equal(svc.spec?.type, 'ClusterIP');
    assert.equal(svc.spec?.selector, undefined);
    const ep = await eventually('Endpoints remote-services/inventory-remote', () =>
      get(b, 'v1', 'Endpoints', 'remote-services', 'inventory-remote'),
    );
    assert.deepEqual(ep.subsets, [
      { addresses: [{ ip: '203.0.113.10' }], ports: [{ port: 80, protocol: 'TCP' }] },
    ]);
    const a = await client('cluster-a');
    assert.equal(
      await get(a, 'v1', 'Service', 'remote-services', 'inventory-remote'),
      undefined,
      'not in the source',
    );
  });

  it('cluster-inventory-kubeconfigs: a kubeconfig Secret in every consumer namespace of the management cluster', async () => {
    const et = trigger('cluster-inventory-kubeconfigs');
    et.spec.sourceClusterSelector = { matchLabels: { 'cluster-api': 'enabled', 'sveltos-test': scope } };
    et.spec.policyRefs![0]!.namespace = ns;
    const templates = managementObjects('cluster-inventory-kubeconfigs', 'configmaps.yaml');
    // the management cluster registered as a cluster (here in this test's namespace, not the shared mgmt/mgmt)
    const self = sveltosCluster('mgmt', { 'cluster-api': 'enabled', 'sveltos-test': scope });
    await registerCluster(mgmt, {
      namespace: ns,
      name: 'mgmt',
      target: 'mgmt',
      labels: self.metadata.labels,
    });
    const consumers = [`${ns}-consumer-1`, `${ns}-consumer-2`];
    for (const c of consumers) await createOrKeep(mgmt, namespace(c));
    const kubeconfig = Buffer.from('apiVersion: v1\nkind: Config\n').toString('base64');
    // what the example's aggregatedSelection returns for Cluster edge-1 (ClusterSet namespace edge-fleet)
    const deliveries = consumers.map((consumer) => ({
      apiVersion: 'inventory.example.io/v1',
      kind: 'KubeconfigDelivery',
      metadata: { name: `edge-1--${consumer}`, namespace: 'capi-clusters' },
      spec: {
        cluster: 'edge-1',
        kubeconfig,
        consumerNamespace: consumer,
        profileName: 'edge-1',
        profileNamespace: 'edge-fleet',
      },
    }));
    await eventManager(et, self, content('consumer-kubeconfigs', deliveries), templates);
    for (const consumer of consumers) {
      const s = await eventually(`Secret edge-fleet-edge-1-kubeconfig in ${consumer}`, () =>
        get(mgmt, 'v1', 'Secret', consumer, 'edge-fleet-edge-1-kubeconfig'),
      );
      assert.equal(s.data?.config, kubeconfig);
      assert.equal(s.metadata.labels?.['x-k8s.io/cluster-profile'], 'edge-1');
      assert.equal(s.metadata.labels?.['x-k8s.io/cluster-profile-namespace'], 'edge-fleet');
      assert.equal(s.type, 'Opaque');
    }
  });
});

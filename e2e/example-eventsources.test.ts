// The EventSources of the examples (examples/<name>/eventsource.yaml) evaluated as the agent evaluates them,
// against each example's triggering objects and against objects that must not match. No cluster needed:
// this is the agent's pure evaluation core, Lua and CEL included.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EventSource, KubeObject } from '@sveltos-ts/api';
import { evaluateEventSource, groupByGVK, LuaSandbox } from '@sveltos-ts/evaluation';
import {
  asStored,
  type ExampleObject,
  exampleDocuments,
  exampleObject,
  testdataDocuments,
} from '@sveltos-ts/testenv';

let sandbox: LuaSandbox;
before(() => {
  sandbox = new LuaSandbox();
});
after(() => sandbox.close());

/** An object as the agent's informer sees it: stored form, with a uid. */
const live = (o: ExampleObject, extra: Record<string, unknown> = {}): KubeObject =>
  ({ ...asStored(o), ...extra, metadata: { ...o.metadata, uid: `uid-${o.metadata.name}` } }) as KubeObject;

async function matches(example: string, objects: KubeObject[]) {
  const source = exampleObject(example, 'EventSource') as unknown as EventSource;
  const result = await evaluateEventSource(source, groupByGVK(objects), { sandbox });
  assert.deepEqual(result.errors, []);
  return result;
}
const names = (r: { matchingResources: { namespace?: string; name?: string }[] }) =>
  r.matchingResources.map((m) => (m.namespace ? `${m.namespace}/${m.name}` : m.name));

describe('example EventSources', () => {
  it('generated-settings: the labelled Deployment, collected whole', async () => {
    const deployment = exampleObject('generated-settings', 'Deployment');
    const unlabelled = structuredClone(deployment);
    unlabelled.metadata = { name: 'cart', namespace: 'shop' };
    const r = await matches('generated-settings', [live(deployment), live(unlabelled)]);
    assert.deepEqual(names(r), ['shop/checkout']);
    assert.ok(r.resources, 'collectResources: the Deployment is sent');
  });

  it('credentials-replication: the namespaces labelled credentials=required, references only', async () => {
    const r = await matches(
      'credentials-replication',
      exampleDocuments('credentials-replication', 'trigger.yaml').map((o) => live(o)),
    );
    assert.deepEqual(names(r), ['billing', 'payroll']);
    assert.equal(r.resources, undefined);
  });

  it('network-policy-per-service: Services labelled network-policy=front', async () => {
    const orders = exampleObject('network-policy-per-service', 'Service');
    const other = structuredClone(orders);
    other.metadata = { name: 'unlabelled', namespace: 'default' };
    const r = await matches('network-policy-per-service', [live(orders), live(other)]);
    assert.deepEqual(names(r), ['default/orders']);
  });

  it('ingress-for-https-services: Lua picks the Services of web with port 443 or 8443', async () => {
    const objects = exampleDocuments('ingress-for-https-services', 'trigger.yaml').map((o) => live(o));
    const elsewhere = structuredClone(exampleObject('ingress-for-https-services', 'Service', 'storefront'));
    elsewhere.metadata.namespace = 'staging';
    const r = await matches('ingress-for-https-services', [...objects, live(elsewhere)]);
    assert.deepEqual(names(r), ['web/admin-api', 'web/storefront']);
  });

  it('cross-cluster-service: a LoadBalancer Service only once it has an address', async () => {
    const service = exampleObject('cross-cluster-service', 'Service');
    assert.deepEqual(names(await matches('cross-cluster-service', [live(service)])), []);
    const withAddress = live(service, { status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } } });
    assert.deepEqual(names(await matches('cross-cluster-service', [withAddress])), ['default/inventory']);
    const clusterIP = structuredClone(service);
    (clusterIP.spec as { type: string }).type = 'ClusterIP';
    const notLB = live(clusterIP, { status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } } });
    assert.deepEqual(names(await matches('cross-cluster-service', [notLB])), []);
  });
});

describe('example cluster-inventory-kubeconfigs: aggregatedSelection', () => {
  const kubeconfig = (cluster: string, namespace = 'capi-clusters', name = `${cluster}-kubeconfig`) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'cluster.x-k8s.io/secret',
    metadata: { name, namespace, labels: { 'cluster.x-k8s.io/cluster-name': cluster } },
    data: { value: Buffer.from(`kubeconfig of ${cluster}`).toString('base64') },
  });
  const cluster = (name: string, labels: Record<string, string>) => ({
    apiVersion: 'cluster.x-k8s.io/v1beta1',
    kind: 'Cluster',
    metadata: { name, namespace: 'capi-clusters', labels },
    spec: {},
  });
  const delivery = (
    clusterName: string,
    consumer: string,
    profileName: string,
    profileNamespace: string,
    kubeconfigValue = Buffer.from(`kubeconfig of ${clusterName}`).toString('base64'),
  ) => ({
    apiVersion: 'inventory.example.io/v1',
    kind: 'KubeconfigDelivery',
    metadata: { name: `${clusterName}--${consumer}`, namespace: 'capi-clusters' },
    spec: {
      cluster: clusterName,
      kubeconfig: kubeconfigValue,
      consumerNamespace: consumer,
      profileName,
      profileNamespace,
    },
  });
  const byName = (list: Record<string, unknown>[]) =>
    [...list].sort((a, b) =>
      (a.metadata as { name: string }).name < (b.metadata as { name: string }).name ? -1 : 1,
    );

  it('one delivery per (cluster with a kubeconfig, consumer namespace); the profile namespace by priority', async () => {
    const capi = testdataDocuments('cluster-inventory-kubeconfigs', 'capi-cluster.yaml');
    const edgeSecret = asStored(capi.find((o) => o.kind === 'Secret')!) as unknown as {
      data: { value: string };
    };
    const objects = [
      // the test data of the demo: edge-1 belongs to ClusterSet edge, whose namespace is edge-fleet
      ...capi.map((o) => live(o)),
      ...exampleDocuments('cluster-inventory-kubeconfigs', 'consumers.yaml').map((o) => live(o)),
      // an explicit clusterprofile-namespace wins over the ClusterSet
      cluster('core-2', {
        'clusterprofile-name': 'core',
        'clusterprofile-namespace': 'platform',
        'clusterset.k8s.io': 'edge',
      }),
      kubeconfig('core-2'),
      // neither: default
      cluster('lab-3', { 'clusterprofile-name': 'lab' }),
      kubeconfig('lab-3'),
      // no kubeconfig Secret: nothing to deliver
      cluster('pending-4', { 'clusterprofile-name': 'pending' }),
      // Cluster API's CA Secret carries the same label but is not a kubeconfig (CEL rule)
      { ...kubeconfig('pending-4', 'capi-clusters', 'pending-4-ca') },
      // not a consumer
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } },
    ] as KubeObject[];
    const r = await matches('cluster-inventory-kubeconfigs', objects);
    assert.deepEqual(
      byName(r.matched as Record<string, unknown>[]),
      byName([
        delivery('core-2', 'analytics', 'core', 'platform'),
        delivery('core-2', 'release-tools', 'core', 'platform'),
        delivery('edge-1', 'analytics', 'edge-1', 'edge-fleet', edgeSecret.data.value),
        delivery('edge-1', 'release-tools', 'edge-1', 'edge-fleet', edgeSecret.data.value),
        delivery('lab-3', 'analytics', 'lab', 'default'),
        delivery('lab-3', 'release-tools', 'lab', 'default'),
      ]),
    );
  });

  it('no consumer namespace: no event', async () => {
    const objects = testdataDocuments('cluster-inventory-kubeconfigs', 'capi-cluster.yaml').map((o) =>
      live(o),
    );
    const r = await matches('cluster-inventory-kubeconfigs', objects);
    assert.deepEqual(r.matched, []);
    assert.deepEqual(r.matchingResources, []);
  });
});

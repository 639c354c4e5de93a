// The project's examples (examples/<name>/) through the planner: the event data an agent would report for
// each example's triggering objects, and what the event-manager must create for it. Expected values are
// worked out by hand from the example's YAML.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeEventReportResources,
  type EventReport,
  type EventTrigger,
  type ObjectReference,
  type ObjectWithData,
  type SveltosCluster,
} from '@sveltos-ts/api';
import {
  asStored,
  type ExampleObject,
  exampleDocuments,
  exampleObject,
  testdataDocuments,
} from '@sveltos-ts/testenv';
import { parse } from 'yaml';
import { GENERATED_NAME_PATTERN } from './names.ts';
import { collected, decode, run } from './test-fixtures.ts';
import type { ConfigMap } from './types.ts';

const L = 'eventtrigger.lib.projectsveltos.io/';

function sveltosCluster(namespace: string, name: string, labels: Record<string, string>): SveltosCluster {
  return {
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'SveltosCluster',
    metadata: { namespace, name, labels },
    spec: {},
    status: { ready: true },
  };
}

const clusterRef = (namespace: string, name: string) => ({
  apiVersion: 'lib.projectsveltos.io/v1beta1',
  kind: 'SveltosCluster',
  namespace,
  name,
});

const trigger = (example: string): EventTrigger => exampleObject(example, 'EventTrigger') as EventTrigger;

/** The management-cluster objects of an example, as the API server stores them. */
const managementObjects = (example: string, file: string): ObjectWithData[] =>
  exampleDocuments(example, file).map((o) => asStored(o) as ObjectWithData);

/** A triggering object as the agent collects it: read back from the API server. */
function collectedObject(o: ExampleObject, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...structuredClone(o),
    metadata: { ...o.metadata, uid: `uid-${o.metadata.name}`, resourceVersion: '41' },
    ...extra,
  };
}

const parsedData = (cm: ConfigMap | undefined, key: string): unknown => parse(cm?.data?.[key] ?? '');

describe('example generated-settings: generators find their source through the event', () => {
  const cluster = sveltosCluster('default', 'shop-eu', { env: 'production' });
  const deployment = exampleObject('generated-settings', 'Deployment', 'checkout');
  const plan = () =>
    run({
      eventTrigger: trigger('generated-settings'),
      cluster,
      report: collected([collectedObject(deployment)], 'deployments-wanting-settings'),
      objects: managementObjects('generated-settings', 'templates.yaml'),
    });

  it('reads checkout-settings-template and checkout-database-template from the namespace shop', () => {
    const p = plan();
    const looked = p.references.map((r) => `${r.kind} ${r.namespace}/${r.name}`).sort();
    for (const source of [
      'ConfigMap shop/checkout-settings-template',
      'Secret shop/checkout-database-template',
    ])
      assert.ok(looked.includes(source), `${source} in ${looked.join(', ')}`);
    assert.deepEqual(p.warnings, []);
  });

  it('writes the rendered sources to projectsveltos under the nameFormat names', () => {
    const p = plan();
    assert.deepEqual(
      p.configMaps.map((c) => [c.metadata.namespace, c.metadata.name, c.data]),
      [
        [
          'projectsveltos',
          'default-shop-eu-shop-checkout-settings',
          {
            'settings.yaml': [
              'application: checkout',
              'namespace: shop',
              'cluster: default/shop-eu',
              'replicas: 2',
              'image: registry.example.com/shop/checkout:1.4.2',
              '',
            ].join('\n'),
          },
        ],
      ],
    );
    assert.equal(p.configMaps[0]?.metadata.labels?.[`${L}fromgenerator`], 'ok');
    assert.deepEqual(
      p.secrets.map((s) => [s.metadata.namespace, s.metadata.name, s.type, decode(s.data?.url)]),
      [
        [
          'projectsveltos',
          'default-shop-eu-shop-checkout-database',
          'addons.projectsveltos.io/cluster-profile',
          'postgres://checkout@db.shop.svc:5432/checkout',
        ],
      ],
    );
  });

  it('one profile for the Deployment: generated objects reached through templateResourceRefs only', () => {
    const p = plan();
    assert.equal(p.clusterProfiles.length, 1);
    assert.deepEqual(p.clusterProfiles[0]?.spec, {
      clusterRefs: [clusterRef('default', 'shop-eu')],
      templateResourceRefs: [
        {
          identifier: 'Settings',
          resource: {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            namespace: 'projectsveltos',
            name: 'default-shop-eu-shop-checkout-settings',
          },
        },
        {
          identifier: 'Database',
          resource: {
            apiVersion: 'v1',
            kind: 'Secret',
            namespace: 'projectsveltos',
            name: 'default-shop-eu-shop-checkout-database',
          },
        },
      ],
      policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'settings-deployer' }],
    });
  });
});

describe('example credentials-replication: generator + templateResourceRefs', () => {
  // collectResources is false: the report carries references only
  const report = {
    eventSourceName: 'namespaces-needing-credentials',
    matchingResources: ['billing', 'payroll'].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', name })),
  };
  const plan = () =>
    run({
      eventTrigger: trigger('credentials-replication'),
      cluster: sveltosCluster('default', 'workload', { env: 'production' }),
      report,
      objects: managementObjects('credentials-replication', 'configmaps.yaml'),
    });

  it('generates default-workload-credential-namespaces listing the namespaces (.MatchingResources .Name)', () => {
    const p = plan();
    assert.equal(p.configMaps.length, 1);
    const cm = p.configMaps[0];
    assert.equal(cm?.metadata.name, 'default-workload-credential-namespaces');
    assert.equal(cm?.metadata.namespace, 'projectsveltos');
    // the range trims the newline before each entry and before `end`; the block scalar keeps the last one
    assert.equal(cm?.data?.['namespaces.yaml'], '\n- billing\n- payroll\n');
    assert.deepEqual(parsedData(cm, 'namespaces.yaml'), ['billing', 'payroll']);
    assert.equal(cm?.metadata.labels?.[`${L}fromgenerator`], 'ok');
    // the source has no annotations, so the output has none
    assert.equal(cm?.metadata.annotations, undefined);
  });

  it('one ClusterProfile for the cluster: templated templateResourceRefs, the copier passed through untouched', () => {
    const p = plan();
    assert.equal(p.clusterProfiles.length, 1);
    const cp = p.clusterProfiles[0]!;
    assert.match(cp.metadata.name ?? '', GENERATED_NAME_PATTERN);
    assert.deepEqual(cp.spec, {
      clusterRefs: [clusterRef('default', 'workload')],
      templateResourceRefs: [
        {
          resource: { apiVersion: 'v1', kind: 'Secret', name: 'db-credentials', namespace: 'default' },
          identifier: 'Credentials',
        },
        {
          resource: {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            name: 'default-workload-credential-namespaces',
            namespace: 'projectsveltos',
          },
          identifier: 'Namespaces',
        },
      ],
      policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'credentials-copier' }],
    });
    // the copier is a cluster-data template (getResource): no event-data warning
    assert.deepEqual(p.warnings, []);
  });
});

describe('example network-policy-per-service (oneForEvent, projectsveltos.io/instantiate)', () => {
  const capiCluster = {
    apiVersion: 'cluster.x-k8s.io/v1beta2' as const,
    kind: 'Cluster' as const,
    metadata: { name: 'fv-workload', namespace: 'default', labels: { env: 'fv' } },
  };
  const report = (): EventReport =>
    testdataDocuments('network-policy-per-service', 'eventreport.yaml')[0] as unknown as EventReport;
  const template = () => managementObjects('network-policy-per-service', 'configmaps.yaml');

  /** The policy the template gives for a Service with one port and one selector label. */
  const policy = (service: string, app: string, port: number) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: `allow-internal-to-${service}`, namespace: 'default' },
    spec: {
      podSelector: { matchLabels: { app } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ podSelector: { matchLabels: { traffic: 'internal' } } }],
          ports: [{ port, protocol: 'TCP' }],
        },
      ],
    },
  });

  it("the agent's report for orders gives one profile and allow-internal-to-orders on the target port", () => {
    const p = run({
      eventTrigger: trigger('network-policy-per-service'),
      cluster: capiCluster,
      report: report(),
      objects: template(),
    });
    assert.equal(p.clusterProfiles.length, 1);
    const cm = p.configMaps[0]!;
    assert.equal(cm.metadata.namespace, 'projectsveltos');
    assert.deepEqual(p.clusterProfiles[0]?.spec?.policyRefs, [
      { kind: 'ConfigMap', namespace: 'projectsveltos', name: cm.metadata.name },
    ]);
    assert.deepEqual(p.clusterProfiles[0]?.spec?.clusterRefs, [
      { apiVersion: capiCluster.apiVersion, kind: 'Cluster', namespace: 'default', name: 'fv-workload' },
    ]);
    assert.deepEqual(parsedData(cm, 'networkpolicy.yaml'), policy('orders', 'orders', 8080));
  });

  it('a second Service gives a second profile and its own policy', () => {
    const [orders] = decodeEventReportResources(report().spec.resources!);
    assert.ok(orders);
    const payments = structuredClone(orders) as {
      metadata: { name: string; uid: string };
      spec: { selector: Record<string, string>; ports: Record<string, unknown>[] };
    };
    payments.metadata.name = 'payments';
    payments.metadata.uid = 'uid-payments';
    payments.spec.selector = { app: 'payments' };
    payments.spec.ports = [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 8443 }];
    const p = run({
      eventTrigger: trigger('network-policy-per-service'),
      cluster: capiCluster,
      report: collected([orders, payments], 'services-wanting-a-policy'),
      objects: template(),
    });
    assert.equal(p.clusterProfiles.length, 2);
    assert.deepEqual(
      p.configMaps.map((c) => parsedData(c, 'networkpolicy.yaml')),
      [policy('orders', 'orders', 8080), policy('payments', 'payments', 8443)],
    );
  });
});

describe('example ingress-for-https-services (oneForEvent: false)', () => {
  it('one profile and one Ingress over .Resources, a path per HTTPS Service', () => {
    // what the agent reports: the two HTTPS Services, ordered by namespace and name
    const services = ['admin-api', 'storefront'].map((name) =>
      collectedObject(exampleObject('ingress-for-https-services', 'Service', name)),
    );
    const p = run({
      eventTrigger: trigger('ingress-for-https-services'),
      cluster: sveltosCluster('default', 'workload', { env: 'fv' }),
      report: collected(services, 'https-services'),
      objects: managementObjects('ingress-for-https-services', 'configmaps.yaml'),
    });
    assert.equal(p.clusterProfiles.length, 1);
    assert.equal(p.configMaps.length, 1);
    const path = (service: string, port: number) => ({
      path: `/${service}`,
      pathType: 'Prefix',
      backend: { service: { name: service, port: { number: port } } },
    });
    assert.deepEqual(parsedData(p.configMaps[0], 'ingress.yaml'), {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'https-entry', namespace: 'web' },
      spec: {
        ingressClassName: 'nginx',
        rules: [{ http: { paths: [path('admin-api', 8443), path('storefront', 443)] } }],
      },
    });
  });
});

describe('example cross-cluster-service: destination cluster selector', () => {
  const source = sveltosCluster('gke', 'production-eu', { env: 'production' });
  const loadBalancer = () =>
    collectedObject(exampleObject('cross-cluster-service', 'Service', 'inventory'), {
      status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } },
    });

  it('the profile selects dep=eng clusters; Service and Endpoints point at the load balancer address', () => {
    const p = run({
      eventTrigger: trigger('cross-cluster-service'),
      cluster: source,
      report: collected([loadBalancer()], 'load-balancers-with-address'),
      objects: managementObjects('cross-cluster-service', 'configmaps.yaml'),
    });
    assert.equal(p.clusterProfiles.length, 1);
    const spec = p.clusterProfiles[0]?.spec;
    assert.deepEqual(spec?.clusterSelector, { matchLabels: { dep: 'eng' } });
    assert.equal(spec?.clusterRefs, undefined);
    const metadata = { name: 'inventory-remote', namespace: 'remote-services' };
    assert.deepEqual(parsedData(p.configMaps[0], 'service.yaml'), {
      apiVersion: 'v1',
      kind: 'Service',
      metadata,
      spec: { ports: [{ port: 80, protocol: 'TCP' }] },
    });
    assert.deepEqual(parsedData(p.configMaps[0], 'endpoints.yaml'), {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata,
      subsets: [{ addresses: [{ ip: '203.0.113.10' }], ports: [{ port: 80, protocol: 'TCP' }] }],
    });
  });

  it('with projectsveltos.io/template instead of instantiate, the plan warns and names the fix', () => {
    const p = run({
      eventTrigger: trigger('cross-cluster-service'),
      cluster: source,
      report: collected([loadBalancer()], 'load-balancers-with-address'),
      objects: testdataDocuments('cross-cluster-service', 'wrong-annotation.yaml') as ObjectWithData[],
    });
    assert.deepEqual(p.configMaps, []);
    assert.deepEqual(p.clusterProfiles[0]?.spec?.policyRefs, [
      { kind: 'ConfigMap', namespace: 'default', name: 'remote-service-template' },
    ]);
    assert.deepEqual(
      p.warnings.map((w) => w.code),
      ['EVENT_DATA_NOT_INSTANTIATED'],
    );
    assert.match(p.warnings[0]?.message ?? '', /add the annotation projectsveltos\.io\/instantiate/);
    assert.match(p.warnings[0]?.message ?? '', /ConfigMap default\/remote-service-template/);
  });
});

describe('example cluster-inventory-kubeconfigs: the management cluster as source', () => {
  const mgmt = sveltosCluster('mgmt', 'mgmt', { 'cluster-api': 'enabled' });

  /** What the example's aggregatedSelection returns for two Clusters × two consumer namespaces. */
  function deliveries(): Record<string, unknown>[] {
    const clusters = [
      { name: 'edge-1', profileName: 'edge-1', profileNamespace: 'edge-fleet' },
      { name: 'core-2', profileName: 'core', profileNamespace: 'default' },
    ];
    return clusters.flatMap((c) =>
      ['analytics', 'release-tools'].map((consumer) => ({
        apiVersion: 'inventory.example.io/v1',
        kind: 'KubeconfigDelivery',
        metadata: { name: `${c.name}--${consumer}`, namespace: 'capi-clusters' },
        spec: {
          cluster: c.name,
          kubeconfig: Buffer.from(`kubeconfig of ${c.name}`).toString('base64'),
          consumerNamespace: consumer,
          profileName: c.profileName,
          profileNamespace: c.profileNamespace,
        },
      })),
    );
  }

  it('four deliveries give four profiles, each deploying <profile ns>-<profile>-kubeconfig to its consumer', () => {
    const report = collected(deliveries(), 'consumer-kubeconfigs');
    const [template] = managementObjects('cluster-inventory-kubeconfigs', 'configmaps.yaml');
    // an annotation of the template's own, to see that all of them are carried over
    template!.metadata = {
      ...template!.metadata,
      annotations: { ...template!.metadata?.annotations, 'example.io/owner': 'platform' },
    };
    const p = run({
      eventTrigger: trigger('cluster-inventory-kubeconfigs'),
      cluster: mgmt,
      report,
      objects: [template!],
    });
    assert.equal(p.clusterProfiles.length, 4);
    assert.deepEqual(
      p.clusterProfiles.map((c) => [
        c.metadata.labels?.[`${L}resourcename`],
        c.metadata.labels?.[`${L}resourcenamespace`],
        c.spec?.clusterRefs,
      ]),
      (report.matchingResources as ObjectReference[]).map((r) => [
        r.name,
        'capi-clusters',
        [clusterRef('mgmt', 'mgmt')],
      ]),
    );
    assert.deepEqual(
      p.configMaps.map((c) => {
        const s = parsedData(c, 'secret.yaml') as { metadata: { name: string; namespace: string } };
        return `${s.metadata.namespace}/${s.metadata.name}`;
      }),
      [
        'analytics/edge-fleet-edge-1-kubeconfig',
        'release-tools/edge-fleet-edge-1-kubeconfig',
        'analytics/default-core-kubeconfig',
        'release-tools/default-core-kubeconfig',
      ],
    );
    assert.equal(
      p.configMaps[0]?.data?.['secret.yaml'],
      [
        '',
        'apiVersion: v1',
        'kind: Secret',
        'metadata:',
        '  name: edge-fleet-edge-1-kubeconfig',
        '  namespace: analytics',
        '  labels:',
        '    x-k8s.io/cluster-profile: edge-1',
        '    x-k8s.io/cluster-profile-namespace: edge-fleet',
        'type: Opaque',
        'data:',
        `  config: ${Buffer.from('kubeconfig of edge-1').toString('base64')}`,
        '',
      ].join('\n'),
    );
    assert.deepEqual(p.configMaps[0]?.metadata.annotations, {
      'example.io/owner': 'platform',
      'projectsveltos.io/instantiate': 'true',
    });
  });
});

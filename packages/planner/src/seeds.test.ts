// The seeds' own YAML through the planner: the EventReport content the agent would send for each page's
// example resources, and what the page shows being created.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeEventReportResources,
  type EventReport,
  type EventTrigger,
  type ObjectReference,
  type SveltosCluster,
} from '@sveltos-ts/api';
import {
  corrected003,
  type SeedObject,
  seed002EventReport,
  seedDocuments,
  seedText,
  yamlBlocks,
} from '@sveltos-ts/testenv';
import { parse } from 'yaml';
import { GENERATED_NAME_PATTERN } from './names.ts';
import { collected, INSTANTIATE, run } from './test-fixtures.ts';
import type { ConfigMap, KubeObject } from './types.ts';

const L = 'eventtrigger.lib.projectsveltos.io/';

function docs(seed: string): SeedObject[] {
  return seedDocuments(yamlBlocks(seedText(seed)));
}

function find<T = SeedObject>(list: SeedObject[], kind: string, name: string, nth = 0): T {
  const found = list.filter((d) => d.kind === kind && d.metadata?.name === name)[nth];
  assert.ok(found, `${kind}/${name} in seed`);
  return structuredClone(found) as T;
}

/** Output samples on the pages elide fields with `...` lines; without them the rest parses. */
function outputSample(seed: string, marker: string): Record<string, unknown>[] {
  const block = yamlBlocks(seedText(seed)).find((b) => b.includes(marker));
  assert.ok(block, marker);
  const text = block
    .split('\n')
    .filter((l) => !/^\s*\.\.\.\s*$/.test(l))
    .join('\n');
  return text
    .split(/^---$/m)
    .map((d) => parse(d) as Record<string, unknown>)
    .filter(Boolean);
}

function sveltosCluster(namespace: string, name: string, labels: Record<string, string>): SveltosCluster {
  return {
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'SveltosCluster',
    metadata: { namespace, name, labels },
    spec: {},
    status: { ready: true },
  };
}

const parsedData = (cm: ConfigMap | undefined, key: string): unknown => parse(cm?.data?.[key] ?? '');

describe('seed 000: generator fetching its source by event data', () => {
  it('fetches workload-source-config in apps and writes prod-team-a-workload-generated to projectsveltos', () => {
    const fragment = docs('000').find((d) => 'configMapGenerator' in d) as { configMapGenerator: never };
    assert.ok(fragment);
    const p = run({
      eventTrigger: {
        apiVersion: 'lib.projectsveltos.io/v1beta1',
        kind: 'EventTrigger',
        metadata: { name: 'generators' },
        spec: {
          sourceClusterSelector: { matchLabels: { env: 'prod' } },
          eventSourceName: 'workloads',
          oneForEvent: true,
          configMapGenerator: fragment.configMapGenerator,
        },
      },
      cluster: sveltosCluster('prod', 'team-a', { env: 'prod' }),
      report: collected(
        [
          {
            apiVersion: 'apps.example.io/v1',
            kind: 'Workload',
            metadata: { name: 'workload', namespace: 'apps' },
          },
        ],
        'workloads',
      ),
      objects: [
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'workload-source-config', namespace: 'apps' },
          data: { 'settings.yaml': 'owner: {{ .Resource.metadata.name }}@{{ .Cluster.metadata.name }}' },
        },
      ],
    });
    assert.deepEqual(p.references, [
      { kind: 'ConfigMap', namespace: 'apps', name: 'workload-source-config' },
    ]);
    assert.deepEqual(
      p.configMaps.map((c) => [c.metadata.namespace, c.metadata.name, c.data]),
      [['projectsveltos', 'prod-team-a-workload-generated', { 'settings.yaml': 'owner: workload@team-a' }]],
    );
  });
});

describe('seed 001: generator + templateResourceRefs (replicate a Secret on demand)', () => {
  const seed = docs('001');
  const plan = () =>
    run({
      eventTrigger: find<EventTrigger>(seed, 'EventTrigger', 'distribute-credentials'),
      cluster: sveltosCluster('default', 'workload', { env: 'production' }),
      // namespaces eng and hr are labelled secret: required; collectResources: true
      report: collected(
        ['eng', 'hr'].map((name) => ({
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name, labels: { secret: 'required' } },
        })),
        'requiring-credentials',
      ),
      objects: [
        find<KubeObject>(seed, 'ConfigMap', 'namespaces'),
        find<KubeObject>(seed, 'ConfigMap', 'info'),
      ],
    });

  it('generates default-workload-namespaces in projectsveltos with the data the page shows', () => {
    const p = plan();
    assert.equal(p.configMaps.length, 1);
    const cm = p.configMaps[0];
    assert.equal(cm?.metadata.name, 'default-workload-namespaces');
    assert.equal(cm?.metadata.namespace, 'projectsveltos');
    // what Go's text/template renders for the page's template (trim markers and all)
    assert.equal(cm?.data?.namespaces, '\n   eng: "ok"\n   hr: "ok"\n');
    const [shown] = outputSample('001', 'default-workload-namespaces');
    assert.deepEqual(parsedData(cm, 'namespaces'), parse((shown!.data as { namespaces: string }).namespaces));
    assert.equal(cm?.metadata.labels?.[`${L}fromgenerator`], 'ok');
    assert.equal(cm?.metadata.annotations?.['projectsveltos.io/instantiate'], 'true');
  });

  it('one ClusterProfile for the cluster: templated templateResourceRefs, info passed through untouched', () => {
    const p = plan();
    assert.equal(p.clusterProfiles.length, 1);
    const cp = p.clusterProfiles[0]!;
    assert.match(cp.metadata.name ?? '', GENERATED_NAME_PATTERN);
    assert.deepEqual(cp.spec, {
      clusterRefs: [
        {
          apiVersion: 'lib.projectsveltos.io/v1beta1',
          kind: 'SveltosCluster',
          namespace: 'default',
          name: 'workload',
        },
      ],
      templateResourceRefs: [
        {
          resource: { apiVersion: 'v1', kind: 'Secret', name: 'login-credentials', namespace: 'default' },
          identifier: 'Credentials',
        },
        {
          resource: {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            name: 'default-workload-namespaces',
            namespace: 'projectsveltos',
          },
          identifier: 'Namespaces',
        },
      ],
      policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'info' }],
    });
    // info is a cluster-data template (getResource "Namespaces"): no event-data warning
    assert.deepEqual(p.warnings, []);
  });

  it('the network-policy example of the same page is instantiated per LoadBalancer Service', () => {
    const p = run({
      eventTrigger: {
        apiVersion: 'lib.projectsveltos.io/v1beta1',
        kind: 'EventTrigger',
        metadata: { name: 'network-policy' },
        spec: {
          sourceClusterSelector: { matchLabels: { env: 'production' } },
          eventSourceName: 'load-balancers',
          oneForEvent: true,
          policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'network-policy' }],
        },
      },
      cluster: sveltosCluster('default', 'workload', { env: 'production' }),
      report: collected(
        [
          {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: 'lb', namespace: 'shop' },
            spec: { type: 'LoadBalancer', selector: { app: 'shop' }, ports: [{ port: 8080 }] },
          },
        ],
        'load-balancers',
      ),
      objects: [find<KubeObject>(seed, 'ConfigMap', 'network-policy')],
    });
    assert.deepEqual(parsedData(p.configMaps[0], 'networkpolicy.yaml'), {
      kind: 'NetworkPolicy',
      apiVersion: 'networking.k8s.io/v1',
      metadata: { name: 'front-lb', namespace: 'shop' },
      spec: {
        podSelector: { matchLabels: { app: 'shop' } },
        ingress: [{ from: [{ podSelector: { matchLabels: { app: 'internal' } } }], ports: [{ port: 8080 }] }],
      },
    });
  });
});

describe('seed 002 (v1beta1 translation with projectsveltos.io/instantiate)', () => {
  const seed = docs('002');

  /** EventBasedAddOn → EventTrigger: the string clusterSelector becomes sourceClusterSelector. */
  function translated(name: string, nth: number): EventTrigger {
    const old = find<{ spec: Record<string, unknown> }>(seed, 'EventBasedAddOn', name, nth);
    const { clusterSelector, ...rest } = old.spec;
    assert.equal(clusterSelector, 'env=fv');
    return {
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'EventTrigger',
      metadata: { name },
      spec: {
        sourceClusterSelector: { matchLabels: { env: 'fv' } },
        ...(rest as { eventSourceName: string }),
      },
    };
  }

  function instantiated(name: string): KubeObject {
    const cm = find<KubeObject>(seed, 'ConfigMap', name);
    cm.metadata = { ...cm.metadata, annotations: INSTANTIATE };
    return cm;
  }

  const capiCluster = {
    apiVersion: 'cluster.x-k8s.io/v1beta2' as const,
    kind: 'Cluster' as const,
    metadata: { name: 'sveltos-management-workload', namespace: 'default', labels: { env: 'fv' } },
  };

  /** The page's EventReport, with its base64 resources (the Service my-service). */
  const seedReport = (): EventReport => seed002EventReport() as unknown as EventReport;

  it('the EventReport of the page gives front-my-service, as the NetworkPolicy the page shows', () => {
    const p = run({
      eventTrigger: translated('service-network-policy', 0),
      cluster: capiCluster,
      report: seedReport(),
      objects: [instantiated('network-policy')],
    });
    assert.equal(p.clusterProfiles.length, 1);
    const cm = p.configMaps[0]!;
    assert.deepEqual(p.clusterProfiles[0]?.spec?.policyRefs, [
      { kind: 'ConfigMap', namespace: 'projectsveltos', name: cm.metadata.name },
    ]);
    const rendered = parsedData(cm, 'networkpolicy.yaml') as Record<string, unknown>;
    const shown = find<Record<string, Record<string, unknown>>>(seed, 'NetworkPolicy', 'front-my-service');
    // the page shows the object as read back: server-side metadata and API defaults are not in the template
    const ingress = (shown.spec!.ingress as { ports: { protocol?: string }[] }[]).map((r) => ({
      ...r,
      ports: r.ports.map(({ protocol, ...port }) => {
        assert.equal(protocol, 'TCP');
        return port;
      }),
    }));
    assert.deepEqual(rendered, {
      kind: 'NetworkPolicy',
      apiVersion: shown.apiVersion,
      metadata: { name: shown.metadata?.name, namespace: shown.metadata?.namespace },
      spec: { podSelector: shown.spec?.podSelector, ingress },
    });
    assert.deepEqual(shown.spec?.policyTypes, ['Ingress']);
  });

  it('a second Service gives a second profile and front-another-service', () => {
    const [myService] = decodeEventReportResources(seedReport().spec.resources);
    assert.ok(myService);
    const another = structuredClone(myService) as {
      metadata: { name: string };
      spec: { selector: Record<string, string>; ports: { port: number }[] };
    };
    another.metadata.name = 'another-service';
    another.spec.selector = { 'app.kubernetes.io/name': 'MyApp-secure' };
    another.spec.ports = [{ port: 443 }];
    const p = run({
      eventTrigger: translated('service-network-policy', 0),
      cluster: capiCluster,
      report: collected([myService, another], 'sveltos-service'),
      objects: [instantiated('network-policy')],
    });
    assert.equal(p.clusterProfiles.length, 2);
    assert.deepEqual(
      p.configMaps.map((c) => {
        const np = parsedData(c, 'networkpolicy.yaml') as {
          metadata: { name: string };
          spec: { podSelector: { matchLabels: Record<string, string> } };
        };
        return [np.metadata.name, np.spec.podSelector.matchLabels['app.kubernetes.io/name']];
      }),
      [
        ['front-my-service', 'MyApp'],
        ['front-another-service', 'MyApp-secure'],
      ],
    );
  });

  it('oneForEvent: false renders one Ingress over .Resources, as the page shows', () => {
    const svc = (name: string, port: number) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'eng' },
      spec: { ports: [{ port: 80 }, { port }] },
    });
    const p = run({
      eventTrigger: translated('ingress-configuration', 0),
      cluster: capiCluster,
      report: collected([svc('my-service', 443), svc('my-service-2', 8443)], 'https-service'),
      objects: [instantiated('ingress')],
    });
    assert.equal(p.clusterProfiles.length, 1);
    const rendered = parsedData(p.configMaps[0], 'ingress.yaml') as Record<string, Record<string, unknown>>;
    const shown = find<Record<string, Record<string, unknown>>>(seed, 'Ingress', 'ingress');
    const { 'projectsveltos.io/hash': hash, ...annotations } = shown.metadata!.annotations as Record<
      string,
      string
    >;
    assert.ok(hash);
    assert.deepEqual(rendered.metadata, { name: 'ingress', namespace: 'default', annotations });
    assert.deepEqual(rendered.spec, shown.spec);
  });
});

describe('seed 003 (corrected): destination cluster selector', () => {
  const blocks = yamlBlocks(seedText('003'));
  const corrected = seedDocuments(
    blocks.filter((b) => /kind: Event(Source|Trigger)/.test(b)).map(corrected003),
  );
  const asPrinted = seedDocuments(blocks);
  const gke = sveltosCluster('gke', 'production-gke', { env: 'production' });
  // the Service of the page (spec from its manifest, namespace and status from the excerpt it prints)
  const lbService = () => {
    const svc = find<Record<string, Record<string, unknown>>>(asPrinted, 'Service', 'my-lb-service');
    svc.metadata = { ...svc.metadata, namespace: 'test' };
    svc.status = { loadBalancer: { ingress: [{ ip: '34.172.32.172' }] } };
    return svc;
  };

  it('the ClusterProfile targets dep: eng; Service and Endpoints are instantiated as the page shows', () => {
    const p = run({
      eventTrigger: find<EventTrigger>(corrected, 'EventTrigger', 'service-policy'),
      cluster: gke,
      report: collected([lbService()], 'load-balancer-service'),
      objects: [find<KubeObject>(corrected, 'ConfigMap', 'service-policy')],
    });
    assert.equal(p.clusterProfiles.length, 1);
    const spec = p.clusterProfiles[0]?.spec;
    assert.deepEqual(spec?.clusterSelector, { matchLabels: { dep: 'eng' } });
    assert.equal(spec?.clusterRefs, undefined);
    const [shownService] = outputSample('003', 'kind: Service\nmetadata:\n  name: external-my-lb-service');
    const [shownEndpoints] = outputSample(
      '003',
      'kind: Endpoints\nmetadata:\n  name: external-my-lb-service',
    );
    const service = parsedData(p.configMaps[0], 'service.yaml') as Record<string, Record<string, unknown>>;
    assert.deepEqual(service.metadata, shownService?.metadata);
    assert.deepEqual(service.spec?.ports, (shownService!.spec as Record<string, unknown>).ports);
    const endpoints = parsedData(p.configMaps[0], 'endpoint.yaml') as { subsets: unknown };
    // the page shows protocol: TCP, which the API server defaults
    const shownSubsets = (shownEndpoints!.subsets as { addresses: unknown; ports: { port: number }[] }[]).map(
      (s) => ({ addresses: s.addresses, ports: s.ports.map((port) => ({ port: port.port })) }),
    );
    assert.deepEqual(endpoints.subsets, shownSubsets);
  });

  it('as printed (projectsveltos.io/template with .Resource) the plan warns and names the fix', () => {
    const p = run({
      eventTrigger: find<EventTrigger>(corrected, 'EventTrigger', 'service-policy'),
      cluster: gke,
      report: collected([lbService()], 'load-balancer-service'),
      objects: [find<KubeObject>(asPrinted, 'ConfigMap', 'service-policy')],
    });
    assert.deepEqual(p.configMaps, []);
    assert.deepEqual(p.clusterProfiles[0]?.spec?.policyRefs, [
      { kind: 'ConfigMap', namespace: 'default', name: 'service-policy' },
    ]);
    assert.deepEqual(
      p.warnings.map((w) => w.code),
      ['EVENT_DATA_NOT_INSTANTIATED'],
    );
    assert.match(p.warnings[0]?.message ?? '', /add the annotation projectsveltos\.io\/instantiate/);
    assert.match(p.warnings[0]?.message ?? '', /ConfigMap default\/service-policy/);
  });
});

describe('seed 004: the management cluster as source, one profile per synthetic resource', () => {
  const seed = docs('004');
  const mgmt = sveltosCluster('mgmt', 'mgmt', { 'cluster-api': 'enabled' });

  /** What the page's aggregatedSelection emits for two Clusters × two consumer namespaces. */
  function targets(): Record<string, unknown>[] {
    const clusters = [
      {
        name: 'c1',
        labels: { 'clusterprofile-name': 'cp1', 'clusterprofile-namespace': 'team' },
        cpNs: 'team',
      },
      { name: 'c2', labels: { 'clusterprofile-name': 'cp2' }, cpNs: 'default' },
    ];
    return clusters.flatMap((c) =>
      ['consumer-a', 'consumer-b'].map((ns) => ({
        apiVersion: 'projectsveltos.io/v1alpha1',
        kind: 'InventorySecretTarget',
        metadata: { name: `${c.name}--${ns}`, namespace: 'mgmt', labels: c.labels, annotations: {} },
        spec: {
          clusterName: c.name,
          kubeconfigRaw: Buffer.from(`kubeconfig of ${c.name}`).toString('base64'),
          kubeconfigSecretName: `${c.name}-kubeconfig`,
          kubeconfigSecretNamespace: 'mgmt',
          targetNamespace: ns,
          clusterProfileName: c.labels['clusterprofile-name'],
          clusterProfileNamespace: c.cpNs,
        },
      })),
    );
  }

  it('four targets give four profiles, each deploying {cpNs}-{cpName}-kubeconfig into its consumer namespace', () => {
    const report = collected(targets(), 'cluster-inventory-consumer-credentials-from-capi');
    const p = run({
      eventTrigger: find<EventTrigger>(
        seed,
        'EventTrigger',
        'cluster-inventory-consumer-credentials-from-capi',
      ),
      cluster: mgmt,
      report,
      objects: [
        find<KubeObject>(seed, 'ConfigMap', 'cluster-inventory-consumer-credentials-from-capi-template'),
      ],
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
        'mgmt',
        [
          {
            apiVersion: 'lib.projectsveltos.io/v1beta1',
            kind: 'SveltosCluster',
            namespace: 'mgmt',
            name: 'mgmt',
          },
        ],
      ]),
    );
    assert.deepEqual(
      p.configMaps.map((c) => {
        const s = parsedData(c, 'secret.yaml') as { metadata: { name: string; namespace: string } };
        return `${s.metadata.namespace}/${s.metadata.name}`;
      }),
      [
        'consumer-a/team-cp1-kubeconfig',
        'consumer-b/team-cp1-kubeconfig',
        'consumer-a/default-cp2-kubeconfig',
        'consumer-b/default-cp2-kubeconfig',
      ],
    );
    assert.equal(
      p.configMaps[0]?.data?.['secret.yaml'],
      [
        'apiVersion: v1',
        'kind: Secret',
        'metadata:',
        '  name: team-cp1-kubeconfig',
        '  namespace: consumer-a',
        '  labels:',
        '    x-k8s.io/cluster-profile: cp1',
        '    x-k8s.io/cluster-profile-namespace: team',
        'type: Opaque',
        'data:',
        `  config: ${Buffer.from('kubeconfig of c1').toString('base64')}`,
        '',
      ].join('\n'),
    );
    // the template's annotations are copied to the instantiated ConfigMaps
    assert.deepEqual(p.configMaps[0]?.metadata.annotations, {
      'projectsveltos.io/instantiate': 'ok',
      'projectsveltos.io/subresources': 'status',
    });
  });
});

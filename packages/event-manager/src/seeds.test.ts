// The examples generated-settings, credentials-replication, cross-cluster-service and
// cluster-inventory-kubeconfigs with their own YAML (names suffixed, objects moved into this test's
// namespace, selectors scoped to this test): reports written as the agent writes them → generator outputs,
// rendered templateResourceRefs, destination selectors and one profile per aggregated resource.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { crds } from '@sveltos-ts/api';
import { type KubeObject, RestClient } from '@sveltos-ts/kube';
import {
  type ExampleObject,
  exampleDocuments,
  exampleObject,
  sharedTestEnv,
  type TestEnv,
  testdataDocuments,
} from '@sveltos-ts/testenv';
import { parse } from 'yaml';
import type { RunningEventManager } from './event-manager.ts';
import {
  configMapsOf,
  createOrKeep,
  eventually,
  profilesOf,
  registerCluster,
  scopedManager,
  writeReport,
} from './test-support.ts';

// biome-ignore lint/suspicious/noExplicitAny: example YAML is edited in place, its shape is the example's
type Spec = Record<string, any>;
const scope = `ex-${Date.now().toString(36)}`;
const ns = scope;
const testLabel = { 'sveltos-test': scope };

/** The example's trigger with a unique name, our EventSource name and the selector scoped to this test. */
function scoped(example: string, eventSource: string, patch: (spec: Spec) => void = () => {}): KubeObject {
  const et = exampleObject(example, 'EventTrigger');
  const spec = structuredClone(et.spec) as Spec;
  spec.eventSourceName = eventSource;
  spec.sourceClusterSelector = { matchLabels: { ...spec.sourceClusterSelector.matchLabels, ...testLabel } };
  patch(spec);
  return {
    apiVersion: et.apiVersion,
    kind: 'EventTrigger',
    metadata: { name: `${et.metadata.name}-${scope}`, labels: testLabel },
    spec,
  };
}
/** The object under another name (and namespace). */
const named = (o: ExampleObject, name: string, namespace?: string): KubeObject =>
  ({ ...o, metadata: { ...o.metadata, name, ...(namespace ? { namespace } : {}) } }) as KubeObject;
const eventSource = (example: string, name: string) => named(exampleObject(example, 'EventSource'), name);
const namespaceObject = (name: string, labels: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels, uid: `uid-${name}` },
});
const decode = (b64: string | undefined) => Buffer.from(b64 ?? '', 'base64').toString();

describe('examples through the event-manager', () => {
  let env: TestEnv;
  let admin: RestClient;
  let manager: RunningEventManager;

  before(async () => {
    env = await sharedTestEnv({ crds });
    admin = new RestClient(env.cluster('mgmt').kubeConfig());
    await admin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    manager = await scopedManager(env, scope);
    await registerCluster(env, admin, {
      namespace: ns,
      name: 'workload',
      target: 'cluster-a',
      labels: { env: 'production', ...testLabel },
    });
  });
  after(async () => {
    await manager?.stop();
  });

  it('credentials-replication: the namespaces generator output and the templateResourceRefs rendered for the cluster', async () => {
    const es = `namespaces-needing-credentials-${scope}`;
    await admin.create(eventSource('credentials-replication', es));
    const et = scoped('credentials-replication', es, (s) => {
      s.configMapGenerator[0].namespace = ns;
      s.policyRefs[0].namespace = ns;
    });
    for (const cm of exampleDocuments('credentials-replication', 'configmaps.yaml'))
      await admin.create(named(cm, cm.metadata.name, ns));
    await admin.create(et);
    await writeReport(admin, {
      clusterNamespace: ns,
      clusterName: 'workload',
      eventSource: es,
      // collectResources: false, as the example's EventSource says
      collect: false,
      resources: [
        namespaceObject('billing', { credentials: 'required' }),
        namespaceObject('payroll', { credentials: 'required' }),
      ],
    });
    const generated = await eventually('generator output', () =>
      admin.getOrUndefined<KubeObject & { data: Record<string, string> }>({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'projectsveltos',
        name: `${ns}-workload-credential-namespaces`,
      }),
    );
    assert.deepEqual(parse(generated.data['namespaces.yaml']!), ['billing', 'payroll']);
    assert.equal(generated.metadata.labels?.['eventtrigger.lib.projectsveltos.io/fromgenerator'], 'ok');
    const [profile] = await eventually('profile', async () => {
      const ps = await profilesOf(admin, et.metadata.name);
      return ps.length === 1 ? ps : undefined;
    });
    const spec = profile!.spec as {
      templateResourceRefs: { resource: { name: string } }[];
      policyRefs: unknown[];
    };
    assert.deepEqual(
      spec.templateResourceRefs.map((r) => r.resource.name),
      ['db-credentials', `${ns}-workload-credential-namespaces`],
    );
    // the copier is a projectsveltos.io/template ConfigMap: referenced as is, the addon-controller renders it
    const [ref] = spec.policyRefs as { kind: string; namespace: string; name: string }[];
    assert.deepEqual([ref?.kind, ref?.namespace, ref?.name], ['ConfigMap', ns, 'credentials-copier']);
  });

  it('generated-settings: generators whose source name and namespace come from the event, named by nameFormat', async () => {
    const es = `deployments-wanting-settings-${scope}`;
    await admin.create(eventSource('generated-settings', es));
    // the sources live in a namespace named like the Deployment's: this test's
    for (const o of exampleDocuments('generated-settings', 'templates.yaml')) {
      if (o.kind === 'Namespace') continue;
      await admin.create(named(o, o.metadata.name, ns));
    }
    const et = scoped('generated-settings', es, (s) => {
      s.policyRefs[0].namespace = ns;
    });
    await admin.create(et);
    const deployment = exampleObject('generated-settings', 'Deployment');
    await writeReport(admin, {
      clusterNamespace: ns,
      clusterName: 'workload',
      eventSource: es,
      resources: [
        { ...deployment, metadata: { ...deployment.metadata, namespace: ns, uid: 'uid-checkout' } },
      ],
    });
    const prefix = `${ns}-workload-${ns}-checkout`;
    const settings = await eventually('generated ConfigMap', () =>
      admin.getOrUndefined<KubeObject & { data: Record<string, string> }>({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'projectsveltos',
        name: `${prefix}-settings`,
      }),
    );
    assert.deepEqual(settings.data, {
      'settings.yaml': [
        'application: checkout',
        `namespace: ${ns}`,
        `cluster: ${ns}/workload`,
        'replicas: 2',
        'image: registry.example.com/shop/checkout:1.4.2',
        '',
      ].join('\n'),
    });
    const database = await eventually('generated Secret', () =>
      admin.getOrUndefined<KubeObject & { data: Record<string, string>; type: string }>({
        apiVersion: 'v1',
        kind: 'Secret',
        namespace: 'projectsveltos',
        name: `${prefix}-database`,
      }),
    );
    assert.equal(decode(database.data.url), `postgres://checkout@db.${ns}.svc:5432/checkout`);
    assert.equal(database.type, 'addons.projectsveltos.io/cluster-profile');
    const [profile] = await eventually('profile', async () => {
      const ps = await profilesOf(admin, et.metadata.name);
      return ps.length === 1 ? ps : undefined;
    });
    const spec = profile!.spec as { templateResourceRefs: { resource: { name: string } }[] };
    assert.deepEqual(
      spec.templateResourceRefs.map((r) => r.resource.name),
      [`${prefix}-settings`, `${prefix}-database`],
    );
  });

  it('cross-cluster-service: profiles target the destination selector; the instantiated Service/Endpoints use the event', async () => {
    const es = `load-balancers-with-address-${scope}`;
    await admin.create(eventSource('cross-cluster-service', es));
    const et = scoped('cross-cluster-service', es, (s) => {
      s.policyRefs[0].namespace = ns;
    });
    const [template] = exampleDocuments('cross-cluster-service', 'configmaps.yaml');
    await admin.create(named(template!, template!.metadata.name, ns));
    await admin.create(et);
    const lb = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'ledger', namespace: 'default', uid: 'uid-ledger' },
      spec: { type: 'LoadBalancer', ports: [{ port: 7443, protocol: 'TCP', targetPort: 8443 }] },
      status: { loadBalancer: { ingress: [{ ip: '198.51.100.7' }] } },
    };
    await writeReport(admin, {
      clusterNamespace: ns,
      clusterName: 'workload',
      eventSource: es,
      resources: [lb],
    });
    const [profile] = await eventually('profile', async () => {
      const ps = await profilesOf(admin, et.metadata.name);
      return ps.length === 1 ? ps : undefined;
    });
    const spec = profile!.spec as {
      clusterSelector?: unknown;
      clusterRefs?: unknown;
      policyRefs: { name: string }[];
    };
    assert.deepEqual(spec.clusterSelector, { matchLabels: { dep: 'eng' } });
    assert.equal(spec.clusterRefs, undefined);
    const [cm] = await configMapsOf(admin, et.metadata.name);
    assert.equal(cm?.metadata.name, spec.policyRefs[0]!.name);
    const endpoints = parse(cm!.data!['endpoints.yaml']!) as {
      metadata: { name: string };
      subsets: { addresses: { ip: string }[]; ports: { port: number }[] }[];
    };
    assert.equal(endpoints.metadata.name, 'ledger-remote');
    assert.equal(endpoints.subsets[0]!.addresses[0]!.ip, '198.51.100.7');
    assert.equal(endpoints.subsets[0]!.ports[0]!.port, 7443);
  });

  it('cross-cluster-service with projectsveltos.io/template instead of instantiate: a warning Event names the fix', async () => {
    const es = `lb-wrong-annotation-${scope}`;
    await admin.create(eventSource('cross-cluster-service', es));
    const [wrong] = testdataDocuments('cross-cluster-service', 'wrong-annotation.yaml');
    await admin.create(named(wrong!, 'remote-service-template-wrong', ns));
    const et = scoped('cross-cluster-service', es, (s) => {
      s.policyRefs[0].namespace = ns;
      s.policyRefs[0].name = 'remote-service-template-wrong';
    });
    et.metadata.name = `wrong-annotation-${scope}`;
    await admin.create(et);
    await writeReport(admin, {
      clusterNamespace: ns,
      clusterName: 'workload',
      eventSource: es,
      resources: [
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 's', namespace: 'default' },
          spec: { ports: [{ port: 80 }] },
        },
      ],
    });
    const event = await eventually('warning Event', async () => {
      const events = await admin.list<KubeObject & { reason: string; message: string }>('v1', 'Event', {
        namespace: 'default',
        fieldSelector: `involvedObject.name=${et.metadata.name}`,
      });
      return events.items.find((e) => e.reason === 'EVENT_DATA_NOT_INSTANTIATED');
    });
    assert.match(event.message, /add the annotation projectsveltos\.io\/instantiate/);
  });

  it('cluster-inventory-kubeconfigs: management cluster as source, one profile per aggregated synthetic resource', async () => {
    const es = `consumer-kubeconfigs-${scope}`;
    await admin.create(eventSource('cluster-inventory-kubeconfigs', es));
    await createOrKeep(admin, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mgmt' } });
    await registerCluster(env, admin, {
      namespace: 'mgmt',
      name: 'mgmt',
      target: 'mgmt',
      labels: { 'cluster-api': 'enabled', ...testLabel },
    });
    const [template] = exampleDocuments('cluster-inventory-kubeconfigs', 'configmaps.yaml');
    await admin.create(named(template!, template!.metadata.name, ns));
    const et = scoped('cluster-inventory-kubeconfigs', es, (s) => {
      s.policyRefs[0].namespace = ns;
    });
    await admin.create(et);
    // what the example's aggregatedSelection returns for Cluster edge-1 (ClusterSet namespace edge-fleet)
    const delivery = (consumer: string) => ({
      apiVersion: 'inventory.example.io/v1',
      kind: 'KubeconfigDelivery',
      metadata: { name: `edge-1--${consumer}`, namespace: 'capi-clusters' },
      spec: {
        cluster: 'edge-1',
        kubeconfig: 'a3ViZWNvbmZpZw==',
        consumerNamespace: consumer,
        profileName: 'edge-1',
        profileNamespace: 'edge-fleet',
      },
    });
    await writeReport(admin, {
      clusterNamespace: 'mgmt',
      clusterName: 'mgmt',
      eventSource: es,
      resources: [delivery('analytics'), delivery('release-tools')],
    });
    const profiles = await eventually('two profiles', async () => {
      const ps = await profilesOf(admin, et.metadata.name);
      return ps.length === 2 ? ps : undefined;
    });
    assert.deepEqual(
      profiles.map((p) => p.metadata.labels?.['eventtrigger.lib.projectsveltos.io/resourcename']).sort(),
      ['edge-1--analytics', 'edge-1--release-tools'],
    );
    const secrets = (await configMapsOf(admin, et.metadata.name)).map(
      (c) =>
        parse(c.data!['secret.yaml']!) as {
          metadata: { name: string; namespace: string };
          data: { config: string };
        },
    );
    assert.deepEqual(secrets.map((s) => [s.metadata.name, s.metadata.namespace, s.data.config]).sort(), [
      ['edge-fleet-edge-1-kubeconfig', 'analytics', 'a3ViZWNvbmZpZw=='],
      ['edge-fleet-edge-1-kubeconfig', 'release-tools', 'a3ViZWNvbmZpZw=='],
    ]);
  });
});

// Seeds 000, 001, 003 and 004 with their own YAML (names suffixed, selectors scoped to this test): reports
// written as the agent writes them → generator outputs, rendered templateResourceRefs, destination selectors
// and one profile per aggregated resource.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { crds } from '@sveltos-ts/api';
import { type KubeObject, RestClient } from '@sveltos-ts/kube';
import {
  corrected003,
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
  configMapsOf,
  createOrKeep,
  eventually,
  profilesOf,
  registerCluster,
  scopedManager,
  writeReport,
} from './test-support.ts';

// biome-ignore lint/suspicious/noExplicitAny: seed YAML is edited in place, its shape is the seed's
type Spec = Record<string, any>;
type Doc = SeedObject & { spec?: Spec; data?: Record<string, string> };
const scope = `seeds-${Date.now().toString(36)}`;
const ns = scope;
const testLabel = { 'sveltos-test': scope };
const docsOf = (seed: string, fix: (b: string) => string = (b) => b) =>
  seedDocuments(yamlBlocks(seedText(seed)).map(fix)) as Doc[];
const pick = (docs: Doc[], kind: string, name?: string) =>
  docs.find((d) => d.kind === kind && (name === undefined || d.metadata?.name === name)) ??
  assert.fail(`${kind} ${name}`);

/** The seed's trigger with a unique name, our EventSource name and the selector scoped to this test. */
function scoped(et: Doc, eventSource: string, patch: (spec: Spec) => void = () => {}): KubeObject {
  const spec = structuredClone(et.spec!);
  spec.eventSourceName = eventSource;
  spec.sourceClusterSelector = { matchLabels: { ...spec.sourceClusterSelector.matchLabels, ...testLabel } };
  patch(spec);
  return {
    apiVersion: et.apiVersion!,
    kind: 'EventTrigger',
    metadata: { name: `${et.metadata!.name}-${scope}`, labels: testLabel },
    spec,
  };
}
const named = (d: Doc, name: string, namespace?: string): KubeObject =>
  ({ ...d, metadata: { ...d.metadata, name, ...(namespace ? { namespace } : {}) } }) as KubeObject;
const ns1 = (name: string, labels: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels, uid: `uid-${name}` },
});

describe('seeds 000, 001, 003, 004', () => {
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

  it('001: the namespaces generator output and the templateResourceRefs rendered for the cluster', async () => {
    const docs = docsOf('001');
    const es = `requiring-credentials-${scope}`;
    await admin.create(named(pick(docs, 'EventSource'), es));
    const et = scoped(pick(docs, 'EventTrigger'), es, (s) => {
      s.configMapGenerator[0].namespace = ns;
      s.policyRefs[0].namespace = ns;
    });
    await admin.create(named(pick(docs, 'ConfigMap', 'namespaces'), 'namespaces', ns));
    await admin.create(named(pick(docs, 'ConfigMap', 'info'), 'info', ns));
    await admin.create(et);
    await writeReport(admin, {
      clusterNamespace: ns,
      clusterName: 'workload',
      eventSource: es,
      resources: [ns1('eng', { secret: 'required' }), ns1('hr', { secret: 'required' })],
    });
    const generated = await eventually('generator output', () =>
      admin.getOrUndefined<KubeObject & { data: Record<string, string> }>({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'projectsveltos',
        name: `${ns}-workload-namespaces`,
      }),
    );
    assert.deepEqual(parse(generated.data.namespaces!), { eng: 'ok', hr: 'ok' });
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
      ['login-credentials', `${ns}-workload-namespaces`],
    );
    // `info` is a projectsveltos.io/template ConfigMap: referenced as is, addon-controller renders it
    const [ref] = spec.policyRefs as { kind: string; namespace: string; name: string }[];
    assert.deepEqual([ref?.kind, ref?.namespace, ref?.name], ['ConfigMap', ns, 'info']);
  });

  it('000: configMapGenerator with event-data source name and nameFormat', async () => {
    const fragment = docsOf('000').find((d) => 'configMapGenerator' in d) ?? assert.fail('000 fragment');
    const es = `workload-${scope}`;
    await admin.create({
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'EventSource',
      metadata: { name: es },
      spec: {
        collectResources: true,
        resourceSelectors: [{ group: 'apps', version: 'v1', kind: 'Deployment' }],
      },
    });
    await admin.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'workload-source-config', namespace: ns },
      data: { info: 'cluster={{ .Cluster.metadata.name }} replicas={{ .Resource.spec.replicas }}' },
    });
    const et = {
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'EventTrigger',
      metadata: { name: `seed-000-${scope}`, labels: testLabel },
      spec: {
        sourceClusterSelector: { matchLabels: testLabel },
        eventSourceName: es,
        oneForEvent: true,
        configMapGenerator: (fragment as unknown as { configMapGenerator: unknown }).configMapGenerator,
      },
    };
    await admin.create(et as KubeObject);
    await writeReport(admin, {
      clusterNamespace: ns,
      clusterName: 'workload',
      eventSource: es,
      resources: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'workload', namespace: ns },
          spec: { replicas: 3 },
        },
      ],
    });
    const out = await eventually('generated ConfigMap', () =>
      admin.getOrUndefined<KubeObject & { data: Record<string, string> }>({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'projectsveltos',
        name: `${ns}-workload-workload-generated`,
      }),
    );
    assert.deepEqual(out.data, { info: 'cluster=workload replicas=3' });
  });

  it('003 corrected: profiles target the destination selector; the instantiated Service/Endpoints use the event', async () => {
    const docs = docsOf('003', (b) => (/kind: Event(Source|Trigger)/.test(b) ? corrected003(b) : b));
    const es = `load-balancer-service-${scope}`;
    await admin.create(named(pick(docs, 'EventSource'), es));
    const et = scoped(pick(docs, 'EventTrigger'), es, (s) => {
      s.policyRefs[0].namespace = ns;
    });
    await admin.create(named(pick(docs, 'ConfigMap', 'service-policy'), 'service-policy', ns));
    await admin.create(et);
    const lb = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'my-cip-service', namespace: 'default' },
      spec: { type: 'LoadBalancer', ports: [{ port: 60000, protocol: 'TCP', targetPort: 50001 }] },
      status: { loadBalancer: { ingress: [{ ip: '34.28.7.43' }] } },
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
    const endpoints = parse(cm!.data!['endpoint.yaml']!) as {
      metadata: { name: string };
      subsets: { addresses: { ip: string }[] }[];
    };
    assert.equal(endpoints.metadata.name, 'external-my-cip-service');
    assert.equal(endpoints.subsets[0]!.addresses[0]!.ip, '34.28.7.43');
  });

  it('003 as printed (template instead of instantiate): a warning Event names the fix', async () => {
    const docs = docsOf('003', (b) => (/kind: Event(Source|Trigger)/.test(b) ? corrected003(b) : b));
    const es = `lb-asprinted-${scope}`;
    await admin.create(named(pick(docs, 'EventSource'), es));
    const cm = named(pick(docs, 'ConfigMap', 'service-policy'), 'service-policy-template', ns);
    cm.metadata.annotations = { 'projectsveltos.io/template': 'ok' };
    await admin.create(cm);
    const et = scoped(pick(docs, 'EventTrigger'), es, (s) => {
      s.policyRefs[0].namespace = ns;
      s.policyRefs[0].name = 'service-policy-template';
    });
    et.metadata.name = `asprinted-${scope}`;
    await admin.create(et);
    await writeReport(admin, {
      clusterNamespace: ns,
      clusterName: 'workload',
      eventSource: es,
      resources: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' } }],
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

  it('004: management cluster as source, one profile per aggregated synthetic resource', async () => {
    const docs = docsOf('004');
    const es = `inventory-${scope}`;
    await admin.create(named(pick(docs, 'EventSource'), es));
    await createOrKeep(admin, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mgmt' } });
    await registerCluster(env, admin, {
      namespace: 'mgmt',
      name: 'mgmt',
      target: 'mgmt',
      labels: { 'cluster-api': 'enabled', ...testLabel },
    });
    await createOrKeep(admin, pick(docs, 'ConfigMap') as KubeObject);
    const et = scoped(pick(docs, 'EventTrigger'), es);
    await admin.create(et);
    const target = (cluster: string, consumer: string) => ({
      apiVersion: 'projectsveltos.io/v1alpha1',
      kind: 'InventorySecretTarget',
      metadata: {
        name: `${cluster}--${consumer}`,
        namespace: 'mgmt',
        labels: { 'clusterprofile-name': cluster },
      },
      spec: {
        clusterName: cluster,
        kubeconfigRaw: 'a3ViZWNvbmZpZw==',
        targetNamespace: consumer,
        clusterProfileName: cluster,
        clusterProfileNamespace: 'default',
      },
    });
    await writeReport(admin, {
      clusterNamespace: 'mgmt',
      clusterName: 'mgmt',
      eventSource: es,
      resources: [target('c1', 'team-a'), target('c1', 'team-b')],
    });
    const profiles = await eventually('two profiles', async () => {
      const ps = await profilesOf(admin, et.metadata.name);
      return ps.length === 2 ? ps : undefined;
    });
    assert.deepEqual(
      profiles.map((p) => p.metadata.labels?.['eventtrigger.lib.projectsveltos.io/resourcename']).sort(),
      ['c1--team-a', 'c1--team-b'],
    );
    const secrets = (await configMapsOf(admin, et.metadata.name)).map(
      (c) =>
        parse(c.data!['secret.yaml']!) as {
          metadata: { name: string; namespace: string };
          data: { config: string };
        },
    );
    assert.deepEqual(secrets.map((s) => [s.metadata.name, s.metadata.namespace, s.data.config]).sort(), [
      ['default-c1-kubeconfig', 'team-a', 'a3ViZWNvbmZpZw=='],
      ['default-c1-kubeconfig', 'team-b', 'a3ViZWNvbmZpZw=='],
    ]);
  });
});

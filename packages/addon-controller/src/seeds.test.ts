// Seeds 000/001, 003 and 004 end to end: the event-manager output the planner computes from each page's
// EventTrigger and event data is created in the management cluster, and the page's resulting objects must
// appear in the destination cluster.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EventTrigger, SveltosCluster } from '@sveltos-ts/api';
import type { KubeObject, RestClient } from '@sveltos-ts/kube';
import { type EventContent, lookupFrom, plan } from '@sveltos-ts/planner';
import { corrected003, type SeedObject, seedDocuments, seedText, yamlBlocks } from '@sveltos-ts/testenv';
import { addonsTable, listAddons } from './addons-table.ts';
import type { RunningAddonController } from './controller.ts';
import {
  client,
  createOrKeep,
  eventually,
  namespace,
  profileRef,
  registerCluster,
  scopedController,
  testBed,
  uniqueName,
} from './test-support.ts';

const scope = uniqueName('acseeds');
const ns = scope;
let mgmt: RestClient;
let controller: RunningAddonController;
const profiles: string[] = [];

type Obj = KubeObject & { data?: Record<string, string>; spec?: Record<string, unknown> };

const find = (docs: SeedObject[], kind: string, name: string): Obj =>
  structuredClone(
    docs.find((d) => d.kind === kind && d.metadata?.name === name) ?? assert.fail(`${kind}/${name}`),
  ) as Obj;

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
  trigger: EventTrigger,
  source: SveltosCluster,
  report: EventContent,
  objects: Obj[],
): Promise<void> {
  const p = plan({
    eventTrigger: trigger,
    report,
    cluster: source,
    lookup: lookupFrom(objects),
    options: { namespace: ns },
  });
  assert.deepEqual(p.warnings, []);
  for (const c of [...p.configMaps, ...p.secrets])
    await mgmt.apply(c as KubeObject, { fieldManager: 'test-event-manager' });
  for (const profile of p.clusterProfiles) {
    profile.metadata.labels = { ...profile.metadata.labels, 'sveltos-test': scope };
    profiles.push(profile.metadata.name!);
    await mgmt.apply(profile as KubeObject, { fieldManager: 'test-event-manager' });
  }
}

const get = (c: RestClient, apiVersion: string, kind: string, namespace: string, name: string) =>
  c.getOrUndefined<Obj & { subsets?: unknown }>({ apiVersion, kind, namespace, name });

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

describe('seeds through the addon-controller', () => {
  it('000/001: login-credentials is replicated into eng and hr', async () => {
    const b = await client('cluster-b');
    const docs = seedDocuments(yamlBlocks(seedText('001')));
    const trigger = find(docs, 'EventTrigger', 'distribute-credentials') as unknown as EventTrigger;
    const spec = trigger.spec;
    // the page's objects live in default/projectsveltos; this test keeps them in its own namespace
    spec.configMapGenerator![0]!.namespace = ns;
    spec.templateResourceRefs![0]!.resource.namespace = ns;
    spec.templateResourceRefs![1]!.resource.namespace = ns;
    spec.policyRefs![0]!.namespace = ns;
    const generatorSource = find(docs, 'ConfigMap', 'namespaces');
    const info = find(docs, 'ConfigMap', 'info');
    for (const o of [generatorSource, info]) o.metadata.namespace = ns;
    await mgmt.apply(info, { fieldManager: 'test' });
    await mgmt.apply(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'login-credentials', namespace: ns },
        stringData: { user: 'admin', password: 's3cret' },
      },
      { fieldManager: 'test' },
    );
    const source = sveltosCluster('workload', { env: 'production', 'sveltos-test': scope });
    await registerCluster(mgmt, {
      namespace: ns,
      name: 'workload',
      target: 'cluster-b',
      labels: source.metadata.labels,
    });
    const namespaces = ['eng', 'hr'].map((name) => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: { secret: 'required' } },
    }));
    await eventManager(trigger, source, content('requiring-credentials', namespaces), [
      generatorSource,
      info,
    ]);
    for (const target of ['eng', 'hr']) {
      const s = await eventually(`login-credentials in ${target}`, () =>
        get(b, 'v1', 'Secret', target, 'login-credentials'),
      );
      assert.equal(Buffer.from(s.data!.user!, 'base64').toString(), 'admin');
      assert.equal(Buffer.from(s.data!.password!, 'base64').toString(), 's3cret');
      assert.equal(s.metadata.labels?.['projectsveltos.io/reference-name'], 'info');
    }
    // sveltosctl show addons: the page's table, read from the ClusterSummary
    const file = join(mkdtempSync(join(tmpdir(), 'addons-')), 'kubeconfig');
    writeFileSync(file, (await testBed()).cluster('mgmt').kubeconfigYaml);
    const rows = await eventually('two rows', async () => {
      const r = await listAddons(file, { namespace: ns, cluster: 'workload' });
      return r.length === 2 && r;
    });
    const table = addonsTable(rows).split('\n');
    assert.match(
      table[1]!,
      /^\| +CLUSTER +\| RESOURCE TYPE \| NAMESPACE \| +NAME +\| VERSION \| +TIME +\| +PROFILES +\|$/,
    );
    for (const [i, target] of ['eng', 'hr'].entries()) {
      assert.match(
        table[3 + i]!,
        new RegExp(
          `^\\| ${ns}/workload \\| :Secret +\\| ${target} +\\| login-credentials \\| N/A +\\| \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\+0000 UTC \\| ClusterProfile/sveltos-[0-9a-z]{20} \\|$`,
        ),
      );
    }
  });

  it('003: external-my-lb-service Service and Endpoints land in the destination cluster', async () => {
    const b = await client('cluster-b');
    const block = yamlBlocks(seedText('003')).find((x) => x.includes('kind: EventTrigger'));
    const docs = seedDocuments([corrected003(block!)]);
    const trigger = find(docs, 'EventTrigger', 'service-policy') as unknown as EventTrigger;
    // only this test's clusters may match (the management cluster is shared)
    trigger.spec.sourceClusterSelector = { matchLabels: { env: 'production', 'sveltos-test': scope } };
    trigger.spec.destinationClusterSelector = { matchLabels: { dep: 'eng', 'sveltos-test': scope } };
    trigger.spec.policyRefs![0]!.namespace = ns;
    const template = find(docs, 'ConfigMap', 'service-policy');
    template.metadata.namespace = ns;
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
    const lb = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'my-lb-service', namespace: 'test' },
      spec: {
        type: 'LoadBalancer',
        selector: { app: 'products', department: 'sales' },
        ports: [{ protocol: 'TCP', port: 60000, targetPort: 50001 }],
      },
      status: { loadBalancer: { ingress: [{ ip: '34.172.32.172' }] } },
    };
    await eventManager(trigger, gke, content('load-balancer-service', [lb]), [template]);
    const svc = await eventually('Service external/external-my-lb-service', () =>
      get(b, 'v1', 'Service', 'external', 'external-my-lb-service'),
    );
    assert.deepEqual(
      (svc.spec!.ports as Array<Record<string, unknown>>).map(({ port, protocol, targetPort }) => ({
        port,
        protocol,
        targetPort,
      })),
      [{ port: 60000, protocol: 'TCP', targetPort: 50001 }],
    );
    assert.equal(svc.spec?.type, 'ClusterIP');
    const ep = await eventually('Endpoints external/external-my-lb-service', () =>
      get(b, 'v1', 'Endpoints', 'external', 'external-my-lb-service'),
    );
    assert.deepEqual(ep.subsets, [
      { addresses: [{ ip: '34.172.32.172' }], ports: [{ port: 60000, protocol: 'TCP' }] },
    ]);
    const a = await client('cluster-a');
    assert.equal(
      await get(a, 'v1', 'Service', 'external', 'external-my-lb-service'),
      undefined,
      'not in the source',
    );
  });

  it('004: the KEP-4322 Secrets appear in every consumer namespace of the management cluster', async () => {
    const blocks = yamlBlocks(seedText('004'));
    const docs = seedDocuments(blocks);
    const trigger = find(
      docs,
      'EventTrigger',
      'cluster-inventory-consumer-credentials-from-capi',
    ) as unknown as EventTrigger;
    trigger.spec.sourceClusterSelector = { matchLabels: { 'cluster-api': 'enabled', 'sveltos-test': scope } };
    trigger.spec.policyRefs![0]!.namespace = ns;
    const template = find(docs, 'ConfigMap', 'cluster-inventory-consumer-credentials-from-capi-template');
    template.metadata.namespace = ns;
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
    const kubeconfigRaw = Buffer.from('apiVersion: v1\nkind: Config\n').toString('base64');
    // what the page's aggregatedSelection emits for Cluster c1 (labels clusterprofile-name: prod) × consumers
    const targets = consumers.map((consumer) => ({
      apiVersion: 'projectsveltos.io/v1alpha1',
      kind: 'InventorySecretTarget',
      metadata: { name: `c1--${consumer}`, namespace: 'mgmt', labels: { 'clusterprofile-name': 'prod' } },
      spec: {
        clusterName: 'c1',
        kubeconfigRaw,
        kubeconfigSecretName: 'c1-kubeconfig',
        kubeconfigSecretNamespace: 'mgmt',
        targetNamespace: consumer,
        clusterProfileName: 'prod',
        clusterProfileNamespace: 'default',
      },
    }));
    await eventManager(trigger, self, content('cluster-inventory-consumer-credentials-from-capi', targets), [
      template,
    ]);
    for (const consumer of consumers) {
      const s = await eventually(`Secret default-prod-kubeconfig in ${consumer}`, () =>
        get(mgmt, 'v1', 'Secret', consumer, 'default-prod-kubeconfig'),
      );
      assert.equal(s.data?.config, kubeconfigRaw);
      assert.equal(s.metadata.labels?.['x-k8s.io/cluster-profile'], 'prod');
      assert.equal(s.metadata.labels?.['x-k8s.io/cluster-profile-namespace'], 'default');
      assert.equal((s as { type?: string }).type, 'Opaque');
    }
  });
});

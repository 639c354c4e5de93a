// The CRDs of the api package, installed into a real kube-apiserver by the global setup: the server must
// apply our defaults, enforce our validations and serve the examples' v1beta1 YAML unchanged.

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  EVENT_REPORT_CLUSTER_NAME_LABEL,
  EVENT_REPORT_CLUSTER_TYPE_LABEL,
  EVENT_SOURCE_NAME_LABEL,
  eventReportName,
  LIB_API_VERSION,
} from '@sveltos-ts/api';
import { isKubeError, type KubeObject, RestClient } from '@sveltos-ts/kube';
import { exampleDocuments, exampleNames, testdataDocuments } from '@sveltos-ts/testenv';
import { adminClient, createNamespace, testBed, uniqueName } from './support.ts';

let client: RestClient;

async function refused(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const error = await promise.then(
    () => assert.fail(`expected the API server to refuse (${pattern})`),
    (e: unknown) => e,
  );
  assert.ok(isKubeError(error), String(error));
  assert.ok(['INVALID', 'BAD_REQUEST'].includes(error.code), `${error.code}: ${error.message}`);
  assert.match(error.message, pattern);
}

function eventTrigger(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: LIB_API_VERSION, kind: 'EventTrigger', metadata: { name }, spec };
}

describe('CRDs on a real API server', () => {
  before(async () => {
    client = await adminClient('mgmt');
  });

  it('applies the upstream defaults', async () => {
    const name = uniqueName('defaults');
    const created = (await client.create(
      eventTrigger(name, { sourceClusterSelector: { matchLabels: { env: 'fv' } }, eventSourceName: 'es' }),
    )) as KubeObject & { spec: Record<string, unknown> };
    assert.equal(created.spec.oneForEvent, false);
    assert.equal(created.spec.syncMode, 'Continuous');
    assert.equal(created.spec.tier, 100);
    assert.equal(created.spec.stopMatchingBehavior, 'WithdrawPolicies');

    const source = (await client.create({
      apiVersion: LIB_API_VERSION,
      kind: 'EventSource',
      metadata: { name },
      spec: { resourceSelectors: [{ group: '', version: 'v1', kind: 'Service' }] },
    })) as KubeObject & { spec: Record<string, unknown> };
    assert.equal(source.spec.collectResources, false);
  });

  it('rejects objects missing required fields, naming the field', async () => {
    await refused(
      client.create(eventTrigger(uniqueName('noselector'), { eventSourceName: 'es' })),
      /sourceClusterSelector/,
    );
    await refused(
      client.create(
        eventTrigger(uniqueName('nosource'), { sourceClusterSelector: { matchLabels: { a: 'b' } } }),
      ),
      /eventSourceName/,
    );
    await refused(
      client.create(
        eventTrigger(uniqueName('emptysource'), {
          sourceClusterSelector: { matchLabels: { a: 'b' } },
          eventSourceName: '',
        }),
      ),
      /eventSourceName/,
    );
    await refused(
      client.create(
        eventTrigger(uniqueName('tier'), {
          sourceClusterSelector: { matchLabels: { a: 'b' } },
          eventSourceName: 'es',
          tier: 0,
        }),
      ),
      /tier/,
    );
  });

  it('makes oneForEvent immutable after create', async () => {
    const name = uniqueName('immutable');
    const spec = {
      sourceClusterSelector: { matchLabels: { a: 'b' } },
      eventSourceName: 'es',
      oneForEvent: true,
    };
    await client.create(eventTrigger(name, spec));
    await refused(
      client.apply(eventTrigger(name, { ...spec, oneForEvent: false }), { fieldManager: 'e2e' }),
      /oneForEvent/,
    );
    const kept = await client.apply(eventTrigger(name, { ...spec, eventSourceName: 'other' }), {
      fieldManager: 'e2e',
    });
    assert.equal(
      (kept.spec as { eventSourceName: string }).eventSourceName,
      'other',
      'other fields stay mutable',
    );
  });

  it('refuses a misspelt field (`labelsFilters`, examples/network-policy-per-service/testdata) under strict validation', async () => {
    const [typo] = testdataDocuments('network-policy-per-service', 'misspelt-labelfilters.yaml');
    const object = typo as unknown as KubeObject;
    await refused(
      client.create({ ...object, metadata: { name: uniqueName('typo') } }),
      /unknown field "spec.resourceSelectors\[0\].labelsFilters"/,
    );
  });

  it("serves every example's Sveltos objects as written", async () => {
    const sveltos = exampleNames().flatMap((name) =>
      exampleDocuments(name).filter((doc) => /projectsveltos\.io\/v1beta1$/.test(doc.apiVersion)),
    );
    assert.ok(sveltos.length >= 10, `found ${sveltos.length} v1beta1 Sveltos objects in the examples`);
    const namespace = uniqueName('examples');
    await createNamespace(client, namespace);
    for (const doc of sveltos) {
      const object = doc as unknown as KubeObject;
      // other tests use the same bed: give each a unique name, keep everything else as written
      const metadata = { ...object.metadata, name: uniqueName(object.metadata.name.slice(0, 30)) };
      if ((await client.resource(object.apiVersion, object.kind)).namespaced) metadata.namespace = namespace;
      const created = await client.create({ ...object, metadata });
      assert.equal(created.kind, object.kind);
    }
  });
});

describe('EventReport credentials are scoped to one cluster namespace', () => {
  it('a ServiceAccount allowed EventReports in ns-a is refused in ns-b', async () => {
    const env = await testBed();
    const mgmt = env.cluster('mgmt');
    const admin = new RestClient(mgmt.kubeConfig());
    const [nsA, nsB] = [uniqueName('ns-a'), uniqueName('ns-b')];
    await createNamespace(admin, nsB);
    const credentials = await mgmt.mintServiceAccountKubeconfig({
      namespace: nsA,
      name: 'agent',
      rules: [
        {
          apiGroups: ['lib.projectsveltos.io'],
          resources: ['eventreports', 'eventreports/status'],
          verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
        },
      ],
    });
    const agent = new RestClient(credentials.kubeConfig());
    const report = (namespace: string): KubeObject => ({
      apiVersion: LIB_API_VERSION,
      kind: 'EventReport',
      metadata: {
        namespace,
        name: eventReportName('Sveltos', 'services', 'cluster-a'),
        labels: {
          [EVENT_SOURCE_NAME_LABEL]: 'services',
          [EVENT_REPORT_CLUSTER_NAME_LABEL]: 'cluster-a',
          [EVENT_REPORT_CLUSTER_TYPE_LABEL]: 'sveltos',
        },
      },
      spec: {
        clusterNamespace: namespace,
        clusterName: 'cluster-a',
        clusterType: 'Sveltos',
        eventSourceName: 'services',
      },
    });

    const written = await agent.apply(report(nsA), { fieldManager: 'sveltos-agent' });
    assert.equal(written.metadata.namespace, nsA);
    for (const attempt of [
      () => agent.apply(report(nsB), { fieldManager: 'sveltos-agent' }),
      () => agent.list(LIB_API_VERSION, 'EventReport', { namespace: nsB }),
      () => agent.list('v1', 'Secret', { namespace: nsA }),
    ]) {
      const error = await attempt().then(
        () => assert.fail('expected FORBIDDEN'),
        (e: unknown) => e,
      );
      assert.ok(isKubeError(error, 'FORBIDDEN'), String(error));
    }
  });
});

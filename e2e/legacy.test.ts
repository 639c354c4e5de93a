// The legacy v1alpha1 scenarios as the documents write them (examples/*/legacy/: EventBasedAddOn, flat
// EventSources, string cluster selectors, ConfigMaps without projectsveltos.io/instantiate), applied unchanged
// with strict field validation to a fleet whose CRDs reach the event-manager's conversion webhook, end to
// end: agent → EventReport → event-manager → ClusterProfile → addon-controller → resources in the cluster.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type EventBasedAddOn,
  type EventTrigger,
  LIB_API_VERSION,
  LIB_LEGACY_API_VERSION,
  schemaFor,
  validate,
} from '@sveltos-ts/api';
import { mirroredAddOn } from '@sveltos-ts/event-manager';
import type { KubeObject } from '@sveltos-ts/kube';
import type { Manager } from '@sveltos-ts/runtime';
import {
  type ChartServers,
  ensureBinaries,
  eventually,
  exampleDocuments,
  startChartServers,
  TestEnv,
} from '@sveltos-ts/testenv';
import { serveConversion } from './conversion-webhook.ts';
import { appNamespace, appSettings, CHART_CA_SECRET, helmEventObjects } from './helm-events.ts';
import { converge, type ExpectedResource, type Fleet, startFleet } from './scenarios.ts';

/** Applies an example's files as `kubectl apply` does: checked against the served schema, sent with strict
 * field validation (an unknown or misspelt field is an error, not dropped). */
async function applyStrict(fleet: Fleet, cluster: string, example: string, ...files: string[]) {
  for (const object of files.flatMap((f) => exampleDocuments(example, f)) as unknown as KubeObject[]) {
    // Sveltos' kinds against our schema first (kubectl's client-side view); the API server checks them all
    if (schemaFor(object.apiVersion, object.kind))
      assert.deepEqual(validate(object), [], `${example}: ${object.kind} ${object.metadata.name}`);
    await fleet.client(cluster).apply(object, { fieldManager: 'kubectl' });
  }
}

const eba = (name: string) => ({ apiVersion: LIB_LEGACY_API_VERSION, kind: 'EventBasedAddOn', name });
const trigger = (name: string) => ({ apiVersion: LIB_API_VERSION, kind: 'EventTrigger', name });

describe('legacy v1alpha1 scenarios, unchanged, end to end', { timeout: 300_000 }, () => {
  let env: TestEnv;
  let fleet: Fleet;
  let webhook: Manager;
  let certDir: string;
  let servers: ChartServers;
  let helmCache: string;

  before(async () => {
    env = await TestEnv.start({ clusters: ['mgmt', 'cluster-a', 'cluster-b'] });
    servers = await startChartServers(env);
    helmCache = mkdtempSync(join(tmpdir(), 'legacy-helm-'));
    fleet = await startFleet(env, undefined, {
      tools: { helmBinary: (await ensureBinaries()).helm, cacheDir: helmCache },
    });
    certDir = mkdtempSync(join(tmpdir(), 'legacy-webhook-'));
    ({ manager: webhook } = await serveConversion(env, certDir));
  });

  after(async () => {
    await fleet?.stop();
    await webhook?.stop();
    await servers?.stop();
    await env?.stop();
    for (const dir of [certDir, helmCache]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const networkPolicy: ExpectedResource = {
    cluster: 'cluster-b',
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    namespace: 'default',
    name: 'allow-internal-to-orders',
  };

  it('network-policy-per-service: a NetworkPolicy for every labelled Service (one ClusterProfile per event)', async () => {
    await applyStrict(fleet, 'mgmt', 'network-policy-per-service', ...legacyFiles('eventbasedaddon.yaml'));
    await applyStrict(fleet, 'cluster-b', 'network-policy-per-service', 'trigger.yaml');
    await converge(fleet, [networkPolicy]);
    const mgmt = fleet.client('mgmt');

    // the EventBasedAddOn reports what its EventTrigger reports
    const addOn = await eventually('the EventBasedAddOn reports the cluster', async () => {
      const o = await mgmt.get<EventBasedAddOn & KubeObject>(eba('network-policy-per-service'));
      return o.status?.clusterInfo?.some((c) => c.status === 'Provisioned') ? o : undefined;
    });
    assert.deepEqual(
      addOn.status?.clusterInfo?.map((c) => `${c.cluster.namespace}/${c.cluster.name}`),
      ['default/cluster-b'],
    );
    const mirror = await mgmt.get<EventTrigger & KubeObject>(trigger('network-policy-per-service'));
    assert.equal(mirroredAddOn(mirror), 'network-policy-per-service');
    assert.deepEqual(mirror.spec.sourceClusterSelector, { matchLabels: { env: 'fv' } });

    // the EventSource reads back at v1alpha1 as the document wrote it
    const [written] = exampleDocuments('network-policy-per-service', 'legacy/eventsource.yaml');
    const source = await mgmt.get<KubeObject & { spec: unknown }>({
      apiVersion: LIB_LEGACY_API_VERSION,
      kind: 'EventSource',
      name: 'services-wanting-a-policy',
    });
    assert.deepEqual(source.spec, (written as unknown as { spec: unknown }).spec);

    await fleet
      .client('cluster-b')
      .delete({ apiVersion: 'v1', kind: 'Service', namespace: 'default', name: 'orders' });
    await converge(fleet, [networkPolicy], { gone: true });
  });

  const ingress: ExpectedResource = {
    cluster: 'cluster-b',
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    namespace: 'web',
    name: 'https-entry',
  };

  it('ingress-for-https-services: one Ingress for all HTTPS Services (Lua script, oneForEvent: false)', async () => {
    await applyStrict(fleet, 'mgmt', 'ingress-for-https-services', ...legacyFiles('eventbasedaddon.yaml'));
    await applyStrict(fleet, 'cluster-b', 'ingress-for-https-services', 'trigger.yaml');
    await converge(fleet, [ingress]);
    const paths = await eventually('both HTTPS Services routed', async () => {
      const o = await fleet.client('cluster-b').get<KubeObject & { spec: IngressSpec }>(ingress);
      const p = o.spec.rules[0]?.http.paths.map((x) => x.path).sort();
      return p?.length === 2 ? p : undefined;
    });
    assert.deepEqual(paths, ['/admin-api', '/storefront']);
  });

  it('deleting an EventBasedAddOn withdraws what it deployed, and its EventTrigger goes with it', async () => {
    const mgmt = fleet.client('mgmt');
    await mgmt.delete(eba('https-ingress'));
    await converge(fleet, [ingress], { gone: true });
    await eventually(
      'the EventTrigger gone',
      async () => (await mgmt.getOrUndefined(trigger('https-ingress'))) === undefined,
    );
  });

  it('Helm: an EventBasedAddOn installs a chart per labelled Namespace, and uninstalls it with the event', async () => {
    const mgmt = fleet.client('mgmt');
    // the chart of e2e/helm-events.ts, served by the bed (the documents' charts are on the internet)
    const [caSecret, , modernTrigger] = helmEventObjects(servers, { env: 'production' });
    const helmCharts = (modernTrigger as unknown as { spec: { helmCharts: unknown[] } }).spec.helmCharts;
    for (const object of [
      caSecret!,
      {
        apiVersion: LIB_LEGACY_API_VERSION,
        kind: 'EventSource',
        metadata: { name: 'namespaces-wanting-the-app' },
        spec: {
          collectResources: true,
          group: '',
          version: 'v1',
          kind: 'Namespace',
          labelFilters: [{ key: 'app-chart', operation: 'Equal', value: 'enabled' }],
        },
      } as KubeObject,
      {
        apiVersion: LIB_LEGACY_API_VERSION,
        kind: 'EventBasedAddOn',
        metadata: { name: 'app-per-namespace' },
        spec: {
          clusterSelector: 'env=production',
          eventSourceName: 'namespaces-wanting-the-app',
          oneForEvent: true,
          helmCharts,
        },
      } as KubeObject,
    ]) {
      if (schemaFor(object.apiVersion, object.kind)) assert.deepEqual(validate(object), []);
      await mgmt.apply(object, { fieldManager: 'kubectl' });
    }
    const a = fleet.client('cluster-a');
    await a.apply(appNamespace('legacy-a', '1.0.0'), { fieldManager: 'e2e' });
    const installed = await eventually(
      'release installed',
      async () => (await appSettings(a, 'legacy-a')) ?? false,
      90_000,
    );
    assert.equal(installed.message, 'installed for legacy-a');
    assert.equal(installed.chartVersion, '1.0.0');
    await a.apply(appNamespace('legacy-a', '1.0.0', false), { fieldManager: 'e2e' });
    await eventually('uninstalled', async () => (await appSettings(a, 'legacy-a')) === undefined, 90_000);
  });

  it('Helm: a v1alpha1 ClusterProfile with a string selector installs a chart (the Kyverno example shape)', async () => {
    const mgmt = fleet.client('mgmt');
    const profile = {
      apiVersion: 'config.projectsveltos.io/v1alpha1',
      kind: 'ClusterProfile',
      metadata: { name: 'app-for-fv' },
      spec: {
        clusterSelector: 'env=fv',
        syncMode: 'Continuous',
        helmCharts: [
          {
            repositoryURL: servers.repositoryURL,
            repositoryName: 'test',
            chartName: 'test/sveltos-test-app',
            chartVersion: '1.0.0',
            releaseName: 'app-profiled',
            releaseNamespace: 'profiled',
            helmChartAction: 'Install',
            values: 'message: from a v1alpha1 ClusterProfile\n',
            registryCredentialsConfig: { CASecretRef: CHART_CA_SECRET },
          },
        ],
      },
    } as KubeObject;
    assert.deepEqual(validate(profile), []);
    await mgmt.apply(profile, { fieldManager: 'kubectl' });
    const b = fleet.client('cluster-b');
    const installed = await eventually(
      'release installed',
      async () => (await appSettings(b, 'profiled')) ?? false,
      90_000,
    );
    assert.equal(installed.message, 'from a v1alpha1 ClusterProfile');
    // the addon-controller read it at v1beta1; a v1alpha1 client still reads the selector as written
    const asAlpha = await mgmt.get<KubeObject & { spec: { clusterSelector: string } }>({
      apiVersion: 'config.projectsveltos.io/v1alpha1',
      kind: 'ClusterProfile',
      name: 'app-for-fv',
    });
    assert.equal(asAlpha.spec.clusterSelector, 'env=fv');
  });

  it('an invalid selector string: a Warning Event with the parse error, and nothing deployed', async () => {
    const mgmt = fleet.client('mgmt');
    await mgmt.apply(
      {
        apiVersion: LIB_LEGACY_API_VERSION,
        kind: 'EventBasedAddOn',
        metadata: { name: 'bad-selector' },
        spec: { clusterSelector: 'env in (fv', eventSourceName: 'services-wanting-a-policy' },
      } as KubeObject,
      { fieldManager: 'kubectl' },
    );
    const event = await eventually('the Warning Event', async () => {
      const events = await mgmt.list<KubeObject & { reason: string; message: string; type: string }>(
        'v1',
        'Event',
        { namespace: 'default', fieldSelector: 'involvedObject.name=bad-selector' },
      );
      return events.items.find((e) => e.reason === 'InvalidClusterSelector');
    });
    assert.equal(event.type, 'Warning');
    assert.match(event.message, /invalid label selector "env in \(fv"/);
    assert.equal(await mgmt.getOrUndefined(trigger('bad-selector')), undefined);
  });

  it('a name an EventTrigger already has: a Warning Event, and that EventTrigger left alone', async () => {
    const mgmt = fleet.client('mgmt');
    await mgmt.apply(
      {
        apiVersion: LIB_API_VERSION,
        kind: 'EventTrigger',
        metadata: { name: 'taken' },
        spec: { sourceClusterSelector: { matchLabels: { env: 'none' } }, eventSourceName: 'x' },
      } as KubeObject,
      { fieldManager: 'kubectl' },
    );
    await mgmt.apply(
      {
        apiVersion: LIB_LEGACY_API_VERSION,
        kind: 'EventBasedAddOn',
        metadata: { name: 'taken' },
        spec: { clusterSelector: 'env=fv', eventSourceName: 'services-wanting-a-policy' },
      } as KubeObject,
      { fieldManager: 'kubectl' },
    );
    const event = await eventually('the Warning Event', async () => {
      const events = await mgmt.list<KubeObject & { reason: string; message: string }>('v1', 'Event', {
        namespace: 'default',
        fieldSelector: 'involvedObject.name=taken,involvedObject.kind=EventBasedAddOn',
      });
      return events.items.find((e) => e.reason === 'NameConflict');
    });
    assert.match(event.message, /an EventTrigger named taken exists/);
    const kept = await mgmt.get<EventTrigger & KubeObject>(trigger('taken'));
    assert.equal(mirroredAddOn(kept), undefined);
    assert.deepEqual(kept.spec.sourceClusterSelector, { matchLabels: { env: 'none' } });
  });
});

interface IngressSpec {
  rules: Array<{ http: { paths: Array<{ path: string }> } }>;
}

/** The files of an example's legacy/ folder a user applies to the management cluster. */
function legacyFiles(addOn: string): string[] {
  return ['legacy/configmaps.yaml', 'legacy/eventsource.yaml', `legacy/${addOn}`];
}

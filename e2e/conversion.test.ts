// The v1alpha1 API served beside v1beta1 through the event-manager's conversion webhook, on a real API server:
// the CRDs of packages/api with `clientConfig` pointing at the webhook (a URL and the bed's CA, as the test
// bed does it; the chart uses a Service). For every converted kind: a v1alpha1 object is stored as v1beta1
// and reads back at v1alpha1 as written; a v1beta1 object whose fields v1alpha1 cannot hold keeps them
// through a write at v1alpha1. An invalid selector string is refused with the parse error. With the webhook
// down the API server names it, v1beta1 clients are unaffected, and nothing is lost.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CONVERSION_V1ALPHA1_ANNOTATION, CONVERSION_V1BETA1_ANNOTATION } from '@sveltos-ts/api';
import { isKubeError, type KubeObject, type RestClient } from '@sveltos-ts/kube';
import type { Manager } from '@sveltos-ts/runtime';
import { eventually, type TestEnv } from '@sveltos-ts/testenv';
import { parse } from 'yaml';
import { serveConversion, startConversionWebhook } from './conversion-webhook.ts';
import { adminClient, testBed, uniqueName } from './support.ts';

const LIB_ALPHA = 'lib.projectsveltos.io/v1alpha1';
const LIB_BETA = 'lib.projectsveltos.io/v1beta1';
const CONFIG_ALPHA = 'config.projectsveltos.io/v1alpha1';
const CONFIG_BETA = 'config.projectsveltos.io/v1beta1';

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

/** Whether `actual` holds everything `expected` says: the API server fills defaults into the rest. */
function contains(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((e, i) => contains(actual[i], e))
    );
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    const a = actual as Record<string, unknown>;
    return Object.entries(expected).every(([k, v]) => contains(a[k], v));
  }
  return actual === expected;
}

function assertContains(actual: unknown, expected: unknown, what: string): void {
  assert.ok(
    contains(actual, expected),
    `${what}: expected ${JSON.stringify(expected)} within ${JSON.stringify(actual)}`,
  );
}

const example = (path: string): Obj =>
  parse(readFileSync(new URL(`../examples/${path}`, import.meta.url), 'utf8')) as Obj;

interface Case {
  name: string;
  /** As a v1alpha1 document writes it. */
  legacy: Obj;
  /** What the same object is at v1beta1 (the spec fields that differ). */
  stored: Record<string, unknown>;
  /** A v1beta1 object with fields v1alpha1 does not have. */
  modern: Obj;
  /** Its v1beta1-only spec fields. */
  modernOnly: Record<string, unknown>;
}

describe('v1alpha1 served beside v1beta1 through the conversion webhook', () => {
  const id = uniqueName('conv');
  let env: TestEnv;
  let mgmt: RestClient;
  let certDir: string;
  let manager: Manager | undefined;
  let port: number;

  before(async () => {
    env = await testBed();
    mgmt = await adminClient('mgmt');
    certDir = mkdtempSync(join(tmpdir(), 'conversion-webhook-'));
    ({ manager, port } = await serveConversion(env, certDir));
    await mgmt.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: id } });
    // discovery of the v1alpha1 versions may lag the CRD update a moment
    await eventually('v1alpha1 in discovery', () => mgmt.resource(CONFIG_ALPHA, 'ClusterSummary'));
  });

  after(async () => {
    await manager?.stop();
    rmSync(certDir, { recursive: true, force: true });
  });

  const cases: Case[] = [
    {
      name: 'EventSource (flat form, from examples/network-policy-per-service/legacy)',
      legacy: {
        ...example('network-policy-per-service/legacy/eventsource.yaml'),
        metadata: { name: `${id}-es` },
      },
      stored: {
        resourceSelectors: [
          {
            group: '',
            version: 'v1',
            kind: 'Service',
            labelFilters: [{ key: 'network-policy', operation: 'Equal', value: 'front' }],
          },
        ],
        collectResources: true,
      },
      modern: {
        apiVersion: LIB_BETA,
        kind: 'EventSource',
        metadata: { name: `${id}-es-modern` },
        spec: {
          resourceSelectors: [{ group: '', version: 'v1', kind: 'Service' }],
          messagingMatchCriteria: [{ subject: 'orders' }],
        },
      },
      modernOnly: { messagingMatchCriteria: [{ subject: 'orders' }] },
    },
    {
      name: 'EventSource (Lua script, from examples/ingress-for-https-services/legacy)',
      legacy: {
        ...example('ingress-for-https-services/legacy/eventsource.yaml'),
        metadata: { name: `${id}-es-lua` },
      },
      stored: {
        resourceSelectors: [
          {
            group: '',
            version: 'v1',
            kind: 'Service',
            namespace: 'web',
            evaluate: (
              example('ingress-for-https-services/legacy/eventsource.yaml').spec as { script: string }
            ).script,
          },
        ],
      },
      modern: {
        apiVersion: LIB_BETA,
        kind: 'EventSource',
        metadata: { name: `${id}-es-two` },
        // two selectors: v1alpha1 keeps resourceSelectors as they are
        spec: {
          resourceSelectors: [
            { group: '', version: 'v1', kind: 'Service' },
            { group: 'apps', version: 'v1', kind: 'Deployment' },
          ],
        },
      },
      modernOnly: {},
    },
    {
      name: 'EventReport',
      legacy: {
        apiVersion: LIB_ALPHA,
        kind: 'EventReport',
        metadata: { name: `${id}-er`, namespace: id },
        spec: {
          clusterNamespace: id,
          clusterName: 'c1',
          clusterType: 'Sveltos',
          eventSourceName: 'es',
          matchingResources: [{ apiVersion: 'v1', kind: 'Service', namespace: 'web', name: 'orders' }],
        },
      },
      stored: { eventSourceName: 'es', clusterType: 'Sveltos' },
      modern: {
        apiVersion: LIB_BETA,
        kind: 'EventReport',
        metadata: { name: `${id}-er-modern`, namespace: id },
        spec: {
          clusterNamespace: id,
          clusterName: 'c1',
          clusterType: 'Sveltos',
          eventSourceName: 'es',
          cloudEvents: [Buffer.from('{"id":"1"}').toString('base64')],
        },
      },
      modernOnly: { cloudEvents: [Buffer.from('{"id":"1"}').toString('base64')] },
    },
    {
      name: 'SveltosCluster',
      legacy: {
        apiVersion: LIB_ALPHA,
        kind: 'SveltosCluster',
        metadata: { name: `${id}-sc`, namespace: id, labels: { env: 'fv' } },
        spec: { kubeconfigName: 'c1-kubeconfig', paused: true },
      },
      stored: { kubeconfigName: 'c1-kubeconfig', paused: true },
      modern: {
        apiVersion: LIB_BETA,
        kind: 'SveltosCluster',
        metadata: { name: `${id}-sc-modern`, namespace: id },
        spec: { pullMode: true, activeWindow: { from: '0 8 * * *', to: '0 18 * * *' } },
      },
      modernOnly: { pullMode: true },
    },
    {
      name: 'ClusterSet (a selector string with a set and a negation)',
      legacy: {
        apiVersion: LIB_ALPHA,
        kind: 'ClusterSet',
        metadata: { name: `${id}-set` },
        // not the canonical spelling: it reads back as written all the same
        spec: { clusterSelector: 'env in (prod, fv), !legacy', maxReplicas: 1 },
      },
      stored: {
        clusterSelector: {
          matchExpressions: [
            { key: 'env', operator: 'In', values: ['fv', 'prod'] },
            { key: 'legacy', operator: 'DoesNotExist' },
          ],
        },
        maxReplicas: 1,
      },
      modern: {
        apiVersion: LIB_BETA,
        kind: 'ClusterSet',
        metadata: { name: `${id}-set-modern` },
        // a matchExpressions the string form cannot express exactly: an Exists with values is refused by
        // Kubernetes' own selector code, so use a plain one and check it reads as a string
        spec: { clusterSelector: { matchLabels: { env: 'fv' } } },
      },
      modernOnly: {},
    },
    {
      name: 'ClusterProfile',
      legacy: {
        apiVersion: CONFIG_ALPHA,
        kind: 'ClusterProfile',
        metadata: { name: `${id}-cp` },
        spec: {
          clusterSelector: 'env=fv',
          syncMode: 'Continuous',
          policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'kyverno-policies' }],
        },
      },
      stored: {
        clusterSelector: { matchLabels: { env: 'fv' } },
        policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'kyverno-policies' }],
      },
      modern: {
        apiVersion: CONFIG_BETA,
        kind: 'ClusterProfile',
        metadata: { name: `${id}-cp-modern` },
        spec: {
          clusterSelector: { matchLabels: { env: 'fv' } },
          continueOnError: true,
          driftExclusions: [{ paths: ['/spec/replicas'] }],
        },
      },
      modernOnly: { continueOnError: true, driftExclusions: [{ paths: ['/spec/replicas'] }] },
    },
    {
      name: 'ClusterSummary',
      legacy: {
        apiVersion: CONFIG_ALPHA,
        kind: 'ClusterSummary',
        metadata: { name: `${id}-cs`, namespace: id },
        spec: {
          clusterNamespace: id,
          clusterName: 'c1',
          clusterType: 'Sveltos',
          clusterProfileSpec: { clusterSelector: 'env=fv' },
        },
      },
      stored: {
        clusterProfileSpec: { clusterSelector: { matchLabels: { env: 'fv' } } },
      },
      modern: {
        apiVersion: CONFIG_BETA,
        kind: 'ClusterSummary',
        metadata: { name: `${id}-cs-modern`, namespace: id },
        spec: {
          clusterNamespace: id,
          clusterName: 'c1',
          clusterType: 'Sveltos',
          clusterProfileSpec: { continueOnError: true },
        },
      },
      modernOnly: { clusterProfileSpec: { continueOnError: true } },
    },
  ];

  const refAt = (o: Obj, apiVersion: string) => ({
    apiVersion,
    kind: o.kind,
    namespace: o.metadata.namespace,
    name: o.metadata.name,
  });

  for (const c of cases) {
    const [alpha, beta] = c.legacy.apiVersion.startsWith('config')
      ? [CONFIG_ALPHA, CONFIG_BETA]
      : [LIB_ALPHA, LIB_BETA];

    it(`${c.name}: v1alpha1 → stored v1beta1 → read at v1alpha1 as written`, async () => {
      await mgmt.create(c.legacy);
      const stored = await mgmt.get<Obj>(refAt(c.legacy, beta));
      assertContains(stored.spec, c.stored, 'stored at v1beta1');
      const back = await mgmt.get<Obj>(refAt(c.legacy, alpha));
      assertContains(back.spec, c.legacy.spec, 'read back at v1alpha1');
      assert.equal(back.metadata.annotations?.[CONVERSION_V1BETA1_ANNOTATION], undefined);
    });

    it(`${c.name}: v1beta1 → written at v1alpha1 → its v1beta1-only fields survive`, async () => {
      await mgmt.create(c.modern);
      const asAlpha = await mgmt.get<Obj>(refAt(c.modern, alpha));
      assert.equal(asAlpha.apiVersion, alpha);
      // a v1alpha1 client edits what it sees (a label) and writes the whole object back
      asAlpha.metadata.labels = { ...asAlpha.metadata.labels, edited: 'at-v1alpha1' };
      await mgmt.replace(asAlpha);
      const after = await mgmt.get<Obj>(refAt(c.modern, beta));
      assert.equal(after.metadata.labels?.edited, 'at-v1alpha1');
      assertContains(after.spec, c.modern.spec, 'after the v1alpha1 write');
      assertContains(after.spec, c.modernOnly, 'v1beta1-only fields');
      // the annotations are the conversion's business: a v1beta1 reader never sees them
      assert.equal(after.metadata.annotations?.[CONVERSION_V1ALPHA1_ANNOTATION], undefined);
      assert.equal(after.metadata.annotations?.[CONVERSION_V1BETA1_ANNOTATION], undefined);
    });
  }

  interface StatusCase {
    object: Obj;
    /** Status both versions have, then what a v1alpha1 client writes instead. */
    shared: Record<string, unknown>;
    sharedEdited: Record<string, unknown>;
    /** Status only v1beta1 has. */
    only: Record<string, unknown>;
  }
  const statusCases: StatusCase[] = [
    {
      object: {
        apiVersion: CONFIG_BETA,
        kind: 'ClusterProfile',
        metadata: { name: `${id}-cp-status` },
        spec: {},
      },
      shared: {
        matchingClusters: [{ apiVersion: LIB_BETA, kind: 'SveltosCluster', namespace: id, name: 'c1' }],
      },
      sharedEdited: { matchingClusters: [] },
      only: {
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'Deployed',
            message: 'ok',
            lastTransitionTime: '2026-01-01T00:00:00Z',
          },
        ],
      },
    },
    {
      object: {
        apiVersion: LIB_BETA,
        kind: 'EventReport',
        metadata: { name: `${id}-er-status`, namespace: id },
        spec: { clusterNamespace: id, clusterName: 'c1', clusterType: 'Sveltos', eventSourceName: 'es' },
      },
      shared: { phase: 'WaitingForDelivery' },
      sharedEdited: { phase: 'Processed' },
      only: { failureMessage: 'the cluster is not registered' },
    },
    {
      object: {
        apiVersion: LIB_BETA,
        kind: 'SveltosCluster',
        metadata: { name: `${id}-sc-status`, namespace: id },
        spec: {},
      },
      shared: { ready: true, version: 'v1.35.0' },
      sharedEdited: { ready: false, version: 'v1.35.0' },
      only: {
        agentLastReportTime: '2026-01-01T00:00:00Z',
        activeWindowHash: Buffer.from('h').toString('base64'),
      },
    },
    {
      object: {
        apiVersion: CONFIG_BETA,
        kind: 'ClusterSummary',
        metadata: { name: `${id}-cs-status`, namespace: id },
        spec: { clusterNamespace: id, clusterName: 'c1', clusterType: 'Sveltos' },
      },
      shared: { dependencies: 'no dependencies' },
      sharedEdited: { dependencies: 'waiting for other' },
      only: { deployedFeatures: [{ featureID: 'Resources', driftsReverted: 2 }] },
    },
  ];
  for (const c of statusCases) {
    it(`${c.object.kind} status: v1beta1-only fields survive a status write at v1alpha1`, async () => {
      const alpha = c.object.apiVersion.replace(/v1beta1$/, 'v1alpha1');
      await mgmt.create(c.object);
      await mgmt.patchStatus(refAt(c.object, c.object.apiVersion), { ...c.shared, ...c.only }, 'test');
      const asAlpha = await mgmt.get<Obj>(refAt(c.object, alpha));
      for (const field of Object.keys(c.only)) assert.equal(asAlpha.status?.[field], undefined, field);
      assertContains(asAlpha.status, c.shared, 'shared status at v1alpha1');
      await mgmt.replace({ ...asAlpha, status: c.sharedEdited }, 'test', 'status');
      const stored = await mgmt.get<Obj>(refAt(c.object, c.object.apiVersion));
      assertContains(stored.status, { ...c.sharedEdited, ...c.only }, 'status at v1beta1');
    });
  }

  it('an edit at v1beta1 wins over what a conversion kept aside', async () => {
    const name = `${id}-set-edit`;
    await mgmt.create({
      apiVersion: LIB_ALPHA,
      kind: 'ClusterSet',
      metadata: { name },
      spec: { clusterSelector: 'env == fv' },
    });
    const stored = await mgmt.get<Obj>({ apiVersion: LIB_BETA, kind: 'ClusterSet', name });
    await mgmt.replace({ ...stored, spec: { clusterSelector: { matchLabels: { env: 'prod' } } } });
    const back = await mgmt.get<Obj>({ apiVersion: LIB_ALPHA, kind: 'ClusterSet', name });
    assert.equal(back.spec?.clusterSelector, 'env=prod');
  });

  it('an invalid selector string is refused with the parse error, and nothing is stored', async () => {
    const name = `${id}-cp-bad`;
    const error = await mgmt
      .create({
        apiVersion: CONFIG_ALPHA,
        kind: 'ClusterProfile',
        metadata: { name },
        spec: { clusterSelector: 'env in (fv' },
      })
      .then(
        () => assert.fail('an unparsable selector was accepted'),
        (e: Error) => e,
      );
    assert.match(error.message, /conversion webhook/);
    assert.match(error.message, /spec\.clusterSelector: invalid label selector "env in \(fv"/);
    assert.equal(
      await mgmt.getOrUndefined({ apiVersion: CONFIG_BETA, kind: 'ClusterProfile', name }),
      undefined,
    );
  });

  it('the webhook down: the API server names it, v1beta1 is unaffected, nothing is lost', async () => {
    const name = `${id}-cp`;
    const before = await mgmt.get<Obj>({ apiVersion: CONFIG_BETA, kind: 'ClusterProfile', name });
    await manager?.stop();
    manager = undefined;

    const refused = await mgmt
      .create({
        apiVersion: CONFIG_ALPHA,
        kind: 'ClusterProfile',
        metadata: { name: `${id}-cp-down` },
        spec: { clusterSelector: 'env=fv' },
      })
      .then(
        () => assert.fail('created at v1alpha1 without the webhook'),
        (e: unknown) => e as Error,
      );
    assert.match(
      refused.message,
      // the first call may find a pooled connection closed (broken pipe), later ones are refused
      new RegExp(
        `conversion webhook for config\\.projectsveltos\\.io/v1alpha1, Kind=ClusterProfile failed: Post "https://127\\.0\\.0\\.1:${port}/convert`,
      ),
    );
    const read = await mgmt.get({ apiVersion: CONFIG_ALPHA, kind: 'ClusterProfile', name }).then(
      () => assert.fail('read at v1alpha1 without the webhook'),
      (e: unknown) => e as Error,
    );
    assert.match(read.message, /conversion webhook/);
    // v1beta1 needs no conversion: reads and writes go on
    const stillThere = await mgmt.get<Obj>({ apiVersion: CONFIG_BETA, kind: 'ClusterProfile', name });
    assert.deepEqual(stillThere.spec, before.spec);
    await mgmt.mergePatch(
      { apiVersion: CONFIG_BETA, kind: 'ClusterProfile', name },
      { metadata: { labels: { during: 'outage' } } },
    );
    assert.equal(
      await mgmt.getOrUndefined({ apiVersion: CONFIG_BETA, kind: 'ClusterProfile', name: `${id}-cp-down` }),
      undefined,
    );

    // back on the same port: v1alpha1 reads what was there, the outage's edit included
    manager = await startConversionWebhook(env, certDir, port);
    const again = await eventually('v1alpha1 served again', async () => {
      try {
        return await mgmt.get<Obj>({ apiVersion: CONFIG_ALPHA, kind: 'ClusterProfile', name });
      } catch (error) {
        if (isKubeError(error) && /conversion webhook/.test(error.message)) return undefined;
        throw error;
      }
    });
    assert.equal(again.spec?.clusterSelector, 'env=fv');
    assert.equal(again.metadata.labels?.during, 'outage');
  });
});

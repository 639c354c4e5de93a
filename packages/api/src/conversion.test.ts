import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyDefaults,
  ClusterProfileKind,
  ClusterSetKind,
  ClusterSummaryKind,
  CONVERSION_V1ALPHA1_ANNOTATION,
  CONVERSION_V1BETA1_ANNOTATION,
  canonicalJson,
  conversionRules,
  convertedKind,
  convertObject,
  crds,
  type EventBasedAddOn,
  EventBasedAddOnKind,
  EventReportKind,
  EventSourceKind,
  EventTriggerKind,
  eventBasedAddOnAsEventTrigger,
  type JSONSchemaProps,
  type KubeObject,
  SveltosClusterKind,
  storageVersionOnly,
  validate,
  withConversionWebhook,
} from './index.ts';

const LIB_ALPHA = 'lib.projectsveltos.io/v1alpha1';
const LIB_BETA = 'lib.projectsveltos.io/v1beta1';
const CONFIG_ALPHA = 'config.projectsveltos.io/v1alpha1';
const CONFIG_BETA = 'config.projectsveltos.io/v1beta1';

const ref = (name: string) => ({
  apiVersion: 'lib.projectsveltos.io/v1beta1',
  kind: 'SveltosCluster',
  namespace: 'fleet',
  name,
});

/** A v1beta1 ClusterProfile spec using every field, the v1beta1-only ones included. */
const betaProfileSpec = {
  clusterSelector: {
    matchLabels: { env: 'fv' },
    matchExpressions: [
      { key: 'zone', operator: 'In', values: ['west', 'east'] },
      { key: 'legacy', operator: 'DoesNotExist' },
    ],
  },
  clusterRefs: [ref('a')],
  setRefs: ['edge'],
  continueOnError: true,
  maxConsecutiveFailures: 3,
  syncMode: 'ContinuousWithDriftDetection',
  tier: 50,
  continueOnConflict: true,
  maxUpdate: '30%',
  stopMatchingBehavior: 'LeavePolicies',
  reloader: true,
  templateResourceRefs: [{ resource: { kind: 'ConfigMap', name: 'x' }, identifier: 'X' }],
  dependsOn: ['base'],
  policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'p', optional: true, tier: 10 }],
  helmCharts: [
    {
      repositoryURL: 'https://charts.example.com',
      repositoryName: 'ex',
      chartName: 'ex/app',
      chartVersion: '1.0.0',
      releaseName: 'app',
      releaseNamespace: 'app',
    },
  ],
  kustomizationRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'k' }],
  validateHealths: [{ name: 'h', featureID: 'Resources', kind: 'Deployment', version: 'v1', group: 'apps' }],
  preDeployChecks: [{ name: 'pre', featureID: 'Resources' }],
  preDeleteChecks: [{ name: 'pre-delete', featureID: 'Helm' }],
  postDeleteChecks: [{ name: 'post-delete', featureID: 'Kustomize' }],
  patches: [{ patch: 'metadata: {labels: {a: b}}' }],
  patchesFrom: [{ kind: 'ConfigMap', name: 'patches' }],
  driftExclusions: [{ paths: ['/spec/replicas'] }],
  extraLabels: { team: 'a' },
  extraAnnotations: { note: 'x' },
};

/** For every converted kind: a v1beta1 object using every field of v1beta1. */
const betaObjects: Record<string, KubeObject & Record<string, unknown>> = {
  EventSource: {
    apiVersion: LIB_BETA,
    kind: 'EventSource',
    metadata: { name: 'es', labels: { a: 'b' }, annotations: { note: 'kept' } },
    spec: {
      collectResources: true,
      resourceSelectors: [
        {
          group: '',
          version: 'v1',
          kind: 'Service',
          namespace: 'web',
          name: 'front',
          labelFilters: [{ key: 'a', operation: 'Equal', value: 'b' }],
          selector: { matchLabels: { c: 'd' } },
          evaluate: 'function evaluate() return {matching = true} end',
          evaluateCEL: [{ name: 'r', rule: 'true' }],
        },
      ],
      aggregatedSelection: 'function evaluate() return {resources = resources} end',
      messagingMatchCriteria: [{ subject: 'orders', cloudEventType: 'created' }],
    },
  },
  EventReport: {
    apiVersion: LIB_BETA,
    kind: 'EventReport',
    metadata: { name: 'sveltos--es--a', namespace: 'fleet' },
    spec: {
      clusterNamespace: 'fleet',
      clusterName: 'a',
      clusterType: 'Sveltos',
      eventSourceName: 'es',
      matchingResources: [{ apiVersion: 'v1', kind: 'Service', namespace: 'web', name: 'front' }],
      resources: Buffer.from('{}\n---\n').toString('base64'),
      cloudEvents: [Buffer.from('{"id":"1"}').toString('base64')],
    },
    status: { phase: 'Processed', failureMessage: 'no trigger' },
  },
  SveltosCluster: {
    apiVersion: LIB_BETA,
    kind: 'SveltosCluster',
    metadata: { name: 'a', namespace: 'fleet' },
    spec: {
      kubeconfigName: 'a-kubeconfig',
      kubeconfigKeyName: 'value',
      paused: false,
      pullMode: false,
      tokenRequestRenewalOption: { renewTokenRequestInterval: '1h', tokenDuration: '2h' },
      data: { region: 'eu' },
      activeWindow: { from: '0 8 * * *', to: '0 18 * * *' },
      consecutiveFailureThreshold: 5,
      readinessChecks: [
        { name: 'nodes', resourceSelectors: [{ group: '', version: 'v1', kind: 'Node' }], condition: 'x' },
      ],
      livenessChecks: [
        { name: 'ns', resourceSelectors: [{ group: '', version: 'v1', kind: 'Namespace' }], condition: 'y' },
      ],
    },
    status: {
      version: 'v1.35.0',
      ready: true,
      connectionStatus: 'Healthy',
      failureMessage: 'none',
      lastReconciledTokenRequestAt: 'then',
      agentLastReportTime: '2026-01-01T00:00:00Z',
      nextUnpause: '2026-01-02T08:00:00Z',
      nextPause: '2026-01-01T18:00:00Z',
      activeWindowHash: Buffer.from('hash').toString('base64'),
      connectionFailures: 1,
    },
  },
  ClusterSet: {
    apiVersion: LIB_BETA,
    kind: 'ClusterSet',
    metadata: { name: 'edge' },
    spec: {
      clusterSelector: { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['y', 'x'] }] },
      clusterRefs: [ref('a')],
      maxReplicas: 2,
    },
    status: { matchingClusterRefs: [ref('a'), ref('b')], selectedClusterRefs: [ref('a')] },
  },
  ClusterProfile: {
    apiVersion: CONFIG_BETA,
    kind: 'ClusterProfile',
    metadata: { name: 'p' },
    spec: betaProfileSpec,
    status: {
      matchingClusters: [ref('a')],
      updatingClusters: { clusters: [ref('a')] },
      updatedClusters: { hash: Buffer.from('h').toString('base64'), clusters: [] },
      conditions: [{ type: 'FeaturesSupported', status: 'True', reason: 'ok' }],
    },
  },
  ClusterSummary: {
    apiVersion: CONFIG_BETA,
    kind: 'ClusterSummary',
    metadata: { name: 'p-sveltos-a', namespace: 'fleet' },
    spec: {
      clusterNamespace: 'fleet',
      clusterName: 'a',
      clusterType: 'Sveltos',
      clusterProfileSpec: betaProfileSpec,
    },
    status: {
      dependencies: 'no dependencies',
      featureSummaries: [{ featureID: 'Resources', status: 'Provisioned' }],
      deployedGVKs: [{ featureID: 'Resources', deployedGroupVersionKind: ['ConfigMap.v1.'] }],
      helmReleaseSummaries: [{ releaseName: 'app', releaseNamespace: 'app', status: 'Managing' }],
      deployedFeatures: [
        { featureID: 'Resources', resources: [{ group: '', version: 'v1', kind: 'ConfigMap', name: 'x' }] },
      ],
      nextReconcileTime: '2026-01-01T00:00:00Z',
    },
  },
};

/** For every converted kind: a v1alpha1 object as older releases wrote it. */
const alphaObjects: Record<string, KubeObject & Record<string, unknown>> = {
  EventSource: {
    apiVersion: LIB_ALPHA,
    kind: 'EventSource',
    metadata: { name: 'sveltos-service' },
    spec: {
      collectResources: true,
      group: '',
      version: 'v1',
      kind: 'Service',
      namespace: 'eng',
      labelFilters: [{ key: 'sveltos', operation: 'Equal', value: 'fv' }],
      script: 'function evaluate()\n  return {matching = true}\nend\n',
    },
  },
  EventReport: {
    apiVersion: LIB_ALPHA,
    kind: 'EventReport',
    metadata: { name: 'capi--es--w', namespace: 'default' },
    spec: { clusterNamespace: 'default', clusterName: 'w', clusterType: 'Capi', eventSourceName: 'es' },
    status: { phase: 'WaitingForDelivery' },
  },
  SveltosCluster: {
    apiVersion: LIB_ALPHA,
    kind: 'SveltosCluster',
    metadata: { name: 'w', namespace: 'default', labels: { env: 'fv' } },
    spec: { kubeconfigName: 'w-kubeconfig', consecutiveFailureThreshold: 3 },
    status: { ready: true, version: 'v1.27.0' },
  },
  ClusterSet: {
    apiVersion: LIB_ALPHA,
    kind: 'ClusterSet',
    metadata: { name: 'prod' },
    spec: { clusterSelector: 'env == prod, zone in (west,east)', maxReplicas: 1 },
  },
  ClusterProfile: {
    apiVersion: CONFIG_ALPHA,
    kind: 'ClusterProfile',
    metadata: { name: 'kyverno' },
    spec: {
      clusterSelector: 'env=fv',
      syncMode: 'Continuous',
      helmCharts: [
        {
          repositoryURL: 'https://kyverno.github.io/kyverno/',
          repositoryName: 'kyverno',
          chartName: 'kyverno/kyverno',
          chartVersion: 'v2.6.0',
          releaseName: 'kyverno-latest',
          releaseNamespace: 'kyverno',
          helmChartAction: 'Install',
        },
      ],
    },
  },
  ClusterSummary: {
    apiVersion: CONFIG_ALPHA,
    kind: 'ClusterSummary',
    metadata: { name: 'kyverno-capi-w', namespace: 'default' },
    spec: {
      clusterNamespace: 'default',
      clusterName: 'w',
      clusterType: 'Capi',
      clusterProfileSpec: {
        clusterSelector: '!legacy',
        policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'x' }],
      },
    },
    status: { featureSummaries: [{ featureID: 'Resources', status: 'Provisioning' }] },
  },
};

const versions: Record<string, [string, string]> = {
  EventSource: [LIB_ALPHA, LIB_BETA],
  EventReport: [LIB_ALPHA, LIB_BETA],
  SveltosCluster: [LIB_ALPHA, LIB_BETA],
  ClusterSet: [LIB_ALPHA, LIB_BETA],
  ClusterProfile: [CONFIG_ALPHA, CONFIG_BETA],
  ClusterSummary: [CONFIG_ALPHA, CONFIG_BETA],
};

const annotations = (o: KubeObject) => o.metadata.annotations ?? {};

describe('conversion v1alpha1 ⇄ v1beta1: round trips for every kind', () => {
  it('covers the kinds that have a legacy version, and only those', () => {
    const withLegacy = [
      EventSourceKind,
      EventReportKind,
      SveltosClusterKind,
      ClusterSetKind,
      ClusterProfileKind,
      ClusterSummaryKind,
    ];
    assert.deepEqual([...conversionRules.keys()], withLegacy);
    for (const k of withLegacy) {
      assert.equal(k.legacyVersion, 'v1alpha1');
      assert.deepEqual(
        k.crd.spec.versions.map((v) => [v.name, v.served, v.storage]),
        [
          ['v1alpha1', true, false],
          ['v1beta1', true, true],
        ],
      );
      assert.deepEqual(k.crd.spec.conversion?.webhook?.conversionReviewVersions, ['v1']);
    }
    assert.equal(EventTriggerKind.legacyVersion, undefined);
    assert.equal(EventBasedAddOnKind.crd.spec.conversion, undefined);
    assert.deepEqual(EventBasedAddOnKind.servedVersions, ['v1alpha1']);
  });

  for (const [kind, [alpha, beta]] of Object.entries(versions)) {
    describe(kind, () => {
      it('the fixtures are valid objects of their versions', () => {
        assert.deepEqual(
          validate(betaObjects[kind]).map((e) => e.message),
          [],
        );
        assert.deepEqual(
          validate(alphaObjects[kind]).map((e) => e.message),
          [],
        );
      });

      it('v1beta1 → v1alpha1 → v1beta1 gives back the object, v1beta1-only fields included', () => {
        const original = betaObjects[kind]!;
        const down = convertObject(original, alpha);
        assert.equal(down.apiVersion, alpha);
        assert.deepEqual(
          validate(down).map((e) => e.message),
          [],
          'a valid v1alpha1 object',
        );
        assert.ok(annotations(down)[CONVERSION_V1BETA1_ANNOTATION], 'what v1alpha1 cannot hold is kept');
        const up = convertObject(down, beta);
        // equal as the API server stores it: a field set to its default (pullMode: false) need not be kept
        assert.deepEqual(applyDefaults(up), applyDefaults(original));
        assert.deepEqual(convertObject(up, alpha), down, 'and again');
      });

      it('v1alpha1 → v1beta1 → v1alpha1 gives back the object as written', () => {
        const original = alphaObjects[kind]!;
        const up = convertObject(original, beta);
        assert.equal(up.apiVersion, beta);
        assert.deepEqual(
          validate(up).map((e) => e.message),
          [],
          'a valid v1beta1 object',
        );
        assert.deepEqual(convertObject(up, alpha), original);
      });

      it('the argument is not modified; the same version is a copy', () => {
        const original = structuredClone(betaObjects[kind]!);
        convertObject(original, alpha);
        assert.deepEqual(original, betaObjects[kind]);
        assert.deepEqual(convertObject(original, beta), original);
      });

      it('fields the API server defaults are no difference: nothing is kept for them', () => {
        const stored = applyDefaults(convertObject(alphaObjects[kind]!, beta));
        const down = convertObject(stored, alpha);
        const kept = annotations(down)[CONVERSION_V1BETA1_ANNOTATION];
        assert.equal(kept, undefined, `kept: ${kept}`);
      });
    });
  }
});

describe('conversion details', () => {
  it('a string selector becomes a LabelSelector; its spelling is kept only when it is not canonical', () => {
    const canonical = { ...alphaObjects.ClusterProfile!, spec: { clusterSelector: 'env=fv' } };
    const up = convertObject(canonical, CONFIG_BETA);
    assert.deepEqual((up.spec as Record<string, unknown>).clusterSelector, { matchLabels: { env: 'fv' } });
    assert.equal(up.metadata.annotations, undefined);

    const spelt = { ...canonical, spec: { clusterSelector: 'env == fv' } };
    const kept = convertObject(spelt, CONFIG_BETA);
    assert.deepEqual(JSON.parse(annotations(kept)[CONVERSION_V1ALPHA1_ANNOTATION]!), {
      'spec.clusterSelector': { clusterSelector: 'env == fv' },
    });
    assert.deepEqual(convertObject(kept, CONFIG_ALPHA), spelt);
  });

  it('an edit made in the other version wins over what was kept', () => {
    const spelt = { ...alphaObjects.ClusterSet!, spec: { clusterSelector: 'env == fv' } };
    const stored = convertObject(spelt, LIB_BETA) as KubeObject & { spec: Record<string, unknown> };
    stored.spec.clusterSelector = { matchLabels: { env: 'prod' } };
    const read = convertObject(stored, LIB_ALPHA);
    assert.deepEqual(read.spec, { clusterSelector: 'env=prod' });
    assert.equal(read.metadata.annotations, undefined, 'nothing stale is left');
  });

  it('a v1beta1-only field is restored even when the v1alpha1 view was edited elsewhere', () => {
    const down = convertObject(betaObjects.ClusterProfile!, CONFIG_ALPHA) as KubeObject & {
      spec: Record<string, unknown>;
    };
    down.spec.clusterSelector = 'env=staging';
    down.spec.tier = 7;
    const up = convertObject(down, CONFIG_BETA) as KubeObject & { spec: Record<string, unknown> };
    assert.deepEqual(up.spec.clusterSelector, { matchLabels: { env: 'staging' } });
    assert.equal(up.spec.tier, 7);
    assert.deepEqual(up.spec.patches, betaProfileSpec.patches);
    assert.deepEqual(up.spec.driftExclusions, betaProfileSpec.driftExclusions);
  });

  it('the flat EventSource is one resource selector (script → evaluate)', () => {
    const up = convertObject(alphaObjects.EventSource!, LIB_BETA);
    assert.deepEqual(up.spec, {
      collectResources: true,
      resourceSelectors: [
        {
          group: '',
          version: 'v1',
          kind: 'Service',
          namespace: 'eng',
          labelFilters: [{ key: 'sveltos', operation: 'Equal', value: 'fv' }],
          evaluate: 'function evaluate()\n  return {matching = true}\nend\n',
        },
      ],
    });
    // without a group (the core group)
    const noGroup = structuredClone(alphaObjects.EventSource!) as KubeObject & {
      spec: Record<string, unknown>;
    };
    delete noGroup.spec.group;
    const selectors = (convertObject(noGroup, LIB_BETA).spec as { resourceSelectors: { group: string }[] })
      .resourceSelectors;
    assert.equal(selectors[0]?.group, '');
  });

  it('an EventSource written at v1beta1 reads as resourceSelectors at v1alpha1', () => {
    const plain = {
      apiVersion: LIB_BETA,
      kind: 'EventSource',
      metadata: { name: 'x' },
      spec: { resourceSelectors: [{ group: '', version: 'v1', kind: 'Pod' }] },
    };
    assert.deepEqual(convertObject(plain, LIB_ALPHA), { ...plain, apiVersion: LIB_ALPHA });
  });

  it('an invalid selector string fails the conversion with the field and the parse error', () => {
    const bad = { ...alphaObjects.ClusterProfile!, spec: { clusterSelector: 'env in (fv' } };
    assert.throws(
      () => convertObject(bad, CONFIG_BETA),
      /^Error: spec\.clusterSelector: invalid label selector "env in \(fv": expected "," or "\)" in the set of key "env", found the end of the selector$/,
    );
    const nested = structuredClone(alphaObjects.ClusterSummary!) as KubeObject & {
      spec: { clusterProfileSpec: Record<string, unknown> };
    };
    nested.spec.clusterProfileSpec.clusterSelector = 'a b';
    assert.throws(
      () => convertObject(nested, CONFIG_BETA),
      /^Error: spec\.clusterProfileSpec\.clusterSelector: invalid label selector "a b"/,
    );
  });

  it('refuses what it cannot convert: other kinds, other groups and versions', () => {
    assert.throws(
      () => convertObject({ apiVersion: LIB_BETA, kind: 'EventTrigger', metadata: { name: 'x' } }, LIB_ALPHA),
      /no conversion for EventTrigger of lib\.projectsveltos\.io\/v1beta1/,
    );
    assert.throws(
      () => convertObject(betaObjects.ClusterSet!, 'lib.projectsveltos.io/v2'),
      /ClusterSet converts between lib\.projectsveltos\.io\/v1beta1 and lib\.projectsveltos\.io\/v1alpha1, not from/,
    );
    assert.equal(convertedKind('config.projectsveltos.io/v1alpha1', 'ClusterProfile'), ClusterProfileKind);
    assert.equal(convertedKind('v1', 'ConfigMap'), undefined);
  });

  it('an annotation it does not understand is dropped, never trusted', () => {
    const o = structuredClone(alphaObjects.ClusterSet!);
    o.metadata.annotations = { [CONVERSION_V1BETA1_ANNOTATION]: 'not json' };
    const up = convertObject(o, LIB_BETA);
    assert.equal(up.metadata.annotations?.[CONVERSION_V1BETA1_ANNOTATION], undefined);
  });
});

/** The properties of the object at `at` in a schema. */
function propertiesAt(schema: JSONSchemaProps, at: readonly string[]): Record<string, JSONSchemaProps> {
  let s: JSONSchemaProps | undefined = schema;
  for (const k of at) s = s?.properties?.[k];
  return s?.properties ?? {};
}

describe('every field of either version is accounted for', () => {
  // a v1beta1 field neither in v1alpha1 nor in a rule would be pruned by the API server on the way down, and
  // lost on the way back: this catches a field added to one version only
  const withoutDescriptions = (s: JSONSchemaProps): string =>
    canonicalJson(s).replace(/"description":"(?:[^"\\]|\\.)*",?/g, '');
  for (const [kind, rules] of conversionRules) {
    it(kind.kind, () => {
      const alphaSchema = kind.schemas[kind.legacyVersion!]!;
      const betaSchema = kind.schema;
      const places = new Set(['spec', 'status', ...rules.map((r) => r.at.join('.'))]);
      for (const place of places) {
        const at = place.split('.');
        const alpha = propertiesAt(alphaSchema, at);
        const beta = propertiesAt(betaSchema, at);
        const here = rules.filter((r) => r.at.join('.') === place);
        const ruledAlpha = new Set(here.flatMap((r) => r.legacy));
        const ruledBeta = new Set(here.flatMap((r) => r.storage));
        for (const f of Object.keys(beta)) {
          if (ruledBeta.has(f)) continue;
          const nested = places.has(`${place}.${f}`);
          assert.ok(alpha[f], `${place}.${f} is only in v1beta1 and no rule names it`);
          if (!nested)
            assert.equal(
              withoutDescriptions(alpha[f]!),
              withoutDescriptions(beta[f]!),
              `${place}.${f} differs between versions`,
            );
        }
        for (const f of Object.keys(alpha)) {
          if (ruledAlpha.has(f)) continue;
          assert.ok(beta[f], `${place}.${f} is only in v1alpha1 and no rule names it`);
        }
      }
    });
  }
});

describe('EventBasedAddOn: the EventTrigger it means', () => {
  const eba: EventBasedAddOn = {
    apiVersion: LIB_ALPHA,
    kind: 'EventBasedAddOn',
    metadata: { name: 'service-network-policy', labels: { 'projectsveltos.io/admin-name': 'eng' } },
    spec: {
      clusterSelector: 'env=fv',
      eventSourceName: 'sveltos-service',
      oneForEvent: true,
      policyRefs: [{ name: 'network-policy', namespace: 'default', kind: 'ConfigMap' }],
    },
  };

  it('is a valid v1alpha1 object, the only version of its kind', () => {
    assert.deepEqual(
      validate(eba).map((e) => e.message),
      [],
    );
    assert.match(
      validate({ ...eba, apiVersion: LIB_BETA }).map((e) => e.message)[0] ?? '',
      /no kind "EventBasedAddOn" is served in version "lib\.projectsveltos\.io\/v1beta1"/,
    );
  });

  it('parses the string selectors; clusterSelector is the first name of sourceClusterSelector', () => {
    const et = eventBasedAddOnAsEventTrigger(eba);
    assert.deepEqual(et, {
      apiVersion: LIB_BETA,
      kind: 'EventTrigger',
      metadata: eba.metadata,
      spec: {
        sourceClusterSelector: { matchLabels: { env: 'fv' } },
        eventSourceName: 'sveltos-service',
        oneForEvent: true,
        policyRefs: [{ name: 'network-policy', namespace: 'default', kind: 'ConfigMap' }],
      },
    });
    assert.deepEqual(
      validate(et).map((e) => e.message),
      [],
    );
    const later = eventBasedAddOnAsEventTrigger({
      ...eba,
      spec: {
        sourceClusterSelector: 'env in (fv,qa)',
        destinationClusterSelector: 'dep=eng',
        eventSourceName: 'x',
      },
    });
    assert.deepEqual(later.spec.sourceClusterSelector, {
      matchExpressions: [{ key: 'env', operator: 'In', values: ['fv', 'qa'] }],
    });
    assert.deepEqual(later.spec.destinationClusterSelector, { matchLabels: { dep: 'eng' } });
  });

  it('an invalid selector throws the parse error', () => {
    assert.throws(
      () => eventBasedAddOnAsEventTrigger({ ...eba, spec: { ...eba.spec, clusterSelector: 'env=' + '!' } }),
      /invalid label selector "env=!": expected a value after "=", found "!" at position 5/,
    );
  });
});

describe('the CRDs: which ones call the webhook, and how', () => {
  const withWebhook = crds.filter((c) => c.spec.conversion !== undefined).map((c) => c.metadata.name);

  it('the six converted kinds call the webhook at /convert of the event-manager Service; no other CRD does', () => {
    assert.deepEqual(withWebhook.sort(), [
      'clusterprofiles.config.projectsveltos.io',
      'clustersets.lib.projectsveltos.io',
      'clustersummaries.config.projectsveltos.io',
      'eventreports.lib.projectsveltos.io',
      'eventsources.lib.projectsveltos.io',
      'sveltosclusters.lib.projectsveltos.io',
    ]);
    assert.deepEqual(EventSourceKind.crd.spec.conversion, {
      strategy: 'Webhook',
      webhook: {
        conversionReviewVersions: ['v1'],
        clientConfig: {
          service: {
            namespace: 'projectsveltos',
            name: 'event-manager-webhook',
            path: '/convert',
            port: 443,
          },
        },
      },
    });
    assert.deepEqual(
      EventSourceKind.crd.spec.versions.map((v) => [v.name, v.served, v.storage]),
      [
        ['v1alpha1', true, false],
        ['v1beta1', true, true],
      ],
    );
  });

  it('withConversionWebhook points a converted CRD elsewhere and leaves the others as they are', () => {
    const clientConfig = { url: 'https://127.0.0.1:9443/convert', caBundle: 'Q0E=' };
    const moved = withConversionWebhook(ClusterSetKind.crd, clientConfig);
    assert.deepEqual(moved.spec.conversion?.webhook?.clientConfig, clientConfig);
    // a copy: the generated CRD is untouched
    assert.equal(ClusterSetKind.crd.spec.conversion?.webhook?.clientConfig.url, undefined);
    assert.equal(withConversionWebhook(EventTriggerKind.crd, clientConfig), EventTriggerKind.crd);
  });

  it('storageVersionOnly: what a cluster without the webhook gets (v1beta1 alone, no conversion)', () => {
    const bare = storageVersionOnly(EventReportKind.crd);
    assert.deepEqual(
      bare.spec.versions.map((v) => v.name),
      ['v1beta1'],
    );
    assert.equal(bare.spec.conversion, undefined);
    assert.equal(EventReportKind.crd.spec.versions.length, 2);
  });
});

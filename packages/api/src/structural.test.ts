import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnyKindDef } from './crd.ts';
import {
  allKinds,
  CapiClusterKind,
  ClusterProfileKind,
  ClusterSetKind,
  ClusterSummaryKind,
  crds,
  EventBasedAddOnKind,
  EventReportKind,
  EventSourceKind,
  EventTriggerKind,
  SveltosClusterKind,
} from './index.ts';
import type { JSONSchemaProps } from './schema.ts';
import { checkCrd, checkStructuralSchema, resolveJsonPath } from './structural.ts';

/** The schema node at a dotted path (`[]` steps into array items). */
function at(kind: AnyKindDef, path: string): JSONSchemaProps {
  let cur: JSONSchemaProps | undefined = kind.schema;
  for (const step of path.split('.')) {
    cur = step === '[]' ? cur?.items : cur?.properties?.[step];
    assert.ok(cur, `${kind.kind}: no schema at ${path} (stopped at ${step})`);
  }
  return cur;
}

describe('CRDs are valid apiextensions.k8s.io/v1 objects with structural schemas', () => {
  for (const crd of crds) {
    it(crd.metadata.name, () => {
      assert.deepEqual(checkCrd(crd), []);
    });
  }
});

describe('the structural checker rejects what the API server rejects', () => {
  const cases: [string, JSONSchemaProps, RegExp][] = [
    ['missing type', { type: 'object', properties: { a: {} } }, /must have a type/],
    [
      '$ref',
      { type: 'object', properties: { a: { type: 'string', $ref: '#/x' } as JSONSchemaProps } },
      /\$ref/,
    ],
    [
      'properties with additionalProperties',
      { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } },
      /mutually exclusive/,
    ],
    ['array without items', { type: 'array' }, /declare items/],
    [
      'bad default',
      { type: 'object', properties: { a: { type: 'integer', minimum: 1, default: 0 } } },
      /default 0/,
    ],
    [
      'default with unknown field',
      { type: 'object', properties: { a: { type: 'object', properties: {}, default: { x: 1 } } } },
      /unknown field/,
    ],
    ['enum of wrong type', { type: 'string', enum: [1] }, /enum value 1/],
    [
      'list map without required key',
      {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['k'],
        items: { type: 'object', properties: { k: { type: 'string' } } },
      },
      /required or defaulted/,
    ],
    [
      'int-or-string with a type',
      { type: 'string', 'x-kubernetes-int-or-string': true },
      /must not have a type/,
    ],
    ['required but undeclared', { type: 'object', properties: {}, required: ['x'] }, /not a declared/],
  ];
  for (const [name, schema, re] of cases) {
    it(name, () => {
      const problems = checkStructuralSchema(schema);
      assert.ok(
        problems.some((p) => re.test(p)),
        `expected ${re} in ${JSON.stringify(problems)}`,
      );
    });
  }
});

describe('names, scopes and subresources match upstream', () => {
  const expected: [AnyKindDef, string, string, 'Cluster' | 'Namespaced', boolean, string[] | undefined][] = [
    [EventSourceKind, 'lib.projectsveltos.io', 'eventsources', 'Cluster', false, undefined],
    [EventTriggerKind, 'lib.projectsveltos.io', 'eventtriggers', 'Cluster', true, undefined],
    [EventReportKind, 'lib.projectsveltos.io', 'eventreports', 'Namespaced', true, undefined],
    [SveltosClusterKind, 'lib.projectsveltos.io', 'sveltosclusters', 'Namespaced', true, undefined],
    [ClusterSetKind, 'lib.projectsveltos.io', 'clustersets', 'Cluster', true, undefined],
    [ClusterProfileKind, 'config.projectsveltos.io', 'clusterprofiles', 'Cluster', true, undefined],
    [ClusterSummaryKind, 'config.projectsveltos.io', 'clustersummaries', 'Namespaced', true, undefined],
    [EventBasedAddOnKind, 'lib.projectsveltos.io', 'eventbasedaddons', 'Cluster', true, undefined],
    [CapiClusterKind, 'cluster.x-k8s.io', 'clusters', 'Namespaced', true, ['cl']],
  ];
  it('covers every kind', () => {
    assert.deepEqual(
      expected.map((e) => e[0].kind),
      allKinds.map((k) => k.kind),
    );
  });
  for (const [kind, group, plural, scope, status, shortNames] of expected) {
    it(kind.kind, () => {
      const { spec, metadata } = kind.crd;
      assert.equal(metadata.name, `${plural}.${group}`);
      assert.equal(spec.group, group);
      assert.equal(spec.names.plural, plural);
      assert.equal(spec.names.singular, kind.kind.toLowerCase());
      assert.equal(spec.names.listKind, `${kind.kind}List`);
      assert.equal(spec.scope, scope);
      assert.deepEqual(spec.names.shortNames, shortNames);
      const storage = spec.versions.filter((v) => v.storage);
      assert.equal(storage.length, 1);
      // EventBasedAddOn only ever had v1alpha1
      const storageVersion =
        group === 'cluster.x-k8s.io' ? 'v1beta2' : kind === EventBasedAddOnKind ? 'v1alpha1' : 'v1beta1';
      assert.equal(storage[0]?.name, storageVersion);
      for (const v of spec.versions) {
        assert.equal(v.served, true);
        assert.equal(v.subresources?.status !== undefined, status, `${v.name} status subresource`);
      }
    });
  }
  it('CAPI Cluster also serves v1beta1 (examples/cluster-inventory-kubeconfigs selects v1beta1 Clusters)', () => {
    assert.deepEqual(
      CapiClusterKind.crd.spec.versions.map((v) => [v.name, v.storage]),
      [
        ['v1beta2', true],
        ['v1beta1', false],
      ],
    );
  });
});

describe('printer columns', () => {
  it('SveltosCluster: Ready, Version, Age, Shard', () => {
    const cols = SveltosClusterKind.crd.spec.versions[0]?.additionalPrinterColumns ?? [];
    assert.deepEqual(
      cols.map((c) => [c.name, c.type, c.jsonPath]),
      [
        ['Ready', 'boolean', '.status.ready'],
        ['Version', 'string', '.status.version'],
        ['Age', 'date', '.metadata.creationTimestamp'],
        ['Shard', 'string', ".metadata.annotations['sharding\\.projectsveltos\\.io/key']"],
      ],
    );
  });
  it('ClusterSummary: Age and per-feature status (wide)', () => {
    const cols = ClusterSummaryKind.crd.spec.versions[0]?.additionalPrinterColumns ?? [];
    assert.deepEqual(
      cols.map((c) => c.name),
      ['Age', 'HelmCharts', 'KustomizeRefs', 'PolicyRefs'],
    );
    assert.ok(cols.slice(1).every((c) => c.priority === 2));
  });
  it('every column path resolves in its schema', () => {
    for (const k of allKinds) {
      for (const v of k.crd.spec.versions) {
        for (const c of v.additionalPrinterColumns ?? []) {
          assert.ok(resolveJsonPath(v.schema.openAPIV3Schema, c.jsonPath), `${k.kind} ${c.name}`);
        }
      }
    }
    assert.equal(resolveJsonPath(SveltosClusterKind.schema, '.status.nope'), undefined);
  });
});

describe('defaults and validations as upstream', () => {
  const defaults: [AnyKindDef, string, unknown][] = [
    [EventSourceKind, 'spec.collectResources', false],
    [EventTriggerKind, 'spec.oneForEvent', false],
    [EventTriggerKind, 'spec.syncMode', 'Continuous'],
    [EventTriggerKind, 'spec.tier', 100],
    [EventTriggerKind, 'spec.stopMatchingBehavior', 'WithdrawPolicies'],
    [EventTriggerKind, 'spec.continueOnConflict', false],
    [EventTriggerKind, 'spec.reloader', false],
    [EventTriggerKind, 'spec.cloudEventAction', 'Create'],
    [EventTriggerKind, 'spec.configMapGenerator.[].optional', false],
    [EventTriggerKind, 'spec.secretGenerator.[].optional', false],
    [EventTriggerKind, 'spec.policyRefs.[].deploymentType', 'Remote'],
    [EventTriggerKind, 'spec.policyRefs.[].tier', 100],
    [EventTriggerKind, 'spec.policyRefs.[].optional', false],
    [EventTriggerKind, 'spec.helmCharts.[].helmChartAction', 'Install'],
    [EventTriggerKind, 'spec.kustomizationRefs.[].deploymentType', 'Remote'],
    [ClusterProfileKind, 'spec.syncMode', 'Continuous'],
    [ClusterProfileKind, 'spec.tier', 100],
    [ClusterProfileKind, 'spec.stopMatchingBehavior', 'WithdrawPolicies'],
    [ClusterProfileKind, 'spec.continueOnConflict', false],
    [ClusterProfileKind, 'spec.continueOnError', false],
    [ClusterProfileKind, 'spec.reloader', false],
    [SveltosClusterKind, 'spec.pullMode', false],
    [SveltosClusterKind, 'spec.consecutiveFailureThreshold', 3],
  ];
  for (const [kind, path, value] of defaults) {
    it(`${kind.kind} ${path} defaults to ${JSON.stringify(value)}`, () => {
      assert.deepEqual(at(kind, path).default, value);
    });
  }

  it('EventTrigger: required fields, enums and bounds', () => {
    assert.deepEqual(at(EventTriggerKind, 'spec').required, ['sourceClusterSelector', 'eventSourceName']);
    assert.deepEqual(EventTriggerKind.schema.required, ['spec']);
    assert.equal(at(EventTriggerKind, 'spec.eventSourceName').minLength, 1);
    assert.equal(at(EventTriggerKind, 'spec.profileNameFormat').minLength, 1);
    assert.equal(at(EventTriggerKind, 'spec.configMapGenerator.[].nameFormat').minLength, 1);
    assert.deepEqual(at(EventTriggerKind, 'spec.syncMode').enum, [
      'OneTime',
      'Continuous',
      'ContinuousWithDriftDetection',
      'DryRun',
    ]);
    assert.equal(at(EventTriggerKind, 'spec.tier').minimum, 1);
    assert.equal(at(EventTriggerKind, 'spec.tier').format, 'int32');
    const maxUpdate = at(EventTriggerKind, 'spec.maxUpdate');
    assert.equal(maxUpdate['x-kubernetes-int-or-string'], true);
    assert.equal(maxUpdate.pattern, '^((100|[0-9]{1,2})%|[0-9]+)$');
    assert.deepEqual(at(EventTriggerKind, 'spec.stopMatchingBehavior').enum, [
      'WithdrawPolicies',
      'LeavePolicies',
    ]);
  });

  it('EventTrigger oneForEvent is immutable through a transition rule on a defaulted field', () => {
    const f = at(EventTriggerKind, 'spec.oneForEvent');
    assert.deepEqual(f['x-kubernetes-validations'], [
      { rule: 'self == oldSelf', message: 'Value is immutable' },
    ]);
    assert.equal(f.default, false);
  });

  it('selectors are LabelSelectors with the four operators', () => {
    for (const path of ['spec.sourceClusterSelector', 'spec.destinationClusterSelector']) {
      const sel = at(EventTriggerKind, path);
      assert.equal(sel['x-kubernetes-map-type'], 'atomic');
      assert.deepEqual(Object.keys(sel.properties ?? {}), ['matchLabels', 'matchExpressions']);
      assert.deepEqual(at(EventTriggerKind, `${path}.matchExpressions.[].operator`).enum, [
        'In',
        'NotIn',
        'Exists',
        'DoesNotExist',
      ]);
    }
    assert.ok(at(EventSourceKind, 'spec.resourceSelectors.[].selector.matchLabels'));
    assert.ok(at(ClusterProfileKind, 'spec.clusterSelector.matchExpressions'));
  });

  it('EventSource resource selectors carry every filter', () => {
    assert.deepEqual(Object.keys(at(EventSourceKind, 'spec.resourceSelectors.[]').properties ?? {}), [
      'group',
      'version',
      'kind',
      'labelFilters',
      'selector',
      'namespace',
      'name',
      'evaluate',
      'evaluateCEL',
    ]);
    assert.deepEqual(at(EventSourceKind, 'spec.resourceSelectors.[].labelFilters.[].operation').enum, [
      'Equal',
      'Different',
      'Has',
      'DoesNotHave',
    ]);
    assert.deepEqual(at(EventSourceKind, 'spec.resourceSelectors.[].labelFilters.[]').required, [
      'key',
      'operation',
    ]);
    assert.equal(at(EventSourceKind, 'spec.resourceSelectors.[].kind').minLength, 1);
  });

  it('EventReport spec.resources and cloudEvents are bytes', () => {
    assert.equal(at(EventReportKind, 'spec.resources').format, 'byte');
    assert.equal(at(EventReportKind, 'spec.cloudEvents.[]').format, 'byte');
    assert.deepEqual(at(EventReportKind, 'status.phase').enum, [
      'WaitingForDelivery',
      'Delivering',
      'Processed',
    ]);
    assert.ok(at(EventReportKind, 'status.failureMessage'));
  });

  it('ClusterProfile templateResourceRefs is a map list keyed by identifier', () => {
    const trr = at(ClusterProfileKind, 'spec.templateResourceRefs');
    assert.equal(trr['x-kubernetes-list-type'], 'map');
    assert.deepEqual(trr['x-kubernetes-list-map-keys'], ['identifier']);
  });

  it('policyRefs carry kind, namespace, name, path, deploymentType, optional, tier, skipNamespaceCreation', () => {
    const props = Object.keys(at(ClusterProfileKind, 'spec.policyRefs.[]').properties ?? {});
    for (const f of [
      'kind',
      'namespace',
      'name',
      'path',
      'deploymentType',
      'optional',
      'tier',
      'skipNamespaceCreation',
    ]) {
      assert.ok(props.includes(f), f);
    }
  });

  it('the CAPI Cluster is loose except for the fields Sveltos reads', () => {
    assert.equal(at(CapiClusterKind, 'spec')['x-kubernetes-preserve-unknown-fields'], true);
    assert.equal(at(CapiClusterKind, 'status')['x-kubernetes-preserve-unknown-fields'], true);
    assert.equal(at(CapiClusterKind, 'spec.paused').type, 'boolean');
    assert.equal(at(CapiClusterKind, 'status.initialization.controlPlaneInitialized').type, 'boolean');
    assert.equal(at(CapiClusterKind, 'status.conditions.[].type').type, 'string');
  });
});

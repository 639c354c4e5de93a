// The seeds (upstream docs pages the product was asked from) must validate unchanged where they are written
// against v1beta1 (000, 001, 004), and after the documented corrections for 003 (SPEC §10). Seed 002 is
// v1alpha1: it is not served, and its `labelsFilters` typo is an unknown field.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  corrected003,
  type SeedObject,
  seed002EventReport,
  seedDocuments,
  seedText,
  yamlBlocks,
} from '@sveltos-ts/testenv';
import {
  applyDefaults,
  decodeEventReportResources,
  type EventSource,
  EventSourceKind,
  type EventTrigger,
  eventReportName,
  validate,
  validateValue,
} from './index.ts';

const isSveltos = (o: SeedObject) => /projectsveltos\.io\//.test(o.apiVersion ?? '');

function assertValid(o: SeedObject): void {
  assert.deepEqual(
    validate(o).map((e) => e.message),
    [],
    `${o.kind}/${o.metadata?.name}`,
  );
  // defaulting keeps it valid
  assert.deepEqual(validate(applyDefaults(o)), []);
}

describe('seeds written against v1beta1 validate unchanged', () => {
  it('001: EventSource and EventTrigger (generators, templateResourceRefs)', () => {
    const docs = seedDocuments(yamlBlocks(seedText('001'))).filter(isSveltos);
    assert.deepEqual(
      docs.map((d) => d.kind),
      ['EventSource', 'EventTrigger'],
    );
    for (const d of docs) assertValid(d);
    const et = applyDefaults(docs[1] as EventTrigger);
    assert.equal(et.spec.oneForEvent, false);
    assert.equal(et.spec.syncMode, 'Continuous');
    assert.equal(et.spec.configMapGenerator?.[0]?.optional, false);
    assert.equal(et.spec.policyRefs?.[0]?.deploymentType, 'Remote');
  });

  it('004: aggregatedSelection EventSource with labelFilters Has and evaluateCEL, and its EventTrigger', () => {
    const docs = seedDocuments(yamlBlocks(seedText('004'))).filter(isSveltos);
    assert.deepEqual(
      docs.map((d) => d.kind),
      ['EventSource', 'EventTrigger'],
    );
    for (const d of docs) assertValid(d);
    const es = docs[0] as EventSource;
    assert.equal(es.spec?.resourceSelectors?.length, 4);
    assert.equal(es.spec?.resourceSelectors?.[1]?.evaluateCEL?.length, 2);
    assert.equal(es.spec?.resourceSelectors?.[0]?.group, 'cluster.x-k8s.io');
  });

  it('000: the configMapGenerator fragment is a valid EventTrigger field', () => {
    const fragments = seedDocuments(yamlBlocks(seedText('000'))).filter((d) => 'configMapGenerator' in d);
    assert.equal(fragments.length, 1);
    assertValid({
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'EventTrigger',
      metadata: { name: 'seed-000' },
      spec: {
        sourceClusterSelector: { matchLabels: { env: 'prod' } },
        eventSourceName: 'workload',
        ...fragments[0],
      },
    });
  });
});

describe('seed 003', () => {
  const blocks = () => yamlBlocks(seedText('003')).filter((b) => /kind: Event(Source|Trigger)/.test(b));

  it('as printed it is not a valid object (broken indentation, v1alpha1, string selectors)', () => {
    const docs = seedDocuments(blocks()).filter(isSveltos);
    assert.equal(docs.length, 2);
    for (const d of docs) {
      const asBeta = { ...d, apiVersion: 'lib.projectsveltos.io/v1beta1' };
      const errs = validate(asBeta).map((e) => e.message);
      assert.ok(errs.includes('unknown field "name"'), JSON.stringify(errs));
    }
  });

  it('corrected, it validates', () => {
    const docs = seedDocuments(blocks().map(corrected003)).filter(isSveltos);
    assert.deepEqual(
      docs.map((d) => [d.kind, d.metadata?.name]),
      [
        ['EventSource', 'load-balancer-service'],
        ['EventTrigger', 'service-policy'],
      ],
    );
    for (const d of docs) assertValid(d);
    const et = docs[1] as EventTrigger;
    assert.deepEqual(et.spec.destinationClusterSelector, { matchLabels: { dep: 'eng' } });
    const cm = seedDocuments(blocks().map(corrected003)).find((d) => d.kind === 'ConfigMap') as {
      metadata: { annotations: Record<string, string> };
    };
    assert.deepEqual(cm.metadata.annotations, { 'projectsveltos.io/instantiate': 'ok' });
  });
});

describe('seed 002 (v1alpha1)', () => {
  const docs = () => seedDocuments(yamlBlocks(seedText('002')));

  it('v1alpha1 is not served: the API names the version', () => {
    const first = docs()[0];
    assert.ok(first);
    assert.deepEqual(
      validate(first).map((e) => e.message),
      ['no kind "EventSource" is served in version "lib.projectsveltos.io/v1alpha1"'],
    );
  });

  it('the typo `labelsFilters` is an unknown field (flat v1alpha1 spec against the v1beta1 schema)', () => {
    const first = docs()[0];
    assert.ok(first);
    const unknown = validateValue(EventSourceKind.schema, first)
      .filter((e) => e.type === 'unknown')
      .map((e) => e.path);
    assert.ok(unknown.includes('spec.labelsFilters'), JSON.stringify(unknown));
  });

  it('the typo is an unknown field in the v1beta1 translation too; the corrected translation validates', () => {
    const translated = (filtersKey: string): SeedObject => ({
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'EventSource',
      metadata: { name: 'sveltos-service' },
      spec: {
        collectResources: true,
        resourceSelectors: [
          {
            group: '',
            version: 'v1',
            kind: 'Service',
            [filtersKey]: [{ key: 'sveltos', operation: 'Equal', value: 'fv' }],
          },
        ],
      },
    });
    assert.deepEqual(
      validate(translated('labelsFilters')).map((e) => e.message),
      ['unknown field "spec.resourceSelectors[0].labelsFilters"'],
    );
    assertValid(translated('labelFilters'));
    assertValid({
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'EventTrigger',
      metadata: { name: 'service-network-policy' },
      spec: {
        sourceClusterSelector: { matchLabels: { env: 'fv' } },
        eventSourceName: 'sveltos-service',
        oneForEvent: true,
        policyRefs: [{ name: 'network-policy', namespace: 'default', kind: 'ConfigMap' }],
      },
    });
  });

  it('its EventReport example: management-copy name and resources bytes', () => {
    const report = seed002EventReport();
    const [svc] = decodeEventReportResources(report.spec.resources as string);
    assert.deepEqual((svc as { metadata: { name: string } }).metadata.name, 'my-service');
    assert.ok(
      seedText('002').includes(eventReportName('Capi', 'sveltos-service', 'sveltos-management-workload')),
    );
    assertValid(report);
  });
});

describe('test data SPEC §10 asks for (seed 004)', () => {
  it('the management cluster registered as SveltosCluster mgmt/mgmt', () => {
    assertValid({
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'SveltosCluster',
      metadata: { name: 'mgmt', namespace: 'mgmt', labels: { 'cluster-api': 'enabled' } },
      spec: { kubeconfigName: 'mgmt-kubeconfig', kubeconfigKeyName: 'kubeconfig' },
      status: { ready: true, version: 'v1.35.0' },
    });
  });
});

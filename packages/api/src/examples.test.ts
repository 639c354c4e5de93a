// The project's examples (examples/<name>/) must validate as written against the served schemas (legacy/ at v1alpha1),
// and the broken variants kept as their test fixtures (testdata/) must be refused with errors naming the
// offending fields: a misspelt field, objects whose fields lost their indentation, the legacy v1alpha1 shape.

import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  type ExampleObject,
  exampleDocuments,
  exampleNames,
  exampleObject,
  testdataDocuments,
} from '@sveltos-ts/testenv';
import {
  applyDefaults,
  convertObject,
  decodeEventReportResources,
  type EventBasedAddOn,
  EventBasedAddOnKind,
  type EventSource,
  EventSourceKind,
  type EventTrigger,
  eventBasedAddOnAsEventTrigger,
  eventReportName,
  type KubeObject,
  validate,
  validateValue,
} from './index.ts';

const isSveltos = (o: ExampleObject) => /projectsveltos\.io\//.test(o.apiVersion);

function assertValid(o: ExampleObject | Record<string, unknown>): void {
  const named = o as ExampleObject;
  assert.deepEqual(
    validate(o).map((e) => e.message),
    [],
    `${named.kind}/${named.metadata?.name}`,
  );
  // defaulting keeps it valid
  assert.deepEqual(validate(applyDefaults(o)), []);
}

describe('every example validates as written', () => {
  for (const name of exampleNames()) {
    it(`${name}: its EventSource and EventTrigger`, () => {
      const sveltos = exampleDocuments(name).filter(isSveltos);
      assert.deepEqual(sveltos.map((d) => d.kind).sort(), ['EventSource', 'EventTrigger']);
      for (const d of sveltos) assertValid(d);
    });
  }
});

describe('what the examples rely on', () => {
  it('credentials-replication: defaults of the trigger (one profile per cluster, Remote policyRefs)', () => {
    const et = applyDefaults(exampleObject('credentials-replication', 'EventTrigger') as EventTrigger);
    assert.equal(et.spec.oneForEvent, false);
    assert.equal(et.spec.syncMode, 'Continuous');
    assert.equal(et.spec.configMapGenerator?.[0]?.optional, false);
    assert.equal(et.spec.policyRefs?.[0]?.deploymentType, 'Remote');
    const es = applyDefaults(exampleObject('credentials-replication', 'EventSource') as EventSource);
    assert.equal(es.spec?.collectResources, false);
  });

  it('generated-settings: configMapGenerator and secretGenerator are EventTrigger fields', () => {
    const et = exampleObject('generated-settings', 'EventTrigger') as EventTrigger;
    assert.equal(et.spec.configMapGenerator?.length, 1);
    assert.equal(et.spec.secretGenerator?.length, 1);
    assertValid(et as unknown as ExampleObject);
  });

  it('cluster-inventory-kubeconfigs: four selectors with labelFilters Has and evaluateCEL, aggregatedSelection', () => {
    const es = exampleObject('cluster-inventory-kubeconfigs', 'EventSource') as EventSource;
    const selectors = es.spec?.resourceSelectors ?? [];
    assert.deepEqual(
      selectors.map((s) => [s.group, s.kind, s.labelFilters?.[0]?.operation]),
      [
        ['cluster.x-k8s.io', 'Cluster', 'Has'],
        ['', 'Secret', 'Has'],
        ['', 'Namespace', 'Has'],
        ['', 'Namespace', 'Has'],
      ],
    );
    assert.equal(selectors[1]?.evaluateCEL?.length, 1);
    assert.match(es.spec?.aggregatedSelection ?? '', /function evaluate\(\)/);
  });

  it('cross-cluster-service: a destination selector; the template is instantiated', () => {
    const et = exampleObject('cross-cluster-service', 'EventTrigger') as EventTrigger;
    assert.deepEqual(et.spec.destinationClusterSelector, { matchLabels: { dep: 'eng' } });
    const cm = exampleObject('cross-cluster-service', 'ConfigMap');
    assert.deepEqual(cm.metadata.annotations, { 'projectsveltos.io/instantiate': 'true' });
  });
});

describe('cross-cluster-service testdata: fields that lost their indentation', () => {
  it('is not a valid object: the API names the fields at the wrong level and the string selectors', () => {
    const docs = testdataDocuments('cross-cluster-service', 'misindented.yaml');
    assert.deepEqual(
      docs.map((d) => d.kind),
      ['EventSource', 'EventTrigger'],
    );
    for (const d of docs) {
      const errs = validate(d).map((e) => e.message);
      assert.ok(errs.includes('unknown field "name"'), JSON.stringify(errs));
    }
    const triggerErrors = validate(docs[1]).map((e) => e.message);
    for (const field of ['sourceClusterSelector', 'destinationClusterSelector', 'eventSourceName'])
      assert.ok(
        triggerErrors.includes(`unknown field "${field}"`),
        `${field} named in ${JSON.stringify(triggerErrors)}`,
      );
  });

  it('indented again, the string selectors are still refused: a selector is an object', () => {
    const [, flat] = testdataDocuments('cross-cluster-service', 'misindented.yaml');
    const { apiVersion, kind, name, metadata: _, spec: __, ...spec } = flat as Record<string, unknown>;
    const reindented = { apiVersion, kind, metadata: { name }, spec };
    assert.deepEqual(
      validate(reindented).map((e) => e.message),
      [
        'spec.sourceClusterSelector: Invalid value: "env=production": must be of type object',
        'spec.destinationClusterSelector: Invalid value: "dep=eng": must be of type object',
      ],
    );
  });
});

describe('the legacy/ folders: v1alpha1 as the documents wrote it', () => {
  const legacyFiles = (name: string): string[] => {
    const dir = new URL(`../../../examples/${name}/legacy/`, import.meta.url);
    return existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.endsWith('.yaml'))
          .map((f) => `legacy/${f}`)
      : [];
  };
  const withLegacy = exampleNames().filter((name) => legacyFiles(name).length > 0);

  it('network-policy-per-service and ingress-for-https-services have one', () => {
    assert.deepEqual(withLegacy, ['ingress-for-https-services', 'network-policy-per-service']);
  });

  for (const name of withLegacy) {
    for (const file of legacyFiles(name)) {
      it(`${name}/${file}: valid at v1alpha1, and so is what it means at v1beta1`, () => {
        for (const o of exampleDocuments(name, file).filter(isSveltos)) {
          assert.match(o.apiVersion, /\/v1alpha1$/, `${o.kind} ${o.metadata.name} is written at v1alpha1`);
          assertValid(o);
          const meaning: unknown =
            o.kind === EventBasedAddOnKind.kind
              ? eventBasedAddOnAsEventTrigger(o as unknown as EventBasedAddOn)
              : convertObject(o as unknown as KubeObject, o.apiVersion.replace(/v1alpha1$/, 'v1beta1'));
          assertValid(meaning as Record<string, unknown>);
        }
      });
    }
  }
});

describe('network-policy-per-service testdata: a misspelt field and the legacy v1alpha1 shape', () => {
  it('`labelsFilters` is an unknown field of a resource selector; the example spells it right', () => {
    const [typo] = testdataDocuments('network-policy-per-service', 'misspelt-labelfilters.yaml');
    assert.deepEqual(
      validate(typo).map((e) => e.message),
      ['unknown field "spec.resourceSelectors[0].labelsFilters"'],
    );
    const example = exampleObject('network-policy-per-service', 'EventSource');
    assert.equal((example as EventSource).spec?.resourceSelectors?.[0]?.labelFilters?.length, 1);
    assertValid(example);
  });

  it('v1alpha1 is served: its schema accepts the flat form and names the misspelt field', () => {
    const [source, addOn] = testdataDocuments('network-policy-per-service', 'legacy-v1alpha1.yaml');
    assert.deepEqual(
      validate(source).map((e) => e.message),
      ['unknown field "spec.labelsFilters"'],
    );
    assertValid(addOn!);
  });

  it('the flat v1alpha1 spec against the v1beta1 schema: every flat field, the typo included, is unknown', () => {
    const [source] = testdataDocuments('network-policy-per-service', 'legacy-v1alpha1.yaml');
    const unknown = validateValue(EventSourceKind.schema, source)
      .filter((e) => e.type === 'unknown')
      .map((e) => e.path)
      .sort();
    assert.deepEqual(unknown, ['spec.group', 'spec.kind', 'spec.labelsFilters', 'spec.version']);
  });

  it("the agent's EventReport fixture: management-copy name and resources bytes", () => {
    const [report] = testdataDocuments('network-policy-per-service', 'eventreport.yaml');
    const spec = report!.spec as { resources: string };
    const [service] = decodeEventReportResources(spec.resources);
    assert.equal((service as { metadata: { name: string } }).metadata.name, 'orders');
    assert.equal(report!.metadata.name, eventReportName('Capi', 'services-wanting-a-policy', 'fv-workload'));
    assertValid(report!);
  });
});

describe('test data the management cluster needs as a source (cluster-inventory-kubeconfigs)', () => {
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

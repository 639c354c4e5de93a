import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyDefaults,
  type EventTrigger,
  EventTriggerKind,
  type FieldError,
  LIB_API_VERSION,
  validate,
  validateValue,
} from './index.ts';

function eventTrigger(spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: LIB_API_VERSION, kind: 'EventTrigger', metadata: { name: 'et' }, spec };
}
const minimal = { sourceClusterSelector: { matchLabels: { env: 'fv' } }, eventSourceName: 'es' };

function messages(errors: FieldError[]): string[] {
  return errors.map((e) => e.message);
}

describe('validate', () => {
  it('accepts a minimal EventTrigger', () => {
    assert.deepEqual(validate(eventTrigger(minimal)), []);
  });

  it('reports missing required fields', () => {
    assert.deepEqual(messages(validate(eventTrigger({ eventSourceName: 'es' }))), [
      'spec.sourceClusterSelector: Required value',
    ]);
    assert.deepEqual(
      messages(validate({ apiVersion: LIB_API_VERSION, kind: 'EventTrigger', metadata: {} })),
      ['spec: Required value'],
    );
    assert.deepEqual(
      validate(eventTrigger({ ...minimal, eventSourceName: '' })).map((e) => [e.path, e.type]),
      [['spec.eventSourceName', 'invalid']],
    );
  });

  it('reports unknown fields with their full path, like strict field validation', () => {
    const errs = validate(
      eventTrigger({ ...minimal, clusterSelector: 'env=fv', policyRefs: [{ kind: 'ConfigMap', nam: 'x' }] }),
    );
    assert.deepEqual(
      errs.filter((e) => e.type === 'unknown').map((e) => e.message),
      ['unknown field "spec.clusterSelector"', 'unknown field "spec.policyRefs[0].nam"'],
    );
  });

  it('rejects a string selector (the legacy v1alpha1 form)', () => {
    const errs = validate(eventTrigger({ ...minimal, sourceClusterSelector: 'env=production' }));
    assert.deepEqual(
      errs.map((e) => [e.path, e.type]),
      [['spec.sourceClusterSelector', 'type']],
    );
  });

  it('checks enums, minimum and int32', () => {
    const errs = validate(
      eventTrigger({
        ...minimal,
        syncMode: 'Sometimes',
        tier: 0,
        sourceClusterSelector: { matchExpressions: [{ key: 'a', operator: 'Like' }] },
      }),
    );
    assert.deepEqual(
      errs.map((e) => [e.path, e.type]),
      [
        ['spec.sourceClusterSelector.matchExpressions[0].operator', 'enum'],
        ['spec.syncMode', 'enum'],
        ['spec.tier', 'invalid'],
      ],
    );
    assert.equal(validate(eventTrigger({ ...minimal, tier: 2 ** 31 })).length, 1);
  });

  it('maxUpdate is an int or a string matching the pattern', () => {
    for (const ok of [5, '10%', '100%', '7']) {
      assert.deepEqual(validate(eventTrigger({ ...minimal, maxUpdate: ok })), [], String(ok));
    }
    for (const bad of ['101%', 'ten', true, 1.5]) {
      assert.equal(validate(eventTrigger({ ...minimal, maxUpdate: bad })).length, 1, String(bad));
    }
  });

  it('checks byte fields are base64', () => {
    const report = (resources: string) => ({
      apiVersion: LIB_API_VERSION,
      kind: 'EventReport',
      metadata: { name: 'r', namespace: 'projectsveltos' },
      spec: { clusterNamespace: '', clusterName: '', clusterType: '', eventSourceName: 'es', resources },
    });
    assert.deepEqual(validate(report(Buffer.from('{}\n---').toString('base64'))), []);
    assert.equal(validate(report('not base64!'))[0]?.path, 'spec.resources');
  });

  it('drops nulls like the API server (a null optional field is fine, a null required one is missing)', () => {
    assert.deepEqual(validate(eventTrigger({ ...minimal, tier: null })), []);
    assert.deepEqual(
      validate(eventTrigger({ ...minimal, eventSourceName: null })).map((e) => e.message),
      ['spec.eventSourceName: Required value'],
    );
  });

  it('keeps unknown fields under x-kubernetes-preserve-unknown-fields', () => {
    const cluster = {
      apiVersion: 'cluster.x-k8s.io/v1beta2',
      kind: 'Cluster',
      metadata: { name: 'c', namespace: 'default' },
      spec: {
        paused: false,
        controlPlaneRef: { name: 'cp' },
        topology: { version: 'v1.35.0', classRef: {} },
      },
      status: {
        initialization: { controlPlaneInitialized: true },
        conditions: [{ type: 'Available', status: 'True' }],
      },
    };
    assert.deepEqual(validate(cluster), []);
    assert.deepEqual(validate({ ...cluster, apiVersion: 'cluster.x-k8s.io/v1beta1' }), []);
    assert.equal(validate({ ...cluster, spec: { paused: 'yes' } })[0]?.path, 'spec.paused');
    const et = eventTrigger({
      ...minimal,
      helmCharts: [
        {
          repositoryURL: 'https://x',
          releaseName: 'r',
          releaseNamespace: 'n',
          options: { wait: true, anything: 1 },
        },
      ],
    });
    assert.deepEqual(validate(et), []);
  });

  it('reports duplicate keys of map lists', () => {
    const cp = {
      apiVersion: 'config.projectsveltos.io/v1beta1',
      kind: 'ClusterProfile',
      metadata: { name: 'p' },
      spec: {
        templateResourceRefs: [
          { identifier: 'A', resource: { kind: 'ConfigMap', name: 'a' } },
          { identifier: 'A', resource: { kind: 'ConfigMap', name: 'b' } },
        ],
      },
    };
    assert.equal(validate(cp)[0]?.path, 'spec.templateResourceRefs[1]');
  });

  it('names kinds and versions it does not serve', () => {
    assert.deepEqual(
      messages(validate({ apiVersion: 'lib.projectsveltos.io/v1alpha1', kind: 'EventTrigger' })),
      ['no kind "EventTrigger" is served in version "lib.projectsveltos.io/v1alpha1"'],
    );
  });

  it('validateValue works on a sub-schema with a path prefix', () => {
    const spec = EventTriggerKind.schema.properties?.spec;
    assert.ok(spec);
    assert.deepEqual(messages(validateValue(spec, { ...minimal, x: 1 }, 'spec')), ['unknown field "spec.x"']);
  });
});

describe('applyDefaults', () => {
  it('fills absent fields recursively, leaves set ones and returns a copy', () => {
    const input = eventTrigger({
      ...minimal,
      tier: 7,
      policyRefs: [{ kind: 'ConfigMap', name: 'a' }],
      configMapGenerator: [{ name: 'g', nameFormat: 'n' }],
    }) as EventTrigger;
    const out = applyDefaults(input);
    assert.notEqual(out, input);
    assert.equal(input.spec.syncMode, undefined);
    assert.deepEqual(out.spec, {
      ...minimal,
      tier: 7,
      oneForEvent: false,
      syncMode: 'Continuous',
      continueOnConflict: false,
      stopMatchingBehavior: 'WithdrawPolicies',
      reloader: false,
      cloudEventAction: 'Create',
      policyRefs: [
        {
          kind: 'ConfigMap',
          name: 'a',
          deploymentType: 'Remote',
          optional: false,
          tier: 100,
          skipNamespaceCreation: false,
          force: false,
        },
      ],
      configMapGenerator: [{ name: 'g', nameFormat: 'n', optional: false }],
    });
    assert.deepEqual(validate(out), []);
  });

  it('does not create absent objects to default their fields', () => {
    const out = applyDefaults({ apiVersion: LIB_API_VERSION, kind: 'EventSource', metadata: {} }) as Record<
      string,
      unknown
    >;
    assert.equal(out.spec, undefined);
    const withSpec = applyDefaults({
      apiVersion: LIB_API_VERSION,
      kind: 'EventSource',
      metadata: {},
      spec: {},
    });
    assert.deepEqual(withSpec.spec, { collectResources: false });
  });
});

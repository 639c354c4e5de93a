// What the simulation stores of its input, as the API server would store it (pure: plain objects).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asStored, checkClusterKey } from './input.ts';
import { Scopes } from './scope.ts';

describe('Scopes', () => {
  it('knows our kinds, built-in kinds, and custom kinds from CRDs in the input', () => {
    const scopes = new Scopes();
    assert.equal(scopes.namespaced('lib.projectsveltos.io/v1beta1', 'EventTrigger'), false);
    assert.equal(scopes.namespaced('lib.projectsveltos.io/v1beta1', 'EventReport'), true);
    assert.equal(scopes.namespaced('v1', 'Namespace'), false);
    assert.equal(scopes.namespaced('rbac.authorization.k8s.io/v1', 'ClusterRole'), false);
    assert.equal(scopes.namespaced('networking.k8s.io/v1', 'NetworkPolicy'), true);
    assert.equal(scopes.namespaced('example.com/v1', 'Widget'), undefined, 'unknown without its CRD');
    scopes.learn({
      kind: 'CustomResourceDefinition',
      spec: { group: 'example.com', names: { kind: 'Widget' }, scope: 'Cluster' },
    });
    assert.equal(scopes.namespaced('example.com/v1', 'Widget'), false);
  });
});

describe('asStored', () => {
  const scopes = new Scopes();
  it("a Secret's stringData becomes base64 data, typed Opaque", () => {
    const stored = asStored(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 's', namespace: 'x' },
        data: { a: 'YQ==' },
        stringData: { b: 'bee' },
      },
      scopes,
    ) as unknown as { data: Record<string, string>; type: string; stringData?: unknown };
    assert.deepEqual(stored.data, { a: 'YQ==', b: Buffer.from('bee').toString('base64') });
    assert.equal(stored.type, 'Opaque');
    assert.equal(stored.stringData, undefined);
  });
  it('namespaced objects without a namespace go to default; cluster-scoped ones lose theirs', () => {
    assert.equal(
      asStored({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }, scopes).metadata.namespace,
      'default',
    );
    assert.equal(
      asStored({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', namespace: 'x' } }, scopes)
        .metadata.namespace,
      undefined,
    );
  });
  it('CRD defaults of our kinds are filled in', () => {
    const stored = asStored(
      {
        apiVersion: 'lib.projectsveltos.io/v1beta1',
        kind: 'EventTrigger',
        metadata: { name: 't' },
        spec: {
          sourceClusterSelector: {},
          eventSourceName: 'e',
          policyRefs: [{ kind: 'ConfigMap', namespace: 'd', name: 'p' }],
        },
      },
      scopes,
    ) as unknown as { spec: { policyRefs: { deploymentType?: string }[] } };
    assert.equal(stored.spec.policyRefs[0]!.deploymentType, 'Remote');
  });
});

describe('checkClusterKey', () => {
  it('accepts <namespace>/<name> and refuses anything else as usage', () => {
    assert.equal(checkClusterKey('fleet/edge-1', 'x'), 'fleet/edge-1');
    for (const bad of ['edge', 'Fleet/edge', 'fleet/edge/x', '/edge'])
      assert.throws(
        () => checkClusterKey(bad, '--cluster-objects'),
        /is not <namespace>\/<name> of a cluster/,
      );
  });
});

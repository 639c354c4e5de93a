import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CapiCluster, SveltosCluster } from '@sveltos-ts/api';
import { ClusterError } from './errors.ts';
import { kubeconfigFromSecret, kubeconfigSecretRef } from './kubeconfig.ts';
import { capiClusterReady } from './readiness.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const sveltos = (spec: SveltosCluster['spec'] = {}): SveltosCluster => ({
  apiVersion: 'lib.projectsveltos.io/v1beta1',
  kind: 'SveltosCluster',
  metadata: { name: 'c1', namespace: 'ns' },
  spec,
});
const capi = (status: CapiCluster['status']): CapiCluster => ({
  apiVersion: 'cluster.x-k8s.io/v1beta2',
  kind: 'Cluster',
  metadata: { name: 'k', namespace: 'ns' },
  status,
});

describe('kubeconfig Secret resolution', () => {
  it('SveltosCluster: default name and key rules; spec overrides', () => {
    assert.deepEqual(kubeconfigSecretRef('Sveltos', sveltos()), {
      namespace: 'ns',
      name: 'c1-sveltos-kubeconfig',
      key: undefined,
    });
    assert.deepEqual(
      kubeconfigSecretRef('Sveltos', sveltos({ kubeconfigName: 's', kubeconfigKeyName: 'k' })),
      {
        namespace: 'ns',
        name: 's',
        key: 'k',
      },
    );
    const ref = kubeconfigSecretRef('Sveltos', sveltos());
    assert.equal(kubeconfigFromSecret(ref, { data: { other: b64('o'), kubeconfig: b64('A') } }), 'A');
    assert.equal(kubeconfigFromSecret(ref, { data: { other: b64('o'), value: b64('B') } }), 'B');
    assert.equal(kubeconfigFromSecret(ref, { data: { only: b64('C') } }), 'C');
  });

  it('CAPI: <name>-kubeconfig, key value', () => {
    assert.deepEqual(kubeconfigSecretRef('Capi', capi({})), {
      namespace: 'ns',
      name: 'k-kubeconfig',
      key: 'value',
    });
  });

  it('missing Secret or key: typed, retryable errors naming the Secret', () => {
    const ref = kubeconfigSecretRef('Sveltos', sveltos());
    assert.throws(
      () => kubeconfigFromSecret(ref, undefined),
      (e: unknown) => e instanceof ClusterError && e.code === 'KUBECONFIG_SECRET_NOT_FOUND' && e.retryable,
    );
    assert.throws(
      () => kubeconfigFromSecret(ref, { data: { a: b64('1'), b: b64('2') } }),
      (e: unknown) =>
        e instanceof ClusterError &&
        e.code === 'KUBECONFIG_KEY_NOT_FOUND' &&
        /ns\/c1-sveltos/.test(e.message),
    );
    const explicit = kubeconfigSecretRef('Sveltos', sveltos({ kubeconfigKeyName: 'k' }));
    assert.throws(
      () => kubeconfigFromSecret(explicit, { data: { kubeconfig: b64('x') } }),
      /kubeconfigKeyName/,
    );
  });
});

describe('capiClusterReady', () => {
  it('condition ControlPlaneInitialized wins, else status.initialization', () => {
    assert.equal(
      capiClusterReady(capi({ conditions: [{ type: 'ControlPlaneInitialized', status: 'True' }] })),
      true,
    );
    assert.equal(
      capiClusterReady(
        capi({
          conditions: [{ type: 'ControlPlaneInitialized', status: 'False' }],
          initialization: { controlPlaneInitialized: true },
        }),
      ),
      false,
    );
    assert.equal(capiClusterReady(capi({ initialization: { controlPlaneInitialized: true } })), true);
    assert.equal(capiClusterReady(capi(undefined)), false);
  });
});

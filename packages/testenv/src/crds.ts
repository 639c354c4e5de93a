import { setTimeout as sleep } from 'node:timers/promises';
import {
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { TestEnvError } from './errors.ts';

/**
 * Applies CRDs and waits until each is Established and its resource is actually served (discovery lags
 * the Established condition by a moment, and the first create would fail in between).
 */
export async function installCrds(
  kubeConfig: KubeConfig,
  crds: readonly object[],
  timeoutMs = 60_000,
): Promise<void> {
  const client = KubernetesObjectApi.makeApiClient(kubeConfig);
  for (const crd of crds as KubernetesObject[]) {
    await client.patch(crd, undefined, undefined, 'testenv', true, PatchStrategy.ServerSideApply);
  }
  const deadline = Date.now() + timeoutMs;
  for (const crd of crds as V1CustomResourceDefinition[]) {
    const name = crd.metadata?.name ?? '';
    const storage = crd.spec.versions.find((version) => version.storage) ?? crd.spec.versions[0];
    const apiVersion = `${crd.spec.group}/${storage?.name}`;
    for (;;) {
      try {
        const current = (await client.read({
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name },
        })) as V1CustomResourceDefinition;
        const established = current.status?.conditions?.some(
          (c) => c.type === 'Established' && c.status === 'True',
        );
        if (established) {
          await client.list(
            apiVersion,
            crd.spec.names.kind,
            undefined,
            undefined,
            undefined,
            undefined,
            undefined,
            undefined,
            1,
          );
          break;
        }
      } catch {
        // not served yet
      }
      if (Date.now() > deadline)
        throw new TestEnvError('TESTENV_START', `CRD ${name} not served after ${timeoutMs} ms`);
      await sleep(100);
    }
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import { TestEnvError } from './errors.ts';
import { type HttpsTarget, httpsJson } from './http.ts';

interface Crd {
  metadata: { name: string };
  spec: {
    group: string;
    names: { plural: string };
    versions: Array<{ name: string; served?: boolean; storage?: boolean }>;
  };
  status?: { conditions?: Array<{ type: string; status: string }> };
}

/**
 * Applies CRDs and waits until each is Established and its resource is actually served (discovery lags
 * the Established condition by a moment, and the first create would fail in between).
 *
 * The manifests go over the wire as plain JSON on purpose: client-node's typed models drop the
 * `x-kubernetes-*` schema extensions when they are written in their JSON spelling.
 */
export async function installCrds(
  target: HttpsTarget,
  crds: readonly object[],
  timeoutMs = 60_000,
): Promise<void> {
  const base = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
  for (const crd of crds as Crd[]) {
    const { status, body } = await httpsJson(
      target,
      'PATCH',
      `${base}/${crd.metadata.name}?fieldManager=testenv&force=true`,
      crd,
      'application/apply-patch+yaml',
    );
    if (status !== 200 && status !== 201) {
      const message = (body as { message?: string }).message ?? JSON.stringify(body);
      throw new TestEnvError(
        'TESTENV_START',
        `CRD ${crd.metadata.name} refused (HTTP ${status}): ${message}`,
      );
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (const crd of crds as Crd[]) {
    // the storage version: reading another one may need a conversion webhook that is not running yet
    const version = (
      crd.spec.versions.find((v) => v.storage && v.served !== false) ??
      crd.spec.versions.find((v) => v.served !== false)
    )?.name;
    const resourcePath = `/apis/${crd.spec.group}/${version}/${crd.spec.names.plural}?limit=1`;
    for (;;) {
      const current = await httpsJson(target, 'GET', `${base}/${crd.metadata.name}`);
      const established = (current.body as Crd).status?.conditions?.some(
        (c) => c.type === 'Established' && c.status === 'True',
      );
      if (established && (await httpsJson(target, 'GET', resourcePath)).status === 200) break;
      if (Date.now() > deadline) {
        throw new TestEnvError(
          'TESTENV_START',
          `CRD ${crd.metadata.name} not served after ${timeoutMs / 1000} s`,
        );
      }
      await sleep(100);
    }
  }
}

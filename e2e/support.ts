import { crds } from '@sveltos-ts/api';
import { RestClient } from '@sveltos-ts/kube';
import { sharedTestEnv, type TestEnv } from '@sveltos-ts/testenv';

/** The run's shared bed with our CRDs installed (see global-setup.ts). */
export function testBed(): Promise<TestEnv> {
  return sharedTestEnv({ crds });
}

/** A namespace name unique to this test, so tests sharing a bed never see each other's objects. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

export async function createNamespace(client: RestClient, name: string): Promise<void> {
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

export async function adminClient(cluster = 'mgmt'): Promise<RestClient> {
  return new RestClient((await testBed()).cluster(cluster).kubeConfig());
}

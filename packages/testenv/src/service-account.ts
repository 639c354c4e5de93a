import {
  CoreV1Api,
  type KubeConfig,
  RbacAuthorizationV1Api,
  type V1PolicyRule,
} from '@kubernetes/client-node';
import { kubeconfigYaml, loadKubeConfig } from './kubeconfig.ts';

export interface ServiceAccountGrant {
  namespace: string;
  name: string;
  /** Rules granted in `namespace` (a Role and RoleBinding named after the ServiceAccount). */
  rules?: V1PolicyRule[];
  /** Rules granted cluster-wide (a ClusterRole and ClusterRoleBinding). */
  clusterRules?: V1PolicyRule[];
  expirationSeconds?: number;
}

export interface ServiceAccountCredentials {
  token: string;
  kubeconfigYaml: string;
  kubeConfig(): KubeConfig;
}

function isConflict(error: unknown): boolean {
  return (error as { code?: number }).code === 409;
}

async function createOrKeep(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if (!isConflict(error)) throw error;
  }
}

/**
 * Creates a ServiceAccount with exactly the given permissions and returns a kubeconfig holding a token
 * requested for it (TokenRequest API), as a real workload or a remote agent would authenticate.
 */
export async function mintServiceAccountKubeconfig(
  admin: KubeConfig,
  grant: ServiceAccountGrant,
): Promise<ServiceAccountCredentials> {
  const core = admin.makeApiClient(CoreV1Api);
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  const { namespace, name } = grant;
  await createOrKeep(() => core.createNamespace({ body: { metadata: { name: namespace } } }));
  await createOrKeep(() => core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } }));
  const subject = { kind: 'ServiceAccount', name, namespace };
  if (grant.rules) {
    await createOrKeep(() =>
      rbac.createNamespacedRole({ namespace, body: { metadata: { name }, rules: grant.rules } }),
    );
    await createOrKeep(() =>
      rbac.createNamespacedRoleBinding({
        namespace,
        body: {
          metadata: { name },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
          subjects: [subject],
        },
      }),
    );
  }
  if (grant.clusterRules) {
    const clusterName = `${namespace}-${name}`;
    await createOrKeep(() =>
      rbac.createClusterRole({ body: { metadata: { name: clusterName }, rules: grant.clusterRules } }),
    );
    await createOrKeep(() =>
      rbac.createClusterRoleBinding({
        body: {
          metadata: { name: clusterName },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterName },
          subjects: [subject],
        },
      }),
    );
  }
  const tokenRequest = await core.createNamespacedServiceAccountToken({
    namespace,
    name,
    body: { spec: { audiences: [], expirationSeconds: grant.expirationSeconds ?? 24 * 3600 } },
  });
  const token = tokenRequest.status?.token ?? '';
  const cluster = admin.getCurrentCluster();
  const caPem = cluster?.caData ? Buffer.from(cluster.caData, 'base64').toString() : '';
  const yaml = kubeconfigYaml({
    clusterName: cluster?.name ?? 'cluster',
    server: cluster?.server ?? '',
    caPem,
    user: `system:serviceaccount:${namespace}:${name}`,
    token,
  });
  return { token, kubeconfigYaml: yaml, kubeConfig: () => loadKubeConfig(yaml) };
}

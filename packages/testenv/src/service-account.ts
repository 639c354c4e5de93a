import { type KubeConfig, type KubeObject, RestClient } from '@sveltos-ts/kube';
import { kubeconfigYaml, loadKubeConfig } from './kubeconfig.ts';

/** An RBAC rule (rbac.authorization.k8s.io/v1 PolicyRule). */
export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

export interface ServiceAccountGrant {
  namespace: string;
  name: string;
  /** Rules granted in `namespace` (a Role and RoleBinding named after the ServiceAccount). */
  rules?: PolicyRule[];
  /** Rules granted cluster-wide (a ClusterRole and ClusterRoleBinding). */
  clusterRules?: PolicyRule[];
  expirationSeconds?: number;
}

export interface ServiceAccountCredentials {
  token: string;
  kubeconfigYaml: string;
  kubeConfig(): KubeConfig;
}

async function createOrKeep(client: RestClient, object: KubeObject): Promise<void> {
  try {
    await client.create(object);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ALREADY_EXISTS') throw error;
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
  const client = new RestClient(admin);
  const { namespace, name } = grant;
  await createOrKeep(client, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  await createOrKeep(client, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
  const subject = { kind: 'ServiceAccount', name, namespace };
  const rbac = 'rbac.authorization.k8s.io/v1';
  if (grant.rules) {
    await createOrKeep(client, {
      apiVersion: rbac,
      kind: 'Role',
      metadata: { name, namespace },
      rules: grant.rules,
    });
    await createOrKeep(client, {
      apiVersion: rbac,
      kind: 'RoleBinding',
      metadata: { name, namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [subject],
    });
  }
  if (grant.clusterRules) {
    const clusterName = `${namespace}-${name}`;
    await createOrKeep(client, {
      apiVersion: rbac,
      kind: 'ClusterRole',
      metadata: { name: clusterName },
      rules: grant.clusterRules,
    });
    await createOrKeep(client, {
      apiVersion: rbac,
      kind: 'ClusterRoleBinding',
      metadata: { name: clusterName },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterName },
      subjects: [subject],
    });
  }
  const tokenRequest = await client.request<{ status?: { token?: string } }>(
    'POST',
    `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
    {
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { audiences: [], expirationSeconds: grant.expirationSeconds ?? 24 * 3600 },
      },
    },
  );
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

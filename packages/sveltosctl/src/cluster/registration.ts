// What `register cluster`, `register agent`, `deregister cluster` and `generate kubeconfig` do to a cluster.
// Each returns the steps it took, so the command can say what changed; re-running converges (idempotent).

import {
  type ClusterType,
  clusterRef,
  kubeconfigSecretName,
  LIB_GROUP,
  SVELTOS_KUBECONFIG_SECRET_KEY,
  type SveltosCluster,
  SveltosClusterKind,
} from '@sveltos-ts/api';
import { isKubeError, type KubeObject, type RestClient } from '@sveltos-ts/kube';
import { CliError, EXIT_FAILED } from '../errors.ts';
import { type IssuedToken, type ManagedKubeconfig, requestToken, tokenKubeconfig } from '../kubeconfig.ts';

export const FIELD_MANAGER = 'sveltosctl';
/** On every object sveltosctl creates for an agent: deregister deletes only objects carrying it. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'sveltosctl';
/** On the agent's ServiceAccount, Role and RoleBinding: the cluster they are for. */
export const AGENT_CLUSTER_LABEL = 'projectsveltos.io/cluster-name';

/** One thing a command did (or found it did not need to do). */
export interface Step {
  object: string;
  result: 'created' | 'updated' | 'unchanged' | 'deleted' | 'kept' | 'not found';
  detail?: string | undefined;
}

export function stepLine(step: Step): string {
  return `${step.object} ${step.result}${step.detail ? ` (${step.detail})` : ''}`;
}

type Secret = KubeObject & { data?: Record<string, string> };

const describe = (o: { kind: string; metadata: { name: string; namespace?: string | undefined } }): string =>
  `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

// ---- labels ---------------------------------------------------------------------------------------------

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** `k=v,k2=v2` as upstream's `--labels`; keys and values must be valid Kubernetes labels. */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  if (text.trim() === '') return labels;
  for (const pair of text.split(',')) {
    const parts = pair.split('=');
    if (parts.length !== 2)
      throw new CliError(
        'INVALID_LABELS',
        `--labels: "${pair}" is not key=value (pairs are separated by commas)`,
      );
    const key = parts[0]!.trim();
    const value = parts[1]!.trim();
    const slash = key.lastIndexOf('/');
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    if (
      name.length > 63 ||
      !NAME.test(name) ||
      (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)))
    )
      throw new CliError('INVALID_LABELS', `--labels: "${key}" is not a valid label key`);
    if (value.length > 63 || (value !== '' && !NAME.test(value)))
      throw new CliError('INVALID_LABELS', `--labels: "${value}" (for ${key}) is not a valid label value`);
    labels[key] = value;
  }
  return labels;
}

export const labelsText = (labels: Record<string, string> | undefined): string =>
  Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',') || 'none';

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const left = a ?? {};
  return (
    Object.keys(left).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => left[k] === v)
  );
}

// ---- register cluster -----------------------------------------------------------------------------------

export interface RegisterClusterInput {
  namespace: string;
  cluster: string;
  kubeconfig: ManagedKubeconfig;
  /** The SveltosCluster's labels become exactly these; undefined leaves them as they are. */
  labels?: Record<string, string> | undefined;
}

/**
 * Creates or updates the kubeconfig Secret (first, so the controllers never see a SveltosCluster without
 * one) and the SveltosCluster. The Secret is the one Sveltos reads: spec.kubeconfigName/KeyName of an
 * existing SveltosCluster, else `<cluster>-sveltos-kubeconfig` with key `kubeconfig`.
 */
export async function registerCluster(client: RestClient, input: RegisterClusterInput): Promise<Step[]> {
  const { namespace, cluster } = input;
  const steps: Step[] = [];
  const ns = await client.getOrUndefined({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
  if (!ns) {
    await client.create(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      FIELD_MANAGER,
    );
    steps.push({ object: `Namespace ${namespace}`, result: 'created', detail: 'it did not exist' });
  } else if (ns.metadata.deletionTimestamp) {
    throw new CliError('NAMESPACE_TERMINATING', `namespace ${namespace} is being deleted`, EXIT_FAILED);
  }

  const ref = {
    apiVersion: SveltosClusterKind.apiVersion,
    kind: SveltosClusterKind.kind,
    namespace,
    name: cluster,
  };
  const existing = await client.getOrUndefined<SveltosCluster & KubeObject>(ref);
  const secretName = existing?.spec?.kubeconfigName || kubeconfigSecretName('Sveltos', cluster);
  const key = existing?.spec?.kubeconfigKeyName || SVELTOS_KUBECONFIG_SECRET_KEY;
  const data = Buffer.from(input.kubeconfig.text, 'utf8').toString('base64');
  const secretRef = { apiVersion: 'v1', kind: 'Secret', namespace, name: secretName };
  const secret = await client.getOrUndefined<Secret>(secretRef);
  const secretLabel = `Secret ${namespace}/${secretName}`;
  if (!secret) {
    await client.create<Secret>(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: secretName, namespace },
        type: 'Opaque',
        data: { [key]: data },
      },
      FIELD_MANAGER,
    );
    steps.push({
      object: secretLabel,
      result: 'created',
      detail: `key ${key}: kubeconfig of ${input.kubeconfig.server}`,
    });
  } else if (secret.data?.[key] === data) {
    steps.push({ object: secretLabel, result: 'unchanged', detail: 'same kubeconfig' });
  } else {
    await client.mergePatch(secretRef, {
      metadata: { resourceVersion: secret.metadata.resourceVersion },
      data: { [key]: data },
    });
    steps.push({
      object: secretLabel,
      result: 'updated',
      detail:
        secret.data?.[key] === undefined
          ? `key ${key} added`
          : `the cluster was registered with a different kubeconfig; key ${key} now holds the one of ${input.kubeconfig.server}`,
    });
  }

  const clusterLabel = `SveltosCluster ${namespace}/${cluster}`;
  if (!existing) {
    await client.create(
      {
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: { name: cluster, namespace, labels: input.labels ?? {} },
        spec: {},
      },
      FIELD_MANAGER,
    );
    steps.push({ object: clusterLabel, result: 'created', detail: `labels: ${labelsText(input.labels)}` });
  } else if (input.labels && !sameLabels(existing.metadata.labels, input.labels)) {
    const labels: Record<string, string | null> = { ...input.labels };
    for (const k of Object.keys(existing.metadata.labels ?? {})) if (!(k in input.labels)) labels[k] = null;
    await client.mergePatch(ref, {
      metadata: { resourceVersion: existing.metadata.resourceVersion, labels },
    });
    steps.push({
      object: clusterLabel,
      result: 'updated',
      detail: `labels: ${labelsText(input.labels)} (were: ${labelsText(existing.metadata.labels)})`,
    });
  } else {
    steps.push({
      object: clusterLabel,
      result: 'unchanged',
      detail: `labels: ${labelsText(existing.metadata.labels)}`,
    });
  }
  return steps;
}

// ---- agent credentials ----------------------------------------------------------------------------------

/** Name of the ServiceAccount, Role and RoleBinding of a cluster's agent (in the cluster's namespace). */
export function agentAccountName(cluster: string): string {
  return `sveltos-agent-${cluster}`;
}

/**
 * What an agent in the managed cluster does in the management cluster (packages/sveltos-agent): reads,
 * server-side-applies and deletes its EventReports, and records Warning Events about them, in its cluster's
 * namespace only.
 */
export const AGENT_RULES = [
  {
    apiGroups: [LIB_GROUP],
    resources: ['eventreports'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
  },
  { apiGroups: [''], resources: ['events'], verbs: ['create'] },
];

/** Name of the Secret in the managed cluster the chart mounts (charts/sveltos-agent values.yaml). */
export const AGENT_SECRET_NAME = 'sveltos-agent-management-kubeconfig';
export const AGENT_SECRET_KEY = 'kubeconfig';

/** Server-side applies `object` unless an object of that name exists that sveltosctl did not create. */
async function applyOwned(client: RestClient, object: KubeObject): Promise<Step> {
  const ref = { ...object, name: object.metadata.name, namespace: object.metadata.namespace };
  const before = await client.getOrUndefined(ref);
  if (before && before.metadata.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY)
    throw new CliError(
      'NOT_OURS',
      `${describe(object)} exists and was not created by sveltosctl (no label ${MANAGED_BY_LABEL}=${MANAGED_BY}); ` +
        'delete or rename it first',
      EXIT_FAILED,
    );
  const after = await client.apply(object, { fieldManager: FIELD_MANAGER, force: true });
  return {
    object: describe(object),
    result: !before
      ? 'created'
      : before.metadata.resourceVersion === after.metadata.resourceVersion
        ? 'unchanged'
        : 'updated',
  };
}

export interface RegisterAgentInput {
  namespace: string;
  cluster: string;
  clusterType: ClusterType;
  /** Lifetime of the minted token (the API server may shorten it). */
  expirationSeconds: number;
  /** Management API server address as the managed cluster reaches it (default: the kubeconfig's). */
  server?: string | undefined;
}

export interface AgentCredentials {
  steps: Step[];
  serviceAccount: { namespace: string; name: string };
  kubeconfig: string;
  expirationTimestamp: string;
}

/**
 * Gives the agent of a registered cluster its own identity in the management cluster: a ServiceAccount
 * with a Role allowing EventReports (and Events) in the cluster's namespace only, and a kubeconfig holding
 * a token requested for it.
 */
export async function registerAgent(
  client: RestClient,
  input: RegisterAgentInput,
): Promise<AgentCredentials> {
  const { namespace, cluster } = input;
  const ref = clusterRef(input.clusterType, namespace, cluster);
  let registered: KubeObject | undefined;
  try {
    registered = await client.getOrUndefined(ref);
  } catch (error) {
    // a Capi cluster where Cluster API is not installed is simply not registered
    if (!isKubeError(error, 'UNKNOWN_KIND')) throw error;
  }
  if (!registered)
    throw new CliError(
      'CLUSTER_NOT_FOUND',
      `${ref.kind} ${namespace}/${cluster} not found: register the cluster first ` +
        '(sveltosctl register cluster ... --agent-in-managed-cluster does both)',
      EXIT_FAILED,
    );
  const name = agentAccountName(cluster);
  const labels = {
    [MANAGED_BY_LABEL]: MANAGED_BY,
    [AGENT_CLUSTER_LABEL]: cluster,
    'app.kubernetes.io/component': 'sveltos-agent',
  };
  const metadata = { name, namespace, labels };
  const steps: Step[] = [];
  steps.push(await applyOwned(client, { apiVersion: 'v1', kind: 'ServiceAccount', metadata }));
  steps.push(
    await applyOwned(client, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata,
      rules: AGENT_RULES,
    }),
  );
  steps.push(
    await applyOwned(client, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    }),
  );
  const issued = await requestToken(client, namespace, name, input.expirationSeconds);
  const kubeconfig = tokenKubeconfig({
    issuer: client.kubeConfig,
    server: input.server,
    clusterName: 'management',
    user: name,
    token: issued.token,
    namespace,
  });
  return {
    steps,
    serviceAccount: { namespace, name },
    kubeconfig,
    expirationTimestamp: issued.expirationTimestamp,
  };
}

// ---- deregister cluster ---------------------------------------------------------------------------------

/**
 * Deletes the SveltosCluster (first, so the controllers stop using the cluster before its kubeconfig goes),
 * its kubeconfig Secret and the agent's ServiceAccount, Role and RoleBinding when sveltosctl created them.
 */
export async function deregisterCluster(
  client: RestClient,
  input: { namespace: string; cluster: string },
): Promise<Step[]> {
  const { namespace, cluster } = input;
  const ref = {
    apiVersion: SveltosClusterKind.apiVersion,
    kind: SveltosClusterKind.kind,
    namespace,
    name: cluster,
  };
  const existing = await client.getOrUndefined<SveltosCluster & KubeObject>(ref);
  if (!existing)
    throw new CliError(
      'NOT_REGISTERED',
      `SveltosCluster ${namespace}/${cluster} not found: the cluster is not registered (nothing deleted)`,
      EXIT_FAILED,
    );
  const steps: Step[] = [];
  await client.delete(ref, { uid: existing.metadata.uid });
  steps.push({ object: `SveltosCluster ${namespace}/${cluster}`, result: 'deleted' });

  const secretName = kubeconfigSecretName('Sveltos', cluster);
  const deleted = await client.delete({ apiVersion: 'v1', kind: 'Secret', namespace, name: secretName });
  steps.push({ object: `Secret ${namespace}/${secretName}`, result: deleted ? 'deleted' : 'not found' });
  const custom = existing.spec?.kubeconfigName;
  if (custom && custom !== secretName)
    steps.push({
      object: `Secret ${namespace}/${custom}`,
      result: 'kept',
      detail: 'named by spec.kubeconfigName; delete it yourself',
    });

  const name = agentAccountName(cluster);
  for (const [apiVersion, kind] of [
    ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
    ['rbac.authorization.k8s.io/v1', 'Role'],
    ['v1', 'ServiceAccount'],
  ] as const) {
    const objRef = { apiVersion, kind, namespace, name };
    const found = await client.getOrUndefined(objRef);
    if (!found) continue;
    if (found.metadata.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY) {
      steps.push({
        object: `${kind} ${namespace}/${name}`,
        result: 'kept',
        detail: 'not created by sveltosctl',
      });
      continue;
    }
    await client.delete(objRef, { uid: found.metadata.uid });
    steps.push({ object: `${kind} ${namespace}/${name}`, result: 'deleted' });
  }
  return steps;
}

// ---- generate kubeconfig --------------------------------------------------------------------------------

export interface GenerateKubeconfigInput {
  namespace: string;
  serviceAccount: string;
  /** Create the namespace, the ServiceAccount and a ClusterRoleBinding to cluster-admin when missing. */
  create: boolean;
  /** 0: the API server's default lifetime. */
  expirationSeconds: number;
}

/** Name of the ClusterRoleBinding `generate kubeconfig --create` makes. */
export function adminBindingName(namespace: string, serviceAccount: string): string {
  return `sveltos:${namespace}:${serviceAccount}`;
}

/** A kubeconfig for a ServiceAccount of the cluster `client` talks to (the cluster to register). */
export async function generateKubeconfig(
  client: RestClient,
  input: GenerateKubeconfigInput,
): Promise<{ steps: Step[]; kubeconfig: string; token: IssuedToken }> {
  const { namespace, serviceAccount } = input;
  const steps: Step[] = [];
  const nsRef = { apiVersion: 'v1', kind: 'Namespace', name: namespace };
  const saRef = { apiVersion: 'v1', kind: 'ServiceAccount', namespace, name: serviceAccount };
  const missing = (what: string) =>
    new CliError(
      'NOT_FOUND',
      `${what} not found in the cluster; pass --create to create the namespace, the ServiceAccount and its ` +
        'cluster-admin binding',
      EXIT_FAILED,
    );
  if (!(await client.getOrUndefined(nsRef))) {
    if (!input.create) throw missing(`namespace ${namespace}`);
    await client.create(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      FIELD_MANAGER,
    );
    steps.push({ object: `Namespace ${namespace}`, result: 'created' });
  }
  if (!(await client.getOrUndefined(saRef))) {
    if (!input.create) throw missing(`ServiceAccount ${namespace}/${serviceAccount}`);
    await client.create(
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: serviceAccount, namespace } },
      FIELD_MANAGER,
    );
    steps.push({ object: `ServiceAccount ${namespace}/${serviceAccount}`, result: 'created' });
  }
  if (input.create) {
    steps.push(
      await applyOwned(client, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: {
          name: adminBindingName(namespace, serviceAccount),
          labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
        },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }],
      }),
    );
  }
  const token = await requestToken(client, namespace, serviceAccount, input.expirationSeconds);
  const kubeconfig = tokenKubeconfig({
    issuer: client.kubeConfig,
    clusterName: client.kubeConfig.getCurrentCluster()?.name || 'cluster',
    user: serviceAccount,
    token: token.token,
    namespace,
  });
  return { steps, kubeconfig, token };
}

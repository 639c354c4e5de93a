// Tenant profiles are applied as the tenant: the managed-cluster client impersonates the ServiceAccount the
// profile names (labels projectsveltos.io/serviceaccount-name/-namespace), so the cluster's RBAC decides.

import { KubeConfig, type RequestContext } from '@kubernetes/client-node';
import { SERVICE_ACCOUNT_NAME_LABEL, SERVICE_ACCOUNT_NAMESPACE_LABEL } from '@sveltos-ts/api';
import { RestClient } from '@sveltos-ts/kube';

/** The user a profile's resources are applied as, or undefined (the cluster's own credentials). */
export function tenantUser(labels: Readonly<Record<string, string>> | undefined): string | undefined {
  const name = labels?.[SERVICE_ACCOUNT_NAME_LABEL];
  if (!name) return undefined;
  const namespace = labels?.[SERVICE_ACCOUNT_NAMESPACE_LABEL] || 'default';
  return `system:serviceaccount:${namespace}:${name}`;
}

class ImpersonatingKubeConfig extends KubeConfig {
  readonly #user: string;
  constructor(base: KubeConfig, user: string) {
    super();
    this.loadFromString(base.exportConfig());
    this.#user = user;
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    context.setHeaderParam('Impersonate-User', this.#user);
  }
}

const cache = new WeakMap<RestClient, Map<string, RestClient>>();

/** `client`, or a client with the same credentials impersonating `user` (cached per client). */
export function impersonating(client: RestClient, user: string | undefined): RestClient {
  if (user === undefined) return client;
  let perUser = cache.get(client);
  if (perUser === undefined) {
    perUser = new Map();
    cache.set(client, perUser);
  }
  let c = perUser.get(user);
  if (c === undefined) {
    c = new RestClient(new ImpersonatingKubeConfig(client.kubeConfig, user));
    perUser.set(user, c);
  }
  return c;
}

// Tenant profiles are applied as the tenant: the managed-cluster client impersonates the ServiceAccount the
// profile names (labels projectsveltos.io/serviceaccount-name/-namespace), so the cluster's RBAC decides.

import { SERVICE_ACCOUNT_NAME_LABEL, SERVICE_ACCOUNT_NAMESPACE_LABEL } from '@sveltos-ts/api';
import { loadKubeConfig, RestClient } from '@sveltos-ts/kube';

/** The user a profile's resources are applied as, or undefined (the cluster's own credentials). */
export function tenantUser(labels: Readonly<Record<string, string>> | undefined): string | undefined {
  const name = labels?.[SERVICE_ACCOUNT_NAME_LABEL];
  if (!name) return undefined;
  const namespace = labels?.[SERVICE_ACCOUNT_NAMESPACE_LABEL] || 'default';
  return `system:serviceaccount:${namespace}:${name}`;
}

/** A copy of `client`'s kubeconfig whose current user impersonates `user` (helm gets it as `as:`). */
function impersonatingConfig(client: RestClient, user: string) {
  const config = loadKubeConfig({ text: client.kubeConfig.exportConfig() });
  const current = config.getCurrentUser();
  if (current) current.impersonate = user;
  else {
    // a kubeconfig without a user (anonymous): impersonation still needs one to hang on
    const context = config.getContextObject(config.getCurrentContext());
    config.users.push({ name: 'impersonating', impersonate: user });
    if (context) context.user = 'impersonating';
  }
  return config;
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
    c = new RestClient(impersonatingConfig(client, user));
    perUser.set(user, c);
  }
  return c;
}

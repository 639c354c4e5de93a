// Object names: validation of rendered names, and the default source of new generated names.

import { createHash } from 'node:crypto';
import { PlanError } from './errors.ts';

const DNS_SUBDOMAIN = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;

/** Throws INVALID_NAME unless `name` is a valid object name (DNS-1123 subdomain, as ConfigMaps and
 * ClusterProfiles require). */
export function checkObjectName(name: string, field: string): string {
  if (name.length === 0 || name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    throw new PlanError(
      'INVALID_NAME',
      `rendered name ${JSON.stringify(name)} is not a valid Kubernetes object name (lower-case alphanumerics, ` +
        `'-' and '.', at most 253 characters)`,
      field,
    );
  }
  return name;
}

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
export const GENERATED_NAME_PREFIX = 'sveltos-';
export const GENERATED_NAME_PATTERN = /^sveltos-[0-9a-z]{20}$/;

/** `sveltos-` + 20 characters of [0-9a-z] derived from the identity: looks like upstream's random names, but
 * the same identity always gets the same name. */
export function derivedName(identity: string): string {
  const digest = createHash('sha256').update(identity).digest();
  let suffix = '';
  for (let i = 0; i < 20; i++) suffix += ALPHABET[digest[i]! % ALPHABET.length];
  return GENERATED_NAME_PREFIX + suffix;
}

// Pure helpers: pair identities, ownership labels of generated objects, and the diff between what a
// (EventTrigger, cluster) pair owns and what its plan desires.

import { createHash } from 'node:crypto';
import {
  type ClusterType,
  canonicalJson,
  EVENT_TRIGGER_CLUSTER_NAME_LABEL,
  EVENT_TRIGGER_CLUSTER_NAMESPACE_LABEL,
  EVENT_TRIGGER_CLUSTER_TYPE_LABEL,
  EVENT_TRIGGER_NAME_LABEL,
} from '@sveltos-ts/api';
import type { ClusterKey } from '@sveltos-ts/clusters';

export interface PairKey {
  eventTrigger: string;
  cluster: ClusterKey;
}

/** Identity of a pair (the queue's `keyOf`, and the key of per-pair state). */
export const pairId = (p: PairKey): string =>
  JSON.stringify([p.eventTrigger, p.cluster.type, p.cluster.namespace, p.cluster.name]);

type Labels = Readonly<Record<string, string>> | undefined;

/** The ownership label values as one string: equal for every object one pair generated. */
export function ownerTuple(labels: Labels): string | undefined {
  const et = labels?.[EVENT_TRIGGER_NAME_LABEL];
  const type = labels?.[EVENT_TRIGGER_CLUSTER_TYPE_LABEL];
  const ns = labels?.[EVENT_TRIGGER_CLUSTER_NAMESPACE_LABEL];
  const name = labels?.[EVENT_TRIGGER_CLUSTER_NAME_LABEL];
  if (!et || !type || ns === undefined || name === undefined) return undefined;
  return JSON.stringify([et, type, ns, name]);
}

/** The pair an object belongs to, read back from its ownership labels. Label values are the real names
 * unless they were too long for a label (then hashed, and the pair cannot be recovered from labels). */
export function pairOfLabels(labels: Labels): PairKey | undefined {
  const tuple = ownerTuple(labels);
  if (tuple === undefined) return undefined;
  const [eventTrigger, type, namespace, name] = JSON.parse(tuple) as string[];
  if (type !== 'Sveltos' && type !== 'Capi') return undefined;
  return {
    eventTrigger: eventTrigger!,
    cluster: { type: type as ClusterType, namespace: namespace!, name: name! },
  };
}

export interface OwnedObject {
  kind: string;
  metadata: { name: string; namespace?: string | undefined; deletionTimestamp?: string | undefined };
}

export interface OwnershipDiff<T extends OwnedObject> {
  /** Owned ClusterProfiles no longer desired and not yet being deleted: delete them now. */
  deleteProfiles: T[];
  /** True while any undesired ClusterProfile still exists (deleted or terminating): the ConfigMaps and
   * Secrets it may reference must stay until it is gone (upstream guarantee). */
  profilesPending: boolean;
  /** Owned ConfigMaps/Secrets no longer desired; delete only when `profilesPending` is false. */
  deleteData: T[];
}

const id = (o: OwnedObject): string => `${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;

/** What to delete, given everything a pair owns and the objects its plan desires. */
export function ownershipDiff<T extends OwnedObject>(
  owned: readonly T[],
  desired: readonly OwnedObject[],
): OwnershipDiff<T> {
  const want = new Set(desired.map(id));
  const stale = owned.filter((o) => !want.has(id(o)));
  const staleProfiles = stale.filter((o) => o.kind === 'ClusterProfile');
  return {
    deleteProfiles: staleProfiles.filter((o) => !o.metadata.deletionTimestamp),
    profilesPending: staleProfiles.length > 0,
    deleteData: stale.filter((o) => o.kind !== 'ClusterProfile' && !o.metadata.deletionTimestamp),
  };
}

/** A stable digest of a desired object (keys sorted), to skip re-applying what was applied unchanged. */
export function desiredHash(object: unknown): string {
  return createHash('sha256').update(canonicalJson(object)).digest('hex');
}

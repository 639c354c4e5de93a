// Ownership labels on generated objects (exact upstream keys) and how label values are made valid.

import { createHash } from 'node:crypto';
import {
  ADMIN_NAME_LABEL,
  type ClusterType,
  EVENT_TRIGGER_CE_SOURCE_LABEL,
  EVENT_TRIGGER_CE_SUBJECT_LABEL,
  EVENT_TRIGGER_CLUSTER_NAME_LABEL,
  EVENT_TRIGGER_CLUSTER_NAMESPACE_LABEL,
  EVENT_TRIGGER_CLUSTER_TYPE_LABEL,
  EVENT_TRIGGER_EVENT_REPORT_NAME_LABEL,
  EVENT_TRIGGER_NAME_LABEL,
  EVENT_TRIGGER_REF_NAME_LABEL,
  EVENT_TRIGGER_REF_NAMESPACE_LABEL,
  EVENT_TRIGGER_RESOURCE_NAME_LABEL,
  EVENT_TRIGGER_RESOURCE_NAMESPACE_LABEL,
  SERVICE_ACCOUNT_NAME_LABEL,
  SERVICE_ACCOUNT_NAMESPACE_LABEL,
} from '@sveltos-ts/api';

export type Labels = Record<string, string>;

const LABEL_VALUE = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const MAX_LABEL_VALUE = 63;
const HASH_CHARS = 16;
const PREFIX_CHARS = MAX_LABEL_VALUE - HASH_CHARS - 1;

/**
 * A valid label value for `v`: `v` itself when valid, else `<readable prefix>-<16 hex of sha256(v)>` (at most
 * 63 characters), so long or odd names never make an apply fail and distinct values stay distinct.
 */
export function labelValue(v: string): string {
  if (v.length <= MAX_LABEL_VALUE && LABEL_VALUE.test(v)) return v;
  const digest = createHash('sha256').update(v).digest('hex').slice(0, HASH_CHARS);
  const prefix = v
    .replace(/[^A-Za-z0-9_.-]/g, '-')
    .slice(0, PREFIX_CHARS)
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[^A-Za-z0-9]+$/, '');
  return prefix === '' ? digest : `${prefix}-${digest}`;
}

export interface Owner {
  eventTriggerName: string;
  clusterNamespace: string;
  clusterName: string;
  clusterType: ClusterType;
}

/** The labels every object generated for (EventTrigger, cluster) carries: the adapter's cleanup selector. */
export function ownershipLabels(owner: Owner): Labels {
  return {
    [EVENT_TRIGGER_NAME_LABEL]: labelValue(owner.eventTriggerName),
    [EVENT_TRIGGER_CLUSTER_NAMESPACE_LABEL]: labelValue(owner.clusterNamespace),
    [EVENT_TRIGGER_CLUSTER_NAME_LABEL]: labelValue(owner.clusterName),
    [EVENT_TRIGGER_CLUSTER_TYPE_LABEL]: owner.clusterType,
  };
}

/** Labels naming the event object a per-object ClusterProfile was made for. */
export function resourceLabels(name: string, namespace: string): Labels {
  const out: Labels = { [EVENT_TRIGGER_RESOURCE_NAME_LABEL]: labelValue(name) };
  if (namespace !== '') out[EVENT_TRIGGER_RESOURCE_NAMESPACE_LABEL] = labelValue(namespace);
  return out;
}

/** CloudEvent identity labels: source and subject with `/` replaced by `-`. */
export function cloudEventLabels(source: string, subject: string): Labels {
  return {
    [EVENT_TRIGGER_CE_SOURCE_LABEL]: labelValue(source.replaceAll('/', '-')),
    [EVENT_TRIGGER_CE_SUBJECT_LABEL]: labelValue(subject.replaceAll('/', '-')),
  };
}

export function refLabels(namespace: string, name: string): Labels {
  return {
    [EVENT_TRIGGER_REF_NAMESPACE_LABEL]: labelValue(namespace),
    [EVENT_TRIGGER_REF_NAME_LABEL]: labelValue(name),
  };
}

const TENANT_LABELS = [SERVICE_ACCOUNT_NAME_LABEL, SERVICE_ACCOUNT_NAMESPACE_LABEL, ADMIN_NAME_LABEL];

/** Tenant labels of the EventTrigger, copied so that addon-controller deploys as that tenant. */
export function tenantLabels(eventTriggerLabels: Labels | undefined): Labels {
  const out: Labels = {};
  for (const k of TENANT_LABELS) {
    const v = eventTriggerLabels?.[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** Keys that tell generated objects apart; reuse needs all of them equal (absent on both counts as equal). */
const IDENTITY_KEYS = [
  EVENT_TRIGGER_NAME_LABEL,
  EVENT_TRIGGER_CLUSTER_NAMESPACE_LABEL,
  EVENT_TRIGGER_CLUSTER_NAME_LABEL,
  EVENT_TRIGGER_CLUSTER_TYPE_LABEL,
  EVENT_TRIGGER_EVENT_REPORT_NAME_LABEL,
  EVENT_TRIGGER_RESOURCE_NAME_LABEL,
  EVENT_TRIGGER_RESOURCE_NAMESPACE_LABEL,
  EVENT_TRIGGER_CE_SOURCE_LABEL,
  EVENT_TRIGGER_CE_SUBJECT_LABEL,
  EVENT_TRIGGER_REF_NAMESPACE_LABEL,
  EVENT_TRIGGER_REF_NAME_LABEL,
];

export function sameIdentity(a: Labels | undefined, b: Labels): boolean {
  return IDENTITY_KEYS.every((k) => a?.[k] === b[k]);
}

/** A stable text form of an object's identity, the seed of its generated name. */
export function identityKey(kind: string, labels: Labels): string {
  return JSON.stringify([kind, ...IDENTITY_KEYS.map((k) => labels[k] ?? null)]);
}

/** True when `labels` carry every entry of `subset`. */
export function hasLabels(labels: Labels | undefined, subset: Labels): boolean {
  return Object.entries(subset).every(([k, v]) => labels?.[k] === v);
}

/** Labels with keys in sorted order, so equal plans serialise byte for byte the same. */
export function sortedLabels(labels: Labels): Labels {
  const out: Labels = {};
  for (const k of Object.keys(labels).sort()) out[k] = labels[k]!;
  return out;
}

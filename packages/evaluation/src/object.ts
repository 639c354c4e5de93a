// A Kubernetes object prepared for evaluation: its identity and labels read once, and its CEL form built
// lazily and cached, so several EventSources (and re-evaluations) share one conversion.

import { type ObjectReference, splitApiVersion, type UncheckedObject } from '@sveltos-ts/api';
import { toCELValue } from './cel.ts';

export interface GVK {
  group: string;
  version: string;
  kind: string;
}

/** Map key of a GVK: `group/version/kind` (the core group is empty: `/v1/Pod`). */
export function gvkKey(gvk: GVK): string {
  return `${gvk.group}/${gvk.version}/${gvk.kind}`;
}

export function gvkOf(obj: UncheckedObject): GVK {
  const { group, version } = splitApiVersion(typeof obj.apiVersion === 'string' ? obj.apiVersion : '');
  return { group, version, kind: typeof obj.kind === 'string' ? obj.kind : '' };
}

/** Groups objects by GVK key, keeping their order. */
export function groupByGVK(objects: Iterable<UncheckedObject>): Map<string, UncheckedObject[]> {
  const out = new Map<string, UncheckedObject[]>();
  for (const o of objects) {
    const key = gvkKey(gvkOf(o));
    const list = out.get(key);
    if (list) list.push(o);
    else out.set(key, [o]);
  }
  return out;
}

/** EventReport `matchingResources` entry: the object's reference, with empty fields omitted as in Go. */
export function matchingResourceOf(obj: UncheckedObject): ObjectReference {
  const ref: ObjectReference = {};
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const apiVersion = str(obj.apiVersion);
  const kind = str(obj.kind);
  const namespace = str(obj.metadata?.namespace);
  const name = str(obj.metadata?.name);
  if (apiVersion) ref.apiVersion = apiVersion;
  if (kind) ref.kind = kind;
  if (namespace) ref.namespace = namespace;
  if (name) ref.name = name;
  return ref;
}

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

export class PreparedObject {
  readonly raw: UncheckedObject;
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** metadata.deletionTimestamp is set: the object counts as gone. */
  readonly deleting: boolean;
  private celValue: unknown;

  constructor(raw: UncheckedObject) {
    this.raw = raw;
    const meta = raw.metadata;
    this.apiVersion = typeof raw.apiVersion === 'string' ? raw.apiVersion : '';
    this.kind = typeof raw.kind === 'string' ? raw.kind : '';
    this.namespace = typeof meta?.namespace === 'string' ? meta.namespace : '';
    this.name = typeof meta?.name === 'string' ? meta.name : '';
    const labels = meta?.labels;
    this.labels = labels !== null && typeof labels === 'object' ? labels : NO_LABELS;
    this.deleting = meta?.deletionTimestamp !== undefined && meta.deletionTimestamp !== null;
  }

  /** The object with integral numbers as BigInt (CEL ints). */
  get cel(): unknown {
    if (this.celValue === undefined) this.celValue = toCELValue(this.raw);
    return this.celValue;
  }

  /** Drops the cached CEL form. */
  release(): void {
    this.celValue = undefined;
  }

  get ref(): ObjectReference {
    return matchingResourceOf(this.raw);
  }
}

export function prepare(obj: UncheckedObject | PreparedObject): PreparedObject {
  return obj instanceof PreparedObject ? obj : new PreparedObject(obj);
}

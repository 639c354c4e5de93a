// Which objects a patch target or a driftExclusion target selects (upstream's PatchSelector, kustomize's
// semantics): group, version and kind compared exactly, name and namespace as anchored regular expressions,
// labelSelector/annotationSelector in label-selector syntax (`a=b,c!=d,e in (x,y),f notin (z),g,!h`).
// Also JSON pointers (RFC 6901) for driftExclusions paths. Pure.

import { type PatchSelector, splitApiVersion } from '@sveltos-ts/api';
import { AddonError } from '../errors.ts';

type Requirement =
  | { key: string; op: 'in' | 'notin'; values: Set<string> }
  | { key: string; op: 'exists' | 'absent' };

/** Parses a label selector string; throws AddonError (PATCH_FAILED) naming `field` when it is invalid. */
export function parseSelector(text: string, field: string): Requirement[] {
  const out: Requirement[] = [];
  // split on commas outside parentheses
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  for (const raw of parts) {
    const part = raw.trim();
    if (part === '') continue;
    let m = /^(\S+?)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part);
    if (m) {
      const values = new Set(
        m[3]!
          .split(',')
          .map((v) => v.trim())
          .filter((v) => v !== ''),
      );
      out.push({ key: m[1]!, op: m[2] as 'in' | 'notin', values });
      continue;
    }
    m = /^([^!=\s]+)\s*(==|=|!=)\s*([^=\s]*)$/.exec(part);
    if (m) {
      out.push({ key: m[1]!, op: m[2] === '!=' ? 'notin' : 'in', values: new Set([m[3]!]) });
      continue;
    }
    m = /^(!?)([^!=\s()]+)$/.exec(part);
    if (m) {
      out.push({ key: m[2]!, op: m[1] ? 'absent' : 'exists' });
      continue;
    }
    throw new AddonError('PATCH_FAILED', `${field}: ${JSON.stringify(text)} is not a valid selector`);
  }
  return out;
}

export function selectorMatches(requirements: readonly Requirement[], map: Record<string, string>): boolean {
  return requirements.every((r) => {
    const has = Object.hasOwn(map, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case 'absent':
        return !has;
      case 'in':
        return has && r.values.has(map[r.key]!);
      default:
        return !has || !r.values.has(map[r.key]!);
    }
  });
}

const anchored = (pattern: string, field: string): RegExp => {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch {
    throw new AddonError(
      'PATCH_FAILED',
      `${field}: ${JSON.stringify(pattern)} is not a valid regular expression`,
    );
  }
};

/** A compiled target: undefined selects every object. */
export type TargetMatcher = (object: Record<string, unknown>) => boolean;

export function compileTarget(target: PatchSelector | undefined, field: string): TargetMatcher {
  if (target === undefined) return () => true;
  const name = target.name ? anchored(target.name, `${field}.name`) : undefined;
  const namespace = target.namespace ? anchored(target.namespace, `${field}.namespace`) : undefined;
  const labels = target.labelSelector ? parseSelector(target.labelSelector, `${field}.labelSelector`) : [];
  const annotations = target.annotationSelector
    ? parseSelector(target.annotationSelector, `${field}.annotationSelector`)
    : [];
  return (object) => {
    const { group, version } = splitApiVersion(String(object.apiVersion ?? ''));
    const meta = (object.metadata ?? {}) as {
      name?: string;
      namespace?: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    };
    if (target.group !== undefined && target.group !== group) return false;
    if (target.version && target.version !== version) return false;
    if (target.kind && target.kind !== object.kind) return false;
    if (name && !name.test(meta.name ?? '')) return false;
    if (namespace && !namespace.test(meta.namespace ?? '')) return false;
    if (!selectorMatches(labels, meta.labels ?? {})) return false;
    return selectorMatches(annotations, meta.annotations ?? {});
  };
}

/** The segments of a JSON pointer (`/spec/replicas`); a path without the leading slash is accepted too. */
export function pointer(path: string): string[] {
  const p = path.startsWith('/') ? path.slice(1) : path;
  if (p === '') return [];
  return p.split('/').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

type Node = Record<string, unknown> | unknown[];

const child = (node: unknown, key: string): unknown => {
  if (Array.isArray(node)) return node[Number(key)];
  if (node !== null && typeof node === 'object') return (node as Record<string, unknown>)[key];
  return undefined;
};

/** The value at `segments`, and whether it is there. */
export function getAt(root: unknown, segments: readonly string[]): { found: boolean; value?: unknown } {
  let node: unknown = root;
  for (const s of segments) {
    if (node === null || typeof node !== 'object') return { found: false };
    if (Array.isArray(node) ? !(Number(s) >= 0 && Number(s) < node.length) : !Object.hasOwn(node, s))
      return { found: false };
    node = child(node, s);
  }
  return { found: true, value: node };
}

/** Sets (creating maps on the way) or, with `remove`, deletes the value at `segments`. */
export function setAt(
  root: Record<string, unknown>,
  segments: readonly string[],
  value: unknown,
  remove = false,
): void {
  if (segments.length === 0) return;
  let node: Node = root;
  for (const s of segments.slice(0, -1)) {
    let next = child(node, s);
    if (next === null || typeof next !== 'object') {
      if (remove) return;
      next = {};
      if (Array.isArray(node)) node[Number(s)] = next;
      else node[s] = next;
    }
    node = next as Node;
  }
  const last = segments.at(-1)!;
  if (Array.isArray(node)) {
    const i = Number(last);
    if (remove) {
      if (i >= 0 && i < node.length) node.splice(i, 1);
    } else node[i] = value;
  } else if (remove) delete node[last];
  else node[last] = value;
}

// Label-selector matching with Sveltos' rule that an empty selector selects no cluster (reference §1.8):
// a forgotten selector must not deploy everywhere.

import type { LabelSelector } from '@sveltos-ts/api';
import { ClusterError } from './errors.ts';

export function isEmptySelector(selector: LabelSelector | undefined): boolean {
  return (
    selector === undefined ||
    (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)
  );
}

/** Throws INVALID_SELECTOR for a selector Kubernetes would reject; otherwise returns it. */
export function checkSelector(selector: LabelSelector | undefined): LabelSelector | undefined {
  for (const [i, e] of (selector?.matchExpressions ?? []).entries()) {
    const values = e.values ?? [];
    const where = `matchExpressions[${i}] (key ${JSON.stringify(e.key)})`;
    if (e.operator === 'In' || e.operator === 'NotIn') {
      if (values.length === 0) {
        throw new ClusterError('INVALID_SELECTOR', `${where}: operator ${e.operator} needs values`);
      }
    } else if (e.operator === 'Exists' || e.operator === 'DoesNotExist') {
      if (values.length > 0) {
        throw new ClusterError('INVALID_SELECTOR', `${where}: operator ${e.operator} takes no values`);
      }
    } else {
      throw new ClusterError('INVALID_SELECTOR', `${where}: unknown operator ${JSON.stringify(e.operator)}`);
    }
  }
  return selector;
}

/** Standard Kubernetes semantics (matchLabels AND every expression), except that empty matches nothing. */
export function selectorMatches(
  selector: LabelSelector | undefined,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  if (isEmptySelector(checkSelector(selector))) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector?.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of selector?.matchExpressions ?? []) {
    const has = Object.hasOwn(l, e.key);
    const value = l[e.key];
    const ok =
      e.operator === 'In'
        ? has && (e.values ?? []).includes(value!)
        : e.operator === 'NotIn'
          ? !has || !(e.values ?? []).includes(value!)
          : e.operator === 'Exists'
            ? has
            : !has;
    if (!ok) return false;
  }
  return true;
}

// Label matching done in memory (the agent evaluates from its informer cache, not with LIST selectors):
// `labelFilters` (Equal, Different, Has, DoesNotHave) AND a metav1.LabelSelector. Both are validated once
// when an EventSource is compiled, so a bad filter is an error up front, never a silent non-match.

import type { LabelFilter, LabelSelector } from '@sveltos-ts/api';
import { EvaluationError } from './errors.ts';

export type LabelPredicate = (labels: Readonly<Record<string, string>>) => boolean;

// Kubernetes label syntax: an optional DNS-subdomain prefix and a name of up to 63 characters; values
// are empty or up to 63 characters of the same alphabet.
const NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (name === '') return 'the name part is empty';
  if (name.length > 63 || !NAME.test(name))
    return 'the name part must be 1-63 alphanumerics, "-", "_" or "."';
  if (prefix !== undefined && (prefix.length > 253 || !PREFIX.test(prefix))) {
    return 'the prefix must be a DNS subdomain';
  }
  return undefined;
}

export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !NAME.test(value))
    return 'a value must be empty or 1-63 alphanumerics, "-", "_" or "."';
  return undefined;
}

/** Compiles `labelFilters` (ANDed). `where` prefixes error messages. */
export function compileLabelFilters(
  filters: readonly LabelFilter[] | undefined,
  where: string,
): LabelPredicate[] {
  const out: LabelPredicate[] = [];
  (filters ?? []).forEach((f, i) => {
    const at = `${where}.labelFilters[${i}]`;
    if (f === null || typeof f !== 'object')
      throw new EvaluationError('INVALID_LABEL_FILTER', `${at}: not an object`);
    const { key, operation } = f;
    const value = f.value ?? '';
    if (typeof key !== 'string')
      throw new EvaluationError('INVALID_LABEL_FILTER', `${at}: key must be a string`);
    const keyProblem = labelKeyProblem(key);
    if (keyProblem)
      throw new EvaluationError('INVALID_LABEL_FILTER', `${at}: invalid key "${key}": ${keyProblem}`);
    if (typeof value !== 'string')
      throw new EvaluationError('INVALID_LABEL_FILTER', `${at}: value must be a string`);
    switch (operation) {
      case 'Equal':
      case 'Different': {
        const valueProblem = labelValueProblem(value);
        if (valueProblem) {
          throw new EvaluationError(
            'INVALID_LABEL_FILTER',
            `${at}: invalid value "${value}": ${valueProblem}`,
          );
        }
        // Different also passes when the key is absent (Kubernetes `!=` semantics)
        out.push(operation === 'Equal' ? (l) => l[key] === value : (l) => l[key] !== value);
        break;
      }
      case 'Has':
        out.push((l) => Object.hasOwn(l, key));
        break;
      case 'DoesNotHave':
        out.push((l) => !Object.hasOwn(l, key));
        break;
      default:
        throw new EvaluationError(
          'INVALID_LABEL_FILTER',
          `${at}: unknown operation "${String(operation)}" (expected Equal, Different, Has or DoesNotHave)`,
        );
    }
  });
  return out;
}

/** Compiles a metav1.LabelSelector: matchLabels AND every matchExpressions requirement. */
export function compileLabelSelector(selector: LabelSelector | undefined, where: string): LabelPredicate[] {
  if (selector === undefined || selector === null) return [];
  const at = `${where}.selector`;
  if (typeof selector !== 'object') throw new EvaluationError('INVALID_SELECTOR', `${at}: not an object`);
  const out: LabelPredicate[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    const problem =
      labelKeyProblem(key) ?? (typeof value === 'string' ? labelValueProblem(value) : 'not a string');
    if (problem) throw new EvaluationError('INVALID_SELECTOR', `${at}.matchLabels["${key}"]: ${problem}`);
    out.push((l) => l[key] === value);
  }
  (selector.matchExpressions ?? []).forEach((req, i) => {
    const rat = `${at}.matchExpressions[${i}]`;
    const key = req?.key;
    if (typeof key !== 'string')
      throw new EvaluationError('INVALID_SELECTOR', `${rat}: key must be a string`);
    const keyProblem = labelKeyProblem(key);
    if (keyProblem)
      throw new EvaluationError('INVALID_SELECTOR', `${rat}: invalid key "${key}": ${keyProblem}`);
    const values = req.values ?? [];
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'string' || labelValueProblem(v))) {
      throw new EvaluationError('INVALID_SELECTOR', `${rat}: values must be valid label values`);
    }
    const set = new Set(values);
    switch (req.operator) {
      case 'In':
      case 'NotIn':
        if (set.size === 0) {
          throw new EvaluationError(
            'INVALID_SELECTOR',
            `${rat}: operator ${req.operator} needs at least one value`,
          );
        }
        // NotIn also passes when the key is absent, as in Kubernetes
        out.push(
          req.operator === 'In'
            ? (l) => Object.hasOwn(l, key) && set.has(l[key]!)
            : (l) => !Object.hasOwn(l, key) || !set.has(l[key]!),
        );
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (set.size > 0) {
          throw new EvaluationError('INVALID_SELECTOR', `${rat}: operator ${req.operator} takes no values`);
        }
        out.push(req.operator === 'Exists' ? (l) => Object.hasOwn(l, key) : (l) => !Object.hasOwn(l, key));
        break;
      default:
        throw new EvaluationError(
          'INVALID_SELECTOR',
          `${rat}: unknown operator "${String(req.operator)}" (expected In, NotIn, Exists or DoesNotExist)`,
        );
    }
  });
  return out;
}

// evaluateCEL: rules over the variable `resource`, compiled once per EventSource. As upstream, rules run in
// order, the first one returning true wins, and a rule that fails to parse, fails at run time or returns a
// non-bool counts as false; those failures are reported, never thrown.

import { Environment } from '@marcbachmann/cel-js';
import type { CELRule } from '@sveltos-ts/api';
import type { EvaluationErrorCode } from './errors.ts';

export interface CELIssue {
  code: Extract<EvaluationErrorCode, 'CEL_PARSE' | 'CEL_EVAL'>;
  rule: string;
  message: string;
}

export interface CELOutcome {
  /** Name of the first rule that returned true, if any. */
  matchedRule?: string;
  issues: CELIssue[];
}

interface CompiledRule {
  name: string;
  run?: (ctx: { resource: unknown }) => unknown;
  parseError?: string;
}

const environment = new Environment({ unlistedVariablesAreDyn: false }).registerVariable('resource', 'dyn');

/** JSON integers become BigInt so CEL sees them as `int`, as cel-go does with the dynamic client's int64. */
export function toCELValue(v: unknown): unknown {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : v;
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = toCELValue(v[i]);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const k in v as Record<string, unknown>) out[k] = toCELValue((v as Record<string, unknown>)[k]);
  return out;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}

export class CompiledCEL {
  readonly rules: readonly CompiledRule[];
  /** Parse failures, known at compile time (reported once, not per object). */
  readonly parseIssues: readonly CELIssue[];

  constructor(rules: readonly CELRule[], where: string) {
    const compiled: CompiledRule[] = [];
    const issues: CELIssue[] = [];
    rules.forEach((r, i) => {
      const name = typeof r?.name === 'string' && r.name !== '' ? r.name : `#${i}`;
      if (typeof r?.rule !== 'string') {
        const message = `${where}.evaluateCEL[${i}] (${name}): rule must be a string`;
        compiled.push({ name, parseError: message });
        issues.push({ code: 'CEL_PARSE', rule: name, message });
        return;
      }
      try {
        const parsed = environment.parse(r.rule);
        compiled.push({ name, run: (ctx) => parsed(ctx) });
      } catch (e) {
        const message = `${where}.evaluateCEL[${i}] (${name}): ${firstLine(e)}`;
        compiled.push({ name, parseError: message });
        issues.push({ code: 'CEL_PARSE', rule: name, message });
      }
    });
    this.rules = compiled;
    this.parseIssues = issues;
  }

  /** Runs the rules on `resource` (already converted with toCELValue). */
  evaluate(resource: unknown, where: string): CELOutcome {
    const issues: CELIssue[] = [];
    const ctx = { resource };
    for (let i = 0; i < this.rules.length; i++) {
      const rule = this.rules[i]!;
      if (!rule.run) continue;
      let result: unknown;
      try {
        result = rule.run(ctx);
      } catch (e) {
        issues.push({
          code: 'CEL_EVAL',
          rule: rule.name,
          message: `${where}.evaluateCEL[${i}] (${rule.name}): ${firstLine(e)}`,
        });
        continue;
      }
      if (result === true) return { matchedRule: rule.name, issues };
      if (typeof result !== 'boolean') {
        issues.push({
          code: 'CEL_EVAL',
          rule: rule.name,
          message: `${where}.evaluateCEL[${i}] (${rule.name}): rule returned ${typeof result}, not a bool`,
        });
      }
    }
    return { issues };
  }
}

// evaluateCEL: rules over the variable `resource`, compiled once per EventSource. As upstream, rules run in
// order, the first one returning true wins, and a rule that fails to parse, fails at run time or returns a
// non-bool counts as false; those failures are reported, never thrown.
//
// Hostile rules are bounded (docs/design/sandbox.md): every evaluation has a cost limit as cel-go's
// CostLimit (one unit per expression node evaluated, comprehension iterations included, plus the size of
// the strings and lists produced), checked inside cel-js's interpreter loop; `matches` runs on RE2
// (re2js, linear time, RE2 syntax as in cel-go) instead of JavaScript's backtracking RegExp.

import { Environment } from '@marcbachmann/cel-js';
import type { CELRule } from '@sveltos-ts/api';
import { RE2JS } from 're2js';
import type { EvaluationErrorCode } from './errors.ts';

export interface CELIssue {
  code: Extract<EvaluationErrorCode, 'CEL_PARSE' | 'CEL_EVAL' | 'CEL_COST'>;
  rule: string;
  message: string;
}

/** Cost units one rule evaluation may use (Kubernetes' per-call limit for CEL in CRD validation). */
export const DEFAULT_CEL_COST_LIMIT = 1_000_000;

/** Thrown inside cel-js when an evaluation goes past its cost limit. */
class CostLimitExceeded extends Error {
  constructor(limit: number) {
    super(`operation cancelled: actual cost limit exceeded (limit ${limit})`);
    this.name = 'CostLimitExceeded';
  }
}

/** The meter of the evaluation in progress (evaluation is synchronous: one at a time). */
let meter: { cost: number; limit: number } | undefined;

function charge(m: { cost: number; limit: number }, units: number): void {
  m.cost += units;
  if (m.cost > m.limit) throw new CostLimitExceeded(m.limit);
}

/** cel-js evaluates every node through its evaluator's `run` (comprehension steps included); the evaluator
 * class is not exported, so it is found through a function handler (called with the evaluator as `this`)
 * and its `run` is wrapped once to count cost while a meter is set. */
function installCostMeter(): void {
  let evaluator: object | undefined;
  new Environment()
    .registerFunction('sveltosProbe(): bool', function (this: object) {
      evaluator = this;
      return true;
    })
    .parse('sveltosProbe()')({});
  const proto = evaluator ? (Object.getPrototypeOf(evaluator) as Record<string, unknown>) : undefined;
  const run = proto?.run;
  if (!proto || typeof run !== 'function') throw new Error('cel-js: cannot install the CEL cost meter');
  if ((run as { metered?: boolean }).metered) return;
  const metered = function (this: unknown, ast: unknown, ctx: unknown): unknown {
    const m = meter;
    if (m === undefined) return run.call(this, ast, ctx);
    charge(m, 1);
    const r = run.call(this, ast, ctx);
    // what a node produced: strings by a tenth of their length (cel-go's traversal factor), lists by length
    if (typeof r === 'string') {
      if (r.length > 64) charge(m, Math.ceil(r.length / 10));
    } else if (Array.isArray(r) && r.length > 8) charge(m, r.length);
    return r;
  };
  (metered as { metered?: boolean }).metered = true;
  proto.run = metered;
}
installCostMeter();

/** `matches` on RE2, as in cel-go: linear time, RE2 syntax. The rule's calls are renamed to it after parsing
 * (cel-js's own `matches` uses a backtracking RegExp and cannot be replaced). */
const MATCHES = 'sveltosMatchesRE2';
const regexCache = new Map<string, RE2JS>();
function re2Matches(text: string, pattern: string): boolean {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    re = RE2JS.compile(pattern);
    if (regexCache.size > 256) regexCache.delete(regexCache.keys().next().value!);
    regexCache.set(pattern, re);
  }
  if (meter) charge(meter, 1 + Math.ceil(text.length / 10));
  return re.matcher(text).find();
}

/** Renames `matches` calls (receiver and global form) in a parsed rule to the RE2 implementation. */
function useRE2Matches(node: unknown, seen = new Set<unknown>()): void {
  if (node === null || typeof node !== 'object' || seen.has(node)) return;
  seen.add(node);
  if (Array.isArray(node)) {
    for (const x of node) useRE2Matches(x, seen);
    return;
  }
  const n = node as { op?: unknown; args?: unknown; meta?: { alternate?: unknown } };
  if (typeof n.op !== 'string') return;
  if ((n.op === 'rcall' || n.op === 'call') && Array.isArray(n.args) && n.args[0] === 'matches') {
    n.args[0] = MATCHES;
  }
  useRE2Matches(n.args, seen);
  useRE2Matches(n.meta?.alternate, seen);
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

const environment = new Environment({ unlistedVariablesAreDyn: false })
  .registerVariable('resource', 'dyn')
  .registerFunction(`string.${MATCHES}(string): bool`, (text: string, pattern: string) =>
    re2Matches(text, pattern),
  )
  .registerFunction(`${MATCHES}(string, string): bool`, (text: string, pattern: string) =>
    re2Matches(text, pattern),
  );

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
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.replaceAll(MATCHES, 'matches');
}

export class CompiledCEL {
  readonly rules: readonly CompiledRule[];
  /** Parse failures, known at compile time (reported once, not per object). */
  readonly parseIssues: readonly CELIssue[];
  readonly costLimit: number;

  constructor(rules: readonly CELRule[], where: string, costLimit = DEFAULT_CEL_COST_LIMIT) {
    this.costLimit = costLimit;
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
        useRE2Matches(parsed.ast);
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
      const m = { cost: 0, limit: this.costLimit };
      meter = m;
      try {
        result = rule.run(ctx);
        // an exhausted budget fails the rule even where cel-js turned the error into a value
        if (m.cost > m.limit) throw new CostLimitExceeded(m.limit);
      } catch (e) {
        const cost = e instanceof CostLimitExceeded || m.cost > m.limit;
        issues.push({
          code: cost ? 'CEL_COST' : 'CEL_EVAL',
          rule: rule.name,
          message: `${where}.evaluateCEL[${i}] (${rule.name}): ${cost ? `operation cancelled: actual cost limit exceeded (limit ${m.limit})` : firstLine(e)}`,
        });
        continue;
      } finally {
        meter = undefined;
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

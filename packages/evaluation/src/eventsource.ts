// EventSource evaluation, built for incremental use: compile an EventSource once, evaluate one object
// against one selector (a changed object is re-evaluated alone), aggregate over the survivors, and build
// the EventReport content. `evaluateEventSource` chains it all for a whole set of objects.
//
// Order of the filters (docs/architecture.md): GVK, deletion, namespace, name, labelFilters AND selector,
// then CEL (first true rule wins) OR Lua `evaluate`, then `aggregatedSelection` over all survivors.

import {
  type EventSource,
  type EventSourceSpec,
  encodeEventReportResources,
  type ObjectReference,
  type ResourceSelector,
  type UncheckedObject,
} from '@sveltos-ts/api';
import { type CELIssue, CompiledCEL } from './cel.ts';
import { EvaluationError, type EvaluationErrorCode } from './errors.ts';
import { compileLabelFilters, compileLabelSelector, type LabelPredicate } from './labels.ts';
import type { LuaRuntime, LuaScript } from './lua/runtime.ts';
import { type GVK, gvkKey, matchingResourceOf, type PreparedObject, prepare } from './object.ts';

export interface CompileOptions {
  /** Needed when the EventSource has Lua (`evaluate` or `aggregatedSelection`). */
  lua?: LuaRuntime;
}

/** Where a selector decided about an object. */
export type DecidedBy = 'gvk' | 'deleting' | 'namespace' | 'name' | 'labels' | 'cel' | 'lua' | 'none';

export interface SelectorVerdict {
  matched: boolean;
  decidedBy: DecidedBy;
  /** The CEL rule that matched. */
  celRule?: string;
  /** The Lua `message`. */
  message?: string;
  /** Non-fatal problems (CEL rules that errored and counted as false). */
  issues: CELIssue[];
  /** A Lua failure: the object's verdict is unknown and the EventSource must keep its last report. */
  error?: EvaluationError;
}

export interface EvaluationMessage {
  source: 'evaluate' | 'aggregatedSelection';
  selector?: number;
  resource?: ObjectReference;
  message: string;
}

export interface EvaluationIssue {
  code: EvaluationErrorCode;
  message: string;
  /** true: the evaluation is incomplete (Lua failed); false: reported only (CEL rule counted as false). */
  fatal: boolean;
  selector?: number;
  resource?: ObjectReference;
}

/** EventReport spec content produced by an evaluation. */
export interface ReportContent {
  matchingResources: ObjectReference[];
  /** base64 of `{json}\n---` per object (upstream byte format); only with collectResources and matches. */
  resources?: string;
}

export interface EventSourceEvaluation extends ReportContent {
  /** false when a Lua script failed: the result is incomplete and the last good report must be kept. */
  ok: boolean;
  /** The matching objects (after aggregatedSelection: what it returned). */
  matched: UncheckedObject[];
  messages: EvaluationMessage[];
  errors: EvaluationIssue[];
}

function invalid(message: string): never {
  throw new EvaluationError('INVALID_EVENTSOURCE', message);
}

export class CompiledSelector {
  readonly index: number;
  readonly where: string;
  readonly gvk: GVK;
  readonly gvkKey: string;
  readonly apiVersion: string;
  readonly namespace: string;
  readonly name: string;
  private readonly labelPredicates: LabelPredicate[];
  readonly cel: CompiledCEL | undefined;
  readonly lua: LuaScript | undefined;
  private readonly runtime: LuaRuntime | undefined;

  constructor(
    sel: ResourceSelector,
    index: number,
    eventSourceName: string,
    runtime: LuaRuntime | undefined,
  ) {
    this.index = index;
    this.where = `EventSource "${eventSourceName}" resourceSelectors[${index}]`;
    if (sel === null || typeof sel !== 'object') invalid(`${this.where}: not an object`);
    const str = (field: keyof ResourceSelector, required: boolean): string => {
      const v = sel[field];
      if (v === undefined || v === null) {
        if (required) invalid(`${this.where}: ${field} is required`);
        return '';
      }
      if (typeof v !== 'string') invalid(`${this.where}: ${field} must be a string`);
      return v;
    };
    this.gvk = { group: str('group', false), version: str('version', false), kind: str('kind', true) };
    if (this.gvk.kind === '') invalid(`${this.where}: kind must not be empty`);
    this.gvkKey = gvkKey(this.gvk);
    this.apiVersion = this.gvk.group === '' ? this.gvk.version : `${this.gvk.group}/${this.gvk.version}`;
    this.namespace = str('namespace', false);
    this.name = str('name', false);
    if (sel.labelFilters !== undefined && !Array.isArray(sel.labelFilters)) {
      throw new EvaluationError('INVALID_LABEL_FILTER', `${this.where}.labelFilters: must be a list`);
    }
    this.labelPredicates = [
      ...compileLabelFilters(sel.labelFilters, this.where),
      ...compileLabelSelector(sel.selector, this.where),
    ];
    if (sel.evaluateCEL !== undefined && !Array.isArray(sel.evaluateCEL)) {
      invalid(`${this.where}.evaluateCEL: must be a list of {name, rule}`);
    }
    // `evaluateCEL: []` means no CEL (the len() > 0 reading of upstream)
    this.cel = sel.evaluateCEL?.length ? new CompiledCEL(sel.evaluateCEL, this.where) : undefined;
    const evaluate = str('evaluate', false);
    this.runtime = runtime;
    if (evaluate.trim() !== '') {
      if (!runtime) {
        throw new EvaluationError('LUA_RUNTIME_MISSING', `${this.where}.evaluate: Lua needs a LuaRuntime`);
      }
      this.lua = runtime.compile(evaluate, `${this.where}.evaluate`);
    }
  }

  /** Same GVK as the selector. */
  appliesTo(obj: PreparedObject): boolean {
    return obj.apiVersion === this.apiVersion && obj.kind === this.gvk.kind;
  }

  /** The per-object decision of this selector. */
  evaluate(input: UncheckedObject | PreparedObject): SelectorVerdict {
    const obj = prepare(input);
    const no = (decidedBy: DecidedBy): SelectorVerdict => ({ matched: false, decidedBy, issues: [] });
    if (!this.appliesTo(obj)) return no('gvk');
    if (obj.deleting) return no('deleting');
    if (this.namespace !== '' && obj.namespace !== this.namespace) return no('namespace');
    if (this.name !== '' && obj.name !== this.name) return no('name');
    for (const p of this.labelPredicates) if (!p(obj.labels)) return no('labels');
    let issues: CELIssue[] = [];
    if (this.cel) {
      const outcome = this.cel.evaluate(obj.cel, this.where);
      issues = outcome.issues;
      if (outcome.matchedRule !== undefined) {
        return { matched: true, decidedBy: 'cel', celRule: outcome.matchedRule, issues };
      }
      if (!this.lua) return { matched: false, decidedBy: 'cel', issues };
    }
    if (!this.lua) return { matched: true, decidedBy: 'none', issues };
    try {
      const r = this.runtime!.evaluate(this.lua, obj.lua(this.runtime!));
      return { matched: r.matching, decidedBy: 'lua', issues, ...(r.message ? { message: r.message } : {}) };
    } catch (e) {
      if (!(e instanceof EvaluationError)) throw e;
      return { matched: false, decidedBy: 'lua', issues, error: e };
    }
  }
}

export class CompiledEventSource {
  readonly name: string;
  readonly selectors: readonly CompiledSelector[];
  readonly aggregation: LuaScript | undefined;
  readonly collectResources: boolean;
  /** CEL rules that do not parse (each counts as false on every object). */
  readonly compileIssues: readonly EvaluationIssue[];
  private readonly runtime: LuaRuntime | undefined;

  constructor(eventSource: EventSource, options: CompileOptions = {}) {
    if (eventSource === null || typeof eventSource !== 'object') invalid('EventSource: not an object');
    const name = eventSource.metadata?.name;
    this.name = typeof name === 'string' && name !== '' ? name : '<unnamed>';
    const spec: EventSourceSpec = eventSource.spec ?? {};
    if (typeof spec !== 'object') invalid(`EventSource "${this.name}": spec must be an object`);
    if (spec.resourceSelectors !== undefined && !Array.isArray(spec.resourceSelectors)) {
      invalid(`EventSource "${this.name}": spec.resourceSelectors must be a list`);
    }
    if (spec.collectResources !== undefined && typeof spec.collectResources !== 'boolean') {
      invalid(`EventSource "${this.name}": spec.collectResources must be a boolean`);
    }
    if (spec.aggregatedSelection !== undefined && typeof spec.aggregatedSelection !== 'string') {
      invalid(`EventSource "${this.name}": spec.aggregatedSelection must be a string`);
    }
    this.runtime = options.lua;
    this.collectResources = spec.collectResources === true;
    const selectors: CompiledSelector[] = [];
    try {
      (spec.resourceSelectors ?? []).forEach((s, i) => {
        selectors.push(new CompiledSelector(s, i, this.name, options.lua));
      });
      const agg = spec.aggregatedSelection ?? '';
      if (agg.trim() !== '') {
        if (!options.lua) {
          throw new EvaluationError(
            'LUA_RUNTIME_MISSING',
            `EventSource "${this.name}" aggregatedSelection: Lua needs a LuaRuntime`,
          );
        }
        this.aggregation = options.lua.compile(agg, `EventSource "${this.name}" aggregatedSelection`);
      }
    } catch (e) {
      for (const s of selectors) if (s.lua) options.lua?.release(s.lua);
      throw e;
    }
    this.selectors = selectors;
    this.compileIssues = selectors.flatMap((s) =>
      (s.cel?.parseIssues ?? []).map((i) => ({
        code: i.code,
        message: i.message,
        fatal: false,
        selector: s.index,
      })),
    );
  }

  /** Whether any selector or the aggregation runs Lua. */
  get usesLua(): boolean {
    return this.aggregation !== undefined || this.selectors.some((s) => s.lua !== undefined);
  }

  /** GVKs the EventSource watches (deduplicated, in selector order). */
  get gvks(): GVK[] {
    const seen = new Map<string, GVK>();
    for (const s of this.selectors) if (!seen.has(s.gvkKey)) seen.set(s.gvkKey, s.gvk);
    return [...seen.values()];
  }

  /** How many Lua calls an object of this GVK can take part in (to marshal it once with that many uses). */
  luaUses(obj: PreparedObject): number {
    let n = 0;
    for (const s of this.selectors) {
      if (!s.appliesTo(obj)) continue;
      if (s.lua) n++;
      // the aggregation sees the object once per selector that matched it
      if (this.aggregation) n++;
    }
    return n;
  }

  /** Runs aggregatedSelection over the survivors (in report order); returns what the script selected. */
  aggregate(survivors: readonly (UncheckedObject | PreparedObject)[]): {
    resources: UncheckedObject[];
    message: string;
  } {
    if (!this.aggregation || !this.runtime) {
      return { resources: survivors.map((s) => prepare(s).raw), message: '' };
    }
    const runtime = this.runtime;
    const r = runtime.aggregate(
      this.aggregation,
      survivors.map((s) => prepare(s).lua(runtime, 1)),
    );
    return { resources: r.resources as UncheckedObject[], message: r.message };
  }

  /** EventReport content for the matched objects. */
  report(matched: readonly UncheckedObject[]): ReportContent {
    return reportContent(matched, this.collectResources);
  }

  /** Evaluates every object and builds the report: `objectsByGVK` maps gvkKey() to that GVK's objects. */
  evaluate(
    objectsByGVK: ReadonlyMap<string, readonly (UncheckedObject | PreparedObject)[]>,
  ): EventSourceEvaluation {
    const messages: EvaluationMessage[] = [];
    const errors: EvaluationIssue[] = [...this.compileIssues];
    const survivors: PreparedObject[] = [];
    const prepared = new Map<string, PreparedObject[]>();
    const preparedFor = (key: string): PreparedObject[] => {
      let list = prepared.get(key);
      if (!list) {
        list = [...(objectsByGVK.get(key) ?? [])].map(prepare).sort(byNamespaceAndName);
        prepared.set(key, list);
      }
      return list;
    };
    try {
      for (const sel of this.selectors) {
        for (const obj of preparedFor(sel.gvkKey)) {
          if (sel.lua && this.runtime) obj.lua(this.runtime, this.luaUses(obj));
          const v = sel.evaluate(obj);
          for (const i of v.issues) {
            errors.push({
              code: i.code,
              message: i.message,
              fatal: false,
              selector: sel.index,
              resource: obj.ref,
            });
          }
          if (v.error) {
            errors.push({
              code: v.error.code,
              message: v.error.message,
              fatal: true,
              selector: sel.index,
              resource: obj.ref,
            });
          }
          if (v.message)
            messages.push({ source: 'evaluate', selector: sel.index, resource: obj.ref, message: v.message });
          if (v.matched) survivors.push(obj);
        }
      }
      const ok = !errors.some((e) => e.fatal);
      let matched: UncheckedObject[] = survivors.map((s) => s.raw);
      if (ok && this.aggregation) {
        try {
          const r = this.aggregate(survivors);
          matched = r.resources;
          if (r.message) messages.push({ source: 'aggregatedSelection', message: r.message });
        } catch (e) {
          if (!(e instanceof EvaluationError)) throw e;
          errors.push({ code: e.code, message: e.message, fatal: true });
          return { ok: false, matched: [], matchingResources: [], messages, errors };
        }
      }
      return { ok, matched, ...this.report(matched), messages, errors };
    } finally {
      for (const list of prepared.values()) for (const o of list) o.release();
    }
  }

  /** Frees the compiled scripts. */
  release(): void {
    for (const s of this.selectors) if (s.lua) this.runtime?.release(s.lua);
    if (this.aggregation) this.runtime?.release(this.aggregation);
  }
}

function byNamespaceAndName(a: PreparedObject, b: PreparedObject): number {
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** EventReport spec content: references of the matched objects and, with collectResources and at least one
 * match, the objects in the upstream byte format (base64). */
export function reportContent(matched: readonly UncheckedObject[], collectResources: boolean): ReportContent {
  const content: ReportContent = { matchingResources: matched.map(matchingResourceOf) };
  if (collectResources) {
    const resources = encodeEventReportResources(matched);
    if (resources !== undefined) content.resources = resources;
  }
  return content;
}

export function compileEventSource(
  eventSource: EventSource,
  options: CompileOptions = {},
): CompiledEventSource {
  return new CompiledEventSource(eventSource, options);
}

/** One-shot evaluation of a whole EventSource (compiles, evaluates, frees the scripts). */
export function evaluateEventSource(
  eventSource: EventSource,
  objectsByGVK: ReadonlyMap<string, readonly UncheckedObject[]>,
  options: CompileOptions = {},
): EventSourceEvaluation {
  const compiled = compileEventSource(eventSource, options);
  try {
    return compiled.evaluate(objectsByGVK);
  } finally {
    compiled.release();
  }
}

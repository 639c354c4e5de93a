// EventSource evaluation, built for incremental use: compile an EventSource once, evaluate batches of
// objects (a changed object is re-evaluated alone), aggregate over the survivors, and build the EventReport
// content. `evaluateEventSource` chains it all for a whole set of objects. The agent and
// `sveltosctl eventsource test` both use exactly this (docs/design/evaluation.md).
//
// Order of the filters (docs/architecture.md): GVK, deletion, namespace, name, labelFilters AND selector,
// then CEL (first true rule wins) OR Lua `evaluate`, then `aggregatedSelection` over all survivors.
// Namespace, name, labels and CEL run in this thread (CEL within its cost limit); Lua runs in the sandbox
// (worker threads under a watchdog, one Lua state per EventSource: docs/design/sandbox.md).

import {
  convertObject,
  type EventSource,
  EventSourceKind,
  type EventSourceSpec,
  encodeEventReportResources,
  type KubeObject,
  LIB_LEGACY_API_VERSION,
  type ObjectReference,
  type ResourceSelector,
  type UncheckedObject,
} from '@sveltos-ts/api';
import { type CELIssue, CompiledCEL, DEFAULT_CEL_COST_LIMIT } from './cel.ts';
import { EvaluationError, type EvaluationErrorCode } from './errors.ts';
import { compileLabelFilters, compileLabelSelector, type LabelPredicate } from './labels.ts';
import { type GVK, gvkKey, matchingResourceOf, type PreparedObject, prepare } from './object.ts';
import { type LuaSandbox, SandboxInterrupted, type SandboxSource } from './sandbox/pool.ts';
import type { AggregateResult, Call, CallResult, EachResult, ScriptSource } from './sandbox/protocol.ts';
import { validateEventSource } from './validate.ts';

export interface CompileOptions {
  /** Where Lua runs; needed when the EventSource has Lua (`evaluate` or `aggregatedSelection`). */
  sandbox?: LuaSandbox;
  /** Cost limit of one CEL rule evaluation (DEFAULT_CEL_COST_LIMIT). */
  celCostLimit?: number;
  /** Check the EventSource against the CRD schema first (default true): what the API server would refuse
   * (unknown fields, wrong types, missing required fields) is an INVALID_EVENTSOURCE error. */
  validate?: boolean;
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
  /** A Lua failure: the object's verdict is unknown and the EventSource must keep its last report. Code
   * LUA_INTERRUPTED: the object was not evaluated because another one stopped the batch; evaluate it again. */
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
  /** Every (selector, object) decision of the evaluation, in evaluation order (selector by selector, objects
   * by namespace and name), before aggregatedSelection. */
  verdicts: { selector: number; object: UncheckedObject; verdict: SelectorVerdict }[];
}

/** What aggregatedSelection selected, checked as the agent reports it. */
export type AggregationOutcome =
  | { ok: true; resources: UncheckedObject[]; message: string }
  | { ok: false; error: EvaluationError };

function invalid(message: string): never {
  throw new EvaluationError('INVALID_EVENTSOURCE', message);
}

/** A report names each object by apiVersion, kind and metadata.name: a script may build synthetic objects,
 * but each must say what it is. */
export function reportableProblem(o: unknown): string | undefined {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return 'is not an object';
  const r = o as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  if (typeof r.apiVersion !== 'string' || r.apiVersion === '') return 'has no apiVersion';
  if (typeof r.kind !== 'string' || r.kind === '') return 'has no kind';
  if (r.metadata === null || typeof r.metadata !== 'object') return 'has no metadata';
  if (typeof r.metadata.name !== 'string' || r.metadata.name === '') return 'has no metadata.name';
  if (r.metadata.namespace !== undefined && typeof r.metadata.namespace !== 'string')
    return 'has a metadata.namespace that is not a string';
  return undefined;
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
  /** Index of the selector's `evaluate` script among the EventSource's scripts. */
  readonly luaScript: number | undefined;

  constructor(
    sel: ResourceSelector,
    index: number,
    eventSourceName: string,
    scripts: ScriptSource[],
    celCostLimit: number,
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
    this.cel = sel.evaluateCEL?.length
      ? new CompiledCEL(sel.evaluateCEL, this.where, celCostLimit)
      : undefined;
    const evaluate = str('evaluate', false);
    if (evaluate.trim() !== '') {
      this.luaScript = scripts.length;
      scripts.push({ name: `${this.where}.evaluate`, source: evaluate });
    }
  }

  /** Same GVK as the selector. */
  appliesTo(obj: PreparedObject): boolean {
    return obj.apiVersion === this.apiVersion && obj.kind === this.gvk.kind;
  }

  /** The decision of everything but Lua: a verdict, or `undefined` when the Lua script decides. */
  decideWithoutLua(obj: PreparedObject): SelectorVerdict | { lua: true; issues: CELIssue[] } {
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
      if (this.luaScript === undefined) return { matched: false, decidedBy: 'cel', issues };
    }
    if (this.luaScript === undefined) return { matched: true, decidedBy: 'none', issues };
    return { lua: true, issues };
  }
}

function wireError(e: { code: EvaluationErrorCode; message: string }): EvaluationError {
  return new EvaluationError(e.code, e.message);
}

export class CompiledEventSource {
  readonly name: string;
  readonly selectors: readonly CompiledSelector[];
  /** Index of the aggregatedSelection script among the scripts. */
  readonly aggregationScript: number | undefined;
  readonly collectResources: boolean;
  /** CEL rules that do not parse (each counts as false on every object). */
  readonly compileIssues: readonly EvaluationIssue[];
  private readonly lua: SandboxSource | undefined;
  private released = false;

  private constructor(
    name: string,
    selectors: CompiledSelector[],
    aggregationScript: number | undefined,
    collectResources: boolean,
    lua: SandboxSource | undefined,
  ) {
    this.name = name;
    this.selectors = selectors;
    this.aggregationScript = aggregationScript;
    this.collectResources = collectResources;
    this.lua = lua;
    this.compileIssues = selectors.flatMap((s) =>
      (s.cel?.parseIssues ?? []).map((i) => ({
        code: i.code,
        message: i.message,
        fatal: false,
        selector: s.index,
      })),
    );
  }

  /** Validates and compiles: label filters, selectors and CEL here, Lua in the sandbox (syntax errors are
   * reported now). Throws EvaluationError. */
  static async compile(eventSource: EventSource, options: CompileOptions = {}): Promise<CompiledEventSource> {
    if (eventSource === null || typeof eventSource !== 'object') invalid('EventSource: not an object');
    const name = eventSource.metadata?.name;
    const esName = typeof name === 'string' && name !== '' ? name : '<unnamed>';
    if (options.validate !== false) validateEventSource(eventSource, esName);
    // an older manifest (v1alpha1, e.g. the flat spec) is evaluated as what it means at v1beta1
    const current =
      (eventSource.apiVersion as string) === LIB_LEGACY_API_VERSION
        ? (convertObject(
            eventSource as unknown as KubeObject,
            EventSourceKind.apiVersion,
          ) as unknown as EventSource)
        : eventSource;
    const spec: EventSourceSpec = current.spec ?? {};
    if (typeof spec !== 'object') invalid(`EventSource "${esName}": spec must be an object`);
    if (spec.resourceSelectors !== undefined && !Array.isArray(spec.resourceSelectors)) {
      invalid(`EventSource "${esName}": spec.resourceSelectors must be a list`);
    }
    if (spec.collectResources !== undefined && typeof spec.collectResources !== 'boolean') {
      invalid(`EventSource "${esName}": spec.collectResources must be a boolean`);
    }
    if (spec.aggregatedSelection !== undefined && typeof spec.aggregatedSelection !== 'string') {
      invalid(`EventSource "${esName}": spec.aggregatedSelection must be a string`);
    }
    const scripts: ScriptSource[] = [];
    const celCostLimit = options.celCostLimit ?? DEFAULT_CEL_COST_LIMIT;
    const selectors = (spec.resourceSelectors ?? []).map(
      (s, i) => new CompiledSelector(s, i, esName, scripts, celCostLimit),
    );
    let aggregationScript: number | undefined;
    const agg = spec.aggregatedSelection ?? '';
    if (agg.trim() !== '') {
      aggregationScript = scripts.length;
      scripts.push({ name: `EventSource "${esName}" aggregatedSelection`, source: agg });
    }
    let lua: SandboxSource | undefined;
    if (scripts.length > 0) {
      if (!options.sandbox) {
        throw new EvaluationError(
          'LUA_RUNTIME_MISSING',
          `${scripts[0]!.name}: Lua needs a sandbox (CompileOptions.sandbox)`,
        );
      }
      lua = await options.sandbox.register(scripts);
    }
    return new CompiledEventSource(esName, selectors, aggregationScript, spec.collectResources === true, lua);
  }

  /** Whether any selector or the aggregation runs Lua. */
  get usesLua(): boolean {
    return this.lua !== undefined;
  }

  get aggregated(): boolean {
    return this.aggregationScript !== undefined;
  }

  /** GVKs the EventSource watches (deduplicated, in selector order). */
  get gvks(): GVK[] {
    const seen = new Map<string, GVK>();
    for (const s of this.selectors) if (!seen.has(s.gvkKey)) seen.set(s.gvkKey, s.gvk);
    return [...seen.values()];
  }

  /**
   * The per-object verdicts of a batch: `items[i]` is decided by selector `items[i].selector`. Everything
   * but Lua is decided here; the objects that need Lua go to the sandbox in one request.
   */
  async evaluateObjects(
    items: readonly { selector: number; object: UncheckedObject | PreparedObject }[],
  ): Promise<SelectorVerdict[]> {
    const verdicts: (SelectorVerdict | undefined)[] = new Array(items.length);
    const luaWork = new Map<number, { items: number[]; objects: unknown[]; issues: CELIssue[][] }>();
    items.forEach((item, i) => {
      const sel = this.selectors[item.selector];
      if (!sel) throw new RangeError(`no resourceSelectors[${item.selector}]`);
      const obj = prepare(item.object);
      const d = sel.decideWithoutLua(obj);
      if (!('lua' in d)) {
        verdicts[i] = d;
        return;
      }
      let work = luaWork.get(sel.luaScript!);
      if (!work) {
        work = { items: [], objects: [], issues: [] };
        luaWork.set(sel.luaScript!, work);
      }
      work.items.push(i);
      work.objects.push(obj.raw);
      work.issues.push(d.issues);
    });
    if (luaWork.size > 0) {
      const groups = [...luaWork.entries()];
      const calls: Call[] = groups.map(([script, w]) => ({ kind: 'each', script, objects: w.objects }));
      let results: CallResult[] | undefined;
      let stopped: EvaluationError | undefined;
      try {
        results = await this.luaSource().run(calls);
      } catch (e) {
        if (!(e instanceof EvaluationError)) throw e;
        stopped = e;
      }
      groups.forEach(([, w], c) => {
        w.items.forEach((itemIndex, k) => {
          const issues = w.issues[k]!;
          if (results) {
            const r = (results[c] as EachResult[])[k]!;
            verdicts[itemIndex] =
              'error' in r
                ? { matched: false, decidedBy: 'lua', issues, error: wireError(r.error) }
                : {
                    matched: r.matching,
                    decidedBy: 'lua',
                    issues,
                    ...(r.message ? { message: r.message } : {}),
                  };
            return;
          }
          // the sandbox stopped the request: the object that was running gets the error, the others were
          // not (or no longer) evaluated and must be tried again
          const culprit = stopped instanceof SandboxInterrupted && stopped.call === c && stopped.index === k;
          const error = culprit
            ? stopped!
            : new EvaluationError(
                'LUA_INTERRUPTED',
                `${this.selectors[items[itemIndex]!.selector]!.where}.evaluate: not evaluated: ${stopped!.message}`,
              );
          verdicts[itemIndex] = { matched: false, decidedBy: 'lua', issues, error };
        });
      });
    }
    return verdicts as SelectorVerdict[];
  }

  /** Runs aggregatedSelection over the survivors (in report order) and checks what it returned as the agent
   * reports it: every selected resource names itself (apiVersion, kind, metadata.name). */
  async aggregate(survivors: readonly (UncheckedObject | PreparedObject)[]): Promise<AggregationOutcome> {
    const objects = survivors.map((s) => prepare(s).raw);
    if (this.aggregationScript === undefined) return { ok: true, resources: objects, message: '' };
    let result: AggregateResult;
    try {
      const [r] = await this.luaSource().run([
        { kind: 'aggregate', script: this.aggregationScript, objects },
      ]);
      result = r as AggregateResult;
    } catch (e) {
      if (!(e instanceof EvaluationError)) throw e;
      return { ok: false, error: e };
    }
    if ('error' in result) return { ok: false, error: wireError(result.error) };
    for (const [i, r] of result.resources.entries()) {
      const problem = reportableProblem(r);
      if (problem) {
        return {
          ok: false,
          error: new EvaluationError(
            'LUA_RESULT',
            `EventSource "${this.name}" aggregatedSelection: resources[${i + 1}] ${problem}; a reported resource needs apiVersion, kind and metadata.name`,
          ),
        };
      }
    }
    return { ok: true, resources: result.resources as UncheckedObject[], message: result.message };
  }

  /** EventReport content for the matched objects. */
  report(matched: readonly UncheckedObject[]): ReportContent {
    return reportContent(matched, this.collectResources);
  }

  /** Evaluates every object and builds the report: `objectsByGVK` maps gvkKey() to that GVK's objects. */
  async evaluate(
    objectsByGVK: ReadonlyMap<string, readonly (UncheckedObject | PreparedObject)[]>,
  ): Promise<EventSourceEvaluation> {
    const messages: EvaluationMessage[] = [];
    const errors: EvaluationIssue[] = [...this.compileIssues];
    const prepared = new Map<string, PreparedObject[]>();
    const preparedFor = (key: string): PreparedObject[] => {
      let list = prepared.get(key);
      if (!list) {
        list = [...(objectsByGVK.get(key) ?? [])].map(prepare).sort(byNamespaceAndName);
        prepared.set(key, list);
      }
      return list;
    };
    const items = this.selectors.flatMap((sel) =>
      preparedFor(sel.gvkKey).map((object) => ({ selector: sel.index, object })),
    );
    const verdicts = await this.evaluateObjects(items);
    const survivors: PreparedObject[] = [];
    verdicts.forEach((v, i) => {
      const { selector, object } = items[i]!;
      for (const issue of v.issues) {
        errors.push({
          code: issue.code,
          message: issue.message,
          fatal: false,
          selector,
          resource: object.ref,
        });
      }
      if (v.error) {
        errors.push({
          code: v.error.code,
          message: v.error.message,
          fatal: true,
          selector,
          resource: object.ref,
        });
      }
      if (v.message)
        messages.push({ source: 'evaluate', selector, resource: object.ref, message: v.message });
      if (v.matched) survivors.push(object);
    });
    const ok = !errors.some((e) => e.fatal);
    const decided = verdicts.map((verdict, i) => ({
      selector: items[i]!.selector,
      object: items[i]!.object.raw,
      verdict,
    }));
    let matched: UncheckedObject[] = survivors.map((s) => s.raw);
    if (ok && this.aggregationScript !== undefined) {
      const r = await this.aggregate(survivors);
      if (!r.ok) {
        errors.push({ code: r.error.code, message: r.error.message, fatal: true });
        return { ok: false, matched: [], matchingResources: [], messages, errors, verdicts: decided };
      }
      matched = r.resources;
      if (r.message) messages.push({ source: 'aggregatedSelection', message: r.message });
    }
    return { ok, matched, ...this.report(matched), messages, errors, verdicts: decided };
  }

  /** Frees the EventSource's Lua state in the sandbox. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.lua?.release();
  }

  private luaSource(): SandboxSource {
    if (!this.lua) throw new EvaluationError('LUA_RUNTIME_MISSING', `EventSource "${this.name}": no Lua`);
    return this.lua;
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
): Promise<CompiledEventSource> {
  return CompiledEventSource.compile(eventSource, options);
}

/** One-shot evaluation of a whole EventSource (compiles, evaluates, frees the scripts). */
export async function evaluateEventSource(
  eventSource: EventSource,
  objectsByGVK: ReadonlyMap<string, readonly UncheckedObject[]>,
  options: CompileOptions = {},
): Promise<EventSourceEvaluation> {
  const compiled = await compileEventSource(eventSource, options);
  try {
    return await compiled.evaluate(objectsByGVK);
  } finally {
    compiled.release();
  }
}

// `sveltosctl eventsource test`: the upstream harness contract (a directory with eventsource.yaml and
// optional matching.yaml / non-matching.yaml) and ad-hoc runs (an EventSource file and resource files).
// Objects are decided by the whole per-object pipeline (GVK, namespace, name, labels, CEL, Lua), not only
// by Lua as upstream's harness does; an aggregatedSelection gets the matching objects followed by the
// non-matching ones and must return all of the former and none of the latter.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { EventSource, ObjectReference, UncheckedObject } from '@sveltos-ts/api';
import {
  type CompiledEventSource,
  compileEventSource,
  type DecidedBy,
  EvaluationError,
  type EventSourceEvaluation,
  groupByGVK,
  type LuaRuntime,
  matchingResourceOf,
  PreparedObject,
} from '@sveltos-ts/evaluation';
import { CliError } from '../errors.ts';
import { readYamlObjects } from '../yaml.ts';

export const EVENTSOURCE_FILE = 'eventsource.yaml';
export const MATCHING_FILE = 'matching.yaml';
export const NON_MATCHING_FILE = 'non-matching.yaml';

export interface ObjectResult {
  file: string;
  resource: ObjectReference;
  /** undefined in ad-hoc runs (no expectation). */
  expected?: boolean;
  matched: boolean;
  decidedBy: DecidedBy;
  /** Selector that matched, or that decided the non-match. */
  selector?: number;
  celRule?: string;
  message?: string;
  error?: { code: string; message: string };
  warnings: string[];
}

export interface CaseResult {
  path: string;
  eventSource: string;
  ok: boolean;
  failures: string[];
  objects: ObjectResult[];
  aggregated?: { resources: ObjectReference[]; message?: string; error?: { code: string; message: string } };
}

export function loadEventSource(path: string): EventSource {
  const docs = readYamlObjects(path);
  if (docs.length !== 1) {
    throw new CliError(
      'INVALID_INPUT',
      `${path}: expected exactly one EventSource, found ${docs.length} documents`,
    );
  }
  const es = docs[0]!;
  if (es.kind !== 'EventSource') {
    throw new CliError(
      'INVALID_INPUT',
      `${path}: expected kind EventSource, found ${JSON.stringify(es.kind ?? null)}`,
    );
  }
  return es as unknown as EventSource;
}

export function compile(es: EventSource, path: string, lua: LuaRuntime): CompiledEventSource {
  try {
    return compileEventSource(es, { lua });
  } catch (e) {
    if (e instanceof EvaluationError)
      throw new CliError('INVALID_EVENTSOURCE', `${path}: ${e.message} [${e.code}]`);
    throw e;
  }
}

const describeRef = (r: ObjectReference) =>
  `${r.apiVersion ?? '?'}/${r.kind ?? '?'} ${r.namespace ? `${r.namespace}/` : ''}${r.name ?? '?'}`;
const sameRef = (a: ObjectReference, b: ObjectReference) =>
  a.apiVersion === b.apiVersion &&
  a.kind === b.kind &&
  (a.namespace ?? '') === (b.namespace ?? '') &&
  a.name === b.name;

/** The per-object verdict of the whole EventSource: matched when any selector matches. */
export function decideObject(
  compiled: CompiledEventSource,
  obj: UncheckedObject,
  file: string,
  expected?: boolean,
): ObjectResult {
  const prepared = new PreparedObject(obj);
  const result: ObjectResult = {
    file,
    resource: prepared.ref,
    matched: false,
    decidedBy: 'gvk',
    warnings: [],
  };
  if (expected !== undefined) result.expected = expected;
  try {
    for (const sel of compiled.selectors) {
      if (!sel.appliesTo(prepared)) continue;
      const v = sel.evaluate(prepared);
      result.warnings.push(...v.issues.map((i) => i.message));
      if (v.error) {
        result.error = { code: v.error.code, message: v.error.message };
        result.decidedBy = v.decidedBy;
        result.selector = sel.index;
        return result;
      }
      if (v.message !== undefined) result.message = v.message;
      result.decidedBy = v.decidedBy;
      result.selector = sel.index;
      if (v.matched) {
        result.matched = true;
        if (v.celRule !== undefined) result.celRule = v.celRule;
        return result;
      }
    }
    return result;
  } finally {
    prepared.release();
  }
}

function objectFailure(r: ObjectResult): string | undefined {
  if (r.error) return `${r.file}: ${describeRef(r.resource)}: ${r.error.message}`;
  if (r.expected === undefined || r.expected === r.matched) return undefined;
  const why =
    r.decidedBy === 'gvk'
      ? 'no resourceSelector has its group/version/kind'
      : `decided by ${r.decidedBy}${r.selector !== undefined ? ` in resourceSelectors[${r.selector}]` : ''}`;
  return `${r.file}: ${describeRef(r.resource)} ${r.expected ? 'should match but does not' : 'should not match but does'} (${why})`;
}

/** Runs one harness directory. */
export function runCase(dir: string, lua: LuaRuntime, base: string): CaseResult {
  const esPath = join(dir, EVENTSOURCE_FILE);
  const es = loadEventSource(esPath);
  const compiled = compile(es, esPath, lua);
  try {
    const load = (file: string) => (existsSync(join(dir, file)) ? readYamlObjects(join(dir, file)) : []);
    const matching = load(MATCHING_FILE) as UncheckedObject[];
    const nonMatching = load(NON_MATCHING_FILE) as UncheckedObject[];
    // with an aggregatedSelection the files describe its result; per-object verdicts are informational
    const expect = (v: boolean) => (compiled.aggregation ? undefined : v);
    const objects = [
      ...matching.map((o) => decideObject(compiled, o, MATCHING_FILE, expect(true))),
      ...nonMatching.map((o) => decideObject(compiled, o, NON_MATCHING_FILE, expect(false))),
    ];
    const failures = objects.map(objectFailure).filter((f): f is string => f !== undefined);
    const result: CaseResult = {
      path: relative(base, dir) || '.',
      eventSource: compiled.name,
      ok: false,
      failures,
      objects,
    };
    if (compiled.aggregation) {
      try {
        const r = compiled.aggregate([...matching, ...nonMatching]);
        const refs = r.resources.map(matchingResourceOf);
        result.aggregated = { resources: refs, ...(r.message ? { message: r.message } : {}) };
        for (const o of matching) {
          const ref = matchingResourceOf(o);
          if (!refs.some((x) => sameRef(x, ref)))
            failures.push(
              `aggregatedSelection: ${describeRef(ref)} from ${MATCHING_FILE} is missing from the result`,
            );
        }
        for (const o of nonMatching) {
          const ref = matchingResourceOf(o);
          if (refs.some((x) => sameRef(x, ref)))
            failures.push(
              `aggregatedSelection: ${describeRef(ref)} from ${NON_MATCHING_FILE} is in the result`,
            );
        }
      } catch (e) {
        if (!(e instanceof EvaluationError)) throw e;
        result.aggregated = { resources: [], error: { code: e.code, message: e.message } };
        failures.push(`aggregatedSelection: ${e.message}`);
      }
    }
    result.ok = failures.length === 0;
    return result;
  } finally {
    compiled.release();
  }
}

/** Harness directories under `root`: itself when it holds eventsource.yaml, else every such directory below. */
export function findCases(root: string): string[] {
  if (!existsSync(root)) throw new CliError('FILE_NOT_FOUND', `${root}: no such directory`);
  if (!statSync(root).isDirectory()) throw new CliError('INVALID_INPUT', `${root}: not a directory`);
  const out: string[] = [];
  const walk = (dir: string) => {
    if (existsSync(join(dir, EVENTSOURCE_FILE))) out.push(dir);
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
    }
  };
  walk(root);
  if (out.length === 0)
    throw new CliError('INVALID_INPUT', `${root}: no ${EVENTSOURCE_FILE} in it or below it`);
  return out;
}

export interface AdhocResult {
  eventSource: string;
  objects: ObjectResult[];
  evaluation: Pick<EventSourceEvaluation, 'ok' | 'matchingResources' | 'messages' | 'errors'>;
}

/** Ad-hoc run: per-object verdicts plus the whole evaluation (aggregation included) over all resources. */
export function runAdhoc(esPath: string, resourcePaths: readonly string[], lua: LuaRuntime): AdhocResult {
  const es = loadEventSource(esPath);
  const resources = resourcePaths.flatMap((p) =>
    readYamlObjects(p).map((o) => ({ file: p, object: o as UncheckedObject })),
  );
  const compiled = compile(es, esPath, lua);
  try {
    const objects = resources.map((r) => decideObject(compiled, r.object, r.file));
    const ev = compiled.evaluate(groupByGVK(resources.map((r) => r.object)));
    return {
      eventSource: compiled.name,
      objects,
      evaluation: {
        ok: ev.ok,
        matchingResources: ev.matchingResources,
        messages: ev.messages,
        errors: ev.errors,
      },
    };
  } finally {
    compiled.release();
  }
}

export { describeRef };

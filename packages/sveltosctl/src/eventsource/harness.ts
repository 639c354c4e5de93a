// `sveltosctl eventsource test`: the upstream harness contract (a directory with eventsource.yaml and
// optional matching.yaml / non-matching.yaml) and ad-hoc runs (an EventSource file and resource files).
//
// Everything is decided by exactly what the agent runs (@sveltos-ts/evaluation): the EventSource is checked
// against the CRD schema (what the API server would refuse is refused here), every object goes through the
// whole per-object pipeline (GVK, deletion, namespace, name, labels, CEL, Lua in the sandbox), an
// aggregatedSelection gets the survivors in the agent's order, and what it returns is checked as the agent
// checks it. Input files must be what `kubectl apply` would accept. With an aggregatedSelection the files
// describe its result: every object of matching.yaml must be in it, and every object in it must be listed in
// matching.yaml (a non-matching.yaml object, or one the script made up that nobody listed, fails the case).

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
  type LuaSandbox,
  matchingResourceOf,
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
  /** Problems of the EventSource itself (CEL rules that do not parse). */
  errors: string[];
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

/** Resources to evaluate: each must be an object the API server would accept. */
function loadResources(path: string): UncheckedObject[] {
  return readYamlObjects(path, { validate: true }) as UncheckedObject[];
}

export async function compile(
  es: EventSource,
  path: string,
  sandbox: LuaSandbox,
): Promise<CompiledEventSource> {
  try {
    return await compileEventSource(es, { sandbox });
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

/** The per-object verdict of the whole EventSource from the evaluation's decisions: the first selector (in
 * spec order) that matches decides; a script error on any selector before it makes it an error. */
function objectResult(
  evaluation: EventSourceEvaluation,
  obj: UncheckedObject,
  file: string,
  expected?: boolean,
): ObjectResult {
  const result: ObjectResult = {
    file,
    resource: matchingResourceOf(obj),
    matched: false,
    decidedBy: 'gvk',
    warnings: [],
  };
  if (expected !== undefined) result.expected = expected;
  const decisions = evaluation.verdicts
    .filter((d) => d.object === obj && d.verdict.decidedBy !== 'gvk')
    .sort((a, b) => a.selector - b.selector);
  for (const { selector, verdict } of decisions) {
    result.warnings.push(...verdict.issues.map((i) => i.message));
    result.decidedBy = verdict.decidedBy;
    result.selector = selector;
    if (verdict.error) {
      result.error = { code: verdict.error.code, message: verdict.error.message };
      return result;
    }
    if (verdict.message !== undefined) result.message = verdict.message;
    if (verdict.matched) {
      result.matched = true;
      if (verdict.celRule !== undefined) result.celRule = verdict.celRule;
      return result;
    }
  }
  return result;
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

/** Problems of the EventSource as a whole: rules that do not parse count as false on every object. */
function eventSourceErrors(evaluation: EventSourceEvaluation): string[] {
  return evaluation.errors.filter((e) => e.code === 'CEL_PARSE').map((e) => `${e.message} [${e.code}]`);
}

/** Runs one harness directory. */
export async function runCase(dir: string, sandbox: LuaSandbox, base: string): Promise<CaseResult> {
  const esPath = join(dir, EVENTSOURCE_FILE);
  const es = loadEventSource(esPath);
  const load = (file: string) => (existsSync(join(dir, file)) ? loadResources(join(dir, file)) : []);
  const matching = load(MATCHING_FILE);
  const nonMatching = load(NON_MATCHING_FILE);
  const compiled = await compile(es, esPath, sandbox);
  try {
    const evaluation = await compiled.evaluate(groupByGVK([...matching, ...nonMatching]));
    // with an aggregatedSelection the files describe its result; per-object verdicts are informational
    const aggregated = compiled.aggregated;
    const expect = (v: boolean) => (aggregated ? undefined : v);
    const objects = [
      ...matching.map((o) => objectResult(evaluation, o, MATCHING_FILE, expect(true))),
      ...nonMatching.map((o) => objectResult(evaluation, o, NON_MATCHING_FILE, expect(false))),
    ];
    const errors = eventSourceErrors(evaluation);
    const failures = [...errors, ...objects.map(objectFailure).filter((f): f is string => f !== undefined)];
    const result: CaseResult = {
      path: relative(base, dir) || '.',
      eventSource: compiled.name,
      ok: false,
      failures,
      errors,
      objects,
    };
    if (aggregated) {
      const aggregationError = evaluation.ok
        ? undefined
        : evaluation.errors.find((e) => e.fatal && !e.resource);
      if (aggregationError) {
        result.aggregated = {
          resources: [],
          error: { code: aggregationError.code, message: aggregationError.message },
        };
        failures.push(`aggregatedSelection: ${aggregationError.message}`);
      } else if (evaluation.ok) {
        const refs = evaluation.matchingResources;
        const message = evaluation.messages.find((m) => m.source === 'aggregatedSelection')?.message;
        result.aggregated = { resources: refs, ...(message ? { message } : {}) };
        const matchingRefs = matching.map(matchingResourceOf);
        const nonMatchingRefs = nonMatching.map(matchingResourceOf);
        for (const ref of matchingRefs) {
          if (!refs.some((x) => sameRef(x, ref)))
            failures.push(
              `aggregatedSelection: ${describeRef(ref)} from ${MATCHING_FILE} is missing from the result`,
            );
        }
        for (const ref of refs) {
          if (matchingRefs.some((x) => sameRef(x, ref))) continue;
          failures.push(
            nonMatchingRefs.some((x) => sameRef(x, ref))
              ? `aggregatedSelection: ${describeRef(ref)} from ${NON_MATCHING_FILE} is in the result`
              : `aggregatedSelection: the result holds ${describeRef(ref)}, which ${MATCHING_FILE} does not list`,
          );
        }
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
  /** Problems of the EventSource itself (CEL rules that do not parse). */
  errors: string[];
}

/** Ad-hoc run: per-object verdicts plus the whole evaluation (aggregation included) over all resources. */
export async function runAdhoc(
  esPath: string,
  resourcePaths: readonly string[],
  sandbox: LuaSandbox,
): Promise<AdhocResult> {
  const es = loadEventSource(esPath);
  const resources = resourcePaths.flatMap((p) => loadResources(p).map((object) => ({ file: p, object })));
  const compiled = await compile(es, esPath, sandbox);
  try {
    const ev = await compiled.evaluate(groupByGVK(resources.map((r) => r.object)));
    return {
      eventSource: compiled.name,
      objects: resources.map((r) => objectResult(ev, r.object, r.file)),
      evaluation: {
        ok: ev.ok,
        matchingResources: ev.matchingResources,
        messages: ev.messages,
        errors: ev.errors,
      },
      errors: eventSourceErrors(ev),
    };
  } finally {
    compiled.release();
  }
}

export { describeRef };

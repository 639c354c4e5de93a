// The conformance harness used by the golden test, the golden regeneration script and the benchmark:
// case definitions, their typed data (same typing rules as the Go oracle), and rendering a case.
import { isDeepStrictEqual } from 'node:util';
import { toValidUTF8 } from './bytes.ts';
import {
  addonData,
  eventManyData,
  eventOneData,
  type NumberMode,
  objectReference,
  parseJSON,
} from './data.ts';
import { TemplateError } from './errors.ts';
import type { MissingKey } from './exec.ts';
import { type SveltosContext, sveltosFuncs } from './sveltos.ts';
import { compile, type Template } from './template.ts';
import { GoInt, GoMap, goInt, typedSlice, type Value } from './value.ts';

export type CaseContext = 'plain' | 'addon' | 'event-one' | 'event-many';

/** One conformance case: a template, its data and options. Go's result is recorded in the golden file. */
export interface CaseDef {
  id: string;
  template: string;
  /** JSON data; single-key objects {"$int"|"$int64"|"$float"|"$strings"|"$nilmap"|"$ref": ...} are typed markers. */
  data?: unknown;
  numbers?: NumberMode;
  context?: CaseContext;
  missingkey?: MissingKey;
  /** Enables env/expandenv with exactly these variables. */
  env?: Record<string, string>;
  name?: string;
  /** For time/random functions: a regular expression both Go's and our output must match in full. */
  shape?: string;
}

export interface CaseResult {
  output?: string;
  error?: { phase: string; message: string };
}

export interface GoldenCase extends CaseDef {
  expected: CaseResult;
}

function marker(key: string, inner: Value): Value {
  switch (key) {
    case '$int':
    case '$int64':
      if (inner instanceof GoInt) return goInt(key === '$int' ? 'int' : 'int64', inner.value);
      break;
    case '$float':
      if (inner instanceof GoInt) return Number(inner.value);
      if (typeof inner === 'number') return inner;
      break;
    case '$strings':
      if (Array.isArray(inner)) return typedSlice([...inner], 'string');
      break;
    case '$nilmap': {
      const m = new GoMap();
      m.isNil = true;
      return m;
    }
    case '$ref':
      if (inner instanceof Map) {
        const get = (f: string): string => {
          const v = inner.get(f);
          return typeof v === 'string' ? v : '';
        };
        return objectReference({
          Kind: get('Kind'),
          Namespace: get('Namespace'),
          Name: get('Name'),
          APIVersion: get('APIVersion'),
          ResourceVersion: get('ResourceVersion'),
          FieldPath: get('FieldPath'),
        });
      }
  }
  throw new Error(`bad marker ${key}`);
}

function applyMarkers(v: Value): Value {
  if (Array.isArray(v)) return v.map(applyMarkers);
  if (v instanceof Map) {
    if (v.size === 1) {
      const [k, inner] = v.entries().next().value!;
      if (k.startsWith('$'))
        return marker(k, k === '$float' || k.startsWith('$int') ? inner! : applyMarkers(inner!));
    }
    const out = new Map<string, Value>();
    for (const [k, item] of v) out.set(k, applyMarkers(item));
    return out;
  }
  return v;
}

/** Decodes a case's data exactly as the oracle does (numbers typed from their JSON text). */
export function caseData(c: CaseDef): Value {
  if (c.data === undefined) return undefined;
  return applyMarkers(parseJSON(JSON.stringify(c.data), c.numbers ?? 'int64'));
}

type ObjectMap = Map<string, Value>;

function asMap(v: Value): ObjectMap | undefined {
  return v instanceof Map ? v : undefined;
}

function asMapList(v: Value): ObjectMap[] | undefined {
  return Array.isArray(v) ? v.filter((x): x is ObjectMap => x instanceof Map) : undefined;
}

/** Builds the dot of a case from its decoded data. */
export function caseDot(c: CaseDef, data: Value): Value {
  const context = c.context ?? 'plain';
  if (context === 'plain') return data;
  const top = asMap(data) ?? new Map<string, Value>();
  const cluster = asMap(top.get('Cluster'));
  if (context === 'addon') {
    return addonData({
      cluster,
      infrastructureProvider: asMap(top.get('InfrastructureProvider')),
      kubeadmControlPlane: asMap(top.get('KubeadmControlPlane')),
      mgmtResources: asMap(top.get('MgmtResources')),
    });
  }
  if (context === 'event-one') {
    const ref = top.get('MatchingResource');
    const dot = eventOneData({
      resource: asMap(top.get('Resource')),
      cloudEvent: asMap(top.get('CloudEvent')),
      cluster,
    });
    if (ref !== undefined && ref !== null) dot.fields.set('MatchingResource', ref);
    return dot;
  }
  const refs = top.get('MatchingResources');
  const dot = eventManyData({
    resources: asMapList(top.get('Resources')),
    cloudEvents: asMapList(top.get('CloudEvents')),
    cluster,
  });
  if (Array.isArray(refs)) dot.fields.set('MatchingResources', typedSlice([...refs], 'v1.ObjectReference'));
  return dot;
}

function sveltosContext(c: CaseDef): SveltosContext {
  const context = c.context ?? 'plain';
  return context === 'plain' ? 'plain' : context === 'addon' ? 'addon' : 'event';
}

/** Compiles a case's template with the function set of its context. */
export function compileCase(c: CaseDef): Template {
  return compile(c.template, {
    name: c.name ?? 't',
    missingKey: c.missingkey ?? 'error',
    funcs: sveltosFuncs({ context: sveltosContext(c), env: c.env !== undefined }),
  });
}

export function caseEnv(c: CaseDef): ReadonlyMap<string, string> | undefined {
  return c.env === undefined ? undefined : new Map(Object.entries(c.env));
}

/** Renders one case the way the oracle does and reports text or error (phase + Go message). */
export function renderCase(c: CaseDef): CaseResult {
  let tmpl: Template;
  try {
    tmpl = compileCase(c);
  } catch (e) {
    if (e instanceof TemplateError) return { error: { phase: 'parse', message: e.message } };
    throw e;
  }
  try {
    return { output: tmpl.execute(caseDot(c, caseData(c)), { env: caseEnv(c) }) };
  } catch (e) {
    if (e instanceof TemplateError) return { error: { phase: 'exec', message: e.message } };
    throw e;
  }
}

/** A deviation entry: a case id (or an id prefix ending in *) and the deviation (D1, D2, ...) it belongs to. */
export interface DeviationEntry {
  pattern: string;
  id: string;
}

/** Reads the `Cases:` lines of docs/template-deviations.md. */
export function parseDeviations(doc: string): DeviationEntry[] {
  const out: DeviationEntry[] = [];
  let current = '';
  for (const line of doc.split('\n')) {
    const heading = /^## (D\d+)/.exec(line);
    if (heading) current = heading[1]!;
    const cases = /^Cases: (.*)$/.exec(line);
    if (cases && current)
      for (const m of cases[1]!.matchAll(/`([^`]+)`/g)) out.push({ pattern: m[1]!, id: current });
  }
  return out;
}

/** The deviation a case id is listed under, if any. */
export function deviationFor(id: string, list: DeviationEntry[]): string | undefined {
  return list.find((d) =>
    d.pattern.endsWith('*') ? id.startsWith(d.pattern.slice(0, -1)) : id === d.pattern,
  )?.id;
}

function normalize(r: CaseResult): CaseResult {
  return r.output !== undefined ? { output: toValidUTF8(r.output) } : r;
}

/**
 * Renders every case and compares it with Go's recorded result (in full, or against `shape` for time and
 * random functions). Returns one message per difference not covered by a listed deviation.
 */
export function compareWithGolden(golden: GoldenCase[], deviations: DeviationEntry[]): string[] {
  const failures: string[] = [];
  for (const c of golden) {
    let actual: CaseResult;
    try {
      actual = normalize(renderCase(c));
    } catch (e) {
      failures.push(`${c.id}: crashed: ${(e as Error).stack}`);
      continue;
    }
    if (c.shape !== undefined) {
      const re = new RegExp(`^(?:${c.shape})$`, 's');
      const goOk = c.expected.output !== undefined && re.test(c.expected.output);
      const tsOk = actual.output !== undefined && re.test(actual.output);
      if (!goOk || !tsOk)
        failures.push(
          `${c.id}: shape mismatch: go=${JSON.stringify(c.expected)} ts=${JSON.stringify(actual)}`,
        );
      continue;
    }
    if (isDeepStrictEqual(actual, c.expected) || deviationFor(c.id, deviations) !== undefined) continue;
    failures.push(`${c.id}:\n  go: ${JSON.stringify(c.expected)}\n  ts: ${JSON.stringify(actual)}`);
  }
  return failures;
}

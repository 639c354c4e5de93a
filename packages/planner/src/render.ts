// Rendering EventTrigger fields and instantiated data with the template engine, and the event data model.

import type { ObjectReference } from '@sveltos-ts/api';
import {
  eventManyData,
  eventOneData,
  type FuncDef,
  type FuncMap,
  fromJS,
  GoMap,
  GoStruct,
  type ObjectReferenceFields,
  sveltosFuncs,
  TemplateCache,
  TemplateError,
  type Value,
} from '@sveltos-ts/template';
import { PlanError } from './errors.ts';

/** Deep copy of template data (maps, slices with their Go element type, nil maps). */
function copyValue(v: Value): Value {
  if (v instanceof GoMap) {
    const m = new GoMap();
    m.elemType = v.elemType;
    m.isNil = v.isNil;
    for (const [k, x] of v) m.set(k, copyValue(x));
    return m;
  }
  if (v instanceof Map) {
    const m = new Map<string, Value>();
    for (const [k, x] of v) m.set(k, copyValue(x));
    return m;
  }
  if (Array.isArray(v)) {
    const out = v.map(copyValue);
    // keep the engine's slice element-type tag (a symbol property)
    for (const s of Object.getOwnPropertySymbols(v))
      (out as unknown as Record<symbol, unknown>)[s] = (v as unknown as Record<symbol, unknown>)[s];
    return out;
  }
  return v;
}

/** The resource helpers that upstream documents as working on copies but that mutate their argument. */
const MUTATING_HELPERS = [
  'getResource',
  'copy',
  'setField',
  'removeField',
  'chainSetField',
  'chainRemoveField',
];

function onCopies(fn: FuncDef): FuncDef {
  return { ...fn, fn: (args, ctx) => fn.fn([copyValue(args[0] ?? null), ...args.slice(1)], ctx) };
}

function eventFuncs(env: boolean): FuncMap {
  const funcs = new Map(sveltosFuncs({ context: 'event', env }));
  for (const name of MUTATING_HELPERS) {
    const fn = funcs.get(name);
    if (fn !== undefined) funcs.set(name, onCopies(fn));
  }
  return funcs;
}

// Templates compile once per source text (docs/architecture.md); one cache per function set.
const caches = {
  event: new TemplateCache({ funcs: eventFuncs(false) }),
  eventEnv: new TemplateCache({ funcs: eventFuncs(true) }),
  plain: new TemplateCache({ funcs: sveltosFuncs({ context: 'plain' }) }),
  plainEnv: new TemplateCache({ funcs: sveltosFuncs({ context: 'plain', env: true }) }),
};

/** Template data built afresh for every render, so that nothing one template does is seen by the next. */
export type DataFactory = () => Value;

export class Renderer {
  private readonly name: string;
  private readonly env: ReadonlyMap<string, string> | undefined;
  constructor(name: string, env: ReadonlyMap<string, string> | undefined) {
    this.name = name;
    this.env = env;
  }

  /** Renders `text` with the event data model. Text without actions is returned as is. */
  render(text: string, data: DataFactory, field: string): string {
    return this.run(this.env ? caches.eventEnv : caches.event, text, data, field);
  }

  /** Renders with the cluster-only data model (eventSourceName) and without the resource helpers. */
  renderPlain(text: string, data: DataFactory, field: string): string {
    return this.run(this.env ? caches.plainEnv : caches.plain, text, data, field);
  }

  private run(cache: TemplateCache, text: string, data: DataFactory, field: string): string {
    if (!text.includes('{{')) return text;
    try {
      return cache.get(text, this.name).execute(data(), { env: this.env });
    } catch (e) {
      if (e instanceof TemplateError) throw new PlanError('TEMPLATE_FAILED', e.message, field);
      throw e;
    }
  }
}

type ObjectMap = Map<string, Value>;

const toMap = (o: Record<string, unknown>): ObjectMap => fromJS(o, 'int64') as ObjectMap;

function refFields(r: ObjectReference): ObjectReferenceFields {
  return {
    Kind: r.kind,
    Namespace: r.namespace,
    Name: r.name,
    UID: r.uid,
    APIVersion: r.apiVersion,
    ResourceVersion: r.resourceVersion,
    FieldPath: r.fieldPath,
  };
}

/** One event object: a matching resource (with its collected content, if any) or a CloudEvent. */
export type EventItem =
  | { type: 'resource'; ref: ObjectReference; resource: Record<string, unknown> | undefined }
  | { type: 'cloudEvent'; event: Record<string, unknown>; source: string; subject: string };

/** `.Cluster`, `.MatchingResource`, `.Resource`, `.CloudEvent` for one object (oneForEvent: true). Integers
 * in the objects stay int64 (docs/architecture.md). */
export function oneData(cluster: Record<string, unknown>, item: EventItem): DataFactory {
  return () =>
    item.type === 'resource'
      ? eventOneData({
          cluster: toMap(cluster),
          matchingResource: refFields(item.ref),
          resource: item.resource === undefined ? undefined : toMap(item.resource),
        })
      : eventOneData({ cluster: toMap(cluster), cloudEvent: toMap(item.event) });
}

/** `.Cluster`, `.MatchingResources`, `.Resources`, `.CloudEvents` for all objects (oneForEvent: false). */
export function manyData(
  cluster: Record<string, unknown>,
  matchingResources: readonly ObjectReference[],
  resources: readonly Record<string, unknown>[],
  cloudEvents: readonly Record<string, unknown>[],
): DataFactory {
  return () =>
    eventManyData({
      cluster: toMap(cluster),
      matchingResources: matchingResources.map(refFields),
      resources: resources.map(toMap),
      cloudEvents: cloudEvents.map(toMap),
    });
}

/** Data of the eventSourceName template: `.Cluster`, `.ClusterNamespace`, `.ClusterName`. */
export function clusterData(cluster: Record<string, unknown>, namespace: string, name: string): DataFactory {
  return () =>
    new GoStruct(
      'struct',
      new Map<string, Value>([
        ['Cluster', toMap(cluster)],
        ['ClusterNamespace', namespace],
        ['ClusterName', name],
      ]),
    );
}

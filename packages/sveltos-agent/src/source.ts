import type { EventSource, ObjectReference } from '@sveltos-ts/api';
import type { KubeObject } from '@sveltos-ts/kube';
import type { Gvk } from './shared-informers.ts';

/** One object against one selector's per-object rules. */
export interface ObjectVerdict {
  matched: boolean;
  /** A rule that failed on this object and counted as false (CEL): reported, the verdict stands. */
  issue?: string | undefined;
  /** A script that failed on this object (Lua): the verdict is unknown, so the last good report stays. */
  error?: string | undefined;
  /** The object was not evaluated (another script of its batch was stopped): evaluate it again later. */
  retry?: boolean | undefined;
}

/**
 * An EventSource compiled once (validated, rules parsed, scripts loaded in the sandbox) and applied to many
 * objects. The agent only needs this shape; `@sveltos-ts/evaluation` provides it (evaluator.ts), and
 * `sveltosctl eventsource test` runs the same code.
 */
export interface CompiledSource {
  /** The kind each resourceSelector watches, index-aligned with `spec.resourceSelectors`. */
  readonly selectors: readonly Gvk[];
  readonly collectResources: boolean;
  /** True when `aggregatedSelection` decides the final set from all survivors. */
  readonly aggregated: boolean;
  /** Namespace, name, labelFilters, selector, then evaluateCEL or Lua evaluate, for a batch of objects
   * (Lua runs in the sandbox, one request per batch). */
  evaluate(items: readonly { selector: number; object: KubeObject }[]): Promise<ObjectVerdict[]>;
  /** Runs `aggregatedSelection` over every survivor; an error keeps the last good report. */
  aggregate(objects: KubeObject[]): Promise<{ objects: KubeObject[]; message?: string; error?: string }>;
  /** EventReport spec content for the final matches (references and, with collectResources, the objects). */
  report(matched: readonly KubeObject[]): { matchingResources: ObjectReference[]; resources?: string };
  /** Frees compiled scripts when the EventSource changes or goes away. */
  release(): void;
}

/** Rejects with a message naming the problem when the EventSource cannot be evaluated at all (invalid for the
 * CRD schema, a Lua syntax error, ...). */
export type CompileSource = (eventSource: EventSource) => Promise<CompiledSource>;

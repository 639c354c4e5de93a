// syncMode ContinuousWithDriftDetection, the object side (docs/design/addon-controller.md, "Drift"):
// driftExclusions keep the listed paths of an existing object at their live value (Sveltos neither
// reverts nor owns a change there), and a deployed object has drifted when applying our configuration
// again (a server-side dry run) would change it. Pure.

import { canonicalJson, type DriftExclusion, type KubeObject } from '@sveltos-ts/api';
import { compileTarget, getAt, pointer, setAt, type TargetMatcher } from './targets.ts';

export interface CompiledExclusion {
  matches: TargetMatcher;
  paths: string[][];
}

export function compileExclusions(exclusions: readonly DriftExclusion[] | undefined): CompiledExclusion[] {
  return (exclusions ?? []).map((e, i) => ({
    matches: compileTarget(e.target, `spec.driftExclusions[${i}].target`),
    paths: (e.paths ?? []).map(pointer).filter((p) => p.length > 0),
  }));
}

/** The object to apply over `live`, with every excluded path set to its live value (absent: left out). */
export function withExclusions(
  object: Record<string, unknown>,
  live: KubeObject | undefined,
  exclusions: readonly CompiledExclusion[],
): Record<string, unknown> {
  if (live === undefined || exclusions.length === 0) return object;
  let out: Record<string, unknown> | undefined;
  for (const e of exclusions) {
    if (!e.matches(object)) continue;
    for (const path of e.paths) {
      if (path[0] === 'metadata' && (path.length < 2 || path[1] === 'name' || path[1] === 'namespace'))
        continue;
      out ??= structuredClone(object);
      const current = getAt(live, path);
      if (current.found) setAt(out, path, structuredClone(current.value));
      else setAt(out, path, undefined, true);
    }
  }
  return out ?? object;
}

/** What of an object a drift can be: everything but status and what the server maintains. */
function comparable(o: KubeObject): string {
  const { status: _s, ...rest } = o as KubeObject & { status?: unknown };
  const {
    managedFields: _m,
    resourceVersion: _r,
    generation: _g,
    ...metadata
  } = o.metadata as KubeObject['metadata'] & { managedFields?: unknown; generation?: unknown };
  return canonicalJson({ ...rest, metadata });
}

/** Whether applying our configuration again (`dryRun`, the server's answer) would change `live`. */
export function drifted(live: KubeObject, dryRun: KubeObject): boolean {
  return comparable(live) !== comparable(dryRun);
}

/** A change worth a drift check: anything but status, resourceVersion and managedFields. */
export function contentChanged(before: KubeObject, after: KubeObject): boolean {
  return comparable(before) !== comparable(after);
}

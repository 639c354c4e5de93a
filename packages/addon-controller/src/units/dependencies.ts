// spec.dependsOn: a profile deploys in a cluster only once every profile it depends on is provisioned there
// (its ClusterSummary for that cluster has the profile's current spec and every feature Provisioned).
// Profiles in a dependency cycle never deploy; the cycle is reported. Pure.

import { type ClusterProfileSpec, type ClusterSummary, canonicalJson, type FeatureID } from '@sveltos-ts/api';

export type DependencyState =
  | { type: 'ready'; message: string }
  | { type: 'waiting'; message: string }
  | { type: 'cycle'; message: string };

export const ALL_DEPLOYED = 'All dependencies deployed';

/** The cycle through `start`, as a list of names ending where it began, or undefined. */
export function cycleThrough(
  start: string,
  dependsOn: (name: string) => readonly string[] | undefined,
): string[] | undefined {
  const path: string[] = [start];
  const onPath = new Set<string>([start]);
  const done = new Set<string>();
  const visit = (name: string): string[] | undefined => {
    for (const next of dependsOn(name) ?? []) {
      if (next === start) return [...path, start];
      if (onPath.has(next) || done.has(next)) continue;
      path.push(next);
      onPath.add(next);
      const found = visit(next);
      if (found) return found;
      path.pop();
      onPath.delete(next);
      done.add(next);
    }
    return undefined;
  };
  return visit(start);
}

/** Whether a summary shows its profile's current spec fully deployed: every feature the spec asks for
 * (`requested`) Provisioned, and no other feature left in another state. */
export function provisioned(
  summary: ClusterSummary | undefined,
  spec: ClusterProfileSpec | undefined,
  requested: (spec: ClusterProfileSpec) => readonly FeatureID[],
): boolean {
  if (summary === undefined || spec === undefined) return false;
  if (canonicalJson(summary.spec.clusterProfileSpec ?? {}) !== canonicalJson(spec)) return false;
  const features = summary.status?.featureSummaries ?? [];
  if (!features.every((f) => f.status === 'Provisioned')) return false;
  return requested(spec).every((id) => features.some((f) => f.featureID === id));
}

export interface DependencyInput {
  profile: string;
  spec: ClusterProfileSpec;
  /** A profile's spec (undefined: it does not exist). */
  specOf(name: string): ClusterProfileSpec | undefined;
  /** The profile's ClusterSummary for this pair's cluster. */
  summaryOf(name: string): ClusterSummary | undefined;
  /** The features a spec asks for. */
  requested(spec: ClusterProfileSpec): readonly FeatureID[];
}

export function dependencyState(input: DependencyInput): DependencyState {
  const deps = [...new Set(input.spec.dependsOn ?? [])];
  if (deps.length === 0) return { type: 'ready', message: ALL_DEPLOYED };
  const cycle = cycleThrough(input.profile, (n) => (n === input.profile ? deps : input.specOf(n)?.dependsOn));
  if (cycle)
    return {
      type: 'cycle',
      message: `spec.dependsOn: dependency cycle ${cycle.map((n) => `ClusterProfile ${n}`).join(' → ')}: none of them deploys`,
    };
  const waiting: string[] = [];
  for (const d of deps) {
    const spec = input.specOf(d);
    if (spec === undefined) waiting.push(`ClusterProfile ${d} (does not exist)`);
    else if (input.summaryOf(d) === undefined)
      waiting.push(`ClusterProfile ${d} (not deployed in this cluster)`);
    else if (!provisioned(input.summaryOf(d), spec, input.requested))
      waiting.push(`ClusterProfile ${d} (not provisioned yet)`);
  }
  if (waiting.length === 0) return { type: 'ready', message: ALL_DEPLOYED };
  return { type: 'waiting', message: `waiting for ${waiting.join(', ')}` };
}

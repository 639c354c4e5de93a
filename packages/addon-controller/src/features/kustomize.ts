// Feature "Kustomize": kustomizationRefs naming ConfigMaps/Secrets that hold a kustomize directory (a
// .tar.gz, as upstream), built with the real kustomize, instantiated with the ref's substitute values, then
// patched (spec.patches/patchesFrom), then applied and withdrawn exactly like Resources (apply.ts:
// ownership, tiers, adoption, record, intent; deploymentType Local into the management cluster). Any ref
// that cannot be built blocks every delete of the feature: nothing is withdrawn on incomplete information.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { splitApiVersion } from '@sveltos-ts/api';
import { AddonError } from '../errors.ts';
import {
  type DesiredResource,
  type DesiredState,
  describe,
  type Profile,
  resourceKey,
  stoppedAfter,
  withOwnership,
} from '../plan.ts';
import { recordedResources } from '../summary.ts';
import { deployObjects, objectDeployment, withdrawObjects } from './apply.ts';
import { buildKustomization } from './kustomize/build.ts';
import { type KustomizePlan, planKustomizations } from './kustomize/plan.ts';
import { planPatches, withPatches } from './patches.ts';
import type { Feature, FeatureOutcome, FeatureScope, ToolSettings } from './types.ts';

/** Builds the planned kustomizationRefs with the real kustomize into the feature's desired objects (not
 * patched yet: `withPatches` does that). As upstream, references deploy in order and the first failure stops
 * the rest unless continueOnError. `sveltosctl simulate` runs exactly this. */
export async function buildKustomizeObjects(
  tools: ToolSettings,
  owner: Profile,
  plan: KustomizePlan,
): Promise<DesiredState> {
  const state: DesiredState = { resources: [], errors: [...plan.errors], references: plan.references };
  const seen = new Map<string, string>();
  mkdirSync(tools.cacheDir, { recursive: true, mode: 0o700 });
  const scratch = mkdtempSync(join(tools.cacheDir, 'kustomize-'));
  try {
    for (const [i, ref] of plan.refs.entries()) {
      let failure = ref.error;
      let objects: Record<string, unknown>[] = [];
      if (ref.source) {
        try {
          objects = await buildKustomization(tools, scratch, ref.source);
        } catch (e) {
          if (!(e instanceof AddonError)) throw e;
          failure = e;
        }
      }
      if (failure || !ref.source) {
        if (failure) state.errors.push(failure);
        // as upstream: references deploy in order, the first failure stops the rest unless continueOnError
        const total = owner.spec.kustomizationRefs?.length ?? 0;
        if (owner.spec.continueOnError !== true && i + 1 < plan.refs.length) {
          state.errors.push(stoppedAfter('spec.kustomizationRefs', ref.index, total));
          break;
        }
        continue;
      }
      const s = ref.source;
      const source = { kind: s.kind, namespace: s.namespace, name: s.name, key: s.archiveKey };
      for (const doc of objects) {
        const { object, hash } = withOwnership(doc, source, owner, s.tier);
        const meta = object.metadata as { name: string; namespace?: unknown };
        const { group, version } = splitApiVersion(object.apiVersion as string);
        const d: DesiredResource = {
          id: {
            group,
            version,
            kind: object.kind as string,
            namespace: typeof meta.namespace === 'string' ? meta.namespace : '',
            name: meta.name,
            ...(s.local ? { local: true as const } : {}),
          },
          object,
          hash,
          source,
          tier: s.tier,
          skipNamespaceCreation: s.skipNamespaceCreation,
          force: s.force,
        };
        const k = resourceKey(d.id);
        const first = seen.get(k);
        if (first !== undefined) {
          state.errors.push(
            new AddonError('DUPLICATE_RESOURCE', `${describe(d.id)} is built by ${first} and by ${s.field}`),
          );
          continue;
        }
        seen.set(k, s.field);
        state.resources.push(d);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return state;
}

async function deploy(scope: FeatureScope, options: { dryRun: boolean }): Promise<FeatureOutcome> {
  const { profile } = scope;
  const owner = { kind: 'ClusterProfile' as const, name: profile.name, spec: profile.spec };
  const { plan, patches } = await scope.withManagementObjects((lookup) => {
    const input = { profile: owner, cluster: scope.target, lookup };
    return { plan: planKustomizations(input), patches: planPatches(input) };
  });
  const state = await buildKustomizeObjects(scope.tools, owner, plan);
  const patched = await withPatches(scope.tools, owner, state, patches);
  return deployObjects(scope, 'Kustomize', patched, { ...options, failpoints: 'addon-controller/kustomize' });
}

export const kustomizeFeature: Feature = {
  id: 'Kustomize',
  requested: (spec) => (spec.kustomizationRefs ?? []).length > 0,
  recorded: (summary) => objectDeployment('Kustomize', recordedResources(summary, 'Kustomize')),
  deploy,
  withdraw: (scope) => withdrawObjects(scope, 'Kustomize', 'addon-controller/kustomize'),
};

// Feature "Kustomize": kustomizationRefs naming ConfigMaps/Secrets that hold a kustomize directory (a
// .tar.gz, as upstream), built with the real kustomize, instantiated with the ref's substitute values, then
// applied and withdrawn exactly like Resources (apply.ts: ownership, tiers, record, intent). Any ref that
// cannot be built blocks every delete of the feature: nothing is withdrawn on incomplete information.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { splitApiVersion } from '@sveltos-ts/api';
import { AddonError } from '../errors.ts';
import { type DesiredResource, type DesiredState, describe, resourceKey, withOwnership } from '../plan.ts';
import { recordedResources } from '../summary.ts';
import { deployObjects, objectDeployment, withdrawObjects } from './apply.ts';
import { buildKustomization } from './kustomize/build.ts';
import { planKustomizations } from './kustomize/plan.ts';
import type { Feature, FeatureOutcome, FeatureScope } from './types.ts';

async function deploy(scope: FeatureScope, options: { dryRun: boolean }): Promise<FeatureOutcome> {
  const { profile } = scope;
  const owner = { kind: 'ClusterProfile' as const, name: profile.name, spec: profile.spec };
  const plan = await scope.withManagementObjects((lookup) =>
    planKustomizations({ profile: owner, cluster: scope.target, lookup }),
  );
  const state: DesiredState = { resources: [], errors: [...plan.errors], references: plan.references };
  const seen = new Map<string, string>();
  mkdirSync(scope.tools.cacheDir, { recursive: true, mode: 0o700 });
  const scratch = mkdtempSync(join(scope.tools.cacheDir, 'kustomize-'));
  try {
    for (const ref of plan.refs) {
      if (ref.error) {
        state.errors.push(ref.error);
        continue;
      }
      const s = ref.source;
      let objects: Record<string, unknown>[];
      try {
        objects = await buildKustomization(scope.tools, scratch, s);
      } catch (e) {
        if (!(e instanceof AddonError)) throw e;
        state.errors.push(e);
        continue;
      }
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
          },
          object,
          hash,
          source,
          tier: s.tier,
          skipNamespaceCreation: s.skipNamespaceCreation,
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
  return deployObjects(scope, 'Kustomize', state, { ...options, failpoints: 'addon-controller/kustomize' });
}

export const kustomizeFeature: Feature = {
  id: 'Kustomize',
  requested: (spec) => (spec.kustomizationRefs ?? []).length > 0,
  recorded: (summary) => objectDeployment('Kustomize', recordedResources(summary, 'Kustomize')),
  deploy,
  withdraw: (scope) => withdrawObjects(scope, 'Kustomize', 'addon-controller/kustomize'),
};

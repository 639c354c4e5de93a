// Feature "Resources": the YAML held in ConfigMaps/Secrets that policyRefs name (templates rendered with
// `.Cluster` and templateResourceRefs), server-side applied with owner annotations, withdrawn when no longer
// wanted, conflicts between profiles decided by tier (docs/design/addon-controller.md). The object
// mechanics it shares with Kustomize are in apply.ts and objects.ts.

import { desiredResources } from '../plan.ts';
import { recordedResources } from '../summary.ts';
import { deployObjects, objectDeployment, withdrawObjects } from './apply.ts';
import type { Feature, FeatureOutcome, FeatureScope } from './types.ts';

async function deploy(scope: FeatureScope, options: { dryRun: boolean }): Promise<FeatureOutcome> {
  const { profile } = scope;
  const state = await scope.withManagementObjects((lookup) =>
    desiredResources({
      profile: { kind: 'ClusterProfile', name: profile.name, spec: profile.spec },
      cluster: scope.target,
      lookup,
    }),
  );
  return deployObjects(scope, 'Resources', state, options);
}

export const resourcesFeature: Feature = {
  id: 'Resources',
  requested: (spec) => (spec.policyRefs ?? []).length > 0,
  recorded: (summary) => objectDeployment('Resources', recordedResources(summary)),
  deploy,
  withdraw: (scope) => withdrawObjects(scope, 'Resources'),
};

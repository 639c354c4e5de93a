// The feature table: every kind of add-on the addon-controller deploys, in the order it deploys them
// (resources first: charts and kustomizations may need the namespaces and CRDs they bring). Adding Helm or
// Kustomize is a file under features/ and its entry here.

import { refusedFeature } from './refused.ts';
import { resourcesFeature } from './resources.ts';
import type { Feature } from './types.ts';

export const features: readonly Feature[] = [
  resourcesFeature,
  refusedFeature('Helm', 'helmCharts', 'Helm charts'),
  refusedFeature('Kustomize', 'kustomizationRefs', 'kustomizations'),
];

export type { DryRunEntry, Feature, FeatureOutcome, FeatureScope } from './types.ts';

// The feature table: every kind of add-on the addon-controller deploys, in the order it deploys them
// (resources first: charts and kustomizations may need the namespaces and CRDs they bring). A new kind of
// add-on is a file under features/ and its entry here (refused.ts refuses one out loud until it exists).

import { helmFeature } from './helm.ts';
import { kustomizeFeature } from './kustomize.ts';
import { resourcesFeature } from './resources.ts';
import type { Feature } from './types.ts';

export const features: readonly Feature[] = [resourcesFeature, helmFeature, kustomizeFeature];

export type { DryRunEntry, Feature, FeatureOutcome, FeatureScope } from './types.ts';

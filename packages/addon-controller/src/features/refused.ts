// A feature this controller does not deploy yet, refused out loud: a profile asking for it gets the
// feature's summary entry FailedNonRetriable with FEATURE_NOT_SUPPORTED (and a Warning Event), never a
// silent success. Replacing the table entry with a real feature file is all it takes to support it.

import type { ClusterProfileSpec, FeatureID } from '@sveltos-ts/api';
import { AddonError } from '../errors.ts';
import type { Feature, FeatureOutcome } from './types.ts';

export function refusedFeature(id: FeatureID, field: keyof ClusterProfileSpec, what: string): Feature {
  const outcome = (): FeatureOutcome => ({
    errors: [
      new AddonError(
        'FEATURE_NOT_SUPPORTED',
        `spec.${field}: ${what} are not deployed yet by this addon-controller`,
      ),
    ],
    conflicts: [],
    deployed: { featureID: id },
    references: [],
  });
  return {
    id,
    requested: (spec) => {
      const value = spec[field];
      return Array.isArray(value) ? value.length > 0 : value !== undefined;
    },
    recorded: () => ({ featureID: id }),
    deploy: async () => outcome(),
    // nothing was ever deployed: nothing to take back
    withdraw: async () => ({ errors: [], conflicts: [], deployed: { featureID: id }, references: [] }),
  };
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterProfileSpec } from '@sveltos-ts/api';
import { features } from './index.ts';
import { refusedFeature } from './refused.ts';
import type { FeatureScope } from './types.ts';

const helmChart = {
  repositoryURL: 'https://charts.example.com',
  repositoryName: 'example',
  chartName: 'example/app',
  chartVersion: '1.0.0',
  releaseName: 'app',
  releaseNamespace: 'apps',
};

describe('feature table', () => {
  it('has one entry per feature of the ClusterSummary, Resources first', () => {
    assert.deepEqual(
      features.map((f) => f.id),
      ['Resources', 'Helm', 'Kustomize'],
    );
  });

  it('each feature says whether a profile asks for it', () => {
    const spec: ClusterProfileSpec = {
      policyRefs: [{ kind: 'ConfigMap', namespace: 'ns', name: 'a' }],
      kustomizationRefs: [{ kind: 'ConfigMap', namespace: 'ns', name: 'k' }],
    };
    assert.deepEqual(
      features.filter((f) => f.requested(spec)).map((f) => f.id),
      ['Resources', 'Kustomize'],
    );
    assert.deepEqual(
      features.filter((f) => f.requested({ helmCharts: [helmChart] })).map((f) => f.id),
      ['Helm'],
    );
    assert.deepEqual(
      features.filter((f) => f.requested({})).map((f) => f.id),
      [],
    );
  });

  it('a feature not deployed yet is refused out loud, naming the field, and never retried', async () => {
    const scope = {} as FeatureScope; // a refused feature looks at nothing
    const feature = refusedFeature('Resources', 'patchesFrom', 'patchesFrom sources');
    const outcome = await feature.deploy(scope, { dryRun: false });
    assert.equal(outcome.errors.length, 1);
    assert.equal(outcome.errors[0]!.code, 'FEATURE_NOT_SUPPORTED');
    assert.equal(outcome.errors[0]!.retryable, false);
    assert.match(outcome.errors[0]!.message, /^spec\.patchesFrom: /);
    assert.deepEqual((await feature.withdraw(scope)).errors, []);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AddonError } from './errors.ts';
import { type CandidateCluster, profileSelects } from './match.ts';
import {
  clusterSummaryName,
  deployedResource,
  failureText,
  featureSection,
  recordedResources,
  refusedSection,
  summaryStatus,
} from './summary.ts';

describe('clusterSummaryName', () => {
  it('is <profile>-<capi|sveltos>-<cluster>, and stays within 253 characters', () => {
    assert.equal(clusterSummaryName('sveltos-abc', 'Sveltos', 'workload'), 'sveltos-abc-sveltos-workload');
    assert.equal(clusterSummaryName('p', 'Capi', 'c1'), 'p-capi-c1');
    const long = clusterSummaryName('p'.repeat(200), 'Sveltos', 'c'.repeat(100));
    assert.equal(long.length <= 253, true);
    assert.notEqual(long, clusterSummaryName('p'.repeat(200), 'Sveltos', `${'c'.repeat(99)}d`));
  });
});

describe('summaryStatus', () => {
  it('lays out featureSummaries and deployedFeatures; round-trips through recordedResources', () => {
    const deployed = [
      {
        group: '',
        version: 'v1',
        kind: 'Secret',
        namespace: 'hr',
        name: 'x',
        lastAppliedTime: '2025-01-01T00:00:00Z',
      },
      { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', namespace: '', name: 'r' },
    ];
    const status = summaryStatus([
      featureSection({
        featureID: 'Resources',
        status: 'Provisioned',
        hash: 'aGFzaA==',
        errors: [],
        deployed: { featureID: 'Resources', resources: deployed.map(deployedResource) },
        consecutiveFailures: 0,
        now: '2025-01-02T00:00:00Z',
      }),
      refusedSection('Helm', 'helm later'),
    ]);
    assert.deepEqual(status.featureSummaries, [
      {
        featureID: 'Resources',
        status: 'Provisioned',
        hash: 'aGFzaA==',
        consecutiveFailures: 0,
        deployedGroupVersionKind: ['ClusterRole.v1.rbac.authorization.k8s.io', 'Secret.v1.'],
        lastAppliedTime: '2025-01-02T00:00:00Z',
      },
      {
        featureID: 'Helm',
        status: 'FailedNonRetriable',
        failureReason: 'FEATURE_NOT_SUPPORTED',
        failureMessage: 'helm later',
      },
    ]);
    const summary = { status } as never;
    assert.deepEqual(
      recordedResources(summary).map((r) => `${r.kind}/${r.namespace}/${r.name}`),
      ['Secret/hr/x', 'ClusterRole//r'],
    );
  });

  it('failures: reason is the first error code, the message lists every failure once', () => {
    const status = summaryStatus([
      featureSection({
        featureID: 'Resources',
        status: 'Failed',
        errors: [
          new AddonError('REFERENCE_NOT_FOUND', 'a missing'),
          new AddonError('TEMPLATE_FAILED', 'b broken'),
        ],
        messages: ['c conflict', 'c conflict'],
        deployed: { featureID: 'Resources', resources: [] },
        consecutiveFailures: 3,
        now: 'now',
      }),
    ]);
    const f = status.featureSummaries![0]!;
    assert.equal(f.failureReason, 'REFERENCE_NOT_FOUND');
    assert.equal(f.failureMessage, 'a missing\nb broken\nc conflict');
    assert.equal(f.consecutiveFailures, 3);
    assert.equal(failureText([]), undefined);
    assert.match(failureText(['x'.repeat(5000)])!, /\(truncated\)$/);
  });
});

describe('profileSelects', () => {
  const c = (labels: Record<string, string>, ready = true): CandidateCluster => ({
    type: 'Sveltos',
    namespace: 'ns',
    name: 'c1',
    labels,
    ready,
  });
  const ref = {
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'SveltosCluster',
    namespace: 'ns',
    name: 'c1',
  };

  it('clusterRefs ∪ clusterSelector ∪ ClusterSet selection, ready clusters only, empty selector matches none', () => {
    assert.equal(profileSelects({ clusterRefs: [ref] }, c({})), true);
    assert.equal(profileSelects({ clusterRefs: [{ ...ref, kind: 'Cluster' }] }, c({})), false);
    assert.equal(profileSelects({ clusterSelector: { matchLabels: { env: 'fv' } } }, c({ env: 'fv' })), true);
    assert.equal(
      profileSelects({ clusterSelector: { matchLabels: { env: 'fv' } } }, c({ env: 'fv' }, false)),
      false,
    );
    assert.equal(profileSelects({ clusterSelector: {} }, c({ env: 'fv' })), false);
    assert.equal(profileSelects({ setRefs: ['s'] }, c({}), [ref]), true);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EventReport, EventTrigger, SveltosCluster } from '@sveltos-ts/api';
import { resolveEventSourceName } from '@sveltos-ts/planner';
import { localEventReport } from '@sveltos-ts/sveltos-agent';
import { acceptReport, claimedCluster, consumers, isLocalCopy } from './routing.ts';
import { agentReport } from './test-support.ts';

const cluster = (namespace: string, name: string, labels: Record<string, string> = {}): SveltosCluster => ({
  apiVersion: 'lib.projectsveltos.io/v1beta1',
  kind: 'SveltosCluster',
  metadata: { namespace, name, labels },
});
const report = (o: { ns: string; name: string; es?: string }) =>
  agentReport({
    clusterNamespace: o.ns,
    clusterName: o.name,
    eventSource: o.es ?? 'es',
    resources: [],
  }) as unknown as EventReport;

describe('report acceptance routing', () => {
  it('a report the agent of a registered cluster writes is accepted', () => {
    const r = report({ ns: 'a', name: 'wl' });
    assert.deepEqual(claimedCluster(r), { type: 'Sveltos', namespace: 'a', name: 'wl' });
    assert.deepEqual(acceptReport(r, cluster('a', 'wl')), { accepted: true });
  });

  it('a report naming an unregistered cluster, or with inconsistent spec, is rejected with a reason', () => {
    const r = report({ ns: 'a', name: 'other' });
    const unregistered = acceptReport(r, undefined);
    assert.equal(unregistered.accepted, false);
    assert.match(!unregistered.accepted ? unregistered.reason : '', /a\/other, which is not registered/);
    const lying = report({ ns: 'a', name: 'wl' });
    lying.spec.clusterName = 'victim';
    const rejected = acceptReport(lying, cluster('a', 'wl'));
    assert.equal(rejected.accepted, false);
    assert.match(!rejected.accepted ? rejected.reason : '', /spec\.clusterName/);
  });

  it('a report without the cluster labels is rejected', () => {
    const r = report({ ns: 'a', name: 'wl' });
    delete r.metadata.labels!['eventreport.projectsveltos.io/cluster-type'];
    assert.equal(claimedCluster(r), undefined);
    assert.equal(acceptReport(r, cluster('a', 'wl')).accepted, false);
  });

  it('consumers: triggers matching the cluster whose (templated) EventSource resolves to the report', () => {
    const et = (name: string, eventSourceName: string): EventTrigger => ({
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'EventTrigger',
      metadata: { name },
      spec: { sourceClusterSelector: { matchLabels: { env: 'fv' } }, eventSourceName },
    });
    const c = cluster('a', 'wl', { env: 'fv' });
    const triggers = [
      et('plain', 'es-wl'),
      et('templated', 'es-{{ .Cluster.metadata.name }}'),
      et('other', 'x'),
      et('nomatch', 'es-wl'),
    ];
    const got = consumers(
      'es-wl',
      triggers,
      (t) => t.metadata.name !== 'nomatch',
      (t) => resolveEventSourceName(t, c),
    );
    assert.deepEqual(
      got.map((t) => t.metadata.name),
      ['plain', 'templated'],
    );
  });
  it("an agent's own copy in its cluster is told apart from a management copy (and from a spoof)", () => {
    const local = localEventReport('es', { matchingResources: [] }) as unknown as EventReport;
    assert.equal(isLocalCopy(local), true);
    assert.equal(isLocalCopy(report({ ns: 'a', name: 'wl' })), false);
    // a report naming a cluster in its spec but without labels is not a local copy: it is judged (rejected)
    const unlabelled = {
      ...report({ ns: 'a', name: 'wl' }),
      metadata: { name: 'x', namespace: 'a' },
    } as EventReport;
    assert.equal(isLocalCopy(unlabelled), false);
  });
});

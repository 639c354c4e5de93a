import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EventReport } from '@sveltos-ts/api';
import { reportAcceptance } from './acceptance.ts';
import { capiCluster, sveltosCluster } from './test-fixtures.ts';

function report(): EventReport {
  return {
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'EventReport',
    metadata: {
      name: 'sveltos--es--workload',
      namespace: 'default',
      labels: {
        'projectsveltos.io/eventsource-name': 'es',
        'eventreport.projectsveltos.io/cluster-name': 'workload',
        'eventreport.projectsveltos.io/cluster-type': 'sveltos',
      },
    },
    spec: {
      clusterNamespace: 'default',
      clusterName: 'workload',
      clusterType: 'Sveltos',
      eventSourceName: 'es',
    },
  };
}

describe('reportAcceptance', () => {
  it('accepts a report whose namespace, name, labels and spec all name the registered cluster', () => {
    assert.deepEqual(reportAcceptance(report(), sveltosCluster), { accepted: true });
    const capi = report();
    capi.metadata = {
      name: 'capi--es--capi1',
      namespace: 'team',
      labels: {
        'projectsveltos.io/eventsource-name': 'es',
        'eventreport.projectsveltos.io/cluster-name': 'capi1',
        'eventreport.projectsveltos.io/cluster-type': 'capi',
      },
    };
    capi.spec = { ...capi.spec, clusterNamespace: 'team', clusterName: 'capi1', clusterType: 'Capi' };
    assert.deepEqual(reportAcceptance(capi, capiCluster), { accepted: true });
  });

  const cases: [string, (r: EventReport) => void, RegExp][] = [
    ['namespace', (r) => (r.metadata.namespace = 'other'), /namespace is "other", expected "default"/],
    [
      'cluster-name label',
      (r) => (r.metadata.labels!['eventreport.projectsveltos.io/cluster-name'] = 'victim'),
      /label eventreport\.projectsveltos\.io\/cluster-name is "victim"/,
    ],
    [
      'cluster-type label',
      (r) => (r.metadata.labels!['eventreport.projectsveltos.io/cluster-type'] = 'Sveltos'),
      /cluster-type is "Sveltos", expected "sveltos"/,
    ],
    ['spec.clusterNamespace', (r) => (r.spec.clusterNamespace = 'x'), /spec\.clusterNamespace/],
    ['spec.clusterName', (r) => (r.spec.clusterName = 'victim'), /spec\.clusterName is "victim"/],
    [
      'spec.clusterType',
      (r) => (r.spec.clusterType = 'Capi'),
      /spec\.clusterType is "Capi", expected "Sveltos"/,
    ],
    [
      'eventsource label',
      (r) => delete r.metadata.labels!['projectsveltos.io/eventsource-name'],
      /eventsource-name is null, expected "es"/,
    ],
    ['name', (r) => (r.metadata.name = 'sveltos--es--victim'), /name is "sveltos--es--victim"/],
  ];
  for (const [what, mutate, reason] of cases) {
    it(`refuses a report whose ${what} names something else`, () => {
      const r = report();
      mutate(r);
      const a = reportAcceptance(r, sveltosCluster);
      assert.equal(a.accepted, false);
      assert.match(a.accepted ? '' : a.reason, reason);
    });
  }

  it('refuses when the registered cluster is not a cluster object', () => {
    const a = reportAcceptance(report(), { ...sveltosCluster, apiVersion: 'v1', kind: 'Pod' } as never);
    assert.equal(a.accepted, false);
  });
});

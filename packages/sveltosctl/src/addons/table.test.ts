import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterSummary } from '@sveltos-ts/api';
import { addonRows, addonsTable, goTimeString } from './table.ts';

function summary(
  profile: string,
  clusterNamespace: string,
  clusterName: string,
  names: string[],
): ClusterSummary {
  return {
    apiVersion: 'config.projectsveltos.io/v1beta1',
    kind: 'ClusterSummary',
    metadata: {
      name: `${profile}-sveltos-${clusterName}`,
      namespace: clusterNamespace,
      labels: { 'projectsveltos.io/cluster-profile-name': profile },
    },
    spec: { clusterNamespace, clusterName, clusterType: 'Sveltos' },
    status: {
      deployedFeatures: [
        {
          featureID: 'Resources',
          resources: names.map((n) => ({
            group: '',
            version: 'v1',
            kind: 'Secret',
            namespace: n,
            name: 'login-credentials',
            lastAppliedTime: '2025-02-28T13:23:08Z',
          })),
        },
      ],
    },
  };
}

describe('show addons', () => {
  const summaries = [
    summary('sveltos-lbh9me2lr77gokea2u5u', 'default', 'workload', ['hr', 'eng']),
    summary('other', 'prod', 'c2', ['x']),
  ];

  it('prints the table of seed 001', () => {
    assert.equal(
      addonsTable(addonRows(summaries, { cluster: 'workload' })),
      [
        '+------------------+---------------+-----------+-------------------+---------+-------------------------------+---------------------------------------------+',
        '|     CLUSTER      | RESOURCE TYPE | NAMESPACE |       NAME        | VERSION |             TIME              |                  PROFILES                   |',
        '+------------------+---------------+-----------+-------------------+---------+-------------------------------+---------------------------------------------+',
        '| default/workload | :Secret       | eng       | login-credentials | N/A     | 2025-02-28 13:23:08 +0000 UTC | ClusterProfile/sveltos-lbh9me2lr77gokea2u5u |',
        '| default/workload | :Secret       | hr        | login-credentials | N/A     | 2025-02-28 13:23:08 +0000 UTC | ClusterProfile/sveltos-lbh9me2lr77gokea2u5u |',
        '+------------------+---------------+-----------+-------------------+---------+-------------------------------+---------------------------------------------+',
      ].join('\n'),
    );
  });

  it('filters by cluster namespace, cluster and profile; merges profiles of one object', () => {
    assert.equal(addonRows(summaries).length, 3);
    assert.deepEqual(
      addonRows(summaries, { namespace: 'prod' }).map((r) => r.cluster),
      ['prod/c2'],
    );
    assert.equal(addonRows(summaries, { profile: 'ClusterProfile/other' }).length, 1);
    assert.equal(addonRows(summaries, { profile: 'nope' }).length, 0);
    const twice = addonRows([summaries[1]!, { ...summary('again', 'prod', 'c2', ['x']) }]);
    assert.deepEqual(twice[0]?.profiles, ['ClusterProfile/again', 'ClusterProfile/other']);
  });

  it('formats times as Go does and tolerates missing ones', () => {
    assert.equal(goTimeString('2025-02-28T13:23:08Z'), '2025-02-28 13:23:08 +0000 UTC');
    assert.equal(goTimeString(undefined), '');
  });
});

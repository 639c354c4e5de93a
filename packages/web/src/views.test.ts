import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  ClusterProfile,
  ClusterSummary,
  EventReport,
  EventTrigger,
  KubeObject,
  SveltosCluster,
} from '@sveltos-ts/api';
import { type CoreEvent, emptySnapshot, type Snapshot, trimObject } from './model.ts';
import {
  clusterDetail,
  clusterList,
  matchesSearch,
  overview,
  paginate,
  profileDetail,
  profileList,
  profileOrigin,
  timeline,
  triggerDetail,
  triggerList,
  worstStatus,
} from './views.ts';

// label keys and values as the event-manager and the addon-controller write them (facts of the API)
const ET = 'eventtrigger.lib.projectsveltos.io';

function cluster(
  namespace: string,
  name: string,
  labels: Record<string, string>,
  ready: boolean,
): SveltosCluster {
  return {
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'SveltosCluster',
    metadata: { namespace, name, labels, creationTimestamp: '2026-12-01T10:00:00Z' },
    spec: {},
    status: { ready, version: ready ? 'v1.35.0' : undefined },
  } as SveltosCluster;
}

const trigger: EventTrigger = {
  apiVersion: 'lib.projectsveltos.io/v1beta1',
  kind: 'EventTrigger',
  metadata: { name: 'network-policy' },
  spec: {
    eventSourceName: 'load-balancer',
    sourceClusterSelector: { matchLabels: { env: 'fv' } },
    destinationClusterSelector: { matchLabels: { tier: 'edge' } },
    oneForEvent: true,
  },
} as EventTrigger;

const report: EventReport = {
  apiVersion: 'lib.projectsveltos.io/v1beta1',
  kind: 'EventReport',
  metadata: {
    namespace: 'default',
    name: 'sveltos--load-balancer--cluster-a',
    annotations: { 'eventreport.projectsveltos.io/changed-at': '2026-12-01T10:01:00Z' },
  },
  spec: {
    clusterNamespace: 'default',
    clusterName: 'cluster-a',
    clusterType: 'Sveltos',
    eventSourceName: 'load-balancer',
    matchingResources: [{ apiVersion: 'v1', kind: 'Service', namespace: 'web', name: 'nginx' }],
  },
  status: { phase: 'Processed' },
} as EventReport;

const profile: ClusterProfile = {
  apiVersion: 'config.projectsveltos.io/v1beta1',
  kind: 'ClusterProfile',
  metadata: {
    name: 'sveltos-8x2k',
    creationTimestamp: '2026-12-01T10:01:01Z',
    labels: {
      [`${ET}/eventtriggername`]: 'network-policy',
      [`${ET}/clusterNamespace`]: 'default',
      [`${ET}/clustername`]: 'cluster-a',
      [`${ET}/clustertype`]: 'Sveltos',
      [`${ET}/eventreportname`]: 'load-balancer',
      [`${ET}/resourcename`]: 'nginx',
      [`${ET}/resourcenamespace`]: 'web',
    },
  },
  spec: { clusterSelector: { matchLabels: { tier: 'edge' } } },
  status: {
    matchingClusters: [
      {
        apiVersion: 'lib.projectsveltos.io/v1beta1',
        kind: 'SveltosCluster',
        namespace: 'default',
        name: 'cluster-a',
      },
      {
        apiVersion: 'lib.projectsveltos.io/v1beta1',
        kind: 'SveltosCluster',
        namespace: 'default',
        name: 'cluster-b',
      },
    ],
  },
} as ClusterProfile;

const handWritten: ClusterProfile = {
  apiVersion: 'config.projectsveltos.io/v1beta1',
  kind: 'ClusterProfile',
  metadata: { name: 'baseline', creationTimestamp: '2026-12-01T09:00:00Z' },
  spec: { clusterSelector: { matchLabels: { env: 'fv' } } },
} as ClusterProfile;

function summary(clusterName: string, profileName: string, status: ClusterSummary['status']): ClusterSummary {
  return {
    apiVersion: 'config.projectsveltos.io/v1beta1',
    kind: 'ClusterSummary',
    metadata: {
      namespace: 'default',
      name: `${profileName}-sveltos-${clusterName}`,
      labels: { 'projectsveltos.io/cluster-profile-name': profileName },
    },
    spec: { clusterNamespace: 'default', clusterName, clusterType: 'Sveltos' },
    status,
  } as ClusterSummary;
}

const deployedInA = summary('cluster-a', 'sveltos-8x2k', {
  featureSummaries: [
    { featureID: 'Resources', status: 'Provisioned', lastAppliedTime: '2026-12-01T10:01:02Z' },
  ],
  deployedFeatures: [
    {
      featureID: 'Resources',
      resources: [
        {
          group: 'networking.k8s.io',
          version: 'v1',
          kind: 'NetworkPolicy',
          namespace: 'web',
          name: 'front-nginx',
          lastAppliedTime: '2026-12-01T10:01:02Z',
        },
      ],
    },
  ],
} as ClusterSummary['status']);

const failedInB = summary('cluster-b', 'sveltos-8x2k', {
  featureSummaries: [
    {
      featureID: 'Resources',
      status: 'Failed',
      failureMessage: 'networkpolicies is forbidden',
      consecutiveFailures: 3,
      lastAppliedTime: '2026-12-01T10:01:03Z',
    },
  ],
} as ClusterSummary['status']);

const warning: CoreEvent = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { namespace: 'default', name: 'x.1' },
  involvedObject: { kind: 'ClusterSummary', namespace: 'default', name: failedInB.metadata.name },
  type: 'Warning',
  reason: 'DeployFailed',
  message: 'networkpolicies is forbidden',
  count: 3,
  lastTimestamp: '2026-12-01T10:01:04Z',
};

function fleet(access?: Parameters<typeof emptySnapshot>[0]): Snapshot {
  return {
    ...emptySnapshot(access),
    sveltosClusters: [
      cluster('default', 'cluster-a', { env: 'fv' }, true),
      cluster('default', 'cluster-b', { env: 'prod', tier: 'edge' }, false),
      cluster('mgmt', 'mgmt', { 'cluster-api': 'enabled' }, true),
    ],
    eventTriggers: [trigger],
    eventReports: [report],
    clusterProfiles: [profile, handWritten],
    clusterSummaries: [deployedInA, failedInB],
    events: [warning],
  };
}

describe('search and paging', () => {
  it('matches words in the text, key=value on a label value, key= on a label key', () => {
    assert.equal(matchesSearch('', 'anything'), true);
    assert.equal(matchesSearch('CLUSTER-a', 'default/cluster-a'), true);
    assert.equal(matchesSearch('env=fv', 'x', { env: 'fv' }), true);
    assert.equal(matchesSearch('env=prod', 'x', { env: 'fv' }), false);
    assert.equal(matchesSearch('env=', 'x', { env: 'fv' }), true);
    assert.equal(matchesSearch('tier=', 'x', { env: 'fv' }), false);
    assert.equal(matchesSearch('default env=fv', 'default/a', { env: 'fv' }), true);
    assert.equal(matchesSearch('mgmt env=fv', 'default/a', { env: 'fv' }), false);
  });

  it('pages 1,000 rows, clamping pages out of range and page sizes above the limit', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => i + 1);
    const third = paginate(rows, 3, 50);
    assert.deepEqual([third.items[0], third.items.at(-1), third.pages, third.total], [101, 150, 20, 1000]);
    assert.equal(paginate(rows, 99, 50).page, 20);
    assert.equal(paginate(rows, -1, 50).page, 1);
    assert.equal(paginate(rows, 1, 5000).pageSize, 200);
    assert.deepEqual(paginate([], 1, 50), { items: [], total: 0, page: 1, pageSize: 50, pages: 1 });
  });
});

describe('clusters', () => {
  it('lists clusters with readiness, labels and what happened in them', () => {
    const list = clusterList(fleet());
    assert.deepEqual(
      list.items.map((c) => [
        `${c.namespace}/${c.name}`,
        c.ready,
        c.events,
        c.profiles,
        c.resources,
        c.failing,
      ]),
      [
        ['default/cluster-a', true, 1, 1, 1, 0],
        ['default/cluster-b', false, 0, 1, 0, 1],
        ['mgmt/mgmt', true, 0, 0, 0, 0],
      ],
    );
    assert.deepEqual([list.all, list.readyCount, list.hidden], [3, 2, []]);
  });

  it('filters by search and readiness', () => {
    assert.deepEqual(
      clusterList(fleet(), { q: 'tier=edge' }).items.map((c) => c.name),
      ['cluster-b'],
    );
    assert.deepEqual(
      clusterList(fleet(), { ready: 'not-ready' }).items.map((c) => c.name),
      ['cluster-b'],
    );
    const none = clusterList(fleet(), { q: 'nothing-like-this' });
    assert.deepEqual([none.total, none.all], [0, 3]);
  });

  it('shows a cluster: its events, the profiles they made, what is deployed there and why', () => {
    const detail = clusterDetail(fleet(), { type: 'sveltos', namespace: 'default', name: 'cluster-a' })!;
    assert.deepEqual(
      detail.reports.map((r) => [
        r.eventSource,
        r.matching.map((m) => `${m.kind} ${m.namespace}/${m.name}`),
        r.triggers,
      ]),
      [['load-balancer', ['Service web/nginx'], ['network-policy']]],
    );
    assert.deepEqual(detail.triggers, [{ name: 'network-policy', eventSource: 'load-balancer' }]);
    assert.deepEqual(
      detail.produced.map((p) => [p.name, p.trigger, p.resource, p.destinations.map((d) => d.name)]),
      [['sveltos-8x2k', 'network-policy', { namespace: 'web', name: 'nginx' }, ['cluster-a', 'cluster-b']]],
    );
    const [deployment] = detail.deployments;
    assert.equal(deployment?.status, 'Provisioned');
    assert.deepEqual(
      deployment?.resources.map((r) => `${r.kind} ${r.namespace}/${r.name} in ${r.location}`),
      ['NetworkPolicy web/front-nginx in managed cluster'],
    );
    assert.equal(deployment?.origin?.trigger, 'network-policy');
    assert.deepEqual(deployment?.origin?.resource, { namespace: 'web', name: 'nginx' });
  });

  it('shows the error of a failed deployment', () => {
    const detail = clusterDetail(fleet(), { type: 'sveltos', namespace: 'default', name: 'cluster-b' })!;
    assert.equal(detail.deployments[0]?.status, 'Failed');
    assert.equal(detail.deployments[0]?.features[0]?.failureMessage, 'networkpolicies is forbidden');
    assert.equal(detail.deployments[0]?.features[0]?.consecutiveFailures, 3);
  });

  it('is not found when nothing of the cluster is readable', () => {
    assert.equal(clusterDetail(fleet(), { type: 'sveltos', namespace: 'default', name: 'nope' }), undefined);
  });

  it("shows a tenant a cluster's records without the cluster object", () => {
    const snapshot = { ...fleet(), sveltosClusters: [] };
    const detail = clusterDetail(snapshot, { type: 'sveltos', namespace: 'default', name: 'cluster-a' })!;
    assert.equal(detail.cluster.ready, false);
    assert.equal(detail.deployments.length, 1);
  });
});

describe('EventTriggers: the chain', () => {
  it('draws source cluster → event → profile → destination clusters with their states', () => {
    const detail = triggerDetail(fleet(), 'network-policy')!;
    assert.deepEqual(
      detail.sources.map((s) => [s.key, s.report?.matching.length]),
      [['sveltos/default/cluster-a', 1]],
    );
    assert.deepEqual(
      detail.events.map((e) => [e.source, e.resource.name]),
      [['sveltos/default/cluster-a', 'nginx']],
    );
    assert.equal(detail.profiles.length, 1);
    const [chainProfile] = detail.profiles;
    assert.deepEqual(chainProfile?.events, [detail.events[0]?.id]);
    assert.deepEqual(chainProfile?.destinations, [
      { key: 'sveltos/default/cluster-a', status: 'Provisioned', failureMessage: '' },
      { key: 'sveltos/default/cluster-b', status: 'Failed', failureMessage: 'networkpolicies is forbidden' },
    ]);
    assert.deepEqual(
      detail.destinations.map((d) => [d.key, d.visible]),
      [
        ['sveltos/default/cluster-a', true],
        ['sveltos/default/cluster-b', true],
      ],
    );
    assert.equal(detail.trigger.destination, 'tier=edge');
  });

  it('lists triggers with counts', () => {
    const [row] = triggerList(fleet()).items;
    assert.deepEqual(
      [row?.name, row?.sources, row?.profiles, row?.destinations, row?.failing, row?.oneForEvent],
      ['network-policy', 1, 1, 2, 1, true],
    );
    assert.equal(triggerDetail(fleet(), 'unknown'), undefined);
  });
});

describe('ClusterProfiles', () => {
  it('says which trigger and event made a profile, and that a person wrote the other', () => {
    assert.deepEqual(profileOrigin(profile), {
      trigger: 'network-policy',
      cluster: { type: 'sveltos', namespace: 'default', name: 'cluster-a' },
      eventSource: 'load-balancer',
      resource: { namespace: 'web', name: 'nginx' },
    });
    assert.equal(profileOrigin(handWritten), undefined);
    const list = profileList(fleet());
    assert.deepEqual(
      list.items.map((p) => [p.name, p.origin?.trigger, p.destinations, p.provisioned, p.failing]),
      [
        ['baseline', undefined, 0, 0, 0],
        ['sveltos-8x2k', 'network-policy', 2, 1, 1],
      ],
    );
    assert.deepEqual(
      profileList(fleet(), { q: 'network-policy' }).items.map((p) => p.name),
      ['sveltos-8x2k'],
    );
  });

  it('shows where a profile is deployed and which selected clusters have no record yet', () => {
    const withPending: ClusterProfile = {
      ...profile,
      status: {
        matchingClusters: [
          ...(profile.status?.matchingClusters ?? []),
          {
            apiVersion: 'lib.projectsveltos.io/v1beta1',
            kind: 'SveltosCluster',
            namespace: 'mgmt',
            name: 'mgmt',
          },
        ],
      },
    } as ClusterProfile;
    const detail = profileDetail({ ...fleet(), clusterProfiles: [withPending] }, 'sveltos-8x2k')!;
    assert.deepEqual(
      detail.deployments.map((d) => [d.cluster.name, d.status]),
      [
        ['cluster-a', 'Provisioned'],
        ['cluster-b', 'Failed'],
      ],
    );
    assert.deepEqual(detail.pending, [{ type: 'sveltos', namespace: 'mgmt', name: 'mgmt' }]);
  });

  it('ranks feature states worst first', () => {
    assert.equal(worstStatus(['Provisioned', 'Failed', 'Provisioning']), 'Failed');
    assert.equal(worstStatus(['Provisioned', 'Provisioning']), 'Provisioning');
    assert.equal(worstStatus([]), 'Pending');
  });
});

describe('what changed when', () => {
  it('merges Kubernetes Events and the times the records carry, newest first', () => {
    const t = timeline(fleet());
    assert.deepEqual(
      t.items.slice(0, 5).map((e) => [e.time, e.source, e.type, e.reason]),
      [
        ['2026-12-01T10:01:04Z', 'event', 'Warning', 'DeployFailed'],
        ['2026-12-01T10:01:03Z', 'applied', 'Warning', 'Failed'],
        ['2026-12-01T10:01:02Z', 'applied', 'Normal', 'Applied'],
        ['2026-12-01T10:01:01Z', 'profile', 'Normal', 'Created'],
        ['2026-12-01T10:01:00Z', 'report', 'Normal', 'EventReport'],
      ],
    );
    assert.equal(
      t.items[3]?.message,
      'ClusterProfile created by EventTrigger network-policy (event in default/cluster-a for web/nginx)',
    );
    // the Event about cluster-b's ClusterSummary is tied to its cluster, profile and trigger
    assert.deepEqual(
      [t.items[0]?.cluster?.name, t.items[0]?.profile, t.items[0]?.trigger, t.items[0]?.count],
      ['cluster-b', 'sveltos-8x2k', 'network-policy', 3],
    );
  });

  it("leaves out an agent's local report that names no cluster (its filed copy is shown)", () => {
    const local = {
      ...report,
      metadata: {
        namespace: 'projectsveltos',
        name: 'load-balancer',
        annotations: report.metadata.annotations,
      },
      spec: { eventSourceName: 'load-balancer', matchingResources: report.spec.matchingResources },
    } as EventReport;
    const snapshot = { ...fleet(), eventReports: [report, local] };
    assert.deepEqual(
      timeline(snapshot)
        .items.filter((e) => e.source === 'report')
        .map((e) => `${e.object.namespace}/${e.object.name}`),
      ['default/sveltos--load-balancer--cluster-a'],
    );
    assert.equal(clusterList(snapshot).items.find((c) => c.name === 'cluster-a')?.events, 1);
  });

  it('filters by cluster, trigger and words', () => {
    const ofB = timeline(fleet(), { cluster: { type: 'sveltos', namespace: 'default', name: 'cluster-b' } });
    assert.ok(ofB.items.length > 0);
    assert.ok(ofB.items.every((e) => e.cluster?.name === 'cluster-b'));
    assert.deepEqual(
      timeline(fleet(), { q: 'forbidden' }).items.map((e) => e.source),
      ['event', 'applied'],
    );
    assert.ok(
      timeline(fleet(), { trigger: 'network-policy' }).items.every((e) => e.trigger === 'network-policy'),
    );
  });
});

describe('what a limited token may not read', () => {
  it('names the kinds hidden from the identity and how far it may read the others', () => {
    const snapshot = {
      ...fleet({
        eventtriggers: { scope: 'none', reason: 'forbidden' },
        sveltosclusters: { scope: 'namespaces', namespaces: ['default'] },
      }),
      eventTriggers: [],
    };
    assert.deepEqual(clusterList(snapshot).hidden, [
      { kind: 'sveltosclusters', reason: 'only namespaces default' },
    ]);
    assert.deepEqual(overview(snapshot).hidden, [
      { kind: 'sveltosclusters', reason: 'only namespaces default' },
      { kind: 'eventtriggers', reason: 'forbidden' },
    ]);
    // the chain is still drawn from the profiles the identity may read
    const detail = triggerDetail(snapshot, 'network-policy')!;
    assert.equal(detail.profiles.length, 1);
    assert.equal(detail.trigger.sourceSelector, '');
  });
});

describe('trimObject', () => {
  it('drops managed fields, collected objects and the profile copy before caching', () => {
    const collected = trimObject({
      ...report,
      metadata: { ...report.metadata, managedFields: [{ manager: 'agent' }] },
      spec: { ...report.spec, resources: 'abcdef' },
    } as unknown as KubeObject);
    assert.equal(collected.metadata.managedFields, undefined);
    assert.deepEqual((collected.spec as Record<string, unknown>).collectedBytes, 6);
    assert.equal((collected.spec as Record<string, unknown>).resources, undefined);
    const trimmed = trimObject({
      ...deployedInA,
      spec: { ...deployedInA.spec, clusterProfileSpec: { syncMode: 'Continuous' } },
    } as unknown as KubeObject);
    assert.equal((trimmed.spec as Record<string, unknown>).clusterProfileSpec, undefined);
    assert.equal((trimmed.spec as Record<string, unknown>).clusterName, 'cluster-a');
  });
});

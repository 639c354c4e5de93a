import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DRY_RUN_ANNOTATION as CONTROLLER_DRY_RUN_ANNOTATION } from '@sveltos-ts/addon-controller';
import type { ClusterProfile, ClusterSummary, EventReport, EventTrigger, KubeObject } from '@sveltos-ts/api';
import {
  age,
  collectedObjects,
  DRY_RUN_ANNOTATION,
  dryRunRows,
  eventRows,
  resourceRows,
  triggerRows,
  usageRows,
} from './rows.ts';

const now = new Date('2026-12-01T12:00:00Z');

const report = (
  ns: string,
  cluster: string,
  source: string,
  extra: { resources?: string; matching?: number; phase?: string; failure?: string; created?: string } = {},
): EventReport & KubeObject =>
  ({
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'EventReport',
    metadata: {
      name: `sveltos--${source}--${cluster}`,
      namespace: ns,
      creationTimestamp: extra.created ?? '2026-12-01T11:57:00Z',
      labels: {
        'projectsveltos.io/eventsource-name': source,
        'eventreport.projectsveltos.io/cluster-name': cluster,
        'eventreport.projectsveltos.io/cluster-type': 'sveltos',
      },
    },
    spec: {
      clusterNamespace: ns,
      clusterName: cluster,
      clusterType: 'Sveltos',
      eventSourceName: source,
      matchingResources: Array.from({ length: extra.matching ?? 1 }, (_, i) => ({
        apiVersion: 'v1',
        kind: 'Service',
        namespace: 'default',
        name: `svc-${i}`,
      })),
      ...(extra.resources ? { resources: extra.resources } : {}),
    },
    ...(extra.phase ? { status: { phase: extra.phase, failureMessage: extra.failure } } : {}),
  }) as EventReport & KubeObject;

const trigger = (
  name: string,
  source: string,
  status: EventTrigger['status'],
  spec: Partial<EventTrigger['spec']> = {},
): EventTrigger & KubeObject =>
  ({
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'EventTrigger',
    metadata: { name },
    spec: { sourceClusterSelector: {}, eventSourceName: source, ...spec },
    status,
  }) as EventTrigger & KubeObject;

const cluster = (namespace: string, name: string) => ({
  apiVersion: 'lib.projectsveltos.io/v1beta1',
  kind: 'SveltosCluster',
  namespace,
  name,
});

const summary = (
  profile: string,
  ns: string,
  name: string,
  annotations: Record<string, string> = {},
): ClusterSummary & KubeObject =>
  ({
    apiVersion: 'config.projectsveltos.io/v1beta1',
    kind: 'ClusterSummary',
    metadata: {
      name: `${profile}-sveltos-${name}`,
      namespace: ns,
      labels: { 'projectsveltos.io/cluster-profile-name': profile },
      annotations,
    },
    spec: { clusterNamespace: ns, clusterName: name, clusterType: 'Sveltos' },
  }) as ClusterSummary & KubeObject;

describe('age', () => {
  it('prints as kubectl does', () => {
    const ago = (seconds: number) => age(new Date(now.getTime() - seconds * 1000).toISOString(), now);
    assert.deepEqual(
      [5, 119, 125, 600, 3 * 3600 + 20 * 60, 30 * 3600, 3 * 86400 + 3600, 40 * 86400, 800 * 86400].map(ago),
      ['5s', '119s', '2m5s', '10m', '3h20m', '30h', '3d1h', '40d', '2y'],
    );
    assert.equal(age(undefined, now), '<unknown>');
    assert.equal(age('yesterday', now), '<unknown>');
  });
});

describe('show events', () => {
  const triggers = [
    trigger('np', 'services', { matchingClusters: [cluster('default', 'b')] }),
    trigger('other', 'services', { matchingClusters: [cluster('default', 'a')] }),
    trigger('templated', '{{ .Cluster.metadata.name }}-source', {
      matchingClusters: [cluster('default', 'b')],
    }),
  ];
  const reports = [
    report('default', 'b', 'services', { matching: 2, phase: 'Processed' }),
    report('default', 'a', 'services', {
      phase: 'Failed',
      failure: 'template failed',
      created: '2026-12-01T09:00:00Z',
    }),
    report('default', 'b', 'b-source', { matching: 0 }),
  ];
  it('one row per report: the triggers watching that cluster with that source, count, phase, age', () => {
    assert.deepEqual(eventRows(reports, triggers, {}, now), [
      {
        cluster: 'default/a',
        eventSource: 'services',
        eventTriggers: ['other'],
        matching: 1,
        phase: 'Failed',
        message: 'template failed',
        age: '3h',
        report: 'default/sveltos--services--a',
      },
      {
        cluster: 'default/b',
        eventSource: 'b-source',
        eventTriggers: ['templated'],
        matching: 0,
        phase: '',
        message: '',
        age: '3m',
        report: 'default/sveltos--b-source--b',
      },
      {
        cluster: 'default/b',
        eventSource: 'services',
        eventTriggers: ['np', 'templated'],
        matching: 2,
        phase: 'Processed',
        message: '',
        age: '3m',
        report: 'default/sveltos--services--b',
      },
    ]);
  });
  it('filters by cluster, EventSource and EventTrigger', () => {
    assert.deepEqual(
      eventRows(reports, triggers, { cluster: 'b', eventSource: 'services' }, now).map((r) => r.report),
      ['default/sveltos--services--b'],
    );
    assert.deepEqual(
      eventRows(reports, triggers, { eventTrigger: 'other' }, now).map((r) => r.report),
      ['default/sveltos--services--a'],
    );
  });
});

describe('show triggers', () => {
  const triggers = [
    trigger('np', 'services', {
      matchingClusters: [cluster('default', 'b'), cluster('default', 'c')],
      clusterInfo: [
        { cluster: cluster('default', 'b'), status: 'Provisioned' },
        { cluster: cluster('default', 'gone'), status: 'Failed', failureMessage: 'boom' },
      ],
    }),
    trigger('idle', 'x', {}),
  ];
  it('one row per cluster: matching, recorded, or being withdrawn; a trigger matching nothing says so', () => {
    assert.deepEqual(triggerRows(triggers, {}), [
      { eventTrigger: 'idle', eventSource: 'x', cluster: '', status: '', message: 'no cluster matches' },
      {
        eventTrigger: 'np',
        eventSource: 'services',
        cluster: 'default/b',
        status: 'Provisioned',
        message: '',
      },
      { eventTrigger: 'np', eventSource: 'services', cluster: 'default/c', status: 'Pending', message: '' },
      {
        eventTrigger: 'np',
        eventSource: 'services',
        cluster: 'default/gone',
        status: 'Failed',
        message: 'boom; no longer matching: being withdrawn',
      },
    ]);
    assert.deepEqual(
      triggerRows(triggers, { cluster: 'c' }).map((r) => r.cluster),
      ['default/c'],
    );
  });
});

describe('show resources', () => {
  const objects = [
    { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'web', name: 'front' } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { namespace: 'web', name: 'api' } },
  ];
  const encoded = Buffer.from(objects.map((o) => `${JSON.stringify(o)}\n---\n`).join('')).toString('base64');
  it("decodes the agent's byte format", () => {
    assert.deepEqual(collectedObjects(encoded), objects);
    assert.deepEqual(collectedObjects(Buffer.from('{not json}\n---\n').toString('base64')), []);
  });
  it('collected objects per cluster (GVK as upstream prints it); references when nothing is collected', () => {
    const reports = [
      report('prod', 'edge', 'collect', { resources: encoded }),
      report('prod', 'lab', 'refs'),
    ];
    assert.deepEqual(resourceRows(reports, {}, false), [
      {
        cluster: 'prod/edge',
        gvk: '/v1, Kind=Service',
        namespace: 'web',
        name: 'front',
        eventSource: 'collect',
      },
      {
        cluster: 'prod/edge',
        gvk: 'apps/v1, Kind=Deployment',
        namespace: 'web',
        name: 'api',
        eventSource: 'collect',
      },
      {
        cluster: 'prod/lab',
        gvk: '/v1, Kind=Service',
        namespace: 'default',
        name: 'svc-0',
        eventSource: 'refs',
      },
    ]);
    const full = resourceRows(reports, { kind: 'deployment' }, true);
    assert.deepEqual(
      full.map((r) => r.object),
      [objects[1]],
    );
  });
});

describe('show dryrun', () => {
  it('the key of the annotation is the one the addon-controller writes', () => {
    assert.equal(DRY_RUN_ANNOTATION, CONTROLLER_DRY_RUN_ANNOTATION);
  });
  it('one row per dry-run entry, split into type, namespace and name', () => {
    const entries = [
      { action: 'Create', resource: 'NetworkPolicy default/allow' },
      { action: 'Conflict', resource: 'ClusterRole admin', message: 'owned by ClusterProfile other' },
      { action: 'Install', resource: 'helm release kyverno/kyverno' },
      { action: 'Update', resource: 'Secret apps/token (management cluster)' },
    ];
    const rows = dryRunRows(
      [
        summary('dry', 'default', 'b', { [DRY_RUN_ANNOTATION]: JSON.stringify(entries) }),
        summary('real', 'default', 'b'),
      ],
      {},
    );
    assert.deepEqual(
      rows.map((r) => [
        r.cluster,
        r.resourceType,
        r.namespace,
        r.name,
        r.action,
        r.message,
        r.clusterProfile,
      ]),
      [
        ['default/b', 'ClusterRole', '', 'admin', 'Conflict', 'owned by ClusterProfile other', 'dry'],
        ['default/b', 'helm release', 'kyverno', 'kyverno', 'Install', '', 'dry'],
        ['default/b', 'NetworkPolicy', 'default', 'allow', 'Create', '', 'dry'],
        ['default/b', 'Secret (management cluster)', 'apps', 'token', 'Update', '', 'dry'],
      ],
    );
    assert.deepEqual(
      dryRunRows([summary('dry', 'default', 'b', { [DRY_RUN_ANNOTATION]: '[' })], {})[0]?.message,
      `unreadable ${DRY_RUN_ANNOTATION} annotation on ClusterSummary dry-sveltos-b`,
    );
    assert.deepEqual(
      dryRunRows([summary('dry', 'default', 'b', { [DRY_RUN_ANNOTATION]: JSON.stringify(entries) })], {
        profile: 'ClusterProfile/other',
      }),
      [],
    );
  });
});

describe('show usage', () => {
  const profile = {
    apiVersion: 'config.projectsveltos.io/v1beta1',
    kind: 'ClusterProfile',
    metadata: { name: 'web' },
    spec: {
      policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'policies' }],
      helmCharts: [
        {
          repositoryURL: 'https://x',
          releaseName: 'r',
          releaseNamespace: 'r',
          valuesFrom: [{ kind: 'Secret', namespace: 'default', name: 'values' }],
        },
      ],
      templateResourceRefs: [
        {
          identifier: 'x',
          resource: { apiVersion: 'v1', kind: 'Secret', namespace: 'default', name: 'values' },
        },
        {
          identifier: 'y',
          resource: { apiVersion: 'v1', kind: 'Service', namespace: 'default', name: 'svc' },
        },
      ],
    },
  } as unknown as ClusterProfile & KubeObject;
  const et = trigger(
    'np',
    'services',
    { matchingClusters: [cluster('default', 'b')] },
    {
      policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'policies' }],
      configMapGenerator: [{ namespace: 'default', name: 'settings', nameFormat: 'x' }],
    },
  );
  const input = {
    profiles: [profile],
    triggers: [et],
    summaries: [summary('web', 'default', 'a'), summary('web', 'default', 'b')],
  };
  it('ConfigMaps and Secrets with who references them and where; clusters with what uses them', () => {
    assert.deepEqual(usageRows(input, {}), [
      {
        kind: 'Cluster',
        namespace: 'default',
        name: 'a',
        usedBy: ['ClusterProfile/web'],
        clusters: ['default/a'],
      },
      {
        kind: 'Cluster',
        namespace: 'default',
        name: 'b',
        usedBy: ['ClusterProfile/web', 'EventTrigger/np'],
        clusters: ['default/b'],
      },
      {
        kind: 'ConfigMap',
        namespace: 'default',
        name: 'policies',
        usedBy: ['ClusterProfile/web', 'EventTrigger/np'],
        clusters: ['default/a', 'default/b'],
      },
      {
        kind: 'ConfigMap',
        namespace: 'default',
        name: 'settings',
        usedBy: ['EventTrigger/np'],
        clusters: ['default/b'],
      },
      {
        kind: 'Secret',
        namespace: 'default',
        name: 'values',
        usedBy: ['ClusterProfile/web'],
        clusters: ['default/a', 'default/b'],
      },
    ]);
  });
  it('filters by kind, namespace and name', () => {
    assert.deepEqual(
      usageRows(input, { kind: 'Secret' }).map((r) => r.name),
      ['values'],
    );
    assert.deepEqual(
      usageRows(input, { name: 'b' }).map((r) => `${r.kind} ${r.name}`),
      ['Cluster b'],
    );
  });
});

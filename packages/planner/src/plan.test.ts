import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type EventReport, type EventTriggerSpec, encodeEventReportResources } from '@sveltos-ts/api';
import { PlanError } from './errors.ts';
import { lookupFrom } from './lookup.ts';
import { GENERATED_NAME_PATTERN } from './names.ts';
import { ownershipSelector, plan, resolveEventSourceName } from './plan.ts';
import {
  capiCluster,
  collected,
  configMap,
  decode,
  INSTANTIATE,
  run,
  secret,
  service,
  sveltosCluster,
  trigger,
} from './test-fixtures.ts';

const L = 'eventtrigger.lib.projectsveltos.io/';

function rejects(fn: () => unknown, code: string, text?: RegExp): PlanError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof PlanError, `expected PlanError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (text) assert.match(caught.message, text);
  return caught;
}

const twoServices = () => collected([service('a', 'ns1', 80), service('b', 'ns2', 443)]);

describe('one ClusterProfile per event or for all', () => {
  it('oneForEvent: true makes one profile per matching resource, labelled with the resource', () => {
    const p = run({ eventTrigger: trigger({ oneForEvent: true }), report: twoServices() });
    assert.equal(p.clusterProfiles.length, 2);
    assert.deepEqual(
      p.clusterProfiles.map((c) => [
        c.metadata.labels?.[`${L}resourcename`],
        c.metadata.labels?.[`${L}resourcenamespace`],
      ]),
      [
        ['a', 'ns1'],
        ['b', 'ns2'],
      ],
    );
  });

  it('oneForEvent: false makes one profile for all, without resource labels', () => {
    const p = run({ eventTrigger: trigger({}), report: twoServices() });
    assert.equal(p.clusterProfiles.length, 1);
    assert.equal(p.clusterProfiles[0]?.metadata.labels?.[`${L}resourcename`], undefined);
  });

  it('a cluster-scoped resource gets no resourcenamespace label', () => {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'eng' } };
    const p = run({ eventTrigger: trigger({ oneForEvent: true }), report: collected([ns]) });
    const labels = p.clusterProfiles[0]?.metadata.labels ?? {};
    assert.equal(labels[`${L}resourcename`], 'eng');
    assert.ok(!(`${L}resourcenamespace` in labels));
  });

  it('without collected resources, the matching references are the event objects', () => {
    const report = {
      eventSourceName: 'es',
      matchingResources: [{ apiVersion: 'v1', kind: 'Namespace', name: 'eng' }],
    };
    const p = run({
      eventTrigger: trigger({ oneForEvent: true, profileNameFormat: 'p-{{ .MatchingResource.Name }}' }),
      report,
    });
    assert.deepEqual(
      p.clusterProfiles.map((c) => c.metadata.name),
      ['p-eng'],
    );
  });

  it('an empty report, or none, desires nothing (the agent reports only after its informers synced)', () => {
    for (const oneForEvent of [true, false]) {
      for (const report of [{ eventSourceName: 'es' }, undefined]) {
        const p = run({ eventTrigger: trigger({ oneForEvent }), report });
        assert.deepEqual([p.clusterProfiles, p.configMaps, p.secrets], [[], [], []]);
      }
    }
  });

  it('accepts the EventReport object itself (base64 resources, eventsource label)', () => {
    const report: EventReport = {
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'EventReport',
      metadata: {
        name: 'sveltos--es--workload',
        namespace: 'default',
        labels: { 'projectsveltos.io/eventsource-name': 'es' },
      },
      spec: {
        clusterNamespace: 'default',
        clusterName: 'workload',
        clusterType: 'Sveltos',
        eventSourceName: 'es',
        resources: encodeEventReportResources([service('a', 'ns1')]),
      },
    };
    const p = run({
      eventTrigger: trigger({ oneForEvent: true, profileNameFormat: '{{ .Resource.metadata.name }}' }),
      report,
    });
    assert.deepEqual(
      p.clusterProfiles.map((c) => c.metadata.name),
      ['a'],
    );
  });
});

describe('ClusterProfile names', () => {
  it('default: sveltos- + 20 [0-9a-z], derived from the identity, so planning is deterministic', () => {
    const input = () => ({
      eventTrigger: trigger({ oneForEvent: true }),
      report: twoServices(),
      cluster: sveltosCluster,
      lookup: lookupFrom([]),
    });
    const a = plan(input());
    const names = a.clusterProfiles.map((c) => c.metadata.name ?? '');
    for (const n of names) assert.match(n, GENERATED_NAME_PATTERN);
    assert.notEqual(names[0], names[1]);
    assert.equal(JSON.stringify(plan(input())), JSON.stringify(a));
  });

  it('reuses the name of an existing profile with the same identity labels, whatever its spec', () => {
    const first = run({ eventTrigger: trigger({ oneForEvent: true }), report: twoServices() });
    const renamed = first.clusterProfiles.map((c, i) => ({
      ...c,
      metadata: { ...c.metadata, name: `sveltos-existing000000000${i}` },
      spec: {},
    }));
    const again = run({
      eventTrigger: trigger({ oneForEvent: true }),
      report: twoServices(),
      existing: { clusterProfiles: renamed },
    });
    assert.deepEqual(
      again.clusterProfiles.map((c) => c.metadata.name),
      ['sveltos-existing0000000000', 'sveltos-existing0000000001'],
    );
  });

  it('duplicates left by upstream: the smallest name is kept (the others are not desired any more)', () => {
    const first = run({ eventTrigger: trigger({}), report: twoServices() }).clusterProfiles[0]!;
    const dup = (name: string) => ({ ...first, metadata: { ...first.metadata, name } });
    const p = run({
      eventTrigger: trigger({}),
      report: twoServices(),
      existing: { clusterProfiles: [dup('sveltos-zzz'), dup('sveltos-aaa')] },
    });
    assert.deepEqual(
      p.clusterProfiles.map((c) => c.metadata.name),
      ['sveltos-aaa'],
    );
  });

  it('a namespaced resource profile is not reused for the cluster-scoped resource of the same name', () => {
    const nsScoped = run({
      eventTrigger: trigger({ oneForEvent: true }),
      report: collected([service('eng', 'x')]),
    }).clusterProfiles[0]!;
    const p = run({
      eventTrigger: trigger({ oneForEvent: true }),
      report: collected([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'eng' } }]),
      existing: {
        clusterProfiles: [{ ...nsScoped, metadata: { ...nsScoped.metadata, name: 'sveltos-old' } }],
      },
    });
    assert.notEqual(p.clusterProfiles[0]?.metadata.name, 'sveltos-old');
  });

  it('profileNameFormat is rendered with the event data', () => {
    const p = run({
      eventTrigger: trigger({
        oneForEvent: true,
        profileNameFormat: '{{ .Cluster.metadata.name }}-{{ .Resource.metadata.name }}-test',
      }),
      report: twoServices(),
    });
    assert.deepEqual(
      p.clusterProfiles.map((c) => c.metadata.name),
      ['workload-a-test', 'workload-b-test'],
    );
  });

  it('a rendered name that is not a valid object name is an error naming the value', () => {
    rejects(
      () =>
        run({
          eventTrigger: trigger({ profileNameFormat: '{{ .Cluster.metadata.name }}_X' }),
          report: twoServices(),
        }),
      'INVALID_NAME',
      /spec\.profileNameFormat: rendered name "workload_X"/,
    );
  });

  it('two objects rendering the same name is a conflict, not a silent overwrite', () => {
    const e = rejects(
      () =>
        run({
          eventTrigger: trigger({ oneForEvent: true, profileNameFormat: 'same' }),
          report: twoServices(),
        }),
      'PROFILE_NAME_CONFLICT',
    );
    assert.equal(e.retryable, false);
  });

  it('a profile of that name owned by someone else is a conflict; one owned by this pair is fine', () => {
    const foreign = {
      apiVersion: 'config.projectsveltos.io/v1beta1',
      kind: 'ClusterProfile',
      metadata: { name: 'mine', labels: { team: 'x' } },
    };
    rejects(
      () =>
        run({
          eventTrigger: trigger({ profileNameFormat: 'mine' }),
          report: twoServices(),
          objects: [foreign],
        }),
      'PROFILE_NAME_CONFLICT',
      /exists and does not belong/,
    );
    const owned = run({ eventTrigger: trigger({ profileNameFormat: 'mine' }), report: twoServices() })
      .clusterProfiles[0]!;
    const p = run({
      eventTrigger: trigger({ profileNameFormat: 'mine' }),
      report: twoServices(),
      objects: [owned as never],
    });
    assert.equal(p.clusterProfiles[0]?.metadata.name, 'mine');
  });
});

describe('labels', () => {
  it('exact upstream keys on profiles; instantiated objects add ref labels, profiles do not', () => {
    const p = run({
      eventTrigger: trigger({
        oneForEvent: true,
        policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 't' }],
      }),
      report: collected([service('a', 'ns1')]),
      objects: [configMap('default', 't', { k: '{{ .Resource.metadata.name }}' }, INSTANTIATE)],
    });
    assert.deepEqual(p.clusterProfiles[0]?.metadata.labels, {
      [`${L}clusterNamespace`]: 'default',
      [`${L}clustername`]: 'workload',
      [`${L}clustertype`]: 'Sveltos',
      [`${L}eventreportname`]: 'es',
      [`${L}eventsourcename`]: 'es',
      [`${L}eventtriggername`]: 'et',
      [`${L}resourcename`]: 'a',
      [`${L}resourcenamespace`]: 'ns1',
    });
    assert.deepEqual(p.configMaps[0]?.metadata.labels, {
      [`${L}clusterNamespace`]: 'default',
      [`${L}clustername`]: 'workload',
      [`${L}clustertype`]: 'Sveltos',
      [`${L}eventreportname`]: 'es',
      [`${L}eventtriggername`]: 'et',
      [`${L}refname`]: 't',
      [`${L}refnamespace`]: 'default',
      [`${L}resourcename`]: 'a',
      [`${L}resourcenamespace`]: 'ns1',
    });
  });

  it('a CAPI source cluster is labelled Capi', () => {
    const p = run({ eventTrigger: trigger({}), report: twoServices(), cluster: capiCluster });
    assert.equal(p.clusterProfiles[0]?.metadata.labels?.[`${L}clustertype`], 'Capi');
  });

  it('too long or invalid label values become a stable short hash form', () => {
    const long = 'x'.repeat(70);
    const weird = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: long } };
    const p = run({ eventTrigger: trigger({ oneForEvent: true }), report: collected([weird]) });
    const v = p.clusterProfiles[0]?.metadata.labels?.[`${L}resourcename`] ?? '';
    assert.equal(v, `${'x'.repeat(46)}-${v.slice(-16)}`);
    assert.ok(v.length <= 63);
    const again = run({ eventTrigger: trigger({ oneForEvent: true }), report: collected([weird]) });
    assert.equal(again.clusterProfiles[0]?.metadata.labels?.[`${L}resourcename`], v);
  });

  it('tenant labels of the EventTrigger go onto every generated object', () => {
    const tenant = {
      'projectsveltos.io/serviceaccount-name': 'eng',
      'projectsveltos.io/serviceaccount-namespace': 'tenants',
      'projectsveltos.io/admin-name': 'eng-admin',
    };
    const p = run({
      eventTrigger: trigger(
        {
          policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 't' }],
          configMapGenerator: [{ name: 'g', namespace: 'default', nameFormat: 'out' }],
        },
        { ...tenant, unrelated: 'no' },
      ),
      report: twoServices(),
      objects: [configMap('default', 't', { k: 'v' }, INSTANTIATE), configMap('default', 'g', { k: 'v' })],
    });
    for (const o of [...p.clusterProfiles, ...p.configMaps]) {
      for (const [k, v] of Object.entries(tenant)) assert.equal(o.metadata.labels?.[k], v, `${o.kind} ${k}`);
      assert.equal(o.metadata.labels?.unrelated, undefined);
    }
    assert.equal(p.configMaps.length, 2);
  });
});

describe('destination', () => {
  it('default: the source cluster (SveltosCluster or CAPI Cluster reference)', () => {
    assert.deepEqual(
      run({ eventTrigger: trigger({}), report: twoServices() }).clusterProfiles[0]?.spec?.clusterRefs,
      [
        {
          apiVersion: 'lib.projectsveltos.io/v1beta1',
          kind: 'SveltosCluster',
          namespace: 'default',
          name: 'workload',
        },
      ],
    );
    assert.deepEqual(
      run({ eventTrigger: trigger({}), report: twoServices(), cluster: capiCluster }).clusterProfiles[0]?.spec
        ?.clusterRefs,
      [{ apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster', namespace: 'team', name: 'capi1' }],
    );
  });

  it('destinationClusterSelector becomes clusterSelector, without clusterRefs; an empty one is ignored', () => {
    const spec = run({
      eventTrigger: trigger({ destinationClusterSelector: { matchLabels: { dep: 'eng' } } }),
      report: twoServices(),
    }).clusterProfiles[0]?.spec;
    assert.deepEqual(spec?.clusterSelector, { matchLabels: { dep: 'eng' } });
    assert.equal(spec?.clusterRefs, undefined);
    const empty = run({ eventTrigger: trigger({ destinationClusterSelector: {} }), report: twoServices() })
      .clusterProfiles[0]?.spec;
    assert.equal(empty?.clusterSelector, undefined);
    assert.equal(empty?.clusterRefs?.[0]?.name, 'workload');
  });

  it('destinationCluster: each field rendered, as clusterRefs[0]', () => {
    const spec = run({
      eventTrigger: trigger({
        oneForEvent: true,
        destinationCluster: {
          apiVersion: 'lib.projectsveltos.io/v1beta1',
          kind: 'SveltosCluster',
          namespace: '{{ .Resource.metadata.namespace }}',
          name: '{{ .Resource.metadata.labels.sveltos }}-{{ "x" }}',
        },
      }),
      report: collected([service('a', 'ns1')]),
    }).clusterProfiles[0]?.spec;
    assert.deepEqual(spec?.clusterRefs, [
      { apiVersion: 'lib.projectsveltos.io/v1beta1', kind: 'SveltosCluster', namespace: 'ns1', name: 'fv-x' },
    ]);
  });

  it('destinationCluster that does not render to a cluster reference is an error', () => {
    rejects(
      () =>
        run({
          eventTrigger: trigger({ destinationCluster: { apiVersion: 'v1', kind: 'Pod', name: 'x' } }),
          report: twoServices(),
        }),
      'INVALID_INPUT',
      /spec\.destinationCluster/,
    );
  });
});

describe('template data', () => {
  it('per object: .Cluster (full object), .Resource, .MatchingResource with Go field names', () => {
    const p = run({
      eventTrigger: trigger({
        oneForEvent: true,
        profileNameFormat:
          '{{ .Cluster.metadata.labels.region }}-{{ .Cluster.spec.kubeconfigName }}-{{ .MatchingResource.Kind | lower }}-{{ .MatchingResource.Name }}-{{ .MatchingResource.Namespace }}-{{ .Resource.spec.ports | len }}',
      }),
      report: collected([service('a', 'ns1')]),
    });
    assert.equal(p.clusterProfiles[0]?.metadata.name, 'west-workload-kubeconfig-service-a-ns1-1');
  });

  it('for all: .MatchingResources (Go field names) and .Resources', () => {
    const p = run({
      eventTrigger: trigger({
        profileNameFormat:
          '{{ range .MatchingResources }}{{ .Name }}.{{ .APIVersion }}.{{ end }}{{ range .Resources }}{{ .metadata.namespace }}.{{ end }}x',
      }),
      report: twoServices(),
    });
    assert.equal(p.clusterProfiles[0]?.metadata.name, 'a.v1.b.v1.ns1.ns2.x');
  });

  it('integers in event data stay integers (no 1e+06)', () => {
    const p = run({
      eventTrigger: trigger({
        oneForEvent: true,
        profileNameFormat:
          'p{{ (index .Resource.spec.ports 0).port }}-{{ eq (index .Resource.spec.ports 0).port 1000000 }}',
      }),
      report: collected([service('a', 'ns1', 1000000)]),
    });
    assert.equal(p.clusterProfiles[0]?.metadata.name, 'p1000000-true');
  });

  it('the key of the other mode is a template error naming the field', () => {
    rejects(
      () =>
        run({
          eventTrigger: trigger({ profileNameFormat: '{{ .Resource.metadata.name }}' }),
          report: twoServices(),
        }),
      'TEMPLATE_FAILED',
      /^spec\.profileNameFormat: template: default-workload-et:1:12: executing .*can't evaluate field Resource/,
    );
    rejects(
      () =>
        run({
          eventTrigger: trigger({ oneForEvent: true, profileNameFormat: '{{ len .Resources }}' }),
          report: twoServices(),
        }),
      'TEMPLATE_FAILED',
    );
  });

  it('.Resource is a nil map when resources were not collected', () => {
    const report = {
      eventSourceName: 'es',
      matchingResources: [{ apiVersion: 'v1', kind: 'Namespace', name: 'eng' }],
    };
    rejects(
      () =>
        run({
          eventTrigger: trigger({ oneForEvent: true, profileNameFormat: '{{ .Resource.metadata.name }}' }),
          report,
        }),
      'TEMPLATE_FAILED',
      /map has no entry for key "metadata"/,
    );
  });

  it('resource helpers work on copies: a later template (or later action) sees the original .Resource', () => {
    const p = run({
      eventTrigger: trigger({
        oneForEvent: true,
        policyRefs: [
          { kind: 'ConfigMap', namespace: 'default', name: 'mutate' },
          { kind: 'ConfigMap', namespace: 'default', name: 'read' },
        ],
      }),
      report: collected([service('a', 'ns1')]),
      objects: [
        configMap(
          'default',
          'mutate',
          {
            a: '{{ $c := chainSetField .Resource "metadata.name" "copied" }}{{ $c.metadata.name }}/{{ .Resource.metadata.name }}',
            b: '{{ setField .Resource "spec.x" "v" | len | ne 0 }}/{{ getResource .Resource | len }}/{{ .Resource.metadata.uid }}',
          },
          INSTANTIATE,
        ),
        configMap(
          'default',
          'read',
          { c: '{{ .Resource.metadata.name }} {{ .Resource.metadata.uid }}' },
          INSTANTIATE,
        ),
      ],
    });
    assert.deepEqual(
      p.configMaps.map((c) => c.data),
      [{ a: 'copied/a', b: 'true/4/uid-a' }, { c: 'a uid-a' }],
    );
  });

  it('env and expandenv exist only when the caller enables them', () => {
    rejects(
      () => run({ eventTrigger: trigger({ profileNameFormat: '{{ env "X" }}' }), report: twoServices() }),
      'TEMPLATE_FAILED',
      /function "env" not defined/,
    );
    const p = run({
      eventTrigger: trigger({ profileNameFormat: '{{ env "X" }}' }),
      report: twoServices(),
      options: { templateEnv: new Map([['X', 'from-env']]) },
    });
    assert.equal(p.clusterProfiles[0]?.metadata.name, 'from-env');
  });
});

describe('fields copied verbatim and fields templated', () => {
  it('copies settings, checks, patches and drift exclusions as written (patches keep their templates)', () => {
    const check = {
      name: 'c',
      featureID: 'Resources' as const,
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
    };
    const spec = {
      syncMode: 'ContinuousWithDriftDetection' as const,
      tier: 50,
      continueOnConflict: true,
      maxUpdate: '30%',
      stopMatchingBehavior: 'LeavePolicies' as const,
      reloader: true,
      dependsOn: ['{{ .Cluster.metadata.name }}'],
      validateHealths: [check],
      preDeployChecks: [check],
      preDeleteChecks: [check],
      postDeleteChecks: [check],
      patches: [{ patch: 'metadata:\n  labels:\n    c: {{ .Cluster.metadata.name }}\n' }],
      driftExclusions: [{ paths: ['/spec/replicas'] }],
      extraLabels: { a: 'b' },
      extraAnnotations: { c: 'd' },
    };
    const out = run({ eventTrigger: trigger(spec), report: twoServices() }).clusterProfiles[0]?.spec;
    const { clusterRefs, ...rest } = out ?? {};
    assert.ok(clusterRefs);
    assert.deepEqual(rest, spec);
  });

  it('templateResourceRefs: resource name and namespace rendered, the rest copied, empty stays empty', () => {
    const out = run({
      eventTrigger: trigger({
        templateResourceRefs: [
          {
            resource: {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              name: '{{ .Cluster.metadata.name }}-ns',
              namespace: '',
            },
            identifier: 'Namespaces',
            optional: true,
          },
          {
            resource: {
              apiVersion: 'v1',
              kind: 'Secret',
              name: 'creds',
              namespace: '{{ .Cluster.metadata.namespace }}',
            },
            identifier: 'Creds',
          },
        ],
      }),
      report: twoServices(),
    }).clusterProfiles[0]?.spec?.templateResourceRefs;
    assert.deepEqual(out, [
      {
        resource: { apiVersion: 'v1', kind: 'ConfigMap', name: 'workload-ns', namespace: '' },
        identifier: 'Namespaces',
        optional: true,
      },
      {
        resource: { apiVersion: 'v1', kind: 'Secret', name: 'creds', namespace: 'default' },
        identifier: 'Creds',
      },
    ]);
  });

  it('helmCharts: the seven selected fields rendered, the rest copied, order kept', () => {
    const out = run({
      eventTrigger: trigger({
        oneForEvent: true,
        helmCharts: [
          {
            repositoryURL: 'https://{{ .Resource.metadata.name }}.example',
            repositoryName: '{{ .Resource.metadata.name }}',
            chartName: '{{ .Resource.metadata.name }}/chart',
            chartVersion: '{{ "v1" }}',
            releaseName: 'r-{{ .Resource.metadata.name }}',
            releaseNamespace: '{{ .Resource.metadata.namespace }}',
            values: 'port: {{ (index .Resource.spec.ports 0).port }}\n',
            helmChartAction: 'Install',
            options: { wait: true, timeout: '{{ not templated }}' },
          },
          {
            repositoryURL: 'oci://x',
            releaseName: 'second',
            releaseNamespace: 'n',
            chartName: 'c',
            chartVersion: '1',
            repositoryName: 'r',
          },
        ],
      }),
      report: collected([service('a', 'ns1')]),
    }).clusterProfiles[0]?.spec?.helmCharts;
    assert.deepEqual(out, [
      {
        repositoryURL: 'https://a.example',
        repositoryName: 'a',
        chartName: 'a/chart',
        chartVersion: 'v1',
        releaseName: 'r-a',
        releaseNamespace: 'ns1',
        values: 'port: 80\n',
        helmChartAction: 'Install',
        options: { wait: true, timeout: '{{ not templated }}' },
      },
      {
        repositoryURL: 'oci://x',
        releaseName: 'second',
        releaseNamespace: 'n',
        chartName: 'c',
        chartVersion: '1',
        repositoryName: 'r',
      },
    ]);
  });

  it('kustomizationRefs: namespace, name, path, targetNamespace, components and values rendered', () => {
    const out = run({
      eventTrigger: trigger({
        kustomizationRefs: [
          {
            kind: 'GitRepository',
            namespace: 'flux-{{ .Cluster.metadata.namespace }}',
            name: 'repo',
            path: './{{ .Cluster.metadata.name }}',
            targetNamespace: 't-{{ .Cluster.metadata.name }}',
            components: ['c/{{ .Cluster.metadata.name }}'],
            values: { '{{ key }}': '{{ .Cluster.metadata.labels.region }}' },
            tier: 10,
          },
        ],
      }),
      report: twoServices(),
    }).clusterProfiles[0]?.spec?.kustomizationRefs;
    assert.deepEqual(out, [
      {
        kind: 'GitRepository',
        namespace: 'flux-default',
        name: 'repo',
        path: './workload',
        targetNamespace: 't-workload',
        components: ['c/workload'],
        values: { '{{ key }}': 'west' },
        tier: 10,
      },
    ]);
  });
});

describe('policyRefs', () => {
  const objects = [
    configMap('default', 'plain', { 'a.yaml': 'kind: Namespace' }),
    configMap('ns1', 'per-ns', { 'a.yaml': 'kind: Namespace' }),
    configMap(
      'default',
      'tmpl',
      { 'np.yaml': 'name: front-{{ .Resource.metadata.name }}' },
      {
        ...INSTANTIATE,
        'projectsveltos.io/template': 'ok',
      },
    ),
    secret('default', 'sec', { 'cred.yaml': 'user: {{ .Resource.metadata.name }}' }, INSTANTIATE),
    secret('default', 'plain-secret', { x: 'y' }),
    secret('default', 'opaque', { x: 'y' }, undefined, 'Opaque'),
    {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'git', namespace: 'flux' },
    },
    {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'git-inst', namespace: 'flux', annotations: INSTANTIATE },
    },
  ];

  it('keeps order, carries the per-ref settings, defaults the namespace to the cluster namespace', () => {
    const p = run({
      eventTrigger: trigger({
        oneForEvent: true,
        policyRefs: [
          { kind: 'Secret', namespace: 'default', name: 'plain-secret', deploymentType: 'Local', tier: 5 },
          { kind: 'ConfigMap', name: 'plain', optional: true, skipNamespaceCreation: true, force: true },
          { kind: 'ConfigMap', namespace: '{{ .Resource.metadata.namespace }}', name: 'per-{{ "ns" }}' },
          {
            kind: 'GitRepository',
            namespace: 'flux',
            name: 'git',
            path: 'apps/{{ .Cluster.metadata.name }}',
          },
        ],
      }),
      report: collected([service('a', 'ns1')]),
      objects,
    });
    assert.deepEqual(p.clusterProfiles[0]?.spec?.policyRefs, [
      { kind: 'Secret', namespace: 'default', name: 'plain-secret', deploymentType: 'Local', tier: 5 },
      {
        kind: 'ConfigMap',
        namespace: 'default',
        name: 'plain',
        optional: true,
        skipNamespaceCreation: true,
        force: true,
      },
      { kind: 'ConfigMap', namespace: 'ns1', name: 'per-ns' },
      { kind: 'GitRepository', namespace: 'flux', name: 'git', path: 'apps/workload' },
    ]);
    assert.deepEqual([p.configMaps, p.secrets], [[], []]);
    assert.deepEqual(
      p.references.map((r) => `${r.kind}:${r.namespace}/${r.name}`),
      [
        'Secret:default/plain-secret',
        'ConfigMap:default/plain',
        'ConfigMap:ns1/per-ns',
        'GitRepository:flux/git',
      ],
    );
  });

  it('instantiates ConfigMaps and Secrets with projectsveltos.io/instantiate into the Sveltos namespace', () => {
    const p = run({
      eventTrigger: trigger({
        oneForEvent: true,
        policyRefs: [
          { kind: 'ConfigMap', namespace: 'default', name: 'tmpl', deploymentType: 'Remote' },
          { kind: 'Secret', namespace: 'default', name: 'sec' },
        ],
      }),
      report: collected([service('a', 'ns1')]),
      objects,
    });
    assert.deepEqual(p.clusterProfiles[0]?.spec?.policyRefs, [
      {
        kind: 'ConfigMap',
        namespace: 'projectsveltos',
        name: 'sveltos-00000000000000000002',
        deploymentType: 'Remote',
      },
      { kind: 'Secret', namespace: 'projectsveltos', name: 'sveltos-00000000000000000003' },
    ]);
    const cm = p.configMaps[0]!;
    assert.equal(cm.metadata.namespace, 'projectsveltos');
    assert.deepEqual(cm.data, { 'np.yaml': 'name: front-a' });
    // the source annotations are copied (template too: addon-controller renders it a second time)
    assert.deepEqual(cm.metadata.annotations, { ...INSTANTIATE, 'projectsveltos.io/template': 'ok' });
    const s = p.secrets[0]!;
    assert.equal(s.type, 'addons.projectsveltos.io/cluster-profile');
    assert.equal(decode(s.data?.['cred.yaml']), 'user: a');
  });

  it('instantiatePolicyRefs (EventBasedAddOn): every ConfigMap and Secret is instantiated, annotated or not', () => {
    const p = run({
      eventTrigger: trigger({
        oneForEvent: true,
        policyRefs: [
          { kind: 'ConfigMap', namespace: 'default', name: 'bare' },
          { kind: 'Secret', namespace: 'default', name: 'plain-secret' },
          { kind: 'GitRepository', namespace: 'flux', name: 'git' },
        ],
      }),
      report: collected([service('a', 'ns1')]),
      objects: [
        ...objects,
        configMap('default', 'bare', { 'np.yaml': 'name: front-{{ .Resource.metadata.name }}' }),
      ],
      options: { instantiatePolicyRefs: true },
    });
    assert.deepEqual(
      p.clusterProfiles[0]?.spec?.policyRefs?.map((r) => `${r.kind}:${r.namespace}/${r.name}`),
      [
        'ConfigMap:projectsveltos/sveltos-00000000000000000002',
        'Secret:projectsveltos/sveltos-00000000000000000003',
        'GitRepository:flux/git',
      ],
    );
    assert.deepEqual(p.configMaps[0]?.data, { 'np.yaml': 'name: front-a' });
    assert.deepEqual(p.warnings, []);
  });

  it('the instantiation namespace is an option; existing instantiated objects keep their names', () => {
    const first = run({
      eventTrigger: trigger({ policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'tmpl' }] }),
      report: { eventSourceName: 'es', matchingResources: [{ kind: 'Service', name: 'a' }] },
      objects: [configMap('default', 'tmpl', { k: '{{ len .MatchingResources }}' }, INSTANTIATE)],
      options: { namespace: 'sveltos-system' },
    });
    const cm = first.configMaps[0]!;
    assert.equal(cm.metadata.namespace, 'sveltos-system');
    const again = run({
      eventTrigger: trigger({ policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'tmpl' }] }),
      report: { eventSourceName: 'es', matchingResources: [{ kind: 'Service', name: 'a' }] },
      objects: [configMap('default', 'tmpl', { k: '{{ len .MatchingResources }}' }, INSTANTIATE)],
      options: { namespace: 'sveltos-system' },
      existing: { configMaps: [{ ...cm, metadata: { ...cm.metadata, name: 'sveltos-kept' } }] },
    });
    assert.equal(again.configMaps[0]?.metadata.name, 'sveltos-kept');
    assert.equal(again.clusterProfiles[0]?.spec?.policyRefs?.[0]?.name, 'sveltos-kept');
  });

  it('a missing optional reference is left out; a missing required one is a retryable error naming it', () => {
    const p = run({
      eventTrigger: trigger({
        policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'gone', optional: true }],
      }),
      report: twoServices(),
    });
    assert.equal(p.clusterProfiles[0]?.spec?.policyRefs, undefined);
    const e = rejects(
      () =>
        run({
          eventTrigger: trigger({
            policyRefs: [{ kind: 'ConfigMap', name: 'gone-{{ .Cluster.metadata.name }}' }],
          }),
          report: twoServices(),
        }),
      'REFERENCE_NOT_FOUND',
      /^spec\.policyRefs\[0\]: referenced ConfigMap default\/gone-workload does not exist$/,
    );
    assert.equal(e.retryable, true);
  });

  it('rejects a Secret of another type, a Flux source asking for instantiation, and remoteURL', () => {
    rejects(
      () =>
        run({
          eventTrigger: trigger({ policyRefs: [{ kind: 'Secret', namespace: 'default', name: 'opaque' }] }),
          report: twoServices(),
          objects,
        }),
      'INVALID_SECRET_TYPE',
      /default\/opaque has type "Opaque"/,
    );
    rejects(
      () =>
        run({
          eventTrigger: trigger({
            policyRefs: [{ kind: 'GitRepository', namespace: 'flux', name: 'git-inst' }],
          }),
          report: twoServices(),
          objects,
        }),
      'UNSUPPORTED_REFERENCE',
      /only ConfigMaps and Secrets can be instantiated/,
    );
    rejects(
      () =>
        run({
          eventTrigger: trigger({ policyRefs: [{ remoteURL: { url: 'https://x' } }] }),
          report: twoServices(),
          objects,
        }),
      'UNSUPPORTED_REFERENCE',
    );
  });

  it('a template error in instantiated data names the field and the object', () => {
    rejects(
      () =>
        run({
          eventTrigger: trigger({ policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'bad' }] }),
          report: twoServices(),
          objects: [configMap('default', 'bad', { k: '{{ .Nope }}' }, INSTANTIATE)],
        }),
      'TEMPLATE_FAILED',
      /^spec\.policyRefs\[0\] \(ConfigMap default\/bad data "k"\): template: /,
    );
  });
});

describe('valuesFrom and patchesFrom', () => {
  const objects = [
    configMap('default', 'vals', { 'v.yaml': 'name: {{ .Cluster.metadata.name }}' }, INSTANTIATE),
    configMap('default', 'static', { 'v.yaml': 'a: b' }),
  ];

  it('helm valuesFrom: instantiated, passed through, or left as written when missing', () => {
    const chart = (valuesFrom: unknown) => ({
      repositoryURL: 'https://x',
      repositoryName: 'x',
      chartName: 'x/y',
      chartVersion: '1',
      releaseName: 'r',
      releaseNamespace: 'n',
      valuesFrom,
    });
    const out = run({
      eventTrigger: trigger({
        helmCharts: [
          chart([
            { kind: 'ConfigMap', name: 'vals' },
            { kind: 'ConfigMap', namespace: 'default', name: 'static', optional: true },
            {
              kind: 'ConfigMap',
              namespace: '{{ .Cluster.metadata.name }}',
              name: 'missing-{{ .Cluster.metadata.name }}',
            },
          ]) as never,
        ],
      }),
      report: twoServices(),
      objects,
    });
    assert.deepEqual(out.clusterProfiles[0]?.spec?.helmCharts?.[0]?.valuesFrom, [
      { kind: 'ConfigMap', name: 'sveltos-00000000000000000002', namespace: 'projectsveltos' },
      { kind: 'ConfigMap', namespace: 'default', name: 'static', optional: true },
      {
        kind: 'ConfigMap',
        namespace: '{{ .Cluster.metadata.name }}',
        name: 'missing-{{ .Cluster.metadata.name }}',
      },
    ]);
    assert.deepEqual(out.configMaps[0]?.data, { 'v.yaml': 'name: workload' });
  });

  it('patchesFrom is rendered and instantiated (upstream drops it)', () => {
    const out = run({
      eventTrigger: trigger({
        patchesFrom: [
          { kind: 'ConfigMap', namespace: '{{ .Cluster.metadata.namespace }}', name: 'vals' },
          { kind: 'ConfigMap', namespace: 'default', name: 'static' },
        ],
      }),
      report: twoServices(),
      objects,
    });
    assert.deepEqual(out.clusterProfiles[0]?.spec?.patchesFrom, [
      { kind: 'ConfigMap', namespace: 'projectsveltos', name: 'sveltos-00000000000000000002' },
      { kind: 'ConfigMap', namespace: 'default', name: 'static' },
    ]);
  });
});

describe('generators', () => {
  const spec = {
    oneForEvent: true,
    configMapGenerator: [
      { name: 'src', nameFormat: '{{ .Cluster.metadata.name }}-{{ .Resource.metadata.name }}-generated' },
    ],
    secretGenerator: [
      { name: 'sec-src', namespace: 'default', nameFormat: 's-{{ .Resource.metadata.name }}' },
    ],
  };
  const objects = [
    configMap('default', 'src', { k: '{{ .Resource.metadata.namespace }}' }),
    secret('default', 'sec-src', { k: 'ns={{ .Resource.metadata.namespace }}' }),
  ];

  it('always instantiate (no annotation needed), name from nameFormat, output in the Sveltos namespace', () => {
    const p = run({ eventTrigger: trigger(spec), report: twoServices(), objects });
    assert.deepEqual(
      p.configMaps.map((c) => [c.metadata.namespace, c.metadata.name, c.data]),
      [
        ['projectsveltos', 'workload-a-generated', { k: 'ns1' }],
        ['projectsveltos', 'workload-b-generated', { k: 'ns2' }],
      ],
    );
    assert.deepEqual(
      p.secrets.map((s) => [s.metadata.name, decode(s.data?.k), s.type]),
      [
        ['s-a', 'ns=ns1', 'addons.projectsveltos.io/cluster-profile'],
        ['s-b', 'ns=ns2', 'addons.projectsveltos.io/cluster-profile'],
      ],
    );
    const labels = p.configMaps[0]?.metadata.labels ?? {};
    assert.equal(labels[`${L}fromgenerator`], 'ok');
    assert.equal(labels[`${L}refname`], 'src');
    assert.equal(labels[`${L}refnamespace`], 'default');
    assert.equal(labels[`${L}resourcename`], undefined);
    // not referenced automatically from the profile
    assert.equal(p.clusterProfiles[0]?.spec?.policyRefs, undefined);
    // Secrets first, then ConfigMaps, as upstream
    assert.deepEqual(
      p.references.slice(0, 2).map((r) => r.kind),
      ['Secret', 'ConfigMap'],
    );
  });

  it('optional is honoured (upstream always fails); a missing required source is a retryable error', () => {
    const optional = {
      ...spec,
      configMapGenerator: [{ name: 'gone', nameFormat: 'x', optional: true }],
      secretGenerator: [],
    };
    const p = run({ eventTrigger: trigger(optional), report: twoServices() });
    assert.equal(p.configMaps.length, 0);
    assert.equal(p.clusterProfiles.length, 2);
    const e = rejects(
      () =>
        run({
          eventTrigger: trigger({ ...spec, configMapGenerator: [{ name: 'gone', nameFormat: 'x' }] }),
          report: twoServices(),
          objects,
        }),
      'REFERENCE_NOT_FOUND',
      /referenced resource ConfigMap default\/gone does not exist yet/,
    );
    assert.equal(e.retryable, true);
  });

  it('several objects rendering the same output name: the last wins, with a warning', () => {
    const p = run({
      eventTrigger: trigger({
        ...spec,
        configMapGenerator: [{ name: 'src', nameFormat: 'one' }],
        secretGenerator: [],
      }),
      report: twoServices(),
      objects,
    });
    assert.deepEqual(
      p.configMaps.map((c) => c.data),
      [{ k: 'ns2' }],
    );
    assert.deepEqual(
      p.warnings.map((w) => w.code),
      ['GENERATOR_OUTPUT_OVERWRITTEN'],
    );
  });

  it('an invalid rendered nameFormat is an error', () => {
    rejects(
      () =>
        run({
          eventTrigger: trigger({ ...spec, configMapGenerator: [{ name: 'src', nameFormat: 'Bad Name' }] }),
          report: twoServices(),
          objects,
        }),
      'INVALID_NAME',
      /spec\.configMapGenerator\[0\]\.nameFormat/,
    );
  });
});

describe('eventSourceName', () => {
  it('may be a template over the cluster; the resolved name labels the objects', () => {
    const et = trigger({ eventSourceName: '{{ .ClusterName }}-{{ .Cluster.metadata.labels.env }}-es' });
    assert.equal(resolveEventSourceName(et, sveltosCluster), 'workload-fv-es');
    const p = run({ eventTrigger: et, report: collected([service('a', 'n')], 'workload-fv-es') });
    assert.equal(p.eventSourceName, 'workload-fv-es');
    assert.equal(p.clusterProfiles[0]?.metadata.labels?.[`${L}eventsourcename`], 'workload-fv-es');
    assert.equal(p.clusterProfiles[0]?.metadata.labels?.[`${L}eventreportname`], 'workload-fv-es');
  });

  it('a template that renders an invalid name, or fails, is an error on spec.eventSourceName', () => {
    rejects(
      () => resolveEventSourceName(trigger({ eventSourceName: '{{ "A B" }}' }), sveltosCluster),
      'INVALID_NAME',
      /^spec\.eventSourceName: /,
    );
    rejects(
      () => resolveEventSourceName(trigger({ eventSourceName: '{{ .Resource }}' }), sveltosCluster),
      'TEMPLATE_FAILED',
    );
  });

  it('ownershipSelector gives the four base labels the adapter cleans up by', () => {
    assert.deepEqual(ownershipSelector('et', capiCluster), {
      [`${L}eventtriggername`]: 'et',
      [`${L}clusterNamespace`]: 'team',
      [`${L}clustername`]: 'capi1',
      [`${L}clustertype`]: 'Capi',
    });
  });

  it('a report of another EventSource is refused', () => {
    rejects(
      () => run({ eventTrigger: trigger({}), report: collected([service('a', 'n')], 'other') }),
      'EVENT_SOURCE_MISMATCH',
      /report is for EventSource other/,
    );
  });
});

describe('CloudEvents', () => {
  const ce = (subject: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ specversion: '1.0', id: '1', source: 'nats/orders', type: 'create', subject, ...extra });
  const ceSpec: Partial<EventTriggerSpec> = {
    oneForEvent: true,
    cloudEventAction: '{{ if eq .CloudEvent.type "delete" }}Delete{{ else }}Create{{ end }}',
    policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'ns' }],
    configMapGenerator: [{ name: 'gen', namespace: 'default', nameFormat: 'gen-{{ .CloudEvent.subject }}' }],
  };
  const objects = [
    configMap('default', 'ns', { 'ns.yaml': 'name: {{ .CloudEvent.subject }}' }, INSTANTIATE),
    configMap('default', 'gen', { k: '{{ .CloudEvent.data.n }}' }),
  ];

  it('a Create CloudEvent makes a profile labelled by source and subject (/ replaced by -)', () => {
    const p = run({
      eventTrigger: trigger(ceSpec),
      report: { eventSourceName: 'es', cloudEvents: [ce('team-a', { data: { n: 12345678 } })] },
      objects,
    });
    const labels = p.clusterProfiles[0]?.metadata.labels ?? {};
    assert.equal(labels[`${L}cesource`], 'nats-orders');
    assert.equal(labels[`${L}cesubject`], 'team-a');
    assert.deepEqual(
      p.configMaps.map((c) => [c.metadata.name, c.data]),
      [
        ['gen-team-a', { k: '12345678' }],
        ['sveltos-00000000000000000002', { 'ns.yaml': 'name: team-a' }],
      ],
    );
  });

  it('CloudEvent-born objects survive passes without CloudEvents, until a Delete CloudEvent', () => {
    const created = run({
      eventTrigger: trigger(ceSpec),
      report: { eventSourceName: 'es', cloudEvents: [ce('team-a', { data: { n: 1 } })] },
      objects,
    });
    const existing = {
      clusterProfiles: created.clusterProfiles,
      configMaps: [...created.configMaps, configMap('projectsveltos', 'foreign', { a: 'b' })],
    };
    const later = run({
      eventTrigger: trigger(ceSpec),
      report: { eventSourceName: 'es' },
      objects,
      existing,
    });
    assert.equal(JSON.stringify(later.clusterProfiles), JSON.stringify(created.clusterProfiles));
    assert.deepEqual(
      later.configMaps.map((c) => c.metadata.name).sort(),
      created.configMaps.map((c) => c.metadata.name).sort(),
    );
    const deleted = run({
      eventTrigger: trigger(ceSpec),
      report: { eventSourceName: 'es', cloudEvents: [ce('team-a', { type: 'delete' })] },
      objects,
      existing,
    });
    assert.deepEqual([deleted.clusterProfiles, deleted.configMaps], [[], []]);
  });

  it('a Delete after a Create of the same subject in one report removes it; other subjects are processed', () => {
    const p = run({
      eventTrigger: trigger(ceSpec),
      report: {
        eventSourceName: 'es',
        cloudEvents: [ce('a', { data: { n: 1 } }), ce('a', { type: 'delete' }), ce('b', { data: { n: 2 } })],
      },
      objects,
    });
    assert.deepEqual(
      p.clusterProfiles.map((c) => c.metadata.labels?.[`${L}cesubject`]),
      ['b'],
    );
    assert.deepEqual(p.configMaps.map((c) => c.metadata.name).sort(), [
      'gen-b',
      'sveltos-00000000000000000004',
    ]);
  });

  it('an invalid cloudEventAction is a reported error, not a crash', () => {
    rejects(
      () =>
        run({
          eventTrigger: trigger({ ...ceSpec, cloudEventAction: 'create' }),
          report: { eventSourceName: 'es', cloudEvents: [ce('a')] },
          objects,
        }),
      'INVALID_CLOUD_EVENT_ACTION',
      /^spec\.cloudEventAction: rendered to "create"; it must be exactly Create or Delete$/,
    );
  });

  it('oneForEvent: false sees .CloudEvents and ignores cloudEventAction', () => {
    const p = run({
      eventTrigger: trigger({ cloudEventAction: 'nonsense', profileNameFormat: 'ce-{{ len .CloudEvents }}' }),
      report: { eventSourceName: 'es', cloudEvents: [ce('a'), ce('b')] },
    });
    assert.deepEqual(
      p.clusterProfiles.map((c) => c.metadata.name),
      ['ce-2'],
    );
    assert.equal(p.clusterProfiles[0]?.metadata.labels?.[`${L}cesource`], undefined);
  });

  it('a CloudEvent that is not a JSON object is invalid input', () => {
    rejects(
      () => run({ eventTrigger: trigger(ceSpec), report: { eventSourceName: 'es', cloudEvents: ['{'] } }),
      'INVALID_INPUT',
      /cloudEvents\[0\] is not JSON/,
    );
    rejects(
      () => run({ eventTrigger: trigger(ceSpec), report: { eventSourceName: 'es', cloudEvents: ['[1]'] } }),
      'INVALID_INPUT',
      /not a JSON object/,
    );
  });
});

describe('event data in objects that are not instantiated', () => {
  it('a projectsveltos.io/template ConfigMap using .Resource is passed through with a warning naming the fix', () => {
    const p = run({
      eventTrigger: trigger({
        oneForEvent: true,
        policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 't' }],
      }),
      report: collected([service('a', 'ns1')]),
      objects: [
        configMap(
          'default',
          't',
          { 'svc.yaml': 'name: external-{{ .Resource.metadata.name }}' },
          { 'projectsveltos.io/template': 'ok' },
        ),
      ],
    });
    assert.deepEqual(p.clusterProfiles[0]?.spec?.policyRefs, [
      { kind: 'ConfigMap', namespace: 'default', name: 't' },
    ]);
    assert.deepEqual(p.warnings, [
      {
        code: 'EVENT_DATA_NOT_INSTANTIATED',
        message:
          'ConfigMap default/t uses event data (.Resource) in "svc.yaml" but is not instantiated ' +
          '(projectsveltos.io/template is rendered later by addon-controller, with cluster data only): ' +
          'add the annotation projectsveltos.io/instantiate to it',
      },
    ]);
  });

  it('cluster-data templates and variables named like event keys do not warn', () => {
    const p = run({
      eventTrigger: trigger({ policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 't' }] }),
      report: twoServices(),
      objects: [
        configMap(
          'default',
          't',
          {
            a: '{{ (getResource "X").Resources }} {{ $v.Resource }} {{ .Cluster.metadata.name }}',
            b: '.Resource',
          },
          { 'projectsveltos.io/template': 'ok' },
        ),
      ],
    });
    assert.deepEqual(p.warnings, []);
  });
});

describe('bad input', () => {
  it('an EventTrigger without a name, a cluster of an unknown kind or without a namespace', () => {
    const et = trigger({});
    rejects(
      () => run({ eventTrigger: { ...et, metadata: {} as never }, report: twoServices() }),
      'INVALID_INPUT',
      /needs metadata\.name/,
    );
    rejects(
      () =>
        run({
          eventTrigger: et,
          report: twoServices(),
          cluster: { ...sveltosCluster, apiVersion: 'v1', kind: 'Pod' } as never,
        }),
      'INVALID_INPUT',
      /v1\/Pod is neither/,
    );
    rejects(
      () =>
        run({
          eventTrigger: et,
          report: twoServices(),
          cluster: { ...sveltosCluster, metadata: { name: 'x' } },
        }),
      'INVALID_INPUT',
      /metadata\.namespace/,
    );
  });

  it('an EventReport whose resources cannot be decoded', () => {
    const report = {
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'EventReport',
      metadata: { name: 'r', namespace: 'default' },
      spec: {
        clusterNamespace: 'default',
        clusterName: 'workload',
        clusterType: 'Sveltos',
        eventSourceName: 'es',
        resources: Buffer.from('a: [').toString('base64'),
      },
    } as EventReport;
    rejects(
      () => run({ eventTrigger: trigger({}), report }),
      'INVALID_INPUT',
      /spec\.resources cannot be decoded/,
    );
  });

  it('EventReport resources that decode to garbage are refused, naming the problem', () => {
    const report = (resources: string) =>
      ({
        apiVersion: 'lib.projectsveltos.io/v1beta1',
        kind: 'EventReport',
        metadata: { name: 'r', namespace: 'default' },
        spec: {
          clusterNamespace: 'default',
          clusterName: 'workload',
          clusterType: 'Sveltos',
          eventSourceName: 'es',
          resources,
        },
      }) as EventReport;
    const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
    const cases: [string, string, RegExp][] = [
      ['not base64', 'not base64!', /spec\.resources is not valid base64/],
      [
        'bytes that are not UTF-8',
        b64(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])),
        /not valid UTF-8 once decoded/,
      ],
      ['a YAML scalar', b64('just some text'), /document 0 is not an object/],
      [
        'an object without kind',
        b64('{"apiVersion":"v1","metadata":{"name":"x"}}\n---'),
        /spec\.resources\[0\] has no kind/,
      ],
      [
        'an object without a name',
        b64(
          '{"apiVersion":"v1","kind":"Service","metadata":{"name":"a"}}\n---{"apiVersion":"v1","kind":"Service","metadata":{}}\n---',
        ),
        /spec\.resources\[1\] has no metadata\.name/,
      ],
      [
        'an alias bomb in the YAML form',
        b64(
          `a: &a [x,x,x,x,x,x,x,x,x,x]\n${'bcdefghij'
            .split('')
            .map((c, i) => `${c}: &${c} [${Array(10).fill(`*${'abcdefghij'[i]}`).join(',')}]`)
            .join('\n')}\n`,
        ),
        /Excessive alias count/,
      ],
    ];
    for (const [name, resources, match] of cases) {
      rejects(() => run({ eventTrigger: trigger({}), report: report(resources) }), 'INVALID_INPUT', match);
      assert.ok(name);
    }
  });

  it('a rendered destinationCluster that is not a valid cluster name or namespace is refused', () => {
    const dest = (namespace: string, name: string) =>
      trigger({
        oneForEvent: true,
        destinationCluster: {
          apiVersion: 'lib.projectsveltos.io/v1beta1',
          kind: 'SveltosCluster',
          namespace,
          name,
        },
      });
    const report = collected([service('a', 'ns1')]);
    rejects(
      () => run({ eventTrigger: dest('ns1', '{{ "Bad_Name" }}'), report }),
      'INVALID_NAME',
      /name "Bad_Name"/,
    );
    rejects(
      () => run({ eventTrigger: dest('{{ .Resource.metadata.name }}.{{ "x" }}', 'x'), report }),
      'INVALID_NAME',
      /namespace "a\.x"/,
    );
    rejects(() => run({ eventTrigger: dest('', 'x'), report }), 'INVALID_NAME', /namespace ""/);
  });

  it('an EventTrigger the API server would refuse is refused (the CRD schema)', () => {
    rejects(
      () =>
        run({
          eventTrigger: { ...trigger({}), spec: { ...trigger({}).spec, oneForEvnt: true } as never },
          report: twoServices(),
        }),
      'INVALID_INPUT',
      /EventTrigger et is invalid: unknown field "spec\.oneForEvnt"/,
    );
    rejects(
      () =>
        run({ eventTrigger: trigger({ sourceClusterSelector: 'env=fv' as never }), report: twoServices() }),
      'INVALID_INPUT',
      /spec\.sourceClusterSelector: Invalid value: "env=fv": must be of type object/,
    );
  });

  it('a name source returning an invalid name is refused', () => {
    rejects(
      () =>
        plan({
          eventTrigger: trigger({}),
          report: twoServices(),
          cluster: sveltosCluster,
          lookup: lookupFrom([]),
          options: { newName: () => 'UPPER' },
        }),
      'INVALID_NAME',
      /options\.newName/,
    );
  });
});

describe('determinism', () => {
  it('the same input gives byte-identical output, and planning does not modify its input', () => {
    const et = trigger({
      oneForEvent: true,
      policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 't' }],
      helmCharts: [
        {
          repositoryURL: 'https://x',
          releaseName: '{{ .Resource.metadata.name }}',
          releaseNamespace: 'n',
          values: '{{ setField .Resource "x" "v" }}',
        },
      ],
    });
    const objects = [
      configMap(
        'default',
        't',
        { b: '{{ chainRemoveField .Resource "spec" | toYaml }}', a: '1' },
        INSTANTIATE,
      ),
    ];
    const report = twoServices();
    const before = JSON.stringify([et, objects, report]);
    const a = run({ eventTrigger: et, report, objects });
    const b = run({ eventTrigger: et, report, objects });
    assert.equal(JSON.stringify(a), JSON.stringify(b));
    assert.equal(JSON.stringify([et, objects, report]), before);
    assert.deepEqual(Object.keys(a.configMaps[0]?.data ?? {}), ['a', 'b']);
  });
});

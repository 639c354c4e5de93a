// helmCharts on the local control planes with the real helm, charts served by a chart repository and OCI
// registries on 127.0.0.1 (TLS from the bed's CA): install, upgrade, no-op, uninstall, ownership between
// profiles, failures that leave a clear status and withdraw nothing, DryRun.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { HelmChartSummary } from '@sveltos-ts/api';
import type { KubeObject, RestClient } from '@sveltos-ts/kube';
import { CHART_READER, type ChartServers, ensureBinaries, startChartServers } from '@sveltos-ts/testenv';
import type { RunningAddonController } from './addon-controller.ts';
import {
  client,
  clusterProfile,
  createOrKeep,
  eventually,
  namespace,
  registerCluster,
  type Summary,
  scopedController,
  summary,
  testBed,
  uniqueName,
} from './test-support.ts';
import { DRY_RUN_ANNOTATION } from './units/pair-status.ts';

const scope = uniqueName('achelm');
const ns = scope;
let mgmt: RestClient;
let b: RestClient;
let controller: RunningAddonController;
let servers: ChartServers;
let cacheDir: string;
const clusterRefs = [
  { apiVersion: 'lib.projectsveltos.io/v1beta1', kind: 'SveltosCluster', namespace: ns, name: 'c' },
];
const tls = { CASecretRef: { name: 'chart-ca', namespace: ns } };

const summaryOf = (profile: string) => summary(mgmt, ns, `${profile}-sveltos-c`);
const helmStatus = (s: Summary | undefined) =>
  s?.status?.featureSummaries?.find((f) => f.featureID === 'Helm');
const releaseEntry = (s: Summary | undefined, name: string): HelmChartSummary | undefined =>
  s?.status?.helmReleaseSummaries?.find((r) => r.releaseName === name);

/** The ConfigMap sveltos-test-app renders, as the chart wrote it. */
const settings = async (release: string, namespace: string) =>
  (
    await b.getOrUndefined<KubeObject & { data?: Record<string, string> }>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace,
      name: `${release}-settings`,
    })
  )?.data;

/** helm's storage Secrets of a release (one per kept revision). */
const revisions = async (release: string, namespace: string) =>
  (await b.list('v1', 'Secret', { namespace, labelSelector: `owner=helm,name=${release}` })).items.length;

const appChart = (o: {
  release: string;
  namespace: string;
  version?: string;
  values?: string;
  url?: string;
}) => ({
  repositoryURL: o.url ?? servers.repositoryURL,
  repositoryName: 'test',
  chartName: 'test/sveltos-test-app',
  chartVersion: o.version ?? '1.0.0',
  releaseName: o.release,
  releaseNamespace: o.namespace,
  helmChartAction: 'Install',
  ...(o.values !== undefined ? { values: o.values } : {}),
  registryCredentialsConfig: tls,
});

before(async () => {
  mgmt = await client('mgmt');
  b = await client('cluster-b');
  servers = await startChartServers(await testBed());
  await registerCluster(mgmt, {
    namespace: ns,
    name: 'c',
    target: 'cluster-b',
    labels: { [scope]: 'yes', region: 'west' },
  });
  await mgmt.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'chart-ca', namespace: ns },
    stringData: { 'ca.crt': servers.caPem },
  });
  const host = new URL(servers.privateOciURL.replace('oci:', 'https:')).host;
  const auth = Buffer.from(`${CHART_READER.username}:${CHART_READER.password}`).toString('base64');
  await mgmt.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'registry-credentials', namespace: ns },
    type: 'kubernetes.io/dockerconfigjson',
    stringData: { '.dockerconfigjson': JSON.stringify({ auths: { [host]: { auth } } }) },
  });
  cacheDir = mkdtempSync(join(tmpdir(), 'helm-test-'));
  controller = await scopedController(scope, {
    tools: { helmBinary: (await ensureBinaries()).helm, cacheDir },
  });
});

after(async () => {
  await controller?.stop();
  await servers?.stop();
  if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
});

describe('helmCharts', () => {
  it('installs from an HTTPS repository with templated values, upgrades on a new version or values, does nothing otherwise, uninstalls on deletion', async () => {
    const p = `${scope}-app`;
    const release = 'app';
    const values =
      'message: hi {{ .Cluster.metadata.name }}\nextra:\n  region: "{{ index .Cluster.metadata.labels `region` }}"\n';
    await mgmt.create(
      clusterProfile(p, scope, {
        clusterRefs,
        helmCharts: [appChart({ release, namespace: `${ns}-app`, values })],
      }),
    );
    const data = await eventually(
      'release installed',
      async () => (await settings(release, `${ns}-app`)) ?? false,
    );
    assert.equal(data.message, 'hi c');
    assert.equal(data.region, 'west');
    assert.equal(data.chartVersion, '1.0.0');
    const s = await eventually('Helm Provisioned', async () => {
      const st = await summaryOf(p);
      return helmStatus(st)?.status === 'Provisioned' && st;
    });
    assert.equal(releaseEntry(s, release)?.status, 'Managing');
    assert.ok(releaseEntry(s, release)?.valuesHash);
    const recorded = s.status?.deployedFeatures?.find((f) => f.featureID === 'Helm')?.helmReleases;
    assert.deepEqual(
      recorded?.map((r) => [r.releaseNamespace, r.releaseName, r.chartName, r.chartVersion]),
      [[`${ns}-app`, release, 'test/sveltos-test-app', '1.0.0']],
    );
    // nothing changed: no new revision even after the pair is looked at again
    const fetches = servers.requests.get('/public/index.yaml') ?? 0;
    await mgmt.mergePatch(
      { apiVersion: 'config.projectsveltos.io/v1beta1', kind: 'ClusterProfile', name: p },
      { metadata: { annotations: { touched: 'yes' } } },
    );
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await revisions(release, `${ns}-app`), 1);
    assert.equal(
      servers.requests.get('/public/index.yaml') ?? 0,
      fetches,
      'an exact cached version needs no fetch',
    );

    // a new version upgrades
    await mgmt.mergePatch(
      { apiVersion: 'config.projectsveltos.io/v1beta1', kind: 'ClusterProfile', name: p },
      { spec: { helmCharts: [appChart({ release, namespace: `${ns}-app`, values, version: '1.1.0' })] } },
    );
    await eventually(
      'upgraded to 1.1.0',
      async () => (await settings(release, `${ns}-app`))?.chartVersion === '1.1.0',
    );
    // new values upgrade
    await mgmt.mergePatch(
      { apiVersion: 'config.projectsveltos.io/v1beta1', kind: 'ClusterProfile', name: p },
      {
        spec: {
          helmCharts: [
            appChart({ release, namespace: `${ns}-app`, values: 'message: changed', version: '1.1.0' }),
          ],
        },
      },
    );
    await eventually(
      'values changed',
      async () => (await settings(release, `${ns}-app`))?.message === 'changed',
    );
    // the record follows: the new version and a new values hash
    await eventually('record follows', async () => {
      const st = await summaryOf(p);
      const r = st?.status?.deployedFeatures?.find((f) => f.featureID === 'Helm')?.helmReleases?.[0];
      return (
        helmStatus(st)?.status === 'Provisioned' &&
        r?.chartVersion === '1.1.0' &&
        releaseEntry(st, release)?.valuesHash !== releaseEntry(s, release)?.valuesHash
      );
    });

    await mgmt.delete({ apiVersion: 'config.projectsveltos.io/v1beta1', kind: 'ClusterProfile', name: p });
    await eventually(
      'uninstalled',
      async () =>
        (await revisions(release, `${ns}-app`)) === 0 && (await settings(release, `${ns}-app`)) === undefined,
    );
    await eventually('summary deleted', async () => (await summaryOf(p)) === undefined);
  });

  it('pulls from OCI registries: a version range, credentials from a docker config Secret, a chart with CRDs and one with a dependency', async () => {
    const p = `${scope}-oci`;
    const target = `${ns}-oci`;
    await mgmt.create(
      clusterProfile(p, scope, {
        clusterRefs,
        helmCharts: [
          {
            ...appChart({
              release: 'ranged',
              namespace: target,
              version: '>=1.0.0 <2.0.0',
              url: servers.privateOciURL,
            }),
            chartName: 'sveltos-test-app',
            registryCredentialsConfig: {
              ...tls,
              credentials: { name: 'registry-credentials', namespace: ns },
            },
          },
          {
            ...appChart({
              release: 'widgets',
              namespace: target,
              url: servers.ociURL,
              version: '0.1.0',
              values: 'size: 7',
            }),
            chartName: 'sveltos-test-crds',
          },
          {
            ...appChart({ release: 'umbrella', namespace: target, url: servers.ociURL, version: '0.1.0' }),
            chartName: 'sveltos-test-umbrella',
          },
        ],
      }),
    );
    await eventually(
      'Helm Provisioned',
      async () => {
        const h = helmStatus(await summaryOf(p));
        if (h?.status === 'Provisioned') return true;
        throw new Error(`Helm ${h?.status}: ${h?.failureMessage}`);
      },
      90_000,
    );
    assert.equal((await settings('ranged', target))?.chartVersion, '1.1.0');
    const widget = await b.get<KubeObject & { spec: { size: number } }>({
      apiVersion: 'charts.sveltos-ts.test/v1',
      kind: 'Widget',
      namespace: target,
      name: 'widgets',
    });
    assert.equal(widget.spec.size, 7);
    assert.equal((await settings('umbrella', target))?.message, 'from-umbrella');
    assert.ok(
      await b.getOrUndefined({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: target,
        name: 'umbrella-umbrella',
      }),
    );
    await mgmt.delete({ apiVersion: 'config.projectsveltos.io/v1beta1', kind: 'ClusterProfile', name: p });
    await eventually(
      'all uninstalled',
      async () =>
        (await revisions('ranged', target)) +
          (await revisions('widgets', target)) +
          (await revisions('umbrella', target)) ===
        0,
    );
  });

  it('a chart that fails to install leaves a clear status and does not block the profile’s other features', async () => {
    const p = `${scope}-fail`;
    await mgmt.apply(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'plain', namespace: ns },
        data: {
          cm: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain-${scope}\n  namespace: ${ns}\ndata:\n  a: b\n`,
        },
      },
      { fieldManager: 'test' },
    );
    await createOrKeep(b, namespace(ns));
    await mgmt.create(
      clusterProfile(p, scope, {
        clusterRefs,
        policyRefs: [{ kind: 'ConfigMap', namespace: ns, name: 'plain' }],
        helmCharts: [
          appChart({
            release: 'broken',
            namespace: `${ns}-fail`,
            values: 'fail: the chart refuses these values',
          }),
        ],
      }),
    );
    const s = await eventually('Helm Failed', async () => {
      const st = await summaryOf(p);
      return helmStatus(st)?.status === 'Failed' && st;
    });
    assert.equal(helmStatus(s)?.failureReason, 'HELM_FAILED');
    assert.match(
      helmStatus(s)?.failureMessage ?? '',
      /spec\.helmCharts\[0\] \(release .*\/broken\): helm install failed: .*the chart refuses these values/,
    );
    assert.match(releaseEntry(s, 'broken')?.failureMessage ?? '', /the chart refuses these values/);
    await eventually(
      'Resources Provisioned',
      async () =>
        (await summaryOf(p))?.status?.featureSummaries?.find((f) => f.featureID === 'Resources')?.status ===
        'Provisioned',
    );
    assert.ok(
      await b.getOrUndefined({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: `plain-${scope}` }),
    );
    await mgmt.delete({ apiVersion: 'config.projectsveltos.io/v1beta1', kind: 'ClusterProfile', name: p });
    await eventually('summary deleted', async () => (await summaryOf(p)) === undefined);
    assert.equal(await revisions('broken', `${ns}-fail`), 0, 'the failed release is uninstalled too');
  });

  it('two profiles on one release: the second gets a Conflict; a lower tier takes it over', async () => {
    const first = `${scope}-own1`;
    const second = `${scope}-own2`;
    const target = `${ns}-own`;
    await mgmt.create(
      clusterProfile(first, scope, {
        clusterRefs,
        helmCharts: [appChart({ release: 'shared', namespace: target, values: 'message: first' })],
      }),
    );
    await eventually('first installs', async () => (await settings('shared', target))?.message === 'first');
    await mgmt.create(
      clusterProfile(second, scope, {
        clusterRefs,
        helmCharts: [appChart({ release: 'shared', namespace: target, values: 'message: second' })],
      }),
    );
    const s = await eventually('Conflict', async () => {
      const st = await summaryOf(second);
      return releaseEntry(st, 'shared')?.status === 'Conflict' && st;
    });
    assert.match(
      releaseEntry(s, 'shared')?.conflictMessage ?? '',
      new RegExp(`managed by ClusterProfile ${first} \\(tier 100\\)`),
    );
    assert.equal(helmStatus(s)?.status, 'Failed');
    assert.equal((await settings('shared', target))?.message, 'first');
    await mgmt.mergePatch(
      { apiVersion: 'config.projectsveltos.io/v1beta1', kind: 'ClusterProfile', name: second },
      { spec: { tier: 50 } },
    );
    await eventually(
      'second takes over',
      async () => (await settings('shared', target))?.message === 'second',
    );
    await eventually(
      'first reports the conflict',
      async () => releaseEntry(await summaryOf(first), 'shared')?.status === 'Conflict',
    );
    // the loser's withdrawal leaves the winner's release alone
    await mgmt.delete({
      apiVersion: 'config.projectsveltos.io/v1beta1',
      kind: 'ClusterProfile',
      name: first,
    });
    await eventually('first gone', async () => (await summaryOf(first)) === undefined);
    assert.equal((await settings('shared', target))?.message, 'second');
    await mgmt.delete({
      apiVersion: 'config.projectsveltos.io/v1beta1',
      kind: 'ClusterProfile',
      name: second,
    });
    await eventually('uninstalled', async () => (await revisions('shared', target)) === 0);
  });

  it('bad input is reported per chart and withdraws nothing', async () => {
    const p = `${scope}-bad`;
    const target = `${ns}-bad`;
    const good = appChart({ release: 'good', namespace: target, values: 'message: stays' });
    await mgmt.create(clusterProfile(p, scope, { clusterRefs, continueOnError: true, helmCharts: [good] }));
    await eventually('good installed', async () => (await settings('good', target))?.message === 'stays');
    const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
      [
        'unknown version',
        appChart({ release: 'v', namespace: target, version: '9.9.9' }),
        'CHART_UNAVAILABLE',
        /cannot fetch chart test\/sveltos-test-app version 9\.9\.9/,
      ],
      [
        'unknown chart',
        { ...appChart({ release: 'n', namespace: target }), chartName: 'test/nope' },
        'CHART_UNAVAILABLE',
        /cannot fetch chart test\/nope/,
      ],
      [
        'unreachable repository',
        appChart({ release: 'u', namespace: target, url: 'https://127.0.0.1:1/charts' }),
        'CHART_UNAVAILABLE',
        /127\.0\.0\.1:1/,
      ],
      [
        'invalid values YAML',
        appChart({ release: 'y', namespace: target, values: 'message: [unclosed' }),
        'INVALID_VALUES',
        /spec\.helmCharts\[1\]\.values: not valid YAML/,
      ],
      [
        'template error in values',
        appChart({ release: 't', namespace: target, values: 'message: {{ .Cluster.nope.deeper }}' }),
        'TEMPLATE_FAILED',
        /spec\.helmCharts\[1\]\.values/,
      ],
    ];
    for (const [what, chart, code, message] of cases) {
      await mgmt.mergePatch(
        { apiVersion: 'config.projectsveltos.io/v1beta1', kind: 'ClusterProfile', name: p },
        { spec: { helmCharts: [good, chart] } },
      );
      const st = await eventually(`${what} reported`, async () => {
        const h = helmStatus(await summaryOf(p));
        return h?.failureReason === code && message.test(h.failureMessage ?? '') && h;
      });
      assert.ok(st.status === 'Failed' || st.status === 'FailedNonRetriable', what);
      assert.equal((await settings('good', target))?.message, 'stays', `${what}: the good release stays`);
      assert.equal(await revisions('good', target), 1, `${what}: the good release is untouched`);
    }
    await mgmt.delete({ apiVersion: 'config.projectsveltos.io/v1beta1', kind: 'ClusterProfile', name: p });
    await eventually('uninstalled', async () => (await revisions('good', target)) === 0);
  });

  it('DryRun reports what would be installed and installs nothing; Uninstall removes a release', async () => {
    const p = `${scope}-dry`;
    const target = `${ns}-dry`;
    await mgmt.create(
      clusterProfile(p, scope, {
        clusterRefs,
        syncMode: 'DryRun',
        helmCharts: [appChart({ release: 'dry', namespace: target })],
      }),
    );
    const entries = await eventually('dry-run annotation', async () => {
      const text = (await summaryOf(p))?.metadata.annotations?.[DRY_RUN_ANNOTATION];
      return text ? (JSON.parse(text) as Array<{ action: string; resource: string }>) : false;
    });
    assert.deepEqual(
      entries.map((e) => [e.action, e.resource]),
      [['Install', `helm release ${target}/dry (chart test/sveltos-test-app 1.0.0)`]],
    );
    assert.equal(await revisions('dry', target), 0);
    await mgmt.mergePatch(
      { apiVersion: 'config.projectsveltos.io/v1beta1', kind: 'ClusterProfile', name: p },
      { spec: { syncMode: 'Continuous' } },
    );
    await eventually('installed', async () => (await revisions('dry', target)) === 1);
    await mgmt.mergePatch(
      { apiVersion: 'config.projectsveltos.io/v1beta1', kind: 'ClusterProfile', name: p },
      {
        spec: {
          helmCharts: [{ ...appChart({ release: 'dry', namespace: target }), helmChartAction: 'Uninstall' }],
        },
      },
    );
    await eventually('uninstalled by action', async () => (await revisions('dry', target)) === 0);
    await eventually('Provisioned', async () => helmStatus(await summaryOf(p))?.status === 'Provisioned');
    await mgmt.delete({ apiVersion: 'config.projectsveltos.io/v1beta1', kind: 'ClusterProfile', name: p });
  });
});

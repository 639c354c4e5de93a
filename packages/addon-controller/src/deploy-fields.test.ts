// ClusterProfile fields that shape what is deployed, on the local control planes: deploymentType Local
// (Resources and Kustomize into the management cluster), patches and patchesFrom (strategic merge and
// JSON6902 with targets, templated; on Resources, Kustomize and Helm through the post-renderer),
// continueOnError, and a reference's force.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KubeObject, RestClient } from '@sveltos-ts/kube';
import { type ChartServers, ensureBinaries, startChartServers } from '@sveltos-ts/testenv';
import type { RunningAddonController } from './addon-controller.ts';
import {
  client,
  clusterProfile,
  createOrKeep,
  eventually,
  namespace,
  profileRef,
  registerCluster,
  resourcesStatus,
  type Summary,
  scopedController,
  summary,
  testBed,
  uniqueName,
} from './test-support.ts';

const scope = uniqueName('acdeploy');
const ns = scope;
let mgmt: RestClient;
let b: RestClient;
let controller: RunningAddonController;
let servers: ChartServers;
let work: string;
const clusterRefs = [
  { apiVersion: 'lib.projectsveltos.io/v1beta1', kind: 'SveltosCluster', namespace: ns, name: 'c' },
];
type Obj = KubeObject & { data?: Record<string, string> };

const summaryOf = (profile: string) => summary(mgmt, ns, `${profile}-sveltos-c`);
const featureStatus = (s: Summary | undefined, id: string) =>
  s?.status?.featureSummaries?.find((f) => f.featureID === id);
const cm = (c: RestClient, name: string) =>
  c.getOrUndefined<Obj>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });
const configMapYaml = (name: string, data: Record<string, string>, labels: Record<string, string> = {}) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n  labels: ${JSON.stringify(labels)}\ndata: ${JSON.stringify(data)}\n`;

async function source(name: string, data: Record<string, string>, annotations?: Record<string, string>) {
  await mgmt.apply(
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: ns, ...(annotations ? { annotations } : {}) },
      data,
    },
    { fieldManager: 'test' },
  );
}

/** A kustomize directory (tar.gz, as users pack it) in a ConfigMap's binaryData. */
async function kustomization(name: string, files: Record<string, string>) {
  const dir = join(work, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  execFileSync('tar', ['-czf', join(work, `${name}.tar.gz`), '-C', dir, '.']);
  await mgmt.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: ns },
    binaryData: { 'kustomize.tar.gz': readFileSync(join(work, `${name}.tar.gz`)).toString('base64') },
  } as KubeObject);
}

before(async () => {
  mgmt = await client('mgmt');
  b = await client('cluster-b');
  work = mkdtempSync(join(tmpdir(), 'deploy-fields-'));
  servers = await startChartServers(await testBed());
  await registerCluster(mgmt, {
    namespace: ns,
    name: 'c',
    target: 'cluster-b',
    labels: { [scope]: 'yes', region: 'west' },
  });
  await createOrKeep(b, namespace(ns));
  await mgmt.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'chart-ca', namespace: ns },
    stringData: { 'ca.crt': servers.caPem },
  });
  const binaries = await ensureBinaries();
  controller = await scopedController(scope, {
    tools: { helmBinary: binaries.helm, kustomizeBinary: binaries.kustomize, cacheDir: join(work, 'cache') },
  });
});

after(async () => {
  await controller?.stop();
  await servers?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('deploy fields', () => {
  it('deploymentType Local: policyRefs and kustomizationRefs go to the management cluster, the rest to the managed one', async () => {
    await source('remote-src', { a: configMapYaml('remote-one', { where: 'managed' }) });
    await source(
      'local-src',
      { a: configMapYaml('{{ .Cluster.metadata.name }}-local', { cluster: '{{ .Cluster.metadata.name }}' }) },
      { 'projectsveltos.io/template': 'ok' },
    );
    await kustomization('kust-local', {
      'kustomization.yaml': 'resources:\n  - cm.yaml\n',
      'cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kustomized-local\ndata:\n  from: kustomize\n',
    });
    const p = `${scope}-local`;
    await mgmt.create(
      clusterProfile(p, scope, {
        clusterRefs,
        policyRefs: [
          { kind: 'ConfigMap', namespace: ns, name: 'remote-src' },
          { kind: 'ConfigMap', namespace: ns, name: 'local-src', deploymentType: 'Local' },
        ],
        kustomizationRefs: [
          {
            kind: 'ConfigMap',
            namespace: ns,
            name: 'kust-local',
            deploymentType: 'Local',
            targetNamespace: ns,
          },
        ],
      }),
    );
    const s = await eventually('Provisioned', async () => {
      const x = await summaryOf(p);
      return (
        featureStatus(x, 'Resources')?.status === 'Provisioned' &&
        featureStatus(x, 'Kustomize')?.status === 'Provisioned' &&
        x
      );
    });
    const local = await cm(mgmt, 'c-local');
    assert.equal(
      local?.data?.cluster,
      'c',
      'rendered for the managed cluster, created in the management cluster',
    );
    assert.equal(local?.metadata.annotations?.['projectsveltos.io/owner-name'], p);
    assert.equal((await cm(mgmt, 'kustomized-local'))?.data?.from, 'kustomize');
    assert.equal((await cm(b, 'remote-one'))?.data?.where, 'managed');
    assert.equal(await cm(b, 'c-local'), undefined, 'not in the managed cluster');
    assert.equal(await cm(b, 'kustomized-local'), undefined);
    const records = (s.status?.deployedFeatures ?? []).flatMap((f) =>
      (f.resources ?? []).map((r) => `${f.featureID}:${r.name}:${r.deploymentType ?? 'Remote'}`),
    );
    assert.deepEqual(records.sort(), [
      'Kustomize:kustomized-local:Local',
      'Resources:c-local:Local',
      'Resources:remote-one:Remote',
    ]);
    await mgmt.delete(profileRef(p));
    await eventually(
      'withdrawn from both clusters',
      async () =>
        !(await cm(mgmt, 'c-local')) && !(await cm(mgmt, 'kustomized-local')) && !(await cm(b, 'remote-one')),
    );
  });

  it('patches and patchesFrom: strategic merge and JSON6902 with targets, templated, on Resources and Kustomize', async () => {
    await source('patch-src', {
      a: `${configMapYaml('app-config', { a: '1' }, { app: 'demo' })}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web-svc\n  namespace: ${ns}\nspec:\n  ports:\n    - port: 80\n`,
    });
    await kustomization('kust-patched', {
      'kustomization.yaml': 'resources:\n  - cm.yaml\n',
      'cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kust-config\n  labels:\n    app: demo\ndata:\n  b: "2"\n',
    });
    // a patchesFrom value: a strategic-merge patch naming its object, rendered with the cluster
    await source(
      'patches-from',
      {
        p: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\n  namespace: ${ns}\ndata:\n  cluster: "{{ .Cluster.metadata.name }}"\n`,
      },
      { 'projectsveltos.io/template': 'ok' },
    );
    const p = `${scope}-patch`;
    const patches = (label: string) => [
      {
        target: { kind: 'ConfigMap', labelSelector: 'app=demo' },
        patch: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: any\n  labels:\n    patched: ${label}\n`,
      },
      {
        target: { version: 'v1', kind: 'Service', name: '.*-svc' },
        patch: '- op: add\n  path: /metadata/annotations/patched\n  value: json6902\n',
      },
      {
        target: { kind: 'ConfigMap', annotationSelector: 'projectsveltos.io/owner-kind=ClusterProfile' },
        patch: '- op: add\n  path: /data/region\n  value: "{{ index .Cluster.metadata.labels `region` }}"\n',
      },
    ];
    await mgmt.create(
      clusterProfile(p, scope, {
        clusterRefs,
        policyRefs: [{ kind: 'ConfigMap', namespace: ns, name: 'patch-src' }],
        kustomizationRefs: [{ kind: 'ConfigMap', namespace: ns, name: 'kust-patched', targetNamespace: ns }],
        patches: patches('strategic'),
        patchesFrom: [{ kind: 'ConfigMap', namespace: ns, name: 'patches-from' }],
      }),
    );
    const app = await eventually('patched app-config', async () => {
      const x = await cm(b, 'app-config');
      return x?.metadata.labels?.patched === 'strategic' && x;
    });
    assert.deepEqual(app.data, { a: '1', cluster: 'c', region: 'west' });
    assert.equal(
      app.metadata.labels?.['projectsveltos.io/reference-name'],
      'patch-src',
      'ownership marks kept',
    );
    const svc = await b.get({ apiVersion: 'v1', kind: 'Service', namespace: ns, name: 'web-svc' });
    assert.equal(svc.metadata.annotations?.patched, 'json6902');
    const kust = await eventually('patched kustomize output', async () => {
      const x = await cm(b, 'kust-config');
      return x?.metadata.labels?.patched === 'strategic' && x;
    });
    assert.deepEqual(kust.data, { b: '2', region: 'west' });
    await eventually(
      'Provisioned',
      async () => resourcesStatus(await summaryOf(p))?.status === 'Provisioned',
    );

    // a changed patch reaches the cluster although nothing else changed
    await mgmt.mergePatch(profileRef(p), { spec: { patches: patches('again') } });
    await eventually(
      're-patched',
      async () => (await cm(b, 'app-config'))?.metadata.labels?.patched === 'again',
    );

    // a patch that cannot apply deploys nothing unpatched and withdraws nothing
    await mgmt.mergePatch(profileRef(p), {
      spec: {
        patches: [
          {
            target: { kind: 'ConfigMap' },
            patch: '- op: replace\n  path: /data/missing/deeper\n  value: x\n',
          },
        ],
      },
    });
    const failed = await eventually('PATCH_FAILED', async () => {
      const x = resourcesStatus(await summaryOf(p));
      return x?.failureReason === 'PATCH_FAILED' && x;
    });
    assert.match(failed.failureMessage ?? '', /^patches: /);
    assert.ok(await cm(b, 'app-config'), 'nothing withdrawn on a failed patch');
    await mgmt.delete(profileRef(p));
    await eventually('withdrawn', async () => !(await cm(b, 'app-config')) && !(await cm(b, 'kust-config')));
  });

  it('patches reach Helm releases through the post-renderer; a changed patch upgrades the release', async () => {
    const p = `${scope}-helm`;
    const chart = {
      repositoryURL: servers.repositoryURL,
      repositoryName: 'test',
      chartName: 'test/sveltos-test-app',
      chartVersion: '1.0.0',
      releaseName: 'patched',
      releaseNamespace: ns,
      registryCredentialsConfig: { CASecretRef: { name: 'chart-ca', namespace: ns } },
    };
    const patch = (value: string) => [
      {
        target: { kind: 'ConfigMap', name: '.*-settings' },
        patch: `- op: add\n  path: /metadata/labels/patched\n  value: ${value}\n`,
      },
    ];
    await mgmt.create(clusterProfile(p, scope, { clusterRefs, helmCharts: [chart], patches: patch('helm') }));
    await eventually(
      "the chart's ConfigMap is patched",
      async () => (await cm(b, 'patched-settings'))?.metadata.labels?.patched === 'helm',
    );
    await mgmt.mergePatch(profileRef(p), { spec: { patches: patch('upgraded') } });
    await eventually(
      'upgraded with the new patch',
      async () => (await cm(b, 'patched-settings'))?.metadata.labels?.patched === 'upgraded',
    );
    await eventually(
      'Provisioned',
      async () => featureStatus(await summaryOf(p), 'Helm')?.status === 'Provisioned',
    );
    await mgmt.delete(profileRef(p));
    await eventually('uninstalled', async () => !(await cm(b, 'patched-settings')));
  });

  it('ContinuousWithDriftDetection on a Helm release: a changed or deleted object of the chart is put back', async () => {
    const p = `${scope}-helm-drift`;
    await mgmt.create(
      clusterProfile(p, scope, {
        clusterRefs,
        syncMode: 'ContinuousWithDriftDetection',
        helmCharts: [
          {
            repositoryURL: servers.repositoryURL,
            repositoryName: 'test',
            chartName: 'test/sveltos-test-app',
            chartVersion: '1.0.0',
            releaseName: 'watched',
            releaseNamespace: ns,
            values: 'message: from the chart\n',
            registryCredentialsConfig: { CASecretRef: { name: 'chart-ca', namespace: ns } },
          },
        ],
      }),
    );
    const installed = await eventually('installed, its objects labelled for the watch', async () => {
      const x = await cm(b, 'watched-settings');
      return x?.metadata.labels?.['projectsveltos.io/reference-kind'] === 'HelmRelease' && x;
    });
    assert.equal(installed.data?.message, 'from the chart');
    await eventually(
      'Provisioned',
      async () => featureStatus(await summaryOf(p), 'Helm')?.status === 'Provisioned',
    );
    const at = { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'watched-settings' };
    await b.mergePatch(at, { data: { message: 'changed by hand' } });
    await eventually(
      'the change is put back',
      async () => (await cm(b, 'watched-settings'))?.data?.message === 'from the chart',
    );
    await b.delete(at);
    await eventually(
      'the deleted object is back',
      async () => (await cm(b, 'watched-settings'))?.data?.message === 'from the chart',
    );
    const helm = await eventually('drift recorded', async () => {
      const x = (await summaryOf(p))?.status?.deployedFeatures?.find((f) => f.featureID === 'Helm');
      return (x?.driftsReverted ?? 0) >= 2 && x;
    });
    assert.match(helm.lastDrift ?? '', /ConfigMap .*\/watched-settings/);
    await mgmt.delete(profileRef(p));
    await eventually('uninstalled', async () => !(await cm(b, 'watched-settings')));
  });

  it('continueOnError: false stops at the first failing reference, true deploys the others', async () => {
    await source('after-missing', { a: configMapYaml('after-missing', { x: '1' }) });
    const p = `${scope}-stop`;
    const refs = [
      { kind: 'ConfigMap', namespace: ns, name: 'does-not-exist' },
      { kind: 'ConfigMap', namespace: ns, name: 'after-missing' },
    ];
    await mgmt.create(clusterProfile(p, scope, { clusterRefs, policyRefs: refs }));
    const st = await eventually('Failed', async () => {
      const x = resourcesStatus(await summaryOf(p));
      return x?.status === 'Failed' && x;
    });
    assert.equal(st.failureReason, 'REFERENCE_NOT_FOUND');
    assert.match(
      st.failureMessage ?? '',
      /spec\.policyRefs\[1\]: not deployed because spec\.policyRefs\[0\] failed/,
    );
    assert.equal(await cm(b, 'after-missing'), undefined);
    await mgmt.mergePatch(profileRef(p), { spec: { continueOnError: true } });
    await eventually(
      'the later reference deployed',
      async () => (await cm(b, 'after-missing'))?.data?.x === '1',
    );
    await mgmt.delete(profileRef(p));
    await eventually('withdrawn', async () => !(await cm(b, 'after-missing')));
  });

  it('a reference with force replaces an object whose update is refused as immutable', async () => {
    const immutable = (v: string) => `${configMapYaml('frozen', { v })}immutable: true\n`;
    await source('frozen-src', { a: immutable('1') });
    const p = `${scope}-force`;
    await mgmt.create(
      clusterProfile(p, scope, {
        clusterRefs,
        policyRefs: [{ kind: 'ConfigMap', namespace: ns, name: 'frozen-src' }],
      }),
    );
    await eventually('deployed', async () => (await cm(b, 'frozen'))?.data?.v === '1');
    await source('frozen-src', { a: immutable('2') });
    const st = await eventually('refused as immutable', async () => {
      const x = resourcesStatus(await summaryOf(p));
      return x?.failureReason === 'APPLY_FAILED' && x;
    });
    assert.match(st.failureMessage ?? '', /immutable/);
    await mgmt.mergePatch(profileRef(p), {
      spec: { policyRefs: [{ kind: 'ConfigMap', namespace: ns, name: 'frozen-src', force: true }] },
    });
    await eventually('replaced', async () => (await cm(b, 'frozen'))?.data?.v === '2');
    await mgmt.delete(profileRef(p));
    await eventually('withdrawn', async () => !(await cm(b, 'frozen')));
  });
});

// kustomizationRefs on the local control planes with the real kustomize: a kustomize directory packed as
// users do (`tar -czf`) in a ConfigMap's binaryData, built with a path, a component, a target namespace
// and substitute values, applied, then withdrawn; Flux sources and broken archives reported.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KubeObject, RestClient } from '@sveltos-ts/kube';
import { ensureBinaries } from '@sveltos-ts/testenv';
import type { RunningAddonController } from './addon-controller.ts';
import { extractArchive } from './features/kustomize/archive.ts';
import {
  client,
  clusterProfile,
  eventually,
  registerCluster,
  type Summary,
  scopedController,
  summary,
  uniqueName,
} from './test-support.ts';

const scope = uniqueName('ackust');
const ns = scope;
let mgmt: RestClient;
let b: RestClient;
let controller: RunningAddonController;
let work: string;
const clusterRefs = [
  { apiVersion: 'lib.projectsveltos.io/v1beta1', kind: 'SveltosCluster', namespace: ns, name: 'c' },
];
const summaryOf = (profile: string) => summary(mgmt, ns, `${profile}-sveltos-c`);
const kustomizeStatus = (s: Summary | undefined) =>
  s?.status?.featureSummaries?.find((f) => f.featureID === 'Kustomize');

/** A kustomize directory written for this test: a base, a production overlay, a component. */
const files: Record<string, string> = {
  'base/kustomization.yaml': 'resources:\n  - configmap.yaml\n',
  'base/configmap.yaml':
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: the-map\n  labels:\n    region: '{{ default \"west\" .Region }}'\ndata:\n  version: '{{ .Version }}'\n",
  'overlays/production/kustomization.yaml': 'resources:\n  - ../../base\nnamePrefix: production-\n',
  'components/extra/kustomization.yaml':
    'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - secret.yaml\n',
  'components/extra/secret.yaml':
    'apiVersion: v1\nkind: Secret\nmetadata:\n  name: extra\nstringData:\n  a: b\n',
};

function archive(): string {
  const dir = join(work, 'src');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  execFileSync('tar', ['-czf', join(work, 'kustomize.tar.gz'), '-C', dir, '.']);
  return readFileSync(join(work, 'kustomize.tar.gz')).toString('base64');
}

before(async () => {
  mgmt = await client('mgmt');
  b = await client('cluster-b');
  work = mkdtempSync(join(tmpdir(), 'kustomize-test-'));
  await registerCluster(mgmt, {
    namespace: ns,
    name: 'c',
    target: 'cluster-b',
    labels: { [scope]: 'yes', region: 'east' },
  });
  await mgmt.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'kustomize', namespace: ns },
    binaryData: { 'kustomize.tar.gz': archive() },
  } as KubeObject);
  await mgmt.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'versions', namespace: ns },
    data: { Version: 'v1.2.0' },
  });
  await mgmt.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'not-an-archive', namespace: ns },
    binaryData: { 'kustomize.tar.gz': Buffer.from('definitely not gzip').toString('base64') },
  } as KubeObject);
  controller = await scopedController(scope, {
    tools: { kustomizeBinary: (await ensureBinaries()).kustomize, cacheDir: join(work, 'cache') },
  });
});

after(async () => {
  await controller?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('kustomizationRefs', () => {
  it('builds a ConfigMap-held kustomize directory (path, component, target namespace, values) and withdraws it', async () => {
    const p = `${scope}-k`;
    const target = `${ns}-prod`;
    await mgmt.create(
      clusterProfile(p, scope, {
        clusterRefs,
        kustomizationRefs: [
          {
            kind: 'ConfigMap',
            namespace: ns,
            name: 'kustomize',
            path: './overlays/production/',
            targetNamespace: target,
            components: ['../../components/extra'],
            values: { Region: '{{ index .Cluster.metadata.labels "region" }}' },
            valuesFrom: [{ kind: 'ConfigMap', namespace: ns, name: 'versions' }],
          },
        ],
      }),
    );
    const map = await eventually('ConfigMap applied', () =>
      b.getOrUndefined<KubeObject & { data?: Record<string, string> }>({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: target,
        name: 'production-the-map',
      }),
    );
    assert.equal(map.metadata.labels?.region, 'east');
    assert.equal(map.data?.version, 'v1.2.0');
    assert.equal(map.metadata.labels?.['projectsveltos.io/reference-name'], 'kustomize');
    assert.ok(
      await b.getOrUndefined({
        apiVersion: 'v1',
        kind: 'Secret',
        namespace: target,
        name: 'production-extra',
      }),
    );
    const s = await eventually('Kustomize Provisioned', async () => {
      const st = await summaryOf(p);
      return kustomizeStatus(st)?.status === 'Provisioned' && st;
    });
    assert.deepEqual(
      s.status?.deployedFeatures
        ?.find((f) => f.featureID === 'Kustomize')
        ?.resources?.map((r) => `${r.kind}/${r.namespace}/${r.name}`),
      [`ConfigMap/${target}/production-the-map`, `Secret/${target}/production-extra`],
    );
    await mgmt.delete({ apiVersion: 'config.projectsveltos.io/v1beta1', kind: 'ClusterProfile', name: p });
    await eventually(
      'withdrawn',
      async () =>
        (await b.getOrUndefined({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          namespace: target,
          name: 'production-the-map',
        })) === undefined,
    );
    await eventually(
      'Secret withdrawn',
      async () =>
        (await b.getOrUndefined({
          apiVersion: 'v1',
          kind: 'Secret',
          namespace: target,
          name: 'production-extra',
        })) === undefined,
    );
    await eventually('summary deleted', async () => (await summaryOf(p)) === undefined);
  });

  it('Flux sources and broken content are reported on the status', async () => {
    const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
      [
        'flux',
        { kind: 'GitRepository', namespace: 'flux-system', name: 'repo' },
        'UNSUPPORTED_REFERENCE',
        /kind GitRepository \(a Flux source\) is not supported yet/,
      ],
      [
        'archive',
        { kind: 'ConfigMap', namespace: ns, name: 'not-an-archive' },
        'KUSTOMIZE_FAILED',
        /not-an-archive.*not a tar archive|not-an-archive/,
      ],
      [
        'path',
        { kind: 'ConfigMap', namespace: ns, name: 'kustomize', path: 'missing' },
        'KUSTOMIZE_FAILED',
        /path "missing" does not exist/,
      ],
      [
        'values',
        { kind: 'ConfigMap', namespace: ns, name: 'kustomize', path: 'base', values: { Other: 'x' } },
        'KUSTOMIZE_FAILED',
        /document 1 of the build output: .*map has no entry for key/,
      ],
    ];
    for (const [what, ref, code, message] of cases) {
      const p = `${scope}-bad-${what}`;
      await mgmt.create(clusterProfile(p, scope, { clusterRefs, kustomizationRefs: [ref] }));
      const st = await eventually(`${what} reported`, async () => {
        const k = kustomizeStatus(await summaryOf(p));
        return k?.failureReason === code && k;
      });
      assert.match(st.failureMessage ?? '', message, what);
      assert.equal(st.status, 'FailedNonRetriable', what);
      await mgmt.delete({ apiVersion: 'config.projectsveltos.io/v1beta1', kind: 'ClusterProfile', name: p });
    }
  });

  it('archives are unpacked safely', () => {
    const dir = mkdtempSync(join(work, 'unpack-'));
    assert.equal(extractArchive(Buffer.from(archive(), 'base64'), dir), Object.keys(files).length);
    execFileSync('ln', ['-s', '/etc/passwd', join(work, 'src', 'link')]);
    execFileSync('tar', ['-czf', join(work, 'bad.tar.gz'), '-C', join(work, 'src'), '.']);
    assert.throws(
      () => extractArchive(readFileSync(join(work, 'bad.tar.gz')), mkdtempSync(join(work, 'x-'))),
      /is a link/,
    );
  });
});

// The pure half of the Helm feature: values merging and parsing, chart references, options.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterProfileSpec, HelmChart } from '@sveltos-ts/api';
import type { MgmtObject, RefKey } from '../../plan.ts';
import { installFlags, parseDuration, parseHelmOptions, uninstallFlags, upgradeFlags } from './options.ts';
import { mergeValues, parseValues, planReleases } from './plan.ts';

const cluster = {
  type: 'Sveltos' as const,
  namespace: 'fleet',
  name: 'edge',
  object: {
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'SveltosCluster',
    metadata: { name: 'edge', namespace: 'fleet', labels: { region: 'west' } },
  },
};

const chart = (over: Partial<HelmChart> = {}): HelmChart => ({
  repositoryURL: 'https://charts.example.com',
  repositoryName: 'example',
  chartName: 'example/app',
  chartVersion: '1.0.0',
  releaseName: 'app',
  releaseNamespace: 'apps',
  ...over,
});

function plan(charts: HelmChart[], objects: Record<string, MgmtObject> = {}) {
  const spec: ClusterProfileSpec = { helmCharts: charts };
  return planReleases({
    profile: { kind: 'ClusterProfile', name: 'p', spec },
    cluster,
    lookup: (k: RefKey) => objects[`${k.kind}/${k.namespace}/${k.name}`],
  });
}

const configMap = (name: string, data: Record<string, string>, template = false): MgmtObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name,
    namespace: 'fleet',
    ...(template ? { annotations: { 'projectsveltos.io/template': 'ok' } } : {}),
  },
  data,
});

describe('helm planning', () => {
  it('merges values, then plain valuesFrom, then templated valuesFrom (maps deeply, later wins)', () => {
    const p = plan(
      [
        chart({
          values: 'a: {x: 1, w: 1}\nregion: "{{ index .Cluster.metadata.labels `region` }}"\n',
          valuesFrom: [
            { kind: 'ConfigMap', name: 'tmpl', namespace: '' },
            { kind: 'ConfigMap', name: 'plain-{{ .Cluster.metadata.name }}', namespace: '' },
          ],
        }),
      ],
      {
        'ConfigMap/fleet/tmpl': configMap(
          'tmpl',
          { k: 'a: {w: 3}\nname: "{{ .Cluster.metadata.name }}"' },
          true,
        ),
        'ConfigMap/fleet/plain-edge': configMap('plain-edge', { k: 'a: {w: 2, z: 2}' }),
      },
    );
    assert.deepEqual(p.charts[0]?.release?.values, { a: { x: 1, w: 3, z: 2 }, region: 'west', name: 'edge' });
    assert.deepEqual(
      p.references.map((r) => r.name),
      ['tmpl', 'plain-edge'],
    );
  });

  it('reads values as YAML 1.1 (as helm does) and rejects what is not a mapping', () => {
    assert.deepEqual(parseValues('on: yes\nflag: off\nport: 08', 'v'), { true: true, flag: false, port: 8 });
    assert.throws(() => parseValues('- a', 'v'), /v: values must be a YAML mapping/);
    assert.throws(() => parseValues('a: [', 'v'), /v: not valid YAML/);
    assert.deepEqual(mergeValues({ a: [1, 2] }, { a: [3] }), { a: [3] });
  });

  it('one error per chart; the others are still planned', () => {
    const p = plan([
      chart({ chartName: 'other/app' }),
      chart({ releaseName: 'b', repositoryURL: 'gitrepository://flux/repo/charts' }),
      chart({ releaseName: 'c', values: '{{ .Cluster.nope.x }}' }),
      chart({ releaseName: 'd', valuesFrom: [{ kind: 'Secret', name: 'missing', namespace: '' }] }),
      chart({ releaseName: 'app' }),
      chart({ releaseName: 'e', repositoryURL: 'oci://registry.example.com/charts', chartName: 'app' }),
    ]);
    assert.deepEqual(
      p.charts.map((c) => c.error?.code ?? c.release?.source.ref),
      [
        'INVALID_HELM_CHART',
        'UNSUPPORTED_REFERENCE',
        'TEMPLATE_FAILED',
        'REFERENCE_NOT_FOUND',
        'app',
        'oci://registry.example.com/charts/app',
      ],
    );
    assert.match(p.charts[0]!.error!.message, /must be <repositoryName>\/<chart>/);
  });

  it('options: upstream names and defaults, strict about unknown fields', () => {
    const o = parseHelmOptions(
      {
        wait: true,
        timeout: '1m30s',
        labels: { team: 'a' },
        upgradeOptions: { maxHistory: 5 },
        uninstallOptions: { keepHistory: true },
      },
      'options',
    );
    assert.equal(o.timeoutMs, 90_000);
    assert.deepEqual(installFlags(o, { owner: 'p' }), [
      '--wait',
      '--timeout',
      '90s',
      '--create-namespace',
      '--replace',
      '--labels',
      'team=a,owner=p',
    ]);
    assert.deepEqual(upgradeFlags(o, {}), [
      '--wait',
      '--timeout',
      '90s',
      '--history-max',
      '5',
      '--labels',
      'team=a',
    ]);
    assert.deepEqual(uninstallFlags(o), ['--keep-history', '--wait', '--timeout', '90s']);
    assert.throws(() => parseHelmOptions({ wiat: true }, 'options'), /options: unknown field "wiat"/);
    assert.throws(() => parseHelmOptions({ timeout: 'soon' }, 'options'), /not a duration/);
    assert.equal(parseDuration('5m0s'), 300_000);
    assert.equal(parseDuration('500ms'), 500);
  });
});

// `sveltosctl show addons` as a process against the management cluster of the shared test bed, on
// ClusterSummaries written directly as the addon-controller would (spec, then the status subresource).

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import {
  CLUSTER_PROFILE_NAME_LABEL,
  type ClusterSummary,
  ClusterSummaryKind,
  crds,
  type FeatureDeployment,
} from '@sveltos-ts/api';
import { type KubeObject, RestClient } from '@sveltos-ts/kube';
import { sharedTestEnv, type TestEnv } from '@sveltos-ts/testenv';
import { parse } from 'yaml';
import type { AddonRow } from '../addons/table.ts';
import { sveltosctl } from '../testing.ts';

const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;
const prod = `addons-prod-${suffix}`;
const dev = `addons-dev-${suffix}`;
const profileA = `web-${suffix}`;
const profileB = `monitoring-${suffix}`;
let env: TestEnv;
let kubeconfig: string;

async function summary(
  client: RestClient,
  profile: string,
  namespace: string,
  cluster: string,
  features: FeatureDeployment[],
): Promise<void> {
  const object: ClusterSummary & KubeObject = {
    apiVersion: ClusterSummaryKind.apiVersion,
    kind: ClusterSummaryKind.kind,
    metadata: {
      name: `${profile}-sveltos-${cluster}`,
      namespace,
      labels: { [CLUSTER_PROFILE_NAME_LABEL]: profile },
    },
    spec: { clusterNamespace: namespace, clusterName: cluster, clusterType: 'Sveltos' },
  };
  await client.create(object);
  await client.apply(
    {
      apiVersion: object.apiVersion,
      kind: object.kind,
      metadata: { name: object.metadata.name, namespace },
      status: { deployedFeatures: features },
    },
    { fieldManager: 'test', subresource: 'status' },
  );
}

const secret = (namespace: string, name: string) => ({
  group: '',
  version: 'v1',
  kind: 'Secret',
  namespace,
  name,
  lastAppliedTime: '2025-02-28T13:23:08Z',
});

before(async () => {
  env = await sharedTestEnv({ crds });
  kubeconfig = env.cluster('mgmt').kubeconfigPath;
  const client = new RestClient(env.cluster('mgmt').kubeConfig());
  for (const ns of [prod, dev])
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await summary(client, profileA, prod, 'edge', [
    { featureID: 'Resources', resources: [secret('hr', 'login'), secret('eng', 'login')] },
    {
      featureID: 'Helm',
      helmReleases: [
        {
          releaseName: 'nginx',
          releaseNamespace: 'web',
          chartVersion: '1.2.3',
          lastAppliedTime: '2025-03-01T10:00:00Z',
        },
      ],
    },
  ]);
  // the same Secret from a second profile: one row, both profiles
  await summary(client, profileB, prod, 'edge', [
    { featureID: 'Resources', resources: [secret('hr', 'login')] },
  ]);
  await summary(client, profileB, dev, 'lab', [{ featureID: 'Resources', resources: [secret('x', 'y')] }]);
});

const show = (...args: string[]) => sveltosctl(['show', 'addons', '--kubeconfig', kubeconfig, ...args]);

describe('sveltosctl show addons', () => {
  it('-o json: one row per object and release, profiles merged', async () => {
    const r = await show('--namespace', prod, '-o', 'json');
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as AddonRow[];
    assert.deepEqual(rows, [
      {
        cluster: `${prod}/edge`,
        resourceType: ':Secret',
        namespace: 'eng',
        name: 'login',
        version: 'N/A',
        time: '2025-02-28 13:23:08 +0000 UTC',
        profiles: [`ClusterProfile/${profileA}`],
      },
      {
        cluster: `${prod}/edge`,
        resourceType: ':Secret',
        namespace: 'hr',
        name: 'login',
        version: 'N/A',
        time: '2025-02-28 13:23:08 +0000 UTC',
        profiles: [`ClusterProfile/${profileB}`, `ClusterProfile/${profileA}`].sort(),
      },
      {
        cluster: `${prod}/edge`,
        resourceType: 'helm chart',
        namespace: 'web',
        name: 'nginx',
        version: '1.2.3',
        time: '2025-03-01 10:00:00 +0000 UTC',
        profiles: [`ClusterProfile/${profileA}`],
      },
    ]);
  });

  it('-o yaml parses to the same rows', async () => {
    const [json, yaml] = await Promise.all([
      show('--namespace', prod, '-o', 'json'),
      show('--namespace', prod, '-o', 'yaml'),
    ]);
    assert.equal(yaml.code, 0, yaml.stderr);
    assert.deepEqual(parse(yaml.stdout), JSON.parse(json.stdout));
  });

  it('filters by --cluster, --profile, --helm-charts and --resources', async () => {
    const rows = async (...args: string[]) => {
      const r = await show('-o', 'json', ...args);
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as AddonRow[]).map((row) => `${row.cluster} ${row.namespace}/${row.name}`);
    };
    // both namespaces, one profile (ClusterProfile/ prefix accepted)
    assert.deepEqual(await rows('--profile', `ClusterProfile/${profileB}`), [
      `${dev}/lab x/y`,
      `${prod}/edge hr/login`,
    ]);
    assert.deepEqual(await rows('--profile', profileB, '--cluster', 'lab'), [`${dev}/lab x/y`]);
    assert.deepEqual(await rows('--namespace', dev, '--cluster', 'edge'), []);
    assert.deepEqual(await rows('--namespace', prod, '--helm-charts'), [`${prod}/edge web/nginx`]);
    assert.deepEqual(await rows('--namespace', prod, '--resources'), [
      `${prod}/edge eng/login`,
      `${prod}/edge hr/login`,
    ]);
  });

  it('prints the table by default', async () => {
    const r = await show('--namespace', dev);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(
      lines[1]!,
      /^\| +CLUSTER +\| RESOURCE TYPE \| NAMESPACE \| NAME \| VERSION \| +TIME +\| +PROFILES +\|$/,
    );
    assert.equal(
      lines[3],
      `| ${dev}/lab | :Secret       | x         | y    | N/A     | 2025-02-28 13:23:08 +0000 UTC | ClusterProfile/${profileB} |`,
    );
    assert.equal(lines.length, 5);
  });

  it('an unreachable management cluster exits 1, a kubeconfig that cannot be read exits 2', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sveltosctl-show-')), 'down.kubeconfig');
    // a port nothing listens on
    writeFileSync(
      file,
      env.cluster('mgmt').kubeconfigYaml.replace(/server: \S+/, 'server: https://127.0.0.1:1'),
    );
    const down = await sveltosctl(['show', 'addons', '--kubeconfig', file]);
    assert.equal(down.code, 1, down.stderr);
    assert.match(down.stderr, /^error: reading ClusterSummaries: .*127\.0\.0\.1:1/m);
    const context = await sveltosctl(['show', 'addons', '--kubeconfig', kubeconfig, '--context', 'nope']);
    assert.equal(context.code, 2);
    assert.match(context.stderr, /no context named "nope"/);
    const missing = await sveltosctl([
      'show',
      'addons',
      '--kubeconfig',
      '/nonexistent/kubeconfig',
      '-o',
      'json',
    ]);
    assert.equal(missing.code, 2);
    assert.deepEqual(JSON.parse(missing.stdout), {
      error: {
        code: 'FILE_NOT_FOUND',
        message: 'kubeconfig of the management cluster /nonexistent/kubeconfig: no such file',
      },
    });
  });
});

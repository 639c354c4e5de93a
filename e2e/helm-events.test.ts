// An event installs a Helm chart, end to end: agent → EventReport → event-manager → ClusterProfile with
// helmCharts → addon-controller → real helm → release in the managed cluster. A new chart version in the
// event upgrades it; the event going away uninstalls it. `sveltosctl show addons` lists the release.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type ChartServers,
  ensureBinaries,
  eventually,
  startChartServers,
  TestEnv,
} from '@sveltos-ts/testenv';
import { appNamespace, appSettings, helmEventObjects } from './helm-events.ts';
import { deployedAddons, type Fleet, startFleet } from './scenarios.ts';

let env: TestEnv;
let fleet: Fleet;
let servers: ChartServers;
let cacheDir: string;

describe('Helm chart by event', { timeout: 240_000 }, () => {
  before(async () => {
    env = await TestEnv.start({ clusters: ['mgmt', 'cluster-a', 'cluster-b'] });
    servers = await startChartServers(env);
    cacheDir = mkdtempSync(join(tmpdir(), 'helm-events-'));
    fleet = await startFleet(env, undefined, {
      tools: { helmBinary: (await ensureBinaries()).helm, cacheDir },
    });
    for (const o of helmEventObjects(servers, { env: 'production' }))
      await fleet.client('mgmt').apply(o, { fieldManager: 'e2e' });
  });

  after(async () => {
    await fleet?.stop();
    await servers?.stop();
    await env?.stop();
    if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
  });

  it('installs on the event, upgrades when the event asks for a new version, uninstalls when it goes away', async () => {
    const a = fleet.client('cluster-a');
    await a.apply(appNamespace('team-a', '1.0.0'), { fieldManager: 'e2e' });
    const installed = await eventually(
      'release installed',
      async () => (await appSettings(a, 'team-a')) ?? false,
      60_000,
    );
    assert.equal(installed.message, 'installed for team-a');
    assert.equal(installed.chartVersion, '1.0.0');
    const rows = await eventually('show addons lists the release', async () => {
      const r = (await deployedAddons(fleet)).filter((x) => x.resourceType === 'helm chart');
      return r.length > 0 && r;
    });
    assert.deepEqual(
      rows.map((r) => [r.cluster, r.namespace, r.name, r.version]),
      [['default/cluster-a', 'team-a', 'app-team-a', '1.0.0']],
    );

    await a.apply(appNamespace('team-a', '1.1.0'), { fieldManager: 'e2e' });
    await eventually(
      'upgraded',
      async () => (await appSettings(a, 'team-a'))?.chartVersion === '1.1.0',
      60_000,
    );

    await a.apply(appNamespace('team-a', '1.1.0', false), { fieldManager: 'e2e' });
    await eventually(
      'uninstalled',
      async () =>
        (await appSettings(a, 'team-a')) === undefined &&
        (await a.list('v1', 'Secret', { namespace: 'team-a', labelSelector: 'owner=helm' })).items.length ===
          0,
      60_000,
    );
    await eventually('no helm rows left', async () =>
      (await deployedAddons(fleet)).every((r) => r.resourceType !== 'helm chart'),
    );
  });
});

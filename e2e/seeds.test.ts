// The seeds end to end through every component: agents → EventReports → event-manager → ClusterProfiles →
// addon-controller → resources in the clusters (and withdrawn when the event goes away).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CONFIG_API_VERSION, EVENT_TRIGGER_CLUSTER_NAME_LABEL, SveltosClusterKind } from '@sveltos-ts/api';
import { eventually, TestEnv } from '@sveltos-ts/testenv';
import { converge, deployedAddons, type Fleet, scenarios, startFleet } from './scenarios.ts';

describe('seeds end to end (agent → event-manager → addon-controller)', () => {
  let env: TestEnv;
  let fleet: Fleet;
  before(async () => {
    env = await TestEnv.start({ clusters: ['mgmt', 'cluster-a', 'cluster-b'] });
    fleet = await startFleet(env);
  });
  after(async () => {
    await fleet?.stop();
    await env?.stop();
  });

  for (const scenario of scenarios) {
    it(`seed ${scenario.seed}: ${scenario.title}`, async () => {
      await scenario.apply(fleet);
      await converge(fleet, scenario.expected);
      if (scenario.withdraw) {
        await scenario.withdraw(fleet);
        await converge(fleet, scenario.expected, { gone: true });
      }
    });
  }

  it('a source cluster that stops matching loses what its events deployed, and gets it back', async () => {
    const seed002 = scenarios.find((s) => s.seed === '002')!;
    await seed002.apply(fleet);
    await converge(fleet, seed002.expected);
    const mgmt = fleet.client('mgmt');
    const ref = {
      apiVersion: SveltosClusterKind.apiVersion,
      kind: SveltosClusterKind.kind,
      namespace: 'default',
      name: 'cluster-b',
    };
    await mgmt.mergePatch(ref, { metadata: { labels: { env: 'staging' } } });
    await converge(fleet, seed002.expected, { gone: true });
    await mgmt.mergePatch(ref, { metadata: { labels: { env: 'fv' } } });
    await converge(fleet, seed002.expected);
  });

  it('records what was deployed where in ClusterSummaries', async () => {
    const rows = await deployedAddons(fleet);
    for (const expected of scenarios.filter((s) => !s.withdraw).flatMap((s) => s.expected)) {
      assert.ok(
        rows.some(
          (row) =>
            row.namespace === expected.namespace &&
            row.name === expected.name &&
            row.resourceType.endsWith(`:${expected.kind}`) &&
            row.profiles.length > 0,
        ),
        `${expected.kind} ${expected.namespace}/${expected.name} is recorded`,
      );
    }
  });

  // last: it removes a cluster the other tests use
  it('a deregistered cluster: the ClusterProfiles made for its events are removed', async () => {
    const mgmt = fleet.client('mgmt');
    const forClusterB = async () =>
      (
        await mgmt.list(CONFIG_API_VERSION, 'ClusterProfile', {
          labelSelector: `${EVENT_TRIGGER_CLUSTER_NAME_LABEL}=cluster-b`,
        })
      ).items;
    assert.ok((await forClusterB()).length > 0, 'seed 002 made a profile for cluster-b');
    await mgmt.delete({
      apiVersion: SveltosClusterKind.apiVersion,
      kind: SveltosClusterKind.kind,
      namespace: 'default',
      name: 'cluster-b',
    });
    await eventually('the profiles to go', async () => (await forClusterB()).length === 0, 60_000);
  });
});

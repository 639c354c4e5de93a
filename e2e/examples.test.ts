// The examples (examples/<name>/) end to end through every component: agents → EventReports → event-manager →
// ClusterProfiles → addon-controller → resources in the clusters (and withdrawn when the event goes away).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CONFIG_API_VERSION, EVENT_TRIGGER_CLUSTER_NAME_LABEL, SveltosClusterKind } from '@sveltos-ts/api';
import { addonsTable } from '@sveltos-ts/sveltosctl';
import { eventually, TestEnv } from '@sveltos-ts/testenv';
import { converge, deployedAddons, type Fleet, scenarios, startFleet } from './scenarios.ts';

describe('examples end to end (agent → event-manager → addon-controller)', () => {
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
    it(`${scenario.example}: ${scenario.title}`, async () => {
      await scenario.apply(fleet);
      await converge(fleet, scenario.expected);
      if (scenario.withdraw) {
        await scenario.withdraw(fleet);
        await converge(fleet, scenario.expected, { gone: true });
      }
    });
  }

  it('a source cluster that stops matching loses what its events deployed, and gets it back', async () => {
    const perService = scenarios.find((s) => s.example === 'network-policy-per-service')!;
    await perService.apply(fleet);
    await converge(fleet, perService.expected);
    const mgmt = fleet.client('mgmt');
    const ref = {
      apiVersion: SveltosClusterKind.apiVersion,
      kind: SveltosClusterKind.kind,
      namespace: 'default',
      name: 'cluster-b',
    };
    await mgmt.mergePatch(ref, { metadata: { labels: { env: 'staging' } } });
    await converge(fleet, perService.expected, { gone: true });
    await mgmt.mergePatch(ref, { metadata: { labels: { env: 'fv' } } });
    await converge(fleet, perService.expected);
  });

  it('records what was deployed where in ClusterSummaries', async () => {
    const expectations = scenarios.filter((s) => !s.withdraw).flatMap((s) => s.expected);
    type Row = Awaited<ReturnType<typeof deployedAddons>>[number];
    const recorded = (rows: Row[], expected: (typeof expectations)[number]) =>
      rows.some(
        (row) =>
          row.namespace === expected.namespace &&
          row.name === expected.name &&
          row.resourceType.endsWith(`:${expected.kind}`) &&
          row.profiles.length > 0,
      );
    // the record is written just after the object is applied, which is what the scenarios waited for
    const rows = await eventually('every add-on recorded', async () => {
      const now = await deployedAddons(fleet);
      return expectations.every((e) => recorded(now, e)) && now;
    }).catch(() => deployedAddons(fleet));
    for (const expected of expectations)
      assert.ok(
        recorded(rows, expected),
        `${expected.kind} ${expected.namespace}/${expected.name} is recorded`,
      );
    // `sveltosctl show addons` prints them in upstream's table layout
    const table = addonsTable(rows).split('\n');
    assert.match(
      table[1]!,
      /^\| +CLUSTER +\| +RESOURCE TYPE +\| +NAMESPACE +\| +NAME +\| +VERSION +\| +TIME +\| +PROFILES +\|$/,
    );
    for (const ns of ['billing', 'payroll']) {
      const line = table.find((l) => l.includes(` ${ns} `) && l.includes(' db-credentials '));
      assert.match(
        line ?? '',
        new RegExp(
          `^\\| +default/cluster-a +\\| +:Secret +\\| +${ns} +\\| +db-credentials +\\| +N/A +\\| +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\+0000 UTC +\\| +ClusterProfile/sveltos-[0-9a-z]{20} +\\|$`,
        ),
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
    assert.ok((await forClusterB()).length > 0, 'network-policy-per-service made a profile for cluster-b');
    await mgmt.delete({
      apiVersion: SveltosClusterKind.apiVersion,
      kind: SveltosClusterKind.kind,
      namespace: 'default',
      name: 'cluster-b',
    });
    await eventually('the profiles to go', async () => (await forClusterB()).length === 0, 60_000);
  });
});

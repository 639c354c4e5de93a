// ClusterProfile fields that decide when and how add-ons are deployed, on the local control planes:
// dependsOn (order, cycles), ContinuousWithDriftDetection (a change or deletion in the managed cluster is
// reverted, driftExclusions kept, the drift recorded), maxUpdate with validateHealths (Lua and CEL) deciding
// Provisioned, maxConsecutiveFailures, and fields refused out loud (condition + Warning Event).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClusterProfile } from '@sveltos-ts/api';
import type { KubeObject, RestClient } from '@sveltos-ts/kube';
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
  scopedController,
  summary,
  uniqueName,
} from './test-support.ts';

const scope = uniqueName('acctl');
const ns = scope;
let mgmt: RestClient;
let a: RestClient;
let b: RestClient;
let controller: RunningAddonController;
const ref = (name: string) => ({
  apiVersion: 'lib.projectsveltos.io/v1beta1',
  kind: 'SveltosCluster',
  namespace: ns,
  name,
});
type Obj = KubeObject & { data?: Record<string, string> };

const summaryOf = (profile: string, cluster = 'c2') => summary(mgmt, ns, `${profile}-sveltos-${cluster}`);
const cm = (c: RestClient, name: string) =>
  c.getOrUndefined<Obj>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });
const configMapYaml = (name: string, data: Record<string, string>) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ndata: ${JSON.stringify(data)}\n`;
const source = (name: string, data: Record<string, string>) =>
  mgmt.apply(
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data },
    { fieldManager: 'test' },
  );
const policyRef = (name: string) => ({ kind: 'ConfigMap', namespace: ns, name });
const events = async (kind: string, name: string) =>
  (
    await mgmt.list<
      KubeObject & { reason?: string; message?: string; involvedObject?: { kind?: string; name?: string } }
    >('v1', 'Event', { namespace: kind === 'ClusterProfile' ? 'default' : ns })
  ).items.filter((e) => e.involvedObject?.kind === kind && e.involvedObject?.name === name);

before(async () => {
  mgmt = await client('mgmt');
  a = await client('cluster-a');
  b = await client('cluster-b');
  await registerCluster(mgmt, { namespace: ns, name: 'c1', target: 'cluster-a', labels: { [scope]: 'yes' } });
  await registerCluster(mgmt, { namespace: ns, name: 'c2', target: 'cluster-b', labels: { [scope]: 'yes' } });
  await createOrKeep(a, namespace(ns));
  await createOrKeep(b, namespace(ns));
  controller = await scopedController(scope, { healthRetryMs: 500 });
});

after(async () => {
  await controller?.stop();
});

describe('control fields', () => {
  it('dependsOn: a profile deploys only after the one it depends on is provisioned; cycles are refused', async () => {
    const base = `${scope}-base`;
    const app = `${scope}-app`;
    await source('app-src', { a: configMapYaml('app-object', { needs: 'base' }) });
    await mgmt.create(
      clusterProfile(app, scope, {
        clusterRefs: [ref('c2')],
        dependsOn: [base],
        policyRefs: [policyRef('app-src')],
      }),
    );
    // the base profile exists but cannot deploy yet (its ConfigMap is missing)
    await mgmt.create(
      clusterProfile(base, scope, { clusterRefs: [ref('c2')], policyRefs: [policyRef('base-src')] }),
    );
    const waiting = await eventually('app waits for base', async () => {
      const x = await summaryOf(app);
      return x?.status?.dependencies === `waiting for ClusterProfile ${base} (not provisioned yet)` && x;
    });
    assert.equal(resourcesStatus(waiting)?.status, 'Provisioning');
    assert.equal(await cm(b, 'app-object'), undefined, 'nothing deployed before its dependency');
    await source('base-src', { a: configMapYaml('base-object', { first: 'yes' }) });
    const appObject = await eventually('app deployed after base', () => cm(b, 'app-object'));
    const baseObject = await cm(b, 'base-object');
    assert.ok(baseObject, 'base deployed');
    assert.ok(
      Date.parse(baseObject.metadata.creationTimestamp!) <= Date.parse(appObject.metadata.creationTimestamp!),
      'the dependency was deployed first',
    );
    const done = await eventually('app Provisioned', async () => {
      const x = await summaryOf(app);
      return resourcesStatus(x)?.status === 'Provisioned' && x;
    });
    assert.equal(done.status?.dependencies, 'All dependencies deployed');

    const x = `${scope}-cx`;
    const y = `${scope}-cy`;
    await mgmt.create(
      clusterProfile(x, scope, {
        clusterRefs: [ref('c2')],
        dependsOn: [y],
        policyRefs: [policyRef('app-src')],
      }),
    );
    await mgmt.create(
      clusterProfile(y, scope, {
        clusterRefs: [ref('c2')],
        dependsOn: [x],
        policyRefs: [policyRef('app-src')],
      }),
    );
    const cycle = await eventually('cycle refused', async () => {
      const s = await summaryOf(x);
      return resourcesStatus(s)?.status === 'FailedNonRetriable' && s;
    });
    assert.equal(resourcesStatus(cycle)?.failureReason, 'DEPENDENCY_CYCLE');
    assert.match(
      cycle.status?.dependencies ?? '',
      new RegExp(`dependency cycle ClusterProfile ${x} → ClusterProfile ${y} → ClusterProfile ${x}`),
    );
    for (const p of [x, y, app, base]) await mgmt.delete(profileRef(p));
    await eventually('withdrawn', async () => !(await cm(b, 'app-object')) && !(await cm(b, 'base-object')));
  });

  it('ContinuousWithDriftDetection: a changed or deleted object is put back and the drift recorded; driftExclusions are kept', async (t) => {
    await source('drift-src', {
      a: configMapYaml('drifty', { value: 'sveltos' }),
      b: configMapYaml('partly-excluded', { kept: 'sveltos', other: 'sveltos' }),
    });
    const p = `${scope}-drift`;
    await mgmt.create(
      clusterProfile(p, scope, {
        clusterRefs: [ref('c2')],
        syncMode: 'ContinuousWithDriftDetection',
        policyRefs: [policyRef('drift-src')],
        driftExclusions: [{ paths: ['/data/kept'], target: { kind: 'ConfigMap', name: 'partly-.*' } }],
      }),
    );
    await eventually(
      'Provisioned',
      async () => resourcesStatus(await summaryOf(p))?.status === 'Provisioned',
    );
    const at = { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns };
    let started = Date.now();
    await b.mergePatch({ ...at, name: 'drifty' }, { data: { value: 'changed by hand' } });
    await eventually(
      'the change is reverted',
      async () => (await cm(b, 'drifty'))?.data?.value === 'sveltos',
    );
    t.diagnostic(`change reverted after ${Date.now() - started} ms`);
    started = Date.now();
    await b.delete({ ...at, name: 'drifty' });
    await eventually(
      'the deletion is reverted',
      async () => (await cm(b, 'drifty'))?.data?.value === 'sveltos',
    );
    t.diagnostic(`deletion reverted after ${Date.now() - started} ms`);
    await b.mergePatch({ ...at, name: 'partly-excluded' }, { data: { kept: 'by hand', other: 'by hand' } });
    await eventually(
      'the field not excluded is reverted',
      async () => (await cm(b, 'partly-excluded'))?.data?.other === 'sveltos',
    );
    assert.equal(
      (await cm(b, 'partly-excluded'))?.data?.kept,
      'by hand',
      'the excluded path keeps its live value',
    );
    const s = await eventually('drift recorded', async () => {
      const x = await summaryOf(p);
      const r = x?.status?.deployedFeatures?.find((f) => f.featureID === 'Resources');
      return (r?.driftsReverted ?? 0) >= 3 && r;
    });
    assert.match(s.lastDrift ?? '', /ConfigMap .*\/partly-excluded \(changed\)/);
    assert.ok(s.lastDriftTime);
    await eventually('a Warning Event tells each drift', async () =>
      (await events('ClusterSummary', `${p}-sveltos-c2`)).some(
        (e) =>
          e.reason === 'ConfigurationDrift' &&
          /ConfigMap .*\/drifty \((deleted|changed)\)/.test(e.message ?? ''),
      ),
    );
    await mgmt.delete(profileRef(p));
    await eventually('withdrawn', async () => !(await cm(b, 'drifty')));
  });

  it('maxUpdate: one cluster at a time; validateHealths (Lua, CEL) decide when a cluster is done', async () => {
    const gate = (ready: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'gate', namespace: ns, labels: { app: 'gate' } },
      data: { ready },
    });
    await a.apply(gate('false'), { fieldManager: 'test' });
    await b.apply(gate('false'), { fieldManager: 'test' });
    await source('rollout-src', { a: configMapYaml('rolled-out', { version: '1' }) });
    const p = `${scope}-rollout`;
    await mgmt.create(
      clusterProfile(p, scope, {
        clusterSelector: { matchLabels: { [scope]: 'yes' } },
        maxUpdate: 1,
        policyRefs: [policyRef('rollout-src')],
        validateHealths: [
          {
            name: 'gate-open',
            featureID: 'Resources',
            version: 'v1',
            kind: 'ConfigMap',
            namespace: ns,
            labelFilters: [{ key: 'app', operation: 'Equal', value: 'gate' }],
            script:
              'function evaluate()\n  local hs = {healthy = false, message = "gate closed"}\n  if obj.data ~= nil and obj.data.ready == "true" then hs.healthy = true end\n  return hs\nend\n',
          },
          {
            name: 'version-set',
            featureID: 'Resources',
            version: 'v1',
            kind: 'ConfigMap',
            namespace: ns,
            evaluateCEL: [
              {
                name: 'has-version',
                rule: "resource.metadata.name != 'rolled-out' || has(resource.data.version)",
              },
            ],
          },
        ],
      }),
    );
    const clusters = { c1: a, c2: b };
    const first = await eventually('one cluster updating, held by its health check', async () => {
      for (const [name, c] of Object.entries(clusters)) {
        const s = await summaryOf(p, name);
        if (resourcesStatus(s)?.failureReason === 'HEALTH_CHECK_FAILED') return { name, c, s: s! };
      }
      return undefined;
    });
    assert.match(
      resourcesStatus(first.s)?.failureMessage ?? '',
      /gate-open\): ConfigMap .*\/gate is not healthy: gate closed/,
    );
    const other = first.name === 'c1' ? 'c2' : 'c1';
    await eventually('the profile lists the one cluster updating', async () => {
      const x = await mgmt.get<KubeObject & ClusterProfile>(profileRef(p));
      return (
        JSON.stringify(x.status?.updatingClusters?.clusters?.map((c) => c.name)) ===
        JSON.stringify([first.name])
      );
    });
    assert.equal(await summaryOf(p, other), undefined, 'the other cluster waits for a slot');
    assert.equal(await cm(clusters[other as 'c1'], 'rolled-out'), undefined);

    await first.c.apply(gate('true'), { fieldManager: 'test' });
    await eventually(
      'first cluster Provisioned',
      async () => resourcesStatus(await summaryOf(p, first.name))?.status === 'Provisioned',
    );
    const second = await eventually('then the other cluster updates', async () => {
      const s = await summaryOf(p, other);
      return resourcesStatus(s)?.failureReason === 'HEALTH_CHECK_FAILED' && s;
    });
    assert.ok(second);
    await clusters[other as 'c1'].apply(gate('true'), { fieldManager: 'test' });
    const updated = await eventually('every cluster updated', async () => {
      const x = await mgmt.get<KubeObject & ClusterProfile>(profileRef(p));
      return (
        x.status?.updatedClusters?.clusters?.length === 2 && !x.status.updatingClusters?.clusters?.length && x
      );
    });
    assert.equal(updated.status?.updatedClusters?.hash, updated.status?.updatingClusters?.hash);
    await mgmt.delete(profileRef(p));
    await eventually('withdrawn', async () => !(await cm(a, 'rolled-out')) && !(await cm(b, 'rolled-out')));
  });

  it('maxConsecutiveFailures: retrying stops after that many failures, and says so', async () => {
    const p = `${scope}-maxfail`;
    await mgmt.create(
      clusterProfile(p, scope, {
        clusterRefs: [ref('c2')],
        maxConsecutiveFailures: 2,
        policyRefs: [policyRef('never-there')],
      }),
    );
    const st = await eventually('gave up', async () => {
      const x = resourcesStatus(await summaryOf(p));
      return x?.consecutiveFailures === 2 && x;
    });
    assert.match(
      st.failureMessage ?? '',
      /stopped retrying after 2 consecutive failures \(spec\.maxConsecutiveFailures is 2\)/,
    );
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(resourcesStatus(await summaryOf(p))?.consecutiveFailures, 2, 'no more attempts');
    await mgmt.delete(profileRef(p));
  });

  it('a field not implemented is a condition and a Warning Event naming it; the rest deploys', async () => {
    await source('refused-src', { a: configMapYaml('still-deployed', { x: '1' }) });
    const p = `${scope}-refused`;
    await mgmt.create(
      clusterProfile(p, scope, {
        clusterRefs: [ref('c2')],
        reloader: true,
        preDeployChecks: [{ name: 'x', featureID: 'Resources', kind: 'Pod', version: 'v1', script: 'x' }],
        policyRefs: [policyRef('refused-src')],
      }),
    );
    const profile = await eventually('FeaturesSupported False', async () => {
      const x = await mgmt.get<KubeObject & ClusterProfile>(profileRef(p));
      const c = x.status?.conditions?.find((k) => k.type === 'FeaturesSupported');
      return c?.status === 'False' && c;
    });
    assert.equal(profile.reason, 'FEATURE_NOT_SUPPORTED');
    assert.match(profile.message ?? '', /^FEATURE_NOT_SUPPORTED: spec\.reloader: /m);
    assert.match(profile.message ?? '', /^FEATURE_NOT_SUPPORTED: spec\.preDeployChecks: /m);
    await eventually('Warning Events naming the fields', async () => {
      const e = await events('ClusterProfile', p);
      return (
        e.some(
          (x) =>
            x.reason === 'FEATURE_NOT_SUPPORTED' &&
            x.message?.startsWith('FEATURE_NOT_SUPPORTED: spec.reloader'),
        ) && e.some((x) => x.message?.startsWith('FEATURE_NOT_SUPPORTED: spec.preDeployChecks'))
      );
    });
    await eventually('the rest deployed', async () => (await cm(b, 'still-deployed'))?.data?.x === '1');
    await mgmt.mergePatch(profileRef(p), { spec: { reloader: false, preDeployChecks: null } });
    await eventually('FeaturesSupported True once the fields are gone', async () => {
      const x = await mgmt.get<KubeObject & ClusterProfile>(profileRef(p));
      return x.status?.conditions?.find((k) => k.type === 'FeaturesSupported')?.status === 'True';
    });
    await mgmt.delete(profileRef(p));
    await eventually('withdrawn', async () => !(await cm(b, 'still-deployed')));
  });
});

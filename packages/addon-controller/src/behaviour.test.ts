// Profile semantics on the local control planes: bad input reported where the user looks, tiers,
// DryRun, stopMatchingBehavior and tenant impersonation.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeObject, RestClient } from '@sveltos-ts/kube';
import type { RunningAddonController } from './addon-controller.ts';
import {
  client,
  clusterProfile,
  createOrKeep,
  deployed,
  eventually,
  namespace,
  profileRef,
  registerCluster,
  resourcesStatus,
  scopedController,
  summary,
  uniqueName,
} from './test-support.ts';

const scope = uniqueName('acbeh');
const ns = scope;
let mgmt: RestClient;
let b: RestClient;
let controller: RunningAddonController;
const clusterRefs = [
  { apiVersion: 'lib.projectsveltos.io/v1beta1', kind: 'SveltosCluster', namespace: ns, name: 'c' },
];

const secretYaml = (name: string, value: string, namespace = ns) =>
  `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nstringData:\n  value: ${value}\n`;

async function configMap(name: string, data: Record<string, string>, annotations?: Record<string, string>) {
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

const ref = (name: string) => ({ kind: 'ConfigMap', namespace: ns, name });
const secretValue = async (name: string, namespace = ns) => {
  const s = await b.getOrUndefined<KubeObject & { data?: Record<string, string> }>({
    apiVersion: 'v1',
    kind: 'Secret',
    namespace,
    name,
  });
  return s?.data?.value === undefined ? undefined : Buffer.from(s.data.value, 'base64').toString();
};
const summaryOf = (profile: string) => summary(mgmt, ns, `${profile}-sveltos-c`);
const statusOf = async (profile: string) => resourcesStatus(await summaryOf(profile));

before(async () => {
  mgmt = await client('mgmt');
  b = await client('cluster-b');
  await registerCluster(mgmt, { namespace: ns, name: 'c', target: 'cluster-b', labels: { [scope]: 'yes' } });
  await createOrKeep(b, namespace(ns));
  controller = await scopedController(scope);
});

after(async () => {
  await controller?.stop();
});

describe('addon-controller behaviour', () => {
  it('a missing ConfigMap is reported on the ClusterSummary and in an Event, then deployed once it exists', async () => {
    const p = `${scope}-missing`;
    await mgmt.create(clusterProfile(p, scope, { clusterRefs, policyRefs: [ref('later')] }));
    const failed = await eventually('Failed status', async () => {
      const st = await statusOf(p);
      return st?.status === 'Failed' && st;
    });
    assert.equal(failed.failureReason, 'REFERENCE_NOT_FOUND');
    assert.equal(failed.failureMessage, `spec.policyRefs[0]: ConfigMap ${ns}/later does not exist`);
    await eventually('Warning Event on the ClusterSummary', async () => {
      const events = await mgmt.list<KubeObject & { reason?: string; involvedObject?: { name?: string } }>(
        'v1',
        'Event',
        {
          namespace: ns,
        },
      );
      return events.items.some(
        (e) => e.reason === 'REFERENCE_NOT_FOUND' && e.involvedObject?.name === `${p}-sveltos-c`,
      );
    });
    await configMap('later', { s: secretYaml('later', 'v1') });
    await eventually(
      'deployed after the ConfigMap appeared',
      async () => (await secretValue('later')) === 'v1',
    );
    await eventually('Provisioned', async () => (await statusOf(p))?.status === 'Provisioned');
    await mgmt.delete(profileRef(p));
    await eventually('withdrawn', async () => (await secretValue('later')) === undefined);
  });

  it('a template error is FailedNonRetriable with the engine message; the profile deploys after the fix', async () => {
    const p = `${scope}-tpl`;
    await configMap(
      'tpl',
      { s: secretYaml('tpl', '{{ .Cluster.nope.x }}') },
      { 'projectsveltos.io/template': 'ok' },
    );
    await mgmt.create(clusterProfile(p, scope, { clusterRefs, policyRefs: [ref('tpl')] }));
    const st = await eventually('FailedNonRetriable', async () => {
      const x = await statusOf(p);
      return x?.status === 'FailedNonRetriable' && x;
    });
    assert.equal(st.failureReason, 'TEMPLATE_FAILED');
    assert.match(st.failureMessage ?? '', new RegExp(`^ConfigMap ${ns}/tpl key "s": template: .*nope`));
    await configMap(
      'tpl',
      { s: secretYaml('tpl', '{{ .Cluster.metadata.name }}') },
      { 'projectsveltos.io/template': 'ok' },
    );
    await eventually('rendered with .Cluster', async () => (await secretValue('tpl')) === 'c');
    await mgmt.delete(profileRef(p));
    await eventually('withdrawn', async () => (await secretValue('tpl')) === undefined);
  });

  it('tiers: the lower tier takes the object over; when it goes, the other profile gets it back', async () => {
    await configMap('tier-a', { s: secretYaml('shared', 'from-a') });
    await configMap('tier-b', { s: secretYaml('shared', 'from-b') });
    const pa = `${scope}-tier-a`;
    const pb = `${scope}-tier-b`;
    await mgmt.create(clusterProfile(pa, scope, { clusterRefs, policyRefs: [ref('tier-a')] }));
    await eventually('a deploys', async () => (await secretValue('shared')) === 'from-a');
    await mgmt.create(clusterProfile(pb, scope, { clusterRefs, tier: 50, policyRefs: [ref('tier-b')] }));
    await eventually('b (tier 50) takes over', async () => (await secretValue('shared')) === 'from-b');
    // a finds the object owned by a better tier: a conflict on a, nothing recorded
    const st = await eventually('conflict on a', async () => {
      const x = await statusOf(pa);
      return x?.status === 'Failed' && x;
    });
    assert.match(st.failureMessage ?? '', new RegExp(`managed by ClusterProfile ${pb} \\(tier 50\\)`));
    assert.deepEqual(deployed(await summaryOf(pa)), []);
    await mgmt.delete(profileRef(pb));
    await eventually('a gets it back', async () => (await secretValue('shared')) === 'from-a');
    await mgmt.delete(profileRef(pa));
    await eventually('withdrawn', async () => (await secretValue('shared')) === undefined);
  });

  it('OneTime deploys once and ignores later changes, while Continuous follows them', async () => {
    const once = `${scope}-once`;
    const always = `${scope}-always`;
    await configMap('once', { s: secretYaml('once', 'v1') });
    await configMap('always', { s: secretYaml('always', 'v1') });
    await mgmt.create(
      clusterProfile(once, scope, { clusterRefs, syncMode: 'OneTime', policyRefs: [ref('once')] }),
    );
    await mgmt.create(clusterProfile(always, scope, { clusterRefs, policyRefs: [ref('always')] }));
    await eventually(
      'both deployed',
      async () => (await secretValue('once')) === 'v1' && (await secretValue('always')) === 'v1',
    );

    // both sources change together; once the Continuous profile has caught up, the OneTime one must not have
    await configMap('once', { s: secretYaml('once', 'v2') });
    await configMap('always', { s: secretYaml('always', 'v2') });
    await eventually('the Continuous profile to update', async () => (await secretValue('always')) === 'v2');
    assert.equal(await secretValue('once'), 'v1');

    await mgmt.delete(profileRef(once));
    await mgmt.delete(profileRef(always));
    await eventually(
      'OneTime add-ons are still withdrawn',
      async () => (await secretValue('once')) === undefined,
    );
  });

  it('DryRun computes and reports, and applies nothing', async () => {
    const p = `${scope}-dry`;
    await configMap('dry', { s: secretYaml('dry', 'x') });
    await mgmt.create(
      clusterProfile(p, scope, { clusterRefs, syncMode: 'DryRun', policyRefs: [ref('dry')] }),
    );
    // the annotation and the status are separate writes: wait for both
    const s = await eventually('dry-run report', async () => {
      const x = await summaryOf(p);
      const reported = x?.metadata.annotations?.['addon-controller.projectsveltos.io/dry-run'];
      return reported && resourcesStatus(x)?.status === 'Provisioned' ? x : undefined;
    });
    assert.deepEqual(JSON.parse(s.metadata.annotations!['addon-controller.projectsveltos.io/dry-run']!), [
      { action: 'Create', resource: `Secret ${ns}/dry` },
    ]);
    assert.equal(resourcesStatus(s)?.status, 'Provisioned');
    assert.deepEqual(deployed(s), []);
    assert.equal(await secretValue('dry'), undefined);
    await mgmt.delete(profileRef(p));
    await eventually('summary removed', async () => !(await summaryOf(p)));
  });

  it('stopMatchingBehavior: a cluster that stops matching loses WithdrawPolicies add-ons, keeps LeavePolicies ones', async () => {
    const pw = `${scope}-withdraw`;
    const pl = `${scope}-leave`;
    await configMap('withdraw', { s: secretYaml('withdraw', 'x') });
    await configMap('leave', { s: secretYaml('leave', 'x') });
    const clusterSelector = { matchLabels: { [scope]: 'yes' } };
    await mgmt.create(clusterProfile(pw, scope, { clusterSelector, policyRefs: [ref('withdraw')] }));
    await mgmt.create(
      clusterProfile(pl, scope, {
        clusterSelector,
        stopMatchingBehavior: 'LeavePolicies',
        policyRefs: [ref('leave')],
      }),
    );
    await eventually(
      'both deployed',
      async () => (await secretValue('withdraw')) && (await secretValue('leave')),
    );
    await mgmt.mergePatch(
      { apiVersion: 'lib.projectsveltos.io/v1beta1', kind: 'SveltosCluster', namespace: ns, name: 'c' },
      { metadata: { labels: { [scope]: null } } },
    );
    await eventually('withdrawn and both summaries gone', async () => {
      return (
        (await secretValue('withdraw')) === undefined && !(await summaryOf(pw)) && !(await summaryOf(pl))
      );
    });
    assert.equal(await secretValue('leave'), 'x');
    await mgmt.delete(profileRef(pw));
    await mgmt.delete(profileRef(pl));
  });

  it('tenant profiles are applied as their ServiceAccount: allowed where RBAC allows, an error elsewhere', async () => {
    const allowed = `${ns}-tenant`;
    await createOrKeep(b, namespace(allowed));
    await b.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'secrets', namespace: allowed },
      rules: [
        {
          apiGroups: [''],
          resources: ['secrets'],
          verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'],
        },
      ],
    });
    await b.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'tenant', namespace: allowed },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'secrets' },
      subjects: [{ kind: 'ServiceAccount', name: 'tenant', namespace: 'tenants' }],
    });
    await configMap('tenant', { a: secretYaml('mine', 'x', allowed), b: secretYaml('not-mine', 'x', ns) });
    const p = `${scope}-tenant`;
    await mgmt.create(
      clusterProfile(
        p,
        scope,
        { clusterRefs, policyRefs: [{ ...ref('tenant'), skipNamespaceCreation: true }] },
        {
          'projectsveltos.io/serviceaccount-name': 'tenant',
          'projectsveltos.io/serviceaccount-namespace': 'tenants',
        },
      ),
    );
    await eventually(
      'the allowed Secret is deployed',
      async () => (await secretValue('mine', allowed)) === 'x',
    );
    const st = await eventually('the other one is refused', async () => {
      const x = await statusOf(p);
      return x?.status === 'FailedNonRetriable' && x;
    });
    assert.match(
      st.failureMessage ?? '',
      /Secret .*not-mine: .*system:serviceaccount:tenants:tenant.*forbidden|forbidden.*system:serviceaccount:tenants:tenant/,
    );
    assert.equal(await secretValue('not-mine'), undefined);
    await mgmt.delete(profileRef(p));
    await eventually(
      'withdrawn as the tenant',
      async () => (await secretValue('mine', allowed)) === undefined,
    );
  });
});

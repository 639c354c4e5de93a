// The pure parts of adoption, drift, targets and patches, with plain objects.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '@sveltos-ts/api';
import {
  backupFrom,
  backupOf,
  ownedFields,
  PRE_EXISTING_ANNOTATION,
  restoredObject,
  withBackup,
} from './adopt.ts';
import { compileExclusions, contentChanged, drifted, withExclusions } from './drift.ts';
import { labelSelectorOf } from './health.ts';
import { implicitTarget, planPatches } from './patches.ts';
import { compileTarget, parseSelector, pointer, selectorMatches } from './targets.ts';

const live = (over: Record<string, unknown> = {}): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'x',
      namespace: 'ns',
      uid: 'u',
      resourceVersion: '7',
      labels: { team: 'a' },
      annotations: { note: 'human', 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
    },
    data: { a: '1', b: '2' },
    ...over,
  }) as KubeObject;

describe('adoption', () => {
  it('keeps the prior content without server fields, status or kubectl’s copy', () => {
    const backup = JSON.parse(backupOf(live({ status: { x: 1 } })));
    assert.deepEqual(backup, {
      metadata: { labels: { team: 'a' }, annotations: { note: 'human' } },
      data: { a: '1', b: '2' },
    });
    const applied = withBackup(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } },
      '{"data":{}}',
    );
    assert.equal(
      (applied.metadata as { annotations: Record<string, string> }).annotations[PRE_EXISTING_ANNOTATION],
      '{"data":{}}',
    );
  });

  it('restores exactly the fields Sveltos owns: prior values back, added ones removed, others untouched', () => {
    const adopted = live({
      data: { a: 'sveltos', b: '2', c: 'added by sveltos', d: 'added by a person later' },
    });
    adopted.metadata.labels = {
      team: 'a',
      'projectsveltos.io/reference-kind': 'ConfigMap',
      extra: 'sveltos',
    };
    adopted.metadata.annotations = {
      note: 'human',
      'projectsveltos.io/owner-name': 'p',
      [PRE_EXISTING_ANNOTATION]: backupOf(live()),
    };
    (adopted.metadata as { managedFields?: unknown[] }).managedFields = [
      {
        manager: 'sveltos-addon-controller',
        operation: 'Apply',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:data': { 'f:a': {}, 'f:c': {} },
          'f:metadata': {
            'f:labels': { 'f:projectsveltos.io/reference-kind': {}, 'f:extra': {} },
            'f:annotations': { 'f:projectsveltos.io/owner-name': {}, [`f:${PRE_EXISTING_ANNOTATION}`]: {} },
          },
        },
      },
      {
        manager: 'kubectl',
        operation: 'Update',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:data': { 'f:d': {} } },
      },
    ];
    const owned = ownedFields(adopted, 'sveltos-addon-controller');
    const out = restoredObject(
      adopted,
      backupFrom(adopted),
      owned,
      'sveltos-addon-controller',
    ) as KubeObject & {
      data: Record<string, string>;
    };
    assert.deepEqual(out.data, { a: '1', b: '2', d: 'added by a person later' });
    assert.deepEqual(out.metadata.labels, { team: 'a' });
    assert.deepEqual(out.metadata.annotations, { note: 'human' });
    assert.deepEqual(
      (out.metadata as { managedFields: Array<{ manager: string }> }).managedFields.map((m) => m.manager),
      ['kubectl'],
    );
    assert.equal(out.metadata.resourceVersion, '7', 'an update guarded by the version read');
  });

  it('without its copy an adopted object is left as it is, only our marks removed', () => {
    const adopted = live();
    adopted.metadata.labels = { team: 'a', 'projectsveltos.io/reference-name': 'src' };
    const out = restoredObject(adopted, undefined, undefined, 'sveltos-addon-controller');
    assert.deepEqual(out.metadata.labels, { team: 'a' });
    assert.deepEqual((out as { data?: unknown }).data, { a: '1', b: '2' });
    assert.deepEqual((out.metadata as { managedFields?: unknown }).managedFields, [{}]);
  });

  it('a Secret’s stringData ownership is its data', () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 's',
        managedFields: [{ manager: 'm', operation: 'Apply', fieldsV1: { 'f:stringData': { 'f:k': {} } } }],
      },
    } as unknown as KubeObject;
    assert.deepEqual(ownedFields(secret, 'm'), { 'f:data': { 'f:k': {} } });
  });
});

describe('drift', () => {
  it('excluded paths keep the live value on update, nothing on create', () => {
    const ex = compileExclusions([
      { paths: ['/spec/replicas', '/metadata/labels/x'], target: { kind: 'Deployment' } },
    ]);
    const desired = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', labels: { x: 'ours' } },
      spec: { replicas: 1 },
    };
    const current = {
      ...desired,
      metadata: { name: 'd', labels: {} },
      spec: { replicas: 5 },
    } as unknown as KubeObject;
    assert.deepEqual(withExclusions(desired, current, ex), {
      ...desired,
      metadata: { name: 'd', labels: {} },
      spec: { replicas: 5 },
    });
    assert.equal(withExclusions(desired, undefined, ex), desired);
    const other = { ...desired, kind: 'StatefulSet' };
    assert.equal(withExclusions(other, current, ex), other, 'target not matched');
  });

  it('a drift is a difference outside status and server bookkeeping', () => {
    const a = live();
    const b = {
      ...live(),
      metadata: { ...live().metadata, resourceVersion: '8', managedFields: [] },
    } as KubeObject;
    assert.equal(drifted(a, b), false);
    assert.equal(contentChanged(a, { ...a, status: { changed: true } } as KubeObject), false);
    assert.equal(drifted(a, { ...a, data: { a: '1' } } as KubeObject), true);
  });
});

describe('targets', () => {
  it('selectors: equality, inequality, sets, existence', () => {
    const r = parseSelector('app=web, tier!=db,env in (prod, staging),!legacy,team', 'f');
    assert.equal(selectorMatches(r, { app: 'web', env: 'prod', team: 'x' }), true);
    assert.equal(selectorMatches(r, { app: 'web', env: 'dev', team: 'x' }), false);
    assert.equal(selectorMatches(r, { app: 'web', env: 'prod', team: 'x', legacy: 'y' }), false);
    assert.throws(
      () => parseSelector('a in (b', 'spec.patches[0].target.labelSelector'),
      /not a valid selector/,
    );
  });

  it('names and namespaces are anchored regular expressions', () => {
    const m = compileTarget({ group: 'apps', kind: 'Deployment', name: 'web-.*', namespace: 'prod' }, 'f');
    const d = (name: string, namespace = 'prod', apiVersion = 'apps/v1') => ({
      apiVersion,
      kind: 'Deployment',
      metadata: { name, namespace },
    });
    assert.equal(m(d('web-1')), true);
    assert.equal(m(d('my-web-1')), false);
    assert.equal(m(d('web-1', 'production')), false);
    assert.equal(m(d('web-1', 'prod', 'extensions/v1beta1')), false);
  });

  it('JSON pointers unescape ~1 and ~0', () => {
    assert.deepEqual(pointer('/metadata/annotations/a~1b~0c'), ['metadata', 'annotations', 'a/b~c']);
  });

  it('labelFilters become a label selector', () => {
    assert.equal(
      labelSelectorOf([
        { key: 'a', operation: 'Equal', value: '1' },
        { key: 'b', operation: 'Different', value: '2' },
        { key: 'c', operation: 'Has' },
        { key: 'd', operation: 'DoesNotHave' },
      ]),
      'a=1,b!=2,c,!d',
    );
  });
});

describe('patches', () => {
  const cluster = {
    type: 'Sveltos' as const,
    namespace: 'ns',
    name: 'c',
    object: { metadata: { name: 'c' } },
  };
  it('patches are rendered; patchesFrom values are patches, {patch, target} mappings too', () => {
    const plan = planPatches({
      profile: {
        kind: 'ClusterProfile',
        name: 'p',
        spec: {
          patches: [{ patch: 'x: {{ .Cluster.metadata.name }}', target: { kind: 'ConfigMap' } }],
          patchesFrom: [
            { kind: 'ConfigMap', name: 'pf' },
            { kind: 'ConfigMap', name: 'gone', optional: true },
          ],
        },
      },
      cluster,
      lookup: (k) =>
        k.name === 'pf'
          ? {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name: 'pf', namespace: 'ns', annotations: { 'projectsveltos.io/template': '' } },
              data: {
                a: 'patch: "y: {{ .Cluster.metadata.name }}"\ntarget:\n  kind: Service\n',
                b: '- op: remove\n  path: /x\n',
              },
            }
          : undefined,
    });
    assert.deepEqual(plan.errors, []);
    assert.deepEqual(plan.patches, [
      { patch: 'x: c', target: { kind: 'ConfigMap' } },
      { patch: 'y: c', target: { kind: 'Service' } },
      { patch: '- op: remove\n  path: /x\n' },
    ]);
    assert.deepEqual(
      plan.references.map((r) => r.name),
      ['pf', 'gone'],
    );
  });

  it('a strategic-merge patch without target targets the object it names', () => {
    assert.deepEqual(
      implicitTarget('apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web.1\n  namespace: ns\n'),
      {
        group: 'apps',
        version: 'v1',
        kind: 'Deployment',
        name: 'web\\.1',
        namespace: 'ns',
      },
    );
    assert.equal(implicitTarget('- op: remove\n  path: /x\n'), undefined);
  });
});

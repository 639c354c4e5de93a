import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterProfileSpec } from '@sveltos-ts/api';
import { asStored, exampleObject } from '@sveltos-ts/testenv';
import {
  describe as describeResource,
  desiredResources,
  type MgmtObject,
  type RefKey,
  type TargetCluster,
} from './plan.ts';

const cluster: TargetCluster = {
  type: 'Sveltos',
  namespace: 'default',
  name: 'workload',
  object: {
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'SveltosCluster',
    metadata: { name: 'workload', namespace: 'default', labels: { env: 'production' } },
    spec: {},
    status: { ready: true },
  },
};

function lookupFrom(objects: MgmtObject[]) {
  return (k: RefKey) =>
    objects.find(
      (o) =>
        (o.kind ?? 'ConfigMap') === k.kind &&
        (o.metadata?.namespace ?? '') === k.namespace &&
        o.metadata?.name === k.name,
    );
}

const cm = (
  namespace: string,
  name: string,
  data: Record<string, string>,
  annotations?: Record<string, string>,
) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { namespace, name, ...(annotations ? { annotations } : {}) },
  data,
});

const b64 = (s: string) => Buffer.from(s).toString('base64');

function plan(spec: ClusterProfileSpec, objects: MgmtObject[], name = 'p1') {
  return desiredResources({
    profile: { kind: 'ClusterProfile', name, spec },
    cluster,
    lookup: lookupFrom(objects),
  });
}

// What the event-manager instantiates from examples/network-policy-per-service for the Service orders
// (selector app=orders, port 80 → targetPort 8080).
const networkPolicy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-internal-to-orders
  namespace: default
spec:
  podSelector:
    matchLabels:
      app: orders
  policyTypes:
    - Ingress
  ingress:
    - from:
        - podSelector:
            matchLabels:
              traffic: internal
      ports:
        - port: 8080
          protocol: TCP
`;

describe('desiredResources', () => {
  it('network-policy-per-service: one NetworkPolicy with the reference labels, owner and hash annotations', () => {
    const s = plan(
      { policyRefs: [{ kind: 'ConfigMap', namespace: 'projectsveltos', name: 'sveltos-abc' }] },
      [cm('projectsveltos', 'sveltos-abc', { 'networkpolicy.yaml': networkPolicy })],
    );
    assert.deepEqual(s.errors, []);
    assert.equal(s.resources.length, 1);
    const r = s.resources[0]!;
    assert.deepEqual(r.id, {
      group: 'networking.k8s.io',
      version: 'v1',
      kind: 'NetworkPolicy',
      namespace: 'default',
      name: 'allow-internal-to-orders',
    });
    const meta = r.object.metadata as { labels: Record<string, string>; annotations: Record<string, string> };
    assert.deepEqual(meta.labels, {
      'projectsveltos.io/reference-kind': 'ConfigMap',
      'projectsveltos.io/reference-name': 'sveltos-abc',
      'projectsveltos.io/reference-namespace': 'projectsveltos',
    });
    assert.match(meta.annotations['projectsveltos.io/hash']!, /^sha256:[0-9a-f]{64}$/);
    assert.equal(meta.annotations['projectsveltos.io/hash'], r.hash);
    assert.equal(meta.annotations['projectsveltos.io/owner-kind'], 'ClusterProfile');
    assert.equal(meta.annotations['projectsveltos.io/owner-name'], 'p1');
    assert.equal(meta.annotations['projectsveltos.io/owner-tier'], '100');
    assert.deepEqual((r.object.spec as { podSelector: unknown }).podSelector, {
      matchLabels: { app: 'orders' },
    });
    assert.deepEqual(s.references, [
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'projectsveltos', name: 'sveltos-abc' },
    ]);
  });

  it('the hash is stable for the same content and changes with it', () => {
    const a = plan({ policyRefs: [{ kind: 'ConfigMap', namespace: 'ns', name: 'c' }] }, [
      cm('ns', 'c', { k: networkPolicy }),
    ]);
    const b = plan({ policyRefs: [{ kind: 'ConfigMap', namespace: 'ns', name: 'c' }] }, [
      cm('ns', 'c', { k: networkPolicy }),
    ]);
    const c = plan({ policyRefs: [{ kind: 'ConfigMap', namespace: 'ns', name: 'c' }] }, [
      cm('ns', 'c', { k: networkPolicy.replace('port: 8080', 'port: 8081') }),
    ]);
    assert.equal(a.resources[0]!.hash, b.resources[0]!.hash);
    assert.notEqual(a.resources[0]!.hash, c.resources[0]!.hash);
  });

  it('credentials-replication: the copier writes db-credentials into every namespace of the generated list', () => {
    const copier = exampleObject('credentials-replication', 'ConfigMap', 'credentials-copier') as MgmtObject;
    const trigger = exampleObject('credentials-replication', 'EventTrigger') as unknown as {
      spec: { templateResourceRefs: Array<{ resource: { name: string } }> };
    };
    // the templateResourceRefs as the event-manager instantiates them for default/workload
    const refs = structuredClone(trigger.spec.templateResourceRefs);
    refs[1]!.resource.name = 'default-workload-credential-namespaces';
    const s = plan(
      {
        templateResourceRefs: refs as never,
        policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'credentials-copier' }],
      },
      [
        copier,
        cm('projectsveltos', 'default-workload-credential-namespaces', {
          'namespaces.yaml': '\n- billing\n- payroll\n',
        }),
        asStored(exampleObject('credentials-replication', 'Secret')) as MgmtObject,
      ],
    );
    assert.deepEqual(s.errors, []);
    assert.deepEqual(
      s.resources.map((r) => {
        const o = r.object as { type: string; data: unknown };
        return [r.id.kind, r.id.namespace, r.id.name, o.type, o.data];
      }),
      ['billing', 'payroll'].map((ns) => [
        'Secret',
        ns,
        'db-credentials',
        'Opaque',
        { password: b64('change-me'), username: b64('reporting') },
      ]),
    );
  });

  it('generated-settings: the deployer turns the generated ConfigMap and Secret into objects of the app', () => {
    const settings = 'application: checkout\nnamespace: shop\ncluster: default/workload\nreplicas: 2\n';
    const url = 'postgres://checkout@db.shop.svc:5432/checkout';
    const ref = (identifier: string, kind: string, name: string) => ({
      identifier,
      resource: { apiVersion: 'v1', kind, namespace: 'projectsveltos', name },
    });
    const s = plan(
      {
        templateResourceRefs: [
          ref('Settings', 'ConfigMap', 'default-workload-shop-checkout-settings'),
          ref('Database', 'Secret', 'default-workload-shop-checkout-database'),
        ],
        policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'settings-deployer' }],
      },
      [
        exampleObject('generated-settings', 'ConfigMap', 'settings-deployer') as MgmtObject,
        cm('projectsveltos', 'default-workload-shop-checkout-settings', { 'settings.yaml': settings }),
        {
          apiVersion: 'v1',
          kind: 'Secret',
          type: 'addons.projectsveltos.io/cluster-profile',
          metadata: { namespace: 'projectsveltos', name: 'default-workload-shop-checkout-database' },
          data: { url: b64(url) },
        },
      ],
    );
    assert.deepEqual(s.errors, []);
    assert.deepEqual(
      s.resources.map((r) => {
        const o = r.object as { data: unknown };
        return [r.id.kind, r.id.namespace, r.id.name, o.data];
      }),
      [
        ['ConfigMap', 'shop', 'checkout-settings', { 'settings.yaml': settings }],
        ['Secret', 'shop', 'checkout-database', { url: b64(url) }],
      ],
    );
  });

  it('a missing reference is an error naming it, an optional one is skipped', () => {
    const s = plan(
      {
        policyRefs: [
          { kind: 'ConfigMap', namespace: 'ns', name: 'gone' },
          { kind: 'ConfigMap', namespace: 'ns', name: 'maybe', optional: true },
          { kind: 'ConfigMap', namespace: 'ns', name: 'ok' },
        ],
      },
      [cm('ns', 'ok', { k: networkPolicy })],
    );
    assert.deepEqual(
      s.errors.map((e) => [e.code, e.retryable, e.message]),
      [
        ['REFERENCE_NOT_FOUND', true, 'spec.policyRefs[0]: ConfigMap ns/gone does not exist'],
        [
          'NOT_DEPLOYED',
          false,
          'spec.policyRefs[1..2]: not deployed because spec.policyRefs[0] failed (spec.continueOnError is false)',
        ],
      ],
    );
    assert.equal(s.resources.length, 0, 'as upstream, the first failure stops the later references');
    const goOn = plan(
      {
        continueOnError: true,
        policyRefs: [
          { kind: 'ConfigMap', namespace: 'ns', name: 'gone' },
          { kind: 'ConfigMap', namespace: 'ns', name: 'maybe', optional: true },
          { kind: 'ConfigMap', namespace: 'ns', name: 'ok' },
        ],
      },
      [cm('ns', 'ok', { k: networkPolicy })],
    );
    assert.deepEqual(
      goOn.errors.map((e) => e.code),
      ['REFERENCE_NOT_FOUND'],
    );
    assert.equal(
      goOn.resources.length,
      1,
      'continueOnError: the other references still produce their resources',
    );
  });

  it('names and namespaces are templates over the cluster; an empty namespace is the cluster namespace', () => {
    const s = plan(
      { policyRefs: [{ kind: 'ConfigMap', name: '{{ .Cluster.metadata.name }}-{{ .ClusterName }}' }] },
      [cm('default', 'workload-workload', { k: networkPolicy })],
    );
    assert.deepEqual(s.errors, []);
    assert.equal(s.resources[0]?.source.name, 'workload-workload');
    assert.equal(s.resources[0]?.source.namespace, 'default');
  });

  it('Secrets must have the cluster-profile type; their data is decoded', () => {
    const secret = (type: string) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      type,
      metadata: { namespace: 'ns', name: 's' },
      data: { k: b64(networkPolicy) },
    });
    const bad = plan({ policyRefs: [{ kind: 'Secret', namespace: 'ns', name: 's' }] }, [secret('Opaque')]);
    assert.equal(bad.errors[0]?.code, 'UNSUPPORTED_SECRET_TYPE');
    assert.match(bad.errors[0]!.message, /addons\.projectsveltos\.io\/cluster-profile/);
    const good = plan({ policyRefs: [{ kind: 'Secret', namespace: 'ns', name: 's' }] }, [
      secret('addons.projectsveltos.io/cluster-profile'),
    ]);
    assert.deepEqual(good.errors, []);
    assert.equal(good.resources[0]?.id.name, 'allow-internal-to-orders');
    assert.equal(good.resources[0]?.source.kind, 'Secret');
  });

  it('a template error names the ConfigMap and key and (continueOnError) does not stop the other references', () => {
    const s = plan(
      {
        continueOnError: true,
        policyRefs: [
          { kind: 'ConfigMap', namespace: 'ns', name: 'bad' },
          { kind: 'ConfigMap', namespace: 'ns', name: 'good' },
        ],
      },
      [
        cm(
          'ns',
          'bad',
          { 'x.yaml': 'name: {{ .Cluster.metadata.nope }}' },
          { 'projectsveltos.io/template': 'ok' },
        ),
        cm('ns', 'good', { k: networkPolicy }),
      ],
    );
    assert.equal(s.errors.length, 1);
    assert.equal(s.errors[0]?.code, 'TEMPLATE_FAILED');
    assert.equal(s.errors[0]?.retryable, false);
    assert.match(s.errors[0]!.message, /^ConfigMap ns\/bad key "x.yaml": .*nope/);
    assert.equal(s.resources.length, 1);
  });

  it('templates see .Cluster; content without the annotation is taken literally', () => {
    const text =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "{{ .Cluster.metadata.name }}"\n  namespace: x\n';
    const templated = plan({ policyRefs: [{ kind: 'ConfigMap', namespace: 'ns', name: 'c' }] }, [
      cm('ns', 'c', { k: text }, { 'projectsveltos.io/template': '' }),
    ]);
    assert.equal(templated.resources[0]?.id.name, 'workload');
    const literal = plan({ policyRefs: [{ kind: 'ConfigMap', namespace: 'ns', name: 'c' }] }, [
      cm('ns', 'c', { k: text }),
    ]);
    assert.equal(literal.resources[0]?.id.name, '{{ .Cluster.metadata.name }}');
  });

  it('bad documents are INVALID_RESOURCE; empty documents are skipped', () => {
    const s = plan(
      {
        continueOnError: true,
        policyRefs: [
          { kind: 'ConfigMap', namespace: 'ns', name: 'a' },
          { kind: 'ConfigMap', namespace: 'ns', name: 'b' },
          { kind: 'ConfigMap', namespace: 'ns', name: 'c' },
        ],
      },
      [
        cm('ns', 'a', { k: 'kind: [unclosed' }),
        cm('ns', 'b', { k: 'apiVersion: v1\nkind: ConfigMap\n' }),
        cm('ns', 'c', { k: `---\n# only a comment\n---\n${networkPolicy}---\n` }),
      ],
    );
    assert.deepEqual(
      s.errors.map((e) => e.code),
      ['INVALID_RESOURCE', 'INVALID_RESOURCE'],
    );
    assert.match(
      s.errors[1]!.message,
      /ConfigMap ns\/b key "k": document 1 needs apiVersion, kind and metadata.name/,
    );
    assert.equal(s.resources.length, 1);
  });

  it('a key repeated in a mapping keeps its last value, as Go reads YAML (not an error)', () => {
    const s = plan({ policyRefs: [{ kind: 'ConfigMap', namespace: 'ns', name: 'a' }] }, [
      cm('ns', 'a', {
        k: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: twice\n  namespace: ns\ndata:\n  level: debug\n  level: info\n',
      }),
    ]);
    assert.deepEqual(s.errors, []);
    assert.deepEqual((s.resources[0]!.object as { data: Record<string, string> }).data, { level: 'info' });
  });

  it('the same object twice is DUPLICATE_RESOURCE naming both sources', () => {
    const s = plan(
      {
        policyRefs: [
          { kind: 'ConfigMap', namespace: 'ns', name: 'a' },
          { kind: 'ConfigMap', namespace: 'ns', name: 'b' },
        ],
      },
      [cm('ns', 'a', { k: networkPolicy }), cm('ns', 'b', { k: networkPolicy })],
    );
    assert.equal(s.errors[0]?.code, 'DUPLICATE_RESOURCE');
    assert.match(s.errors[0]!.message, /ConfigMap ns\/a key "k" and in ConfigMap ns\/b key "k"/);
    assert.equal(s.resources.length, 1);
  });

  it('policyRef tier overrides the profile tier; extra labels and annotations are added', () => {
    const s = plan(
      {
        tier: 50,
        extraLabels: { team: 'a' },
        extraAnnotations: { note: 'x' },
        policyRefs: [
          { kind: 'ConfigMap', namespace: 'ns', name: 'a', tier: 100 },
          { kind: 'ConfigMap', namespace: 'ns', name: 'b', tier: 10 },
        ],
      },
      [
        cm('ns', 'a', { k: networkPolicy }),
        cm('ns', 'b', { k: networkPolicy.replace('allow-internal-to-orders', 'other') }),
      ],
    );
    // 100 is the API server's default for a policyRef: it does not override the profile's tier
    assert.deepEqual(
      s.resources.map((r) => r.tier),
      [50, 10],
    );
    const meta = s.resources[0]!.object.metadata as {
      labels: Record<string, string>;
      annotations: Record<string, string>;
    };
    assert.equal(meta.labels.team, 'a');
    assert.equal(meta.annotations.note, 'x');
    assert.equal(meta.annotations['projectsveltos.io/owner-tier'], '50');
  });

  it('Flux sources are reported as not supported; Local objects are marked (Helm/Kustomize are other features)', () => {
    const s = plan(
      {
        continueOnError: true,
        policyRefs: [
          { kind: 'GitRepository', namespace: 'flux', name: 'repo', path: 'x' },
          { kind: 'ConfigMap', namespace: 'ns', name: 'a', deploymentType: 'Local' },
        ],
        helmCharts: [
          {
            repositoryURL: 'https://x',
            repositoryName: 'x',
            chartName: 'x/y',
            chartVersion: '1',
            releaseName: 'r',
            releaseNamespace: 'n',
          },
        ],
        kustomizationRefs: [{ kind: 'ConfigMap', namespace: 'ns', name: 'k' }],
      },
      [cm('ns', 'a', { k: networkPolicy })],
    );
    assert.deepEqual(
      s.errors.map((e) => e.code),
      ['UNSUPPORTED_REFERENCE'],
    );
    // the charts and kustomizations are not the Resources feature's to judge: it plans only its own
    assert.deepEqual(
      s.resources.map((r) => [r.source.name, r.id.local]),
      [['a', true]],
    );
    assert.match(describeResource(s.resources[0]!.id), /\(management cluster\)$/);
  });

  it('a missing templateResourceRef is an error unless optional', () => {
    const spec = (optional: boolean): ClusterProfileSpec => ({
      templateResourceRefs: [
        { identifier: 'X', optional, resource: { apiVersion: 'v1', kind: 'ConfigMap', name: 'x' } },
      ],
      policyRefs: [{ kind: 'ConfigMap', namespace: 'ns', name: 'a' }],
    });
    const objects = [cm('ns', 'a', { k: networkPolicy })];
    const required = plan(spec(false), objects);
    assert.equal(required.errors[0]?.code, 'REFERENCE_NOT_FOUND');
    assert.match(required.errors[0]!.message, /"X": ConfigMap default\/x does not exist/);
    assert.deepEqual(plan(spec(true), objects).errors, []);
  });
});

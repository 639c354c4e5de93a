// `sveltosctl simulate` as a process, without any API server (KUBECONFIG unset, HOME nowhere): the tree, the
// documents, Helm values, what a controller would report (exit 1), bad input (exit 2). The comparison with
// the real chain on every example is e2e/simulate.test.ts.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { sveltosctl } from '../testing.ts';

const root = mkdtempSync(join(tmpdir(), 'simulate-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));

let dirs = 0;
/** A simulate input directory: file name → objects. */
function input(files: Record<string, unknown[]>): string {
  const dir = join(root, `case-${dirs++}`);
  for (const [file, objects] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), objects.map((o) => stringify(o)).join('---\n'));
  }
  return dir;
}

const cluster = (name: string, labels: Record<string, string>) => ({
  apiVersion: 'lib.projectsveltos.io/v1beta1',
  kind: 'SveltosCluster',
  metadata: { name, namespace: 'fleet', labels },
  spec: {},
});

const services = {
  apiVersion: 'lib.projectsveltos.io/v1beta1',
  kind: 'EventSource',
  metadata: { name: 'front-services' },
  spec: {
    collectResources: true,
    resourceSelectors: [
      {
        group: '',
        version: 'v1',
        kind: 'Service',
        labelFilters: [{ key: 'tier', operation: 'Equal', value: 'front' }],
      },
    ],
  },
};

const template = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: 'policy-template',
    namespace: 'default',
    annotations: { 'projectsveltos.io/instantiate': 'true' },
  },
  data: {
    'policy.yaml': [
      'apiVersion: networking.k8s.io/v1',
      'kind: NetworkPolicy',
      'metadata:',
      '  name: allow-{{ .Resource.metadata.name }}',
      '  namespace: {{ .Resource.metadata.namespace }}',
      'spec:',
      '  podSelector:',
      '    matchLabels:',
      '      app: {{ .Resource.spec.selector.app }}',
    ].join('\n'),
  },
};

const trigger = (extra: Record<string, unknown> = {}) => ({
  apiVersion: 'lib.projectsveltos.io/v1beta1',
  kind: 'EventTrigger',
  metadata: { name: 'policy-per-service' },
  spec: {
    sourceClusterSelector: { matchLabels: { env: 'prod' } },
    eventSourceName: 'front-services',
    oneForEvent: true,
    policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'policy-template' }],
    ...extra,
  },
});

const service = (name: string, tier: string) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'shop', labels: { tier } },
  spec: { selector: { app: name }, ports: [{ port: 80 }] },
});

/** The fleet: edge (env=prod) has two Services, one of them front; lab (env=dev) has a front one. */
const fleet = (management: unknown[]) =>
  input({
    'management.yaml': [cluster('edge', { env: 'prod' }), cluster('lab', { env: 'dev' }), ...management],
    'clusters/fleet/edge/services.yaml': [service('orders', 'front'), service('db', 'back')],
    'clusters/fleet/lab/services.yaml': [service('toys', 'front')],
  });

const simulate = (...args: string[]) => sveltosctl(['simulate', ...args]);

interface Document {
  management: {
    eventReports: { metadata: { name: string; namespace: string }; spec: { matchingResources: unknown[] } }[];
    configMaps: { metadata: { name: string; namespace: string }; data: Record<string, string> }[];
    clusterProfiles: { metadata: { name: string } }[];
  };
  clusters: {
    cluster: string;
    deployments: {
      profile: string;
      resources: { kind: string; namespace: string; name: string; object: Record<string, unknown> }[];
      helmReleases: { releaseName: string; values: Record<string, unknown>; chartVersion: string }[];
      features: { featureID: string; status: string; failureMessage?: string; notSimulated?: string }[];
    }[];
  }[];
  eventTriggers: { eventTrigger: string; cluster: string; status: string; message?: string }[];
  problems: { component: string; code: string; message: string; blocking: boolean }[];
}

describe('sveltosctl simulate (no API server)', () => {
  const dir = fleet([services, template, trigger()]);

  it('tree: the report, the instantiated ConfigMap, the profile, and the policy in the source cluster', async () => {
    const r = await simulate(dir);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.ok(
      lines.includes(
        '├─ EventReport fleet/sveltos--front-services--edge: 1 matching: v1 Service shop/orders',
      ),
      r.stdout,
    );
    assert.ok(
      lines.some((l) =>
        /^ {3}└─ networking\.k8s\.io\/v1 NetworkPolicy shop\/allow-orders {2}← ConfigMap projectsveltos\/sveltos-\w+ key policy\.yaml$/.test(
          l,
        ),
      ),
      r.stdout,
    );
    assert.ok(lines.includes('SveltosCluster fleet/lab (env=dev)'), 'lab is listed');
    assert.equal(
      lines[lines.indexOf('SveltosCluster fleet/lab (env=dev)') + 1],
      '└─ nothing',
      'lab is not a source',
    );
  });

  it('-o yaml: every predicted object, the rendered one exactly', async () => {
    const r = await simulate(dir, '-o', 'yaml');
    assert.equal(r.code, 0, r.stderr);
    const doc = parse(r.stdout) as Document;
    assert.deepEqual(
      doc.management.eventReports.map((e) => `${e.metadata.namespace}/${e.metadata.name}`),
      ['fleet/sveltos--front-services--edge'],
    );
    assert.equal(doc.management.clusterProfiles.length, 1);
    assert.equal(doc.management.configMaps.length, 1);
    const edge = doc.clusters.find((c) => c.cluster === 'fleet/edge')!;
    const object = edge.deployments[0]!.resources[0]!.object;
    assert.deepEqual(
      { apiVersion: object.apiVersion, kind: object.kind, spec: object.spec },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        spec: { podSelector: { matchLabels: { app: 'orders' } } },
      },
    );
    assert.deepEqual((object.metadata as { name: string; namespace: string }).name, 'allow-orders');
    assert.deepEqual(doc.problems, []);
  });

  it('Helm releases with their rendered values, per destination cluster', async () => {
    const profile = {
      apiVersion: 'config.projectsveltos.io/v1beta1',
      kind: 'ClusterProfile',
      metadata: { name: 'ingress' },
      spec: {
        clusterSelector: { matchLabels: { env: 'prod' } },
        helmCharts: [
          {
            repositoryURL: 'https://charts.example.com',
            repositoryName: 'example',
            chartName: 'example/ingress',
            chartVersion: '1.2.3',
            releaseName: 'ingress',
            releaseNamespace: 'ingress',
            values: 'cluster: {{ .Cluster.metadata.name }}\nreplicas: 2\n',
          },
        ],
      },
    };
    const r = await simulate(fleet([profile]), '-o', 'json');
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as Document;
    const edge = doc.clusters.find((c) => c.cluster === 'fleet/edge')!;
    assert.deepEqual(
      edge.deployments.map((d) => d.helmReleases.map((h) => [h.releaseName, h.chartVersion, h.values])),
      [[['ingress', '1.2.3', { cluster: 'edge', replicas: 2 }]]],
    );
    assert.deepEqual(doc.clusters.find((c) => c.cluster === 'fleet/lab')!.deployments, []);
  });

  it("a template that fails: the event-manager's error, exit 1", async () => {
    const broken = { ...template, data: { 'policy.yaml': 'name: {{ nosuchfunction }}' } };
    const r = await simulate(fleet([services, broken, trigger()]), '-o', 'json');
    assert.equal(r.code, 1);
    const doc = JSON.parse(r.stdout) as Document;
    assert.deepEqual(
      doc.eventTriggers.map((p) => [p.eventTrigger, p.cluster, p.status]),
      [['policy-per-service', 'fleet/edge', 'Failed']],
    );
    assert.match(doc.eventTriggers[0]!.message ?? '', /nosuchfunction/);
    assert.deepEqual(
      doc.problems.map((p) => [p.component, p.code, p.blocking]),
      [['event-manager', 'TEMPLATE_FAILED', true]],
    );
  });

  it("a Lua script that does not compile: the agent's error, exit 1", async () => {
    const lua = {
      ...services,
      spec: {
        resourceSelectors: [{ group: '', version: 'v1', kind: 'Service', evaluate: 'function evaluate(\n' }],
      },
    };
    const r = await simulate(fleet([lua, template, trigger()]));
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /error \(sveltos-agent\) EventSource front-services, cluster fleet\/edge: EvaluationFailed: /,
    );
  });

  it('kustomizationRefs without the kustomize binary: refused by name as not simulated, exit 1', async () => {
    const r = await simulate(
      fleet([
        services,
        template,
        trigger({ kustomizationRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'k', path: '.' }] }),
      ]),
      '--kustomize-binary',
      '/nonexistent/kustomize',
    );
    assert.equal(r.code, 1);
    assert.match(r.stdout, /Kustomize: NOT SIMULATED: kustomizationRefs need the kustomize binary/);
  });

  describe('bad input: exit 2 with the file and the field', () => {
    it('a misspelt field', async () => {
      const r = await simulate(fleet([{ ...trigger(), spec: { ...trigger().spec, policyRef: [] } }]));
      assert.equal(r.code, 2);
      assert.match(r.stderr, /management\.yaml.*policyRef/s);
    });
    it('objects for a cluster the input does not register', async () => {
      const dir = input({
        'management.yaml': [cluster('edge', { env: 'prod' })],
        'clusters/fleet/ghost/objects.yaml': [service('x', 'front')],
      });
      const r = await simulate(dir);
      assert.equal(r.code, 2);
      assert.match(
        r.stderr,
        /objects are given for cluster fleet\/ghost, but the input registers no SveltosCluster or Cluster fleet\/ghost/,
      );
    });
    it('the same object twice', async () => {
      const r = await simulate(fleet([template, template]));
      assert.equal(r.code, 2);
      assert.match(
        r.stderr,
        /ConfigMap default\/policy-template is defined twice for the management cluster/,
      );
    });
    it('no input, a missing path, a malformed --cluster-objects', async () => {
      const none = await simulate();
      assert.equal(none.code, 2);
      assert.match(none.stderr, /give the input/);
      const missing = await simulate(join(root, 'nope'));
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /nope: no such file or directory/);
      const flag = await simulate(dir, '--cluster-objects', 'edge');
      assert.equal(flag.code, 2);
      assert.match(flag.stderr, /expected <namespace>\/<name>=<file or directory>/);
    });
    it('--diff without any kubeconfig', async () => {
      const r = await simulate(dir, '--diff');
      assert.equal(r.code, 2);
      assert.match(r.stderr, /no kubeconfig of the management cluster/);
    });
  });
});

describe('sveltosctl simulate: profiles deploying the same object', () => {
  const quota = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'quota', namespace: 'default' },
    data: {
      'quota.yaml':
        'apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: small\n  namespace: shop\nspec:\n  hard:\n    pods: "10"\n',
    },
  };
  const profile = (name: string, tier?: number) => ({
    apiVersion: 'config.projectsveltos.io/v1beta1',
    kind: 'ClusterProfile',
    metadata: { name },
    spec: {
      clusterSelector: { matchLabels: { env: 'prod' } },
      policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'quota', ...(tier ? { tier } : {}) }],
    },
  });

  it('the lower tier keeps it; the other profile is in conflict, with the message its ClusterSummary would carry', async () => {
    const r = await simulate(fleet([quota, profile('base'), profile('override', 50)]), '-o', 'json');
    assert.equal(r.code, 1);
    const doc = JSON.parse(r.stdout) as Document;
    const edge = doc.clusters.find((c) => c.cluster === 'fleet/edge')!;
    const base = edge.deployments.find((d) => d.profile === 'base')!;
    const override = edge.deployments.find((d) => d.profile === 'override')!;
    assert.deepEqual(
      base.features.map((f) => [f.status, f.failureMessage]),
      [
        [
          'Failed',
          "ResourceQuota shop/small is managed by ClusterProfile override (tier 50); this profile's tier 100 does not take precedence (the lower tier wins, the current owner keeps it on equal tiers)",
        ],
      ],
    );
    assert.deepEqual(
      override.features.map((f) => f.status),
      ['Provisioned'],
    );
    assert.deepEqual(
      doc.problems.map((p) => [p.component, p.code, p.message]),
      [
        [
          'addon-controller',
          'CONFLICT',
          "Resources: ResourceQuota shop/small is managed by ClusterProfile override (tier 50); this profile's tier 100 does not take precedence (the lower tier wins, the current owner keeps it on equal tiers)",
        ],
      ],
    );
  });

  it('equal tiers: both are reported, since which deploys first decides', async () => {
    const r = await simulate(fleet([quota, profile('a'), profile('b')]), '-o', 'json');
    assert.equal(r.code, 1);
    const doc = JSON.parse(r.stdout) as Document;
    assert.deepEqual(
      doc.problems.map((p) => p.message.match(/managed by ClusterProfile (\w+)/)?.[1]).sort(),
      ['a', 'b'],
    );
    assert.ok(doc.problems.every((p) => p.message.endsWith('a simulation cannot know which)')));
  });
});

describe('sveltosctl simulate: patches with the real kustomize', () => {
  it("the profile's patches (templated) are applied to the predicted object", async () => {
    const { ensureBinaries } = await import('@sveltos-ts/testenv');
    const kustomize = (await ensureBinaries()).kustomize;
    const quota = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'quota', namespace: 'default' },
      data: {
        'quota.yaml':
          'apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: small\n  namespace: shop\nspec:\n  hard:\n    pods: "10"\n',
      },
    };
    const profile = {
      apiVersion: 'config.projectsveltos.io/v1beta1',
      kind: 'ClusterProfile',
      metadata: { name: 'quota' },
      spec: {
        clusterSelector: { matchLabels: { env: 'prod' } },
        policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'quota' }],
        patches: [
          {
            target: { kind: 'ResourceQuota' },
            patch:
              '- op: add\n  path: /metadata/labels\n  value:\n    cluster: "{{ .Cluster.metadata.name }}"\n',
          },
        ],
      },
    };
    const r = await simulate(fleet([quota, profile]), '--kustomize-binary', kustomize, '-o', 'json');
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout.slice(0, 2000)}`);
    const doc = JSON.parse(r.stdout) as Document;
    const [resource] = doc.clusters.find((c) => c.cluster === 'fleet/edge')!.deployments[0]!.resources;
    assert.equal((resource!.object.metadata as { labels: Record<string, string> }).labels.cluster, 'edge');
  });
});

describe('sveltosctl simulate: a chain whose output fires another trigger', () => {
  it('is followed round after round until nothing changes', async () => {
    const marker = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'marker-template',
        namespace: 'default',
        annotations: { 'projectsveltos.io/instantiate': 'true' },
      },
      data: {
        'marker.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: marker-{{ .Resource.metadata.name }}\n  namespace: default\n  labels:\n    stage: two\n',
      },
    };
    const markers = {
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'EventSource',
      metadata: { name: 'markers' },
      spec: {
        resourceSelectors: [
          {
            group: '',
            version: 'v1',
            kind: 'ConfigMap',
            labelFilters: [{ key: 'stage', operation: 'Equal', value: 'two' }],
          },
        ],
      },
    };
    const second = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'second', namespace: 'default' },
      data: { 'ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: from-round-two\n' },
    };
    const first = trigger({
      policyRefs: [
        { kind: 'ConfigMap', namespace: 'default', name: 'marker-template', deploymentType: 'Local' },
      ],
    });
    const then = {
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'EventTrigger',
      metadata: { name: 'then' },
      spec: {
        sourceClusterSelector: { matchLabels: { role: 'management' } },
        destinationClusterSelector: { matchLabels: { env: 'prod' } },
        eventSourceName: 'markers',
        policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'second' }],
      },
    };
    const dir = fleet([
      {
        ...cluster('mgmt', { role: 'management' }),
        metadata: { name: 'mgmt', namespace: 'mgmt', labels: { role: 'management' } },
      },
      services,
      marker,
      markers,
      second,
      first,
      then,
    ]);
    const r = await simulate(dir, '--management-cluster', 'mgmt/mgmt', '-o', 'json');
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout.slice(0, 3000)}`);
    const doc = JSON.parse(r.stdout) as Document & { rounds: number; settled: boolean };
    assert.equal(doc.settled, true);
    assert.ok(doc.rounds >= 3, `rounds: ${doc.rounds}`);
    const edge = doc.clusters.find((c) => c.cluster === 'fleet/edge')!;
    const deployed = edge.deployments.flatMap((d) => d.resources.map((x) => `${x.kind} ${x.name}`)).sort();
    assert.deepEqual(deployed, ['ConfigMap marker-orders', 'Namespace from-round-two']);
    const limited = await simulate(dir, '--management-cluster', 'mgmt/mgmt', '--max-rounds', '1');
    assert.equal(limited.code, 1, 'not settled after one round: exit 1');
    assert.match(limited.stdout, /still changed after 1 rounds/);
  });
});

// Optional extra conformance check on Sveltos' own documentation templates, which are not part of this
// repository: point SVELTOS_TEMPLATE_CORPUS_DIR at a folder of them (NNN-name.tmpl, each with an
// NNN-name.md whose "Engine / context:" line names the controller that renders it). Every template is
// rendered with plausible data for its context by the Go oracle (built with Go, as for the golden files;
// its files go to ~/.cache) and by this engine, and the results must agree except for the deviations
// listed in docs/template-deviations.md. Without the variable the test is skipped.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildOracle, renderWithOracle } from '../scripts/regen-golden.ts';
import { type CaseDef, compareWithGolden, type GoldenCase, parseDeviations } from './conformance.ts';

const corpusDir = process.env.SVELTOS_TEMPLATE_CORPUS_DIR;
const deviationsDoc = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'docs',
  'template-deviations.md',
);

const b64 = (s: string): string => Buffer.from(s).toString('base64');

const cluster = {
  apiVersion: 'lib.projectsveltos.io/v1beta1',
  kind: 'SveltosCluster',
  metadata: {
    name: 'cluster-a',
    namespace: 'fleet',
    labels: { env: 'production', region: 'west', tenant: 'team-a' },
    annotations: { owner: 'platform' },
  },
  spec: {
    controlPlaneEndpoint: { host: '10.0.0.1', port: 6443 },
    clusterNetwork: { pods: { cidrBlocks: ['192.168.0.0/16'] }, services: { cidrBlocks: ['10.96.0.0/12'] } },
  },
  status: { ready: true, version: 'v1.30.2' },
};

/** A management-cluster object for a templateResourceRefs identifier, with commonly read fields. */
function mgmtObject(id: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: /secret|credential/i.test(id) ? 'Secret' : 'ConfigMap',
    metadata: { name: id.toLowerCase(), namespace: 'default', labels: { app: id.toLowerCase() }, uid: 'u-1' },
    data: {
      token: b64('tok'),
      'ca.crt': b64('CERT'),
      user: b64('admin'),
      password: b64('s3cret'),
      namespace: b64('apps'),
      values: 'replicas: 2',
      namespaces: 'ns-one: {}\nns-two: {}',
    },
    spec: { replicas: 2, template: { spec: { containers: [{ name: 'app', image: 'app:1' }] } } },
    status: { resources: '- kind: Namespace' },
  };
}

const resource = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'svc-a', namespace: 'apps', labels: { app: 'web' }, annotations: { env: 'prod' } },
  spec: {
    clusterIP: '10.96.1.10',
    clusterIPs: ['10.96.1.10'],
    ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 8443 }],
    selector: { app: 'web' },
  },
  status: { loadBalancer: { ingress: [{ ip: '172.18.0.10' }] } },
  data: { user: b64('admin'), password: b64('pw') },
};

const cloudEvent = {
  specversion: '1.0',
  id: 'e-1',
  source: 'src',
  type: 'created',
  subject: 'user-1',
  data: {},
};
const ref = { $ref: { Kind: 'Service', Namespace: 'apps', Name: 'svc-a', APIVersion: 'v1' } };

function caseFor(file: string): CaseDef {
  const base = file.replace(/\.tmpl$/, '');
  const template = readFileSync(join(corpusDir!, file), 'utf8');
  const mdFile = join(corpusDir!, base + '.md');
  const engine = existsSync(mdFile)
    ? (/Engine \/ context: (.*)/.exec(readFileSync(mdFile, 'utf8'))?.[1] ?? '')
    : '';
  const id = `upstream-${base}`;
  if (
    engine.startsWith('event-manager') ||
    /\.(Resources?|MatchingResources?|CloudEvents?)\b/.test(template)
  ) {
    if (/\.(Resources|MatchingResources|CloudEvents)\b/.test(template))
      return {
        id,
        template,
        context: 'event-many',
        data: {
          Cluster: cluster,
          Resources: [resource],
          MatchingResources: [ref],
          CloudEvents: [cloudEvent],
        },
      };
    return {
      id,
      template,
      context: 'event-one',
      data: { Cluster: cluster, Resource: resource, MatchingResource: ref, CloudEvent: cloudEvent },
    };
  }
  // Names rendered by libsveltos with html/template are rendered with text/template here (D7).
  if (engine.includes('html/template'))
    return { id, template, data: { Cluster: cluster, ClusterNamespace: 'fleet', ClusterName: 'cluster-a' } };
  const ids = [
    ...template.matchAll(/(?:getResource|copy|getField|setField|removeField) ["`]([A-Za-z0-9]+)["`]/g),
  ];
  return {
    id,
    template,
    context: 'addon',
    name: 'fleet-cluster-a-profile',
    data: {
      Cluster: cluster,
      InfrastructureProvider: { spec: { location: 'westeurope' } },
      MgmtResources: Object.fromEntries(ids.map((m) => [m[1]!, mgmtObject(m[1]!)])),
    },
  };
}

test('upstream template corpus against Go (SVELTOS_TEMPLATE_CORPUS_DIR)', {
  skip: corpusDir ? false : 'SVELTOS_TEMPLATE_CORPUS_DIR is not set: no upstream templates to compare',
}, () => {
  const files = readdirSync(corpusDir!)
    .filter((f) => f.endsWith('.tmpl'))
    .sort();
  assert.ok(files.length > 0, `no *.tmpl files in ${corpusDir}`);
  const cases = files.map(caseFor);
  const results = renderWithOracle(buildOracle(), cases, 'upstream');
  const golden: GoldenCase[] = cases.map((c, i) => ({ ...c, expected: results[i]! }));
  const failures = compareWithGolden(golden, parseDeviations(readFileSync(deviationsDoc, 'utf8')));
  assert.equal(failures.length, 0, `${failures.length} unexplained differences:\n${failures.join('\n')}`);
});

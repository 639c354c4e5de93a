// The 118 upstream documentation templates (read from shared/template-corpus beside the repository, never
// copied into it; SVELTOS_TEMPLATE_CORPUS_DIR overrides the place) rendered
// with plausible data for the context their .md describes.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaseDef } from '../../src/conformance.ts';

const corpusDir =
  process.env.SVELTOS_TEMPLATE_CORPUS_DIR ??
  fileURLToPath(new URL('../../../../../shared/template-corpus/', import.meta.url));

const b64 = (s: string): string => Buffer.from(s).toString('base64');

const cluster = {
  apiVersion: 'lib.projectsveltos.io/v1beta1',
  kind: 'SveltosCluster',
  metadata: {
    name: 'cluster-a',
    namespace: 'fleet',
    labels: { env: 'production', region: 'west', 'cluster-api': 'enabled', tenant: 'team-a' },
    annotations: { owner: 'platform' },
    creationTimestamp: '2024-01-15T10:00:00Z',
  },
  spec: {
    controlPlaneEndpoint: { host: '10.0.0.1', port: 6443 },
    clusterNetwork: { pods: { cidrBlocks: ['192.168.0.0/16'] }, services: { cidrBlocks: ['10.96.0.0/12'] } },
    kubernetesVersion: 'v1.30.2',
  },
  status: { ready: true, version: 'v1.30.2' },
};

function mgmtObject(id: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: id.includes('Secret') || id === 'Credentials' ? 'Secret' : 'ConfigMap',
    metadata: {
      name: id.toLowerCase(),
      namespace: 'default',
      labels: { app: id.toLowerCase() },
      annotations: { 'lb.buttah.cloud/name': 'lb-1' },
      uid: '1111-2222',
      resourceVersion: '42',
    },
    data: {
      token: b64('tok'),
      'ca.crt': b64('CERT'),
      user: b64('admin'),
      password: b64('s3cret'),
      namespace: b64('apps'),
      creds: b64('creds'),
      values: 'replicas: 2\nimage: nginx',
      overlay: 'patch',
      namespaces: 'ns-one: {}\nns-two: {}',
    },
    spec: {
      bucketName: 'my-bucket',
      matchingResources: [{ apiVersion: 'v1', kind: 'Service', name: 'svc', namespace: 'default' }],
      replicas: 2,
      template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } },
    },
    status: {
      bucketURL: 'https://bucket.example.com',
      serviceAccountCredentials: b64('{"k":"v"}'),
      atProvider: { url: 'https://xp.example.com' },
      resources: '- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: from-jsonnet',
    },
  };
}

const resource = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name: 'my-service',
    namespace: 'apps',
    labels: { app: 'web', 'sveltos-agent': 'present' },
    annotations: { env: 'prod', nginx: 'enabled' },
  },
  spec: {
    clusterIP: '10.96.1.10',
    clusterIPs: ['10.96.1.10'],
    ports: [
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 },
      { name: 'https', port: 443, protocol: 'TCP', targetPort: 8443 },
    ],
    selector: { app: 'web', tier: 'front' },
    type: 'LoadBalancer',
  },
  status: { loadBalancer: { ingress: [{ ip: '172.18.0.10' }] } },
  data: { user: b64('admin'), password: b64('pw') },
  ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
  endpoints: [{ addresses: ['10.244.0.5'], conditions: { ready: true } }],
  addressType: 'IPv4',
};

const cloudEvent = {
  specversion: '1.0',
  id: 'evt-1',
  source: 'my-app',
  type: 'auth.user.created',
  subject: 'mgianluc',
  datacontenttype: 'application/json',
  data: { namespace: 'apps', name: 'user-1', action: 'create' },
};

const ref = { $ref: { Kind: 'Service', Namespace: 'apps', Name: 'my-service', APIVersion: 'v1' } };

function caseFor(file: string): CaseDef {
  const base = file.replace(/\.tmpl$/, '');
  const template = readFileSync(join(corpusDir, file), 'utf8');
  const md = readFileSync(join(corpusDir, base + '.md'), 'utf8');
  const engine = /Engine \/ context: (.*)/.exec(md)?.[1] ?? '';
  const id = `corpus-${base.slice(0, 3)}`;
  if (
    engine.startsWith('event-manager') ||
    /\.(Resources?|MatchingResources?|CloudEvents?)\b/.test(template)
  ) {
    const many = /\.(Resources|MatchingResources|CloudEvents)\b/.test(template);
    if (many) {
      return {
        id,
        template,
        context: 'event-many',
        data: {
          Cluster: cluster,
          Resources: [
            resource,
            { ...resource, metadata: { ...resource.metadata, name: 'other', namespace: 'web' } },
          ],
          MatchingResources: [ref],
          CloudEvents: [cloudEvent],
        },
      };
    }
    return {
      id,
      template,
      context: 'event-one',
      data: { Cluster: cluster, Resource: resource, MatchingResource: ref, CloudEvent: cloudEvent },
    };
  }
  if (/\.(Region|Version)\b/.test(template))
    return { id, template, data: { Region: 'us-west-2', Version: 'v1.2.3' } };
  if (engine.includes('html/template')) {
    // Rendered with text/template: the escaping of html/template is not part of this engine.
    return { id, template, data: { Cluster: cluster, ClusterNamespace: 'fleet', ClusterName: 'cluster-a' } };
  }
  const ids = [
    ...template.matchAll(
      /getResource "([A-Za-z0-9]+)"|(?:copy|getField|setField|removeField) "([A-Za-z0-9]+)"/g,
    ),
  ].map((m) => m[1] ?? m[2]!);
  const mgmt = Object.fromEntries(ids.map((i) => [i, mgmtObject(i)]));
  return {
    id,
    template,
    context: 'addon',
    name: 'fleet-cluster-a-profile',
    data: {
      Cluster: cluster,
      InfrastructureProvider: { spec: { location: 'westeurope', resourceGroup: 'rg-1' } },
      MgmtResources: mgmt,
    },
  };
}

export const cases: CaseDef[] = readdirSync(corpusDir)
  .filter((f) => f.endsWith('.tmpl'))
  .sort()
  .map(caseFor);

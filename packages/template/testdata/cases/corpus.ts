// The project's template corpus: whole templates of the kinds Sveltos users write (Helm values, kustomize
// substitution values, names in templateResourceRefs, ConfigMaps/Secrets instantiated by the
// addon-controller and the event-manager), kept in testdata/corpus/*.tmpl and rendered here with the data
// of their context. The file name's prefix picks the context and its data:
//   ref-     resource names/namespaces (libsveltos renders them with {Cluster, ClusterNamespace, ClusterName})
//   vars-    kustomize substitution values (a plain map)
//   addon-   ClusterProfile fields and referenced content: addon data, getResource "<identifier>"
//   event-   EventTrigger fields and instantiated content, oneForEvent: true (.Resource, .CloudEvent)
//   events-  the same with oneForEvent: false (.Resources, .MatchingResources, .CloudEvents)
// `tweaks` gives a template other data and adds variants (`corpus-NAME--VARIANT`). Some templates fail on
// purpose (missing keys, wrong types, parse errors): Go's error text is part of the golden result.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CaseDef } from '../../src/conformance.ts';

const corpusDir = fileURLToPath(new URL('../corpus/', import.meta.url));

const b64 = (s: string): string => Buffer.from(s).toString('base64');

// ---------------------------------------------------------------------------------------------------
// Clusters

const capiCluster = {
  apiVersion: 'cluster.x-k8s.io/v1beta1',
  kind: 'Cluster',
  metadata: {
    name: 'orbit-eu-1',
    namespace: 'tenant-ops',
    labels: {
      env: 'staging',
      region: 'eu-central',
      tier: 'gold',
      'fleet.example.org/k8s-minor': 'v1.31',
      'fleet.example.org/cluster-id': '17',
      'topology.example.org/zone-count': '3',
    },
    annotations: { 'ops.example.org/stage': 'canary', 'ops.example.org/owner': 'team-orbit' },
    uid: '7d1f2c9a-0000-4000-8000-00000000c1a5',
    creationTimestamp: '2025-03-02T08:15:00Z',
  },
  spec: {
    clusterNetwork: {
      pods: { cidrBlocks: ['10.244.0.0/16', 'fd00:10:244::/56'] },
      services: { cidrBlocks: ['10.96.0.0/12'] },
      serviceDomain: 'cluster.local',
    },
    controlPlaneEndpoint: { host: 'api.orbit-eu-1.example.net', port: 6443 },
    topology: {
      class: 'edge-small',
      version: 'v1.31.4',
      workers: {
        machineDeployments: [
          { class: 'general', name: 'md-general', replicas: 3 },
          { class: 'gpu', name: 'md-gpu', replicas: 1 },
        ],
      },
    },
  },
  status: { phase: 'Provisioned', controlPlaneReady: true, infrastructureReady: true, observedGeneration: 4 },
};

/** A registered (non-CAPI) cluster with little metadata: other branches, and missing keys. */
const sveltosCluster = {
  apiVersion: 'lib.projectsveltos.io/v1beta1',
  kind: 'SveltosCluster',
  metadata: {
    name: 'lab-7',
    namespace: 'default',
    labels: { env: 'production', region: 'us-east', tier: 'silver', gpu: 'l4' },
    annotations: {},
  },
  spec: { kubeconfigName: 'lab-7-kubeconfig', kubeconfigKeyName: 'value' },
  status: { ready: true, version: 'v1.29.9', phase: 'Ready' },
};

const clusters = { capi: capiCluster, sveltos: sveltosCluster };

// ---------------------------------------------------------------------------------------------------
// Addon data: infrastructure, control plane and the management-cluster objects of templateResourceRefs

const infrastructureProvider = {
  apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2',
  kind: 'AWSCluster',
  metadata: { name: 'orbit-eu-1', namespace: 'tenant-ops' },
  spec: {
    region: 'eu-central-1',
    network: {
      vpc: { id: 'vpc-0a1b2c', cidrBlock: '10.0.0.0/16' },
      subnets: [
        { id: 'subnet-pub-a', availabilityZone: 'eu-central-1a', isPublic: true, cidrBlock: '10.0.0.0/24' },
        {
          id: 'subnet-priv-a',
          availabilityZone: 'eu-central-1a',
          isPublic: false,
          cidrBlock: '10.0.10.0/24',
          routeTableId: 'rtb-0011',
        },
        {
          id: 'subnet-priv-b',
          availabilityZone: 'eu-central-1b',
          isPublic: false,
          cidrBlock: '10.0.11.0/24',
          routeTableId: 'rtb-0012',
        },
      ],
      securityGroupOverrides: { node: 'sg-node-01', controlplane: 'sg-cp-01' },
    },
    identityRef: { kind: 'AWSClusterRoleIdentity', name: 'ops-role' },
  },
};

const kubeadmControlPlane = {
  apiVersion: 'controlplane.cluster.x-k8s.io/v1beta1',
  kind: 'KubeadmControlPlane',
  metadata: { name: 'orbit-eu-1-cp', namespace: 'tenant-ops' },
  spec: {
    replicas: 3,
    version: 'v1.31.4',
    kubeadmConfigSpec: {
      clusterConfiguration: {
        apiServer: {
          extraArgs: {
            'oidc-issuer-url': 'https://id.example.net',
            'oidc-client-id': 'kubernetes',
            'audit-log-maxage': '30',
          },
        },
      },
    },
  },
  status: { readyReplicas: 2 },
};

const serverFields = {
  uid: '0b5e-41d2',
  resourceVersion: '77120',
  managedFields: [{ manager: 'kubectl-client-side-apply', operation: 'Update' }],
};

const mgmtObjects: Record<string, Record<string, unknown>> = {
  DbAccess: {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'orders-db-access', namespace: 'data', ...serverFields },
    type: 'Opaque',
    data: {
      username: b64('orders_app'),
      password: b64('not-a-real-password'),
      database: b64('orders'),
      namespace: b64('orders'),
    },
  },
  DbEndpoint: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'orders-db-endpoint', namespace: 'data' },
    data: { host: '10.20.30.40', port: '5432', sslmode: 'require' },
  },
  AppValues: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'shop-values', namespace: 'apps' },
    data: {
      values:
        'replicaCount: 2\nimage:\n  repository: ghcr.io/example/shop\n  tag: "1.8.0"\nresources:\n  limits:\n    memory: 256Mi\n',
    },
  },
  ChartPins: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'chart-pins', namespace: 'fleet' },
    data: { ingress: '4.11.3', monitoring: '61.2.0' },
  },
  OverlayPick: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'overlay-pick', namespace: 'fleet' },
    data: { overlay: 'hardened' },
  },
  NamespaceList: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'pull-secret-targets', namespace: 'fleet' },
    data: { namespaces: 'payments: {}\nsearch:\n  quota: large\nreporting: {}\n' },
  },
  RegistryCreds: {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'registry-pull',
      namespace: 'fleet',
      labels: { purpose: 'image-pull' },
      ...serverFields,
    },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': b64('{"auths":{"registry.example.net":{"auth":"b3BzOnRva2Vu"}}}') },
  },
  MonitoringToken: {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'metrics-reader-token', namespace: 'monitoring' },
    data: {
      token: b64('mtk-5551'),
      'ca.crt': b64('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'),
    },
  },
  WebDeployment: {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'apps', labels: { app: 'web' }, ...serverFields },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          securityContext: { runAsNonRoot: true, fsGroup: 2000 },
          tolerations: [],
          containers: [
            { name: 'web', image: 'ghcr.io/example/web:1.9.3', ports: [{ containerPort: 8080 }] },
            { name: 'log-shipper', image: 'ghcr.io/example/shipper:0.4', args: ['--flush=5s'] },
          ],
        },
      },
    },
    status: { availableReplicas: 2 },
  },
  RenderedBundle: {
    apiVersion: 'render.example.org/v1',
    kind: 'Bundle',
    metadata: { name: 'edge-bundle', namespace: 'fleet' },
    status: {
      manifests:
        'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: edge-agent\n  namespace: kube-system\n',
    },
  },
  ZoneClaim: {
    apiVersion: 'dns.example.org/v1alpha1',
    kind: 'ZoneClaim',
    metadata: { name: 'zone-tenant-ops-orbit-eu-1', namespace: 'tenant-ops' },
    spec: { zone: 'orbit-eu-1.eu-central.example.net' },
    status: {
      zoneURL: 'https://dns.example.net/zones/z-1842',
      nameServers: ['ns1.example.net', 'ns2.example.net'],
      credentials: b64('{"key":"zone-writer"}'),
    },
  },
  RoleOutputs: {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'orbit-eu-1-role-outputs', namespace: 'tenant-ops' },
    data: {
      outputs: b64(
        JSON.stringify({
          'dns-role': 'arn:aws:iam::000000000000:role/orbit-dns',
          zone: 'orbit.example.net',
          details: JSON.stringify({
            metadata: {
              annotations: {
                issuer: 'oidc.example.net/id/4F2A',
                issuer_arn: 'arn:aws:iam::000000000000:oidc-provider/oidc.example.net/id/4F2A',
              },
            },
          }),
        }) + '\n',
      ),
    },
  },
  Roster: {
    apiVersion: 'mesh.example.org/v1',
    kind: 'Roster',
    metadata: { name: 'brokers', namespace: 'fleet' },
    spec: {
      members: [
        { name: 'orbit-eu-1', namespace: 'tenant-ops' },
        { name: 'orbit-us-2', namespace: 'tenant-ops' },
        { name: 'lab-7', namespace: 'default' },
      ],
    },
  },
  TenantList: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'tenants', namespace: 'fleet' },
    data: { names: 'blue, green ,red' },
  },
  CloudIdentity: {
    apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2',
    kind: 'AWSClusterRoleIdentity',
    metadata: { name: 'ops-role' },
    spec: { clientID: 'ccm-client-01', tenantID: 'acct-000000000000' },
  },
  CloudIdentitySecret: {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'ops-role-secret', namespace: 'capa-system' },
    data: { clientSecret: b64('s3cr3t/with+chars=') },
  },
  ExtSecret: {
    apiVersion: 'secrets.example.org/v1',
    kind: 'SyncedSecret',
    metadata: {
      name: 'registry-token',
      namespace: 'fleet',
      ownerReferences: [{ apiVersion: 'v1', kind: 'Secret', name: 'root', uid: 'aa-bb' }],
      ...serverFields,
    },
    spec: { store: 'vault-main', refreshInterval: '1h' },
    status: { synced: true },
  },
  FeatureFlags: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'feature-flags', namespace: 'fleet' },
    data: {
      list: '- name: fastPath\n  enabled: true\n- name: legacyAuth\n  enabled: off\n- name: "yes"\n  enabled: yes\n',
    },
  },
};

// ---------------------------------------------------------------------------------------------------
// Event data

const service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name: 'checkout',
    namespace: 'shop',
    labels: {
      app: 'checkout',
      'traffic.example.org/class': 'public',
      'export.example.org/name': 'checkout',
      'export.example.org/namespace': 'shop',
    },
    annotations: { env: 'staging', 'image.example.org/tag': '2.3.1' },
    ...serverFields,
  },
  spec: {
    type: 'LoadBalancer',
    clusterIP: '10.96.14.2',
    clusterIPs: ['10.96.14.2'],
    selector: { app: 'checkout', component: 'api' },
    ports: [
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 31080 },
      { name: 'grpc', port: 9443, protocol: 'TCP', targetPort: 'grpc', nodePort: 31443 },
    ],
  },
  status: { loadBalancer: { ingress: [{ ip: '203.0.113.25' }] } },
};

const headlessService = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name: 'ledger',
    namespace: 'billing',
    labels: { app: 'ledger', 'export.example.org/name': 'ledger', 'export.example.org/namespace': 'billing' },
    annotations: { env: 'production' },
  },
  spec: {
    type: 'ClusterIP',
    clusterIP: 'None',
    clusterIPs: ['None'],
    selector: {},
    ports: [{ name: 'db', port: 26257, protocol: 'TCP' }],
  },
  status: { loadBalancer: {} },
};

const annotatedNamespace = {
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: {
    name: 'team-lima',
    labels: { 'kubernetes.io/metadata.name': 'team-lima', team: 'lima' },
    annotations: { 'deploy.example.org/web-image': '2.4.62' },
  },
  spec: { finalizers: ['kubernetes'] },
  status: { phase: 'Active' },
};

const plainNamespace = {
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: 'team-kilo', labels: { team: 'kilo' }, annotations: { 'other.example.org/x': 'y' } },
};

const bareNamespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-juliet' } };

const dbSecret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: {
    name: 'orders-pg-app',
    namespace: 'orders',
    labels: { 'db.example.org/instance': 'orders-pg' },
  },
  type: 'kubernetes.io/basic-auth',
  data: { username: b64('orders'), password: b64('pg-pass-0001') },
};

const endpointSlice = {
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: {
    name: 'checkout-x7k2p',
    namespace: 'shop',
    labels: {
      'kubernetes.io/service-name': 'checkout',
      'export.example.org/name': 'checkout',
      'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
    },
  },
  addressType: 'IPv4',
  endpoints: [
    { addresses: ['10.244.1.7'], conditions: { ready: true, serving: true, terminating: false } },
    { addresses: ['10.244.2.9', '10.244.2.10'], conditions: {} },
  ],
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
};

const accessRequest = {
  apiVersion: 'access.example.org/v1',
  kind: 'AccessRequest',
  metadata: { name: 'audit-reader', namespace: 'security' },
  spec: {
    profileName: 'edge-eu',
    profileNamespace: 'fleet-admin',
    targetNamespace: 'audit',
    kubeconfigData: b64('apiVersion: v1\nkind: Config\n'),
  },
};

const inventoryEntry = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: 'orbit-us-2',
    namespace: 'inventory',
    labels: { 'inventory.example.org/profile': 'orbit-us-2', provider: 'gke' },
  },
  data: { kubeconfig: b64('apiVersion: v1\nkind: Config\n'), context: b64('orbit') },
};

const resources: Record<string, Record<string, unknown>> = {
  service,
  headlessService,
  annotatedNamespace,
  plainNamespace,
  bareNamespace,
  dbSecret,
  endpointSlice,
  accessRequest,
  accessRequestNoNamespace: { ...accessRequest, spec: { ...accessRequest.spec, profileNamespace: '' } },
  accessRequestIncomplete: {
    ...accessRequest,
    spec: { targetNamespace: 'audit', kubeconfigData: accessRequest.spec.kubeconfigData },
  },
  inventoryEntry,
};

const cloudEvent = {
  specversion: '1.0',
  id: 'a1b2-77',
  source: 'tenants.example.org/api',
  type: 'org.example.tenant.created',
  subject: 'tenant-blue',
  datacontenttype: 'application/json',
  data: { team: 'blue', costCenter: 'cc-4410', quota: { cpu: '8', memory: '32Gi' } },
};

const cloudEvents = {
  created: cloudEvent,
  deleted: { ...cloudEvent, id: 'a1b2-78', type: 'org.example.tenant.deleted', subject: 'tenant-red' },
};

const ref = (Kind: string, Namespace: string, Name: string, APIVersion = 'v1') => ({
  $ref: { Kind, Namespace, Name, APIVersion },
});

const refSets = {
  services: [
    ref('Service', 'shop', 'checkout'),
    ref('Service', 'shop', 'catalog'),
    ref('Service', 'billing', 'ledger'),
  ],
  namespaces: [
    ref('Namespace', '', 'payments'),
    ref('Namespace', '', 'search-prod'),
    ref('Namespace', '', 'reporting'),
  ],
};

const manyResources = [
  service,
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'catalog', namespace: 'shop', labels: { app: 'catalog' } },
    spec: { ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 8443 }] },
  },
  {
    apiVersion: 'iam.example.org/v1',
    kind: 'Role',
    metadata: { name: 'dns-writer', namespace: 'tenant-ops' },
    status: { atProvider: { arn: 'arn:aws:iam::000000000000:role/dns-writer' } },
  },
  {
    apiVersion: 'iam.example.org/v1',
    kind: 'Role',
    metadata: { name: 'log-reader', namespace: 'tenant-ops' },
    status: { atProvider: { arn: 'arn:aws:iam::000000000000:role/log-reader' } },
  },
];

// ---------------------------------------------------------------------------------------------------
// Per-template adjustments

interface Tweak {
  cluster?: keyof typeof clusters;
  resource?: string;
  cloudEvent?: keyof typeof cloudEvents;
  /** Replaces the cluster's labels. */
  labels?: Record<string, string>;
  refs?: keyof typeof refSets;
  /** Management objects to provide besides those the template names in getResource/copy/... calls. */
  mgmt?: string[];
  data?: unknown;
  numbers?: 'float64';
  missingkey?: 'zero' | 'default';
}

const tweaks: Record<string, Tweak & { variants?: Record<string, Tweak> }> = {
  'ref-env-optional': { variants: { unlabelled: { labels: {} } } },
  'ref-backtick-label': { variants: { unlabelled: { labels: {} } } },
  'ref-tier-switch': { variants: { silver: { cluster: 'sveltos' } } },
  'vars-deployment': {
    data: { Zone: '', Release: 'r42', Replicas: 0, ImageTag: '3.1.0' },
    variants: { zoned: { data: { Zone: 'zone-c', Release: 'r43', Replicas: 5, ImageTag: '3.1.1' } } },
  },
  'vars-configmap-list': {
    data: { Features: { search: true, checkout: false, 'beta-ui': true }, ImageTag: '3.1.0' },
  },
  'vars-image-line': {
    data: { ImageTag: '3.1.0', Debug: false },
    variants: { debug: { data: { ImageTag: '3.1.0', Debug: true } } },
  },
  'vars-missing-key': {
    data: { Zone: 'zone-b' },
    variants: { zero: { data: { Zone: 'zone-b' }, missingkey: 'zero' } },
  },
  'addon-path-by-version': {
    variants: {
      older: { labels: { ...capiCluster.metadata.labels, 'fleet.example.org/k8s-minor': 'v1.29' } },
      unlabelled: { cluster: 'sveltos' },
    },
  },
  'addon-chart-version': { variants: { silver: { cluster: 'sveltos' }, untiered: { labels: {} } } },
  'addon-path-by-annotation': { variants: { registered: { cluster: 'sveltos' } } },
  'addon-cluster-snapshot': { variants: { registered: { cluster: 'sveltos' } } },
  'addon-ebpf-values': { variants: { registered: { cluster: 'sveltos' } } },
  'addon-policy-engine-values': { variants: { production: { cluster: 'sveltos' } } },
  'addon-replicas-ternary': { variants: { production: { cluster: 'sveltos' } } },
  'addon-gpu-haskey': { variants: { gpu: { cluster: 'sveltos' } } },
  'addon-owner-with': { variants: { unowned: { cluster: 'sveltos' } } },
  'addon-zone-default': { variants: { registered: { cluster: 'sveltos' } } },
  'addon-status-gate': { variants: { registered: { cluster: 'sveltos' } } },
  'addon-dig-class': { variants: { registered: { cluster: 'sveltos' } } },
  'addon-mgmt-map': { mgmt: ['ChartPins', 'OverlayPick'] },
  'addon-missing-label': { variants: { zero: { missingkey: 'zero' } } },
  'event-web-from-namespace': {
    resource: 'annotatedNamespace',
    variants: { other: { resource: 'plainNamespace' }, bare: { resource: 'bareNamespace' } },
  },
  'event-image-tag-only': {
    resource: 'annotatedNamespace',
    variants: { other: { resource: 'plainNamespace' } },
  },
  'event-db-dsn': { resource: 'dbSecret' },
  'event-secret-keys': { resource: 'dbSecret' },
  'event-register-cluster': {
    resource: 'inventoryEntry',
    variants: { unlabelled: { resource: 'bareNamespace' } },
  },
  'event-kubeconfig-secret': { resource: 'inventoryEntry' },
  'event-access-secret': {
    resource: 'accessRequest',
    variants: {
      defaulted: { resource: 'accessRequestNoNamespace' },
      incomplete: { resource: 'accessRequestIncomplete' },
    },
  },
  'event-shadow-service': { variants: { headless: { resource: 'headlessService' } } },
  'event-service-import': { variants: { headless: { resource: 'headlessService' } } },
  'event-external-endpoints': { variants: { pending: { resource: 'headlessService' } } },
  'event-slice-mirror': { resource: 'endpointSlice' },
  'event-cloud-action': { variants: { deleted: { cloudEvent: 'deleted' } } },
  'event-tls-ports': { variants: { float: { numbers: 'float64' } } },
  'event-print-resource': { variants: { float: { numbers: 'float64' } } },
  'events-limit-ranges': { refs: 'namespaces' },
  'events-ref-list': { refs: 'namespaces' },
  'events-log-routing': { refs: 'namespaces' },
};

// ---------------------------------------------------------------------------------------------------

function mgmtIdentifiers(template: string): string[] {
  const ids = template.matchAll(
    /\b(?:getResource|copy|getField|setField|removeField) ["`]([A-Za-z0-9]+)["`]/g,
  );
  return [...new Set([...ids].map((m) => m[1]!))].sort();
}

function caseFor(base: string, template: string, id: string, t: Tweak): CaseDef {
  const prefix = base.slice(0, base.indexOf('-'));
  // Parts of the context a template does not name are left out (nil), keeping the golden files small.
  const mentions = (field: string): boolean => template.includes(field);
  const plain = clusters[t.cluster ?? 'capi'];
  const cluster =
    t.labels === undefined ? plain : { ...plain, metadata: { ...plain.metadata, labels: t.labels } };
  const options = {
    ...(t.numbers !== undefined ? { numbers: t.numbers } : {}),
    ...(t.missingkey !== undefined ? { missingkey: t.missingkey } : {}),
  };
  switch (prefix) {
    case 'ref':
      return {
        id,
        template,
        ...options,
        data: {
          Cluster: cluster,
          ClusterNamespace: cluster.metadata.namespace,
          ClusterName: cluster.metadata.name,
        },
      };
    case 'vars':
      return { id, template, ...options, data: t.data ?? {} };
    case 'addon': {
      const ids = [...new Set([...mgmtIdentifiers(template), ...(t.mgmt ?? [])])].filter(
        (i) => i in mgmtObjects,
      );
      return {
        id,
        template,
        ...options,
        context: 'addon',
        name: 'tenant-ops-orbit-eu-1-profile',
        data: {
          Cluster: cluster,
          ...(mentions('InfrastructureProvider') ? { InfrastructureProvider: infrastructureProvider } : {}),
          ...(mentions('KubeadmControlPlane') ? { KubeadmControlPlane: kubeadmControlPlane } : {}),
          MgmtResources: Object.fromEntries(ids.map((i) => [i, mgmtObjects[i]])),
        },
      };
    }
    case 'event':
      return {
        id,
        template,
        ...options,
        context: 'event-one',
        data: {
          Cluster: cluster,
          Resource: resources[t.resource ?? 'service'],
          ...(mentions('CloudEvent') ? { CloudEvent: cloudEvents[t.cloudEvent ?? 'created'] } : {}),
          ...(mentions('MatchingResource') ? { MatchingResource: ref('Service', 'shop', 'checkout') } : {}),
        },
      };
    case 'events':
      return {
        id,
        template,
        ...options,
        context: 'event-many',
        data: {
          Cluster: cluster,
          Resources: manyResources,
          MatchingResources: refSets[t.refs ?? 'services'],
          ...(mentions('CloudEvents') ? { CloudEvents: [cloudEvents.created, cloudEvents.deleted] } : {}),
        },
      };
  }
  throw new Error(`corpus template ${base}: unknown prefix ${prefix}`);
}

export const cases: CaseDef[] = readdirSync(corpusDir)
  .filter((f) => f.endsWith('.tmpl'))
  .sort()
  .flatMap((file) => {
    const base = file.slice(0, -'.tmpl'.length);
    const template = readFileSync(corpusDir + file, 'utf8');
    const { variants = {}, ...tweak } = tweaks[base] ?? {};
    return [
      caseFor(base, template, `corpus-${base}`, tweak),
      ...Object.entries(variants).map(([name, v]) =>
        caseFor(base, template, `corpus-${base}--${name}`, { ...tweak, ...v }),
      ),
    ];
  });

for (const name of Object.keys(tweaks))
  if (!cases.some((c) => c.id === `corpus-${name}`)) throw new Error(`tweak for unknown template ${name}`);

// A minimal Cluster API `Cluster` CRD for tests and the local demo: only the fields Sveltos reads are typed,
// everything else is kept as is (x-kubernetes-preserve-unknown-fields).

import { defineKind, type ObjectOf } from './crd.ts';
import { condition } from './meta.ts';
import { arr, bool, looseObj, opt, type Static, str } from './schema.ts';

export const CAPI_GROUP = 'cluster.x-k8s.io';
export const CAPI_VERSION = 'v1beta2';
export const CAPI_API_VERSION = `${CAPI_GROUP}/${CAPI_VERSION}` as const;

export const capiClusterSpec = looseObj({
  paused: opt(bool({ description: 'Stop reconciliation of the cluster.' })),
  topology: opt(looseObj({ version: opt(str()) })),
});
export type CapiClusterSpec = Static<typeof capiClusterSpec>;

export const capiClusterStatus = looseObj({
  initialization: opt(
    looseObj({
      controlPlaneInitialized: opt(bool({ description: 'The control plane can accept requests.' })),
      infrastructureProvisioned: opt(bool()),
    }),
  ),
  conditions: opt(arr(condition, { description: 'Conditions, e.g. ControlPlaneInitialized.' })),
  phase: opt(str()),
});
export type CapiClusterStatus = Static<typeof capiClusterStatus>;

export const CapiClusterKind = defineKind({
  group: CAPI_GROUP,
  version: CAPI_VERSION,
  kind: 'Cluster',
  plural: 'clusters',
  scope: 'Namespaced',
  description: 'Cluster API Cluster (minimal schema for tests: only the fields Sveltos reads are typed).',
  spec: capiClusterSpec,
  specRequired: false,
  status: capiClusterStatus,
  shortNames: ['cl'],
  categories: ['cluster-api'],
  alsoServed: ['v1beta1'],
  printerColumns: [
    { name: 'Paused', type: 'boolean', jsonPath: '.spec.paused', priority: 10 },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Cluster phase' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    {
      name: 'Version',
      type: 'string',
      jsonPath: '.spec.topology.version',
      description: 'Kubernetes version',
    },
  ],
});
export type CapiCluster = ObjectOf<typeof CapiClusterKind>;

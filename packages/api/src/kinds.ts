// Every kind this package defines, their CRDs, and the CRD manifests as YAML.

import { stringify } from 'yaml';
import { CapiClusterKind } from './capi.ts';
import { ClusterProfileKind, ClusterSummaryKind } from './config.ts';
import type { AnyKindDef, CustomResourceDefinition } from './crd.ts';
import {
  ClusterSetKind,
  EventBasedAddOnKind,
  EventReportKind,
  EventSourceKind,
  EventTriggerKind,
  SveltosClusterKind,
} from './lib.ts';

/** All kinds, Sveltos ones first, CAPI Cluster last. */
export const allKinds: readonly AnyKindDef[] = [
  EventSourceKind,
  EventTriggerKind,
  EventReportKind,
  SveltosClusterKind,
  ClusterSetKind,
  ClusterProfileKind,
  ClusterSummaryKind,
  EventBasedAddOnKind,
  CapiClusterKind,
];

/** The CustomResourceDefinitions of all kinds (same order as `allKinds`). */
export const crds: readonly CustomResourceDefinition[] = allKinds.map((k) => k.crd);

/** One CRD as a YAML document (keys sorted, no aliases), starting with `---`. */
export function crdYaml(crd: CustomResourceDefinition): string {
  return `---\n${stringify(crd, { sortMapEntries: true, aliasDuplicateObjects: false, lineWidth: 0 })}`;
}

/** All CRDs as one multi-document YAML stream. */
export function crdsYaml(): string {
  return crds.map(crdYaml).join('');
}

/** File name used under packages/api/crds/ for a CRD: `<group>_<plural>.yaml`, like controller-gen. */
export function crdFileName(crd: CustomResourceDefinition): string {
  return `${crd.spec.group}_${crd.spec.names.plural}.yaml`;
}

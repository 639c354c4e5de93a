// Whether a kind is namespaced, without an API server to ask (discovery): the kinds this project defines know
// it, CustomResourceDefinitions among the simulated objects say it, built-in kinds are listed here. Used
// where the API server (or the addon-controller, through discovery) would put an object without a namespace
// into `default`.

import { allKinds, splitApiVersion } from '@sveltos-ts/api';

/** Built-in cluster-scoped kinds (Kubernetes 1.3x), by `group/Kind` ('' is the core group). */
const CLUSTER_SCOPED = new Set([
  '/Namespace',
  '/Node',
  '/PersistentVolume',
  '/ComponentStatus',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'apiregistration.k8s.io/APIService',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'admissionregistration.k8s.io/MutatingAdmissionPolicy',
  'admissionregistration.k8s.io/MutatingAdmissionPolicyBinding',
  'storage.k8s.io/StorageClass',
  'storage.k8s.io/VolumeAttachment',
  'storage.k8s.io/CSIDriver',
  'storage.k8s.io/CSINode',
  'storage.k8s.io/VolumeAttributesClass',
  'scheduling.k8s.io/PriorityClass',
  'node.k8s.io/RuntimeClass',
  'networking.k8s.io/IngressClass',
  'networking.k8s.io/IPAddress',
  'networking.k8s.io/ServiceCIDR',
  'certificates.k8s.io/CertificateSigningRequest',
  'certificates.k8s.io/ClusterTrustBundle',
  'flowcontrol.apiserver.k8s.io/FlowSchema',
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'resource.k8s.io/DeviceClass',
  'resource.k8s.io/ResourceSlice',
  'authentication.k8s.io/TokenReview',
  'authentication.k8s.io/SelfSubjectReview',
  'authorization.k8s.io/SubjectAccessReview',
  'authorization.k8s.io/SelfSubjectAccessReview',
  'authorization.k8s.io/SelfSubjectRulesReview',
]);

/** API groups served by Kubernetes itself: their kinds are namespaced unless listed above. */
const isBuiltinGroup = (group: string): boolean =>
  group === '' || group.endsWith('.k8s.io') || !group.includes('.');

export interface ScopeSource {
  apiVersion?: unknown;
  kind?: unknown;
  spec?: unknown;
}

/** Scope knowledge: our kinds, built-in kinds, and CRDs seen among objects (`learn`). */
export class Scopes {
  readonly #crds = new Map<string, boolean>();

  /** Records the scope of the kind a CustomResourceDefinition defines. */
  learn(object: ScopeSource): void {
    if (object.kind !== 'CustomResourceDefinition') return;
    const spec = object.spec as { group?: unknown; names?: { kind?: unknown }; scope?: unknown } | undefined;
    if (typeof spec?.group !== 'string' || typeof spec.names?.kind !== 'string') return;
    this.#crds.set(`${spec.group}/${spec.names.kind}`, spec.scope !== 'Cluster');
  }

  /** true/false when known, undefined when nothing says (a custom kind without its CRD). */
  namespaced(apiVersion: string, kind: string): boolean | undefined {
    const { group } = splitApiVersion(apiVersion);
    const ours = allKinds.find((k) => k.group === group && k.kind === kind);
    if (ours) return ours.namespaced;
    const crd = this.#crds.get(`${group}/${kind}`);
    if (crd !== undefined) return crd;
    if (CLUSTER_SCOPED.has(`${group}/${kind}`)) return false;
    return isBuiltinGroup(group) ? true : undefined;
  }
}

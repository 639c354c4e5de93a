// Schemas shared by several Sveltos kinds: label filters, resource selectors, and the add-on description
// (policyRefs, helmCharts, ...) that EventTrigger copies into the ClusterProfiles it generates.

import { labelSelector, objectReference, secretReference } from './meta.ts';
import {
  arr,
  bool,
  bytes,
  dateTime,
  doc,
  freeform,
  int,
  intOrString,
  obj,
  opt,
  type Static,
  str,
  strEnum,
  strMap,
} from './schema.ts';

// ---- enums -------------------------------------------------------------------------------------------

export const LABEL_FILTER_OPERATIONS = ['Equal', 'Different', 'Has', 'DoesNotHave'] as const;
export type LabelFilterOperation = (typeof LABEL_FILTER_OPERATIONS)[number];

export const SYNC_MODES = ['OneTime', 'Continuous', 'ContinuousWithDriftDetection', 'DryRun'] as const;
export type SyncMode = (typeof SYNC_MODES)[number];

export const STOP_MATCHING_BEHAVIORS = ['WithdrawPolicies', 'LeavePolicies'] as const;
export type StopMatchingBehavior = (typeof STOP_MATCHING_BEHAVIORS)[number];

export const DEPLOYMENT_TYPES = ['Local', 'Remote'] as const;
export type DeploymentType = (typeof DEPLOYMENT_TYPES)[number];

export const FEATURE_IDS = ['Resources', 'Helm', 'Kustomize'] as const;
export type FeatureID = (typeof FEATURE_IDS)[number];

/** Status of a feature/EventTrigger in one cluster. */
export const FEATURE_STATUSES = [
  'Provisioning',
  'Provisioned',
  'Failed',
  'FailedNonRetriable',
  'Removing',
  'Removed',
] as const;
export type FeatureStatus = (typeof FEATURE_STATUSES)[number];

export const POLICY_REF_KINDS = ['GitRepository', 'OCIRepository', 'Bucket', 'ConfigMap', 'Secret'] as const;
export type PolicyRefKind = (typeof POLICY_REF_KINDS)[number];

export const HELM_CHART_ACTIONS = ['Install', 'Uninstall'] as const;
export type HelmChartAction = (typeof HELM_CHART_ACTIONS)[number];

/** `maxUpdate`: an absolute number or a percentage. */
export const MAX_UPDATE_PATTERN = '^((100|[0-9]{1,2})%|[0-9]+)$';

export const DEFAULT_TIER = 100;

// ---- selection -----------------------------------------------------------------------------------------

export const labelFilter = obj({
  key: str({ description: 'Label key.' }),
  operation: strEnum(LABEL_FILTER_OPERATIONS, {
    description: 'Equal and Different compare with value; Has and DoesNotHave test for the key.',
  }),
  value: opt(str({ description: 'Label value (Equal, Different).' })),
});
export type LabelFilter = Static<typeof labelFilter>;

export const celRule = obj({
  name: str({ description: 'A name for the rule, used in messages.' }),
  rule: str({ description: 'CEL expression over `resource`; must return a bool.' }),
});
export type CELRule = Static<typeof celRule>;

const resourceSelectorShape = {
  group: str({ description: 'API group of the resources ("" for the core group).' }),
  version: str({ description: 'API version of the resources.' }),
  kind: str({ minLength: 1, description: 'Kind of the resources.' }),
  labelFilters: opt(arr(labelFilter, { description: 'Label conditions, ANDed.' })),
  selector: opt(doc(labelSelector, 'A standard label selector, ANDed with labelFilters.')),
  namespace: opt(str({ description: 'Namespace to look in; empty means all namespaces.' })),
  name: opt(str({ description: 'Only the resource with this name.' })),
  evaluate: opt(str({ description: 'Lua source defining `evaluate()`; returns {matching, message}.' })),
  evaluateCEL: opt(arr(celRule, { description: 'CEL rules; a resource matches if any rule is true.' })),
};

/** What resources of one group/version/kind are selected. */
export const resourceSelector = obj(resourceSelectorShape);
export type ResourceSelector = Static<typeof resourceSelector>;

// ---- add-on description (ClusterProfile spec and the EventTrigger fields copied into it) ---------------

export const patchSelector = obj({
  group: opt(str()),
  version: opt(str()),
  kind: opt(str()),
  namespace: opt(str()),
  name: opt(str()),
  annotationSelector: opt(str({ description: 'Label-selector syntax applied to annotations.' })),
  labelSelector: opt(str({ description: 'Label-selector syntax applied to labels.' })),
});
export type PatchSelector = Static<typeof patchSelector>;

export const patch = obj({
  patch: str({ description: 'Inline strategic-merge or JSON6902 patch (may be a template).' }),
  target: opt(doc(patchSelector, 'Resources the patch applies to.')),
});
export type Patch = Static<typeof patch>;

export const driftExclusion = obj({
  paths: arr(str(), { description: 'JSON6902 paths ignored by drift detection.' }),
  target: opt(doc(patchSelector, 'Resources the paths refer to.')),
});
export type DriftExclusion = Static<typeof driftExclusion>;

/** A ConfigMap/Secret reference (helm/kustomize valuesFrom, patchesFrom). */
export const valueFrom = obj({
  namespace: opt(str({ description: 'Namespace; empty means the cluster namespace. May be a template.' })),
  name: str({ minLength: 1, description: 'Name; may be a template.' }),
  kind: strEnum(['ConfigMap', 'Secret']),
  optional: opt(bool({ default: false, description: 'Skip silently when missing.' })),
});
export type ValueFrom = Static<typeof valueFrom>;

export const templateResourceRef = obj({
  resource: doc(objectReference, 'Object in the management cluster; name and namespace may be templates.'),
  identifier: str({ description: 'Name the templates use to refer to this resource.' }),
  optional: opt(bool({ default: false })),
  ignoreStatusChanges: opt(bool({ default: false })),
  watchFields: opt(arr(str())),
});
export type TemplateResourceRef = Static<typeof templateResourceRef>;

const remoteSourceShape = {
  url: str({ pattern: '^(https?|oci)://', description: 'http(s):// or oci:// source of the content.' }),
  secretRef: opt(doc(secretReference, 'Credentials for the source.')),
  interval: opt(str({ description: 'Re-fetch interval (a duration).' })),
  insecureSkipTLSVerify: opt(bool({ default: false })),
  plainHTTP: opt(bool({ default: false })),
};

const remoteUrlOrKind = {
  rule: 'has(self.remoteURL) != has(self.kind)',
  message: 'either remoteURL or kind must be set, but not both',
};

export const policyRef = obj(
  {
    namespace: opt(str({ description: 'Namespace; empty means the cluster namespace. May be a template.' })),
    name: opt(str({ description: 'Name; may be a template.' })),
    kind: opt(strEnum(POLICY_REF_KINDS)),
    path: opt(str({ description: 'Directory inside a Flux source; may be a template.' })),
    deploymentType: opt(strEnum(DEPLOYMENT_TYPES, { default: 'Remote' })),
    optional: opt(bool({ default: false, description: 'Skip silently when missing.' })),
    tier: opt(int({ format: 'int32', minimum: 1, default: DEFAULT_TIER })),
    skipNamespaceCreation: opt(bool({ default: false })),
    force: opt(bool({ default: false, description: 'Delete and recreate on immutable-field errors.' })),
    remoteURL: opt(obj({ ...remoteSourceShape, template: opt(bool()) })),
  },
  { rules: [remoteUrlOrKind] },
);
export type PolicyRef = Static<typeof policyRef>;

function chartFieldRule(field: string, label: string) {
  return {
    rule:
      "!(self.repositoryURL.startsWith('http') || self.repositoryURL.startsWith('oci')) || " +
      `(has(self.${field}) && size(self.${field}) >= 1)`,
    message: `${label} must be defined`,
  };
}

/** A Helm chart. `options`, registry credentials and verification settings are passed through untyped. */
export const helmChart = obj(
  {
    repositoryURL: str({ minLength: 1, description: 'HTTP/OCI repository or <fluxkind>://ns/name/path.' }),
    repositoryName: opt(str()),
    chartName: opt(str()),
    chartVersion: opt(str()),
    releaseName: str({ minLength: 1 }),
    releaseNamespace: str({ minLength: 1 }),
    values: opt(str({ description: 'Values YAML; may be a template.' })),
    valuesFrom: opt(arr(valueFrom)),
    helmChartAction: opt(strEnum(HELM_CHART_ACTIONS, { default: 'Install' })),
    options: opt(freeform({ description: 'Helm install/upgrade/uninstall flags (passed through).' })),
    registryCredentialsConfig: opt(freeform({ description: 'Registry credentials (passed through).' })),
    signatureVerification: opt(freeform({ description: 'Cosign verification (passed through).' })),
    provenanceVerification: opt(freeform({ description: 'Helm provenance verification (passed through).' })),
  },
  {
    rules: [
      chartFieldRule('chartName', 'ChartName'),
      chartFieldRule('chartVersion', 'ChartVersion'),
      chartFieldRule('repositoryName', 'RepositoryName'),
    ],
  },
);
export type HelmChart = Static<typeof helmChart>;

export const kustomizationRef = obj(
  {
    namespace: opt(str({ description: 'Namespace; empty means the cluster namespace. May be a template.' })),
    name: opt(str({ description: 'Name; may be a template.' })),
    kind: opt(strEnum(POLICY_REF_KINDS)),
    path: opt(str()),
    targetNamespace: opt(str({ minLength: 1, maxLength: 63 })),
    deploymentType: opt(strEnum(DEPLOYMENT_TYPES, { default: 'Remote' })),
    values: opt(strMap()),
    valuesFrom: opt(arr(valueFrom)),
    components: opt(arr(str())),
    optional: opt(bool({ default: false })),
    tier: opt(int({ format: 'int32', minimum: 1, default: DEFAULT_TIER })),
    skipNamespaceCreation: opt(bool({ default: false })),
    force: opt(bool({ default: false })),
    remoteURL: opt(obj(remoteSourceShape)),
  },
  { rules: [remoteUrlOrKind] },
);
export type KustomizationRef = Static<typeof kustomizationRef>;

/** A health check (validateHealths, preDeployChecks, preDeleteChecks, postDeleteChecks). */
export const validateHealth = obj(
  {
    name: str({ description: 'Name of the check.' }),
    featureID: strEnum(FEATURE_IDS, { description: 'After which feature the check runs.' }),
    group: opt(str()),
    version: opt(str()),
    kind: opt(str()),
    namespace: opt(str()),
    labelFilters: opt(arr(labelFilter)),
    script: opt(str({ description: 'Lua source; must return {health, message}.' })),
    evaluateCEL: opt(arr(celRule)),
    jobCheck: opt(
      obj({
        jobRef: obj({
          kind: strEnum(['Secret', 'ConfigMap']),
          namespace: str(),
          name: str({ minLength: 1 }),
        }),
        timeout: opt(str()),
      }),
    ),
    metricQueries: opt(arr(obj({ name: str({ minLength: 1 }), query: str({ minLength: 1 }) }))),
    metricSource: opt(
      obj({
        url: str({ minLength: 1 }),
        path: opt(str()),
        secretRef: opt(secretReference),
      }),
    ),
  },
  {
    rules: [
      {
        rule: '!has(self.jobCheck) || (!has(self.script) && !has(self.evaluateCEL))',
        message: 'jobCheck cannot be set together with script or evaluateCEL',
      },
    ],
  },
);
export type ValidateHealth = Static<typeof validateHealth>;

/** The add-on description shared by ClusterProfile and EventTrigger (EventTrigger copies these fields). */
export function profileShape(opts: { templateResourceRefsAsMap: boolean }) {
  return {
    syncMode: opt(
      strEnum(SYNC_MODES, { default: 'Continuous', description: 'How add-ons are kept in sync.' }),
    ),
    tier: opt(
      int({
        format: 'int32',
        minimum: 1,
        default: DEFAULT_TIER,
        description: 'Conflict priority between profiles: the lowest tier wins.',
      }),
    ),
    continueOnConflict: opt(bool({ default: false, description: 'Keep deploying after a conflict.' })),
    maxUpdate: opt(
      intOrString({ pattern: MAX_UPDATE_PATTERN, description: 'Clusters updated at once: a number or a %.' }),
    ),
    stopMatchingBehavior: opt(
      strEnum(STOP_MATCHING_BEHAVIORS, {
        default: 'WithdrawPolicies',
        description: 'What happens to deployed add-ons when a cluster stops matching.',
      }),
    ),
    reloader: opt(
      bool({ default: false, description: 'Roll workloads when mounted ConfigMaps/Secrets change.' }),
    ),
    templateResourceRefs: opt(
      arr(
        templateResourceRef,
        opts.templateResourceRefsAsMap
          ? {
              listType: 'map',
              listMapKeys: ['identifier'],
              description: 'Management-cluster objects for templates.',
            }
          : { description: 'Management-cluster objects for templates.' },
      ),
    ),
    dependsOn: opt(arr(str(), { description: 'ClusterProfiles that must be deployed first.' })),
    policyRefs: opt(
      arr(policyRef, { listType: 'atomic', description: 'ConfigMaps/Secrets/Flux sources to deploy.' }),
    ),
    helmCharts: opt(arr(helmChart, { listType: 'atomic', description: 'Helm charts to deploy.' })),
    kustomizationRefs: opt(
      arr(kustomizationRef, { listType: 'atomic', description: 'Kustomizations to deploy.' }),
    ),
    validateHealths: opt(
      arr(validateHealth, { listType: 'atomic', description: 'Checks run after deployment.' }),
    ),
    preDeployChecks: opt(
      arr(validateHealth, { listType: 'atomic', description: 'Checks run before deployment.' }),
    ),
    preDeleteChecks: opt(
      arr(validateHealth, { listType: 'atomic', description: 'Checks run before removal.' }),
    ),
    postDeleteChecks: opt(
      arr(validateHealth, { listType: 'atomic', description: 'Checks run after removal.' }),
    ),
    patches: opt(
      arr(patch, { listType: 'atomic', description: 'Patches applied to every deployed resource.' }),
    ),
    patchesFrom: opt(
      arr(valueFrom, { listType: 'atomic', description: 'ConfigMaps/Secrets holding patches.' }),
    ),
    driftExclusions: opt(
      arr(driftExclusion, { listType: 'atomic', description: 'Paths ignored by drift detection.' }),
    ),
    extraLabels: opt(strMap({ description: 'Labels added to every deployed resource.' })),
    extraAnnotations: opt(strMap({ description: 'Annotations added to every deployed resource.' })),
  };
}

// ---- status parts --------------------------------------------------------------------------------------

/** Per-cluster deployment state of an EventTrigger (libsveltos ClusterInfo). */
export const clusterInfo = obj({
  cluster: doc(objectReference, 'The cluster.'),
  hash: opt(bytes({ description: 'Hash of the configuration last deployed to the cluster.' })),
  status: opt(strEnum(FEATURE_STATUSES)),
  failureMessage: opt(str()),
});
export type ClusterInfo = Static<typeof clusterInfo>;

/** A resource deployed in a cluster (libsveltos Resource). */
export const deployedResource = obj({
  group: str({ description: 'API group ("" for the core group).' }),
  version: str({ minLength: 1 }),
  kind: str({ minLength: 1 }),
  namespace: opt(str({ description: 'Empty for cluster-scoped resources.' })),
  name: str({ minLength: 1 }),
  ignoreForConfigurationDrift: opt(bool({ default: false })),
  lastAppliedTime: opt(dateTime()),
  deploymentType: opt(
    strEnum(DEPLOYMENT_TYPES, {
      description: 'Local: in the management cluster; Remote (or absent): in the managed cluster.',
    }),
  ),
  preExisting: opt(
    bool({
      description:
        'The object existed before Sveltos applied to it: on withdrawal it is restored, never deleted.',
    }),
  ),
});
export type DeployedResource = Static<typeof deployedResource>;

// config.projectsveltos.io/v1beta1: ClusterProfile (what to deploy where) and ClusterSummary (one profile in
// one cluster, with what was deployed).

import { deployedResource, FEATURE_IDS, FEATURE_STATUSES, profileShape } from './common.ts';
import { defineKind, type ObjectOf } from './crd.ts';
import { condition, labelSelector, objectReference } from './meta.ts';
import { arr, bool, bytes, dateTime, doc, int, obj, opt, type Static, str, strEnum } from './schema.ts';

export const CONFIG_GROUP = 'config.projectsveltos.io';
export const CONFIG_VERSION = 'v1beta1';
export const CONFIG_API_VERSION = `${CONFIG_GROUP}/${CONFIG_VERSION}` as const;
/** The legacy version, served beside v1beta1 through the conversion webhook (docs/api-versions.md). */
export const CONFIG_LEGACY_VERSION = 'v1alpha1';
export const CONFIG_LEGACY_API_VERSION = `${CONFIG_GROUP}/${CONFIG_LEGACY_VERSION}` as const;

// ---- ClusterProfile ------------------------------------------------------------------------------------

export const clusterProfileSpec = obj({
  clusterSelector: opt(doc(labelSelector, 'Clusters whose labels match (an empty selector matches none).')),
  clusterRefs: opt(arr(objectReference, { description: 'Clusters named explicitly.' })),
  setRefs: opt(arr(str(), { description: 'Names of ClusterSets whose selected clusters are included.' })),
  continueOnError: opt(bool({ default: false, description: 'Keep deploying after an error.' })),
  maxConsecutiveFailures: opt(int({ minimum: 1, description: 'Stop retrying after this many failures.' })),
  ...profileShape({ templateResourceRefsAsMap: true }),
});
export type ClusterProfileSpec = Static<typeof clusterProfileSpec>;

/** The ClusterProfile spec fields v1beta1 added (kept in an annotation when an object is read at v1alpha1). */
export const CLUSTER_PROFILE_V1BETA1_ONLY = [
  'continueOnError',
  'maxConsecutiveFailures',
  'preDeployChecks',
  'preDeleteChecks',
  'postDeleteChecks',
  'patches',
  'patchesFrom',
  'driftExclusions',
] as const;

const {
  preDeployChecks: _preDeployChecks,
  preDeleteChecks: _preDeleteChecks,
  postDeleteChecks: _postDeleteChecks,
  patches: _patches,
  patchesFrom: _patchesFrom,
  driftExclusions: _driftExclusions,
  ...profileShapeV1alpha1
} = profileShape({ templateResourceRefsAsMap: true });

/** v1alpha1: the cluster selector as a string, and the fields of the add-on description it had. */
export const clusterProfileSpecV1alpha1 = obj({
  clusterSelector: opt(
    str({
      description:
        'Clusters whose labels match (an empty selector matches none). A label selector in its string form, e.g. env=fv or env in (a,b).',
    }),
  ),
  clusterRefs: opt(arr(objectReference, { description: 'Clusters named explicitly.' })),
  setRefs: opt(arr(str(), { description: 'Names of ClusterSets whose selected clusters are included.' })),
  ...profileShapeV1alpha1,
});
export type ClusterProfileSpecV1alpha1 = Static<typeof clusterProfileSpecV1alpha1>;

export const clustersProgress = obj({
  hash: opt(bytes({ description: 'Hash of the profile spec this progress refers to.' })),
  clusters: opt(arr(objectReference)),
});

const clusterProfileStatusCommon = {
  matchingClusters: opt(arr(objectReference, { description: 'Clusters currently matching.' })),
  updatingClusters: opt(doc(clustersProgress, 'Matching clusters being updated.')),
  updatedClusters: opt(doc(clustersProgress, 'Matching clusters already updated.')),
};

/** v1alpha1: no conditions. */
export const clusterProfileStatusV1alpha1 = obj(clusterProfileStatusCommon);

export const clusterProfileStatus = obj({
  ...clusterProfileStatusCommon,
  conditions: opt(
    arr(condition, {
      listType: 'map',
      listMapKeys: ['type'],
      description: 'Conditions of the profile, e.g. FeaturesSupported (fields this controller refuses).',
    }),
  ),
});
export type ClusterProfileStatus = Static<typeof clusterProfileStatus>;

export const ClusterProfileKind = defineKind({
  group: CONFIG_GROUP,
  version: CONFIG_VERSION,
  kind: 'ClusterProfile',
  plural: 'clusterprofiles',
  scope: 'Cluster',
  description:
    'ClusterProfile deploys add-ons (resources, Helm charts, kustomizations) into matching clusters.',
  spec: clusterProfileSpec,
  specRequired: false,
  status: clusterProfileStatus,
  legacy: {
    version: CONFIG_LEGACY_VERSION,
    spec: clusterProfileSpecV1alpha1,
    status: clusterProfileStatusV1alpha1,
    specRequired: false,
  },
});
export type ClusterProfile = ObjectOf<typeof ClusterProfileKind>;

// ---- ClusterSummary ------------------------------------------------------------------------------------

export const featureSummary = obj({
  featureID: strEnum(FEATURE_IDS),
  hash: opt(bytes({ description: 'Hash of the feature configuration last deployed.' })),
  consecutiveFailures: opt(int({ minimum: 0 })),
  status: opt(strEnum(FEATURE_STATUSES)),
  failureReason: opt(str()),
  failureMessage: opt(str({ description: 'Why the last deployment of this feature failed.' })),
  deployedGroupVersionKind: opt(arr(str(), { description: 'Deployed kinds as kind.version.group.' })),
  lastAppliedTime: opt(dateTime()),
});
export type FeatureSummary = Static<typeof featureSummary>;

export const HELM_CHART_STATUSES = ['Managing', 'Conflict'] as const;

export const helmChartSummary = obj({
  releaseName: str({ minLength: 1 }),
  releaseNamespace: str({ minLength: 1 }),
  status: strEnum(HELM_CHART_STATUSES),
  valuesHash: opt(bytes({ description: 'Hash of the values the release was last deployed with.' })),
  conflictMessage: opt(str({ description: 'Why another profile manages this release.' })),
  failureMessage: opt(
    str({ description: 'Why the last install, upgrade or uninstall of the release failed.' }),
  ),
});
export type HelmChartSummary = Static<typeof helmChartSummary>;

/** A Helm release deployed by a feature (this project's record, see featureDeployment). */
export const deployedHelmRelease = obj({
  releaseName: str({ minLength: 1 }),
  releaseNamespace: str({ minLength: 1 }),
  chartName: opt(str()),
  chartVersion: opt(str()),
  repositoryURL: opt(str()),
  lastAppliedTime: opt(dateTime()),
});
export type DeployedHelmRelease = Static<typeof deployedHelmRelease>;

/** What one feature deployed in the cluster (this project's addition: upstream keeps it in other kinds). */
export const featureDeployment = obj({
  featureID: strEnum(FEATURE_IDS),
  resources: opt(arr(deployedResource, { listType: 'atomic', description: 'Resources applied.' })),
  helmReleases: opt(arr(deployedHelmRelease, { listType: 'atomic', description: 'Helm releases managed.' })),
  driftsReverted: opt(
    int({ minimum: 0, description: 'Changes or deletions of deployed objects detected and reverted.' }),
  ),
  lastDrift: opt(str({ description: 'The objects of the last drift reverted.' })),
  lastDriftTime: opt(dateTime({ description: 'When the last drift was reverted.' })),
});
export type FeatureDeployment = Static<typeof featureDeployment>;

const summarisedCluster = {
  clusterNamespace: str({ description: 'Namespace of the cluster.' }),
  clusterName: str({ description: 'Name of the cluster.' }),
  clusterType: str({ description: 'Capi or Sveltos.' }),
};

export const clusterSummarySpec = obj({
  ...summarisedCluster,
  clusterProfileSpec: opt(doc(clusterProfileSpec, 'The ClusterProfile spec being applied to the cluster.')),
});
export type ClusterSummarySpec = Static<typeof clusterSummarySpec>;

/** v1alpha1: the profile spec in its v1alpha1 form. */
export const clusterSummarySpecV1alpha1 = obj({
  ...summarisedCluster,
  clusterProfileSpec: opt(
    doc(clusterProfileSpecV1alpha1, 'The ClusterProfile spec being applied to the cluster.'),
  ),
});

const clusterSummaryStatusCommon = {
  dependencies: opt(str({ description: 'State of the profiles this one depends on.' })),
  featureSummaries: opt(
    arr(featureSummary, { listType: 'map', listMapKeys: ['featureID'], description: 'State per feature.' }),
  ),
  deployedGVKs: opt(
    arr(obj({ featureID: strEnum(FEATURE_IDS), deployedGroupVersionKind: opt(arr(str())) }), {
      listType: 'map',
      listMapKeys: ['featureID'],
    }),
  ),
  helmReleaseSummaries: opt(arr(helmChartSummary, { listType: 'atomic' })),
  nextReconcileTime: opt(dateTime()),
};

/** v1alpha1: no deployedFeatures (this project's record of what each feature deployed). */
export const clusterSummaryStatusV1alpha1 = obj(clusterSummaryStatusCommon);

export const clusterSummaryStatus = obj({
  ...clusterSummaryStatusCommon,
  deployedFeatures: opt(
    arr(featureDeployment, {
      listType: 'map',
      listMapKeys: ['featureID'],
      description: 'What each feature deployed (resources and Helm releases).',
    }),
  ),
});
export type ClusterSummaryStatus = Static<typeof clusterSummaryStatus>;

export const ClusterSummaryKind = defineKind({
  group: CONFIG_GROUP,
  version: CONFIG_VERSION,
  kind: 'ClusterSummary',
  plural: 'clustersummaries',
  scope: 'Namespaced',
  description: 'ClusterSummary is one ClusterProfile applied to one cluster, with what was deployed.',
  spec: clusterSummarySpec,
  specRequired: true,
  status: clusterSummaryStatus,
  legacy: {
    version: CONFIG_LEGACY_VERSION,
    spec: clusterSummarySpecV1alpha1,
    status: clusterSummaryStatusV1alpha1,
    specRequired: true,
  },
  printerColumns: [
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    {
      name: 'HelmCharts',
      type: 'string',
      jsonPath: '.status.featureSummaries[?(@.featureID=="Helm")].status',
      description: 'State of the Helm charts',
      priority: 2,
    },
    {
      name: 'KustomizeRefs',
      type: 'string',
      jsonPath: '.status.featureSummaries[?(@.featureID=="Kustomize")].status',
      description: 'State of the kustomizations',
      priority: 2,
    },
    {
      name: 'PolicyRefs',
      type: 'string',
      jsonPath: '.status.featureSummaries[?(@.featureID=="Resources")].status',
      description: 'State of the referenced resources',
      priority: 2,
    },
  ],
});
export type ClusterSummary = ObjectOf<typeof ClusterSummaryKind>;

// Every field of the ClusterProfile and EventTrigger schemas is either handled (by a named module) or refused
// out loud (refusals.ts: condition FeaturesSupported=False + Warning Event). The walk goes through the
// schemas the CRDs are generated from, so a field added to the API without a decision fails here. A refusal
// covers the field's whole subtree; every refused field has a sample spec proving it is reported.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ClusterProfileSpec,
  clusterProfileSpec,
  eventTriggerSpec,
  type JSONSchemaProps,
  profileShape,
} from '@sveltos-ts/api';
import { refusals } from './refusals.ts';

type Decision = { handled: string } | { refused: string; sample: ClusterProfileSpec };
const handled = (by: string): Decision => ({ handled: by });
const refused = (field: string, sample: ClusterProfileSpec): Decision => ({ refused: field, sample });

const check = { name: 'c', featureID: 'Resources' as const, kind: 'Pod', version: 'v1' };
const REFERENCE =
  'a reference is apiVersion/kind/namespace/name (match.ts); uid, resourceVersion, fieldPath are not part of it, as upstream';
const helmChart = {
  repositoryURL: 'https://charts.example.com',
  repositoryName: 'x',
  chartName: 'x/y',
  chartVersion: '1',
  releaseName: 'r',
  releaseNamespace: 'n',
};

/** The ClusterProfile spec: path → decision (`[]` is an array element). */
const CLUSTER_PROFILE: Record<string, Decision> = {
  'spec.clusterSelector': handled(
    'match.ts (profileSelects): label selector over SveltosClusters and CAPI Clusters',
  ),
  'spec.clusterSelector.matchLabels': handled('match.ts'),
  'spec.clusterSelector.matchExpressions': handled('match.ts'),
  'spec.clusterSelector.matchExpressions[].key': handled('match.ts'),
  'spec.clusterSelector.matchExpressions[].operator': handled('match.ts'),
  'spec.clusterSelector.matchExpressions[].values': handled('match.ts'),
  'spec.clusterRefs': handled('match.ts: clusters named explicitly'),
  'spec.clusterRefs[].apiVersion': handled(REFERENCE),
  'spec.clusterRefs[].kind': handled(REFERENCE),
  'spec.clusterRefs[].namespace': handled(REFERENCE),
  'spec.clusterRefs[].name': handled(REFERENCE),
  'spec.clusterRefs[].uid': handled(REFERENCE),
  'spec.clusterRefs[].resourceVersion': handled(REFERENCE),
  'spec.clusterRefs[].fieldPath': handled(REFERENCE),
  'spec.setRefs': handled(
    'context.ts selects(): the ClusterSets’ selected clusters (runtime cluster registry)',
  ),
  'spec.continueOnError': handled(
    'plan.ts / features/kustomize.ts / features/objects.ts / features/helm.ts: stop at the first failure unless true',
  ),
  'spec.maxConsecutiveFailures': handled(
    'units/pair-status.ts: retries stop after N consecutive failures, said in the status',
  ),
  'spec.syncMode': handled(
    'units/pair.ts: OneTime, Continuous, DryRun; ContinuousWithDriftDetection: units/drift-watch.ts + features/apply.ts, features/helm/drift.ts',
  ),
  'spec.tier': handled('diff.ts and features/helm/actions.ts: the lower tier wins'),
  'spec.continueOnConflict': handled('features/apply.ts, features/helm.ts'),
  'spec.maxUpdate': handled(
    'units/rollout.ts, units/pair-gates.ts: at most N or N% of the matching clusters updating',
  ),
  'spec.stopMatchingBehavior': handled('units/pair.ts: WithdrawPolicies / LeavePolicies'),
  'spec.reloader': refused('spec.reloader', { reloader: true }),
  'spec.templateResourceRefs': handled('plan.ts templateResources(): getResource in templates'),
  'spec.templateResourceRefs[].resource': handled('plan.ts'),
  'spec.templateResourceRefs[].resource.apiVersion': handled('plan.ts'),
  'spec.templateResourceRefs[].resource.kind': handled('plan.ts'),
  'spec.templateResourceRefs[].resource.namespace': handled(
    'plan.ts: a template; empty is the cluster namespace',
  ),
  'spec.templateResourceRefs[].resource.name': handled('plan.ts: a template'),
  'spec.templateResourceRefs[].resource.uid': handled(REFERENCE),
  'spec.templateResourceRefs[].resource.resourceVersion': handled(REFERENCE),
  'spec.templateResourceRefs[].resource.fieldPath': handled(REFERENCE),
  'spec.templateResourceRefs[].identifier': handled('plan.ts'),
  'spec.templateResourceRefs[].optional': handled('plan.ts'),
  'spec.templateResourceRefs[].ignoreStatusChanges': handled(
    'context.ts: ConfigMaps/Secrets (no status) re-render on change; other kinds are read at each reconcile, not watched',
  ),
  'spec.templateResourceRefs[].watchFields': handled(
    'context.ts: any change of a referenced ConfigMap/Secret re-renders (a superset of the fields); an unchanged rendering applies nothing',
  ),
  'spec.dependsOn': handled(
    'units/dependencies.ts, units/pair-gates.ts: deploy after the dependencies are provisioned; cycles refused',
  ),
  'spec.policyRefs': handled('features/resources.ts'),
  'spec.policyRefs[].namespace': handled('plan.ts'),
  'spec.policyRefs[].name': handled('plan.ts'),
  'spec.policyRefs[].kind': handled('plan.ts: ConfigMap and Secret (Flux kinds refused, refusals.ts)'),
  'spec.policyRefs[].path': handled('only meaningful for Flux sources, which are refused (refusals.ts)'),
  'spec.policyRefs[].deploymentType': handled(
    'plan.ts + features/objects.ts: Local deploys into the management cluster',
  ),
  'spec.policyRefs[].optional': handled('plan.ts'),
  'spec.policyRefs[].tier': handled('plan.ts'),
  'spec.policyRefs[].skipNamespaceCreation': handled('features/objects.ts'),
  'spec.policyRefs[].force': handled(
    'features/objects.ts: an update refused as immutable becomes delete + create',
  ),
  'spec.policyRefs[].remoteURL': refused('spec.policyRefs[0].remoteURL', {
    policyRefs: [{ remoteURL: { url: 'https://x' } }],
  }),
  'spec.helmCharts': handled('features/helm.ts'),
  'spec.helmCharts[].repositoryURL': handled(
    'features/helm/plan.ts: http(s):// and oci:// (Flux sources refused, refusals.ts)',
  ),
  'spec.helmCharts[].repositoryName': handled('features/helm/plan.ts'),
  'spec.helmCharts[].chartName': handled('features/helm/plan.ts'),
  'spec.helmCharts[].chartVersion': handled('features/helm/plan.ts'),
  'spec.helmCharts[].releaseName': handled('features/helm/plan.ts'),
  'spec.helmCharts[].releaseNamespace': handled('features/helm/plan.ts'),
  'spec.helmCharts[].values': handled('features/helm/plan.ts'),
  'spec.helmCharts[].valuesFrom': handled('features/helm/plan.ts'),
  'spec.helmCharts[].valuesFrom[].namespace': handled('features/helm/plan.ts'),
  'spec.helmCharts[].valuesFrom[].name': handled('features/helm/plan.ts'),
  'spec.helmCharts[].valuesFrom[].kind': handled('features/helm/plan.ts'),
  'spec.helmCharts[].valuesFrom[].optional': handled('features/helm/plan.ts'),
  'spec.helmCharts[].helmChartAction': handled('features/helm/actions.ts'),
  'spec.helmCharts[].options': handled('features/helm/options.ts: checked field by field'),
  'spec.helmCharts[].registryCredentialsConfig': handled('features/helm/plan.ts: checked field by field'),
  'spec.helmCharts[].signatureVerification': refused('spec.helmCharts[0].signatureVerification', {
    helmCharts: [{ ...helmChart, signatureVerification: { provider: 'cosign' } }],
  }),
  'spec.helmCharts[].provenanceVerification': refused('spec.helmCharts[0].provenanceVerification', {
    helmCharts: [{ ...helmChart, provenanceVerification: { enabled: true } }],
  }),
  'spec.kustomizationRefs': handled('features/kustomize.ts'),
  'spec.kustomizationRefs[].namespace': handled('features/kustomize/plan.ts'),
  'spec.kustomizationRefs[].name': handled('features/kustomize/plan.ts'),
  'spec.kustomizationRefs[].kind': handled(
    'features/kustomize/plan.ts: ConfigMap and Secret (Flux kinds refused, refusals.ts)',
  ),
  'spec.kustomizationRefs[].path': handled('features/kustomize/plan.ts'),
  'spec.kustomizationRefs[].targetNamespace': handled('features/kustomize/build.ts'),
  'spec.kustomizationRefs[].deploymentType': handled(
    'features/kustomize.ts + features/objects.ts: Local deploys into the management cluster',
  ),
  'spec.kustomizationRefs[].values': handled('features/kustomize/plan.ts'),
  'spec.kustomizationRefs[].valuesFrom': handled('features/kustomize/plan.ts'),
  'spec.kustomizationRefs[].valuesFrom[].namespace': handled('features/kustomize/plan.ts'),
  'spec.kustomizationRefs[].valuesFrom[].name': handled('features/kustomize/plan.ts'),
  'spec.kustomizationRefs[].valuesFrom[].kind': handled('features/kustomize/plan.ts'),
  'spec.kustomizationRefs[].valuesFrom[].optional': handled('features/kustomize/plan.ts'),
  'spec.kustomizationRefs[].components': handled('features/kustomize/build.ts'),
  'spec.kustomizationRefs[].optional': handled('features/kustomize/plan.ts'),
  'spec.kustomizationRefs[].tier': handled('features/kustomize/plan.ts'),
  'spec.kustomizationRefs[].skipNamespaceCreation': handled('features/objects.ts'),
  'spec.kustomizationRefs[].force': handled('features/objects.ts'),
  'spec.kustomizationRefs[].remoteURL': refused('spec.kustomizationRefs[0].remoteURL', {
    kustomizationRefs: [{ remoteURL: { url: 'https://x' } }],
  }),
  'spec.validateHealths': handled('features/health.ts (after each feature, in units/pair.ts)'),
  'spec.validateHealths[].name': handled('features/health.ts: named in messages'),
  'spec.validateHealths[].featureID': handled('features/health.ts'),
  'spec.validateHealths[].group': handled('features/health.ts'),
  'spec.validateHealths[].version': handled('features/health.ts'),
  'spec.validateHealths[].kind': handled('features/health.ts'),
  'spec.validateHealths[].namespace': handled('features/health.ts'),
  'spec.validateHealths[].labelFilters': handled('features/health.ts'),
  'spec.validateHealths[].labelFilters[].key': handled('features/health.ts'),
  'spec.validateHealths[].labelFilters[].operation': handled('features/health.ts'),
  'spec.validateHealths[].labelFilters[].value': handled('features/health.ts'),
  'spec.validateHealths[].script': handled('features/health.ts: Lua in the evaluation sandbox'),
  'spec.validateHealths[].evaluateCEL': handled('features/health.ts'),
  'spec.validateHealths[].evaluateCEL[].name': handled('features/health.ts'),
  'spec.validateHealths[].evaluateCEL[].rule': handled('features/health.ts'),
  'spec.validateHealths[].jobCheck': refused('spec.validateHealths[0].jobCheck', {
    validateHealths: [{ ...check, jobCheck: { jobRef: { kind: 'ConfigMap', namespace: 'n', name: 'j' } } }],
  }),
  'spec.validateHealths[].metricQueries': refused('spec.validateHealths[0].metricQueries', {
    validateHealths: [{ ...check, metricQueries: [{ name: 'q', query: 'up' }] }],
  }),
  'spec.validateHealths[].metricSource': refused('spec.validateHealths[0].metricSource', {
    validateHealths: [{ ...check, metricSource: { url: 'https://prometheus' } }],
  }),
  'spec.preDeployChecks': refused('spec.preDeployChecks', { preDeployChecks: [check] }),
  'spec.preDeleteChecks': refused('spec.preDeleteChecks', { preDeleteChecks: [check] }),
  'spec.postDeleteChecks': refused('spec.postDeleteChecks', { postDeleteChecks: [check] }),
  'spec.patches': handled(
    'features/patches.ts: Resources and Kustomize objects, Helm through helm/post-render.ts',
  ),
  'spec.patches[].patch': handled('features/patches.ts'),
  'spec.patches[].target': handled('features/patches.ts (kustomize target)'),
  'spec.patches[].target.group': handled('features/patches.ts'),
  'spec.patches[].target.version': handled('features/patches.ts'),
  'spec.patches[].target.kind': handled('features/patches.ts'),
  'spec.patches[].target.namespace': handled('features/patches.ts'),
  'spec.patches[].target.name': handled('features/patches.ts'),
  'spec.patches[].target.annotationSelector': handled('features/patches.ts'),
  'spec.patches[].target.labelSelector': handled('features/patches.ts'),
  'spec.patchesFrom': handled('features/patches.ts'),
  'spec.patchesFrom[].namespace': handled('features/patches.ts'),
  'spec.patchesFrom[].name': handled('features/patches.ts'),
  'spec.patchesFrom[].kind': handled('features/patches.ts'),
  'spec.patchesFrom[].optional': handled('features/patches.ts'),
  'spec.driftExclusions': handled(
    'features/drift.ts: paths keep their live value (ContinuousWithDriftDetection, as upstream)',
  ),
  'spec.driftExclusions[].paths': handled('features/drift.ts'),
  'spec.driftExclusions[].target': handled('features/drift.ts + features/targets.ts'),
  'spec.driftExclusions[].target.group': handled('features/targets.ts'),
  'spec.driftExclusions[].target.version': handled('features/targets.ts'),
  'spec.driftExclusions[].target.kind': handled('features/targets.ts'),
  'spec.driftExclusions[].target.namespace': handled('features/targets.ts'),
  'spec.driftExclusions[].target.name': handled('features/targets.ts'),
  'spec.driftExclusions[].target.annotationSelector': handled('features/targets.ts'),
  'spec.driftExclusions[].target.labelSelector': handled('features/targets.ts'),
  'spec.extraLabels': handled('plan.ts withOwnership()'),
  'spec.extraAnnotations': handled('plan.ts withOwnership()'),
};

const EVENT_MANAGER = 'event-manager (planner/plan.ts, event-manager/context.ts)';
/** EventTrigger-only fields (the add-on fields are copied into the ClusterProfiles it generates: above). */
const EVENT_TRIGGER_ONLY: Record<string, Decision> = {
  'spec.sourceClusterSelector': handled(`${EVENT_MANAGER}: clusters whose events are watched`),
  'spec.sourceClusterSelector.matchLabels': handled(EVENT_MANAGER),
  'spec.sourceClusterSelector.matchExpressions': handled(EVENT_MANAGER),
  'spec.sourceClusterSelector.matchExpressions[].key': handled(EVENT_MANAGER),
  'spec.sourceClusterSelector.matchExpressions[].operator': handled(EVENT_MANAGER),
  'spec.sourceClusterSelector.matchExpressions[].values': handled(EVENT_MANAGER),
  'spec.clusterSetRefs': handled(`${EVENT_MANAGER}: ClusterSet selection`),
  'spec.destinationClusterSelector': handled('planner/plan.ts: the generated profile’s clusterSelector'),
  'spec.destinationClusterSelector.matchLabels': handled('planner/plan.ts'),
  'spec.destinationClusterSelector.matchExpressions': handled('planner/plan.ts'),
  'spec.destinationClusterSelector.matchExpressions[].key': handled('planner/plan.ts'),
  'spec.destinationClusterSelector.matchExpressions[].operator': handled('planner/plan.ts'),
  'spec.destinationClusterSelector.matchExpressions[].values': handled('planner/plan.ts'),
  'spec.destinationCluster': handled('planner/plan.ts: rendered into the generated profile’s clusterRefs'),
  'spec.destinationCluster.apiVersion': handled('planner/plan.ts (a template)'),
  'spec.destinationCluster.kind': handled('planner/plan.ts (a template)'),
  'spec.destinationCluster.namespace': handled('planner/plan.ts (a template)'),
  'spec.destinationCluster.name': handled('planner/plan.ts (a template)'),
  'spec.destinationCluster.uid': handled(REFERENCE),
  'spec.destinationCluster.resourceVersion': handled(REFERENCE),
  'spec.destinationCluster.fieldPath': handled(REFERENCE),
  'spec.eventSourceName': handled(`${EVENT_MANAGER} (resolveEventSourceName)`),
  'spec.oneForEvent': handled('planner/plan.ts: one profile per event or per cluster'),
  'spec.profileNameFormat': handled('planner/plan.ts'),
  'spec.configMapGenerator': handled('planner/plan.ts generators'),
  'spec.configMapGenerator[].namespace': handled('planner/plan.ts'),
  'spec.configMapGenerator[].name': handled('planner/plan.ts'),
  'spec.configMapGenerator[].nameFormat': handled('planner/plan.ts'),
  'spec.configMapGenerator[].optional': handled('planner/plan.ts'),
  'spec.secretGenerator': handled('planner/plan.ts generators'),
  'spec.secretGenerator[].namespace': handled('planner/plan.ts'),
  'spec.secretGenerator[].name': handled('planner/plan.ts'),
  'spec.secretGenerator[].nameFormat': handled('planner/plan.ts'),
  'spec.secretGenerator[].optional': handled('planner/plan.ts'),
  'spec.cloudEventAction': handled('planner/plan.ts: Create or Delete'),
};

/** Every field path of a schema (`[]` for array elements); free-form and string-map values are leaves. */
function paths(p: JSONSchemaProps, at = 'spec', out: string[] = []): string[] {
  if (p.type === 'object' && p.properties)
    for (const [k, v] of Object.entries(p.properties)) {
      out.push(`${at}.${k}`);
      paths(v, `${at}.${k}`, out);
    }
  else if (p.type === 'array' && p.items) paths(p.items, `${at}[]`, out);
  return out;
}

/** The decision for `path`: its own, or a refusal of an ancestor (which covers the whole subtree). */
function decision(table: Record<string, Decision>, path: string): Decision | undefined {
  if (table[path]) return table[path];
  for (let i = path.lastIndexOf('.'); i > 0; i = path.lastIndexOf('.', i - 1)) {
    const parent = table[path.slice(0, i).replace(/\[\]$/, '')] ?? table[path.slice(0, i)];
    if (parent && 'refused' in parent) return parent;
  }
  return undefined;
}

const SHARED = new Set(Object.keys(profileShape({ templateResourceRefsAsMap: true })));

describe('every ClusterProfile and EventTrigger field is handled or refused', () => {
  it('ClusterProfile: each field of the schema has a decision', () => {
    const missing = paths(clusterProfileSpec.props).filter((p) => decision(CLUSTER_PROFILE, p) === undefined);
    assert.deepEqual(missing, [], 'fields neither handled nor refused (add them to CLUSTER_PROFILE)');
  });

  it('ClusterProfile: the table names no field the schema lacks', () => {
    const all = new Set(paths(clusterProfileSpec.props));
    assert.deepEqual(
      Object.keys(CLUSTER_PROFILE).filter((p) => !all.has(p)),
      [],
    );
  });

  it('EventTrigger: add-on fields are copied into the generated ClusterProfiles (same decisions); the others are the event-manager’s', () => {
    const missing: string[] = [];
    for (const p of paths(eventTriggerSpec.props)) {
      const top = p.slice('spec.'.length).split(/[.[]/)[0]!;
      const d = SHARED.has(top) ? decision(CLUSTER_PROFILE, p) : decision(EVENT_TRIGGER_ONLY, p);
      if (d === undefined) missing.push(p);
    }
    assert.deepEqual(missing, []);
  });

  for (const [path, d] of Object.entries(CLUSTER_PROFILE)) {
    if (!('refused' in d)) continue;
    it(`refused: ${path} is reported as FEATURE_NOT_SUPPORTED`, () => {
      const found = refusals(d.sample).find((r) => r.field === d.refused);
      assert.ok(found, `refusals() does not report ${d.refused}`);
      assert.match(
        found.message,
        new RegExp(`^FEATURE_NOT_SUPPORTED: ${d.refused.replace(/[[\].]/g, '\\$&')}: `),
      );
    });
  }

  it('refused values of handled fields: Flux kinds and Flux chart sources', () => {
    const fields = refusals({
      syncMode: 'ContinuousWithDriftDetection',
      policyRefs: [{ kind: 'GitRepository', namespace: 'flux', name: 'repo' }],
      kustomizationRefs: [{ kind: 'OCIRepository', namespace: 'flux', name: 'repo' }],
      helmCharts: [{ ...helmChart, repositoryURL: 'gitrepository://flux/repo/charts' }],
    }).map((r) => r.field);
    assert.deepEqual(fields, [
      'spec.policyRefs[0].kind',
      'spec.helmCharts[0].repositoryURL',
      'spec.kustomizationRefs[0].kind',
    ]);
    assert.deepEqual(refusals({ reloader: false, policyRefs: [{ kind: 'ConfigMap', name: 'x' }] }), []);
  });
});

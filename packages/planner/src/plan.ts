// plan(): what the event-manager wants to exist for one (EventTrigger, cluster) pair, given the cluster's
// EventReport and the objects the trigger references. Pure: no I/O, same input → same output.

import {
  CLUSTER_PROFILE_SECRET_TYPE,
  type ClusterProfile,
  type ClusterType,
  CONFIG_API_VERSION,
  clusterRef,
  clusterTypeOf,
  dnsLabelProblem,
  dnsSubdomainProblem,
  EVENT_TRIGGER_CE_SOURCE_LABEL,
  EVENT_TRIGGER_CE_SUBJECT_LABEL,
  EVENT_TRIGGER_EVENT_REPORT_NAME_LABEL,
  EVENT_TRIGGER_EVENT_SOURCE_NAME_LABEL,
  EVENT_TRIGGER_FROM_GENERATOR_LABEL,
  type EventTrigger,
  EventTriggerKind,
  type EventTriggerSpec,
  type GeneratorReference,
  type HelmChart,
  INSTANTIATE_ANNOTATION,
  type KustomizationRef,
  type LabelSelector,
  type ObjectMeta,
  type ObjectWithData,
  type PolicyRef,
  SVELTOS_NAMESPACE,
  TEMPLATE_ANNOTATION,
  type TemplateResourceRef,
  type ValueFrom,
  validateObject,
} from '@sveltos-ts/api';
import { type DecodedContent, decodeContent, eventItems } from './content.ts';
import { PlanError, type PlanWarning } from './errors.ts';
import {
  cloudEventLabels,
  hasLabels,
  identityKey,
  type Labels,
  labelValue,
  ownershipLabels,
  refLabels,
  resourceLabels,
  sameIdentity,
  sortedLabels,
  tenantLabels,
} from './labels.ts';
import { checkObjectName, derivedName } from './names.ts';
import { clusterData, type DataFactory, manyData, oneData, Renderer } from './render.ts';
import type {
  ConfigMap,
  ExistingObjects,
  Lookup,
  ObjectKey,
  Plan,
  PlanInput,
  Secret,
  SourceCluster,
} from './types.ts';

type DataKind = 'ConfigMap' | 'Secret';

interface ClusterInfo {
  namespace: string;
  name: string;
  type: ClusterType;
  object: Record<string, unknown>;
}

function clusterInfo(cluster: SourceCluster): ClusterInfo {
  const type = clusterTypeOf(cluster);
  if (type === undefined) {
    throw new PlanError(
      'INVALID_INPUT',
      `cluster ${cluster.apiVersion}/${cluster.kind} is neither a SveltosCluster nor a Cluster API Cluster`,
    );
  }
  const namespace = cluster.metadata?.namespace ?? '';
  const name = cluster.metadata?.name ?? '';
  if (namespace === '' || name === '') {
    throw new PlanError('INVALID_INPUT', 'the cluster needs metadata.namespace and metadata.name');
  }
  return { namespace, name, type, object: cluster as unknown as Record<string, unknown> };
}

/**
 * Schema errors per trigger object. A trigger is asked about per cluster and per event, and walking its schema
 * every time was most of a fleet's CPU; objects from informer caches and parsed files are not mutated (an
 * update is a new object), so the verdict is kept for as long as the object lives.
 */
const schemaVerdicts = new WeakMap<EventTrigger, ReturnType<typeof validateObject>>();
function schemaErrorsOf(et: EventTrigger): ReturnType<typeof validateObject> {
  let errors = schemaVerdicts.get(et);
  if (errors === undefined) {
    errors = validateObject(et, { kinds: [EventTriggerKind] });
    schemaVerdicts.set(et, errors);
  }
  return errors;
}

function triggerName(et: EventTrigger): string {
  const name = et.metadata?.name ?? '';
  if (name === '') throw new PlanError('INVALID_INPUT', 'the EventTrigger needs metadata.name');
  if (typeof et.spec?.eventSourceName !== 'string') {
    throw new PlanError('INVALID_INPUT', `EventTrigger ${name} has no spec.eventSourceName`);
  }
  // what the API server would refuse is refused here too (the CRD's schema, as `kubectl apply` checks it)
  const errors = schemaErrorsOf(et);
  if (errors.length > 0) {
    const shown = errors.slice(0, 10).map((e) => e.message);
    if (errors.length > shown.length) shown.push(`and ${errors.length - shown.length} more`);
    throw new PlanError('INVALID_INPUT', `EventTrigger ${name} is invalid: ${shown.join('; ')}`);
  }
  return name;
}

/** Template name upstream uses; it only appears in error messages. */
const templateName = (c: ClusterInfo, et: string): string => `${c.namespace}-${c.name}-${et}`;

/**
 * The EventSource name `spec.eventSourceName` resolves to for this cluster (it may be a template over
 * `.Cluster`, `.ClusterNamespace`, `.ClusterName`). The adapter uses it for watches, change detection and
 * cleanup too, so a templated name works everywhere (docs/architecture.md).
 */
export function resolveEventSourceName(
  eventTrigger: EventTrigger,
  cluster: SourceCluster,
  templateEnv?: ReadonlyMap<string, string>,
): string {
  const et = triggerName(eventTrigger);
  const c = clusterInfo(cluster);
  const renderer = new Renderer(templateName(c, et), templateEnv);
  const name = renderer.renderPlain(
    eventTrigger.spec.eventSourceName,
    clusterData(c.object, c.namespace, c.name),
    'spec.eventSourceName',
  );
  return checkObjectName(name, 'spec.eventSourceName');
}

/** The labels selecting everything the event-manager generated for (EventTrigger, cluster). */
export function ownershipSelector(eventTriggerName: string, cluster: SourceCluster): Labels {
  const c = clusterInfo(cluster);
  return ownershipLabels({
    eventTriggerName,
    clusterNamespace: c.namespace,
    clusterName: c.name,
    clusterType: c.type,
  });
}

/** Plans the ClusterProfiles, instantiated ConfigMaps/Secrets and generator outputs for one pair. */
export function plan(input: PlanInput): Plan {
  return new Planner(input).run();
}

// ---- helpers -------------------------------------------------------------------------------------------

const clone = <T>(v: T): T => structuredClone(v);

function isEmptySelector(s: LabelSelector | undefined): boolean {
  return (
    s === undefined ||
    (Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0)
  );
}

/** Drops absent values, empty lists and empty maps (Go's omitempty), keeping key order. */
function compact<T extends Record<string, unknown>>(o: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  return out as Partial<T>;
}

function sortedRecord(entries: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out[k] = v;
  return out;
}

/** Text values of a ConfigMap or Secret (Secret data base64-decoded, stringData on top). */
function textData(kind: DataKind, obj: ObjectWithData): Record<string, string> {
  if (kind === 'ConfigMap') return sortedRecord(Object.entries(obj.data ?? {}));
  const decoded = Object.entries(obj.data ?? {}).map(([k, v]): [string, string] => [
    k,
    Buffer.from(v, 'base64').toString('utf8'),
  ]);
  return sortedRecord([...decoded, ...Object.entries(obj.stringData ?? {})]);
}

/** Root-level access to event data inside a template action (`.Resource`, `$.Resources`, …), not `$x.Resource`. */
const EVENT_DATA_USE = /\{\{[^}]*?(?<![\w)\]])\.(Resources?|MatchingResources?|CloudEvents?)\b/;

const HELM_TEMPLATED = [
  'repositoryURL',
  'repositoryName',
  'chartName',
  'chartVersion',
  'releaseName',
  'releaseNamespace',
  'values',
] as const;
const KUSTOMIZE_TEMPLATED = ['namespace', 'name', 'path', 'targetNamespace'] as const;
const COPIED_SETTINGS = [
  'syncMode',
  'tier',
  'continueOnConflict',
  'maxUpdate',
  'stopMatchingBehavior',
  'reloader',
] as const;
const COPIED_CHECKS = ['validateHealths', 'preDeployChecks', 'preDeleteChecks', 'postDeleteChecks'] as const;

const ceKey = (labels: Labels | undefined): string | undefined =>
  labels?.[EVENT_TRIGGER_CE_SOURCE_LABEL] === undefined
    ? undefined
    : `${labels[EVENT_TRIGGER_CE_SOURCE_LABEL]}\n${labels[EVENT_TRIGGER_CE_SUBJECT_LABEL] ?? ''}`;

// ---- the planner ---------------------------------------------------------------------------------------

class Planner {
  private readonly et: EventTrigger;
  private readonly spec: EventTriggerSpec;
  private readonly cluster: ClusterInfo;
  private readonly sourceCluster: SourceCluster;
  private readonly report: PlanInput['report'];
  private readonly lookupFn: Lookup;
  private readonly existing: ExistingObjects;
  private readonly namespace: string;
  private readonly newName: (identity: string) => string;
  private readonly renderer: Renderer;
  private readonly templateEnv: ReadonlyMap<string, string> | undefined;
  private readonly instantiatePolicyRefs: boolean;
  private readonly owner: Labels;
  private readonly tenant: Labels;

  private eventSourceName: string;
  /** Ownership labels plus the EventSource (`eventreportname`): what every object of this pass carries. */
  private ownerWithSource: Labels = {};
  private readonly profiles = new Map<string, ClusterProfile>();
  private readonly configMaps = new Map<string, ConfigMap>();
  private readonly secrets = new Map<string, Secret>();
  private readonly references = new Map<string, ObjectKey>();
  private readonly warnings = new Map<string, PlanWarning>();
  private readonly deletedCloudEvents = new Set<string>();

  constructor(input: PlanInput) {
    const etName = triggerName(input.eventTrigger);
    this.et = input.eventTrigger;
    this.spec = input.eventTrigger.spec;
    this.cluster = clusterInfo(input.cluster);
    this.sourceCluster = input.cluster;
    this.report = input.report;
    this.lookupFn = input.lookup;
    this.existing = input.existing ?? {};
    this.namespace = input.options?.namespace ?? SVELTOS_NAMESPACE;
    this.newName = input.options?.newName ?? derivedName;
    this.templateEnv = input.options?.templateEnv;
    this.instantiatePolicyRefs = input.options?.instantiatePolicyRefs ?? false;
    this.renderer = new Renderer(templateName(this.cluster, etName), this.templateEnv);
    this.owner = ownershipLabels({
      eventTriggerName: etName,
      clusterNamespace: this.cluster.namespace,
      clusterName: this.cluster.name,
      clusterType: this.cluster.type,
    });
    this.tenant = tenantLabels(this.et.metadata.labels);
    this.eventSourceName = input.eventSourceName ?? '';
  }

  run(): Plan {
    this.eventSourceName ||= resolveEventSourceName(this.et, this.sourceCluster, this.templateEnv);
    this.ownerWithSource = {
      ...this.owner,
      [EVENT_TRIGGER_EVENT_REPORT_NAME_LABEL]: labelValue(this.eventSourceName),
    };
    const content = this.report === undefined ? undefined : decodeContent(this.report);
    if (content !== undefined && content.eventSourceName !== this.eventSourceName) {
      throw new PlanError(
        'EVENT_SOURCE_MISMATCH',
        `the report is for EventSource ${content.eventSourceName}, but the EventTrigger resolves ` +
          `spec.eventSourceName to ${this.eventSourceName} for cluster ${this.cluster.namespace}/${this.cluster.name}`,
      );
    }
    if (content !== undefined) this.planContent(content);
    this.keepCloudEventObjects();
    return {
      eventSourceName: this.eventSourceName,
      clusterProfiles: [...this.profiles.values()],
      configMaps: [...this.configMaps.values()],
      secrets: [...this.secrets.values()],
      references: [...this.references.values()],
      warnings: [...this.warnings.values()],
    };
  }

  private planContent(content: DecodedContent): void {
    const items = eventItems(content);
    if (!this.spec.oneForEvent) {
      if (items.length === 0) return;
      const data = manyData(
        this.cluster.object,
        content.matchingResources,
        content.resources,
        content.cloudEvents,
      );
      this.generators(data, {});
      this.profile(data, {});
      return;
    }
    for (const item of items) {
      const data = oneData(this.cluster.object, item);
      if (item.type === 'resource') {
        const labels = resourceLabels(item.ref.name ?? '', item.ref.namespace ?? '');
        this.generators(data, {});
        this.profile(data, labels);
        continue;
      }
      const labels = cloudEventLabels(item.source, item.subject);
      if (this.cloudEventAction(data) === 'Delete') {
        this.dropCloudEvent(labels);
        continue;
      }
      this.deletedCloudEvents.delete(ceKey(labels)!);
      this.generators(data, labels);
      this.profile(data, labels);
    }
  }

  private render(text: string, data: DataFactory, field: string): string {
    return this.renderer.render(text, data, field);
  }

  private cloudEventAction(data: DataFactory): 'Create' | 'Delete' {
    const action = this.render(this.spec.cloudEventAction || 'Create', data, 'spec.cloudEventAction');
    if (action !== 'Create' && action !== 'Delete') {
      throw new PlanError(
        'INVALID_CLOUD_EVENT_ACTION',
        `rendered to ${JSON.stringify(action)}; it must be exactly Create or Delete`,
        'spec.cloudEventAction',
      );
    }
    return action;
  }

  /** A Delete CloudEvent: nothing for its (source, subject) is desired any more, from this pass or before. */
  private dropCloudEvent(labels: Labels): void {
    const key = ceKey(labels)!;
    this.deletedCloudEvents.add(key);
    for (const map of [this.profiles, this.configMaps, this.secrets] as Map<
      string,
      { metadata: ObjectMeta }
    >[]) {
      for (const [name, o] of map) if (ceKey(o.metadata.labels) === key) map.delete(name);
    }
  }

  // ---- lookups -------------------------------------------------------------------------------------------

  private fetch(kind: string, namespace: string, name: string): ObjectWithData | undefined {
    const key = { kind, namespace, name };
    this.references.set(JSON.stringify(key), key);
    const obj = this.lookupFn(key);
    if (obj !== undefined && kind === 'Secret' && obj.type !== CLUSTER_PROFILE_SECRET_TYPE) {
      throw new PlanError(
        'INVALID_SECRET_TYPE',
        `referenced Secret ${namespace}/${name} has type ${JSON.stringify(obj.type ?? '')}; ` +
          `only Secrets of type ${CLUSTER_PROFILE_SECRET_TYPE} can be referenced`,
      );
    }
    return obj;
  }

  private warn(code: PlanWarning['code'], message: string): void {
    this.warnings.set(message, { code, message });
  }

  /** A ConfigMap/Secret passed through untouched must not need event data: only instantiation provides it. */
  private checkNoEventData(kind: string, namespace: string, name: string, obj: ObjectWithData): void {
    if (kind !== 'ConfigMap' && kind !== 'Secret') return;
    for (const [key, text] of Object.entries(textData(kind, obj))) {
      const m = EVENT_DATA_USE.exec(text);
      if (m === null) continue;
      const viaTemplate =
        obj.metadata?.annotations?.[TEMPLATE_ANNOTATION] !== undefined
          ? ` (${TEMPLATE_ANNOTATION} is rendered later by addon-controller, with cluster data only)`
          : '';
      this.warn(
        'EVENT_DATA_NOT_INSTANTIATED',
        `${kind} ${namespace}/${name} uses event data (.${m[1]}) in ${JSON.stringify(key)} but is not ` +
          `instantiated${viaTemplate}: add the annotation ${INSTANTIATE_ANNOTATION} to it`,
      );
      return;
    }
  }

  // ---- names ---------------------------------------------------------------------------------------------

  /** The name of an existing object with the same identity (the smallest, if upstream left duplicates), or a
   * new one. */
  private reuseOrNew(
    kind: string,
    existing: readonly { metadata: ObjectMeta }[] | undefined,
    identity: Labels,
    namespace: string | undefined,
  ): string {
    const names = (existing ?? [])
      .filter((o) => (namespace === undefined || o.metadata.namespace === namespace) && o.metadata.name)
      .filter((o) => sameIdentity(o.metadata.labels, identity))
      .map((o) => o.metadata.name!)
      .sort();
    return names[0] ?? checkObjectName(this.newName(identityKey(kind, identity)), 'options.newName');
  }

  // ---- ClusterProfiles -----------------------------------------------------------------------------------

  private profile(data: DataFactory, objectLabels: Labels): void {
    const identity = { ...this.ownerWithSource, ...objectLabels };
    let name: string;
    if (this.spec.profileNameFormat) {
      const field = 'spec.profileNameFormat';
      name = checkObjectName(this.render(this.spec.profileNameFormat, data, field), field);
      const found = this.lookupFn({ kind: 'ClusterProfile', namespace: '', name });
      if (found !== undefined && !hasLabels(found.metadata?.labels, this.owner)) {
        throw new PlanError(
          'PROFILE_NAME_CONFLICT',
          `ClusterProfile ${name} exists and does not belong to this EventTrigger and cluster`,
          field,
        );
      }
    } else {
      name = this.reuseOrNew('ClusterProfile', this.existing.clusterProfiles, identity, undefined);
    }
    const previous = this.profiles.get(name);
    if (previous !== undefined && !sameIdentity(previous.metadata.labels, identity)) {
      throw new PlanError(
        'PROFILE_NAME_CONFLICT',
        `two event objects render the same ClusterProfile name ${name}; include object data in the format`,
        'spec.profileNameFormat',
      );
    }
    const labels = sortedLabels({
      ...identity,
      ...this.tenant,
      [EVENT_TRIGGER_EVENT_SOURCE_NAME_LABEL]: labelValue(this.eventSourceName),
    });
    this.profiles.set(name, {
      apiVersion: CONFIG_API_VERSION,
      kind: 'ClusterProfile',
      metadata: { name, labels },
      spec: this.profileSpec(data, objectLabels),
    });
  }

  private profileSpec(data: DataFactory, objectLabels: Labels): ClusterProfile['spec'] {
    const s = this.spec;
    const out: Record<string, unknown> = { ...this.destination(data) };
    for (const k of COPIED_SETTINGS) out[k] = clone(s[k]);
    out.templateResourceRefs = s.templateResourceRefs?.map((r, i) => this.templateResourceRef(r, i, data));
    out.dependsOn = clone(s.dependsOn);
    out.policyRefs = this.policyRefs(data, objectLabels);
    out.helmCharts = s.helmCharts?.map((c, i) =>
      this.helmChart(c, `spec.helmCharts[${i}]`, data, objectLabels),
    );
    out.kustomizationRefs = s.kustomizationRefs?.map((k, i) =>
      this.kustomizationRef(k, `spec.kustomizationRefs[${i}]`, data, objectLabels),
    );
    for (const k of COPIED_CHECKS) out[k] = clone(s[k]);
    out.patches = clone(s.patches);
    // Upstream drops patchesFrom (copy into an empty slice); rendered like valuesFrom here
    // (docs/deviations.md).
    out.patchesFrom = s.patchesFrom?.map((v, i) =>
      this.valueFrom(v, `spec.patchesFrom[${i}]`, data, objectLabels),
    );
    out.driftExclusions = clone(s.driftExclusions);
    out.extraLabels = clone(s.extraLabels);
    out.extraAnnotations = clone(s.extraAnnotations);
    return compact(out) as ClusterProfile['spec'];
  }

  private destination(data: DataFactory): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (!isEmptySelector(this.spec.destinationClusterSelector)) {
      out.clusterSelector = clone(this.spec.destinationClusterSelector);
    }
    const dest = this.spec.destinationCluster;
    if (dest !== undefined) {
      const ref = clone(dest);
      for (const f of ['apiVersion', 'kind', 'namespace', 'name'] as const) {
        const v = dest[f];
        if (v) ref[f] = this.render(v, data, `spec.destinationCluster.${f}`);
      }
      if (!ref.name || clusterTypeOf(ref) === undefined) {
        throw new PlanError(
          'INVALID_INPUT',
          `renders to ${JSON.stringify(ref)}, which is not a SveltosCluster or Cluster API Cluster reference`,
          'spec.destinationCluster',
        );
      }
      // clusters are namespaced objects: a reference needs a valid namespace and name
      const nameProblem = dnsSubdomainProblem(ref.name);
      const namespaceProblem = dnsLabelProblem(ref.namespace ?? '');
      if (nameProblem || namespaceProblem) {
        throw new PlanError(
          'INVALID_NAME',
          `renders to ${JSON.stringify(ref)}: ${
            nameProblem
              ? `name ${JSON.stringify(ref.name)} ${nameProblem}`
              : `namespace ${JSON.stringify(ref.namespace ?? '')} ${namespaceProblem}`
          }`,
          'spec.destinationCluster',
        );
      }
      out.clusterRefs = [ref];
    } else if (out.clusterSelector === undefined) {
      out.clusterRefs = [clusterRef(this.cluster.type, this.cluster.namespace, this.cluster.name)];
    }
    return out;
  }

  private templateResourceRef(r: TemplateResourceRef, i: number, data: DataFactory): TemplateResourceRef {
    const out = clone(r);
    for (const f of ['namespace', 'name'] as const) {
      const v = r.resource[f];
      if (v) out.resource[f] = this.render(v, data, `spec.templateResourceRefs[${i}].resource.${f}`);
    }
    return out;
  }

  private policyRefs(data: DataFactory, objectLabels: Labels): PolicyRef[] | undefined {
    const out: PolicyRef[] = [];
    for (const [i, ref] of (this.spec.policyRefs ?? []).entries()) {
      const field = `spec.policyRefs[${i}]`;
      if (ref.remoteURL !== undefined || !ref.kind) {
        throw new PlanError(
          'UNSUPPORTED_REFERENCE',
          'only policyRefs with a kind (no remoteURL) are supported',
          field,
        );
      }
      const namespace = ref.namespace
        ? this.render(ref.namespace, data, `${field}.namespace`)
        : this.cluster.namespace;
      const name = this.render(ref.name ?? '', data, `${field}.name`);
      const path = ref.path ? this.render(ref.path, data, `${field}.path`) : undefined;
      const obj = this.fetch(ref.kind, namespace, name);
      if (obj === undefined) {
        if (ref.optional) continue;
        throw new PlanError(
          'REFERENCE_NOT_FOUND',
          `referenced ${ref.kind} ${namespace}/${name} does not exist`,
          field,
        );
      }
      let target = { namespace, name };
      if (this.instantiatePolicyRefs && (ref.kind === 'ConfigMap' || ref.kind === 'Secret')) {
        target = this.instantiate(ref.kind, obj, data, objectLabels, field);
      } else if (obj.metadata?.annotations?.[INSTANTIATE_ANNOTATION] !== undefined) {
        if (ref.kind !== 'ConfigMap' && ref.kind !== 'Secret') {
          throw new PlanError(
            'UNSUPPORTED_REFERENCE',
            `${ref.kind} ${namespace}/${name} carries ${INSTANTIATE_ANNOTATION}, but only ConfigMaps and Secrets can be instantiated`,
            field,
          );
        }
        target = this.instantiate(ref.kind, obj, data, objectLabels, field);
      } else {
        this.checkNoEventData(ref.kind, namespace, name, obj);
      }
      // Order is kept and the per-ref settings are carried over (upstream regroups and drops them).
      out.push(
        compact({
          kind: ref.kind,
          namespace: target.namespace,
          name: target.name,
          path,
          deploymentType: ref.deploymentType,
          optional: ref.optional,
          tier: ref.tier,
          skipNamespaceCreation: ref.skipNamespaceCreation,
          force: ref.force,
        }) as PolicyRef,
      );
    }
    return out;
  }

  private helmChart(chart: HelmChart, field: string, data: DataFactory, objectLabels: Labels): HelmChart {
    const out = clone(chart);
    for (const f of HELM_TEMPLATED) {
      const v = chart[f];
      if (typeof v === 'string') out[f] = this.render(v, data, `${field}.${f}`);
    }
    if (chart.valuesFrom) {
      out.valuesFrom = chart.valuesFrom.map((v, j) =>
        this.valueFrom(v, `${field}.valuesFrom[${j}]`, data, objectLabels),
      );
    }
    return out;
  }

  private kustomizationRef(
    k: KustomizationRef,
    field: string,
    data: DataFactory,
    objectLabels: Labels,
  ): KustomizationRef {
    const out = clone(k);
    for (const f of KUSTOMIZE_TEMPLATED) {
      const v = k[f];
      if (typeof v === 'string') out[f] = this.render(v, data, `${field}.${f}`);
    }
    if (k.components) {
      out.components = k.components.map((c, j) => this.render(c, data, `${field}.components[${j}]`));
    }
    if (k.values) {
      const values: Record<string, string> = {};
      for (const [key, v] of Object.entries(k.values))
        values[key] = this.render(v, data, `${field}.values.${key}`);
      out.values = values;
    }
    if (k.valuesFrom) {
      out.valuesFrom = k.valuesFrom.map((v, j) =>
        this.valueFrom(v, `${field}.valuesFrom[${j}]`, data, objectLabels),
      );
    }
    return out;
  }

  /** helm/kustomize valuesFrom and patchesFrom entries. A missing object leaves the entry as written
   * (upstream; addon-controller resolves or skips it). */
  private valueFrom(v: ValueFrom, field: string, data: DataFactory, objectLabels: Labels): ValueFrom {
    const namespace = v.namespace
      ? this.render(v.namespace, data, `${field}.namespace`)
      : this.cluster.namespace;
    const name = this.render(v.name, data, `${field}.name`);
    const obj = this.fetch(v.kind, namespace, name);
    if (obj === undefined) return clone(v);
    const out = clone(v);
    if (obj.metadata?.annotations?.[INSTANTIATE_ANNOTATION] !== undefined) {
      const target = this.instantiate(v.kind, obj, data, objectLabels, field);
      out.namespace = target.namespace;
      out.name = target.name;
    } else {
      this.checkNoEventData(v.kind, namespace, name, obj);
      out.namespace = namespace;
      out.name = name;
    }
    return out;
  }

  // ---- instantiated objects and generators ---------------------------------------------------------------

  private renderData(
    kind: DataKind,
    obj: ObjectWithData,
    data: DataFactory,
    field: string,
  ): Record<string, string> {
    const ref = `${kind} ${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
    const out: Record<string, string> = {};
    for (const [key, text] of Object.entries(textData(kind, obj))) {
      out[key] = this.render(text, data, `${field} (${ref} data ${JSON.stringify(key)})`);
    }
    return out;
  }

  private emit(kind: DataKind, meta: ObjectMeta, rendered: Record<string, string>): ConfigMap | Secret {
    if (kind === 'ConfigMap') {
      const cm: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta, data: rendered };
      this.configMaps.set(meta.name!, cm);
      return cm;
    }
    const encoded: Record<string, string> = {};
    for (const [k, v] of Object.entries(rendered)) encoded[k] = Buffer.from(v, 'utf8').toString('base64');
    const secret: Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta,
      type: CLUSTER_PROFILE_SECRET_TYPE,
      data: encoded,
    };
    this.secrets.set(meta.name!, secret);
    return secret;
  }

  private meta(name: string, labels: Labels, source: ObjectWithData): ObjectMeta {
    const annotations = source.metadata?.annotations;
    return compact({
      name,
      namespace: this.namespace,
      labels: sortedLabels(labels),
      // upstream copies the source annotations (a copied projectsveltos.io/template means a second pass)
      annotations: annotations === undefined ? undefined : sortedRecord(Object.entries(annotations)),
    }) as ObjectMeta;
  }

  /** A referenced ConfigMap/Secret with projectsveltos.io/instantiate → a new one with rendered data. */
  private instantiate(
    kind: DataKind,
    obj: ObjectWithData,
    data: DataFactory,
    objectLabels: Labels,
    field: string,
  ): { namespace: string; name: string } {
    const identity = {
      ...this.ownerWithSource,
      ...objectLabels,
      ...refLabels(obj.metadata?.namespace ?? '', obj.metadata?.name ?? ''),
    };
    const existing = kind === 'ConfigMap' ? this.existing.configMaps : this.existing.secrets;
    const name = this.reuseOrNew(kind, existing, identity, this.namespace);
    this.emit(
      kind,
      this.meta(name, { ...identity, ...this.tenant }, obj),
      this.renderData(kind, obj, data, field),
    );
    return { namespace: this.namespace, name };
  }

  /** secretGenerator, then configMapGenerator: always instantiated, named by nameFormat. */
  private generators(data: DataFactory, cloudEventObjectLabels: Labels): void {
    const run = (kind: DataKind, gens: GeneratorReference[] | undefined, fieldName: string) => {
      for (const [i, g] of (gens ?? []).entries()) {
        const field = `spec.${fieldName}[${i}]`;
        const namespace = g.namespace
          ? this.render(g.namespace, data, `${field}.namespace`)
          : this.cluster.namespace;
        const name = this.render(g.name, data, `${field}.name`);
        const obj = this.fetch(kind, namespace, name);
        if (obj === undefined) {
          // upstream ignores `optional` here and always fails (we honour it: docs/deviations.md)
          if (g.optional) continue;
          throw new PlanError(
            'REFERENCE_NOT_FOUND',
            `referenced resource ${kind} ${namespace}/${name} does not exist yet`,
            field,
          );
        }
        const outName = checkObjectName(
          this.render(g.nameFormat, data, `${field}.nameFormat`),
          `${field}.nameFormat`,
        );
        const labels = {
          ...this.ownerWithSource,
          ...cloudEventObjectLabels,
          [EVENT_TRIGGER_FROM_GENERATOR_LABEL]: 'ok',
          ...this.tenant,
          ...refLabels(namespace, name),
        };
        const rendered = this.renderData(kind, obj, data, field);
        const previous = kind === 'ConfigMap' ? this.configMaps.get(outName) : this.secrets.get(outName);
        const next = this.emit(kind, this.meta(outName, labels, obj), rendered);
        if (previous !== undefined && JSON.stringify(previous) !== JSON.stringify(next)) {
          this.warn(
            'GENERATOR_OUTPUT_OVERWRITTEN',
            `${field}.nameFormat renders ${this.namespace}/${outName} for several event objects; the last one wins`,
          );
        }
      }
    };
    run('Secret', this.spec.secretGenerator, 'secretGenerator');
    run('ConfigMap', this.spec.configMapGenerator, 'configMapGenerator');
  }

  // ---- CloudEvent-born objects survive passes -------------------------------------------------------------

  /** Profiles made for CloudEvents stay until a Delete CloudEvent or undeploy (the CloudEvents are cleared
   * from the report once processed), with the instantiated objects they reference and their generator
   * outputs. */
  private keepCloudEventObjects(): void {
    const mine = <T extends { metadata: ObjectMeta }>(list: readonly T[] | undefined): T[] =>
      (list ?? [])
        .filter((o) => o.metadata.name && hasLabels(o.metadata.labels, this.ownerWithSource))
        .filter((o) => {
          const key = ceKey(o.metadata.labels);
          return key !== undefined && !this.deletedCloudEvents.has(key);
        })
        .sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
    const existingCMs = new Map(
      (this.existing.configMaps ?? [])
        .filter((c) => c.metadata.namespace === this.namespace)
        .map((c) => [c.metadata.name, c]),
    );
    const existingSecrets = new Map(
      (this.existing.secrets ?? [])
        .filter((c) => c.metadata.namespace === this.namespace)
        .map((c) => [c.metadata.name, c]),
    );
    const keepData = (kind: string, namespace: string | undefined, name: string | undefined) => {
      if (namespace !== this.namespace || name === undefined) return;
      const [source, target] =
        kind === 'Secret' ? [existingSecrets, this.secrets] : [existingCMs, this.configMaps];
      const o = source.get(name);
      if (o === undefined || target.has(name) || !hasLabels(o.metadata.labels, this.owner)) return;
      (target as Map<string, ConfigMap | Secret>).set(name, cleanData(o));
    };
    for (const p of mine(this.existing.clusterProfiles)) {
      const name = p.metadata.name!;
      if (this.profiles.has(name)) continue;
      this.profiles.set(name, {
        apiVersion: CONFIG_API_VERSION,
        kind: 'ClusterProfile',
        metadata: { name, labels: sortedLabels(p.metadata.labels ?? {}) },
        spec: clone(p.spec ?? {}),
      });
      const spec = p.spec ?? {};
      for (const r of spec.policyRefs ?? []) keepData(r.kind ?? '', r.namespace, r.name);
      const valuesFrom = [
        ...(spec.helmCharts ?? []).flatMap((c) => c.valuesFrom ?? []),
        ...(spec.kustomizationRefs ?? []).flatMap((k) => k.valuesFrom ?? []),
        ...(spec.patchesFrom ?? []),
      ];
      for (const v of valuesFrom) keepData(v.kind, v.namespace, v.name);
    }
    const generated = [...mine(this.existing.configMaps), ...mine(this.existing.secrets)].filter(
      (o) => o.metadata.labels?.[EVENT_TRIGGER_FROM_GENERATOR_LABEL] !== undefined,
    );
    for (const o of generated) keepData(o.kind, o.metadata.namespace, o.metadata.name);
  }
}

/** The fields of a kept ConfigMap/Secret the adapter applies (no server-set metadata). */
function cleanData(o: ConfigMap | Secret): ConfigMap | Secret {
  const metadata = compact({
    name: o.metadata.name,
    namespace: o.metadata.namespace,
    labels: sortedLabels(o.metadata.labels ?? {}),
    annotations: o.metadata.annotations && sortedRecord(Object.entries(o.metadata.annotations)),
  }) as ObjectMeta;
  if (o.kind === 'ConfigMap')
    return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: clone(o.data ?? {}) };
  return { apiVersion: 'v1', kind: 'Secret', metadata, type: o.type, data: clone(o.data ?? {}) };
}

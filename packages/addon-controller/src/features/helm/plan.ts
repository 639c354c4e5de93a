// planReleases(): what a profile's helmCharts want in one cluster, pure. Each chart's fields and values are
// rendered with `.Cluster` and templateResourceRefs (as upstream), valuesFrom ConfigMaps/Secrets are merged
// (values first, then plain valuesFrom, then templated ones; later wins, maps merged deeply), registry
// credentials and CA are read from their Secrets. A chart that cannot be planned carries its error; the
// others are still planned.

import { createHash } from 'node:crypto';
import {
  canonicalJson,
  DEFAULT_TIER,
  type HelmChart,
  TEMPLATE_ANNOTATION,
  type ValueFrom,
} from '@sveltos-ts/api';
import { addonData, sveltosFuncs, TemplateCache, TemplateError, type Value } from '@sveltos-ts/template';
import { parse } from 'yaml';
import { AddonError } from '../../errors.ts';
import {
  type Lookup,
  type MgmtObject,
  type Profile,
  type RefKey,
  renderName,
  type TargetCluster,
  templateResources,
  toMap,
} from '../../plan.ts';
import { type HelmOptions, parseHelmOptions } from './options.ts';

/** How to reach a chart repository or registry. */
export interface RegistryAccess {
  username?: string | undefined;
  password?: string | undefined;
  caPem?: string | undefined;
  insecureSkipTLSVerify: boolean;
  plainHTTP: boolean;
}

export interface ChartSource {
  repositoryURL: string;
  repositoryName: string;
  /** As written (rendered): what the record and `sveltosctl show addons` show. */
  chartName: string;
  /** What helm pulls: the bare chart name (`--repo`) or the full `oci://…/<chart>` reference. */
  ref: string;
  /** Exact version or a semver range, as helm takes it. */
  version: string;
  oci: boolean;
  access: RegistryAccess;
}

export interface DesiredRelease {
  field: string;
  name: string;
  namespace: string;
  action: 'Install' | 'Uninstall';
  source: ChartSource;
  values: Record<string, unknown>;
  /** base64 sha256 of the canonical values (the summary's valuesHash). */
  valuesHash: string;
  options: HelmOptions;
  tier: number;
}

export type PlannedChart =
  | { release: DesiredRelease; error?: undefined }
  | { error: AddonError; name: string; namespace: string; release?: undefined };

export interface HelmPlan {
  charts: PlannedChart[];
  /** Failures outside any one chart (templateResourceRefs); like chart errors they block withdrawal. */
  errors: AddonError[];
  references: RefKey[];
}

const cache = new TemplateCache({ funcs: sveltosFuncs({ context: 'addon' }) });

const RELEASE_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const releaseKey = (namespace: string, name: string): string => `${namespace}/${name}`;

function render(text: string, data: Value, name: string, where: string): string {
  if (!text.includes('{{')) return text;
  try {
    return cache.get(text, name).execute(data);
  } catch (e) {
    if (e instanceof TemplateError) throw new AddonError('TEMPLATE_FAILED', `${where}: ${e.message}`);
    throw e;
  }
}

/** A YAML mapping of values (YAML 1.1, as helm reads values: `yes`/`on` are booleans). */
export function parseValues(text: string, where: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = parse(text, { version: '1.1', maxAliasCount: 100, prettyErrors: false });
  } catch (e) {
    throw new AddonError(
      'INVALID_VALUES',
      `${where}: not valid YAML: ${(e as Error).message.split('\n')[0]}`,
    );
  }
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v))
    throw new AddonError('INVALID_VALUES', `${where}: values must be a YAML mapping`);
  return v as Record<string, unknown>;
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep merge: maps are merged key by key, anything else in `over` replaces what is in `base`. */
export function mergeValues(base: Record<string, unknown>, over: Record<string, unknown>) {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isMap(b) && isMap(v) ? mergeValues(b, v) : v;
  }
  return out;
}

export function valuesHash(values: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(values)).digest('base64');
}

function decoded(obj: MgmtObject, kind: string, key: string): string {
  const raw = obj.data?.[key] ?? '';
  return kind === 'Secret' ? Buffer.from(raw, 'base64').toString('utf8') : raw;
}

interface Ctx {
  cluster: TargetCluster;
  lookup: Lookup;
  references: RefKey[];
  data: Value;
}

/** A referenced ConfigMap/Secret of the management cluster (names rendered as upstream's libsveltos). */
function referenced(
  ctx: Ctx,
  kind: 'ConfigMap' | 'Secret',
  ref: { namespace?: string | undefined; name?: string | undefined },
  where: string,
): { obj: MgmtObject | undefined; namespace: string; name: string } {
  const namespace = ref.namespace
    ? renderName(ref.namespace, ctx.cluster, `${where}.namespace`)
    : ctx.cluster.namespace;
  const name = renderName(ref.name ?? '', ctx.cluster, `${where}.name`);
  const key: RefKey = { apiVersion: 'v1', kind, namespace, name };
  ctx.references.push(key);
  return { obj: ctx.lookup(key), namespace, name };
}

function valuesFrom(ctx: Ctx, refs: readonly ValueFrom[], field: string, base: Record<string, unknown>) {
  const plain: Array<Record<string, unknown>> = [];
  const templated: Array<Record<string, unknown>> = [];
  for (const [j, ref] of refs.entries()) {
    const where = `${field}.valuesFrom[${j}]`;
    const { obj, namespace, name } = referenced(ctx, ref.kind, ref, where);
    if (obj === undefined) {
      if (ref.optional) continue;
      throw new AddonError(
        'REFERENCE_NOT_FOUND',
        `${where}: ${ref.kind} ${namespace}/${name} does not exist`,
      );
    }
    const isTemplate = obj.metadata?.annotations?.[TEMPLATE_ANNOTATION] !== undefined;
    for (const key of Object.keys(obj.data ?? {}).sort()) {
      const at = `${where} (${ref.kind} ${namespace}/${name} key ${JSON.stringify(key)})`;
      let text = decoded(obj, ref.kind, key);
      if (isTemplate) text = render(text, ctx.data, `${namespace}-${name}-${key}`, at);
      (isTemplate ? templated : plain).push(parseValues(text, at));
    }
  }
  return [...plain, ...templated].reduce(mergeValues, base);
}

/** Username/password for `url` from a docker config JSON (`auths`), as registries' clients read it. */
function dockerConfigAuth(json: string, url: string, where: string): { username: string; password: string } {
  let config: { auths?: Record<string, { auth?: string; username?: string; password?: string }> };
  try {
    config = JSON.parse(json);
  } catch {
    throw new AddonError('INVALID_HELM_CHART', `${where}: not a docker config JSON`);
  }
  const host = new URL(url.replace(/^oci:/, 'https:')).host;
  for (const [server, entry] of Object.entries(config.auths ?? {})) {
    const h = /^[a-z]+:\/\//.test(server) ? new URL(server).host : server.split('/')[0];
    if (h !== host) continue;
    if (entry.username && entry.password) return { username: entry.username, password: entry.password };
    const [username, ...rest] = Buffer.from(entry.auth ?? '', 'base64')
      .toString('utf8')
      .split(':');
    if (username && rest.length) return { username, password: rest.join(':') };
  }
  throw new AddonError('INVALID_HELM_CHART', `${where}: no credentials for ${host}`);
}

function registryAccess(ctx: Ctx, raw: unknown, url: string, field: string): RegistryAccess {
  const where = `${field}.registryCredentialsConfig`;
  if (raw === undefined || raw === null) return { insecureSkipTLSVerify: false, plainHTTP: false };
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new AddonError('INVALID_HELM_CHART', `${where} must be an object`);
  const c = raw as Record<string, unknown>;
  for (const k of Object.keys(c))
    if (!['credentials', 'key', 'CASecretRef', 'insecureSkipTLSVerify', 'plainHTTP'].includes(k))
      throw new AddonError('INVALID_HELM_CHART', `${where}: unknown field "${k}"`);
  const access: RegistryAccess = {
    insecureSkipTLSVerify: c.insecureSkipTLSVerify === true,
    plainHTTP: c.plainHTTP === true,
  };
  const secret = (ref: unknown, what: string) => {
    const r = (ref ?? {}) as { name?: string; namespace?: string };
    const { obj, namespace, name } = referenced(ctx, 'Secret', r, `${where}.${what}`);
    if (obj === undefined)
      throw new AddonError(
        'REFERENCE_NOT_FOUND',
        `${where}.${what}: Secret ${namespace}/${name} does not exist`,
      );
    return { obj, namespace, name };
  };
  if (c.credentials !== undefined) {
    const { obj, namespace, name } = secret(c.credentials, 'credentials');
    const at = `${where}.credentials (Secret ${namespace}/${name})`;
    const keys = Object.keys(obj.data ?? {});
    const key = typeof c.key === 'string' && c.key ? c.key : undefined;
    if (key !== undefined && !keys.includes(key))
      throw new AddonError('INVALID_HELM_CHART', `${at}: no key ${key}`);
    if (key === undefined && keys.includes('username')) {
      access.username = decoded(obj, 'Secret', 'username');
      access.password = decoded(obj, 'Secret', 'password');
    } else {
      const k =
        key ??
        (keys.includes('.dockerconfigjson') ? '.dockerconfigjson' : keys.length === 1 ? keys[0] : undefined);
      if (k === undefined)
        throw new AddonError(
          'INVALID_HELM_CHART',
          `${at}: expected username/password, .dockerconfigjson, or key`,
        );
      Object.assign(access, dockerConfigAuth(decoded(obj, 'Secret', k), url, at));
    }
  }
  if (c.CASecretRef !== undefined) {
    const { obj, namespace, name } = secret(c.CASecretRef, 'CASecretRef');
    if (obj.data?.['ca.crt'] === undefined)
      throw new AddonError(
        'INVALID_HELM_CHART',
        `${where}.CASecretRef: Secret ${namespace}/${name} has no key ca.crt`,
      );
    access.caPem = decoded(obj, 'Secret', 'ca.crt');
  }
  return access;
}

function chartSource(
  ctx: Ctx,
  chart: HelmChart,
  f: (s: string | undefined, n: string) => string,
  field: string,
) {
  const repositoryURL = f(chart.repositoryURL, 'repositoryURL');
  const repositoryName = f(chart.repositoryName, 'repositoryName');
  const chartName = f(chart.chartName, 'chartName');
  const version = f(chart.chartVersion, 'chartVersion').trim();
  const oci = repositoryURL.startsWith('oci://');
  if (!oci && !/^https?:\/\//.test(repositoryURL))
    throw new AddonError(
      'UNSUPPORTED_REFERENCE',
      `${field}.repositoryURL: ${JSON.stringify(repositoryURL)}: only http(s):// chart repositories and oci:// registries are supported (Flux sources are not yet)`,
    );
  if (!chartName) throw new AddonError('INVALID_HELM_CHART', `${field}.chartName is empty`);
  if (!version) throw new AddonError('INVALID_HELM_CHART', `${field}.chartVersion is empty`);
  let ref = chartName;
  if (oci) ref = `${repositoryURL.replace(/\/+$/, '')}/${chartName}`;
  else if (chartName.includes('/')) {
    const [repo, ...rest] = chartName.split('/');
    if (repo !== repositoryName)
      throw new AddonError(
        'INVALID_HELM_CHART',
        `${field}.chartName ${JSON.stringify(chartName)} must be <repositoryName>/<chart> (repositoryName is ${JSON.stringify(repositoryName)})`,
      );
    ref = rest.join('/');
  }
  const access = registryAccess(ctx, chart.registryCredentialsConfig, repositoryURL, field);
  return { repositoryURL, repositoryName, chartName, ref, version, oci, access };
}

function planChart(ctx: Ctx, profile: Profile, chart: HelmChart, field: string): DesiredRelease {
  const f = (s: string | undefined, n: string) => render(s ?? '', ctx.data, `${field}.${n}`, `${field}.${n}`);
  const name = f(chart.releaseName, 'releaseName');
  const namespace = f(chart.releaseNamespace, 'releaseNamespace');
  if (name.length > 53 || !RELEASE_NAME.test(name))
    throw new AddonError(
      'INVALID_HELM_CHART',
      `${field}.releaseName ${JSON.stringify(name)} is not a valid release name`,
    );
  if (namespace.length > 63 || !NAMESPACE.test(namespace))
    throw new AddonError(
      'INVALID_HELM_CHART',
      `${field}.releaseNamespace ${JSON.stringify(namespace)} is not a namespace name`,
    );
  for (const k of ['signatureVerification', 'provenanceVerification'] as const)
    if (chart[k] !== undefined && chart[k] !== null)
      throw new AddonError(
        'FEATURE_NOT_SUPPORTED',
        `FEATURE_NOT_SUPPORTED: ${field}.${k}: chart verification is not supported yet; the chart is not deployed unverified`,
      );
  const source = chartSource(ctx, chart, f, field);
  const base = parseValues(f(chart.values, 'values'), `${field}.values`);
  const values = valuesFrom(ctx, chart.valuesFrom ?? [], field, base);
  return {
    field,
    name,
    namespace,
    action: chart.helmChartAction === 'Uninstall' ? 'Uninstall' : 'Install',
    source,
    values,
    valuesHash: valuesHash(values),
    options: parseHelmOptions(chart.options, `${field}.options`),
    tier: profile.spec.tier ?? DEFAULT_TIER,
  };
}

export function planReleases(input: { profile: Profile; cluster: TargetCluster; lookup: Lookup }): HelmPlan {
  const references: RefKey[] = [];
  const { resources: mgmt, errors } = templateResources(input, references);
  const ctx: Ctx = {
    cluster: input.cluster,
    lookup: input.lookup,
    references,
    data: addonData({ cluster: toMap(input.cluster.object), ...(mgmt ? { mgmtResources: mgmt } : {}) }),
  };
  const charts: PlannedChart[] = [];
  const seen = new Map<string, string>();
  for (const [i, chart] of (input.profile.spec.helmCharts ?? []).entries()) {
    const field = `spec.helmCharts[${i}]`;
    try {
      const release = planChart(ctx, input.profile, chart, field);
      const key = releaseKey(release.namespace, release.name);
      const first = seen.get(key);
      if (first !== undefined)
        throw new AddonError('INVALID_HELM_CHART', `${field}: release ${key} is already defined by ${first}`);
      seen.set(key, field);
      charts.push({ release });
    } catch (e) {
      if (!(e instanceof AddonError)) throw e;
      charts.push({ error: e, name: chart.releaseName, namespace: chart.releaseNamespace });
    }
  }
  return { charts, errors, references };
}

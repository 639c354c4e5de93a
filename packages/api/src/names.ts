// Naming conventions and small wire-format helpers shared by the agent, event-manager and CLI.

import { parseAllDocuments } from 'yaml';
import { CAPI_API_VERSION, CAPI_GROUP } from './capi.ts';
import {
  CAPI_KUBECONFIG_SECRET_SUFFIX,
  type ClusterType,
  EVENT_REPORT_CLUSTER_NAME_LABEL,
  EVENT_REPORT_CLUSTER_TYPE_LABEL,
  EVENT_REPORT_RESOURCES_SEPARATOR,
  EVENT_SOURCE_NAME_LABEL,
  SVELTOS_KUBECONFIG_SECRET_SUFFIX,
} from './constants.ts';
import { canonicalJson, splitApiVersion } from './json.ts';
import { LIB_API_VERSION, LIB_GROUP } from './lib.ts';

/** Name of the management-cluster copy of an EventReport: `<lower(clusterType)>--<eventSourceName>--<clusterName>`
 * (it lives in the cluster's namespace). */
export function eventReportName(
  clusterType: ClusterType | string,
  eventSourceName: string,
  clusterName: string,
): string {
  return `${clusterType.toLowerCase()}--${eventSourceName}--${clusterName}`;
}

/** Labels of the management-cluster copy of an EventReport. */
export function eventReportLabels(
  eventSourceName: string,
  clusterName: string,
  clusterType: ClusterType | string,
): Record<string, string> {
  return {
    [EVENT_SOURCE_NAME_LABEL]: eventSourceName,
    [EVENT_REPORT_CLUSTER_NAME_LABEL]: clusterName,
    [EVENT_REPORT_CLUSTER_TYPE_LABEL]: clusterType.toLowerCase(),
  };
}

/** Cluster type of a cluster reference, from its apiVersion group; undefined for anything else. */
export function clusterTypeOf(ref: { apiVersion?: string; kind?: string }): ClusterType | undefined {
  const { group } = splitApiVersion(ref.apiVersion ?? '');
  if (group === CAPI_GROUP && (ref.kind === undefined || ref.kind === 'Cluster')) return 'Capi';
  if (group === LIB_GROUP && (ref.kind === undefined || ref.kind === 'SveltosCluster')) return 'Sveltos';
  return undefined;
}

/** The reference Sveltos uses for a cluster of the given type. */
export function clusterRef(
  clusterType: ClusterType,
  namespace: string,
  name: string,
): { apiVersion: string; kind: string; namespace: string; name: string } {
  return clusterType === 'Capi'
    ? { apiVersion: CAPI_API_VERSION, kind: 'Cluster', namespace, name }
    : { apiVersion: LIB_API_VERSION, kind: 'SveltosCluster', namespace, name };
}

/** Default kubeconfig Secret name of a cluster (SveltosCluster: unless spec.kubeconfigName is set). */
export function kubeconfigSecretName(clusterType: ClusterType, clusterName: string): string {
  return (
    clusterName + (clusterType === 'Capi' ? CAPI_KUBECONFIG_SECRET_SUFFIX : SVELTOS_KUBECONFIG_SECRET_SUFFIX)
  );
}

// ---- EventReport spec.resources ------------------------------------------------------------------------

/** JSON with keys sorted at every level and Go's HTML-safe escaping, as Go's encoding/json writes it. */
export function goJson(value: unknown): string {
  return canonicalJson(value)
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('&', '\\u0026')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
}

/** The text of EventReport `spec.resources` (before base64): each object as JSON + "\n---". */
export function eventReportResourcesText(objects: readonly unknown[]): string {
  return objects.map((o) => `${goJson(o)}\n${EVENT_REPORT_RESOURCES_SEPARATOR}`).join('');
}

/** EventReport `spec.resources` as it goes on the wire (base64), or undefined when there is nothing. */
export function encodeEventReportResources(objects: readonly unknown[]): string | undefined {
  if (objects.length === 0) return undefined;
  return Buffer.from(eventReportResourcesText(objects), 'utf8').toString('base64');
}

/** Splits the decoded `spec.resources` text into objects. Accepts JSON objects separated by `---` lines (what
 * the agent writes, tolerant of `---` inside JSON strings) and falls back to a YAML stream (at most 100
 * aliases expanded, as kubectl's decoder). Empty pieces are skipped; with `strict`, a piece that is not a
 * mapping is an error instead of being skipped. */
export function parseEventReportResourcesText(
  text: string,
  options: { strict?: boolean } = {},
): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let i = 0;
  const skip = () => {
    for (;;) {
      while (i < text.length && /\s/.test(text[i]!)) i++;
      if (text.startsWith(EVENT_REPORT_RESOURCES_SEPARATOR, i)) i += EVENT_REPORT_RESOURCES_SEPARATOR.length;
      else return;
    }
  };
  skip();
  while (i < text.length) {
    if (text[i] !== '{') return parseYamlStream(text, options.strict === true);
    const end = jsonObjectEnd(text, i);
    if (end < 0) return parseYamlStream(text, options.strict === true);
    try {
      out.push(JSON.parse(text.slice(i, end)) as Record<string, unknown>);
    } catch {
      return parseYamlStream(text, options.strict === true);
    }
    i = end;
    skip();
  }
  return out;
}

/** Decodes base64 EventReport `spec.resources` into objects. */
export function decodeEventReportResources(base64: string | undefined): Record<string, unknown>[] {
  if (!base64) return [];
  return parseEventReportResourcesText(Buffer.from(base64, 'base64').toString('utf8'));
}

/** Index just past the JSON object starting at `start`, or -1. */
function jsonObjectEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

function parseYamlStream(text: string, strict: boolean): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let index = 0;
  for (const d of parseAllDocuments(text, { uniqueKeys: false })) {
    if (d.errors.length > 0) throw new Error(`EventReport resources: ${d.errors[0]?.message}`);
    const v: unknown = d.toJS({ maxAliasCount: 100 });
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) out.push(v as Record<string, unknown>);
    else if (strict && v !== null && v !== undefined)
      throw new Error(`EventReport resources: document ${index} is not an object`);
    index++;
  }
  return out;
}

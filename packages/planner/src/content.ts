// The event content of a report: which objects the planner renders for.

import {
  EVENT_SOURCE_NAME_LABEL,
  type EventReport,
  type ObjectReference,
  parseEventReportResourcesText,
} from '@sveltos-ts/api';
import { PlanError } from './errors.ts';
import type { EventItem } from './render.ts';
import type { EventContent } from './types.ts';

export interface DecodedContent {
  eventSourceName: string;
  matchingResources: ObjectReference[];
  resources: Record<string, unknown>[];
  cloudEvents: Record<string, unknown>[];
}

function isReport(r: EventReport | EventContent): r is EventReport {
  return 'spec' in r && typeof r.spec === 'object' && r.spec !== null;
}

function parseCloudEvent(raw: string | Record<string, unknown>, i: number): Record<string, unknown> {
  if (typeof raw !== 'string') return raw;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    throw new PlanError('INVALID_INPUT', `cloudEvents[${i}] is not JSON: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new PlanError('INVALID_INPUT', `cloudEvents[${i}] is not a JSON object`);
  }
  return v as Record<string, unknown>;
}

const STRICT_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** base64 as Go's encoding/json decodes []byte (standard alphabet, padded), then the text as UTF-8: what
 * does not decode is refused instead of being read as garbage. */
function decodeBase64Text(b64: string, what: string): string {
  const compact = b64.replace(/[\r\n]/g, '');
  if (compact.length % 4 !== 0 || !STRICT_BASE64.test(compact)) {
    throw new PlanError('INVALID_INPUT', `${what} is not valid base64`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(compact, 'base64'));
  } catch {
    throw new PlanError('INVALID_INPUT', `${what} is not valid UTF-8 once decoded`);
  }
}

/** Each collected resource must be an object that names itself (apiVersion, kind, metadata.name), as the
 * agent writes it: anything else is a broken or forged report. */
function checkResources(resources: unknown[]): Record<string, unknown>[] {
  resources.forEach((r, i) => {
    const problem = resourceProblem(r);
    if (problem) {
      throw new PlanError('INVALID_INPUT', `EventReport spec.resources[${i}] ${problem}`);
    }
  });
  return resources as Record<string, unknown>[];
}

function resourceProblem(r: unknown): string | undefined {
  if (r === null || typeof r !== 'object' || Array.isArray(r)) return 'is not an object';
  const o = r as { apiVersion?: unknown; kind?: unknown; metadata?: unknown };
  if (typeof o.apiVersion !== 'string' || o.apiVersion === '') return 'has no apiVersion';
  if (typeof o.kind !== 'string' || o.kind === '') return 'has no kind';
  if (o.metadata === null || typeof o.metadata !== 'object' || Array.isArray(o.metadata))
    return 'has no metadata';
  const m = o.metadata as { name?: unknown; namespace?: unknown };
  if (typeof m.name !== 'string' || m.name === '') return 'has no metadata.name';
  if (m.namespace !== undefined && typeof m.namespace !== 'string')
    return 'has a metadata.namespace that is not a string';
  return undefined;
}

/** Decodes an EventReport (base64 resources and CloudEvents) or normalises already decoded content. */
export function decodeContent(report: EventReport | EventContent): DecodedContent {
  if (!isReport(report)) {
    return {
      eventSourceName: report.eventSourceName,
      matchingResources: report.matchingResources ?? [],
      resources: checkResources(report.resources ?? []),
      cloudEvents: (report.cloudEvents ?? []).map(parseCloudEvent),
    };
  }
  const spec = report.spec;
  let resources: Record<string, unknown>[];
  if (spec.resources) {
    const text = decodeBase64Text(spec.resources, 'EventReport spec.resources');
    try {
      resources = parseEventReportResourcesText(text, { strict: true });
    } catch (e) {
      throw new PlanError(
        'INVALID_INPUT',
        `EventReport spec.resources cannot be decoded: ${(e as Error).message}`,
      );
    }
    checkResources(resources);
  } else resources = [];
  return {
    eventSourceName: report.metadata.labels?.[EVENT_SOURCE_NAME_LABEL] ?? spec.eventSourceName,
    matchingResources: spec.matchingResources ?? [],
    resources,
    cloudEvents: (spec.cloudEvents ?? []).map((b64, i) =>
      parseCloudEvent(decodeBase64Text(b64, `EventReport spec.cloudEvents[${i}]`), i),
    ),
  };
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function refOf(o: Record<string, unknown>): ObjectReference {
  const meta = (o.metadata ?? {}) as Record<string, unknown>;
  return {
    apiVersion: str(o.apiVersion),
    kind: str(o.kind),
    namespace: str(meta.namespace),
    name: str(meta.name),
  };
}

/** The per-object list: collected resources when there are any (their reference derived from each object),
 * else the matching references; then the CloudEvents. */
export function eventItems(c: DecodedContent): EventItem[] {
  const items: EventItem[] =
    c.resources.length > 0
      ? c.resources.map((r) => ({ type: 'resource', ref: refOf(r), resource: r }))
      : c.matchingResources.map((ref) => ({ type: 'resource', ref, resource: undefined }));
  for (const event of c.cloudEvents) {
    items.push({ type: 'cloudEvent', event, source: str(event.source), subject: str(event.subject) });
  }
  return items;
}

// The event content of a report: which objects the planner renders for.

import {
  decodeEventReportResources,
  EVENT_SOURCE_NAME_LABEL,
  type EventReport,
  type ObjectReference,
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

/** Decodes an EventReport (base64 resources and CloudEvents) or normalises already decoded content. */
export function decodeContent(report: EventReport | EventContent): DecodedContent {
  if (!isReport(report)) {
    return {
      eventSourceName: report.eventSourceName,
      matchingResources: report.matchingResources ?? [],
      resources: report.resources ?? [],
      cloudEvents: (report.cloudEvents ?? []).map(parseCloudEvent),
    };
  }
  const spec = report.spec;
  let resources: Record<string, unknown>[];
  try {
    resources = decodeEventReportResources(spec.resources);
  } catch (e) {
    throw new PlanError(
      'INVALID_INPUT',
      `EventReport spec.resources cannot be decoded: ${(e as Error).message}`,
    );
  }
  return {
    eventSourceName: report.metadata.labels?.[EVENT_SOURCE_NAME_LABEL] ?? spec.eventSourceName,
    matchingResources: spec.matchingResources ?? [],
    resources,
    cloudEvents: (spec.cloudEvents ?? []).map((b64, i) =>
      parseCloudEvent(Buffer.from(b64, 'base64').toString('utf8'), i),
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

// The EventSource as the API server would accept it: the agent evaluates copies the API server accepted, and
// `sveltosctl eventsource test` must refuse what the API server would refuse, so both check against the
// schema the CRD carries (@sveltos-ts/api validateObject), before compiling.

import { type EventSource, EventSourceKind, validateObject } from '@sveltos-ts/api';
import { EvaluationError } from './errors.ts';

/** Throws INVALID_EVENTSOURCE listing every schema violation. An object without apiVersion/kind (built in
 * code rather than read from YAML or the API server) is checked as an EventSource of the served version. */
export function validateEventSource(eventSource: EventSource, name: string): void {
  const o = eventSource as unknown as Record<string, unknown>;
  const typed =
    o.apiVersion === undefined && o.kind === undefined
      ? { apiVersion: EventSourceKind.apiVersion, kind: EventSourceKind.kind, ...o }
      : o;
  const errors = validateObject(typed, { kinds: [EventSourceKind] });
  if (errors.length === 0) return;
  const shown = errors.slice(0, 10).map((e) => e.message);
  if (errors.length > shown.length) shown.push(`and ${errors.length - shown.length} more`);
  throw new EvaluationError('INVALID_EVENTSOURCE', `EventSource "${name}" is invalid: ${shown.join('; ')}`);
}

// The shape of a reconcile (cluster-api's): a scope object read once at the start, explicit phases run in
// order over it, and a status write deferred so that every exit — success, early end, failure — makes it.

import type { ReconcileResult } from '@sveltos-ts/kube';

export interface ReconcileScope {
  /** Writes what the phases recorded in the scope. Runs on every exit; `failure` is the error a phase
   * threw, if any (its message belongs in the status). */
  writeStatus(failure: unknown): Promise<void>;
}

/** A phase ends the reconcile early with `{ done: true }` (and an optional result). */
export interface Phase<S> {
  name: string;
  run(scope: S): Promise<{ done: true; result?: ReconcileResult | undefined } | undefined>;
}

/**
 * Runs the phases in order until one says done or throws, then writes the status. A phase failure is
 * rethrown after the status write (the queue retries it); a failed status write after successful phases is
 * thrown itself (the status must eventually be written).
 */
export async function runPhases<S extends ReconcileScope>(
  scope: S,
  phases: readonly Phase<S>[],
): Promise<ReconcileResult | undefined> {
  let result: ReconcileResult | undefined;
  let failure: { error: unknown } | undefined;
  try {
    for (const phase of phases) {
      const outcome = await phase.run(scope);
      if (outcome?.done) {
        result = outcome.result;
        break;
      }
    }
  } catch (error) {
    failure = { error };
  }
  try {
    await scope.writeStatus(failure?.error);
  } catch (statusError) {
    if (failure === undefined) throw statusError;
    // the phase's failure is what the queue acts on; the status is written on the retry
  }
  if (failure) throw failure.error;
  return result;
}

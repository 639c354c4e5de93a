// Unit "eventtrigger-cluster" (key: trigger × cluster): the planner's desired ClusterProfiles, ConfigMaps and
// Secrets for one trigger and one source cluster, applied (data before the profiles referencing it) and
// the stale ones deleted (profiles before their data). Withdraws everything when the pair no longer
// matches. The outcome is recorded on every exit and wakes the trigger and report status units.

import {
  type ClusterProfile,
  CONFIG_API_VERSION,
  EVENT_REPORT_CHANGED_AT_ANNOTATION,
  type EventReport,
  type EventTrigger,
  eventReportName,
} from '@sveltos-ts/api';
import {
  ClusterError,
  type ClusterKey,
  clusterKeyString,
  type RegisteredCluster,
} from '@sveltos-ts/clusters';
import { failpoint, KubeError, type KubeObject, type ReconcileResult, TerminalError } from '@sveltos-ts/kube';
import {
  type ConfigMap,
  type ExistingObjects,
  ownershipSelector,
  type Plan,
  PlanError,
  plan,
  resolveEventSourceName,
  type Secret,
  type SourceCluster,
} from '@sveltos-ts/planner';
import {
  type Phase,
  type Reconciler,
  runPhases,
  specLabelsOrDeletionChanged,
  type Watch,
  watchInformer,
} from '@sveltos-ts/runtime';
import {
  type EventManagerContext,
  type Generated,
  involved,
  type PairOutcome,
  ref,
  refOfKey,
} from '../context.ts';
import { ownershipDiff, ownerTuple, type PairKey } from '../ownership.ts';
import { acceptReport, claimedCluster, reportEventSource } from '../routing.ts';
import { isEventBasedAddOnMirror } from './eventbasedaddon.ts';

interface PairScope {
  pair: PairKey;
  trigger: (EventTrigger & KubeObject) | undefined;
  cluster: RegisteredCluster | undefined;
  /** The EventSource the trigger resolves to for this cluster (resolved once per reconcile), or why not. */
  eventSource: { name: string } | { error: unknown } | undefined;
  /** The report this pair reads (namespace/name), when the trigger and cluster are known. */
  reportKey: string | undefined;
  /** Everything the pair generated, from the index. */
  owned: Generated[];
  desired: Plan | undefined;
  /** Set by the phases; the deferred status write records it (or Failed when a phase threw). */
  outcome: Omit<PairOutcome, 'pair' | 'report'> | undefined;
  writeStatus(failure: unknown): Promise<void>;
}

const isTerminal = (error: unknown): boolean =>
  (error instanceof PlanError && !error.retryable) ||
  (error instanceof KubeError && !error.retryable && error.code !== 'NOT_FOUND') ||
  (error instanceof ClusterError && !error.retryable);

const APPLY_PARALLELISM = 8;

async function inBatches<T, R>(items: readonly T[], f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += APPLY_PARALLELISM)
    out.push(...(await Promise.all(items.slice(i, i + APPLY_PARALLELISM).map(f))));
  return out;
}

export class PairReconciler implements Reconciler<PairKey> {
  readonly #ctx: EventManagerContext;
  readonly #deploy: Phase<PairScope>[] = [
    { name: 'cluster usable', run: async (s) => this.#clusterUsable(s) },
    { name: 'plan', run: async (s) => this.#plan(s) },
    { name: 'apply', run: (s) => this.#apply(s) },
    { name: 'delete stale ClusterProfiles', run: (s) => this.#deleteStaleProfiles(s, 'Provisioning') },
    { name: 'delete stale data', run: (s) => this.#deleteStaleData(s, 'Provisioned') },
  ];
  readonly #withdraw: Phase<PairScope>[] = [
    { name: 'delete ClusterProfiles', run: (s) => this.#deleteStaleProfiles(s, 'Removing') },
    { name: 'delete data', run: (s) => this.#deleteStaleData(s, 'Removed') },
    { name: 'EventSource copies', run: async (s) => this.#withdrawCopies(s) },
  ];

  constructor(ctx: EventManagerContext) {
    this.#ctx = ctx;
  }

  async reconcile(pair: PairKey): Promise<ReconcileResult | undefined> {
    const ctx = this.#ctx;
    const trigger = ctx.informers.triggers.get(pair.eventTrigger);
    if (trigger && !ctx.mine(trigger)) return undefined;
    // another shard's cluster: left alone, nothing withdrawn (that shard adopts what is there)
    if (!ctx.registry.handles(pair.cluster)) return undefined;
    const cluster = ctx.registry.get(pair.cluster);
    const wanted = trigger !== undefined && ctx.matches(trigger, clusterKeyString(pair.cluster));
    const tuple = ownerTuple(ownershipLabelsOf(pair.eventTrigger, pair.cluster, cluster?.object))!;
    const eventSource = cluster && trigger ? resolveOnce(trigger, cluster) : undefined;
    const scope: PairScope = {
      pair,
      trigger,
      cluster,
      eventSource,
      reportKey:
        cluster && eventSource && 'name' in eventSource
          ? `${cluster.namespace}/${eventReportName(cluster.type, eventSource.name, cluster.name)}`
          : undefined,
      owned: ctx.owned.ownedBy(tuple),
      desired: undefined,
      outcome: undefined,
      writeStatus: (failure) => this.#record(scope, failure),
    };
    try {
      return await runPhases(scope, wanted ? this.#deploy : this.#withdraw);
    } catch (error) {
      if (isTerminal(error))
        throw new TerminalError(codeOf(error), (error as Error).message, { cause: error });
      throw error;
    }
  }

  /** The deferred write: the outcome (Failed with the message when a phase threw), an Event for a failure,
   * and the status units woken. */
  async #record(scope: PairScope, failure: unknown): Promise<void> {
    const ctx = this.#ctx;
    const outcome =
      failure !== undefined
        ? { status: 'Failed' as const, message: (failure as Error).message }
        : scope.outcome;
    if (outcome !== undefined) {
      const r = scope.reportKey ? ctx.informers.reports.get(scope.reportKey) : undefined;
      ctx.setOutcome({
        pair: scope.pair,
        ...outcome,
        ...(r && outcome.status !== 'Removed' && outcome.status !== 'Removing'
          ? {
              report: {
                key: scope.reportKey!,
                uid: r.metadata.uid ?? '',
                generation: r.metadata.generation ?? 0,
              },
            }
          : {}),
      });
      if (outcome.status === 'Removed') ctx.trackReferences(scope.pair, []);
    }
    if (failure !== undefined && scope.trigger) {
      ctx.recorder.record(
        involved(scope.trigger),
        'Warning',
        'ProcessingFailed',
        `cluster ${clusterKeyString(scope.pair.cluster)}: ${(failure as Error).message}`,
      );
    }
    ctx.queues.triggerStatus.add(scope.pair.eventTrigger);
    if (scope.reportKey) {
      const [namespace, name] = splitKey(scope.reportKey);
      ctx.queues.reportStatus.add({ namespace, name });
    }
  }

  // ---- deploy ------------------------------------------------------------------------------------------

  #clusterUsable(scope: PairScope): { done: true } | undefined {
    const { cluster } = scope;
    if (cluster?.ready && !cluster.paused) {
      this.#ctx.queues.copies.add(scope.pair.cluster);
      return undefined;
    }
    // nothing is removed for a cluster that is only temporarily unusable
    scope.outcome = {
      status: 'Provisioning',
      message: !cluster
        ? `cluster ${clusterKeyString(scope.pair.cluster)} is not registered`
        : 'cannot proceed: the cluster is paused or not ready',
    };
    return { done: true };
  }

  #plan(scope: PairScope): undefined {
    const ctx = this.#ctx;
    const et = scope.trigger!;
    const cluster = scope.cluster!;
    // a name that does not resolve fails the pair with its message, not silently
    const eventSource = scope.eventSource!;
    if ('error' in eventSource) throw eventSource.error;
    const report = scope.reportKey ? ctx.informers.reports.get(scope.reportKey) : undefined;
    if (report) {
      const acceptance = acceptReport(report, cluster.object);
      // a malformed report at the expected name is reported, and nothing is changed (nothing lost)
      if (!acceptance.accepted) throw new PlanError('INVALID_INPUT', acceptance.reason);
    }
    const existing: ExistingObjects = {
      clusterProfiles: scope.owned.filter((o) => o.kind === 'ClusterProfile') as unknown as ClusterProfile[],
      configMaps: scope.owned.filter((o) => o.kind === 'ConfigMap') as unknown as ConfigMap[],
      secrets: scope.owned.filter((o) => o.kind === 'Secret') as unknown as Secret[],
    };
    scope.desired = plan({
      eventTrigger: et,
      report: report && !report.metadata.deletionTimestamp ? report : undefined,
      cluster: cluster.object,
      lookup: ctx.lookup,
      existing,
      // an EventBasedAddOn (v1alpha1) instantiates every referenced ConfigMap/Secret
      options: { namespace: ctx.settings.namespace, instantiatePolicyRefs: isEventBasedAddOnMirror(et) },
      eventSourceName: eventSource.name,
    });
    ctx.trackReferences(scope.pair, scope.desired.references);
    for (const w of scope.desired.warnings) ctx.recorder.record(involved(et), 'Warning', w.code, w.message);
    return undefined;
  }

  async #apply(scope: PairScope): Promise<undefined> {
    const desired = scope.desired!;
    const apply = (o: unknown) => this.#ctx.apply(o as Generated);
    failpoint('event-manager/pair-before-apply');
    // data first: the profiles reference it
    await inBatches([...desired.configMaps, ...desired.secrets], apply);
    failpoint('event-manager/pair-between-data-and-profiles');
    const changed = (await inBatches(desired.clusterProfiles, apply)).some(Boolean);
    failpoint('event-manager/pair-after-apply');
    const report = scope.reportKey ? this.#ctx.informers.reports.get(scope.reportKey) : undefined;
    if (changed && report) this.#observeLatency(report);
    return undefined;
  }

  #observeLatency(report: EventReport & KubeObject): void {
    const at = report.metadata.annotations?.[EVENT_REPORT_CHANGED_AT_ANNOTATION];
    let since = at ? Date.parse(at) : Number.NaN;
    if (Number.isNaN(since)) {
      const times = (report.metadata.managedFields ?? [])
        .filter((f) => f.subresource !== 'status' && f.time)
        .map((f) => Date.parse(f.time!));
      since = times.length > 0 ? Math.max(...times) : Number.NaN;
    }
    if (!Number.isNaN(since))
      this.#ctx.metrics.eventToProfileSeconds.observe(Math.max(0, Date.now() - since) / 1000);
  }

  // ---- both: stale profiles first, their data once the profiles are gone -------------------------------

  #stale(scope: PairScope) {
    const d = scope.desired;
    return ownershipDiff(
      scope.owned,
      d ? ([...d.clusterProfiles, ...d.configMaps, ...d.secrets] as Generated[]) : [],
    );
  }

  async #deleteStaleProfiles(
    scope: PairScope,
    waiting: 'Provisioning' | 'Removing',
  ): Promise<{ done: true; result: ReconcileResult } | undefined> {
    const diff = this.#stale(scope);
    for (const p of diff.deleteProfiles) {
      await this.#ctx.client.delete({
        apiVersion: CONFIG_API_VERSION,
        kind: 'ClusterProfile',
        name: p.metadata.name,
      });
    }
    if (diff.deleteProfiles.length > 0) failpoint('event-manager/pair-after-deleting-profiles');
    if (!diff.profilesPending) return undefined;
    scope.outcome = {
      status: waiting,
      message:
        waiting === 'Removing'
          ? 'waiting for ClusterProfiles to be deleted'
          : 'waiting for stale ClusterProfiles to be deleted',
    };
    // the profile's delete event wakes this pair again; the requeue is only a safety net
    return { done: true, result: { requeueAfterMs: 5_000 } };
  }

  async #deleteStaleData(scope: PairScope, reached: 'Provisioned' | 'Removed'): Promise<undefined> {
    for (const o of this.#stale(scope).deleteData) await this.#ctx.client.delete(ref(o));
    scope.outcome = { status: reached };
    return undefined;
  }

  // ---- withdraw ----------------------------------------------------------------------------------------

  #withdrawCopies(scope: PairScope): undefined {
    const { cluster, trigger } = scope;
    if (cluster?.ready && !cluster.paused) this.#ctx.queues.copies.add(scope.pair.cluster);
    else if (cluster && trigger) {
      this.#ctx.recorder.record(
        involved(trigger),
        'Warning',
        'CleanupSkipped',
        `cluster ${cluster.key} is not ready: EventSource copies there are left in place`,
      );
    }
    return undefined;
  }
}

/** A pair looks again when a report it consumes changes, when an object it generated changes (the owned
 * index wakes it), and when a ConfigMap/Secret its last plan looked up changes. */
export function pairWatches(ctx: EventManagerContext): Watch<PairKey>[] {
  return [
    watchInformer(ctx.informers.reports, (e) => {
      const r = e.object;
      if (e.type === 'update' && !specLabelsOrDeletionChanged(e.old, r)) return undefined;
      const key = claimedCluster(r);
      if (key === undefined) return undefined;
      const cluster = ctx.registry.get(key);
      const eventSource = reportEventSource(r);
      return ctx
        .myTriggers()
        .filter((et) => (cluster ? ctx.resolve(et, cluster.object) : et.spec.eventSourceName) === eventSource)
        .map((et) => ({ eventTrigger: et.metadata.name, cluster: key }));
    }),
    watchInformer(ctx.informers.configMaps, (e) => ctx.referencing(e.object)),
    watchInformer(ctx.informers.secrets, (e) => ctx.referencing(e.object)),
  ];
}

function splitKey(k: string): [string, string] {
  const i = k.indexOf('/');
  return [k.slice(0, i), k.slice(i + 1)];
}

function resolveOnce(et: EventTrigger, cluster: RegisteredCluster): { name: string } | { error: unknown } {
  try {
    return { name: resolveEventSourceName(et, cluster.object) };
  } catch (error) {
    return { error };
  }
}

function codeOf(error: unknown): string {
  return (error as { code?: string }).code ?? 'FAILED';
}

/** The ownership labels of (trigger, cluster), also for a cluster that is no longer registered. */
function ownershipLabelsOf(
  eventTrigger: string,
  key: ClusterKey,
  object: SourceCluster | undefined,
): Record<string, string> {
  const { apiVersion, kind } = refOfKey(key);
  return ownershipSelector(
    eventTrigger,
    object ?? ({ apiVersion, kind, metadata: { namespace: key.namespace, name: key.name } } as SourceCluster),
  );
}

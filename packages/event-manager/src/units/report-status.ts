// Unit "eventreport-status" (key: report namespace/name): `status.phase: Processed` once every pair that
// consumes the report's current content is provisioned, `failureMessage` when one failed or the report was
// rejected (wrong cluster, spoofing attempt).

import type { EventReport } from '@sveltos-ts/api';
import type { KubeObject, ReconcileResult } from '@sveltos-ts/kube';
import {
  type Phase,
  type Reconciler,
  runPhases,
  specLabelsOrDeletionChanged,
  type Watch,
  watchInformer,
} from '@sveltos-ts/runtime';
import { type EventManagerContext, FIELD_MANAGER, involved, type ReportKey, ref } from '../context.ts';
import { acceptReport, claimedCluster, consumers, isLocalCopy, reportEventSource } from '../routing.ts';

type Report = EventReport & KubeObject;

interface ReportStatusScope {
  key: string;
  report: Report;
  /** What to write; undefined: leave the status as it is (not every consumer is done yet). */
  status: { phase?: string; failureMessage: string | null } | undefined;
  writeStatus(): Promise<void>;
}

export const reportKeyOf = (k: ReportKey): string => `${k.namespace}/${k.name}`;

export class ReportStatusReconciler implements Reconciler<ReportKey> {
  readonly #ctx: EventManagerContext;
  readonly #phases: Phase<ReportStatusScope>[] = [{ name: 'judge', run: (s) => this.#judge(s) }];

  constructor(ctx: EventManagerContext) {
    this.#ctx = ctx;
  }

  async reconcile(key: ReportKey): Promise<ReconcileResult | undefined> {
    const report = this.#ctx.informers.reports.get(reportKeyOf(key));
    if (!report || report.metadata.deletionTimestamp || isLocalCopy(report)) return undefined;
    const scope: ReportStatusScope = {
      key: reportKeyOf(key),
      report,
      status: undefined,
      writeStatus: () => this.#write(scope),
    };
    return runPhases(scope, this.#phases);
  }

  async #judge(scope: ReportStatusScope): Promise<undefined> {
    const { report } = scope;
    const ctx = this.#ctx;
    const ck = claimedCluster(report);
    if (ck && !ctx.registry.handles(ck)) return undefined; // another shard's report
    const cluster = ck ? ctx.registry.get(ck) : undefined;
    const eventSource = reportEventSource(report);
    const acceptance = acceptReport(report, cluster?.object);
    if (!acceptance.accepted) {
      // only a manager with a trigger for this EventSource speaks about the report
      const concerned = ctx
        .myTriggers()
        .some(
          (et) =>
            et.spec.eventSourceName === eventSource ||
            (cluster && ctx.resolve(et, cluster.object) === eventSource),
        );
      if (!concerned) return undefined;
      ctx.logger.warn('EventReport ignored', { report: scope.key, reason: acceptance.reason });
      ctx.recorder.record(involved(report), 'Warning', 'ReportRejected', acceptance.reason);
      scope.status = { failureMessage: acceptance.reason };
      return undefined;
    }
    const cl = cluster!;
    const users = consumers(
      eventSource,
      ctx.myTriggers().filter((et) => !et.metadata.deletionTimestamp),
      (et) => ctx.matches(et, cl.key),
      (et) => ctx.resolve(et, cl.object),
    );
    if (users.length === 0) return undefined;
    const failures: string[] = [];
    for (const et of users) {
      const o = ctx.outcome({ eventTrigger: et.metadata.name!, cluster: cl });
      const current =
        o?.report?.uid === report.metadata.uid && o?.report?.generation === (report.metadata.generation ?? 0);
      if (!current) return undefined; // that pair has not processed this content yet; it will wake us
      if (o?.status === 'Failed') failures.push(`EventTrigger ${et.metadata.name}: ${o.message}`);
      else if (o?.status !== 'Provisioned') return undefined;
    }
    scope.status =
      failures.length > 0
        ? { failureMessage: failures.join('; ') }
        : { phase: 'Processed', failureMessage: null };
    return undefined;
  }

  async #write({ report, status }: ReportStatusScope): Promise<void> {
    if (status === undefined) return;
    const current = report.status ?? {};
    if (
      (status.phase === undefined || current.phase === status.phase) &&
      (current.failureMessage ?? null) === status.failureMessage
    ) {
      return;
    }
    await this.#ctx.client.patchStatus(ref(report), status, FIELD_MANAGER);
  }
}

/** A report is judged again when its content, labels or deletion change (not on our own status writes). */
export function reportStatusWatches(ctx: EventManagerContext): Watch<ReportKey>[] {
  return [
    watchInformer(ctx.informers.reports, (e) => {
      const r = e.object;
      if (e.type === 'update' && !specLabelsOrDeletionChanged(e.old, r)) return undefined;
      return { namespace: r.metadata.namespace ?? '', name: r.metadata.name };
    }),
  ];
}

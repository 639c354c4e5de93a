import { createHash } from 'node:crypto';
import {
  DEPLOYED_BY_SVELTOS_ANNOTATION,
  EVENT_REPORT_CHANGED_AT_ANNOTATION,
  type EventSource,
  EventSourceKind,
} from '@sveltos-ts/api';
import {
  EventRecorder,
  failpoint,
  Informer,
  type InformerEvent,
  type KubeObject,
  type Logger,
  objectKey,
  type RestClient,
  silentLogger,
  stripManagedFields,
  WorkQueue,
} from '@sveltos-ts/kube';
import { LocalReports } from './local-report.ts';
import type { AgentMetrics } from './metrics.ts';
import { buildEventReport, type ClusterIdentity, reportFingerprint } from './report.ts';
import { apiVersionOf, type Gvk, SharedInformers } from './shared-informers.ts';
import type { CompiledSource, CompileSource, ObjectVerdict } from './source.ts';

export interface AgentOptions {
  cluster: ClusterIdentity;
  /** The cluster the agent evaluates (where EventSource copies and the watched resources live). */
  managedClient: RestClient;
  /** Returns the client for the management cluster, where reports go (called per write: credentials rotate). */
  reportClient: () => RestClient;
  compile: CompileSource;
  /** Changes arriving within this window are evaluated and reported together. */
  coalesceMs?: number;
  /** Where the agent keeps its own copy of each report in the cluster it evaluates (default projectsveltos). */
  localReportsNamespace?: string;
  logger?: Logger;
  metrics?: AgentMetrics;
}

type Listener = (event: InformerEvent<KubeObject>) => void;

/** An EventSource as served: the API server guarantees the name the api type leaves optional. */
type ServedEventSource = EventSource & KubeObject;

/** What the agent keeps per EventSource: its compiled rules, subscriptions and per-selector matches. */
interface SourceState {
  name: string;
  specHash: string;
  compiled: CompiledSource | undefined;
  /** Why the EventSource cannot be evaluated (bad script or rule); its last good report stays. */
  compileError: string | undefined;
  subscriptions: Array<{ gvk: Gvk; listener: Listener; informer: Informer }>;
  /** Objects passing each selector's per-object rules, keyed by namespace/name. */
  matched: Array<Map<string, KubeObject>>;
  /** Objects whose script failed, per selector: while any remain, the report cannot be trusted. */
  failing: Array<Map<string, string>>;
  /** Objects changed (or deleted: null) since they were last evaluated, per selector. */
  pending: Array<Map<string, KubeObject | null>>;
  /** The report may differ from what was last written (set by evaluations, cleared when written). */
  dirty: boolean;
  /** Delay before evaluating again objects a stopped script left unevaluated (doubles, reset on success). */
  retryDelayMs: number;
  /** Fingerprint of what the management cluster holds, once known. */
  written: string | undefined;
  lastProblem: string | undefined;
  /** Whole-object lists in flight for selectors whose shared informer had synced already. */
  listing: number;
  /** When a reconcile was last asked for at once (performance.now()), for the coalescing window. */
  lastReconcileAt: number;
  /** When the oldest change not yet evaluated was seen (performance.now()), for the per-hop latency. */
  changedSince?: number | undefined;
}

const fieldManager = 'sveltos-agent';

function byNamespaceAndName(a: KubeObject, b: KubeObject): number {
  const [left, right] = [a.metadata.namespace ?? '', b.metadata.namespace ?? ''];
  if (left !== right) return left < right ? -1 : 1;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

function hashSpec(eventSource: ServedEventSource): string {
  return createHash('sha256')
    .update(JSON.stringify(eventSource.spec ?? {}))
    .digest('hex');
}

/**
 * The sveltos-agent for one cluster: evaluates the EventSources deployed to it from shared informer caches,
 * incrementally, and keeps one EventReport per EventSource in the management cluster. It never reports
 * before every informer an EventSource needs has synced, so an empty report always means "nothing
 * matches". A broken EventSource is reported and keeps its last good report; others carry on.
 */
export class SveltosAgent {
  readonly #options: AgentOptions;
  readonly #logger: Logger;
  readonly #informers: SharedInformers;
  readonly #sources = new Map<string, SourceState>();
  readonly #queue: WorkQueue<string>;
  readonly #coalesceMs: number;
  readonly #recorder: EventRecorder;
  readonly #local: LocalReports;
  #eventSources: Informer<ServedEventSource> | undefined;
  #running: Promise<void> | undefined;

  constructor(options: AgentOptions) {
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#coalesceMs = options.coalesceMs ?? 30;
    this.#informers = new SharedInformers(options.managedClient, this.#logger);
    // Events go where the reports go: the management cluster, beside the report they are about
    this.#recorder = new EventRecorder(options.reportClient, this.#logger, 'sveltos-agent');
    this.#local = new LocalReports(options.managedClient, this.#logger, options.localReportsNamespace);
    this.#queue = new WorkQueue<string>({ baseDelayMs: 200, maxDelayMs: 30_000, logger: this.#logger });
  }

  /** Watches EventSource copies and starts reporting. */
  start(): void {
    if (this.#eventSources) return;
    const informer = new Informer<ServedEventSource>(this.#options.managedClient, {
      apiVersion: EventSourceKind.apiVersion,
      kind: EventSourceKind.kind,
      logger: this.#logger.child({ watch: 'EventSource' }),
    });
    informer.on((event) => this.#onEventSource(event));
    this.#eventSources = informer.start();
    this.#running = this.#queue.run(4, (name) => this.#reconcile(name));
  }

  /** True once the EventSource list and every informer in use have synced. */
  synced(): boolean {
    return (this.#eventSources?.hasSynced() ?? false) && this.#informers.stats().every((s) => s.synced);
  }

  /** Per EventSource: whether it is healthy and what the management cluster holds. */
  status(): Array<{ eventSource: string; problem?: string; reported: boolean }> {
    return [...this.#sources.values()].map((state) => ({
      eventSource: state.name,
      reported: state.written !== undefined,
      ...(state.lastProblem ? { problem: state.lastProblem } : {}),
    }));
  }

  watchedObjects(): number {
    return this.#informers.stats().reduce((sum, s) => sum + s.objects, 0);
  }

  async stop(): Promise<void> {
    await this.#eventSources?.stop();
    this.#queue.shutdown();
    await this.#running;
    await this.#informers.stop();
  }

  #onEventSource(event: InformerEvent<ServedEventSource>): void {
    const eventSource = event.object;
    const name = eventSource.metadata.name;
    const deployed = eventSource.metadata.annotations?.[DEPLOYED_BY_SVELTOS_ANNOTATION] !== undefined;
    if (event.type === 'delete' || !deployed || eventSource.metadata.deletionTimestamp) {
      if (this.#sources.has(name)) void this.#forget(name, true);
      return;
    }
    const specHash = hashSpec(eventSource);
    const current = this.#sources.get(name);
    if (current && current.specHash === specHash) return;
    void this.#load(eventSource, specHash, current);
  }

  async #load(
    eventSource: ServedEventSource,
    specHash: string,
    previous: SourceState | undefined,
  ): Promise<void> {
    const name = eventSource.metadata.name;
    if (previous) await this.#unsubscribe(previous);
    const state: SourceState = {
      name,
      specHash,
      compiled: undefined,
      compileError: undefined,
      subscriptions: [],
      matched: [],
      failing: [],
      pending: [],
      dirty: true,
      retryDelayMs: 0,
      listing: 0,
      lastReconcileAt: 0,
      written: previous?.written,
      // kept so a fixed EventSource clears the problem it had recorded
      lastProblem: previous?.lastProblem,
    };
    this.#sources.set(name, state);
    let compiled: CompiledSource;
    try {
      compiled = await this.#options.compile(eventSource);
    } catch (error) {
      state.compileError = (error as Error).message;
      this.#logger.error('EventSource cannot be evaluated; keeping its last report', {
        eventSource: name,
        error: state.compileError,
      });
      this.#options.metrics?.evaluationErrors.inc({ eventsource: name });
      if (this.#sources.get(name) === state) this.#queue.add(name);
      return;
    }
    if (this.#sources.get(name) !== state) {
      // replaced or forgotten while compiling
      compiled.release();
      return;
    }
    state.compiled = compiled;
    compiled.selectors.forEach((gvk, index) => {
      state.matched[index] = new Map();
      state.failing[index] = new Map();
      state.pending[index] = new Map();
      const listener: Listener = (event) => this.#onObject(state, index, event);
      const informer = this.#informers.acquire(gvk, listener);
      state.subscriptions.push({ gvk, listener, informer });
      // a shared informer that synced earlier will not replay, and caches names only: list the objects
      // whole once for this EventSource (changes meanwhile arrive as events)
      if (informer.hasSynced()) this.#listWhole(state, index, gvk, informer);
    });
    this.#queue.add(name);
  }

  #listWhole(state: SourceState, index: number, gvk: Gvk, informer: Informer): void {
    state.listing++;
    this.#options.managedClient.list(apiVersionOf(gvk), gvk.kind).then(
      (list) => {
        const pending = state.pending[index];
        for (const object of list.items) {
          const key = objectKey(object);
          // only the version the cache holds: an older one was superseded by an event already, a newer
          // one is on its way as an event
          if (informer.get(key)?.metadata.resourceVersion !== object.metadata.resourceVersion) continue;
          if (!pending?.has(key)) pending?.set(key, stripManagedFields(object));
        }
        state.listing--;
        if (this.#sources.get(state.name) === state) this.#queue.add(state.name);
      },
      (error: unknown) => {
        state.listing--;
        if (this.#sources.get(state.name) !== state) return;
        this.#logger.warn('cannot list objects for an EventSource, retrying', {
          eventSource: state.name,
          error: (error as Error).message,
        });
        // counted as listing until it succeeds: no report from a partial picture
        state.listing++;
        setTimeout(() => {
          state.listing--;
          if (this.#sources.get(state.name) === state) this.#listWhole(state, index, gvk, informer);
        }, 1_000).unref();
      },
    );
  }

  #onObject(state: SourceState, index: number, event: InformerEvent<KubeObject>): void {
    const pending = state.pending[index];
    if (!pending) return;
    // evaluated in the next reconcile, in one batch with the other changes of the EventSource
    pending.set(objectKey(event.object), event.type === 'delete' ? null : event.object);
    const now = performance.now();
    state.changedSince ??= now;
    // leading edge: a change after a quiet spell is evaluated at once; changes following it within the
    // window wait for it and are evaluated together (a burst costs the same batches as before)
    if (now - state.lastReconcileAt > this.#coalesceMs) {
      state.lastReconcileAt = now;
      this.#queue.add(state.name);
    } else this.#queue.addAfter(state.name, this.#coalesceMs);
  }

  /**
   * Evaluates the objects changed since the last reconcile, in one batch (Lua in one sandbox request), and
   * updates the per-selector matches. Returns a delay when some objects were left unevaluated because a
   * script of the batch had to be stopped (they are evaluated again then).
   */
  async #evaluatePending(state: SourceState): Promise<number | undefined> {
    const compiled = state.compiled;
    if (!compiled) return undefined;
    const items: { selector: number; key: string; object: KubeObject }[] = [];
    state.pending.forEach((pending, selector) => {
      for (const [key, object] of pending) {
        if (object === null) {
          const wasFailing = state.failing[selector]!.delete(key);
          if (state.matched[selector]!.delete(key) || wasFailing) state.dirty = true;
        } else items.push({ selector, key, object });
      }
      pending.clear();
    });
    if (items.length === 0) return undefined;
    const started = performance.now();
    const verdicts = await compiled.evaluate(items);
    const seconds = (performance.now() - started) / 1000 / items.length;
    let interrupted = false;
    verdicts.forEach((verdict, i) => {
      const { selector, key, object } = items[i]!;
      this.#options.metrics?.evaluations.inc({ eventsource: state.name });
      this.#options.metrics?.evaluationSeconds.observe(seconds);
      if (verdict.retry) {
        interrupted = true;
        // evaluate it again later, unless it changed meanwhile (then the newer version is pending)
        if (!state.pending[selector]!.has(key)) state.pending[selector]!.set(key, object);
        return;
      }
      if (this.#applyVerdict(state, selector, key, object, verdict)) state.dirty = true;
    });
    if (!interrupted) {
      state.retryDelayMs = 0;
      return undefined;
    }
    state.retryDelayMs = Math.min(30_000, Math.max(500, state.retryDelayMs * 2));
    return state.retryDelayMs;
  }

  /** Records one object's verdict; true when the report may have changed. */
  #applyVerdict(
    state: SourceState,
    index: number,
    key: string,
    object: KubeObject,
    verdict: ObjectVerdict,
  ): boolean {
    const compiled = state.compiled!;
    const matched = state.matched[index]!;
    const failing = state.failing[index]!;
    if (verdict.issue) {
      this.#options.metrics?.evaluationErrors.inc({ eventsource: state.name });
      this.#logger.warn('rule failed on an object and counted as false', {
        eventSource: state.name,
        object: key,
        error: verdict.issue,
      });
    }
    if (verdict.error) {
      this.#options.metrics?.evaluationErrors.inc({ eventsource: state.name });
      failing.set(key, verdict.error);
      return true;
    }
    const wasFailing = failing.delete(key);
    const was = matched.has(key);
    if (verdict.matched) {
      matched.set(key, object);
      // content matters too when resources are collected or aggregated
      return !was || wasFailing || compiled.collectResources || compiled.aggregated;
    }
    if (was) matched.delete(key);
    return was || wasFailing;
  }

  async #unsubscribe(state: SourceState): Promise<void> {
    state.compiled?.release();
    const subscriptions = state.subscriptions.splice(0);
    await Promise.all(subscriptions.map((s) => this.#informers.release(s.gvk, s.listener)));
  }

  async #forget(name: string, deleteReport: boolean): Promise<void> {
    const state = this.#sources.get(name);
    if (!state) return;
    this.#sources.delete(name);
    await this.#unsubscribe(state);
    if (deleteReport) this.#queue.add(name);
  }

  async #reconcile(name: string): Promise<undefined | { requeueAfterMs: number }> {
    const state = this.#sources.get(name);
    const { cluster } = this.#options;
    const reportRef = buildEventReport(cluster, name, { matchingResources: [] });
    if (!state) {
      // the EventSource is gone: its report goes too (unless it was re-created meanwhile)
      const deleted = await this.#options.reportClient().delete({
        apiVersion: reportRef.apiVersion,
        kind: reportRef.kind,
        namespace: cluster.namespace,
        name: reportRef.metadata.name,
      });
      if (deleted) this.#options.metrics?.reportsDeleted.inc();
      await this.#local.delete(name);
      this.#logger.info('EventSource gone, report deleted', { eventSource: name });
      return undefined;
    }
    if (state.compileError || !state.compiled) {
      await this.#recordProblem(state, state.compileError ?? 'not compiled');
      return undefined;
    }
    // what arrived is evaluated as it arrives (an initial list is taken in page by page, never held whole);
    // the report waits for the whole picture
    const synced = state.listing === 0 && state.subscriptions.every((s) => s.informer.hasSynced());
    // changes seen from now on are the next reconcile's
    const changedSince = state.changedSince;
    state.changedSince = undefined;
    const retryAfterMs = await this.#evaluatePending(state);
    // the EventSource changed or went away while its objects were being evaluated: its new state reconciles
    if (this.#sources.get(name) !== state) return undefined;
    if (!synced) return { requeueAfterMs: 50 };
    const again = retryAfterMs === undefined ? undefined : { requeueAfterMs: retryAfterMs };
    const failure = state.failing.flatMap((failing) => [...failing]).at(0);
    if (failure) {
      await this.#recordProblem(state, `${failure[1]} (object ${failure[0]})`);
      return again;
    }
    if (retryAfterMs !== undefined) return again;
    // nothing evaluated differently and the report is known to hold the content: nothing to write
    if (!state.dirty && state.written !== undefined && !state.lastProblem) return undefined;

    const compiled = state.compiled;
    // upstream's order: selector by selector, each sorted by namespace and name; an object two selectors
    // match is listed twice (agent.md §3.4), exactly as `sveltosctl eventsource test` shows it
    let matches = state.matched.flatMap((matched) => [...matched.values()].sort(byNamespaceAndName));
    if (compiled.aggregated) {
      const result = await compiled.aggregate(matches);
      if (this.#sources.get(name) !== state) return undefined;
      if (result.error) {
        this.#options.metrics?.evaluationErrors.inc({ eventsource: name });
        await this.#recordProblem(state, result.error);
        return undefined;
      }
      matches = result.objects;
    }
    state.dirty = false;
    const content = compiled.report(matches);
    const report = buildEventReport(cluster, name, content);
    const fingerprint = reportFingerprint(report);
    const client = this.#options.reportClient();
    if (state.written === undefined) {
      // after a restart: compare with what the management cluster already holds before writing anything
      const existing = await client.getOrUndefined({
        apiVersion: report.apiVersion,
        kind: report.kind,
        namespace: cluster.namespace,
        name: report.metadata.name,
      });
      if (existing) state.written = reportFingerprint(existing);
      // a problem recorded before a restart is cleared once the EventSource evaluates again
      state.lastProblem ??= existing?.metadata.annotations?.[AGENT_PROBLEM_ANNOTATION];
    }
    if (state.written !== fingerprint) {
      report.metadata.annotations = { [EVENT_REPORT_CHANGED_AT_ANNOTATION]: new Date().toISOString() };
      failpoint('sveltos-agent/before-report-write');
      // written again on the retry if this fails
      state.dirty = true;
      await client.apply(report, { fieldManager });
      state.dirty = false;
      failpoint('sveltos-agent/after-report-write');
      state.written = fingerprint;
      this.#options.metrics?.reportsWritten.inc();
      if (changedSince !== undefined)
        this.#options.metrics?.changeToReportSeconds.observe((performance.now() - changedSince) / 1000);
      this.#logger.info('report written', { eventSource: name, matching: matches.length });
    }
    if (state.lastProblem) await this.#clearProblem(state);
    await this.#local.write(name, content);
    return undefined;
  }

  /** Records a broken EventSource where users look: log, a Kubernetes Event, and the report's annotation. */
  async #recordProblem(state: SourceState, problem: string): Promise<void> {
    if (state.lastProblem === problem) return;
    state.lastProblem = problem;
    const { cluster } = this.#options;
    const report = buildEventReport(cluster, state.name, { matchingResources: [] });
    this.#recorder.record(
      {
        apiVersion: report.apiVersion,
        kind: report.kind,
        namespace: cluster.namespace,
        name: report.metadata.name,
      },
      'Warning',
      'EvaluationFailed',
      `EventSource ${state.name} on cluster ${cluster.namespace}/${cluster.name}: ${problem}`,
    );
    await this.#annotateReport(report, problem);
  }

  async #clearProblem(state: SourceState): Promise<void> {
    state.lastProblem = undefined;
    await this.#annotateReport(
      buildEventReport(this.#options.cluster, state.name, { matchingResources: [] }),
      undefined,
    );
  }

  /** The problem annotation is owned by its own field manager, so setting it never touches the report's spec. */
  async #annotateReport(report: KubeObject, problem: string | undefined): Promise<void> {
    const client = this.#options.reportClient();
    const ref = {
      apiVersion: report.apiVersion,
      kind: report.kind,
      namespace: report.metadata.namespace,
      name: report.metadata.name,
    };
    // no report yet (nothing good was ever reported): the log and the Event carry the problem
    if (!(await client.getOrUndefined(ref))) return;
    await client.apply(
      {
        apiVersion: report.apiVersion,
        kind: report.kind,
        metadata: {
          name: report.metadata.name,
          namespace: report.metadata.namespace ?? '',
          annotations: problem ? { [AGENT_PROBLEM_ANNOTATION]: problem.slice(0, 4096) } : {},
        },
      },
      { fieldManager: `${fieldManager}-problems` },
    );
  }
}

/** Set on an EventReport while its EventSource cannot be evaluated; the spec keeps the last good content. */
export const AGENT_PROBLEM_ANNOTATION = 'eventreport.projectsveltos.io/agent-problem';

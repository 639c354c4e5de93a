// The Lua sandbox: user scripts run in worker threads that the main thread can always stop. A watchdog
// terminates a worker whose call stops making progress (a C function the instruction hook cannot
// interrupt: a huge string operation, a backtracking pattern, a finalizer that loops) and replaces it with
// a fresh one; the request in flight gets a typed LUA_TIMEOUT, the EventSource that caused it keeps its last
// good report, and the other EventSources carry on in the other workers. Each EventSource has its own Lua
// state inside a worker, so nothing crosses from one EventSource's scripts to another's.
// docs/design/sandbox.md.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { EvaluationError, type EvaluationErrorCode } from '../errors.ts';
import { DEFAULT_LUA_LIMITS, type LuaLimits } from '../lua/runtime.ts';
import {
  type Call,
  type CallResult,
  PROGRESS_CALL,
  PROGRESS_CALLS,
  PROGRESS_INDEX,
  type Request,
  type Response,
  type ScriptSource,
  type WorkerInit,
} from './protocol.ts';
// imported for its side effect in bundles: a worker started on the bundle serves there and stops
import './worker.ts';

export interface SandboxOptions {
  /** Per-call limits inside the workers (time, instructions, memory). */
  limits?: Partial<LuaLimits>;
  /** Workers at most (started when needed). Default: 2..4 by the machine's parallelism. */
  maxWorkers?: number;
  /** A call that shows no progress for this long is stopped by terminating its worker. Default: the
   * per-call time limit plus max(1 s, the time limit). */
  hardTimeoutMs?: number;
  /** JavaScript heap of a worker, in MB (the objects of a batch live there). Default 256. */
  workerHeapMb?: number;
  /** A worker whose WebAssembly memory grew past this is replaced after its current request. */
  recycleHeapBytes?: number;
  /** Lua states (EventSources) one worker keeps. Default 256. */
  maxStatesPerWorker?: number;
}

/** What a hard stop did to a request: which call and object was running when the watchdog fired. */
export class SandboxInterrupted extends EvaluationError {
  readonly call: number;
  readonly index: number;
  constructor(code: EvaluationErrorCode, message: string, call: number, index: number) {
    super(code, message);
    this.call = call;
    this.index = index;
  }
}

interface Pending {
  id: number;
  source: SourceRecord;
  calls: Call[];
  resolve: (results: CallResult[]) => void;
  reject: (e: Error) => void;
}

interface SourceRecord {
  id: number;
  scripts: ScriptSource[];
  busy: boolean;
  released: boolean;
  /** Workers holding its Lua state. */
  loadedIn: Set<SandboxWorker>;
}

interface SandboxWorker {
  worker: Worker;
  progress: Int32Array;
  current: Pending | undefined;
  dead: boolean;
  retire: boolean;
  lastCalls: number;
  lastProgressAt: number;
  watchdog: NodeJS.Timeout | undefined;
}

let nextRequest = 1;
let nextSource = 1;

/** Where a worker starts: the worker module itself, or in a bundle the bundle (worker.ts stops it there). */
function workerEntry(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('./worker.ts', here) : new URL(here);
}

export class LuaSandbox {
  readonly limits: LuaLimits;
  readonly hardTimeoutMs: number;
  private readonly maxWorkers: number;
  private readonly workerHeapMb: number;
  private readonly recycleHeapBytes: number;
  private readonly maxStates: number;
  private readonly workers: SandboxWorker[] = [];
  private readonly queue: Pending[] = [];
  private closed = false;
  /** Counters for tests and metrics. */
  readonly stats = { started: 0, terminated: 0, crashed: 0, recycled: 0 };

  constructor(options: SandboxOptions = {}) {
    this.limits = { ...DEFAULT_LUA_LIMITS, ...options.limits };
    this.hardTimeoutMs =
      options.hardTimeoutMs ?? this.limits.timeoutMs + Math.max(1000, this.limits.timeoutMs);
    this.maxWorkers = Math.max(1, options.maxWorkers ?? Math.min(4, Math.max(2, availableParallelism())));
    this.workerHeapMb = options.workerHeapMb ?? 256;
    this.recycleHeapBytes = options.recycleHeapBytes ?? 512 * 1024 * 1024;
    this.maxStates = options.maxStatesPerWorker ?? 256;
  }

  /** Registers an EventSource's scripts and compiles them once (in a worker) to report syntax errors. */
  async register(scripts: ScriptSource[]): Promise<SandboxSource> {
    const record: SourceRecord = {
      id: nextSource++,
      scripts,
      busy: false,
      released: false,
      loadedIn: new Set(),
    };
    const source = new SandboxSource(this, record);
    if (scripts.length > 0) {
      try {
        await this.submit(record, []);
      } catch (e) {
        source.release();
        throw e;
      }
    }
    return source;
  }

  /** Workers alive now. */
  get workerCount(): number {
    return this.workers.length;
  }

  /** Stops every worker; requests in flight fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0))
      p.reject(new EvaluationError('LUA_SANDBOX', 'the sandbox was closed'));
    await Promise.all([...this.workers].map((w) => this.kill(w, 'closed')));
  }

  /** @internal */
  submit(source: SourceRecord, calls: Call[]): Promise<CallResult[]> {
    if (this.closed) return Promise.reject(new EvaluationError('LUA_SANDBOX', 'the sandbox is closed'));
    if (source.released)
      return Promise.reject(new EvaluationError('LUA_SANDBOX', 'the EventSource was released'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: nextRequest++, source, calls, resolve, reject });
      this.dispatch();
    });
  }

  /** @internal */
  releaseSource(source: SourceRecord): void {
    source.released = true;
    for (const w of source.loadedIn) {
      if (!w.dead) w.worker.postMessage({ type: 'release', source: source.id } satisfies Request);
    }
    source.loadedIn.clear();
  }

  /** Starts queued requests: one at a time per EventSource and per worker, on an idle worker (one holding
   * the EventSource's state first), starting workers up to the maximum. */
  private dispatch(): void {
    for (let i = 0; i < this.queue.length; i++) {
      const p = this.queue[i]!;
      if (p.source.released) {
        this.queue.splice(i--, 1);
        p.reject(new EvaluationError('LUA_SANDBOX', 'the EventSource was released'));
        continue;
      }
      if (p.source.busy) continue;
      const idle = this.workers.filter((w) => !w.current && !w.dead && !w.retire);
      let w = idle.find((x) => p.source.loadedIn.has(x)) ?? idle[0];
      if (!w) {
        if (this.workers.length >= this.maxWorkers) return;
        w = this.spawn();
      }
      this.queue.splice(i, 1);
      i--;
      this.start(w, p);
    }
  }

  private spawn(): SandboxWorker {
    const progress = new SharedArrayBuffer(16);
    const init: WorkerInit = {
      sveltosLuaSandbox: true,
      limits: this.limits,
      progress,
      maxStates: this.maxStates,
    };
    const worker = new Worker(workerEntry(), {
      workerData: init,
      resourceLimits: { maxOldGenerationSizeMb: this.workerHeapMb, maxYoungGenerationSizeMb: 16 },
    });
    const w: SandboxWorker = {
      worker,
      progress: new Int32Array(progress),
      current: undefined,
      dead: false,
      retire: false,
      lastCalls: 0,
      lastProgressAt: 0,
      watchdog: undefined,
    };
    // an idle worker does not keep the process alive (one with a request in flight does)
    worker.unref();
    worker.on('message', (msg: Response) => this.onMessage(w, msg));
    worker.on('error', (e: Error & { code?: string }) => {
      const memory = e.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.stats.crashed++;
      this.fail(
        w,
        memory ? 'LUA_MEMORY' : 'LUA_SANDBOX',
        memory
          ? 'the sandbox worker ran out of memory and was replaced'
          : `the sandbox worker failed and was replaced: ${e.message}`,
      );
    });
    worker.on('exit', () => {
      if (!w.dead) this.fail(w, 'LUA_SANDBOX', 'the sandbox worker exited and was replaced');
    });
    this.workers.push(w);
    this.stats.started++;
    return w;
  }

  private start(w: SandboxWorker, p: Pending): void {
    w.current = p;
    w.worker.ref();
    p.source.busy = true;
    const loaded = p.source.loadedIn.has(w);
    w.worker.postMessage({
      type: 'run',
      id: p.id,
      source: p.source.id,
      ...(loaded ? {} : { scripts: p.source.scripts }),
      calls: p.calls,
    } satisfies Request);
    p.source.loadedIn.add(w);
    w.lastCalls = Atomics.load(w.progress, PROGRESS_CALLS);
    w.lastProgressAt = performance.now();
    const every = Math.max(20, Math.min(250, Math.floor(this.hardTimeoutMs / 4)));
    w.watchdog = setInterval(() => this.check(w), every);
    w.watchdog.unref();
  }

  /** The watchdog: progress is a call (or an object marshalled) started since the last look. */
  private check(w: SandboxWorker): void {
    if (!w.current || w.dead) return;
    const calls = Atomics.load(w.progress, PROGRESS_CALLS);
    const now = performance.now();
    if (calls !== w.lastCalls) {
      w.lastCalls = calls;
      w.lastProgressAt = now;
      return;
    }
    if (now - w.lastProgressAt < this.hardTimeoutMs) return;
    this.stats.terminated++;
    const call = Atomics.load(w.progress, PROGRESS_CALL);
    const index = Atomics.load(w.progress, PROGRESS_INDEX);
    this.fail(
      w,
      'LUA_TIMEOUT',
      `script stopped by the sandbox watchdog after ${Math.round(now - w.lastProgressAt)} ms without progress ` +
        '(it was inside one operation the time limit cannot interrupt: a huge string or table operation, ' +
        'a pattern that backtracks, a loop in a finalizer)',
      call,
      index,
    );
  }

  private onMessage(w: SandboxWorker, msg: Response): void {
    const p = w.current;
    if (!p || p.id !== msg.id) return;
    this.finish(w);
    if (msg.heapBytes > this.recycleHeapBytes) {
      this.stats.recycled++;
      w.retire = true;
      void this.kill(w, 'recycled');
    }
    if (msg.type === 'done') p.resolve(msg.results);
    else if (msg.type === 'nostate') {
      // the worker evicted the state: send the scripts again, first in line
      p.source.loadedIn.delete(w);
      this.queue.unshift(p);
    } else p.reject(new EvaluationError(msg.error.code, msg.error.message));
    this.dispatch();
  }

  private finish(w: SandboxWorker): void {
    if (w.current && !w.dead) w.worker.unref();
    if (w.watchdog) clearInterval(w.watchdog);
    w.watchdog = undefined;
    if (w.current) w.current.source.busy = false;
    w.current = undefined;
  }

  /** The worker is gone (stopped, crashed, out of memory): its request fails, its states are forgotten. */
  private fail(w: SandboxWorker, code: EvaluationErrorCode, message: string, call = -1, index = -1): void {
    if (w.dead) return;
    const p = w.current;
    this.finish(w);
    void this.kill(w, code);
    p?.reject(new SandboxInterrupted(code, message, call, index));
    this.dispatch();
  }

  private async kill(w: SandboxWorker, why: string): Promise<void> {
    if (w.dead) return;
    // a request still in flight (the sandbox is closing) fails instead of waiting forever
    const p = w.current;
    this.finish(w);
    w.dead = true;
    p?.reject(new EvaluationError('LUA_SANDBOX', `the sandbox worker was stopped (${why})`));
    const i = this.workers.indexOf(w);
    if (i >= 0) this.workers.splice(i, 1);
    await w.worker.terminate();
  }
}

/** An EventSource's scripts in the sandbox: run batches of calls, release when the EventSource goes. */
export class SandboxSource {
  private readonly sandbox: LuaSandbox;
  private readonly record: SourceRecord;

  constructor(sandbox: LuaSandbox, record: SourceRecord) {
    this.sandbox = sandbox;
    this.record = record;
  }

  get id(): number {
    return this.record.id;
  }

  /** Runs the calls in one worker, in one request. Rejects with SandboxInterrupted when the worker had to be
   * stopped (LUA_TIMEOUT: no progress; LUA_MEMORY: out of memory; LUA_SANDBOX: it crashed). */
  run(calls: Call[]): Promise<CallResult[]> {
    return this.sandbox.submit(this.record, calls);
  }

  release(): void {
    this.sandbox.releaseSource(this.record);
  }
}

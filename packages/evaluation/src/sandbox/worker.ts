// A sandbox worker: one WebAssembly Lua instance, one Lua state per EventSource (created on first use,
// closed when released or when least recently used), running the batches the main thread sends. The main
// thread's watchdog terminates the worker when a call stops making progress (docs/design/sandbox.md).

import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { EvaluationError } from '../errors.ts';
import { LuaHost, type LuaRuntime, type LuaScript } from '../lua/runtime.ts';
import {
  type AggregateResult,
  type CallResult,
  type EachResult,
  PROGRESS_CALL,
  PROGRESS_CALLS,
  PROGRESS_INDEX,
  type Request,
  type Response,
  type ScriptSource,
  type WireError,
  type WorkerInit,
} from './protocol.ts';

interface SourceState {
  runtime: LuaRuntime;
  scripts: LuaScript[];
}

function wire(e: unknown): WireError {
  if (e instanceof EvaluationError) return { code: e.code, message: e.message };
  return { code: 'LUA_RUNTIME', message: e instanceof Error ? e.message : String(e) };
}

async function serve(init: WorkerInit): Promise<void> {
  const port = parentPort!;
  const host = await LuaHost.create();
  const progress = new Int32Array(init.progress);
  const states = new Map<number, SourceState>();
  let queue = Promise.resolve();

  const close = (source: number) => {
    const state = states.get(source);
    if (!state) return;
    states.delete(source);
    state.runtime.close();
  };

  const stateFor = async (
    source: number,
    scripts: ScriptSource[] | undefined,
  ): Promise<SourceState | undefined> => {
    const known = states.get(source);
    if (known && !scripts) {
      // most recently used last
      states.delete(source);
      states.set(source, known);
      return known;
    }
    if (known) close(source);
    if (!scripts) return undefined;
    const runtime = await host.runtime(init.limits);
    const state: SourceState = { runtime, scripts: [] };
    try {
      for (const s of scripts) state.scripts.push(runtime.compile(s.source, s.name));
    } catch (e) {
      runtime.close();
      throw e;
    }
    states.set(source, state);
    while (states.size > init.maxStates) close(states.keys().next().value!);
    return state;
  };

  const step = (call: number, index: number) => {
    Atomics.store(progress, PROGRESS_CALL, call);
    Atomics.store(progress, PROGRESS_INDEX, index);
    Atomics.add(progress, PROGRESS_CALLS, 1);
  };

  const run = (state: SourceState, calls: Request & { type: 'run' }): CallResult[] => {
    const out: CallResult[] = [];
    calls.calls.forEach((call, c) => {
      const script = state.scripts[call.script]!;
      const rt = state.runtime;
      if (call.kind === 'each') {
        const results: EachResult[] = [];
        call.objects.forEach((object, i) => {
          step(c, i);
          try {
            results.push(rt.evaluate(script, rt.marshal(object, 1)));
          } catch (e) {
            results.push({ error: wire(e) });
          }
        });
        out.push(results);
        return;
      }
      let result: AggregateResult;
      try {
        const marshalled = call.objects.map((object, i) => {
          step(c, i);
          return rt.marshal(object, 1);
        });
        step(c, -1);
        result = rt.aggregate(script, marshalled);
      } catch (e) {
        result = { error: wire(e) };
      }
      out.push(result);
    });
    return out;
  };

  const handle = async (req: Request): Promise<void> => {
    if (req.type === 'release') {
      close(req.source);
      return;
    }
    let response: Response;
    try {
      const state = await stateFor(req.source, req.scripts);
      response = state
        ? { type: 'done', id: req.id, results: run(state, req), heapBytes: host.heapBytes() }
        : { type: 'nostate', id: req.id, heapBytes: host.heapBytes() };
    } catch (e) {
      response = { type: 'failed', id: req.id, error: wire(e), heapBytes: host.heapBytes() };
    }
    port.postMessage(response);
  };

  port.on('message', (req: Request) => {
    // one request at a time, in arrival order
    queue = queue.then(() => handle(req));
  });
}

/** workerData of this thread when it is a sandbox worker. */
export function sandboxWorkerInit(): WorkerInit | undefined {
  if (isMainThread) return undefined;
  const init = workerData as Partial<WorkerInit> | undefined;
  return init?.sveltosLuaSandbox === true ? (init as WorkerInit) : undefined;
}

const init = sandboxWorkerInit();
if (init) {
  await serve(init);
  // In a bundle (the container images) the worker runs the whole bundle: stop here, before the modules
  // after this one (the component's main) run in the worker. Messages keep the worker alive.
  await new Promise(() => {});
}

// Messages between the main thread (LuaSandbox) and a sandbox worker (worker.ts). Objects travel by
// structured clone; a batch of objects is one message each way.

import type { EvaluationErrorCode } from '../errors.ts';
import type { LuaLimits } from '../lua/runtime.ts';

/** workerData of a sandbox worker. */
export interface WorkerInit {
  /** Marks the thread as a sandbox worker (the bundled images start the whole bundle in the worker). */
  sveltosLuaSandbox: true;
  limits: LuaLimits;
  /** [calls started, index of the object in progress] (Int32), written by the worker, read by the watchdog. */
  progress: SharedArrayBuffer;
  /** How many per-EventSource Lua states a worker keeps (least recently used ones are closed). */
  maxStates: number;
}

export interface ScriptSource {
  name: string;
  source: string;
}

/** One script over a list of objects: `each` calls it once per object (per-object `evaluate`), `aggregate`
 * once with all of them (aggregatedSelection). */
export interface Call {
  kind: 'each' | 'aggregate';
  script: number;
  objects: unknown[];
}

export type Request =
  | { type: 'run'; id: number; source: number; scripts?: ScriptSource[]; calls: Call[] }
  | { type: 'release'; source: number };

export interface WireError {
  code: EvaluationErrorCode;
  message: string;
}

export type EachResult = { matching: boolean; message: string } | { error: WireError };
export type AggregateResult =
  | { resources: Record<string, unknown>[]; message: string }
  | { error: WireError };
export type CallResult = EachResult[] | AggregateResult;

export type Response =
  | { type: 'done'; id: number; results: CallResult[]; heapBytes: number }
  /** The request failed as a whole (the scripts do not compile). */
  | { type: 'failed'; id: number; error: WireError; heapBytes: number }
  /** The worker no longer holds the EventSource's state (evicted): send the scripts again. */
  | { type: 'nostate'; id: number; heapBytes: number };

/** Slots of the progress array. */
export const PROGRESS_CALLS = 0;
export const PROGRESS_INDEX = 1;
export const PROGRESS_CALL = 2;

// The Lua runtime: one wasmoon (Lua 5.4) state running the kernel (kernel.lua), our own object marshaller
// on the raw C API, and the per-object / aggregated result contracts. Everything after `create` is
// synchronous. See docs/design/evaluation.md.

import { readFileSync } from 'node:fs';
import { LUA_REGISTRYINDEX, type LuaEngine, LuaFactory } from 'wasmoon';
import { EvaluationError } from '../errors.ts';

export interface LuaLimits {
  /** Wall-clock budget of one call (chunk + evaluate), in milliseconds. */
  timeoutMs: number;
  /** Instruction budget of one call (deterministic; checked every 10,000 instructions). */
  maxInstructions: number;
  /** Bytes one call may allocate on top of what the state holds when it starts. */
  memoryBytes: number;
}

export const DEFAULT_LUA_LIMITS: LuaLimits = {
  timeoutMs: 1000,
  maxInstructions: 200_000_000,
  memoryBytes: 64 * 1024 * 1024,
};

/** A compiled script (one `evaluate` or `aggregatedSelection` source). */
export interface LuaScript {
  readonly id: number;
  /** Who the script belongs to, used in every error message (e.g. `EventSource "x" resourceSelectors[0].evaluate`). */
  readonly name: string;
}

/** An object marshalled into the Lua state once, handed to up to `uses` script calls. Every call but the
 * last gets a fresh deep copy (scripts may mutate `obj`); the last one gets the marshalled table itself. */
export interface LuaObject {
  readonly ref: number;
  remaining: number;
}

export interface LuaMatchResult {
  matching: boolean;
  message: string;
}

export interface LuaAggregateResult {
  resources: Record<string, unknown>[];
  message: string;
}

/** The raw (uncwrapped) C API exports we call on hot paths. */
interface RawLua {
  HEAPU8: Uint8Array;
  HEAPU32: Uint32Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  _lua_pushlstring(L: number, s: number, len: number): number;
  _lua_pushinteger(L: number, n: bigint): void;
  _lua_pushnumber(L: number, n: number): void;
  _lua_pushboolean(L: number, b: number): void;
  _lua_createtable(L: number, narr: number, nrec: number): void;
  _lua_rawset(L: number, idx: number): void;
  _lua_rawseti(L: number, idx: number, n: bigint): void;
  _lua_rawgeti(L: number, idx: number, n: bigint): number;
  _lua_settop(L: number, idx: number): void;
  _lua_gettop(L: number): number;
  _lua_checkstack(L: number, n: number): number;
  _lua_pcallk(L: number, nargs: number, nres: number, errfunc: number, ctx: number, k: number): number;
  _lua_toboolean(L: number, idx: number): number;
  _lua_tointegerx(L: number, idx: number, isnum: number): bigint;
  _lua_tolstring(L: number, idx: number, len: number): number;
  _lua_type(L: number, idx: number): number;
  _lua_getfield(L: number, idx: number, k: number): number;
  _luaL_ref(L: number, t: number): number;
  _luaL_unref(L: number, t: number, ref: number): void;
  _luaL_loadbufferx(L: number, buf: number, size: number, name: number, mode: number): number;
}

const KERNEL_SOURCE = readFileSync(new URL('./kernel.lua', import.meta.url), 'utf8');
const LUA_OK = 0;
const LUA_ERRMEM = 4;
const LUA_TNIL = 0;
const STATUS_OK = 0;
const STATUS_ERROR = 1;
const STATUS_CONTRACT = 2;
const STATUS_TIMEOUT = 3;
const MAX_DEPTH = 200;
const SMALL_INTS = Array.from({ length: 1024 }, (_, i) => BigInt(i));
const I64_LIMIT = 2 ** 63;

const PER_OBJECT_CONTRACT =
  'contract: `function evaluate()` returns a table {matching = <boolean>, message = <string, optional>}';
const AGGREGATED_CONTRACT =
  'contract: `function evaluate()` returns a table {resources = <array of Kubernetes objects, optional>, message = <string, optional>}';

/** wasmoon's build wraps every export in a checking closure (~100 ns a call, 16% of a Lua evaluation);
 * we capture the instance's own exports while the module is instantiated and call those directly. */
async function createFactory(): Promise<{ factory: LuaFactory; exports: WasmExports | undefined }> {
  const wasm = (globalThis as unknown as { WebAssembly: { instantiate: Instantiate } }).WebAssembly;
  const original = wasm.instantiate;
  let exports: WasmExports | undefined;
  wasm.instantiate = async (...args: unknown[]) => {
    const result = (await original.apply(wasm, args)) as {
      instance?: { exports: WasmExports };
      exports?: WasmExports;
    };
    const found = result.instance?.exports ?? result.exports;
    if (typeof found?.lua_pushlstring === 'function') exports ??= found;
    return result;
  };
  try {
    const factory = new LuaFactory();
    await factory.getLuaModule();
    return { factory, exports };
  } finally {
    wasm.instantiate = original;
  }
}

const ENGINE_OPTIONS = {
  enableProxy: false,
  injectObjects: false,
  traceAllocations: true,
  openStandardLibs: true,
} as const;

/**
 * One WebAssembly instance of Lua, holding any number of independent Lua states (`LuaRuntime`s): each has
 * its own globals, registry, collector and allocation accounting, so nothing one state does (globals,
 * finalizers, memory) reaches another. The sandbox worker keeps one host and one state per EventSource.
 */
export class LuaHost {
  private readonly factory: LuaFactory;
  private readonly raw: RawLua;
  private readonly module: Record<string, unknown>;

  private constructor(factory: LuaFactory, raw: RawLua, module: Record<string, unknown>) {
    this.factory = factory;
    this.raw = raw;
    this.module = module;
  }

  static async create(): Promise<LuaHost> {
    const { factory, exports } = await createFactory();
    const module = (await factory.getLuaModule()).module as unknown as Record<string, unknown>;
    return new LuaHost(factory, rawApi(module, exports), module);
  }

  /** A new, independent Lua state running the kernel. */
  async runtime(limits: Partial<LuaLimits> = {}): Promise<LuaRuntime> {
    const engine = await this.factory.createEngine(ENGINE_OPTIONS);
    return LuaRuntime.fromEngine(engine, this.raw, { ...DEFAULT_LUA_LIMITS, ...limits });
  }

  /** Bytes of the WebAssembly memory (every state together; it never shrinks). */
  heapBytes(): number {
    return (this.module.HEAPU8 as Uint8Array).length;
  }
}

type WasmExports = Record<string, unknown>;
type Instantiate = (...args: unknown[]) => Promise<unknown>;

/** The raw API: direct exports where captured, wasmoon's wrappers otherwise; heap views read live (they
 * are replaced when the memory grows). */
function rawApi(module: Record<string, unknown>, exports: WasmExports | undefined): RawLua {
  const api: Record<string, unknown> = {};
  for (const name of RAW_FUNCTIONS) {
    const direct = exports?.[name.slice(1)];
    api[name] = typeof direct === 'function' ? direct : module[name];
  }
  Object.defineProperty(api, 'HEAPU8', { get: () => module.HEAPU8 });
  Object.defineProperty(api, 'HEAPU32', { get: () => module.HEAPU32 });
  return api as unknown as RawLua;
}

const RAW_FUNCTIONS = [
  '_malloc',
  '_free',
  '_lua_pushlstring',
  '_lua_pushinteger',
  '_lua_pushnumber',
  '_lua_pushboolean',
  '_lua_createtable',
  '_lua_rawset',
  '_lua_rawseti',
  '_lua_rawgeti',
  '_lua_settop',
  '_lua_gettop',
  '_lua_checkstack',
  '_lua_pcallk',
  '_lua_toboolean',
  '_lua_tointegerx',
  '_lua_tolstring',
  '_lua_type',
  '_lua_getfield',
  '_luaL_ref',
  '_luaL_unref',
  '_luaL_loadbufferx',
] as const;

export class LuaRuntime {
  readonly limits: LuaLimits;
  private readonly engine: LuaEngine;
  private readonly raw: RawLua;
  private readonly L: number;
  private readonly fns: {
    compile: bigint;
    release: bigint;
    evaluate: bigint;
    aggregate: bigint;
    gc: bigint;
    forceLuaPatterns: bigint;
  };
  private scratch: number;
  private scratchSize: number;
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();
  private stackEnsured = 0;
  private closed = false;

  /** Creates a runtime in a WebAssembly instance of its own (the only asynchronous step). */
  static async create(limits: Partial<LuaLimits> = {}): Promise<LuaRuntime> {
    return (await LuaHost.create()).runtime(limits);
  }

  /** @internal A state of an existing host (LuaHost.runtime). */
  static fromEngine(engine: LuaEngine, raw: RawLua, limits: LuaLimits): LuaRuntime {
    return new LuaRuntime(engine, raw, limits);
  }

  private constructor(engine: LuaEngine, raw: RawLua, limits: LuaLimits) {
    this.engine = engine;
    this.limits = limits;
    this.raw = raw;
    this.L = engine.global.address;
    this.scratchSize = 64 * 1024;
    this.scratch = this.raw._malloc(this.scratchSize);
    const R = this.raw;
    const L = this.L;
    this.loadBuffer(KERNEL_SOURCE, 'kernel');
    engine.global.pushValue(() => performance.now());
    if (R._lua_pcallk(L, 1, 1, 0, 0, 0) !== LUA_OK) throw new Error(`Lua kernel failed: ${this.popString()}`);
    const ref = (name: string): bigint => {
      this.writeCString(name);
      R._lua_getfield(L, -1, this.scratch);
      return BigInt(R._luaL_ref(L, LUA_REGISTRYINDEX));
    };
    this.fns = {
      compile: ref('compile'),
      release: ref('release'),
      evaluate: ref('evaluate'),
      aggregate: ref('aggregate'),
      gc: ref('gc'),
      forceLuaPatterns: ref('forceLuaPatterns'),
    };
    R._lua_settop(L, 0);
  }

  /** Compiles a script once; it is then run any number of times, each call in a fresh environment. */
  compile(source: string, name: string): LuaScript {
    const R = this.raw;
    const L = this.L;
    R._lua_rawgeti(L, LUA_REGISTRYINDEX, this.fns.compile);
    this.pushString(source);
    const status = R._lua_pcallk(L, 1, 1, 0, 0, 0);
    if (status !== LUA_OK) {
      const msg = this.popString();
      throw new EvaluationError('LUA_SYNTAX', `${name}: Lua syntax error: ${msg}`);
    }
    const id = Number(R._lua_tointegerx(L, -1, 0));
    R._lua_settop(L, 0);
    return { id, name };
  }

  /** Frees a compiled script. */
  release(script: LuaScript): void {
    const R = this.raw;
    R._lua_rawgeti(this.L, LUA_REGISTRYINDEX, this.fns.release);
    R._lua_pushinteger(this.L, BigInt(script.id));
    R._lua_pcallk(this.L, 1, 0, 0, 0, 0);
    R._lua_settop(this.L, 0);
  }

  /** Marshals a JSON-like object into a Lua table: JSON null is dropped (map keys omitted, array elements
   * skipped), nested arrays inside arrays are dropped (as upstream), integers become Lua integers and other
   * numbers floats. `uses` is how many script calls will receive it. */
  marshal(object: unknown, uses = Number.POSITIVE_INFINITY): LuaObject {
    const R = this.raw;
    const L = this.L;
    const top = R._lua_gettop(L);
    // the stack may have shrunk since the last call: start from a fresh guarantee
    R._lua_checkstack(L, 60);
    this.stackEnsured = 10;
    try {
      if (!this.push(object, 0)) R._lua_createtable(L, 0, 0);
    } catch (e) {
      R._lua_settop(L, top);
      throw e;
    }
    return { ref: R._luaL_ref(L, LUA_REGISTRYINDEX), remaining: uses };
  }

  /** Drops a marshalled object before all its uses were consumed. */
  releaseObject(object: LuaObject): void {
    if (object.remaining <= 0) return;
    object.remaining = 0;
    this.raw._luaL_unref(this.L, LUA_REGISTRYINDEX, object.ref);
  }

  /** Runs a per-object script: `obj` = the object, result {matching, message}. */
  evaluate(script: LuaScript, object: LuaObject): LuaMatchResult {
    const R = this.raw;
    const L = this.L;
    R._lua_rawgeti(L, LUA_REGISTRYINDEX, this.fns.evaluate);
    R._lua_pushinteger(L, BigInt(script.id));
    const copy = this.pushObject(object);
    R._lua_pushboolean(L, copy ? 1 : 0);
    this.pushLimits();
    const status = this.call(5, 3);
    if (!copy) this.consumed(object);
    const code = this.kernelStatus(status, script, PER_OBJECT_CONTRACT);
    if (code !== undefined) throw code;
    const matching = R._lua_toboolean(L, -2) !== 0;
    const message = this.optString(-1);
    R._lua_settop(L, 0);
    return { matching, message };
  }

  /** Runs an aggregatedSelection script: `resources` = the objects, result {resources, message}. */
  aggregate(script: LuaScript, objects: readonly LuaObject[]): LuaAggregateResult {
    const R = this.raw;
    const L = this.L;
    R._lua_rawgeti(L, LUA_REGISTRYINDEX, this.fns.aggregate);
    R._lua_pushinteger(L, BigInt(script.id));
    R._lua_createtable(L, objects.length, 0);
    const copies: boolean[] = [];
    for (let i = 0; i < objects.length; i++) {
      copies.push(this.pushObject(objects[i]!));
      R._lua_rawseti(L, -2, BigInt(i + 1));
    }
    R._lua_createtable(L, objects.length, 0);
    for (let i = 0; i < copies.length; i++) {
      R._lua_pushboolean(L, copies[i] ? 1 : 0);
      R._lua_rawseti(L, -2, BigInt(i + 1));
    }
    this.pushLimits();
    const status = this.call(5, 3);
    for (let i = 0; i < objects.length; i++) if (!copies[i]) this.consumed(objects[i]!);
    const err = this.kernelStatus(status, script, AGGREGATED_CONTRACT);
    if (err !== undefined) throw err;
    const json = this.optString(-2);
    const message = this.optString(-1);
    R._lua_settop(L, 0);
    return { resources: JSON.parse(json) as Record<string, unknown>[], message };
  }

  /** Bytes the Lua state holds. */
  memoryUsed(): number {
    return this.engine.global.getMemoryUsed();
  }

  /** A full garbage collection (between evaluation passes). */
  collectGarbage(): void {
    this.raw._lua_rawgeti(this.L, LUA_REGISTRYINDEX, this.fns.gc);
    this.raw._lua_pcallk(this.L, 0, 0, 0, 0, 0);
    this.raw._lua_settop(this.L, 0);
  }

  /** Tests: runs every pattern call (string.find/match/gmatch/gsub) on the kernel's Lua matcher instead of
   * choosing the C one when cheap, to check the two against each other. */
  forceLuaPatterns(on: boolean): void {
    this.raw._lua_rawgeti(this.L, LUA_REGISTRYINDEX, this.fns.forceLuaPatterns);
    this.raw._lua_pushboolean(this.L, on ? 1 : 0);
    this.raw._lua_pcallk(this.L, 1, 0, 0, 0, 0);
    this.raw._lua_settop(this.L, 0);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.raw._free(this.scratch);
    this.engine.global.close();
  }

  // ---- internals -----------------------------------------------------------------------------------------

  /** Pushes the marshalled table; returns whether the kernel must copy it (more uses follow). */
  private pushObject(object: LuaObject): boolean {
    if (object.remaining <= 0) {
      throw new EvaluationError(
        'LUA_OBJECT_RELEASED',
        'a marshalled object was used after its last declared use',
      );
    }
    this.raw._lua_rawgeti(this.L, LUA_REGISTRYINDEX, BigInt(object.ref));
    object.remaining--;
    return object.remaining > 0;
  }

  private consumed(object: LuaObject): void {
    if (object.remaining === 0) this.raw._luaL_unref(this.L, LUA_REGISTRYINDEX, object.ref);
  }

  private pushLimits(): void {
    this.raw._lua_pushnumber(this.L, this.limits.timeoutMs);
    this.raw._lua_pushinteger(this.L, BigInt(Math.max(0, Math.floor(this.limits.maxInstructions))));
  }

  /** pcall with the per-call memory ceiling in place. */
  private call(nargs: number, nres: number): number {
    const g = this.engine.global;
    g.setMemoryMax(g.getMemoryUsed() + this.limits.memoryBytes);
    try {
      return this.raw._lua_pcallk(this.L, nargs, nres, 0, 0, 0);
    } finally {
      g.setMemoryMax(undefined);
    }
  }

  /** Turns a kernel call's outcome into an error, or undefined when the script succeeded. */
  private kernelStatus(
    pcallStatus: number,
    script: LuaScript,
    contract: string,
  ): EvaluationError | undefined {
    const R = this.raw;
    const L = this.L;
    if (pcallStatus !== LUA_OK) {
      const msg = this.popString();
      R._lua_settop(L, 0);
      if (pcallStatus === LUA_ERRMEM || /not enough memory/.test(msg)) return this.memoryError(script);
      return new EvaluationError('LUA_RUNTIME', `${script.name}: ${msg}`);
    }
    const status = Number(R._lua_tointegerx(L, -3, 0));
    if (status === STATUS_OK) return undefined;
    const msg = this.optString(-2);
    R._lua_settop(L, 0);
    if (status === STATUS_TIMEOUT) {
      return new EvaluationError(
        'LUA_TIMEOUT',
        `${script.name}: script stopped after exceeding its limit of ${this.limits.timeoutMs} ms / ${this.limits.maxInstructions} instructions`,
      );
    }
    if (status === STATUS_ERROR) {
      if (/not enough memory/.test(msg)) return this.memoryError(script);
      return new EvaluationError('LUA_RUNTIME', `${script.name}: ${msg}`);
    }
    if (status === STATUS_CONTRACT)
      return new EvaluationError('LUA_RESULT', `${script.name}: ${msg} (${contract})`);
    return new EvaluationError('LUA_RUNTIME', `${script.name}: unexpected kernel status ${status}`);
  }

  private memoryError(script: LuaScript): EvaluationError {
    return new EvaluationError(
      'LUA_MEMORY',
      `${script.name}: script stopped after exceeding its memory limit of ${this.limits.memoryBytes} bytes`,
    );
  }

  private ensureScratch(bytes: number): void {
    if (bytes <= this.scratchSize) return;
    this.raw._free(this.scratch);
    while (this.scratchSize < bytes) this.scratchSize *= 2;
    this.scratch = this.raw._malloc(this.scratchSize);
  }

  private pushString(s: string): void {
    const R = this.raw;
    const n = s.length;
    if (n < 64) {
      // ASCII fast path: most keys and values; falls back to the encoder on the first non-ASCII unit
      const heap = R.HEAPU8;
      const base = this.scratch;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 127) break;
        heap[base + i] = c;
      }
      if (i === n) {
        R._lua_pushlstring(this.L, base, n);
        return;
      }
    }
    this.ensureScratch(n * 3 + 1);
    const { written } = this.encoder.encodeInto(
      s,
      R.HEAPU8.subarray(this.scratch, this.scratch + this.scratchSize),
    );
    R._lua_pushlstring(this.L, this.scratch, written);
  }

  private writeCString(s: string): void {
    this.ensureScratch(s.length * 3 + 1);
    const { written } = this.encoder.encodeInto(
      s,
      this.raw.HEAPU8.subarray(this.scratch, this.scratch + this.scratchSize - 1),
    );
    this.raw.HEAPU8[this.scratch + written] = 0;
  }

  private loadBuffer(source: string, name: string): void {
    const bytes = this.encoder.encode(source);
    const buf = this.raw._malloc(bytes.length + 1);
    const nameBuf = this.raw._malloc(name.length + 2);
    try {
      this.raw.HEAPU8.set(bytes, buf);
      this.raw.HEAPU8.set(this.encoder.encode(`=${name}\0`), nameBuf);
      const status = this.raw._luaL_loadbufferx(this.L, buf, bytes.length, nameBuf, 0);
      if (status !== LUA_OK) throw new Error(`Lua kernel: ${this.popString()}`);
    } finally {
      this.raw._free(buf);
      this.raw._free(nameBuf);
    }
  }

  /** Reads the string at `idx` (byte-exact through its length), or '' for nil. */
  private optString(idx: number): string {
    const R = this.raw;
    if (R._lua_type(this.L, idx) === LUA_TNIL) return '';
    const lenPtr = this.scratch;
    const p = R._lua_tolstring(this.L, idx, lenPtr);
    if (p === 0) return '';
    const len = R.HEAPU32[lenPtr >> 2]!;
    return this.decoder.decode(R.HEAPU8.subarray(p, p + len));
  }

  private popString(): string {
    const s = this.optString(-1);
    this.raw._lua_settop(this.L, -2);
    return s;
  }

  /** Pushes one JSON value; false (nothing pushed) for null/undefined and other unsupported values. */
  private push(v: unknown, depth: number): boolean {
    const R = this.raw;
    const L = this.L;
    switch (typeof v) {
      case 'string':
        this.pushString(v);
        return true;
      case 'number':
        if (Number.isInteger(v) && v > -I64_LIMIT && v < I64_LIMIT) {
          R._lua_pushinteger(L, v >= 0 && v < 1024 ? SMALL_INTS[v]! : BigInt(v));
        } else R._lua_pushnumber(L, v);
        return true;
      case 'bigint':
        R._lua_pushinteger(L, BigInt.asIntN(64, v));
        return true;
      case 'boolean':
        R._lua_pushboolean(L, v ? 1 : 0);
        return true;
      case 'object': {
        if (v === null) return false;
        if (depth >= MAX_DEPTH) {
          throw new EvaluationError('LUA_MARSHAL', `object is nested deeper than ${MAX_DEPTH} levels`);
        }
        if (depth + 8 > this.stackEnsured) {
          if (!R._lua_checkstack(L, depth * 2 + 40))
            throw new EvaluationError('LUA_MARSHAL', 'Lua stack overflow');
          this.stackEnsured = depth + 16;
        }
        if (Array.isArray(v)) {
          R._lua_createtable(L, v.length, 0);
          let i = 0;
          for (const x of v) {
            if (Array.isArray(x)) continue; // upstream drops arrays nested in arrays
            if (!this.push(x, depth + 1)) continue;
            i++;
            R._lua_rawseti(L, -2, i < 1024 ? SMALL_INTS[i]! : BigInt(i));
          }
          return true;
        }
        const obj = v as Record<string, unknown>;
        let n = 0;
        for (const _ in obj) n++;
        R._lua_createtable(L, 0, n);
        for (const k in obj) {
          const x = obj[k];
          if (x === null || x === undefined) continue;
          this.pushString(k);
          if (this.push(x, depth + 1)) R._lua_rawset(L, -3);
          else R._lua_settop(L, -2);
        }
        return true;
      }
      default:
        return false;
    }
  }
}

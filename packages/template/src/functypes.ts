// How template functions declare their Go signature, so that the executor can apply Go's argument
// conversion and type checks (and produce Go's error messages).
import type { Value } from './value.ts';

/**
 * Go parameter types a template function can declare:
 * any = interface{}, reflect = reflect.Value (builtins), map = map[string]interface {},
 * list = []interface {}, time = time.Time.
 */
export type ParamType =
  | 'any'
  | 'reflect'
  | 'string'
  | 'int'
  | 'int64'
  | 'float64'
  | 'bool'
  | 'uint32'
  | 'map'
  | 'list'
  | 'time';

/** Per-execution information a function may need (the data passed to Execute, the environment). */
export interface CallContext {
  readonly root: Value;
  readonly env: ReadonlyMap<string, string> | undefined;
}

export interface FuncDef {
  readonly params: readonly ParamType[];
  /** Element type of a trailing variadic parameter. */
  readonly variadic?: ParamType;
  /** Declared result is interface{} (its value reaches field access as an interface). */
  readonly returnsAny?: boolean;
  readonly fn: (args: Value[], ctx: CallContext) => Value;
}

export type FuncMap = ReadonlyMap<string, FuncDef>;

/** Go type names of parameter types, as error messages print them. */
export const paramTypeNames: Readonly<Record<ParamType, string>> = {
  any: 'interface {}',
  reflect: 'reflect.Value',
  string: 'string',
  int: 'int',
  int64: 'int64',
  float64: 'float64',
  bool: 'bool',
  uint32: 'uint32',
  map: 'map[string]interface {}',
  list: '[]interface {}',
  time: 'time.Time',
};

export function def(params: readonly ParamType[], fn: FuncDef['fn'], extra?: Partial<FuncDef>): FuncDef {
  return { params, fn, ...extra };
}

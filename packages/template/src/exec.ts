// Executor for parsed templates with Go text/template semantics.
import { BudgetExceeded, chargeSize, chargeSteps, DEFAULT_TEMPLATE_LIMITS } from './budget.ts';
import { FuncError, TemplateError, type TemplateErrorCode } from './errors.ts';
import { compareBytes, formatValue } from './fmt.ts';
import { type CallContext, type FuncDef, type FuncMap, type ParamType, paramTypeNames } from './functypes.ts';
import {
  type ArgNode,
  BoolNode,
  type ChainNode,
  type CommandNode,
  type FieldNode,
  type IdentifierNode,
  type IfNode,
  type Node,
  NumberNode,
  type PipeNode,
  type RangeNode,
  StringNode,
  type TemplateNode,
  type Tree,
  type VariableNode,
  type WithNode,
} from './parse.ts';
import {
  GoInt,
  GoMap,
  GoObject,
  GoStruct,
  GoTime,
  goInt,
  truth,
  typeName,
  type Value,
  zeroElem,
} from './value.ts';

export type MissingKey = 'error' | 'default' | 'invalid' | 'zero';

const MAX_DEPTH = 100000;

/** A value as the executor tracks it: `iface` marks values read from an interface{} slot. */
interface Slot {
  value: Value;
  iface: boolean;
}

interface Variable {
  name: string;
  value: Value;
  iface: boolean;
}

class BreakSignal {}
class ContinueSignal {}
const breakSignal = new BreakSignal();
const continueSignal = new ContinueSignal();

/** Marker for "no final value" in a pipeline (Go's missingVal). */
const MISSING: unique symbol = Symbol('missing');
type Final = Value | typeof MISSING;

export interface ExecOptions {
  missingKey: MissingKey;
  funcs: FuncMap;
  ctx: CallContext;
  /** Characters of output allowed (the rest of the budget is charged through budget.ts). */
  maxOutputSize?: number;
}

/** Byte-based column, as Go reports it. */
function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

function canBeNil(t: ParamType): boolean {
  return t === 'any' || t === 'map' || t === 'list';
}

export class Executor {
  private out = '';
  private vars: Variable[] = [];
  private tree: Tree;
  private node: { pos: number; toString(): string } | undefined;
  private depth = 0;
  private readonly trees: ReadonlyMap<string, Tree>;
  private readonly opts: ExecOptions;

  constructor(trees: ReadonlyMap<string, Tree>, tree: Tree, opts: ExecOptions) {
    this.trees = trees;
    this.tree = tree;
    this.opts = opts;
  }

  run(data: Value): string {
    this.vars = [{ name: '$', value: data, iface: false }];
    try {
      this.walk(data, false, this.tree.root);
    } catch (e) {
      if (e instanceof BreakSignal || e instanceof ContinueSignal)
        this.fail('internal error: break or continue outside range');
      if (e instanceof TemplateError) throw e;
      if (e instanceof BudgetExceeded) this.fail(e.message, 'TEMPLATE_LIMIT');
      // a JavaScript limit (string or array length, call stack) reached inside a function
      if (e instanceof RangeError) this.fail(`resource limit reached: ${e.message}`, 'TEMPLATE_LIMIT');
      throw e;
    }
    return this.out;
  }

  /** Appends to the output within the output budget. */
  private emit(s: string): void {
    const max = this.opts.maxOutputSize ?? DEFAULT_TEMPLATE_LIMITS.maxOutputSize;
    if (this.out.length + s.length > max) throw new BudgetExceeded('output', max);
    this.out += s;
  }

  private fail(message: string, code: TemplateErrorCode = 'TEMPLATE_EXEC'): never {
    const name = this.tree.name;
    if (this.node === undefined) {
      throw new TemplateError(code, `template: ${name}: ${message}`, name);
    }
    const text = this.tree.text.slice(0, this.node.pos);
    const nl = text.lastIndexOf('\n');
    const line = 1 + (text.match(/\n/g)?.length ?? 0);
    const col = nl < 0 ? byteLength(text) : byteLength(text.slice(nl + 1));
    const location = `${this.tree.parseName}:${line}:${col}`;
    throw new TemplateError(
      code,
      `template: ${location}: executing ${JSON.stringify(name)} at <${String(this.node)}>: ${message}`,
      name,
      line,
      col,
    );
  }

  private at(node: { pos: number; toString(): string }): void {
    this.node = node;
  }

  private walk(dot: Value, dotIface: boolean, node: Node): void {
    chargeSteps();
    switch (node.type) {
      case 'text':
        this.emit(node.text);
        return;
      case 'list':
        for (const n of node.nodes) this.walk(dot, dotIface, n);
        return;
      case 'action': {
        const v = this.evalPipeline(dot, dotIface, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, v);
        return;
      }
      case 'if':
      case 'with':
        this.walkIfOrWith(node, dot, dotIface);
        return;
      case 'range':
        this.walkRange(node, dot, dotIface);
        return;
      case 'template':
        this.walkTemplate(node, dot, dotIface);
        return;
      case 'break':
        throw breakSignal;
      case 'continue':
        throw continueSignal;
    }
  }

  private printValue(node: { pos: number; toString(): string }, v: Value): void {
    this.at(node);
    if (v === undefined) {
      this.emit('<no value>');
      return;
    }
    if (typeof v === 'string') {
      this.emit(v);
      return;
    }
    if (v instanceof GoStruct) {
      if (v.stringer) {
        this.emit(v.stringer(v));
        return;
      }
      if (v.typeName.startsWith('*')) {
        this.emit(formatValue(new GoStruct(v.typeName.slice(1), v.fields), 'v', plainFlags, 0));
        return;
      }
    }
    this.emit(formatValue(v, 'v', plainFlags, 0));
  }

  private mark(): number {
    return this.vars.length;
  }

  private pop(mark: number): void {
    this.vars.length = mark;
  }

  private setVar(name: string, value: Value, iface: boolean): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i]!;
      if (v.name === name) {
        v.value = value;
        v.iface = iface;
        return;
      }
    }
    this.fail(`undefined variable: ${name}`);
  }

  private setTopVar(n: number, value: Value, iface: boolean): void {
    const v = this.vars[this.vars.length - n]!;
    v.value = value;
    v.iface = iface;
  }

  private varSlot(name: string): Slot {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i]!;
      if (v.name === name) return v;
    }
    this.fail(`undefined variable: ${name}`);
  }

  private walkIfOrWith(node: IfNode | WithNode, dot: Value, dotIface: boolean): void {
    const mark = this.mark();
    try {
      const val = this.evalPipeline(dot, dotIface, node.pipe);
      if (truth(val)) {
        if (node.type === 'with') this.walk(val, false, node.list);
        else this.walk(dot, dotIface, node.list);
      } else if (node.elseList) {
        this.walk(dot, dotIface, node.elseList);
      }
    } finally {
      this.pop(mark);
    }
  }

  private walkRange(node: RangeNode, dot: Value, dotIface: boolean): void {
    this.at(node);
    const mark = this.mark();
    try {
      let val = this.evalPipeline(dot, dotIface, node.pipe);
      if (val instanceof GoStruct && val.typeName.startsWith('*'))
        val = new GoStruct(val.typeName.slice(1), val.fields);
      const decl = node.pipe.decl;
      const iteration = (index: Value, elem: Value, elemIface: boolean): boolean => {
        if (decl.length > 0) {
          if (node.pipe.isAssign) {
            if (decl.length > 1) {
              this.setVar(decl[0]!.ident[0]!, index, false);
              this.setVar(decl[1]!.ident[0]!, elem, elemIface);
            } else this.setVar(decl[0]!.ident[0]!, elem, elemIface);
          } else if (decl.length > 1) {
            this.setTopVar(2, index, false);
            this.setTopVar(1, elem, elemIface);
          } else this.setTopVar(1, elem, elemIface);
        }
        chargeSteps();
        const inner = this.mark();
        try {
          this.walk(elem, elemIface, node.list);
        } catch (e) {
          if (e === breakSignal) return false;
          if (e !== continueSignal) throw e;
        } finally {
          this.pop(inner);
        }
        return true;
      };
      let ran = false;
      if (Array.isArray(val)) {
        const elemIface = sliceIsIface(val);
        for (let i = 0; i < val.length; i++) {
          ran = true;
          if (!iteration(goInt('int', i), val[i], elemIface)) break;
        }
      } else if (val instanceof Map) {
        const elemIface = !(val instanceof GoMap) || val.elemType === 'interface {}';
        const keys = [...val.keys()].sort(compareBytes);
        for (const k of keys) {
          ran = true;
          if (!iteration(k, val.get(k), elemIface)) break;
        }
      } else if (val instanceof GoInt) {
        if (decl.length > 1)
          this.fail(
            `can't use ${formatValue(val, 'v', plainFlags, 0)} to iterate over more than one variable`,
          );
        for (let i = 0n; i < val.value; i++) {
          ran = true;
          const v = goInt(val.kind, i);
          if (!iteration(v, v, false)) break;
        }
      } else if (val === undefined || val === null) {
        // nothing to iterate: fall through to else
      } else {
        // Go reports the node evaluated last (not the pipeline), like every error after evaluation.
        this.fail(`range can't iterate over ${formatValue(val, 'v', plainFlags, 0)}`);
      }
      if (!ran && node.elseList) this.walk(dot, dotIface, node.elseList);
    } finally {
      this.pop(mark);
    }
  }

  private walkTemplate(node: TemplateNode, dot: Value, dotIface: boolean): void {
    this.at(node);
    const tree = this.trees.get(node.name);
    if (tree === undefined) this.fail(`template ${JSON.stringify(node.name)} not defined`);
    if (this.depth >= MAX_DEPTH) this.fail(`exceeded maximum template depth (${MAX_DEPTH})`);
    const newDot = node.pipe ? this.evalPipeline(dot, dotIface, node.pipe) : undefined;
    const saved = { vars: this.vars, tree: this.tree };
    this.vars = [{ name: '$', value: newDot, iface: false }];
    this.tree = tree;
    this.depth++;
    try {
      this.walk(newDot, false, tree.root);
    } catch (e) {
      // (no function call here: the stack is exhausted)
      if (e instanceof RangeError && e.message === 'Maximum call stack size exceeded') {
        // The JS stack is shallower than Go's 100000 nested templates; report Go's error.
        this.tree = saved.tree;
        this.at(node);
        this.fail(`exceeded maximum template depth (${MAX_DEPTH})`);
      }
      throw e;
    } finally {
      this.depth--;
      this.vars = saved.vars;
      this.tree = saved.tree;
    }
  }

  private evalPipeline(dot: Value, dotIface: boolean, pipe: PipeNode): Value {
    this.at(pipe);
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, dotIface, cmd, value).value;
      // A nil interface{} result becomes "no value".
      if (value === null) value = undefined;
    }
    const result = value === MISSING ? undefined : value;
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0]!, result, false);
      else this.vars.push({ name: v.ident[0]!, value: result, iface: false });
    }
    return result;
  }

  private notAFunction(args: ArgNode[], final: Final): void {
    if (args.length > 1 || final !== MISSING) this.fail(`can't give argument to non-function ${args[0]}`);
  }

  private evalCommand(dot: Value, dotIface: boolean, cmd: CommandNode, final: Final): Slot {
    chargeSteps();
    const first = cmd.args[0]!;
    switch (first.type) {
      case 'field':
        this.at(first);
        return this.evalFieldChain(dot, dot, dotIface, first, first.ident, cmd.args, final);
      case 'chain':
        return this.evalChain(dot, dotIface, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, dotIface, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return { value: this.evalPipeline(dot, dotIface, first), iface: false };
      case 'variable':
        return this.evalVariable(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return { value: first.value, iface: false };
      case 'dot':
        return { value: dot, iface: dotIface };
      case 'nil':
        this.fail('nil is not a command');
        break;
      case 'number':
        return { value: this.idealConstant(first), iface: false };
      case 'string':
        return { value: first.text, iface: false };
    }
    this.fail(`can't evaluate command ${JSON.stringify(String(first))}`);
  }

  private idealConstant(n: NumberNode): Value {
    this.at(n);
    const t = n.text;
    const hexInt = t.length > 2 && t[0] === '0' && (t[1] === 'x' || t[1] === 'X') && !/[pP]/.test(t);
    const runeInt = t[0] === "'";
    if (n.isFloat && !hexInt && !runeInt && /[.eEpP]/.test(t)) return n.float;
    if (n.isInt) return goInt('int', n.int);
    if (n.isUint) this.fail(`${t} overflows int`);
    return undefined;
  }

  private evalChain(dot: Value, dotIface: boolean, chain: ChainNode, args: ArgNode[], final: Final): Slot {
    this.at(chain);
    if (chain.node.type === 'nil') this.fail(`indirection through explicit nil in ${chain}`);
    const recv = this.evalArgSlot(dot, dotIface, chain.node);
    return this.evalFieldChain(dot, recv.value, recv.iface, chain, chain.field, args, final);
  }

  private evalVariable(dot: Value, node: VariableNode, args: ArgNode[], final: Final): Slot {
    this.at(node);
    const slot = this.varSlot(node.ident[0]!);
    if (node.ident.length === 1) {
      this.notAFunction(args, final);
      return { value: slot.value, iface: slot.iface };
    }
    return this.evalFieldChain(dot, slot.value, slot.iface, node, node.ident.slice(1), args, final);
  }

  private evalFieldChain(
    dot: Value,
    receiver: Value,
    recvIface: boolean,
    node: FieldNode | ChainNode | VariableNode,
    ident: string[],
    args: ArgNode[],
    final: Final,
  ): Slot {
    let slot: Slot = { value: receiver, iface: recvIface };
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) slot = this.evalField(dot, ident[i]!, node, [], MISSING, slot);
    return this.evalField(dot, ident[n - 1]!, node, args, final, slot);
  }

  private evalField(
    dot: Value,
    name: string,
    node: FieldNode | ChainNode | VariableNode,
    args: ArgNode[],
    final: Final,
    recv: Slot,
  ): Slot {
    const receiver = recv.value;
    if (receiver === undefined) {
      if (this.opts.missingKey === 'error') this.fail(`nil data; no entry for key ${JSON.stringify(name)}`);
      return { value: undefined, iface: false };
    }
    const staticType = recv.iface ? 'interface {}' : typeName(receiver);
    if (receiver === null) this.fail(`nil pointer evaluating ${staticType}.${name}`);
    if (receiver instanceof GoObject) {
      const method = receiver.methods[name];
      if (method !== undefined) {
        // Like Go's evalCall, the argument count is checked before any argument is evaluated.
        const numIn = args.length - 1 + (final === MISSING ? 0 : 1);
        if (numIn !== method.length)
          this.fail(`wrong number of args for ${name}: want ${method.length} got ${numIn}`);
        const argv = args.slice(1).map((a) => this.evalArgSlot(dot, false, a).value);
        if (final !== MISSING) argv.push(final);
        try {
          return { value: method(...argv), iface: false };
        } catch (e) {
          if (e instanceof FuncError) {
            this.at(node);
            this.fail(`error calling ${name}: ${e.message}`);
          }
          throw e;
        }
      }
    }
    const hasArgs = args.length > 1 || final !== MISSING;
    if (receiver instanceof Map) {
      if (hasArgs) this.fail(`${name} is not a method but has arguments`);
      const v = receiver.get(name);
      const elemIface = !(receiver instanceof GoMap) || receiver.elemType === 'interface {}';
      if (v === undefined && !receiver.has(name)) {
        switch (this.opts.missingKey) {
          case 'error':
            this.fail(`map has no entry for key ${JSON.stringify(name)}`);
            break;
          case 'zero':
            return { value: elemIface ? null : zeroElem(receiver), iface: elemIface };
          default:
            return { value: undefined, iface: false };
        }
      }
      return { value: v ?? null, iface: elemIface };
    }
    if (receiver instanceof GoStruct || receiver instanceof GoObject) {
      if (receiver.fields.has(name)) {
        if (hasArgs) this.fail(`${name} has arguments but cannot be invoked as function`);
        const v = receiver.fields.get(name);
        return { value: v === undefined ? null : v, iface: false };
      }
    }
    this.fail(`can't evaluate field ${name} in type ${staticType}`);
  }

  private evalFunction(
    dot: Value,
    dotIface: boolean,
    node: IdentifierNode,
    cmd: CommandNode | IdentifierNode,
    args: ArgNode[],
    final: Final,
  ): Slot {
    this.at(node);
    const fn = this.opts.funcs.get(node.name);
    if (fn === undefined) this.fail(`${JSON.stringify(node.name)} is not a defined function`);
    return this.evalCall(dot, dotIface, fn, cmd, node.name, args, final);
  }

  private evalCall(
    dot: Value,
    dotIface: boolean,
    fn: FuncDef,
    node: CommandNode | IdentifierNode,
    name: string,
    allArgs: ArgNode[],
    final: Final,
  ): Slot {
    const args = allArgs.slice(1);
    const numIn = args.length + (final === MISSING ? 0 : 1);
    const fixed = fn.params.length;
    if (fn.variadic !== undefined) {
      if (numIn < fixed)
        this.fail(`wrong number of args for ${name}: want at least ${fixed} got ${args.length}`);
    } else if (numIn !== fixed) {
      this.fail(`wrong number of args for ${name}: want ${fixed} got ${numIn}`);
    }
    // and/or short-circuit: evaluate left to right, stop at the deciding value.
    if (name === 'and' || name === 'or') {
      let v: Value;
      for (const arg of args) {
        v = this.evalArg(dot, dotIface, 'reflect', arg);
        if (truth(v) === (name === 'or')) return { value: v, iface: false };
      }
      if (final !== MISSING) v = this.validateType(final, 'reflect');
      return { value: v, iface: false };
    }
    const argv: Value[] = new Array(numIn);
    let i = 0;
    for (; i < fixed && i < args.length; i++) argv[i] = this.evalArg(dot, dotIface, fn.params[i]!, args[i]!);
    if (fn.variadic !== undefined)
      for (; i < args.length; i++) argv[i] = this.evalArg(dot, dotIface, fn.variadic, args[i]!);
    if (final !== MISSING) {
      const t = numIn - 1 < fixed ? fn.params[numIn - 1]! : (fn.variadic ?? fn.params[fixed - 1]!);
      argv[i] = this.validateType(final, t);
    }
    let result: Value;
    try {
      result = fn.fn(argv, this.opts.ctx);
      // what a function produced counts against the size budget (functions whose result can be much
      // larger than their arguments check before allocating)
      if (typeof result === 'string') {
        if (result.length > 64) chargeSize(result.length);
      } else if (Array.isArray(result)) chargeSize(result.length);
      else if (result instanceof Map) chargeSize(result.size);
    } catch (e) {
      if (e instanceof BudgetExceeded) {
        this.at(node);
        this.fail(`error calling ${name}: ${e.message}`, 'TEMPLATE_LIMIT');
      }
      if (e instanceof RangeError) {
        this.at(node);
        this.fail(`error calling ${name}: resource limit reached: ${e.message}`, 'TEMPLATE_LIMIT');
      }
      if (e instanceof FuncError) {
        this.at(node);
        // Go names the callee expression in call's error.
        const message =
          name === 'call' ? e.message.replace('non-function ', `non-function ${args[0]} `) : e.message;
        this.fail(`error calling ${name}: ${message}`);
      }
      throw e;
    }
    return { value: result, iface: fn.returnsAny === true };
  }

  private evalArgSlot(dot: Value, dotIface: boolean, n: ArgNode): Slot {
    this.at(n);
    switch (n.type) {
      case 'dot':
        return { value: dot, iface: dotIface };
      case 'field':
        return this.evalFieldChain(dot, dot, dotIface, n, n.ident, [n], MISSING);
      case 'variable':
        return this.evalVariable(dot, n, [n], MISSING);
      case 'pipe':
        return { value: this.evalPipeline(dot, dotIface, n), iface: false };
      case 'identifier':
        return this.evalFunction(dot, dotIface, n, n, [n], MISSING);
      case 'chain':
        return this.evalChain(dot, dotIface, n, [n], MISSING);
      case 'nil':
        this.fail('cannot assign nil to interface {}');
        break;
      case 'bool':
        return { value: n.value, iface: false };
      case 'number':
        return { value: this.idealConstant(n), iface: false };
      case 'string':
        return { value: n.text, iface: false };
    }
    return { value: undefined, iface: false };
  }

  /** Evaluates an argument for a parameter of Go type `t`, with Go's literal conversions and checks. */
  private evalArg(dot: Value, dotIface: boolean, t: ParamType, n: ArgNode): Value {
    this.at(n);
    switch (n.type) {
      case 'dot':
        return this.validateType(dot, t);
      case 'nil':
        if (t === 'reflect') return undefined;
        if (canBeNil(t)) return t === 'map' ? nilMapValue() : null;
        this.fail(`cannot assign nil to ${paramTypeNames[t]}`);
        break;
      case 'field':
      case 'variable':
      case 'pipe':
      case 'identifier':
      case 'chain': {
        const slot = this.evalArgSlot(dot, dotIface, n);
        return this.validateType(slot.value, t);
      }
    }
    switch (t) {
      case 'bool':
        if (n instanceof BoolNode) return n.value;
        this.fail(`expected bool; found ${n}`);
        break;
      case 'float64':
        if (n instanceof NumberNode && n.isFloat) return n.float;
        this.fail(`expected float; found ${n}`);
        break;
      case 'int':
      case 'int64':
        if (n instanceof NumberNode && n.isInt) return goInt(t, n.int);
        this.fail(`expected integer; found ${n}`);
        break;
      case 'uint32':
        if (n instanceof NumberNode && n.isUint) {
          if (n.uint > 0xffffffffn) this.fail(`${n} overflows uint32`);
          return goInt('uint32', n.uint);
        }
        this.fail(`expected unsigned integer; found ${n}`);
        break;
      case 'string':
        if (n instanceof StringNode) return n.text;
        this.fail(`expected string; found ${n}`);
        break;
      case 'any':
      case 'reflect':
        return this.evalEmptyInterface(n);
    }
    this.fail(`can't handle ${n} for arg of type ${paramTypeNames[t]}`);
  }

  private evalEmptyInterface(n: ArgNode): Value {
    this.at(n);
    if (n instanceof BoolNode) return n.value;
    if (n instanceof NumberNode) return this.idealConstant(n);
    if (n instanceof StringNode) return n.text;
    this.fail(`can't handle assignment of ${n} to empty interface argument`);
  }

  /** Go's assignability check of an evaluated value against a parameter type. */
  private validateType(value: Value, t: ParamType): Value {
    if (value === undefined) {
      if (t === 'reflect') return undefined;
      if (t === 'any') return null;
      if (canBeNil(t)) return t === 'map' ? nilMapValue() : null;
      this.fail(`invalid value; expected ${paramTypeNames[t]}`);
    }
    if (t === 'any' || t === 'reflect') return value;
    if (assignable(value, t)) return value;
    const got = value === null ? 'interface {}' : typeName(value);
    this.fail(`wrong type for value; expected ${paramTypeNames[t]}; got ${got}`);
  }
}

const plainFlags = {
  plus: false,
  minus: false,
  sharp: false,
  space: false,
  zero: false,
  width: undefined,
  prec: undefined,
};

function nilMapValue(): GoMap {
  const m = new GoMap();
  m.isNil = true;
  return m;
}

function sliceIsIface(list: Value[]): boolean {
  const t = typeName(list);
  return t === '[]interface {}';
}

function assignable(v: Value, t: ParamType): boolean {
  switch (t) {
    case 'string':
      return typeof v === 'string';
    case 'bool':
      return typeof v === 'boolean';
    case 'float64':
      return typeof v === 'number';
    case 'int':
    case 'int64':
    case 'uint32':
      return v instanceof GoInt && v.kind === t;
    case 'map':
      return v instanceof Map && (!(v instanceof GoMap) || v.elemType === 'interface {}');
    case 'list':
      return Array.isArray(v) && typeName(v) === '[]interface {}';
    case 'time':
      return v instanceof GoTime;
    default:
      return true;
  }
}

// Compiled templates and the source-text cache.
import { Budget, type TemplateLimits, withBudget } from './budget.ts';
import { builtinFuncs } from './builtins.ts';
import { TemplateError } from './errors.ts';
import { Executor, type MissingKey } from './exec.ts';
import type { CallContext, FuncDef, FuncMap } from './functypes.ts';
import { Parser, type Tree } from './parse.ts';
import type { Value } from './value.ts';

export interface CompileOptions {
  /** Template name used in error messages (Go: the name given to template.New). */
  name?: string;
  /** Functions added to (and shadowing) the builtins. */
  funcs?: FuncMap;
  missingKey?: MissingKey;
}

export interface ExecuteOptions {
  /** Environment visible to env/expandenv when they are enabled. */
  env?: ReadonlyMap<string, string>;
  /** Budgets of this execution (DEFAULT_TEMPLATE_LIMITS when not given). */
  limits?: Partial<TemplateLimits>;
}

/** A parsed template: compile once, execute many times. */
export class Template {
  readonly name: string;
  private readonly trees: ReadonlyMap<string, Tree>;
  private readonly funcs: FuncMap;
  private readonly missingKey: MissingKey;

  constructor(name: string, trees: ReadonlyMap<string, Tree>, funcs: FuncMap, missingKey: MissingKey) {
    this.name = name;
    this.trees = trees;
    this.funcs = funcs;
    this.missingKey = missingKey;
  }

  /** Renders the template with `data` as dot. Throws TemplateError: TEMPLATE_EXEC on failure, TEMPLATE_LIMIT
   * when the execution goes past its budgets. */
  execute(data: Value, options: ExecuteOptions = {}): string {
    const tree = this.trees.get(this.name);
    if (tree === undefined) {
      throw new TemplateError(
        'TEMPLATE_EXEC',
        `template: ${this.name}: ${JSON.stringify(this.name)} is an incomplete or empty template`,
        this.name,
      );
    }
    const ctx: CallContext = { root: data, env: options.env };
    const budget = new Budget(options.limits);
    const executor = new Executor(this.trees, tree, {
      missingKey: this.missingKey,
      funcs: this.funcs,
      ctx,
      maxOutputSize: budget.limits.maxOutputSize,
    });
    return withBudget(budget, () => executor.run(data));
  }
}

function mergeFuncs(funcs: FuncMap | undefined): FuncMap {
  if (funcs === undefined) return builtinFuncs;
  const merged = new Map<string, FuncDef>(builtinFuncs);
  for (const [name, fn] of funcs) merged.set(name, fn);
  return merged;
}

const missingKeys: ReadonlySet<string> = new Set(['error', 'default', 'invalid', 'zero']);

/** Parses `text`. Throws TemplateError (code TEMPLATE_PARSE) with Go's message and line. */
export function compile(text: string, options: CompileOptions = {}): Template {
  const name = options.name ?? 't';
  const missingKey = options.missingKey ?? 'error';
  if (!missingKeys.has(missingKey)) {
    throw new TemplateError('TEMPLATE_OPTION', `unrecognized option: missingkey=${missingKey}`, name);
  }
  const funcs = mergeFuncs(options.funcs);
  let trees: Map<string, Tree>;
  try {
    trees = new Parser(name, text, (fn) => funcs.has(fn)).parse();
  } catch (e) {
    // nesting deeper than the JavaScript stack allows
    if (e instanceof RangeError && e.message === 'Maximum call stack size exceeded') {
      throw new TemplateError('TEMPLATE_LIMIT', `template: ${name}: nesting is too deep to parse`, name);
    }
    throw e;
  }
  return new Template(name, trees, funcs, missingKey);
}

/**
 * Compiled templates keyed by source text (plus name and option set). Entries are kept in insertion
 * order and the oldest is dropped beyond `capacity`.
 */
export class TemplateCache {
  private readonly entries = new Map<string, Template>();
  private readonly capacity: number;
  private readonly options: CompileOptions;
  constructor(options: CompileOptions = {}, capacity = 1000) {
    this.options = options;
    this.capacity = capacity;
  }

  get(text: string, name = this.options.name ?? 't'): Template {
    const key = name + '\0' + text;
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const tmpl = compile(text, { ...this.options, name });
    this.entries.set(key, tmpl);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return tmpl;
  }

  get size(): number {
    return this.entries.size;
  }
}

// Execution budgets of the template engine. Go's text/template has none; a template is user input here
// (EventTriggers, ConfigMaps), so every execution gets a deterministic budget that bounds its time and
// memory: steps (nodes evaluated, range iterations, values visited by functions that walk data) and size
// (characters and elements produced by functions, and the output itself). Every loop of the executor and
// every function whose cost is not constant charges it before (or while) doing the work, so a template
// cannot run long or allocate much between two checks (docs/design/sandbox.md).
//
// The engine is synchronous, so the budget of the execution in progress is module state: functions charge it
// without it being threaded through every helper. Nested executions save and restore it.

export interface TemplateLimits {
  /** Nodes evaluated + range iterations + values visited by data-walking functions. */
  maxSteps: number;
  /** Characters (strings) and elements (lists, maps) produced by functions, in total. */
  maxValueSize: number;
  /** Characters of output. */
  maxOutputSize: number;
}

export const DEFAULT_TEMPLATE_LIMITS: Readonly<TemplateLimits> = Object.freeze({
  maxSteps: 1_000_000,
  maxValueSize: 32 * 1024 * 1024,
  maxOutputSize: 16 * 1024 * 1024,
});

export type BudgetKind = 'steps' | 'size' | 'output';

/** Thrown when an execution goes past one of its limits; the executor turns it into a TemplateError with
 * code TEMPLATE_LIMIT and the position of the action that was running. */
export class BudgetExceeded extends Error {
  readonly kind: BudgetKind;
  readonly limit: number;
  constructor(kind: BudgetKind, limit: number, what?: string) {
    const unit =
      kind === 'steps' ? 'steps' : kind === 'size' ? 'characters/elements' : 'characters of output';
    super(
      `${what ? `${what}: ` : ''}template exceeded its ${kind} budget of ${limit} ${unit} (the template is too expensive to render)`,
    );
    this.name = 'BudgetExceeded';
    this.kind = kind;
    this.limit = limit;
  }
}

export class Budget {
  readonly limits: TemplateLimits;
  steps = 0;
  size = 0;
  constructor(limits: Partial<TemplateLimits> = {}) {
    this.limits = { ...DEFAULT_TEMPLATE_LIMITS, ...limits };
  }
}

let active: Budget | undefined;

/** Runs `fn` with `budget` as the active budget (restores the previous one after). */
export function withBudget<T>(budget: Budget, fn: () => T): T {
  const previous = active;
  active = budget;
  try {
    return fn();
  } finally {
    active = previous;
  }
}

/** Charges `n` steps to the running execution (no-op outside an execution). */
export function chargeSteps(n = 1, what?: string): void {
  const b = active;
  if (b === undefined) return;
  b.steps += n;
  if (b.steps > b.limits.maxSteps) throw new BudgetExceeded('steps', b.limits.maxSteps, what);
}

/** Charges `n` characters/elements about to be produced (call it before allocating). */
export function chargeSize(n: number, what?: string): void {
  const b = active;
  if (b === undefined) return;
  b.size += n;
  if (!(b.size <= b.limits.maxValueSize)) throw new BudgetExceeded('size', b.limits.maxValueSize, what);
}

/** Fails up front when a single value of `n` characters/elements could not fit the remaining size budget. */
export function checkSize(n: number, what?: string): void {
  const b = active;
  const limit = b?.limits.maxValueSize ?? DEFAULT_TEMPLATE_LIMITS.maxValueSize;
  if (!(n <= limit - (b?.size ?? 0))) throw new BudgetExceeded('size', limit, what);
}

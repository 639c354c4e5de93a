// Child process of hostile.test.ts: renders one hostile template (by index) and prints the outcome as JSON.
import { compile, sveltosFuncs, TemplateError } from '../../src/index.ts';
import { hostileTemplates } from './cases.ts';

const c = hostileTemplates[Number(process.argv[2])]!;
const started = performance.now();
let outcome: Record<string, unknown>;
try {
  const output = compile(c.template, { funcs: sveltosFuncs({}) }).execute(new Map());
  outcome = { output: output.length > 200 ? `${output.slice(0, 200)}...` : output };
} catch (e) {
  outcome =
    e instanceof TemplateError
      ? { code: e.code, message: e.message.slice(0, 300) }
      : { untyped: `${(e as Error).name}: ${(e as Error).message.slice(0, 300)}` };
}
process.stdout.write(`${JSON.stringify({ ...outcome, ms: Math.round(performance.now() - started) })}\n`);

// Child process of hostile.test.ts. `case <i>`: one hostile EventSource against one object; prints the
// outcome. `tamper`: a tampering EventSource then an innocent one, in both orders, several times; prints the
// innocent's verdicts. `latency`: a hostile (watchdog-stopped) EventSource and an innocent one at once;
// prints which finished first.
//
// It speaks both the sandbox API and the earlier synchronous one (LuaRuntime shared by every EventSource),
// so the same test shows what the earlier code did with this input.
import * as evaluation from '../../src/index.ts';
import { hostileLua, INNOCENT, type SandboxCase, TAMPERER, WATCHDOG_ONLY } from './cases.ts';

interface Runner {
  /** errors (code: message) and matched names of one EventSource over the objects */
  evaluate(
    name: string,
    evaluate: string,
  ): Promise<{ errors: string[]; matched: string[]; messages: string[] }>;
  close(): Promise<void>;
}

const services = [1, 2].map((i) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: `s${i}`, namespace: 'default' },
}));
const eventSource = (name: string, evaluate: string) => ({
  apiVersion: 'lib.projectsveltos.io/v1beta1',
  kind: 'EventSource',
  metadata: { name },
  spec: { resourceSelectors: [{ group: '', version: 'v1', kind: 'Service', evaluate }] },
});

type Evaluation = evaluation.EventSourceEvaluation;
type Evaluate = (es: unknown, objects: unknown, options: unknown) => Evaluation | Promise<Evaluation>;
type Closable = { close(): void | Promise<void> };

async function runner(options: SandboxCase = {}): Promise<Runner> {
  const ev = evaluation as unknown as Record<string, unknown>;
  const evaluate = ev.evaluateEventSource as Evaluate;
  const outcome = (r: Evaluation) => ({
    errors: r.errors.map((e) => `${e.code}: ${e.message}`),
    matched: r.matchingResources.map((m) => m.name ?? ''),
    messages: r.messages.map((m) => m.message),
  });
  const objects = evaluation.groupByGVK(services);
  if (ev.LuaSandbox) {
    const { hardTimeoutMs, ...limits } = options;
    const Sandbox = ev.LuaSandbox as new (o: unknown) => Closable;
    const sandbox = new Sandbox({ limits, ...(hardTimeoutMs ? { hardTimeoutMs } : {}) });
    return {
      async evaluate(name, script) {
        return outcome(await evaluate(eventSource(name, script), objects, { sandbox }));
      },
      async close() {
        await sandbox.close();
      },
    };
  }
  // the earlier API: one synchronous runtime for every EventSource
  const { hardTimeoutMs: _, ...limits } = options;
  const Runtime = ev.LuaRuntime as { create(l: unknown): Promise<Closable> };
  const lua = await Runtime.create(limits);
  return {
    async evaluate(name, script) {
      return outcome(await evaluate(eventSource(name, script), objects, { lua }));
    },
    async close() {
      await lua.close();
    },
  };
}

const [mode, arg] = process.argv.slice(2);
const print = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
if (mode === 'case') {
  const c = hostileLua[Number(arg)]!;
  const r = await runner(c.sandbox);
  print(await r.evaluate('hostile', c.evaluate));
  await r.close();
} else if (mode === 'tamper') {
  const r = await runner({ timeoutMs: 500 });
  const verdicts = [];
  for (let round = 0; round < 3; round++) {
    await r.evaluate('tamperer', TAMPERER);
    verdicts.push(await r.evaluate('innocent', INNOCENT));
  }
  print(verdicts);
  await r.close();
} else if (mode === 'latency') {
  const r = await runner({ ...WATCHDOG_ONLY, hardTimeoutMs: 1500 });
  const order: string[] = [];
  const hostile = r
    .evaluate('hostile', hostileLua.find((c) => c.sandbox?.hardTimeoutMs)!.evaluate)
    .then((o) => {
      order.push('hostile');
      return o;
    });
  const innocent = r.evaluate('innocent', INNOCENT).then((o) => {
    order.push('innocent');
    return o;
  });
  const [h, i] = await Promise.all([hostile, innocent]);
  print({ order, hostile: h, innocent: i });
  await r.close();
}

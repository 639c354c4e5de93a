import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeEventReportResources, type EventSource, type KubeObject } from '@sveltos-ts/api';
import { EvaluationError } from './errors.ts';
import { compileEventSource, evaluateEventSource } from './eventsource.ts';
import { groupByGVK, PreparedObject } from './object.ts';
import { LuaSandbox } from './sandbox/pool.ts';

let sandbox: LuaSandbox;
before(() => {
  sandbox = new LuaSandbox();
});
after(() => sandbox.close());

const es = (spec: EventSource['spec'], name = 'es'): EventSource =>
  ({
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'EventSource',
    metadata: { name },
    spec,
  }) as EventSource;

const svc = (
  ns: string,
  name: string,
  extra: Partial<KubeObject> = {},
  labels?: Record<string, string>,
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace: ns, name, ...(labels ? { labels } : {}) },
  spec: { ports: [{ port: 80 }] },
  ...extra,
});
const SERVICE = { group: '', version: 'v1', kind: 'Service' };
const names = (r: { matchingResources: { namespace?: string; name?: string }[] }) =>
  r.matchingResources.map((m) => `${m.namespace ?? ''}/${m.name}`);

describe('filters', () => {
  const objects = [
    svc('b', 'two', {}, { app: 'web' }),
    svc('a', 'one', {}, { app: 'web', tier: 'fe' }),
    svc('a', 'gone', {
      metadata: { namespace: 'a', name: 'gone', deletionTimestamp: '2024-01-01T00:00:00Z' },
    }),
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { namespace: 'a', name: 'dep' } },
  ];
  test('GVK, deletion, ordering by namespace then name', async () => {
    const r = await evaluateEventSource(es({ resourceSelectors: [SERVICE] }), groupByGVK(objects));
    assert.deepEqual(names(r), ['a/one', 'b/two']);
    assert.equal(r.ok, true);
    assert.equal(r.resources, undefined);
  });
  test('a v1alpha1 EventSource (flat spec) selects what its v1beta1 form selects', async () => {
    const legacy = {
      apiVersion: 'lib.projectsveltos.io/v1alpha1',
      kind: 'EventSource',
      metadata: { name: 'legacy' },
      spec: {
        group: '',
        version: 'v1',
        kind: 'Service',
        labelFilters: [{ key: 'tier', operation: 'Equal', value: 'fe' }],
      },
    } as unknown as EventSource;
    assert.deepEqual(names(await evaluateEventSource(legacy, groupByGVK(objects))), ['a/one']);
  });
  test('namespace and name', async () => {
    assert.deepEqual(
      names(
        await evaluateEventSource(
          es({ resourceSelectors: [{ ...SERVICE, namespace: 'b' }] }),
          groupByGVK(objects),
        ),
      ),
      ['b/two'],
    );
    assert.deepEqual(
      names(
        await evaluateEventSource(
          es({ resourceSelectors: [{ ...SERVICE, name: 'one' }] }),
          groupByGVK(objects),
        ),
      ),
      ['a/one'],
    );
  });
  test('labelFilters AND selector', async () => {
    const r = await evaluateEventSource(
      es({
        resourceSelectors: [
          {
            ...SERVICE,
            labelFilters: [{ key: 'app', operation: 'Equal', value: 'web' }],
            selector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
          },
        ],
      }),
      groupByGVK(objects),
    );
    assert.deepEqual(names(r), ['a/one']);
  });
  test('selectors concatenate in spec order and duplicates are kept (upstream)', async () => {
    const r = await evaluateEventSource(
      es({ resourceSelectors: [{ ...SERVICE, namespace: 'b' }, SERVICE] }),
      groupByGVK(objects),
    );
    assert.deepEqual(names(r), ['b/two', 'a/one', 'b/two']);
  });
  test('cluster-scoped objects have no namespace in matchingResources', async () => {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } };
    const r = await evaluateEventSource(
      es({ resourceSelectors: [{ group: '', version: 'v1', kind: 'Namespace' }] }),
      groupByGVK([ns]),
    );
    assert.deepEqual(r.matchingResources, [{ apiVersion: 'v1', kind: 'Namespace', name: 'x' }]);
  });
});

describe('CEL and Lua', () => {
  const objects = [svc('a', 'http'), svc('a', 'https', { spec: { ports: [{ port: 443 }] } })];
  const LUA_443 =
    'function evaluate() local hs = {matching = false} for _, p in ipairs(obj.spec.ports) do if p.port == 443 then hs.matching = true hs.message = obj.metadata.name .. " serves https" end end return hs end';
  test('CEL: first true rule, erroring rules reported but not fatal', async () => {
    const r = await evaluateEventSource(
      es({
        resourceSelectors: [
          {
            ...SERVICE,
            evaluateCEL: [
              { name: 'broken', rule: 'resource.status.x == 1' },
              { name: 'tls', rule: 'resource.spec.ports.exists(p, p.port + 0 == 443)' },
            ],
          },
        ],
      }),
      groupByGVK(objects),
    );
    assert.deepEqual(names(r), ['a/https']);
    assert.equal(r.ok, true);
    assert.equal(r.errors.length, 2);
    assert.ok(r.errors.every((e) => e.code === 'CEL_EVAL' && !e.fatal));
  });
  test('Lua evaluate with messages', async () => {
    const r = await evaluateEventSource(
      es({ resourceSelectors: [{ ...SERVICE, evaluate: LUA_443 }] }),
      groupByGVK(objects),
      { sandbox },
    );
    assert.deepEqual(names(r), ['a/https']);
    assert.deepEqual(
      r.messages.map((m) => m.message),
      ['https serves https'],
    );
  });
  test('CEL OR Lua: a true CEL rule matches without Lua; otherwise Lua decides', async () => {
    const r = await evaluateEventSource(
      es({
        resourceSelectors: [
          {
            ...SERVICE,
            evaluateCEL: [{ name: 'http', rule: 'resource.metadata.name == "http"' }],
            evaluate: LUA_443,
          },
        ],
      }),
      groupByGVK(objects),
      { sandbox },
    );
    assert.deepEqual(names(r), ['a/http', 'a/https']);
  });
  test('evaluateCEL: [] means no CEL', async () => {
    assert.deepEqual(
      names(
        await evaluateEventSource(
          es({ resourceSelectors: [{ ...SERVICE, evaluateCEL: [] }] }),
          groupByGVK(objects),
        ),
      ),
      ['a/http', 'a/https'],
    );
  });
  test('a Lua error makes the evaluation incomplete (keep the last report) and names the object', async () => {
    const r = await evaluateEventSource(
      es({
        resourceSelectors: [
          { ...SERVICE, evaluate: 'function evaluate() return {matching = obj.status.x == 1} end' },
        ],
      }),
      groupByGVK(objects),
      { sandbox },
    );
    assert.equal(r.ok, false);
    assert.equal(r.errors.length, 2);
    assert.equal(r.errors[0]!.code, 'LUA_RUNTIME');
    assert.equal(r.errors[0]!.fatal, true);
    assert.deepEqual(r.errors[0]!.resource, {
      apiVersion: 'v1',
      kind: 'Service',
      namespace: 'a',
      name: 'http',
    });
  });
  test('Lua without a sandbox is a clear error', async () => {
    await assert.rejects(
      compileEventSource(es({ resourceSelectors: [{ ...SERVICE, evaluate: LUA_443 }] })),
      (e: unknown) => e instanceof EvaluationError && e.code === 'LUA_RUNTIME_MISSING',
    );
  });
  test('a Lua syntax error fails compilation with the selector named', async () => {
    await assert.rejects(
      compileEventSource(
        es({ resourceSelectors: [SERVICE, { ...SERVICE, evaluate: 'function evaluate( end' }] }, 'broken'),
        { sandbox },
      ),
      (e: unknown) =>
        e instanceof EvaluationError &&
        e.code === 'LUA_SYNTAX' &&
        e.message.startsWith('EventSource "broken" resourceSelectors[1].evaluate: Lua syntax error'),
    );
  });
});

describe('aggregatedSelection and report content', () => {
  const objects = [svc('a', 'x'), svc('a', 'y')];
  test('aggregation replaces the matched list with what it returns (Lua round trip)', async () => {
    const r = await evaluateEventSource(
      es({
        collectResources: true,
        resourceSelectors: [SERVICE],
        aggregatedSelection:
          'function evaluate() local out = {} for _, r in ipairs(resources) do if r.metadata.name == "y" then table.insert(out, r) end end return {resources = out, message = #resources .. " seen"} end',
      }),
      groupByGVK(objects),
      { sandbox },
    );
    assert.deepEqual(names(r), ['a/y']);
    assert.deepEqual(r.messages, [{ source: 'aggregatedSelection', message: '2 seen' }]);
    assert.deepEqual(decodeEventReportResources(r.resources), [svc('a', 'y')]);
  });
  test('collectResources writes each object as JSON + "\\n---" (upstream bytes), only when something matches', async () => {
    const r = await evaluateEventSource(
      es({ collectResources: true, resourceSelectors: [SERVICE] }),
      groupByGVK([svc('a', 'x')]),
    );
    assert.equal(
      Buffer.from(r.resources!, 'base64').toString(),
      '{"apiVersion":"v1","kind":"Service","metadata":{"name":"x","namespace":"a"},"spec":{"ports":[{"port":80}]}}\n---',
    );
    const none = await evaluateEventSource(
      es({ collectResources: true, resourceSelectors: [SERVICE] }),
      new Map(),
    );
    assert.deepEqual(none.matchingResources, []);
    assert.equal(none.resources, undefined);
  });
  test('an aggregation error is fatal', async () => {
    const r = await evaluateEventSource(
      es({
        resourceSelectors: [SERVICE],
        aggregatedSelection: 'function evaluate() return {resources = {{name = "no kind"}}} end',
      }),
      groupByGVK(objects),
      { sandbox },
    );
    assert.equal(r.ok, false);
    assert.equal(r.errors[0]!.code, 'LUA_RESULT');
  });
  test('a selected resource without apiVersion, kind or metadata.name is refused (the agent could not report it)', async () => {
    for (const [resource, problem] of [
      ['{kind = "Service", metadata = {name = "s"}}', 'has no apiVersion'],
      ['{apiVersion = "v1", kind = "Service", metadata = {namespace = "a"}}', 'has no metadata.name'],
    ] as const) {
      const r = await evaluateEventSource(
        es({
          resourceSelectors: [SERVICE],
          aggregatedSelection: `function evaluate() return {resources = {${resource}}} end`,
        }),
        groupByGVK(objects),
        { sandbox },
      );
      assert.equal(r.ok, false);
      assert.equal(r.errors[0]!.code, 'LUA_RESULT');
      assert.match(r.errors[0]!.message, new RegExp(`resources\\[1\\] ${problem}`));
    }
  });
  test('synthetic resources that name themselves are reported', async () => {
    const r = await evaluateEventSource(
      es({
        resourceSelectors: [SERVICE],
        aggregatedSelection:
          'function evaluate() return {resources = {{apiVersion = "example.io/v1", kind = "Pair", metadata = {name = "x-y"}}}} end',
      }),
      groupByGVK(objects),
      { sandbox },
    );
    assert.deepEqual(r.matchingResources, [{ apiVersion: 'example.io/v1', kind: 'Pair', name: 'x-y' }]);
  });
});

describe('incremental use', () => {
  test('a batch of objects over several selectors, reusing a compiled EventSource and a prepared object', async () => {
    const compiled = await compileEventSource(
      es({
        resourceSelectors: [
          { ...SERVICE, evaluate: 'function evaluate() return {matching = obj.metadata.name == "x"} end' },
          { ...SERVICE, evaluateCEL: [{ name: 'y', rule: 'resource.metadata.name == "y"' }] },
        ],
      }),
      { sandbox },
    );
    const x = new PreparedObject(svc('a', 'x'));
    const [lx, cx, cy, ly] = await compiled.evaluateObjects([
      { selector: 0, object: x },
      { selector: 1, object: x },
      { selector: 1, object: svc('a', 'y') },
      { selector: 0, object: svc('a', 'y') },
    ]);
    assert.equal(lx!.matched, true);
    assert.equal(lx!.decidedBy, 'lua');
    assert.equal(cx!.matched, false);
    assert.equal(cy!.celRule, 'y');
    assert.deepEqual([ly!.matched, ly!.decidedBy], [false, 'lua']);
    assert.deepEqual(compiled.gvks, [SERVICE]);
    x.release();
    compiled.release();
  });
});

describe('bad EventSources', () => {
  // what the API server would refuse (the CRD schema) is refused before anything is compiled
  const invalid: [string, unknown, RegExp][] = [
    [
      'selector without kind',
      { resourceSelectors: [{ group: '', version: 'v1' }] },
      /resourceSelectors\[0\]\.kind: Required value/,
    ],
    [
      'selectors not a list',
      { resourceSelectors: { kind: 'x' } },
      /spec\.resourceSelectors: Invalid value: .*must be of type array/,
    ],
    [
      'unknown label operation',
      {
        resourceSelectors: [{ ...SERVICE, labelFilters: [{ key: 'a', operation: 'Contains', value: 'x' }] }],
      },
      /operation: Unsupported value: "Contains"/,
    ],
    [
      'collectResources not a boolean',
      { collectResources: 'yes' },
      /collectResources: Invalid value: "yes": must be of type boolean/,
    ],
    ['misspelt field', { resourceSelector: [SERVICE] }, /unknown field "spec\.resourceSelector"/],
    [
      'matchLabels as a string',
      { resourceSelectors: [{ ...SERVICE, selector: { matchLabels: 'a=b' } }] },
      /matchLabels: Invalid value: "a=b": must be of type object/,
    ],
  ];
  for (const [name, spec, match] of invalid) {
    test(`schema: ${name}`, async () =>
      assert.rejects(
        compileEventSource(es(spec as EventSource['spec'])),
        (e: unknown) =>
          e instanceof EvaluationError && e.code === 'INVALID_EVENTSOURCE' && match.test(e.message),
      ));
  }
  test('schema: a wrong apiVersion', async () =>
    assert.rejects(
      compileEventSource({
        ...es({}),
        apiVersion: 'lib.projectsveltos.io/v1alpha2',
      } as unknown as EventSource),
      /no kind "EventSource" is served in version "lib\.projectsveltos\.io\/v1alpha2"/,
    ));

  // without the schema check (an object built in code), the compiler's own checks still hold
  const bad: [string, unknown, string, RegExp][] = [
    [
      'selector without kind',
      { resourceSelectors: [{ group: '', version: 'v1' }] },
      'INVALID_EVENTSOURCE',
      /kind is required/,
    ],
    ['selectors not a list', { resourceSelectors: { kind: 'x' } }, 'INVALID_EVENTSOURCE', /must be a list/],
    [
      'unknown label operation',
      {
        resourceSelectors: [{ ...SERVICE, labelFilters: [{ key: 'a', operation: 'Contains', value: 'x' }] }],
      },
      'INVALID_LABEL_FILTER',
      /unknown operation "Contains"/,
    ],
    [
      'collectResources not a boolean',
      { collectResources: 'yes' },
      'INVALID_EVENTSOURCE',
      /collectResources must be a boolean/,
    ],
  ];
  for (const [name, spec, code, match] of bad) {
    test(`compiler: ${name}`, async () =>
      assert.rejects(
        compileEventSource(es(spec as EventSource['spec']), { validate: false }),
        (e: unknown) => e instanceof EvaluationError && e.code === code && match.test(e.message),
      ));
  }
});

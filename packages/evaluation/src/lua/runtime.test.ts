import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EvaluationError } from '../errors.ts';
import { LuaRuntime } from './runtime.ts';

let rt: LuaRuntime;
before(async () => {
  rt = await LuaRuntime.create({
    timeoutMs: 2000,
    maxInstructions: 5_000_000,
    memoryBytes: 16 * 1024 * 1024,
  });
});
after(() => rt.close());

/** Runs `body` (the inside of evaluate, returning a message string) on `obj`. */
function message(body: string, obj: unknown = {}): string {
  const s = rt.compile(
    `function evaluate() return { matching = true, message = (function() ${body} end)() } end`,
    'test',
  );
  try {
    return rt.evaluate(s, rt.marshal(obj, 1)).message;
  } finally {
    rt.release(s);
  }
}

function fails(body: string, code: string, match?: RegExp): void {
  assert.throws(
    () => message(body),
    (e: unknown) => e instanceof EvaluationError && e.code === code && (!match || match.test(e.message)),
  );
}

describe('marshaller', () => {
  test('JSON null anywhere does not crash: map keys omitted, array elements skipped', () => {
    const obj = { a: null, b: { c: null, d: 1 }, list: [1, null, 'x', null, { k: null }] };
    assert.equal(
      message(
        'return tostring(obj.a) .. "," .. tostring(obj.b.c) .. "," .. #obj.list .. "," .. obj.list[2] .. "," .. tostring(next(obj.list[3]))',
        obj,
      ),
      'nil,nil,3,x,nil',
    );
  });
  test('integers are Lua integers, other numbers floats', () => {
    assert.equal(
      message(
        'return math.type(obj.i) .. "," .. math.type(obj.f) .. "," .. tostring(obj.i) .. "," .. tostring(obj.f)',
        { i: 3, f: 0.5 },
      ),
      'integer,float,3,0.5',
    );
    assert.equal(message('return tostring(obj.big)', { big: 12345678901234568 }), '12345678901234568');
  });
  test('arrays become sequences, maps tables; arrays nested in arrays are dropped as upstream', () => {
    assert.equal(
      message('return #obj.a .. "," .. obj.a[1] .. "," .. #obj.nested .. "," .. type(obj.m)', {
        a: [5, 6],
        nested: [[1, 2], 'x'],
        m: { x: 1 },
      }),
      '2,5,1,table',
    );
  });
  test('pairs works on marshalled tables (no proxies)', () => {
    assert.equal(
      message('local n = 0 for k, v in pairs(obj.labels) do n = n + 1 end return tostring(n)', {
        labels: { a: '1', b: '2' },
      }),
      '2',
    );
  });
  test('UTF-8 strings round-trip byte for byte', () => {
    assert.equal(message('return obj.s .. "|" .. #obj.s', { s: 'héllo✓' }), 'héllo✓|9');
  });
  test('objects nested too deeply are refused with LUA_MARSHAL', () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 300; i++) deep = { d: deep };
    assert.throws(
      () => rt.marshal(deep),
      (e: unknown) => e instanceof EvaluationError && e.code === 'LUA_MARSHAL',
    );
  });
  test('a marshalled object is copied for every use but the last; extra uses are refused', () => {
    const s = rt.compile(
      'function evaluate() obj.touched = (obj.touched or 0) + 1 return {matching = true, message = tostring(obj.touched)} end',
      'mut',
    );
    const o = rt.marshal({}, 2);
    assert.equal(rt.evaluate(s, o).message, '1');
    assert.equal(rt.evaluate(s, o).message, '1');
    assert.throws(
      () => rt.evaluate(s, o),
      (e: unknown) => e instanceof EvaluationError && e.code === 'LUA_OBJECT_RELEASED',
    );
    rt.release(s);
  });
});

describe('environment', () => {
  test('globals do not leak between calls of the same script', () => {
    const s = rt.compile(
      'function evaluate() count = (count or 0) + 1 return {matching = true, message = tostring(count)} end',
      'g',
    );
    assert.equal(rt.evaluate(s, rt.marshal({}, 1)).message, '1');
    assert.equal(rt.evaluate(s, rt.marshal({}, 1)).message, '1');
    rt.release(s);
  });
  test('library changes stay in their call', () => {
    assert.equal(
      message('function string.shout(s) return s:upper() .. "!" end return ("hi"):shout()'),
      'HI!',
    );
    assert.equal(message('return tostring(string.shout) .. tostring(("x").shout)'), 'nilnil');
    assert.equal(message('table.insert = nil return "ok"'), 'ok');
    assert.equal(message('local t = {} table.insert(t, 1) return tostring(#t)'), '1');
  });
  test('Lua 5.1 compatibility shims', () => {
    assert.equal(message('return tostring(select(3, unpack({1, 2, 3})))'), '3');
    assert.equal(message('return tostring(table.getn({1, 2}))'), '2');
    assert.equal(message('return tostring(table.maxn({1, 2, [7] = 3}))'), '7');
    assert.equal(
      message('local n = 0 for _ in string.gfind("a b", "%a") do n = n + 1 end return tostring(n)'),
      '2',
    );
    assert.equal(message('return tostring(loadstring("return 1")())'), '1');
    assert.equal(message('return tostring(math.pow(2, 10))'), '1024');
    assert.equal(message('return tostring(math.mod(7, 3))'), '1');
    assert.equal(message('return tostring(math.log10(100))'), '2');
  });
  test('numbers print as gopher-lua prints them (tostring, string.format, table.concat)', () => {
    assert.equal(message('return tostring(6/2)'), '3');
    assert.equal(message('return tostring(1/3)'), '0.3333333333333333');
    assert.equal(message('return tostring(0.1 + 0.2)'), '0.30000000000000004');
    assert.equal(message('return tostring(1e15)'), '1000000000000000');
    assert.equal(message('return tostring(2^53)'), '9007199254740992');
    assert.equal(message('return tostring(1e100)'), '1e+100');
    assert.equal(message('return tostring(1234567.5)'), '1.2345675e+06');
    assert.equal(message('return tostring(0/0)'), 'NaN');
    assert.equal(message('return tostring(os.difftime(10, 4))'), '6');
    assert.equal(message('return string.format("%s", 6/2)'), '3');
    assert.equal(message('return string.format("%d", 3.7)'), '3');
    assert.equal(message('return string.format("%5.2f|%x|%%", 1/3, 255)'), ' 0.33|ff|%');
    assert.equal(message('return table.concat({1, 2.5, 6/2}, ",")'), '1,2.5,3');
    // documented divergence: `..` uses Lua 5.4's own conversion
    assert.equal(message('return "r=" .. (6/2)'), 'r=3.0');
  });
  test('helper library: json', () => {
    assert.equal(message('return json.encode({b = {1, 2}, a = "x", e = {}})'), '{"a":"x","b":[1,2],"e":[]}');
    assert.equal(
      message(
        'local v = json.decode(\'{"a":[1,2.5,"x",true,null],"b":{"c":"\\\\u00e9"}}\') return math.type(v.a[1]) .. math.type(v.a[2]) .. v.a[3] .. tostring(v.a[4]) .. #v.a .. v.b.c',
      ),
      'integerfloatxtrue4é',
    );
    assert.equal(
      message('local v, err = json.decode("{bad") return tostring(v) .. " " .. err'),
      'nil json.decode: expected a string key at position 2',
    );
    assert.equal(
      message('local v, err = json.encode({1, nil, 3}) return tostring(v) .. " " .. err'),
      'nil json.encode: sparse array',
    );
    assert.equal(message('local j = require("json") return j.encode({1})'), '[1]');
  });
  test('helper library: base64, strings, labels', () => {
    assert.equal(
      message('return base64Encode("hello") .. "|" .. base64Decode("aGVsbG8=")'),
      'aGVsbG8=|hello',
    );
    assert.equal(
      message('local v, err = base64Decode("") return tostring(v) .. " " .. err'),
      'nil provided string is empty',
    );
    assert.equal(message('local v, err = base64Decode("a$==") return tostring(v)'), 'nil');
    assert.equal(
      message(
        'return table.concat(strings.Split("a,b,c", ","), "|") .. strings.TrimSpace("  x ") .. tostring(strings.HasPrefix("abc", "ab"))',
      ),
      'a|b|cxtrue',
    );
    assert.equal(
      message(
        'return strings.Replace("aaa", "a", "b", 2) .. strings.ReplaceAll("aaa", "a", "c") .. strings.ToUpper("x")',
      ),
      'bbacccX',
    );
    assert.equal(
      message(
        'return table.concat(("a b"):split(" "), "+") .. ("  y "):trim() .. tostring(("abc"):startsWith("a")) .. tostring(("abc"):endsWith("bc"))',
      ),
      'a+bytruetrue',
    );
    const obj = { metadata: { labels: { app: 'web' }, annotations: { note: 'n' } } };
    assert.equal(
      message(
        'return getLabel(obj, "app") .. getAnnotation(obj, "note") .. tostring(getLabel(obj, "x"))',
        obj,
      ),
      'webnnil',
    );
    fails('return getLabel(obj)', 'LUA_RUNTIME', /getLabel expects 2 arguments/);
  });
});

describe('sandbox', () => {
  const escapes: [string, string, RegExp][] = [
    ['io.open', 'return io.open("/etc/passwd"):read("a")', /attempt to index a nil value \(global 'io'\)/],
    ['os.execute', 'return os.execute("id")', /attempt to call a nil value \(field 'execute'\)/],
    ['os.exit', 'os.exit(1)', /attempt to call a nil value \(field 'exit'\)/],
    ['os.getenv', 'return os.getenv("HOME")', /attempt to call a nil value/],
    ['require of a library', 'return require("os")', /module 'os' not found/],
    ['require of a file', 'return require("/etc/passwd")', /not found/],
    ['dofile', 'return dofile("/etc/passwd")', /attempt to call a nil value \(global 'dofile'\)/],
    ['loadfile', 'return loadfile("/etc/passwd")', /attempt to call a nil value \(global 'loadfile'\)/],
    ['debug.getinfo', 'return debug.getinfo(1).source', /attempt to index a nil value \(global 'debug'\)/],
    ['string.dump', 'return string.dump(function() end)', /attempt to call a nil value \(field 'dump'\)/],
    ['load of bytecode', 'return load("\\27Lua", "x", "b")', /binary chunks are not allowed/],
    [
      'load of a bytecode string in text mode',
      'local f, err = load("\\27Lua") error(err)',
      /attempt to load a binary chunk/,
    ],
    [
      'setmetatable on the string metatable',
      'local mt = getmetatable("") mt.__index = {} return "x"',
      /attempt to index a string value \(local 'mt'\)/,
    ],
    [
      'setmetatable on a library table',
      'return setmetatable(string, nil)',
      /cannot change a protected metatable/,
    ],
    [
      'changing the globals metatable',
      'setmetatable(_G, {}) return "x"',
      /cannot change a protected metatable/,
    ],
    [
      'reaching the globals metatable',
      'getmetatable(_G).__index = nil return "x"',
      /attempt to index a string value/,
    ],
    ['collectgarbage("stop")', 'collectgarbage("stop") return "x"', /option 'stop' is not allowed/],
    ['string.rep bomb', 'return string.rep("x", 1e12)', /exceeds the .* byte limit/],
    ['package.loaded', 'return package.loaded.os', /attempt to index a nil value \(global 'package'\)/],
  ];
  for (const [name, body, match] of escapes) {
    test(`${name} is stopped`, () => fails(body, 'LUA_RUNTIME', match));
  }
  test('load of text runs inside the call environment, not the host', () => {
    assert.equal(message('return tostring(load("return io")())'), 'nil');
    assert.equal(message('x = 5 return tostring(load("return x")())'), '5');
  });
  test('os keeps time, date, clock, difftime', () => {
    assert.equal(
      message(
        'return type(os.time()) .. type(os.date("%Y")) .. type(os.clock()) .. tostring(os.difftime(3, 1))',
      ),
      'numberstringnumber2',
    );
  });
});

describe('limits', () => {
  test('an infinite loop is stopped by the instruction budget', () =>
    fails('while true do end', 'LUA_TIMEOUT'));
  test('a loop that swallows the stop with pcall is still stopped', () =>
    fails('while true do pcall(function() while true do end end) end', 'LUA_TIMEOUT'));
  test('a coroutine loop is stopped', () =>
    fails('local co = coroutine.wrap(function() while true do end end) co()', 'LUA_TIMEOUT'));
  test('the wall-clock deadline stops a script within budget of instructions', async () => {
    const slow = await LuaRuntime.create({ timeoutMs: 20, maxInstructions: Number.MAX_SAFE_INTEGER });
    const s = slow.compile('function evaluate() while true do end end', 'slow');
    assert.throws(
      () => slow.evaluate(s, slow.marshal({}, 1)),
      (e: unknown) => e instanceof EvaluationError && e.code === 'LUA_TIMEOUT' && /20 ms/.test(e.message),
    );
    slow.close();
  });
  test('a memory bomb is stopped', () =>
    fails('local s = "x" for i = 1, 40 do s = s .. s end return s', 'LUA_MEMORY'));
  test('a table bomb is stopped', () => fails('local t = {} for i = 1, 1e9 do t[i] = {i} end', 'LUA_MEMORY'));
  test('the runtime stays usable after a stopped script', () => {
    fails('while true do end', 'LUA_TIMEOUT');
    fails('local s = "x" for i = 1, 40 do s = s .. s end', 'LUA_MEMORY');
    assert.equal(message('return "alive"'), 'alive');
  });
});

describe('contract errors name the script and the contract', () => {
  test('per-object', () => {
    const s = rt.compile(
      'function evaluate() return 1 end',
      'EventSource "es" resourceSelectors[0].evaluate',
    );
    assert.throws(
      () => rt.evaluate(s, rt.marshal({}, 1)),
      (e: unknown) =>
        e instanceof EvaluationError &&
        e.message.startsWith(
          'EventSource "es" resourceSelectors[0].evaluate: lua script output is not a lua table',
        ) &&
        e.message.includes('contract: `function evaluate()` returns a table {matching = <boolean>'),
    );
  });
  test('aggregated', () => {
    const s = rt.compile(
      'function evaluate() return {resources = 5} end',
      'EventSource "es" aggregatedSelection',
    );
    assert.throws(
      () => rt.aggregate(s, []),
      (e: unknown) =>
        e instanceof EvaluationError &&
        e.code === 'LUA_RESULT' &&
        /`resources` must be an array of tables, got a number/.test(e.message) &&
        e.message.includes('{resources = <array of Kubernetes objects'),
    );
  });
  test('aggregated results are the Lua round trip: integral floats as integers, {} as an object', () => {
    const s = rt.compile(
      'function evaluate() return {resources = {{kind = "X", n = 6/2, f = 0.5, e = {}, l = {1, 2}}}} end',
      'agg',
    );
    assert.deepEqual(rt.aggregate(s, []).resources, [{ kind: 'X', n: 3, f: 0.5, e: {}, l: [1, 2] }]);
  });
});

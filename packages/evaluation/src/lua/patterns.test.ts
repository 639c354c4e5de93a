// The kernel's Lua pattern matcher (used for calls whose worst case is too large for the C matcher, with a
// step budget) must behave exactly as Lua's C matcher: every case runs through both and the outcomes
// (results, captures, error messages) must be equal.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LuaRuntime } from './runtime.ts';

let lua: LuaRuntime;
before(async () => {
  lua = await LuaRuntime.create();
});
after(() => lua.close());

const q = (s: string) => JSON.stringify(s).replace(/\\u00([0-9a-f]{2})/g, '\\x$1');

// [call, subject, pattern, extra arguments as Lua source]
const cases: [string, string, string, string?][] = [
  ['find', 'hello world', 'o w'],
  ['find', 'hello world', 'o', '5'],
  ['find', 'hello world', 'l+'],
  ['find', 'hello world', '^h'],
  ['find', 'hello world', '^w'],
  ['find', 'hello world', 'd$'],
  ['find', 'hello world', 'l', '-3'],
  ['find', 'hello world', 'l', '-100'],
  ['find', 'hello world', 'l', '100'],
  ['find', 'hello', '', '6'],
  ['find', 'hello', '', '7'],
  ['find', 'a.b', '.', '1, true'],
  ['find', 'a+b', '+', '1, true'],
  ['find', 'key=value', '(%w+)=(%w+)'],
  ['find', 'abc', '()b()'],
  ['match', 'key = value', '^(%w+)%s*=%s*(%w+)$'],
  ['match', '  trim me  ', '^%s*(.-)%s*$'],
  ['match', '2024-01-15', '(%d+)-(%d+)-(%d+)'],
  ['match', 'THE (quick) fox', '%((%a+)%)'],
  ['match', 'f(a(b)c)d', '%b()'],
  ['match', '[[x]]', '%b[]'],
  ['match', 'THE (quick) fox', '%f[%a]%a+'],
  ['match', 'hello', '%f[%l]'],
  ['match', 'abcabc', '(abc)%1'],
  ['match', 'xyyx', '(x)(y)%2%1'],
  ['match', 'aaa', 'a-b'],
  ['match', 'aaab', 'a-b'],
  ['match', 'aaab', 'a*'],
  ['match', 'aaab', 'a?a?a?b'],
  ['match', 'web-42', '^[%w%-]+%-(%d+)$'],
  ['match', 'a]b', '[]]'],
  ['match', 'a-b', '[a%-]+'],
  ['match', 'x^y', '[%^x]+'],
  ['match', 'Ab9_', '[%u%l%d_]+'],
  ['match', '\tx y\n', '%s'],
  ['match', '\x01\x7f', '%c+'],
  ['match', '!@#', '%p+'],
  ['match', 'AF09', '%x+'],
  ['match', 'abc', '%A'],
  ['match', 'a.b', '%.'],
  ['match', 'abc', '[^a]+'],
  ['match', 'abc', '[b-c]+'],
  ['match', 'hello', '(h)(e)(l)(l)(o)'],
  ['match', 'hello', '()ll()'],
  ['match', 'caf\xc3\xa9', '[\x80-\xff]+'],
  ['match', 'hello', 'l', '4'],
  ['match', 'x', '%'],
  ['match', 'x', '[a'],
  ['match', 'x', '(x'],
  ['match', 'x', 'x)'],
  ['match', 'x', '%1'],
  ['match', 'x', '%f'],
  ['match', 'x', '%b'],
  ['match', 'x', '%g'],
  ['gsub', 'hello world', 'o', '"0"'],
  ['gsub', 'hello world', '(o)', '"[%1]"'],
  ['gsub', 'hello world', 'o', '"%0%0"'],
  ['gsub', 'hello world', '%w+', '"<%0>"'],
  ['gsub', 'hello world', 'l', '"L", 2'],
  ['gsub', 'hello', '', '"-"'],
  ['gsub', 'hello', 'x*', '"-"'],
  ['gsub', 'abc', '%w', '{a = "1", b = true}'],
  ['gsub', 'abc', '%w', 'function(c) if c == "b" then return nil end return c:upper() end'],
  ['gsub', 'abc', '%w', 'function(c) return false end'],
  ['gsub', 'abc', '(%w)', 'function(c) return 7 end'],
  ['gsub', 'abc', '()', '"%1"'],
  ['gsub', 'abc', '^a', '"A"'],
  ['gsub', 'abc', 'b', '"%2"'],
  ['gsub', 'abc', 'b', '"%x"'],
  ['gsub', 'abc', 'b', '"50%"'],
  ['gsub', 'abc', 'b', '5'],
  ['gsub', 'abc', '%w', 'function() return {} end'],
  ['gsub', 'a,b,,c', '[^,]*', '"<%0>"'],
  ['gmatch', 'one two  three', '%a+'],
  ['gmatch', 'k1=v1, k2=v2', '(%w+)=(%w+)'],
  ['gmatch', 'abc', ''],
  ['gmatch', 'a,b,,c', '([^,]*)'],
  ['gmatch', 'hello', '()l'],
  ['gmatch', 'hello', 'l', '4'],
  ['gmatch', '^a^a', '^a'],
];

function script(): string {
  const lines = cases.map(([fn, s, p, extra], i) => {
    const args = `${q(s)}, ${q(p)}${extra ? `, ${extra}` : ''}`;
    const call =
      fn === 'gmatch'
        ? `(function() local out = {} for a, b in string.gmatch(${args}) do out[#out + 1] = show(a, b) end return table.concat(out, ";") end)()`
        : `show(string.${fn}(${args}))`;
    return `do local ok, r = pcall(function() return ${call} end) out[${i + 1}] = (ok and "ok " or "error ") .. tostring(r) end`;
  });
  return `function evaluate()
  local function show(...)
    local parts = {}
    for i = 1, select("#", ...) do parts[#parts + 1] = type((select(i, ...))) .. ":" .. tostring((select(i, ...))) end
    return table.concat(parts, ",")
  end
  local out = {}
  ${lines.join('\n  ')}
  return {matching = true, message = table.concat(out, "\\n")}
end`;
}

describe('the Lua pattern matcher behaves as the C one', () => {
  test(`${cases.length} find/match/gsub/gmatch cases, results and errors`, () => {
    const compiled = lua.compile(script(), 'patterns');
    const run = (force: boolean) => {
      lua.forceLuaPatterns(force);
      try {
        return lua.evaluate(compiled, lua.marshal({}, 1)).message.split('\n');
      } finally {
        lua.forceLuaPatterns(false);
      }
    };
    const c = run(false);
    const l = run(true);
    assert.equal(c.length, cases.length);
    cases.forEach(([fn, s, p, extra], i) => {
      assert.equal(
        l[i],
        c[i],
        `${fn}(${JSON.stringify(s)}, ${JSON.stringify(p)}${extra ? `, ${extra}` : ''})`,
      );
    });
    // the cases exercise both outcomes
    assert.ok(c.some((r) => r.startsWith('error ')));
    assert.ok(c.some((r) => r.startsWith('ok ')));
  });
});

// Hostile Lua for the sandbox (docs/design/sandbox.md). Each case is run by `run.ts` in a child process with a
// deadline (hostile.test.ts), so a regression that hangs fails the suite instead of hanging it. Without the
// sandbox these block the agent's synchronous Lua runtime forever (work done inside one C call that the
// instruction hook cannot interrupt), or let one EventSource change another's verdict.

export interface SandboxCase {
  timeoutMs?: number;
  maxInstructions?: number;
  hardTimeoutMs?: number;
}

/** Soft limits out of reach: only the watchdog can stop the script (as it must for a long C call). */
export const WATCHDOG_ONLY: SandboxCase = { timeoutMs: 600_000, maxInstructions: 1e15, hardTimeoutMs: 500 };

export interface HostileLua {
  name: string;
  /** The hostile EventSource's `evaluate`. */
  evaluate: string;
  /** The error code the hostile object must end with (a bounded, typed error). */
  code: string;
  /** Message it must carry. */
  message?: RegExp;
  /** Sandbox options for this case. */
  sandbox?: SandboxCase;
}

const wrap = (body: string) => `function evaluate()\n${body}\nreturn {matching = true}\nend`;

export const hostileLua: HostileLua[] = [
  {
    name: 'string.rep of an empty string a quadrillion times (a C loop)',
    evaluate: wrap('local s = string.rep("", 1e15)'),
    code: 'OK',
  },
  {
    name: 'string.rep beyond the memory budget',
    evaluate: wrap('local s = string.rep("x", 2^40)'),
    code: 'LUA_RUNTIME',
    message: /exceeds the \d+ byte limit/,
  },
  {
    name: 'table.move over a trillion indices (a C loop)',
    evaluate: wrap('table.move({}, 1, 1e12, 1)'),
    code: 'LUA_RUNTIME',
    message: /table\.move: moving more than/,
  },
  {
    name: 'backtracking pattern in string.find',
    evaluate: wrap('string.find(string.rep("a", 40), string.rep("a?", 40) .. string.rep("a", 40))'),
    code: 'LUA_RUNTIME',
    message: /pattern too complex/,
  },
  {
    name: 'backtracking pattern in string.match',
    evaluate: wrap('local x = ("x"):rep(3000):match(("x*"):rep(20) .. "y")'),
    code: 'LUA_RUNTIME',
    message: /pattern too complex/,
  },
  {
    name: 'backtracking pattern in string.gsub',
    evaluate: wrap('local x = string.gsub(("a"):rep(60), ("a-"):rep(30) .. "b", "")'),
    code: 'LUA_RUNTIME',
    message: /pattern too complex/,
  },
  {
    name: 'backtracking pattern in string.gmatch',
    evaluate: wrap('for x in string.gmatch(("a"):rep(60), ("a?"):rep(40) .. "b") do end'),
    code: 'LUA_RUNTIME',
    message: /pattern too complex/,
  },
  {
    name: 'quadratic trim of a long run of spaces (the helper library)',
    evaluate: wrap('local s = strings.TrimSpace("x" .. string.rep(" ", 2000000) .. "x")'),
    code: 'OK',
  },
  {
    name: 'plain search with a long needle (memchr/memcmp over 10^11 bytes)',
    evaluate: wrap(
      'local s = string.rep("a", 20000000) local i = s:find(string.rep("a", 20000) .. "b", 1, true)',
    ),
    code: 'LUA_RUNTIME',
    message: /pattern too complex/,
  },
  {
    name: 'a __gc finalizer that loops',
    evaluate: wrap(
      'setmetatable({}, {__gc = function() while true do end end}) collectgarbage() collectgarbage()',
    ),
    code: 'LUA_RUNTIME',
    message: /__gc metamethods are not allowed/,
  },
  {
    name: 'a loop the hook stops',
    evaluate: wrap('while true do end'),
    code: 'LUA_TIMEOUT',
    message: /exceeding its limit/,
  },
  {
    name: 'a long pure-Lua loop stopped by the watchdog when the soft limit is out of reach',
    // the soft limit is set far away: only the watchdog can stop it (the hard stop a C call would need)
    evaluate: wrap('local x = 0 for i = 1, 1e12 do x = x + i end'),
    code: 'LUA_TIMEOUT',
    message: /stopped by the sandbox watchdog/,
    sandbox: WATCHDOG_ONLY,
  },
];

/** An innocent EventSource: matches every Service, and says so in its message. */
export const INNOCENT =
  'function evaluate() return {matching = string.format("%s", "yes") == "yes" and tampered == nil, message = string.upper("ok")} end';

/** An EventSource that tries to change what other EventSources' scripts see. */
export const TAMPERER = `function evaluate()
  -- a finalizer that runs whenever the collector decides: later, during someone else's call
  local ok = pcall(setmetatable, {}, {__gc = function()
    local deadline = os.clock() + 100
    while os.clock() < deadline do end
  end})
  tampered = true
  string.format = function() return "hacked" end
  pcall(function() getmetatable("").__index.upper = function() return "hacked" end end)
  collectgarbage()
  return {matching = true}
end`;

-- Host kernel of the Lua runtime (Lua 5.4 on wasmoon). Loaded once per runtime with the full standard
-- library; it keeps private references to what it needs, builds the sandbox every user script runs in,
-- and returns the table of host functions the TypeScript side calls (compile, evaluate, aggregate, copy).
-- User chunks never see this file's locals, the real _G, `debug`, `io`, `os` or `package`.

local hostNow = ...  -- JS clock in milliseconds (os.clock wraps around in this build)

local type, next, pairs, ipairs, select, error, pcall, tostring, tonumber =
  type, next, pairs, ipairs, select, error, pcall, tostring, tonumber
local setmetatable, getmetatable, rawget, rawset, rawload = setmetatable, getmetatable, rawget, rawset, load
local math_type, floor, ceil, huge, tointeger = math.type, math.floor, math.ceil, math.huge, math.tointeger
local sformat, sfind, ssub, sbyte, schar, sgsub, sgmatch, slower, srep, smatch =
  string.format, string.find, string.sub, string.byte, string.char, string.gsub, string.gmatch, string.lower,
  string.rep, string.match
local tconcat, tunpack, tsort = table.concat, table.unpack, table.sort
local sethook, setupvalue, getinfo = debug.sethook, debug.setupvalue, debug.getinfo
local collect = collectgarbage

-- ---- Go-compatible number formatting (gopher-lua prints numbers the way Go's fmt does) ----------------

-- gopher-lua has one float64 number type: integral values print like int64, others like Go's %v, which is
-- strconv's shortest 'g' (fewest digits that round-trip; exponent form when the exponent is < -4 or >= 6).
local function goNumber(v)
  if math_type(v) == 'integer' then return sformat('%d', v) end
  if v ~= v then return 'NaN' end
  if v == huge then return '+Inf' end
  if v == -huge then return '-Inf' end
  if v == floor(v) and v >= -2 ^ 63 and v < 2 ^ 63 then return sformat('%d', tointeger(v)) end
  local s
  for p = 0, 16 do
    s = sformat('%.' .. p .. 'e', v)
    if tonumber(s) == v then break end
  end
  local mant, exp = smatch(s, '^(.-)e([-+]%d+)$')
  exp = tonumber(exp)
  if exp < -4 or exp >= 6 then return mant .. 'e' .. (exp < 0 and '-' or '+') .. sformat('%02d', exp < 0 and -exp or exp) end
  local digits = #sgsub(mant, '[-.]', '')
  return sformat('%.' .. (digits - 1 - exp > 0 and digits - 1 - exp or 0) .. 'f', v)
end

local function goTostring(v)
  if type(v) == 'number' then return goNumber(v) end
  return tostring(v)
end

-- ---- errors and limits --------------------------------------------------------------------------------

local HOOK_EVERY = 10000
local deadline, hookBudget, hookCalls, timedOut = 0, 0, 0, false
local run -- the kernel frame that clears the hook; the hook never raises there

local function hook()
  if timedOut then
    local info = getinfo(2, 'f')
    if info and info.func == run then return end
    error('script exceeded its time limit', 0)
  end
  hookCalls = hookCalls + 1
  if hookCalls > hookBudget or hostNow() > deadline then
    timedOut = true
    -- fire on every instruction from now on, so a pcall in the script cannot swallow the stop for long
    sethook(hook, '', 1)
    error('script exceeded its time limit', 0)
  end
end

-- ---- JSON (helper library and result conversion) -------------------------------------------------------

local escapes = { ['"'] = '\\"', ['\\'] = '\\\\', ['\b'] = '\\b', ['\f'] = '\\f', ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t' }
local function jsonString(s)
  return '"' .. sgsub(s, '[%c"\\]', function(c) return escapes[c] or sformat('\\u%04x', sbyte(c)) end) .. '"'
end

local function jsonNumber(v)
  if math_type(v) == 'integer' then return sformat('%d', v) end
  if v ~= v or v == huge or v == -huge then error('json: unsupported number ' .. tostring(v), 0) end
  -- Go's encoding/json writes integral float64 values without a fraction
  if v == floor(v) and v >= -2 ^ 63 and v < 2 ^ 63 then return sformat('%d', tointeger(v)) end
  return sformat('%.17g', v)
end

-- Highest positive integer key below 2^26 with a value: gopher-lua's array part (MaxN).
local function maxN(t)
  local n = 0
  for k in next, t do
    if math_type(k) == 'integer' and k > n and k < 67108864 then n = k end
    if math_type(k) == 'float' and k == floor(k) and k > n and k < 67108864 then n = tointeger(k) end
  end
  return n
end

-- Lua value -> JSON the way the agent converts a script result (gopher table -> Go value -> JSON): a table
-- with integer keys is an array (holes -> null, other keys dropped), otherwise an object; {} is an object.
local function resultJson(v, depth)
  if depth > 100 then error('result is nested too deeply', 0) end
  local tv = type(v)
  if tv == 'nil' then return 'null' end
  if tv == 'boolean' then return v and 'true' or 'false' end
  if tv == 'number' then return jsonNumber(v) end
  if tv == 'string' then return jsonString(v) end
  if tv ~= 'table' then error('result holds a ' .. tv .. ', which has no JSON form', 0) end
  local n = maxN(v)
  local out = {}
  if n > 0 then
    for i = 1, n do out[i] = resultJson(v[i], depth + 1) end
    return '[' .. tconcat(out, ',') .. ']'
  end
  for k, x in next, v do
    out[#out + 1] = jsonString(type(k) == 'string' and k or goTostring(k)) .. ':' .. resultJson(x, depth + 1)
  end
  return '{' .. tconcat(out, ',') .. '}'
end

-- json.encode of the helper library: {} is [], arrays must be dense, keys of objects must be strings.
local function helperJson(v, depth)
  if depth > 100 then error('json.encode: value is nested too deeply', 0) end
  local tv = type(v)
  if tv == 'nil' then return 'null' end
  if tv == 'boolean' then return v and 'true' or 'false' end
  if tv == 'number' then return jsonNumber(v) end
  if tv == 'string' then return jsonString(v) end
  if tv ~= 'table' then error('json.encode: cannot encode a ' .. tv, 0) end
  if next(v) == nil then return '[]' end
  local n, count, strings = 0, 0, 0
  for k in next, v do
    count = count + 1
    if type(k) == 'string' then strings = strings + 1 elseif math_type(k) == 'integer' and k > 0 then
      if k > n then n = k end
    else
      error('json.encode: unsupported key type ' .. type(k), 0)
    end
  end
  local out = {}
  if strings == 0 then
    if n ~= count then error('json.encode: sparse array', 0) end
    for i = 1, n do out[i] = helperJson(v[i], depth + 1) end
    return '[' .. tconcat(out, ',') .. ']'
  end
  if strings ~= count then error('json.encode: table mixes array and object keys', 0) end
  local keys = {}
  for k in next, v do keys[#keys + 1] = k end
  tsort(keys)
  for i, k in ipairs(keys) do out[i] = jsonString(k) .. ':' .. helperJson(v[k], depth + 1) end
  return '{' .. tconcat(out, ',') .. '}'
end

local function utf8char(cp)
  return utf8.char(cp)
end

local function jsonDecode(s)
  local pos = 1
  local function fail(msg) error('json.decode: ' .. msg .. ' at position ' .. pos, 0) end
  local function ws() pos = sfind(s, '[^ \t\r\n]', pos) or #s + 1 end
  local value
  local function str()
    local out, i = {}, pos + 1
    while true do
      local j = sfind(s, '["\\%c]', i)
      if not j then pos = #s; fail('unterminated string') end
      out[#out + 1] = ssub(s, i, j - 1)
      local c = ssub(s, j, j)
      if c == '"' then pos = j + 1; return tconcat(out) end
      if c ~= '\\' then pos = j; fail('control character in string') end
      local e = ssub(s, j + 1, j + 1)
      if e == 'u' then
        local hex = smatch(s, '^%x%x%x%x', j + 2)
        if not hex then pos = j; fail('bad unicode escape') end
        local cp = tonumber(hex, 16)
        i = j + 6
        if cp >= 0xD800 and cp <= 0xDBFF then
          local lo = smatch(s, '^\\u(%x%x%x%x)', i)
          if lo then cp = 0x10000 + (cp - 0xD800) * 0x400 + (tonumber(lo, 16) - 0xDC00); i = i + 6 end
        end
        out[#out + 1] = utf8char(cp)
      else
        local map = { ['"'] = '"', ['\\'] = '\\', ['/'] = '/', b = '\b', f = '\f', n = '\n', r = '\r', t = '\t' }
        if not map[e] then pos = j; fail('bad escape') end
        out[#out + 1] = map[e]
        i = j + 2
      end
    end
  end
  function value(depth)
    if depth > 200 then fail('nested too deeply') end
    ws()
    local c = ssub(s, pos, pos)
    if c == '{' then
      local t = {}
      pos = pos + 1; ws()
      if ssub(s, pos, pos) == '}' then pos = pos + 1; return t end
      while true do
        ws()
        if ssub(s, pos, pos) ~= '"' then fail('expected a string key') end
        local k = str(); ws()
        if ssub(s, pos, pos) ~= ':' then fail("expected ':'") end
        pos = pos + 1
        t[k] = value(depth + 1); ws()
        local d = ssub(s, pos, pos); pos = pos + 1
        if d == '}' then return t end
        if d ~= ',' then pos = pos - 1; fail("expected ',' or '}'") end
      end
    elseif c == '[' then
      local t, n = {}, 0
      pos = pos + 1; ws()
      if ssub(s, pos, pos) == ']' then pos = pos + 1; return t end
      while true do
        n = n + 1
        t[n] = value(depth + 1); ws()
        local d = ssub(s, pos, pos); pos = pos + 1
        if d == ']' then return t end
        if d ~= ',' then pos = pos - 1; fail("expected ',' or ']'") end
      end
    elseif c == '"' then
      return str()
    end
    local lit = smatch(s, '^%-?%d+%.?%d*[eE]?[-+]?%d*', pos)
    if lit and lit ~= '' and lit ~= '-' then
      pos = pos + #lit
      return tointeger(tonumber(lit)) and not sfind(lit, '[.eE]') and tointeger(tonumber(lit)) or tonumber(lit)
    end
    for word, v in pairs({ ['true'] = true, ['false'] = false, ['null'] = 'null' }) do
      if ssub(s, pos, pos + #word - 1) == word then pos = pos + #word; if v == 'null' then return nil end; return v end
    end
    fail('unexpected character')
  end
  local v = value(0)
  ws()
  if pos <= #s then fail('trailing characters') end
  return v
end

-- ---- base64 ----------------------------------------------------------------------------------------------

local B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
local B64IDX = {}
for i = 1, 64 do B64IDX[sbyte(B64, i)] = i - 1 end

local function base64Encode(s)
  if type(s) ~= 'string' or s == '' then return nil, 'provided string is empty' end
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = sbyte(s, i, i + 2)
    local n = (a << 16) | ((b or 0) << 8) | (c or 0)
    out[#out + 1] = ssub(B64, (n >> 18) + 1, (n >> 18) + 1) .. ssub(B64, ((n >> 12) & 63) + 1, ((n >> 12) & 63) + 1)
      .. (b and ssub(B64, ((n >> 6) & 63) + 1, ((n >> 6) & 63) + 1) or '=') .. (c and ssub(B64, (n & 63) + 1, (n & 63) + 1) or '=')
  end
  return tconcat(out)
end

local function base64Decode(s)
  if type(s) ~= 'string' or s == '' then return nil, 'provided string is empty' end
  s = sgsub(s, '[\r\n]', '')
  if #s % 4 ~= 0 then return nil, 'illegal base64 data: length is not a multiple of 4' end
  local out = {}
  for i = 1, #s, 4 do
    local n, pad = 0, 0
    for j = i, i + 3 do
      local byte = sbyte(s, j)
      local v = B64IDX[byte]
      if byte == 61 and j >= #s - 1 then pad = pad + 1; v = 0 end
      if v == nil then return nil, 'illegal base64 data at input byte ' .. (j - 1) end
      n = (n << 6) | v
    end
    local chunk = schar((n >> 16) & 255, (n >> 8) & 255, n & 255)
    out[#out + 1] = ssub(chunk, 1, 3 - pad)
  end
  return tconcat(out)
end

-- ---- string helpers ----------------------------------------------------------------------------------------

local function plainSplit(s, sep)
  local out = {}
  if sep == '' then
    for ch in sgmatch(s, utf8.charpattern) do out[#out + 1] = ch end
    return out
  end
  local i = 1
  while true do
    local j, k = sfind(s, sep, i, true)
    if not j then out[#out + 1] = ssub(s, i); return out end
    out[#out + 1] = ssub(s, i, j - 1)
    i = k + 1
  end
end
local function trimSpace(s) return smatch(s, '^%s*(.-)%s*$') end
local function hasPrefix(s, p) return ssub(s, 1, #p) == p end
local function hasSuffix(s, p) return p == '' or ssub(s, -#p) == p end
local function contains(s, sub) return sfind(s, sub, 1, true) ~= nil end

local function replace(s, old, new, n)
  if old == '' then return s end
  local out, i, count = {}, 1, 0
  while n == nil or n < 0 or count < n do
    local j, k = sfind(s, old, i, true)
    if not j then break end
    out[#out + 1] = ssub(s, i, j - 1) .. new
    i = k + 1
    count = count + 1
  end
  out[#out + 1] = ssub(s, i)
  return tconcat(out)
end

local strings = {
  Contains = contains,
  HasPrefix = hasPrefix,
  HasSuffix = hasSuffix,
  Split = plainSplit,
  Join = function(list, sep) return tconcat(list, sep) end,
  Replace = replace,
  ReplaceAll = function(s, old, new) return replace(s, old, new, -1) end,
  TrimSpace = trimSpace,
  TrimPrefix = function(s, p) return hasPrefix(s, p) and ssub(s, #p + 1) or s end,
  TrimSuffix = function(s, p) return p ~= '' and hasSuffix(s, p) and ssub(s, 1, -#p - 1) or s end,
  ToLower = string.lower,
  ToUpper = string.upper,
  Index = function(s, sub) local j = sfind(s, sub, 1, true); return j and j - 1 or -1 end,
  Fields = function(s) local out = {}; for w in sgmatch(s, '%S+') do out[#out + 1] = w end; return out end,
  EqualFold = function(a, b) return slower(a) == slower(b) end,
}

local function getMetaField(field)
  return function(...)
    if select('#', ...) ~= 2 then error(field == 'labels' and 'getLabel expects 2 arguments (object, key)' or 'getAnnotation expects 2 arguments (object, key)', 2) end
    local o, k = ...
    local m = type(o) == 'table' and o.metadata
    local t = type(m) == 'table' and m[field]
    local v = type(t) == 'table' and t[k]
    if type(v) == 'string' then return v end
    return nil
  end
end

-- ---- sandboxed libraries ------------------------------------------------------------------------------

local MAX_STRING = 64 * 1024 * 1024

local function truncInt(x)
  if math_type(x) == 'float' and x == x and x ~= huge and x ~= -huge then return tointeger(x >= 0 and floor(x) or ceil(x)) or x end
  return x
end

-- string.format as gopher-lua behaves (it formats through Go): %d/%x/%o/%c accept floats (truncated) and
-- numeric strings, %s prints numbers the Go way.
local function goFormat(fmt, ...)
  local n = select('#', ...)
  if n == 0 or type(fmt) ~= 'string' or not sfind(fmt, '%', 1, true) then return sformat(fmt, ...) end
  local args = { ... }
  local i = 0
  for conv in sgmatch(fmt, '%%[-+ #0]*%d*%.?%d*([%a%%])') do
    if conv ~= '%' then
      i = i + 1
      local a = args[i]
      if conv == 'd' or conv == 'i' or conv == 'x' or conv == 'X' or conv == 'o' or conv == 'c' then
        if type(a) == 'string' then a = tonumber(a) or 0 end
        args[i] = truncInt(a)
      elseif conv == 's' and type(a) == 'number' then
        args[i] = goNumber(a)
      end
    end
  end
  return sformat(fmt, tunpack(args, 1, n))
end

local stringLib = {}
for k, v in next, string do stringLib[k] = v end
stringLib.dump = nil -- bytecode out of the sandbox
stringLib.format = goFormat
stringLib.gfind = sgmatch
stringLib.rep = function(s, n, sep)
  local total = #tostring(s) * (tonumber(n) or 0) + #tostring(sep or '') * ((tonumber(n) or 1) - 1)
  if total > MAX_STRING then error('string.rep: result of ' .. total .. ' bytes exceeds the ' .. MAX_STRING .. ' byte limit', 2) end
  return srep(s, n, sep)
end
stringLib.split = plainSplit
stringLib.trim = trimSpace
stringLib.startsWith = hasPrefix
stringLib.endsWith = hasSuffix
stringLib.contains = contains

local tableLib = {}
for k, v in next, table do tableLib[k] = v end
tableLib.getn = function(t) return #t end
tableLib.maxn = function(t)
  local m = 0
  for k in next, t do if type(k) == 'number' and k > m then m = k end end
  return m
end
tableLib.concat = function(t, sep, i, j)
  local from, to = i or 1, j or #t
  for x = from, to do
    if math_type(t[x]) == 'float' then
      local copy = {}
      for y = from, to do copy[y - from + 1] = goTostring(t[y]) end
      return tconcat(copy, sep)
    end
  end
  return tconcat(t, sep, i, j)
end

local mathLib = {}
for k, v in next, math do mathLib[k] = v end
mathLib.pow = function(a, b) return a ^ b end
mathLib.mod = math.fmod
mathLib.log10 = function(x) return math.log(x, 10) end

local osLib = { time = os.time, date = os.date, clock = os.clock, difftime = os.difftime }

local function copyLib(src) local t = {}; for k, v in next, src do t[k] = v end; return t end

-- A Lua-level hook is registered per thread: coroutines created by a script get the call's hook too.
local cocreate, coresume, tpack = coroutine.create, coroutine.resume, table.pack
local hooked = false
local coroutineLib = copyLib(coroutine)
coroutineLib.create = function(f)
  local co = cocreate(f)
  if hooked then sethook(co, hook, '', timedOut and 1 or HOOK_EVERY) end
  return co
end
coroutineLib.wrap = function(f)
  local co = coroutineLib.create(f)
  return function(...)
    local r = tpack(coresume(co, ...))
    if not r[1] then error(r[2], 0) end
    return tunpack(r, 2, r.n)
  end
end

local libs = {
  string = stringLib,
  table = tableLib,
  math = mathLib,
  os = osLib,
  utf8 = copyLib(utf8),
  coroutine = coroutineLib,
  strings = strings,
  json = {},
}

local currentEnv
local ALLOWED_GC = { count = true, collect = true, step = true, isrunning = true }

local helperModules = { json = libs.json, strings = strings }

local base = {
  assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs, pcall = pcall, xpcall = xpcall,
  rawequal = rawequal, rawget = rawget, rawlen = rawlen, rawset = rawset, select = select,
  setmetatable = setmetatable, getmetatable = getmetatable, tonumber = tonumber, type = type,
  tostring = goTostring,
  unpack = tunpack,
  print = function() end, -- scripts report through `message`; stdout belongs to the host
  _VERSION = _VERSION,
  load = function(chunk, name, mode, ...)
    if mode ~= nil and not sfind(mode, 't', 1, true) then error('load: binary chunks are not allowed', 2) end
    if select('#', ...) > 0 then return rawload(chunk, name, 't', ...) end
    return rawload(chunk, name, 't', currentEnv)
  end,
  collectgarbage = function(opt, ...)
    opt = opt or 'collect'
    if not ALLOWED_GC[opt] then error("collectgarbage: option '" .. tostring(opt) .. "' is not allowed", 2) end
    return collect(opt, ...)
  end,
  require = function(name)
    local m = helperModules[name]
    if m == nil then error("module '" .. tostring(name) .. "' not found: only the built-in helpers (json, strings) can be required", 2) end
    return m
  end,
  base64Encode = base64Encode,
  base64Decode = base64Decode,
  getLabel = getMetaField('labels'),
  getAnnotation = getMetaField('annotations'),
  getResource = function(t, k) if type(t) == 'table' then return t[k] end return nil end,
}
base.loadstring = base.load

libs.json.encode = function(v)
  local ok, res = pcall(helperJson, v, 0)
  if ok then return res end
  return nil, res
end
libs.json.decode = function(s)
  if type(s) ~= 'string' then return nil, 'json.decode: expected a string' end
  local ok, res = pcall(jsonDecode, s)
  if ok then return res end
  return nil, res
end

local LOCKED = 'locked by the sandbox'
local libMetas = {}
for name, lib in next, libs do
  libMetas[name] = {
    __index = lib,
    __metatable = LOCKED,
    __pairs = function(t)
      local merged = {}
      for k, v in next, lib do merged[k] = v end
      for k, v in next, t do merged[k] = v end
      return next, merged, nil
    end,
  }
end

-- Strings index a per-call copy of the string library (so `function string.x() end` + `s:x()` works and
-- does not leak into other calls); the metatable itself is locked.
local stringMeta = getmetatable('')
stringMeta.__metatable = LOCKED

-- A call's globals: built-ins and per-call library copies are created on first use (most scripts touch
-- a handful), then cached in the environment itself.
local envMeta = {
  __metatable = LOCKED,
  __index = function(env, k)
    local v = base[k]
    if v == nil then
      local meta = libMetas[k]
      if meta == nil then return nil end
      v = setmetatable({}, meta)
    end
    rawset(env, k, v)
    return v
  end,
}

local function newEnv()
  local strings = setmetatable({}, libMetas.string)
  local env = setmetatable({ string = strings }, envMeta)
  env._G = env
  currentEnv = env
  stringMeta.__index = strings
  return env
end

-- Nothing outside the kernel needs these any more.
_G.io, _G.package, _G.dofile, _G.loadfile, _G.require, _G.debug = nil, nil, nil, nil, nil, nil
os.execute, os.exit, os.remove, os.rename, os.getenv, os.tmpname = nil, nil, nil, nil, nil, nil
string.dump = nil

-- ---- deep copy of a marshalled object ------------------------------------------------------------------

local function deepcopy(t)
  local r = {}
  for k, v in next, t do
    if type(v) == 'table' then r[k] = deepcopy(v) else r[k] = v end
  end
  return r
end

-- ---- calls --------------------------------------------------------------------------------------------

local chunks = {}
local nextId = 0
local PLACEHOLDER_ENV = {}

local STATUS_OK, STATUS_ERROR, STATUS_CONTRACT, STATUS_TIMEOUT = 0, 1, 2, 3

-- Errors read `<script name>: script:<line>: ...`: the host prefixes the name, the chunk name stays short.
local function compile(src)
  local fn, err = rawload(src, '=script', 't', PLACEHOLDER_ENV)
  if not fn then error(err, 0) end
  nextId = nextId + 1
  chunks[nextId] = fn
  return nextId
end

local function release(id) chunks[id] = nil end

local function startLimits(timeoutMs, maxInstructions)
  deadline = hostNow() + timeoutMs
  hookBudget = maxInstructions // HOOK_EVERY + 1
  hookCalls, timedOut, hooked = 0, false, true
  sethook(hook, '', HOOK_EVERY)
end

-- Runs the chunk with a fresh environment, then `evaluate(arg)` with `global` set to arg (upstream sets
-- `obj` or `resources` after the chunk ran). Returns ok, result-or-error.
function run(id, global, arg, timeoutMs, maxInstructions)
  local chunk = chunks[id]
  local env = newEnv()
  setupvalue(chunk, 1, env)
  startLimits(timeoutMs, maxInstructions)
  local ok, res = pcall(function()
    chunk()
    env[global] = arg
    local evaluate = rawget(env, 'evaluate')
    if type(evaluate) ~= 'function' then error('the script defines no global function evaluate', 0) end
    return evaluate(arg)
  end)
  sethook()
  hooked = false
  stringMeta.__index = stringLib
  currentEnv = nil
  if timedOut then return STATUS_TIMEOUT, 'script exceeded its time limit' end
  if not ok then return STATUS_ERROR, goTostring(res) end
  return STATUS_OK, res
end

-- Field of a result table as Go's JSON decoding finds it: exact name first, then case-insensitive.
local function field(t, name)
  local v = rawget(t, name)
  if v ~= nil then return v end
  for k, x in next, t do
    if type(k) == 'string' and slower(k) == name then return x end
  end
  return nil
end

local function checkResultTable(r)
  if type(r) ~= 'table' then
    return 'lua script output is not a lua table (evaluate returned ' .. (r == nil and 'nothing' or 'a ' .. type(r)) .. ')'
  end
  if maxN(r) > 0 then return 'evaluate returned an array; it must return a table with named fields' end
  local message = field(r, 'message')
  if message ~= nil and type(message) ~= 'string' then return '`message` must be a string, got a ' .. type(message) end
  return nil
end

local function evaluate(id, obj, copy, timeoutMs, maxInstructions)
  if copy then obj = deepcopy(obj) end
  local status, r = run(id, 'obj', obj, timeoutMs, maxInstructions)
  if status ~= STATUS_OK then return status, r end
  local bad = checkResultTable(r)
  if bad then return STATUS_CONTRACT, bad end
  local matching = field(r, 'matching')
  if matching ~= nil and type(matching) ~= 'boolean' then
    return STATUS_CONTRACT, '`matching` must be a boolean, got a ' .. type(matching) .. ' (' .. goTostring(matching) .. ')'
  end
  return STATUS_OK, matching == true, field(r, 'message')
end

-- objects: array of marshalled tables, copies: same length, true where the table must be copied first.
local function aggregate(id, objects, copies, timeoutMs, maxInstructions)
  local list = {}
  for i = 1, #objects do list[i] = copies[i] and deepcopy(objects[i]) or objects[i] end
  local status, r = run(id, 'resources', list, timeoutMs, maxInstructions)
  if status ~= STATUS_OK then return status, r end
  local bad = checkResultTable(r)
  if bad then return STATUS_CONTRACT, bad end
  local resources = field(r, 'resources')
  local message = field(r, 'message')
  if resources == nil then return STATUS_OK, '[]', message end
  if type(resources) ~= 'table' then return STATUS_CONTRACT, '`resources` must be an array of tables, got a ' .. type(resources) end
  local n = maxN(resources)
  if n == 0 and next(resources) ~= nil then return STATUS_CONTRACT, '`resources` must be an array of tables, got a table with named keys' end
  local out = {}
  for i = 1, n do
    local item = resources[i]
    if type(item) ~= 'table' or (next(item) ~= nil and maxN(item) > 0) then
      return STATUS_CONTRACT, '`resources[' .. i .. ']` must be a table describing a Kubernetes object, got ' .. (item == nil and 'nil' or 'a ' .. type(item))
    end
    local kind = rawget(item, 'kind')
    if type(kind) ~= 'string' or kind == '' then return STATUS_CONTRACT, '`resources[' .. i .. ']` has no `kind` (Object \'Kind\' is missing)' end
    local ok, json = pcall(resultJson, item, 0)
    if not ok then return STATUS_CONTRACT, '`resources[' .. i .. ']`: ' .. json end
    out[i] = json
  end
  return STATUS_OK, '[' .. tconcat(out, ',') .. ']', message
end

return {
  compile = compile,
  release = release,
  evaluate = evaluate,
  aggregate = aggregate,
  gc = function() collect('collect') end,
}

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
local tconcat, tunpack, tsort, tpack = table.concat, table.unpack, table.sort, table.pack
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

-- ---- Lua patterns with a step budget -----------------------------------------------------------------------

-- Lua's C pattern matcher backtracks: `string.find(("a"):rep(40), ("a?"):rep(40) .. ("a"):rep(40))` takes
-- forever inside one C call, where the instruction hook cannot stop it. User scripts get these wrappers:
-- a call whose worst case is small (estimated from the subject's length and the pattern's quantifiers) runs
-- on the C matcher; any other runs on the matcher below, a port of Lua 5.4's lstrlib.c that counts its
-- steps (and, being Lua, is also under the call's instruction and time budget).
local PATTERN_STEPS = 200000 -- matching steps one call may take on the Lua matcher
local C_PATTERN_COST = 10000000 -- worst-case estimate under which the C matcher is used
local C_PLAIN_COST = 100000000 -- the same for plain (memchr/memcmp) searches
local MAXCCALLS = 200
local MAXCAPTURES = 32
local CAP_UNFINISHED, CAP_POSITION = -1, -2
local forceLuaPatterns = false -- tests: every call on the Lua matcher (differential check against C)

local function patError(msg) error(msg, 0) end

-- character classes of the C locale (what lstrlib's ctype calls answer), by lower-case class letter
local classTables = {}
do
  local function set(pred) local t = {}; for c = 0, 255 do if pred(c) then t[c] = true end end; return t end
  local function alpha(c) return (c >= 65 and c <= 90) or (c >= 97 and c <= 122) end
  local function digit(c) return c >= 48 and c <= 57 end
  classTables[97] = set(alpha)
  classTables[99] = set(function(c) return c < 32 or c == 127 end)
  classTables[100] = set(digit)
  classTables[103] = set(function(c) return c >= 33 and c <= 126 end)
  classTables[108] = set(function(c) return c >= 97 and c <= 122 end)
  classTables[112] = set(function(c) return c >= 33 and c <= 126 and not alpha(c) and not digit(c) end)
  classTables[115] = set(function(c) return (c >= 9 and c <= 13) or c == 32 end)
  classTables[117] = set(function(c) return c >= 65 and c <= 90 end)
  classTables[119] = set(function(c) return alpha(c) or digit(c) end)
  classTables[120] = set(function(c) return digit(c) or (c >= 65 and c <= 70) or (c >= 97 and c <= 102) end)
end

local function matchClass(c, cl)
  local t = classTables[cl | 32]
  if t == nil then return cl == c end
  if cl >= 65 and cl <= 90 then return t[c] ~= true end
  return t[c] == true
end

local function tick(ms)
  local n = ms.steps - 1
  ms.steps = n
  if n < 0 then patError('pattern too complex: matching needs more than ' .. PATTERN_STEPS .. ' steps') end
end

local function classEnd(ms, p)
  local pat, plen = ms.pat, ms.plen
  local c = sbyte(pat, p)
  p = p + 1
  if c == 37 then
    if p > plen then patError("malformed pattern (ends with '%')") end
    return p + 1
  elseif c == 91 then
    if sbyte(pat, p) == 94 then p = p + 1 end
    repeat
      if p > plen then patError("malformed pattern (missing ']')") end
      local cc = sbyte(pat, p)
      p = p + 1
      if cc == 37 and p <= plen then p = p + 1 end
    until sbyte(pat, p) == 93
    return p + 1
  end
  return p
end

local function matchBracketClass(ms, c, p, ec)
  local pat = ms.pat
  local sig = true
  if sbyte(pat, p + 1) == 94 then sig = false; p = p + 1 end
  p = p + 1
  while p < ec do
    local pc = sbyte(pat, p)
    if pc == 37 then
      p = p + 1
      if matchClass(c, sbyte(pat, p)) then return sig end
    elseif sbyte(pat, p + 1) == 45 and p + 2 < ec then
      p = p + 2
      if pc <= c and c <= sbyte(pat, p) then return sig end
    elseif pc == c then
      return sig
    end
    p = p + 1
  end
  return not sig
end

local function singleMatch(ms, s, p, ep)
  if s > ms.slen then return false end
  local c = sbyte(ms.src, s)
  local pc = sbyte(ms.pat, p)
  if pc == 46 then return true end
  if pc == 37 then return matchClass(c, sbyte(ms.pat, p + 1)) end
  if pc == 91 then return matchBracketClass(ms, c, p, ep - 1) end
  return pc == c
end

local doMatch

local function matchBalance(ms, s, p)
  if p >= ms.plen then patError("malformed pattern (missing arguments to '%b')") end
  local src = ms.src
  local b, e = sbyte(ms.pat, p), sbyte(ms.pat, p + 1)
  if sbyte(src, s) ~= b then return nil end
  local cont = 1
  s = s + 1
  while s <= ms.slen do
    tick(ms)
    local c = sbyte(src, s)
    if c == e then
      cont = cont - 1
      if cont == 0 then return s + 1 end
    elseif c == b then
      cont = cont + 1
    end
    s = s + 1
  end
  return nil
end

local function maxExpand(ms, s, p, ep)
  local i = 0
  while singleMatch(ms, s + i, p, ep) do i = i + 1; tick(ms) end
  while i >= 0 do
    local res = doMatch(ms, s + i, ep + 1)
    if res then return res end
    i = i - 1
  end
  return nil
end

local function minExpand(ms, s, p, ep)
  while true do
    local res = doMatch(ms, s, ep + 1)
    if res then return res end
    if not singleMatch(ms, s, p, ep) then return nil end
    s = s + 1
  end
end

local function startCapture(ms, s, p, what)
  local level = ms.level
  if level >= MAXCAPTURES then patError('too many captures') end
  ms.capInit[level + 1] = s
  ms.capLen[level + 1] = what
  ms.level = level + 1
  local res = doMatch(ms, s, p)
  if res == nil then ms.level = ms.level - 1 end
  return res
end

local function endCapture(ms, s, p)
  local l
  for i = ms.level, 1, -1 do
    if ms.capLen[i] == CAP_UNFINISHED then l = i; break end
  end
  if l == nil then patError('invalid pattern capture') end
  ms.capLen[l] = s - ms.capInit[l]
  local res = doMatch(ms, s, p)
  if res == nil then ms.capLen[l] = CAP_UNFINISHED end
  return res
end

local function matchCapture(ms, s, digit)
  local l = digit - 48
  if l < 1 or l > ms.level or ms.capLen[l] == CAP_UNFINISHED then patError('invalid capture index %' .. l) end
  local len, init = ms.capLen[l], ms.capInit[l]
  if len < 0 then return nil end -- a position capture never matches text (as in C)
  ms.steps = ms.steps - (len >> 6)
  if ms.slen - s + 1 >= len and ssub(ms.src, s, s + len - 1) == ssub(ms.src, init, init + len - 1) then
    return s + len
  end
  return nil
end

doMatch = function(ms, s, p)
  if ms.depth == 0 then patError('pattern too complex') end
  ms.depth = ms.depth - 1
  local pat, plen = ms.pat, ms.plen
  while true do
    tick(ms)
    if p > plen then break end
    local pc = sbyte(pat, p)
    if pc == 40 then
      if sbyte(pat, p + 1) == 41 then s = startCapture(ms, s, p + 2, CAP_POSITION)
      else s = startCapture(ms, s, p + 1, CAP_UNFINISHED) end
      break
    elseif pc == 41 then
      s = endCapture(ms, s, p + 1)
      break
    elseif pc == 36 and p == plen then
      if s ~= ms.slen + 1 then s = nil end
      break
    end
    if pc == 37 then
      local nc = sbyte(pat, p + 1)
      if nc == 98 then
        s = matchBalance(ms, s, p + 2)
        if s == nil then break end
        p = p + 4
        goto continue
      elseif nc == 102 then
        p = p + 2
        if sbyte(pat, p) ~= 91 then patError("missing '[' after '%f' in pattern") end
        local ep = classEnd(ms, p)
        local prev = s == 1 and 0 or sbyte(ms.src, s - 1)
        local cur = sbyte(ms.src, s) or 0
        if not matchBracketClass(ms, prev, p, ep - 1) and matchBracketClass(ms, cur, p, ep - 1) then
          p = ep
          goto continue
        end
        s = nil
        break
      elseif nc ~= nil and nc >= 48 and nc <= 57 then
        s = matchCapture(ms, s, nc)
        if s == nil then break end
        p = p + 2
        goto continue
      end
    end
    do
      local ep = classEnd(ms, p)
      local epc = sbyte(pat, ep)
      if not singleMatch(ms, s, p, ep) then
        if epc == 42 or epc == 63 or epc == 45 then
          p = ep + 1
          goto continue
        end
        s = nil
        break
      end
      if epc == 63 then
        local res = doMatch(ms, s + 1, ep + 1)
        if res ~= nil then s = res; break end
        p = ep + 1
        goto continue
      elseif epc == 43 then
        s = maxExpand(ms, s + 1, p, ep)
        break
      elseif epc == 42 then
        s = maxExpand(ms, s, p, ep)
        break
      elseif epc == 45 then
        s = minExpand(ms, s, p, ep)
        break
      end
      s = s + 1
      p = ep
    end
    ::continue::
  end
  ms.depth = ms.depth + 1
  return s
end

local function newMatchState(s, p)
  return { src = s, slen = #s, pat = p, plen = #p, level = 0, capInit = {}, capLen = {}, depth = MAXCCALLS,
    steps = PATTERN_STEPS }
end

local function getCapture(ms, i, s, e)
  if i > ms.level then
    if i ~= 1 then patError('invalid capture index %' .. i) end
    return ssub(ms.src, s, e - 1)
  end
  local l, init = ms.capLen[i], ms.capInit[i]
  if l == CAP_UNFINISHED then patError('unfinished capture') end
  if l == CAP_POSITION then return init end
  return ssub(ms.src, init, init + l - 1)
end

-- the captures of a match as a list and its length (the whole match when there are none and `s` is set)
local function captureList(ms, s, e)
  local n = (ms.level == 0 and s) and 1 or ms.level
  local out = {}
  for i = 1, n do out[i] = getCapture(ms, i, s, e) end
  return out, n
end

local function posrelat(pos, len)
  if pos > 0 then return pos end
  if pos == 0 or pos < -len then return 1 end
  return len + pos + 1
end

local function luaFind(s, p, init, find)
  local ls = #s
  init = posrelat(init, ls)
  if init > ls + 1 then return nil end
  local anchor = sbyte(p, 1) == 94
  local ms = newMatchState(s, anchor and ssub(p, 2) or p)
  local s1 = init
  repeat
    ms.level, ms.depth = 0, MAXCCALLS
    local e = doMatch(ms, s1, 1)
    if e ~= nil then
      if find then
        local caps, n = captureList(ms, nil, 0)
        return s1, e - 1, tunpack(caps, 1, n)
      end
      local caps, n = captureList(ms, s1, e)
      return tunpack(caps, 1, n)
    end
    s1 = s1 + 1
  until s1 > ls + 1 or anchor
  return nil
end

local function luaGmatch(s, p, init)
  local ls = #s
  local src = posrelat(init, ls)
  if src > ls + 1 then src = ls + 2 end
  local lastmatch
  return function()
    local ms = newMatchState(s, p)
    while src <= ls + 1 do
      ms.level, ms.depth = 0, MAXCCALLS
      local e = doMatch(ms, src, 1)
      if e ~= nil and e ~= lastmatch then
        local start = src
        src, lastmatch = e, e
        local caps, n = captureList(ms, start, e)
        return tunpack(caps, 1, n)
      end
      src = src + 1
    end
    return nil
  end
end

local function luaGsub(src, p, repl, maxN)
  local srcl = #src
  local tr = type(repl)
  if maxN == nil then maxN = srcl + 1 end
  local anchor = sbyte(p, 1) == 94
  if anchor then p = ssub(p, 2) end
  local ms = newMatchState(src, p)
  local out, n, changed = {}, 0, false
  local s, copied, lastmatch = 1, 1, nil
  local news = (tr == 'string' or tr == 'number') and tostring(repl) or nil
  while n < maxN do
    ms.level, ms.depth = 0, MAXCCALLS
    local e = doMatch(ms, s, 1)
    if e ~= nil and e ~= lastmatch then
      n = n + 1
      local value
      if tr == 'function' then
        local caps, k = captureList(ms, s, e)
        value = repl(tunpack(caps, 1, k))
      elseif tr == 'table' then
        value = repl[getCapture(ms, 1, s, e)]
      else
        local parts, i = {}, 1
        while true do
          local j = sfind(news, '%', i, true)
          if j == nil then parts[#parts + 1] = ssub(news, i); break end
          parts[#parts + 1] = ssub(news, i, j - 1)
          local c = sbyte(news, j + 1)
          if c == 37 then parts[#parts + 1] = '%'
          elseif c == 48 then parts[#parts + 1] = ssub(src, s, e - 1)
          elseif c ~= nil and c >= 49 and c <= 57 then parts[#parts + 1] = tostring(getCapture(ms, c - 48, s, e))
          else patError("invalid use of '%' in replacement string") end
          i = j + 2
        end
        value = tconcat(parts)
      end
      if not value then
        value = ssub(src, s, e - 1)
      elseif type(value) ~= 'string' and type(value) ~= 'number' then
        patError('invalid replacement value (a ' .. type(value) .. ')')
      else
        changed = true
      end
      out[#out + 1] = ssub(src, copied, s - 1)
      out[#out + 1] = tostring(value)
      s, copied, lastmatch = e, e, e
    elseif s <= srcl then
      s = s + 1
    else
      break
    end
    if anchor then break end
  end
  if not changed then return src, n end
  out[#out + 1] = ssub(src, copied)
  return tconcat(out), n
end

-- ---- the safe entry points ----

local SPECIALS = '[%^%$%*%+%?%.%(%[%%%-]'

local function isStrArg(v) return type(v) == 'string' or math_type(v) ~= nil end
local function intArg(v, default)
  if v == nil then return default end
  local n = tonumber(v)
  return n and tointeger(n)
end

-- worst case of the C matcher, conservatively: (n+1)^(quantifiers + 1 when unanchored) * pattern length
local function patternCost(p, n, scans)
  local q = scans and 1 or 0
  for _ in sgmatch(p, '[%*%+%-%?]') do q = q + 1 end
  for _ in sgmatch(p, '%%[b1-9]') do q = q + 1 end
  return (n + 1.0) ^ q * (#p + 1)
end

local function escapePattern(p) return (sgsub(p, '[%^%$%*%+%?%.%(%)%[%]%%%-]', '%%%0')) end

-- plain substring search (for the helpers too): C's memchr/memcmp search when cheap, else the Lua matcher
local function plainFind(s, sub, init)
  if not forceLuaPatterns and #s * #sub <= C_PLAIN_COST then return sfind(s, sub, init, true) end
  return luaFind(s, escapePattern(sub), init, true)
end

-- Errors of a pattern call read as if the user's script had called the C function: the position is the
-- script's line (not the kernel's), whichever matcher ran.
local OWN_ERRORS = { 'malformed pattern', 'pattern too complex', 'invalid capture index', 'invalid pattern capture',
  "missing '[' after", 'unfinished capture', 'too many captures', "invalid use of '%'", 'invalid replacement value',
  'bad argument' }
local function raise(e)
  if type(e) == 'string' then
    local rest = smatch(e, '^kernel:%d+: (.*)$')
    if rest then error(rest, 3) end
    for _, prefix in ipairs(OWN_ERRORS) do
      if ssub(e, 1, #prefix) == prefix then error(e, 3) end
    end
  end
  error(e, 0)
end

local function findImpl(s, p, init, plain)
  local i = intArg(init, 1)
  if not isStrArg(s) or not isStrArg(p) or i == nil then return sfind(s, p, init, plain) end
  s, p = tostring(s), tostring(p)
  if plain or not sfind(p, SPECIALS) then return plainFind(s, p, i) end
  if not forceLuaPatterns and patternCost(p, #s, sbyte(p, 1) ~= 94) <= C_PATTERN_COST then return sfind(s, p, i) end
  return luaFind(s, p, i, true)
end

local function matchImpl(s, p, init)
  local i = intArg(init, 1)
  if not isStrArg(s) or not isStrArg(p) or i == nil then return smatch(s, p, init) end
  s, p = tostring(s), tostring(p)
  if not forceLuaPatterns and patternCost(p, #s, sbyte(p, 1) ~= 94) <= C_PATTERN_COST then return smatch(s, p, i) end
  return luaFind(s, p, i, false)
end

local function gmatchImpl(s, p, init)
  local i = intArg(init, 1)
  if not isStrArg(s) or not isStrArg(p) or i == nil then return sgmatch(s, p, init) end
  s, p = tostring(s), tostring(p)
  if not forceLuaPatterns and patternCost(p, #s, true) <= C_PATTERN_COST then return sgmatch(s, p, i) end
  local iter = luaGmatch(s, p, i)
  return function()
    local r = tpack(pcall(iter))
    if r[1] then return tunpack(r, 2, r.n) end
    raise(r[2])
  end
end

local function gsubImpl(s, p, repl, maxN)
  local tr = type(repl)
  local n = intArg(maxN, nil)
  if not isStrArg(s) or not isStrArg(p) or (maxN ~= nil and n == nil)
    or not (tr == 'string' or tr == 'number' or tr == 'table' or tr == 'function') then
    return sgsub(s, p, repl, maxN)
  end
  s, p = tostring(s), tostring(p)
  if not forceLuaPatterns and patternCost(p, #s, sbyte(p, 1) ~= 94) <= C_PATTERN_COST then return sgsub(s, p, repl, n) end
  return luaGsub(s, p, repl, n)
end

local function safeFind(...)
  local r = tpack(pcall(findImpl, ...))
  if r[1] then return tunpack(r, 2, r.n) end
  raise(r[2])
end
local function safeMatch(...)
  local r = tpack(pcall(matchImpl, ...))
  if r[1] then return tunpack(r, 2, r.n) end
  raise(r[2])
end
local function safeGmatch(...)
  local r = tpack(pcall(gmatchImpl, ...))
  if r[1] then return tunpack(r, 2, r.n) end
  raise(r[2])
end
local function safeGsub(...)
  local r = tpack(pcall(gsubImpl, ...))
  if r[1] then return tunpack(r, 2, r.n) end
  raise(r[2])
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
    local j, k = plainFind(s, sep, i)
    if not j then out[#out + 1] = ssub(s, i); return out end
    out[#out + 1] = ssub(s, i, j - 1)
    i = k + 1
  end
end
-- (no backtracking pattern: `^%s*(.-)%s*$` is quadratic on long runs of spaces)
local SPACE = classTables[115]
local function trimSpace(s)
  local i, j = sfind(s, '[^%s]') or #s + 1, #s
  while j >= i and SPACE[sbyte(s, j)] do j = j - 1 end
  return ssub(s, i, j)
end
local function hasPrefix(s, p) return ssub(s, 1, #p) == p end
local function hasSuffix(s, p) return p == '' or ssub(s, -#p) == p end
local function contains(s, sub) return plainFind(s, sub, 1) ~= nil end

local function replace(s, old, new, n)
  if old == '' then return s end
  local out, i, count = {}, 1, 0
  while n == nil or n < 0 or count < n do
    local j, k = plainFind(s, old, i)
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
  Index = function(s, sub) local j = plainFind(s, sub, 1); return j and j - 1 or -1 end,
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
  for conv in safeGmatch(fmt, '%%[-+ #0]*%d*%.?%d*([%a%%])') do
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
stringLib.find = safeFind
stringLib.match = safeMatch
stringLib.gmatch = safeGmatch
stringLib.gsub = safeGsub
stringLib.gfind = safeGmatch
stringLib.rep = function(s, n, sep)
  local count = tonumber(n) or 0
  local total = #tostring(s) * count + #tostring(sep or '') * (count - 1)
  if total > MAX_STRING then error('string.rep: result of ' .. total .. ' bytes exceeds the ' .. MAX_STRING .. ' byte limit', 2) end
  -- empty pieces repeated very often: C would loop that many times to build an empty string
  if count > MAX_STRING then return '' end
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
-- C loops the instruction hook cannot interrupt: bounded up front
local MAX_C_LOOP = 10000000
local tmove = table.move
tableLib.move = function(a1, f, e, t, a2)
  if math_type(f) ~= nil and math_type(e) ~= nil and e - f >= MAX_C_LOOP then
    error('table.move: moving more than ' .. MAX_C_LOOP .. ' elements is not allowed', 2)
  end
  return tmove(a1, f, e, t, a2)
end
tableLib.sort = function(t, comp)
  if type(t) == 'table' and #t > 1000000 then error('table.sort: more than 1000000 elements', 2) end
  return tsort(t, comp)
end
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
local cocreate, coresume = coroutine.create, coroutine.resume
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
  -- no finalizers: a __gc runs whenever the collector decides, outside the call that planted it
  setmetatable = function(t, mt)
    if type(mt) == 'table' and rawget(mt, '__gc') ~= nil then
      error('setmetatable: __gc metamethods are not allowed in the sandbox', 2)
    end
    return setmetatable(t, mt)
  end,
  getmetatable = getmetatable, tonumber = tonumber, type = type,
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
  forceLuaPatterns = function(on) forceLuaPatterns = on end,
}

import { LuaFactory } from 'wasmoon'
const src = await import('fs').then(f => f.readFileSync('p2.mjs','utf8'))
eval(src.split('\nconst o =')[0].replace('function pod', 'globalThis.pod = function'))
const f = new LuaFactory()
const eng = await f.createEngine({ enableProxy: false, injectObjects: false, traceAllocations: process.env.TRACE === "1" })
const L = eng.global.address, lua = eng.global.lua, M = lua.module
function lit(v) {
  switch (typeof v) {
    case 'string': return JSON.stringify(v)
    case 'number': return Number.isInteger(v) ? String(v) : (Number.isFinite(v) ? String(v) : '0/0')
    case 'boolean': return v ? 'true' : 'false'
    case 'object': {
      if (v === null) return 'nil'
      if (Array.isArray(v)) { let s = '{'; for (const x of v) { if (x === null || Array.isArray(x)) continue; s += lit(x) + ',' } return s + '}' }
      let s = '{'; for (const k in v) { const x = v[k]; if (x === null || x === undefined) continue; s += '[' + JSON.stringify(k) + ']=' + lit(x) + ',' } return s + '}'
    }
  }
}
const objs = Array.from({length: 1000}, (_, i) => pod(i));
let t = performance.now(); let total = 0
for (const x of objs) total += lit(x).length
console.log('us/lit', (performance.now() - t) / 1000 * 1000, total / 1000)
eng.doStringSync(`function evaluate(o) local hs = {} hs.matching = false for _, c in ipairs(o.spec.containers) do for _, p in ipairs(c.ports) do if p.containerPort == 8080 then hs.matching = true end end end return hs end`)
t = performance.now()
const refs = []
for (const x of objs) {
  const s = 'return ' + lit(x)
  const n = M.lengthBytesUTF8(s); const p = M._malloc(n + 1); M.stringToUTF8(s, p, n + 1)
  const r = lua.luaL_loadbufferx(L, p, n, '=obj', 't'); M._free(p)
  if (r !== 0) throw new Error(lua.lua_tolstring(L, -1, null))
  refs.push(lua.luaL_ref(L, -1001000))
}
console.log('us/load', (performance.now() - t) / 1000 * 1000)
t = performance.now()
let m = 0
for (let rep = 0; rep < 5; rep++) for (const ref of refs) {
  lua.lua_getglobal(L, 'evaluate')
  lua.lua_rawgeti(L, -1001000, BigInt(ref))
  lua.lua_callk(L, 0, 1, 0, null)
  lua.lua_callk(L, 1, 1, 0, null)
  lua.lua_getfield(L, -1, 'matching'); m += lua.lua_toboolean(L, -1); lua.lua_settop(L, 0)
}
console.log('us/call', (performance.now() - t) / 5000 * 1000, m, eng.global.getMemoryUsed())
t = performance.now()
for (let i = 0; i < 100000; i++) { lua.lua_pushinteger(L, 5n); lua.lua_settop(L, 0) }
console.log('us/ccall', (performance.now() - t) / 200000 * 1000)

// TOML for toToml/fromToml with BurntSushi/toml's output layout.

import { parse as parseToml, TomlDate } from 'smol-toml';
import { chargeSize, chargeSteps } from './budget.ts';
import { compareBytes, goQuote } from './fmt.ts';
import { formatTime } from './time.ts';
import { GoInt, GoMap, GoTime, goInt, type Value } from './value.ts';

export class TOMLError extends Error {}

function key(k: string): string {
  return /^[A-Za-z0-9_-]+$/.test(k) ? k : goQuote(k);
}

function isTable(v: Value): v is Map<string, Value> {
  return v instanceof Map && !(v instanceof GoMap && v.isNil);
}

function isTableArray(v: Value): v is Map<string, Value>[] {
  return Array.isArray(v) && v.length > 0 && v.every((x) => isTable(x));
}

function floatText(f: number): string {
  if (Number.isNaN(f)) return 'nan';
  if (!Number.isFinite(f)) return f > 0 ? 'inf' : '-inf';
  const s = String(f);
  if (/e/.test(s)) return s.replace('e+', 'e');
  return s.includes('.') ? s : s + '.0';
}

function inline(v: Value): string {
  chargeSteps();
  if (typeof v === 'string') {
    chargeSize(v.length);
    return goQuote(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return floatText(v);
  if (v instanceof GoInt) return v.value.toString();
  if (v instanceof GoTime) return formatTime(v, '2006-01-02T15:04:05.999999999Z07:00');
  if (Array.isArray(v))
    return (
      '[' +
      v
        .filter((x) => x !== null && x !== undefined)
        .map(inline)
        .join(', ') +
      ']'
    );
  if (v instanceof Map) {
    const keys = [...v.keys()].sort(compareBytes);
    return '{' + keys.map((k) => `${key(k)} = ${inline(v.get(k) ?? null)}`).join(', ') + '}';
  }
  throw new TOMLError(`toml: cannot encode a value of type ${typeof v}`);
}

/** Writes a table's keys (indented by its depth), then its sub-tables; top-level headers get a blank line. */
function writeTable(m: Map<string, Value>, path: string[], out: string[]): void {
  chargeSteps();
  const keys = [...m.keys()].sort(compareBytes);
  const pad = '  '.repeat(path.length);
  for (const k of keys) {
    const v = m.get(k) ?? null;
    if (v === null || isTable(v) || isTableArray(v)) continue;
    out.push(`${pad}${key(k)} = ${inline(v)}\n`);
  }
  for (const k of keys) {
    const v = m.get(k) ?? null;
    const sub = [...path, k];
    const blank = sub.length === 1 ? '\n' : '';
    if (isTable(v)) {
      out.push(`${blank}${pad}[${sub.map(key).join('.')}]\n`);
      writeTable(v, sub, out);
    } else if (isTableArray(v)) {
      for (const item of v) {
        out.push(`${blank}${pad}[[${sub.map(key).join('.')}]]\n`);
        writeTable(item, sub, out);
      }
    }
  }
}

/** BurntSushi Encoder.Encode of a map. */
export function encodeTOML(v: Value): string {
  if (v === null || v === undefined) throw new TOMLError('toml: cannot encode a nil value');
  if (!(v instanceof Map)) return inline(v);
  const out: string[] = [];
  writeTable(v, [], out);
  const text = out.join('');
  return text.startsWith('\n') ? text.slice(1) : text;
}

function fromTomlValue(v: unknown): Value {
  if (typeof v === 'bigint') return goInt('int64', v);
  if (typeof v === 'number') return v;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof TomlDate) return new GoTime(v.getTime(), 0, 0, 'UTC');
  if (Array.isArray(v)) return v.map(fromTomlValue);
  const m = new Map<string, Value>();
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) m.set(k, fromTomlValue(x));
  return m;
}

export function decodeTOML(text: string): Map<string, Value> {
  try {
    return fromTomlValue(parseToml(text, { integersAsBigInt: true })) as Map<string, Value>;
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new TOMLError(`toml: ${msg}`);
  }
}

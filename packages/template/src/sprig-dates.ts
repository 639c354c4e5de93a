// Sprig's date functions over GoTime (the engine's local zone is UTC).
import { FuncError } from './errors.ts';
import { def, type FuncDef } from './functypes.ts';
import {
  formatDuration,
  formatTime,
  nowTime,
  parseDuration,
  parseTime,
  TimeParseError,
  timeFromUnix,
} from './time.ts';
import { GoInt, GoTime, type Value } from './value.ts';

const str = (v: Value | undefined): string => v as string;

/** time.LoadLocation fallback to UTC; IANA zones through Intl (abbreviations as Intl names them). */
function inZone(t: GoTime, zone: string): GoTime {
  if (zone === '' || zone === 'UTC' || zone === 'Local')
    return new GoTime(t.ms, t.nanos, 0, 'UTC', t.monotonic);
  try {
    const date = new Date(t.ms);
    const part = (style: 'shortOffset' | 'short'): string =>
      new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: style })
        .formatToParts(date)
        .find((p) => p.type === 'timeZoneName')!.value;
    const m = /GMT([+-])(\d+)(?::(\d+))?/.exec(part('shortOffset'));
    const offset = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60) : 0;
    return new GoTime(t.ms, t.nanos, offset, part('short'), t.monotonic);
  } catch {
    return new GoTime(t.ms, t.nanos, 0, 'UTC', t.monotonic);
  }
}

function toTime(v: Value): GoTime {
  if (v instanceof GoTime) return v;
  if (v instanceof GoInt && (v.kind === 'int' || v.kind === 'int64' || v.kind === 'int32'))
    return timeFromUnix(v.value);
  return nowTime();
}

function dateInZone(layout: string, date: Value, zone: string): string {
  return formatTime(inZone(toTime(date), zone), layout);
}

function addDuration(t: GoTime, ns: bigint): GoTime {
  const total = BigInt(t.ms) * 1000000n + BigInt(t.nanos) + ns;
  const ms = total / 1000000n - (total % 1000000n < 0n ? 1n : 0n);
  return new GoTime(Number(ms), Number(total - ms * 1000000n), t.offset, t.zone, t.monotonic);
}

function sinceNs(t: GoTime): bigint {
  const now = BigInt(Date.now()) * 1000000n;
  return now - (BigInt(t.ms) * 1000000n + BigInt(t.nanos));
}

function durationRound(v: Value): string {
  let d = 0n;
  if (typeof v === 'string') d = parseDuration(v) ?? 0n;
  else if (v instanceof GoInt && v.kind === 'int64') d = v.value;
  else if (v instanceof GoTime) d = sinceNs(v);
  const u = d < 0n ? -d : d;
  const second = 1000000000n;
  const minute = 60n * second;
  const hour = 60n * minute;
  const day = 24n * hour;
  const units: [bigint, string][] = [
    [365n * day, 'y'],
    [30n * day, 'mo'],
    [day, 'd'],
    [hour, 'h'],
    [minute, 'm'],
    [second, 's'],
  ];
  for (const [size, name] of units) if (u > size) return `${u / size}${name}`;
  return '0s';
}

function roundToSecond(ns: bigint): bigint {
  const s = 1000000000n;
  const r = ns % s;
  const half = s / 2n;
  if (ns >= 0n) return r >= half ? ns - r + s : ns - r;
  return -r >= half ? ns - r - s : ns - r;
}

export function dateFuncs(): Map<string, FuncDef> {
  const m = new Map<string, FuncDef>();
  const dateModify = def(['string', 'time'], ([d, t]) => {
    const ns = parseDuration(str(d));
    return ns === undefined ? (t as GoTime) : addDuration(t as GoTime, ns);
  });
  const mustDateModify = def(['string', 'time'], ([d, t]) => {
    const ns = parseDuration(str(d));
    if (ns === undefined) throw new FuncError(`time: invalid duration ${JSON.stringify(str(d))}`);
    return addDuration(t as GoTime, ns);
  });
  const date = def(['string', 'any'], ([f, d]) => dateInZone(str(f), d ?? null, 'Local'));
  const dateZone = def(['string', 'any', 'string'], ([f, d, z]) => dateInZone(str(f), d ?? null, str(z)));
  m.set('date', date);
  m.set('dateInZone', dateZone);
  m.set('date_in_zone', dateZone);
  m.set(
    'htmlDate',
    def(['any'], ([d]) => dateInZone('2006-01-02', d ?? null, 'Local')),
  );
  m.set(
    'htmlDateInZone',
    def(['any', 'string'], ([d, z]) => dateInZone('2006-01-02', d ?? null, str(z))),
  );
  m.set('dateModify', dateModify);
  m.set('date_modify', dateModify);
  m.set('mustDateModify', mustDateModify);
  m.set('must_date_modify', mustDateModify);
  m.set(
    'now',
    def([], () => nowTime()),
  );
  m.set(
    'toDate',
    def(['string', 'string'], ([f, s]) => {
      try {
        return parseTime(str(f), str(s));
      } catch (e) {
        if (e instanceof TimeParseError) return new GoTime(-62135596800000, 0, 0, 'UTC');
        throw e;
      }
    }),
  );
  m.set(
    'mustToDate',
    def(['string', 'string'], ([f, s]) => {
      try {
        return parseTime(str(f), str(s));
      } catch (e) {
        if (e instanceof TimeParseError) throw new FuncError(e.message);
        throw e;
      }
    }),
  );
  m.set(
    'unixEpoch',
    def(['time'], ([t]) => String(Math.floor((t as GoTime).ms / 1000))),
  );
  m.set(
    'duration',
    def(['any'], ([v]) => {
      let n = 0n;
      if (typeof v === 'string') n = /^[+-]?\d+$/.test(v) ? BigInt(v) : 0n;
      else if (v instanceof GoInt && v.kind === 'int64') n = v.value;
      return formatDuration(BigInt.asIntN(64, n * 1000000000n));
    }),
  );
  m.set(
    'durationRound',
    def(['any'], ([v]) => durationRound(v ?? null)),
  );
  m.set(
    'ago',
    def(['any'], ([v]) => {
      const t = v instanceof GoTime || v instanceof GoInt ? toTime(v) : nowTime();
      return formatDuration(roundToSecond(sinceNs(t)));
    }),
  );
  return m;
}

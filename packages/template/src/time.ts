// time.Time formatting and parsing with Go reference layouts, and time.Duration syntax.
// The engine's local zone is UTC (see docs/template-deviations.md).
import { GoTime } from './value.ts';

const longMonths = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const longDays = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Layout elements, longest first where one is a prefix of another. */
const tokens = [
  'January',
  'Jan',
  'Monday',
  'Mon',
  'MST',
  '2006',
  '2',
  '_2',
  '__2',
  '002',
  '02',
  '01',
  '06',
  '1',
  '15',
  '03',
  '3',
  '04',
  '4',
  '05',
  '5',
  'PM',
  'pm',
  'Z070000',
  'Z0700',
  'Z07:00:00',
  'Z07:00',
  'Z07',
  '-070000',
  '-0700',
  '-07:00:00',
  '-07:00',
  '-07',
];

interface LayoutPart {
  literal?: string;
  token?: string;
  /** Fractional seconds: '.000' style (fixed) or '.999' style (trimmed), with its digit count. */
  frac?: { digits: number; trim: boolean; sep: string };
}

const layoutCache = new Map<string, LayoutPart[]>();

function splitLayout(layout: string): LayoutPart[] {
  const cached = layoutCache.get(layout);
  if (cached) return cached;
  const parts: LayoutPart[] = [];
  let lit = '';
  let i = 0;
  const flush = (): void => {
    if (lit) parts.push({ literal: lit });
    lit = '';
  };
  while (i < layout.length) {
    const c = layout[i]!;
    if ((c === '.' || c === ',') && (layout[i + 1] === '0' || layout[i + 1] === '9')) {
      const d = layout[i + 1]!;
      let j = i + 1;
      while (layout[j] === d) j++;
      if (!/[0-9]/.test(layout[j] ?? '')) {
        flush();
        parts.push({ frac: { digits: j - i - 1, trim: d === '9', sep: c } });
        i = j;
        continue;
      }
    }
    let matched: string | undefined;
    for (const t of sortedTokens) {
      if (layout.startsWith(t, i)) {
        matched = t;
        break;
      }
    }
    // Go's nextStdChunk: "Jan"/"Mon" followed by a lower-case letter are text; "_2006" is "_" + year.
    if ((matched === 'Jan' || matched === 'Mon') && /^[a-z]/.test(layout.slice(i + 3))) matched = undefined;
    if (matched === '_2' && layout.startsWith('_2006', i)) matched = undefined;
    if (matched !== undefined) {
      flush();
      parts.push({ token: matched });
      i += matched.length;
    } else {
      lit += c;
      i++;
    }
  }
  flush();
  layoutCache.set(layout, parts);
  return parts;
}

const sortedTokens = [...tokens].sort((a, b) => b.length - a.length);

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
  yday: number;
}

function fields(t: GoTime): Fields {
  const d = new Date(t.ms + t.offset * 1000);
  const start = Date.UTC(d.getUTCFullYear(), 0, 1);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
    yday: Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - start) / 86400000) + 1,
  };
}

const p2 = (n: number): string => String(n).padStart(2, '0');

function zoneOffset(offset: number, token: string): string {
  if (token.startsWith('Z') && offset === 0) return 'Z';
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const h = p2(Math.floor(abs / 3600));
  const m = p2(Math.floor((abs % 3600) / 60));
  const s = p2(abs % 60);
  const body = token.replace(/^Z/, '-');
  switch (body) {
    case '-07':
      return sign + h;
    case '-0700':
      return sign + h + m;
    case '-07:00':
      return sign + h + ':' + m;
    case '-070000':
      return sign + h + m + s;
    default:
      return sign + h + ':' + m + ':' + s;
  }
}

/** Nanoseconds within the second. */
function nanosOf(t: GoTime): number {
  return (((t.ms % 1000) + 1000) % 1000) * 1e6 + t.nanos;
}

/** time.Time.Format; 'default' is time.Time.String(). */
export function formatTime(t: GoTime, layout: string): string {
  if (layout === 'default') {
    let s = formatTime(t, '2006-01-02 15:04:05.999999999 -0700 MST');
    if (t.monotonic !== undefined) s += ` m=+${t.monotonic.toFixed(9)}`;
    return s;
  }
  const f = fields(t);
  let out = '';
  for (const part of splitLayout(layout)) {
    if (part.literal !== undefined) {
      out += part.literal;
      continue;
    }
    if (part.frac) {
      const digits = String(nanosOf(t)).padStart(9, '0').slice(0, part.frac.digits);
      if (part.frac.trim) {
        const trimmed = digits.replace(/0+$/, '');
        if (trimmed) out += part.frac.sep + trimmed;
      } else out += part.frac.sep + digits;
      continue;
    }
    switch (part.token) {
      case 'January':
        out += longMonths[f.month - 1];
        break;
      case 'Jan':
        out += longMonths[f.month - 1]!.slice(0, 3);
        break;
      case 'Monday':
        out += longDays[f.weekday];
        break;
      case 'Mon':
        out += longDays[f.weekday]!.slice(0, 3);
        break;
      case 'MST':
        out += t.zone;
        break;
      case '2006':
        out += String(f.year).padStart(4, '0');
        break;
      case '06':
        out += p2(f.year % 100);
        break;
      case '01':
        out += p2(f.month);
        break;
      case '1':
        out += String(f.month);
        break;
      case '02':
        out += p2(f.day);
        break;
      case '2':
        out += String(f.day);
        break;
      case '_2':
        out += String(f.day).padStart(2, ' ');
        break;
      case '__2':
        out += String(f.yday).padStart(3, ' ');
        break;
      case '002':
        out += String(f.yday).padStart(3, '0');
        break;
      case '15':
        out += p2(f.hour);
        break;
      case '03':
        out += p2(f.hour % 12 === 0 ? 12 : f.hour % 12);
        break;
      case '3':
        out += String(f.hour % 12 === 0 ? 12 : f.hour % 12);
        break;
      case '04':
        out += p2(f.minute);
        break;
      case '4':
        out += String(f.minute);
        break;
      case '05':
        out += p2(f.second);
        break;
      case '5':
        out += String(f.second);
        break;
      case 'PM':
        out += f.hour >= 12 ? 'PM' : 'AM';
        break;
      case 'pm':
        out += f.hour >= 12 ? 'pm' : 'am';
        break;
      default:
        out += zoneOffset(t.offset, part.token!);
    }
  }
  return out;
}

export class TimeParseError extends Error {}

/** time.ParseInLocation for the layouts templates use; zone-less values are UTC. */
export function parseTime(layout: string, value: string): GoTime {
  let year = 1;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let nanos = 0;
  let pm: boolean | undefined;
  let offset: number | undefined;
  let zone = 'UTC';
  let rest = value;
  const quote = (s: string): string => JSON.stringify(s);
  const fail = (elem: string, got: string): never => {
    throw new TimeParseError(
      `parsing time ${quote(value)} as ${quote(layout)}: cannot parse ${quote(got)} as ${quote(elem)}`,
    );
  };
  // Go reports a field out of range as soon as it is read, before the rest of the layout.
  const outOfRange = (what: string): never => {
    throw new TimeParseError(`parsing time ${quote(value)}: ${what} out of range`);
  };
  const num = (elem: string, min: number, max: number): number => {
    const m = new RegExp(`^\\d{${min},${max}}`).exec(rest);
    if (!m) fail(elem, rest);
    rest = rest.slice(m![0].length);
    return Number(m![0]);
  };
  for (const part of splitLayout(layout)) {
    if (part.literal !== undefined) {
      // Go's skip: a space in the layout matches any run of spaces; a mismatch reports what is left.
      let prefix = part.literal;
      while (prefix.length > 0) {
        if (prefix[0] === ' ') {
          if (rest.length > 0 && rest[0] !== ' ') fail(part.literal, rest);
          prefix = prefix.replace(/^ +/, '');
          rest = rest.replace(/^ +/, '');
          continue;
        }
        if (rest.length === 0 || rest[0] !== prefix[0]) fail(part.literal, rest);
        prefix = prefix.slice(1);
        rest = rest.slice(1);
      }
      continue;
    }
    if (part.frac) {
      const m = /^[.,](\d+)/.exec(rest);
      if (m) {
        nanos = Number(m[1]!.slice(0, 9).padEnd(9, '0'));
        rest = rest.slice(m[0].length);
      } else if (!part.frac.trim) fail(part.frac.sep + '0'.repeat(part.frac.digits), rest);
      continue;
    }
    const tok = part.token!;
    switch (tok) {
      case '2006':
        year = num(tok, 4, 4);
        break;
      case '06':
        year = num(tok, 2, 2);
        year += year >= 69 ? 1900 : 2000;
        break;
      case '01':
      case '1':
        month = num(tok, tok === '01' ? 2 : 1, 2);
        if (month < 1 || month > 12) outOfRange('month');
        break;
      case 'January':
      case 'Jan': {
        const idx = longMonths.findIndex((m) => rest.startsWith(tok === 'Jan' ? m.slice(0, 3) : m));
        if (idx < 0) fail(tok, rest);
        rest = rest.slice(tok === 'Jan' ? 3 : longMonths[idx]!.length);
        month = idx + 1;
        break;
      }
      case 'Monday':
      case 'Mon': {
        const idx = longDays.findIndex((d) => rest.startsWith(tok === 'Mon' ? d.slice(0, 3) : d));
        if (idx < 0) fail(tok, rest);
        rest = rest.slice(tok === 'Mon' ? 3 : longDays[idx]!.length);
        break;
      }
      case '02':
        day = num(tok, 2, 2);
        break;
      case '2':
      case '_2':
        rest = rest.replace(/^ /, '');
        day = num(tok, 1, 2);
        break;
      case '15':
        hour = num(tok, 1, 2);
        if (hour > 23) outOfRange('hour');
        break;
      case '03':
      case '3':
        hour = num(tok, tok === '03' ? 2 : 1, 2);
        if (hour > 12) outOfRange('hour');
        break;
      case '04':
      case '4':
        minute = num(tok, tok === '04' ? 2 : 1, 2);
        if (minute > 59) outOfRange('minute');
        break;
      case '05':
      case '5':
        second = num(tok, tok === '05' ? 2 : 1, 2);
        if (second > 59) outOfRange('second');
        {
          const m = /^\.(\d+)/.exec(rest);
          if (m && !layout.includes('.0') && !layout.includes('.9')) {
            nanos = Number(m[1]!.slice(0, 9).padEnd(9, '0'));
            rest = rest.slice(m[0].length);
          }
        }
        break;
      case 'PM':
      case 'pm': {
        const m = /^(AM|PM|am|pm)/.exec(rest);
        if (!m) fail(tok, rest);
        pm = m![0].toLowerCase() === 'pm';
        rest = rest.slice(2);
        break;
      }
      case 'MST': {
        const m = /^[A-Z]{3,5}/.exec(rest);
        if (!m) fail(tok, rest);
        zone = m![0];
        rest = rest.slice(zone.length);
        break;
      }
      default: {
        if (tok.startsWith('Z') && rest.startsWith('Z')) {
          rest = rest.slice(1);
          offset = 0;
          break;
        }
        const m = /^([+-])(\d{2}):?(\d{2})?(?::?(\d{2}))?/.exec(rest);
        if (!m) fail(tok, rest);
        offset =
          (m![1] === '-' ? -1 : 1) * (Number(m![2]) * 3600 + Number(m![3] ?? 0) * 60 + Number(m![4] ?? 0));
        rest = rest.slice(m![0].length);
      }
    }
  }
  if (rest.length > 0) throw new TimeParseError(`parsing time ${quote(value)}: extra text: ${quote(rest)}`);
  if (pm !== undefined) {
    if (hour > 12) throw new TimeParseError(`parsing time ${quote(value)}: hour out of range`);
    if (pm && hour < 12) hour += 12;
    if (!pm && hour === 12) hour = 0;
  }
  if (month < 1 || month > 12) throw new TimeParseError(`parsing time ${quote(value)}: month out of range`);
  const daysIn = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysIn) throw new TimeParseError(`parsing time ${quote(value)}: day out of range`);
  if (hour > 23 || minute > 59 || second > 59)
    throw new TimeParseError(`parsing time ${quote(value)}: time out of range`);
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(utc);
  date.setUTCFullYear(year);
  const off = offset ?? 0;
  const zoneName = offset === undefined ? zone : off === 0 ? 'UTC' : '';
  return new GoTime(date.getTime() - off * 1000 + Math.floor(nanos / 1e6), nanos % 1e6, off, zoneName);
}

/** A GoTime for `now`, in UTC with a monotonic reading like Go's time.Now(). */
export function nowTime(): GoTime {
  const ms = Date.now();
  return new GoTime(ms, 0, 0, 'UTC', performance.now() / 1000);
}

export function timeFromUnix(seconds: bigint): GoTime {
  return new GoTime(Number(seconds) * 1000, 0, 0, 'UTC');
}

const unitNanos: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** time.ParseDuration; returns nanoseconds or undefined on invalid syntax. */
export function parseDuration(s: string): bigint | undefined {
  let rest = s;
  let neg = false;
  if (rest[0] === '-' || rest[0] === '+') {
    neg = rest[0] === '-';
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') return undefined;
  let total = 0;
  while (rest.length > 0) {
    const m = /^(\d*)(\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/.exec(rest);
    if (!m || (m[1] === '' && (m[3] ?? '') === '')) return undefined;
    const value = Number(`${m[1] || '0'}.${m[3] ?? ''}`);
    total += value * unitNanos[m[4]!]!;
    rest = rest.slice(m[0].length);
  }
  const n = BigInt(Math.round(total));
  return neg ? -n : n;
}

function trimFraction(n: bigint, unit: bigint, digits: number): string {
  const whole = n / unit;
  const frac = n % unit;
  if (frac === 0n) return whole.toString();
  return whole.toString() + '.' + frac.toString().padStart(digits, '0').replace(/0+$/, '');
}

/** time.Duration.String. */
export function formatDuration(d: bigint): string {
  if (d === 0n) return '0s';
  const neg = d < 0n;
  const u = neg ? -d : d;
  let s: string;
  if (u < 1000000000n) {
    if (u < 1000n) s = `${u}ns`;
    else if (u < 1000000n) s = trimFraction(u, 1000n, 3) + 'µs';
    else s = trimFraction(u, 1000000n, 6) + 'ms';
  } else {
    const h = u / 3600000000000n;
    const m = (u / 60000000000n) % 60n;
    const sec = trimFraction(u % 60000000000n, 1000000000n, 9) + 's';
    s = h > 0n ? `${h}h${m}m${sec}` : m > 0n ? `${m}m${sec}` : sec;
  }
  return neg ? '-' + s : s;
}

// biome-ignore-all lint/suspicious/noControlCharactersInRegex: Go byte/rune classes are matched literally
// Sprig's word-case, wrapping, random-string and URL helpers.
import { randomInt } from 'node:crypto';
import { FuncError } from './errors.ts';
import { def, type FuncDef } from './functypes.ts';
import type { Value } from './value.ts';

const str = (v: Value | undefined): string => v as string;
const num = (v: Value | undefined): number => Number((v as { value: bigint }).value);

const isUpper = (c: string): boolean => c !== c.toLowerCase() && c === c.toUpperCase();
const isLower = (c: string): boolean => c !== c.toUpperCase() && c === c.toLowerCase();
const isLetter = (c: string): boolean => /\p{L}/u.test(c);
const isDigit = (c: string): boolean => /\p{Nd}/u.test(c);
const isSpace = (c: string): boolean => /\s/u.test(c);

/** strings.Title: upper-cases the first letter of each word. */
function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const c of s) {
    const sep = /[\x00-\x7f]/.test(prev)
      ? !/[A-Za-z0-9_]/.test(prev)
      : isSpace(prev) || !(isLetter(prev) || isDigit(prev));
    out += sep ? c.toUpperCase() : c;
    prev = c;
  }
  return out;
}

/** goutils-style word walk: applies f to the first rune after whitespace. */
function mapWordStarts(s: string, f: (c: string) => string): string {
  let out = '';
  let atStart = true;
  for (const c of s) {
    if (isSpace(c)) {
      atStart = true;
      out += c;
      continue;
    }
    out += atStart ? f(c) : c;
    atStart = false;
  }
  return out;
}

function initials(s: string): string {
  let out = '';
  let atStart = true;
  for (const c of s) {
    if (isSpace(c)) {
      atStart = true;
      continue;
    }
    if (atStart) out += c;
    atStart = false;
  }
  return out;
}

function swapCase(s: string): string {
  let out = '';
  for (const c of s) out += isUpper(c) ? c.toLowerCase() : isLower(c) ? c.toUpperCase() : c;
  return out;
}

/** Splits an identifier into words at separators and case changes (HTTPServer -> HTTP, Server). */
function words(s: string): string[] {
  const out: string[] = [];
  for (const part of s.split(/[^\p{L}\p{Nd}]+/u)) {
    if (!part) continue;
    const chars = [...part];
    let cur = '';
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i]!;
      const prev = chars[i - 1];
      const next = chars[i + 1];
      const boundary =
        cur !== '' &&
        ((isUpper(c) && prev !== undefined && (isLower(prev) || isDigit(prev))) ||
          (isUpper(c) && prev !== undefined && isUpper(prev) && next !== undefined && isLower(next)));
      if (boundary) {
        out.push(cur);
        cur = '';
      }
      cur += c;
    }
    if (cur) out.push(cur);
  }
  return out;
}

function delimited(s: string, sep: string): string {
  return words(s)
    .map((w) => w.toLowerCase())
    .join(sep);
}

/** xstrings ToPascalCase-like camelcase: foo_bar -> FooBar. */
function pascal(s: string): string {
  let out = '';
  let upperNext = true;
  for (const c of s) {
    if (c === '_' || c === ' ' || c === '-' || c === '.') {
      upperNext = true;
      continue;
    }
    out += upperNext ? c.toUpperCase() : c;
    upperNext = false;
  }
  return out;
}

function wrapCustom(s: string, width: number, newline: string, wrapLong: boolean): string {
  if (s === '') return '';
  const nl = newline === '' ? '\n' : newline;
  const w = Math.max(width, 1);
  const len = s.length;
  let offset = 0;
  let out = '';
  while (len - offset > w) {
    if (s[offset] === ' ') {
      offset++;
      continue;
    }
    const at = s.slice(offset, w + offset + 1).lastIndexOf(' ') + offset;
    if (at >= offset) {
      out += s.slice(offset, at) + nl;
      offset = at + 1;
    } else if (wrapLong) {
      out += s.slice(offset, offset + w) + nl;
      offset += w;
    } else {
      const end = w + offset;
      const idx = s.slice(end).indexOf(' ');
      if (idx === -1) {
        out += s.slice(offset);
        offset = len;
      } else {
        out += s.slice(offset, idx + end) + nl;
        offset = idx + end + 1;
      }
    }
  }
  return out + s.slice(offset);
}

function randomFrom(alphabet: string, count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const digits = '0123456789';
let ascii = '';
for (let c = 32; c < 127; c++) ascii += String.fromCharCode(c);

function shuffle(s: string): string {
  const runes = [...s];
  for (let i = runes.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [runes[i], runes[j]] = [runes[j]!, runes[i]!];
  }
  return runes.join('');
}

interface ParsedURL {
  scheme: string;
  opaque: string;
  userinfo: string;
  host: string;
  path: string;
  query: string;
  fragment: string;
}

function unescapePath(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new FuncError(`unable to parse url: parse ${JSON.stringify(s)}: invalid URL escape`);
  }
}

function parseURL(raw: string): ParsedURL {
  const u: ParsedURL = { scheme: '', opaque: '', userinfo: '', host: '', path: '', query: '', fragment: '' };
  let rest = raw;
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    u.fragment = unescapePath(rest.slice(hash + 1));
    rest = rest.slice(0, hash);
  }
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(rest);
  if (scheme) {
    u.scheme = scheme[1]!.toLowerCase();
    rest = rest.slice(scheme[0].length);
  } else if (/^[^/?]*:/.test(rest) && !rest.startsWith('/')) {
    throw new FuncError(`unable to parse url: parse ${JSON.stringify(raw)}: missing protocol scheme`);
  }
  const q = rest.indexOf('?');
  if (q >= 0) {
    u.query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  if (u.scheme !== '' && !rest.startsWith('/')) {
    u.opaque = rest;
    return u;
  }
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    rest = slash < 0 ? '' : rest.slice(slash);
    const at = authority.lastIndexOf('@');
    if (at >= 0) {
      u.userinfo = authority.slice(0, at);
      u.host = authority.slice(at + 1);
    } else u.host = authority;
  }
  u.path = unescapePath(rest);
  return u;
}

function hostname(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end < 0 ? host.slice(1) : host.slice(1, end);
  }
  const colon = host.lastIndexOf(':');
  return colon >= 0 && /^:\d*$/.test(host.slice(colon)) ? host.slice(0, colon) : host;
}

function escapePath(p: string): string {
  return p.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/]/g, (c) =>
    [...Buffer.from(c, 'utf8')].map((b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join(''),
  );
}

function urlJoin(d: Map<string, Value>): string {
  const get = (k: string): string => {
    const v = d.get(k);
    if (v === undefined) return '';
    if (typeof v !== 'string')
      throw new FuncError(`interface conversion: interface {} is ${typeof v}, not string`);
    return v;
  };
  let out = '';
  const scheme = get('scheme');
  if (scheme) out += scheme + ':';
  const opaque = get('opaque');
  if (opaque) out += opaque;
  else {
    const host = get('host');
    const userinfo = get('userinfo');
    if (scheme || host || userinfo) {
      const path = get('path');
      if (host || path || userinfo) out += '//';
      if (userinfo) out += userinfo + '@';
      out += host;
    }
    const path = get('path');
    if (path && !path.startsWith('/') && get('host')) out += '/';
    out += escapePath(path);
  }
  const query = get('query');
  if (query) out += '?' + query;
  const fragment = get('fragment');
  if (fragment) out += '#' + escapePath(fragment);
  return out;
}

export function stringCaseFuncs(): Map<string, FuncDef> {
  return new Map<string, FuncDef>([
    ['title', def(['string'], ([s]) => title(str(s)))],
    ['untitle', def(['string'], ([s]) => mapWordStarts(str(s), (c) => c.toLowerCase()))],
    ['initials', def(['string'], ([s]) => initials(str(s)))],
    ['swapcase', def(['string'], ([s]) => swapCase(str(s)))],
    ['snakecase', def(['string'], ([s]) => delimited(str(s), '_'))],
    ['kebabcase', def(['string'], ([s]) => delimited(str(s), '-'))],
    ['camelcase', def(['string'], ([s]) => pascal(str(s)))],
    ['shuffle', def(['string'], ([s]) => shuffle(str(s)))],
    ['wrap', def(['int', 'string'], ([w, s]) => wrapCustom(str(s), num(w), '', false))],
    [
      'wrapWith',
      def(['int', 'string', 'string'], ([w, sep, s]) => wrapCustom(str(s), num(w), str(sep), true)),
    ],
    ['randAlphaNum', def(['int'], ([n]) => randomFrom(letters + digits, num(n)))],
    ['randAlpha', def(['int'], ([n]) => randomFrom(letters, num(n)))],
    ['randAscii', def(['int'], ([n]) => randomFrom(ascii, num(n)))],
    ['randNumeric', def(['int'], ([n]) => randomFrom(digits, num(n)))],
    [
      'urlParse',
      def(['string'], ([s]) => {
        const u = parseURL(str(s));
        return new Map<string, Value>([
          ['fragment', u.fragment],
          ['host', u.host],
          ['hostname', hostname(u.host)],
          ['opaque', u.opaque],
          ['path', u.path],
          ['query', u.query],
          ['scheme', u.scheme],
          ['userinfo', u.userinfo],
        ]);
      }),
    ],
    ['urlJoin', def(['map'], ([d]) => urlJoin(d as Map<string, Value>))],
  ]);
}

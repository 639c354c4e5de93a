// biome-ignore-all lint/suspicious/noControlCharactersInRegex: Go byte/rune classes are matched literally
// Sprig's word-case, wrapping, random-string and URL helpers.

import { randomInt } from 'node:crypto';
import { checkSize } from './budget.ts';
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
// huandu/xstrings v1.5.0 (snakecase = ToSnakeCase, kebabcase = ToKebabCase, camelcase = ToPascalCase),
// ported rune for rune.
const xIsConnector = (r: string): boolean =>
  r === '-' ||
  r === '_' ||
  /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/u.test(r);
const xIsPunct = (r: string): boolean => /^\p{P}$/u.test(r);
const xIsUpper = (r: string): boolean => /^\p{Lu}$/u.test(r);
const xIsNumber = (r: string): boolean => /^\p{N}$/u.test(r);
function xIsAlphabet(r: string): boolean {
  if (!/^\p{L}$/u.test(r)) return false;
  const cp = r.codePointAt(0)!;
  if (cp < 0x3400) return true;
  if ((cp >= 0x4e00 && cp <= 0x9fcc) || (cp >= 0x3400 && cp <= 0x4d85) || (cp >= 0x20000 && cp <= 0x2b81d))
    return false;
  return true;
}
/** unicode.ToLower / ToUpper of one rune (JavaScript may map to several code points; Go keeps one). */
const xLower = (r: string): string => String.fromCodePoint(r.toLowerCase().codePointAt(0)!);
const xUpper = (r: string): string => String.fromCodePoint(r.toUpperCase().codePointAt(0)!);

type WordType = 'invalid' | 'number' | 'upper' | 'alphabet' | 'connector' | 'punct' | 'other';

/** xstrings nextWord over an array of runes starting at `at`: the word's type and end index. */
function nextWord(rs: string[], at: number): { wt: WordType; end: number } {
  if (at >= rs.length) return { wt: 'invalid', end: at };
  const r = rs[at]!;
  let i = at + 1;
  const run = (pred: (x: string) => boolean): void => {
    while (i < rs.length && pred(rs[i]!)) i++;
  };
  if (xIsConnector(r)) {
    run(xIsConnector);
    return { wt: 'connector', end: i };
  }
  if (xIsPunct(r)) {
    run(xIsPunct);
    return { wt: 'punct', end: i };
  }
  if (xIsUpper(r)) {
    if (i < rs.length) {
      if (xIsUpper(rs[i]!)) {
        run(xIsUpper);
        // "HTTPStatus" splits as "HTTP" + "Status".
        if (i < rs.length && xIsAlphabet(rs[i]!)) i--;
      } else if (xIsAlphabet(rs[i]!)) run((x) => xIsAlphabet(x) && !xIsUpper(x));
    }
    return { wt: 'upper', end: i };
  }
  if (xIsAlphabet(r)) {
    run((x) => xIsAlphabet(x) && !xIsUpper(x));
    return { wt: 'alphabet', end: i };
  }
  if (xIsNumber(r)) {
    run(xIsNumber);
    return { wt: 'number', end: i };
  }
  run((x) => !(xIsConnector(x) || xIsAlphabet(x) || xIsNumber(x) || xIsPunct(x)));
  return { wt: 'other', end: i };
}

function camelCaseToLowerCase(str: string, connector: string): string {
  const rs = [...str];
  if (rs.length === 0) return '';
  let buf = '';
  const toLower = (wt: WordType, word: string[]): void => {
    if (wt !== 'upper' && wt !== 'connector') {
      buf += word.join('');
      return;
    }
    for (const r of word) buf += xIsConnector(r) ? connector : xIsUpper(r) ? xLower(r) : r;
  };
  let pos = 0;
  const next = (): { wt: WordType; word: string[] } => {
    const { wt, end } = nextWord(rs, pos);
    const word = rs.slice(pos, end);
    pos = end;
    return { wt, word };
  };
  let { wt, word } = next();
  while (pos < rs.length) {
    if (wt !== 'connector') toLower(wt, word);
    const prev = wt;
    const last = word;
    ({ wt, word } = next());
    switch (prev) {
      case 'number':
        while (wt === 'alphabet' || wt === 'number') {
          toLower(wt, word);
          ({ wt, word } = next());
        }
        if (wt !== 'invalid' && wt !== 'punct' && wt !== 'connector') buf += connector;
        break;
      case 'connector':
        toLower(prev, last);
        break;
      case 'punct':
        break;
      default: {
        if (wt !== 'number') {
          if (wt !== 'connector' && wt !== 'punct') buf += connector;
          break;
        }
        if (pos >= rs.length) break;
        const numberWord = word;
        ({ wt, word } = next());
        // A number is part of the previous word ("Bld4Floor" => "bld4_floor") unless lower-case letters
        // follow it ("HTTP2xx" => "http_2xx").
        if (wt !== 'alphabet') {
          toLower('number', numberWord);
          if (wt !== 'connector' && wt !== 'punct') buf += connector;
          break;
        }
        buf += connector;
        toLower('number', numberWord);
        while (wt === 'alphabet' || wt === 'number') {
          toLower(wt, word);
          ({ wt, word } = next());
        }
        if (wt !== 'invalid' && wt !== 'connector' && wt !== 'punct') buf += connector;
      }
    }
  }
  toLower(wt, word);
  return buf;
}

/** xstrings toCamelCase(str, isBig = true), i.e. ToPascalCase. */
function pascal(str: string): string {
  const rs = [...str];
  if (rs.length === 0) return '';
  let buf = '';
  let i = 0;
  let r0 = '';
  let firstUpper = false;
  for (; i < rs.length; ) {
    r0 = rs[i++]!;
    if (!xIsConnector(r0)) {
      firstUpper = xIsUpper(r0);
      r0 = xUpper(r0);
      break;
    }
    buf += r0;
  }
  // Go writes the last rune once more when the string is only connectors.
  if (i >= rs.length) return buf + r0;
  while (i < rs.length) {
    const r1 = r0;
    r0 = rs[i++]!;
    if (xIsConnector(r0) && xIsConnector(r1)) {
      buf += r1;
      continue;
    }
    if (xIsConnector(r1)) {
      firstUpper = xIsUpper(r0);
      r0 = xUpper(r0);
    } else {
      if (firstUpper) {
        if (xIsUpper(r0)) r0 = xLower(r0);
        else firstUpper = false;
      }
      buf += r1;
    }
  }
  return buf + r0;
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
  checkSize(count, 'random string');
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
    ['snakecase', def(['string'], ([s]) => camelCaseToLowerCase(str(s), '_'))],
    ['kebabcase', def(['string'], ([s]) => camelCaseToLowerCase(str(s), '-'))],
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

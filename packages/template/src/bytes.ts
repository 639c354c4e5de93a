// biome-ignore-all lint/suspicious/noControlCharactersInRegex: Go byte/rune classes are matched literally
// Go strings are byte sequences. JS strings here hold valid text as usual; a byte that is not part of
// valid UTF-8 is kept as the lone surrogate U+DC80+byte, so byte-level operations (trunc, substr,
// base64 decoding) round-trip exactly.

export function toBytes(s: string): Buffer {
  // Fast path: no lone low surrogates in the marker range.
  if (!/[\udc80-\udcff]/.test(s)) return Buffer.from(s, 'utf8');
  const parts: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (
      c >= 0xdc80 &&
      c <= 0xdcff &&
      !(i > 0 && s.charCodeAt(i - 1) >= 0xd800 && s.charCodeAt(i - 1) <= 0xdbff)
    ) {
      parts.push(c - 0xdc00);
      continue;
    }
    const cp = s.codePointAt(i)!;
    if (cp > 0xffff) i++;
    parts.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
  }
  return Buffer.from(parts);
}

export function fromBytes(b: Uint8Array): string {
  const text = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
  if (!text.includes('\ufffd')) return text;
  // Decode by hand to keep invalid bytes.
  let out = '';
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    let n = 0;
    if (c < 0x80) n = 1;
    else if (c >= 0xc2 && c <= 0xdf) n = 2;
    else if (c >= 0xe0 && c <= 0xef) n = 3;
    else if (c >= 0xf0 && c <= 0xf4) n = 4;
    if (n > 0 && i + n <= b.length) {
      const chunk = Buffer.from(b.subarray(i, i + n)).toString('utf8');
      if (!chunk.includes('\ufffd') || (n === 3 && b[i] === 0xef && b[i + 1] === 0xbf && b[i + 2] === 0xbd)) {
        out += chunk;
        i += n;
        continue;
      }
    }
    out += c < 0x80 ? String.fromCharCode(c) : String.fromCharCode(0xdc00 + c);
    i++;
  }
  return out;
}

/** Byte length of a Go string. */
export function byteLen(s: string): number {
  return /^[\x00-\x7f]*$/.test(s) ? s.length : toBytes(s).length;
}

/** s[start:end] on bytes. */
export function byteSlice(s: string, start: number, end?: number): string {
  if (/^[\x00-\x7f]*$/.test(s)) return s.slice(start, end);
  return fromBytes(toBytes(s).subarray(start, end));
}

/** Replaces raw-byte markers with U+FFFD, as encoding/json shows invalid UTF-8. */
export function toValidUTF8(s: string): string {
  return s.replace(/[\udc80-\udcff]/g, (c, i: number) =>
    i > 0 && s.charCodeAt(i - 1) >= 0xd800 && s.charCodeAt(i - 1) <= 0xdbff ? c : '\ufffd',
  );
}

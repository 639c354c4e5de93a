// encoding/base64 and encoding/base32 StdEncoding decoding, strict like Go's (used by b64dec, b32dec
// and decryptAES).
export const b64Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
export const b32Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** encoding/base64 and base32 StdEncoding decoding with Go's error positions. */
export function decodeBase(
  src: Buffer,
  alphabet: string,
  quantum: number,
): { bytes: Buffer } | { error: string } {
  const bits = alphabet.length === 64 ? 6 : 5;
  const map = new Map<number, number>();
  for (let i = 0; i < alphabet.length; i++) map.set(alphabet.charCodeAt(i), i);
  const out: number[] = [];
  let si = 0;
  const corrupt = (at: number): { error: string } => ({
    error: `illegal ${alphabet.length === 64 ? 'base64' : 'base32'} data at input byte ${at}`,
  });
  while (si < src.length) {
    const vals: number[] = [];
    let dlen = quantum;
    let done = false;
    for (let j = 0; j < quantum; j++) {
      if (si === src.length) {
        if (j === 0) return { bytes: Buffer.from(out) };
        return corrupt(si - j);
      }
      const c = src[si]!;
      si++;
      const v = map.get(c);
      if (v !== undefined) {
        vals.push(v);
        continue;
      }
      if (c === 0x0a || c === 0x0d) {
        j--;
        continue;
      }
      if (c !== 0x3d) return corrupt(si - 1);
      // Padding.
      if (quantum === 4) {
        if (j < 2) return corrupt(si - 1);
        if (j === 2) {
          while (si < src.length && (src[si] === 0x0a || src[si] === 0x0d)) si++;
          if (si === src.length) return corrupt(src.length);
          if (src[si] !== 0x3d) return corrupt(si - 1);
          si++;
        }
      } else {
        const validPads = [2, 4, 5, 7];
        if (!validPads.includes(j)) return corrupt(si - 1);
        for (let k = 0; k < quantum - 1 - j; k++) {
          if (si < src.length && src[si] !== 0x3d) return corrupt(si);
          if (si >= src.length) return corrupt(src.length);
          si++;
        }
      }
      while (si < src.length && (src[si] === 0x0a || src[si] === 0x0d)) si++;
      if (si < src.length) return corrupt(si);
      dlen = j;
      done = true;
      break;
    }
    let acc = 0n;
    for (const v of vals) acc = (acc << BigInt(bits)) | BigInt(v);
    const totalBits = vals.length * bits;
    const nbytes = Math.floor(totalBits / 8);
    acc >>= BigInt(totalBits - nbytes * 8);
    for (let k = nbytes - 1; k >= 0; k--) out.push(Number((acc >> BigInt(8 * k)) & 0xffn));
    if (done || dlen < quantum) break;
  }
  return { bytes: Buffer.from(out) };
}

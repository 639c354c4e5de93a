// Unpacks the (gzipped) tar archive a kustomizationRef's ConfigMap/Secret holds, as upstream's users make
// it (`tar -czf kustomize.tar.gz -C dir .`). Only directories and regular files are written; links, device
// files and paths leaving the target directory are refused, and sizes are bounded (an archive is user input).

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';

export const MAX_ARCHIVE_BYTES = 64 * 1024 * 1024;
const MAX_ENTRIES = 10_000;

export class ArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveError';
  }
}

function field(block: Buffer, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString('utf8');
}

function size(block: Buffer): number {
  // base-256 for large sizes (GNU), octal otherwise
  if ((block[124]! & 0x80) !== 0) {
    let n = 0;
    for (let i = 125; i < 136; i++) n = n * 256 + block[i]!;
    return n;
  }
  const text = field(block, 124, 12).trim();
  return text ? Number.parseInt(text, 8) : 0;
}

/** PAX extended header records (`<len> key=value\n`). */
function pax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    if (space === -1) break;
    const len = Number.parseInt(data.subarray(i, space).toString(), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const record = data.subarray(space + 1, i + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    i += len;
  }
  return out;
}

/** A path inside the archive made safe to join under the target, or undefined for the archive root. */
function safePath(name: string): string | undefined {
  const cleaned = normalize(name.replace(/\\/g, '/')).replace(/^(\.\/)+/, '');
  if (cleaned === '.' || cleaned === '' || cleaned === './') return undefined;
  if (cleaned.startsWith('/') || cleaned.split(/[\\/]/).includes('..'))
    throw new ArchiveError(`entry ${JSON.stringify(name)} points outside the archive`);
  return cleaned.replace(/\/$/, '');
}

/** Writes the archive's directories and files under `target`; returns how many files were written. */
export function extractArchive(archive: Buffer, target: string): number {
  let tar = archive;
  if (archive[0] === 0x1f && archive[1] === 0x8b) {
    try {
      tar = gunzipSync(archive, { maxOutputLength: MAX_ARCHIVE_BYTES });
    } catch (e) {
      throw new ArchiveError(
        `not a valid gzip archive (or larger than ${MAX_ARCHIVE_BYTES} bytes): ${(e as Error).message}`,
      );
    }
  }
  let offset = 0;
  let files = 0;
  let entries = 0;
  let longName: string | undefined;
  let paxHeader: Record<string, string> = {};
  while (offset + 512 <= tar.length) {
    const block = tar.subarray(offset, offset + 512);
    if (block.every((b) => b === 0)) break;
    if (++entries > MAX_ENTRIES) throw new ArchiveError(`more than ${MAX_ENTRIES} entries`);
    const type = String.fromCharCode(block[156] || 0x30);
    const length = size(block);
    const dataStart = offset + 512;
    if (dataStart + length > tar.length) throw new ArchiveError('truncated archive');
    const data = tar.subarray(dataStart, dataStart + length);
    offset = dataStart + Math.ceil(length / 512) * 512;
    if (type === 'x') {
      paxHeader = pax(data);
      continue;
    }
    if (type === 'g') continue;
    if (type === 'L') {
      longName = data.toString('utf8').replace(/\0+$/, '');
      continue;
    }
    const prefix = field(block, 345, 155);
    const name =
      paxHeader.path ?? longName ?? (prefix ? `${prefix}/${field(block, 0, 100)}` : field(block, 0, 100));
    longName = undefined;
    paxHeader = {};
    const path = safePath(name);
    if (type === '5') {
      if (path) mkdirSync(join(target, path), { recursive: true });
      continue;
    }
    if (type === '0' || type === '7') {
      if (!path) continue;
      const dest = join(target, path);
      if (!dest.startsWith(target + sep))
        throw new ArchiveError(`entry ${JSON.stringify(name)} points outside the archive`);
      mkdirSync(dirname(dest), { recursive: true });
      writeFileSync(dest, data, { mode: 0o600 });
      files++;
      continue;
    }
    if (type === '1' || type === '2')
      throw new ArchiveError(`entry ${JSON.stringify(name)} is a link (links are not accepted)`);
    // devices, FIFOs and the like: nothing a kustomization needs
  }
  if (entries === 0) throw new ArchiveError('not a tar archive (no entries)');
  return files;
}

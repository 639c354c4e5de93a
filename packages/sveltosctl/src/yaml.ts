// Reading YAML files for the CLI: the file must be valid UTF-8 of a sane size; every document must parse
// (duplicate keys and alias bombs are refused); empty documents (a leading `---`, trailing separators) are
// skipped; every document must be a mapping. `validate` checks each document as the API server would
// (@sveltos-ts/api validateObject): what `kubectl apply` refuses, the CLI refuses.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { validateObject } from '@sveltos-ts/api';
import { parseAllDocuments } from 'yaml';
import { CliError } from './errors.ts';

export type YamlObject = Record<string, unknown>;

/** Larger files are refused (an EventReport holds at most ~1.5 MB in etcd; fixtures are small). */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;
/** Aliases one document may expand (the yaml library's protection against alias bombs). */
const MAX_ALIASES = 100;

/** Byte offset of the first invalid UTF-8 sequence, or -1. */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [n, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [n, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [n, min] = [3, 0x10000];
    else return i;
    let cp = b & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}

/** The text of a UTF-8 file, or a CliError naming the line of the first invalid byte. */
export function readUtf8File(path: string, what = 'file'): string {
  if (!existsSync(path)) throw new CliError('FILE_NOT_FOUND', `${path}: no such file`);
  const st = statSync(path);
  if (!st.isFile()) throw new CliError('INVALID_INPUT', `${path}: not a file`);
  if (st.size > MAX_INPUT_BYTES) {
    throw new CliError(
      'INVALID_INPUT',
      `${path}: the ${what} is ${st.size} bytes, more than the ${MAX_INPUT_BYTES} bytes accepted`,
    );
  }
  const bytes = readFileSync(path);
  const bad = invalidUtf8Offset(bytes);
  if (bad >= 0) {
    let line = 1;
    for (let i = 0; i < bad; i++) if (bytes[i] === 0x0a) line++;
    throw new CliError(
      'INVALID_INPUT',
      `${path}:${line}: not valid UTF-8 (byte ${bad}: 0x${bytes[bad]!.toString(16).padStart(2, '0')})`,
    );
  }
  return bytes.toString('utf8');
}

export interface ReadOptions {
  /** Check every document against the schema of its kind (kinds this project does not define: TypeMeta,
   * ObjectMeta and UTF-8 only). */
  validate?: boolean;
}

export function readYamlObjects(path: string, options: ReadOptions = {}): YamlObject[] {
  const text = readUtf8File(path);
  const out: YamlObject[] = [];
  let index = 0;
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      const line = e.linePos?.[0]?.line;
      throw new CliError(
        'INVALID_YAML',
        `${path}${line ? `:${line}` : ''}: invalid YAML: ${e.message.split('\n')[0]}`,
      );
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (e) {
      const line = doc.contents?.range ? text.slice(0, doc.contents.range[0]).split('\n').length : undefined;
      throw new CliError(
        'INVALID_YAML',
        `${path}${line ? `:${line}` : ''}: invalid YAML: ${(e as Error).message.split('\n')[0]}`,
      );
    }
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new CliError(
        'INVALID_INPUT',
        `${path}: document ${index} is not a mapping (a Kubernetes object)`,
      );
    }
    if (options.validate) {
      const errors = validateObject(value, { otherKinds: 'metadata' });
      if (errors.length > 0) {
        const o = value as { kind?: unknown; metadata?: { name?: unknown } };
        const what = `${typeof o.kind === 'string' ? o.kind : 'object'}${typeof o.metadata?.name === 'string' ? ` ${o.metadata.name}` : ''}`;
        const shown = errors.slice(0, 10).map((e) => e.message);
        if (errors.length > shown.length) shown.push(`and ${errors.length - shown.length} more`);
        throw new CliError(
          'INVALID_INPUT',
          `${path}: document ${index} (${what}) would be refused by the API server: ${shown.join('; ')}`,
        );
      }
    }
    out.push(value as YamlObject);
    index++;
  }
  return out;
}

// Reading YAML files for the CLI: every document must parse; empty documents (a leading `---`, trailing
// separators) are skipped; every document must be a mapping.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { CliError } from './errors.ts';

export type YamlObject = Record<string, unknown>;

export function readYamlObjects(path: string): YamlObject[] {
  if (!existsSync(path)) throw new CliError('FILE_NOT_FOUND', `${path}: no such file`);
  if (!statSync(path).isFile()) throw new CliError('INVALID_INPUT', `${path}: not a file`);
  const text = readFileSync(path, 'utf8');
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
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new CliError(
        'INVALID_INPUT',
        `${path}: document ${index} is not a mapping (a Kubernetes object)`,
      );
    }
    out.push(value as YamlObject);
    index++;
  }
  return out;
}

// The project's examples (`examples/<name>/` at the repository root) hold the YAML a user applies; tests
// and the demo apply the same files. `examples/<name>/testdata/` holds fixtures for tests only (broken
// objects, what Cluster API would have created); it is not part of the example.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const EXAMPLES_DIR = fileURLToPath(new URL('../../../examples/', import.meta.url));

export interface ExampleMetadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** One document of an example file: a Kubernetes object as written (not defaulted by any server). */
export type ExampleObject = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: ExampleMetadata;
};

export class ExampleError extends Error {
  override name = 'ExampleError';
}

const isYaml = (file: string) => /\.ya?ml$/.test(file);

/** The example folders, sorted. */
export function exampleNames(): string[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((name) => statSync(join(EXAMPLES_DIR, name)).isDirectory())
    .sort();
}

function folder(name: string, sub?: string): string {
  if (!exampleNames().includes(name)) throw new ExampleError(`no example ${name} in ${EXAMPLES_DIR}`);
  return sub === undefined ? join(EXAMPLES_DIR, name) : join(EXAMPLES_DIR, name, sub);
}

/** The YAML files of an example (not its testdata), sorted. */
export function exampleFiles(name: string): string[] {
  return readdirSync(folder(name)).filter(isYaml).sort();
}

/**
 * Parses a multi-document YAML text into objects. Empty documents are skipped; a YAML error, or a document
 * that is not an object with apiVersion, kind and metadata.name, is an ExampleError naming `source`.
 */
export function parseManifests(text: string, source: string): ExampleObject[] {
  const out: ExampleObject[] = [];
  for (const [i, doc] of parseAllDocuments(text).entries()) {
    const error = doc.errors[0];
    if (error) throw new ExampleError(`${source}: document ${i + 1} is not valid YAML: ${error.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const o = value as Partial<ExampleObject>;
    if (typeof o !== 'object' || Array.isArray(o) || !o.apiVersion || !o.kind) {
      throw new ExampleError(`${source}: document ${i + 1} is not a Kubernetes object`);
    }
    out.push(o as ExampleObject);
  }
  return out;
}

function read(path: string, source: string): ExampleObject[] {
  return parseManifests(readFileSync(path, 'utf8'), source);
}

/** The objects of one file of an example, or of all its files (in file order). Fresh copies each call. */
export function exampleDocuments(name: string, file?: string): ExampleObject[] {
  const files = file === undefined ? exampleFiles(name) : [file];
  return files.flatMap((f) => read(join(folder(name), f), `examples/${name}/${f}`));
}

/** The one object of an example with this kind (and name, when several have the kind). */
export function exampleObject(name: string, kind: string, objectName?: string): ExampleObject {
  const found = exampleDocuments(name).filter(
    (o) => o.kind === kind && (objectName === undefined || o.metadata.name === objectName),
  );
  if (found.length !== 1) {
    throw new ExampleError(
      `example ${name} has ${found.length} ${kind}${objectName ? ` ${objectName}` : ''} objects, expected 1`,
    );
  }
  return found[0]!;
}

/** The raw text of a test fixture `examples/<name>/testdata/<file>`. */
export function testdataText(name: string, file: string): string {
  return readFileSync(join(folder(name, 'testdata'), file), 'utf8');
}

/** The objects of a test fixture `examples/<name>/testdata/<file>`. */
export function testdataDocuments(name: string, file: string): ExampleObject[] {
  return parseManifests(testdataText(name, file), `examples/${name}/testdata/${file}`);
}

/**
 * The object as the API server stores it, for tests that hand example objects to pure functions: a
 * Secret's `stringData` is merged into base64 `data`, and a missing Secret `type` becomes `Opaque`.
 */
export function asStored<T extends ExampleObject>(object: T): T {
  if (object.kind !== 'Secret' || object.apiVersion !== 'v1') return structuredClone(object);
  const { stringData, ...rest } = structuredClone(object) as T & {
    stringData?: Record<string, string>;
    data?: Record<string, string>;
    type?: string;
  };
  const data = { ...(rest.data ?? {}) };
  for (const [key, value] of Object.entries(stringData ?? {}))
    data[key] = Buffer.from(value).toString('base64');
  return { ...rest, type: rest.type ?? 'Opaque', data } as T;
}

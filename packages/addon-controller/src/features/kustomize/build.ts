// Running the real kustomize on an unpacked kustomizationRef: components added to the kustomization,
// `kustomize build` (bounded, killed on overrun), the output instantiated with the substitute values
// (dot is the values map, as upstream), the target namespace set, every document checked.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { fromJS, sveltosFuncs, TemplateCache, TemplateError, type Value } from '@sveltos-ts/template';
import { parse, parseDocument, stringify } from 'yaml';
import { AddonError } from '../../errors.ts';
import { HelmCommandError, runTool } from '../helm/cli.ts';
import type { ToolSettings } from '../types.ts';
import { ArchiveError, extractArchive } from './archive.ts';
import type { KustomizeSource } from './plan.ts';

const outputCache = new TemplateCache({ funcs: sveltosFuncs({ context: 'plain' }) });
const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

const failed = (s: KustomizeSource, message: string): AddonError =>
  new AddonError('KUSTOMIZE_FAILED', `${s.field} (${s.kind} ${s.namespace}/${s.name}): ${message}`);

function addComponents(dir: string, components: readonly string[], s: KustomizeSource): void {
  if (components.length === 0) return;
  const file = KUSTOMIZATION_FILES.map((f) => join(dir, f)).find((f) => existsSync(f));
  if (file === undefined) throw failed(s, `no kustomization file in ${s.path} to add components to`);
  const doc = parseDocument(readFileSync(file, 'utf8'));
  const current = (doc.get('components') as { toJSON?: () => unknown } | undefined)?.toJSON?.();
  const list = Array.isArray(current) ? (current as string[]) : [];
  doc.set('components', [...list, ...components.filter((c) => !list.includes(c))]);
  writeFileSync(file, String(doc));
}

/** The objects the kustomization builds, ready for ownership and apply. */
export async function buildKustomization(
  tools: ToolSettings,
  scratch: string,
  s: KustomizeSource,
): Promise<Record<string, unknown>[]> {
  mkdirSync(scratch, { recursive: true });
  const root = mkdtempSync(join(scratch, 'kustomize-'));
  try {
    extractArchive(s.archive, root);
  } catch (e) {
    if (e instanceof ArchiveError) throw failed(s, `key ${JSON.stringify(s.archiveKey)}: ${e.message}`);
    throw e;
  }
  const dir = resolve(root, s.path);
  if (dir !== root && !dir.startsWith(root + sep))
    throw failed(s, `path ${JSON.stringify(s.path)} leaves the archive`);
  if (!existsSync(dir)) throw failed(s, `path ${JSON.stringify(s.path)} does not exist in the archive`);
  addComponents(dir, s.components, s);
  let output: string;
  try {
    output = await runTool(tools.kustomizeBinary, ['build', dir], {
      env: { PATH: process.env.PATH, HOME: root },
      cwd: root,
      timeoutMs: tools.commandTimeoutMs,
      what: 'kustomize build',
    });
  } catch (e) {
    if (e instanceof HelmCommandError) throw failed(s, `kustomize build: ${e.message}`);
    throw e;
  }
  const templated = Object.keys(s.values).length > 0;
  const data = fromJS(s.values) as Value;
  const objects: Record<string, unknown>[] = [];
  for (const [i, text] of output.split(/^---[ \t]*$/m).entries()) {
    if (!text.trim()) continue;
    const where = `document ${i + 1} of the build output`;
    let rendered = text;
    if (templated) {
      try {
        rendered = outputCache.get(text, `${s.name}-kustomize-${i}`).execute(data);
      } catch (e) {
        if (e instanceof TemplateError) throw failed(s, `${where}: ${e.message}`);
        throw e;
      }
    }
    let v: unknown;
    try {
      v = parse(rendered, { maxAliasCount: 100 });
    } catch (e) {
      throw failed(s, `${where} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
    }
    if (v === null || v === undefined) continue;
    const o = v as {
      apiVersion?: unknown;
      kind?: unknown;
      metadata?: { name?: unknown; namespace?: unknown };
    };
    if (
      typeof o.apiVersion !== 'string' ||
      typeof o.kind !== 'string' ||
      typeof o.metadata?.name !== 'string'
    )
      throw failed(s, `${where} needs apiVersion, kind and metadata.name: ${stringify(v).slice(0, 200)}`);
    if (s.targetNamespace) o.metadata.namespace = s.targetNamespace;
    objects.push(o as Record<string, unknown>);
  }
  return objects;
}

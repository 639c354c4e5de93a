// The seeds are the upstream docs pages the product was asked from (shared/seeds). Tests across packages
// use their YAML as written, so the loader lives with the test bed.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** The seeds live in shared/ beside the repository (where CI puts them); SVELTOS_SEEDS_DIR overrides. */
export const SEEDS_DIR =
  process.env.SVELTOS_SEEDS_DIR ?? fileURLToPath(new URL('../../../../shared/seeds/', import.meta.url));

export function seedText(prefix: string): string {
  assert.ok(existsSync(SEEDS_DIR), `seeds not found in ${SEEDS_DIR} (set SVELTOS_SEEDS_DIR)`);
  const name = [
    '000_ed3165806a4a178b',
    '001_49610e1d82504e1a',
    '002_3472e3eb298215d2',
    '003_ffeeaee71e124e76',
    '004_811683b340199e48',
  ].find((n) => n.startsWith(prefix));
  assert.ok(name, prefix);
  return readFileSync(`${SEEDS_DIR}/${name}.txt`, 'utf8');
}

/** The yaml code blocks of a markdown page, dedented, without `cat > f <<EOF` / `EOF` wrappers. */
export function yamlBlocks(markdown: string): string[] {
  const lines = markdown.split('\n');
  const blocks: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\w*)/.exec(lines[i] ?? '');
    if (!open) continue;
    const indent = open[1]?.length ?? 0;
    const lang = open[2];
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i] ?? ''); i++)
      body.push((lines[i] ?? '').slice(indent));
    if (lang !== 'yaml') continue;
    if (/^cat > .* <<EOF$/.test(body[0] ?? '')) body.shift();
    if (body.at(-1)?.trim() === 'EOF') body.pop();
    blocks.push(body.join('\n'));
  }
  return blocks;
}

export type SeedObject = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
};

/** The documents of the yaml blocks. Blocks that are output samples with `...` elisions are skipped; a block
 * holding a v1beta1 Sveltos object must parse. */
export function seedDocuments(blocks: string[]): SeedObject[] {
  const out: SeedObject[] = [];
  for (const b of blocks) {
    const parsed = [...parseAllDocuments(b)];
    if (parsed.some((d) => d.errors.length > 0)) {
      assert.ok(
        !/apiVersion: \S*projectsveltos\.io\/v1beta1/.test(b),
        `YAML error in a v1beta1 block:\n${b}`,
      );
      continue;
    }
    for (const d of parsed) {
      const v: unknown = d.toJS();
      if (v && typeof v === 'object' && !Array.isArray(v)) out.push(v as SeedObject);
    }
  }
  return out;
}

/** Replaces `from` by `to` and fails if `from` does not occur: the corrections must keep applying. */
function fix(text: string, from: string | RegExp, to: string): string {
  assert.ok(
    typeof from === 'string' ? text.includes(from) : from.test(text),
    `correction no longer applies: ${from}`,
  );
  return typeof from === 'string' ? text.replaceAll(from, to) : text.replace(from, to);
}

/** Seed 003 with the corrections SPEC §10 lists: indentation under metadata/spec, v1beta1, object selectors,
 * and `instantiate` instead of `template` on the ConfigMap that uses `.Resource`. */
export function corrected003(block: string): string {
  let t = block;
  t = fix(t, /lib\.projectsveltos\.io\/v1alpha1/g, 'lib.projectsveltos.io/v1beta1');
  // Indent everything between `metadata:`/`spec:` of the Sveltos documents and the next document.
  const docs = t.split(/^---$/m).map((d) => {
    if (!/^kind: (EventSource|EventTrigger)$/m.test(d)) return d;
    const lines = d.split('\n');
    let inside = false;
    return lines
      .map((l) => {
        if (/^(metadata|spec):$/.test(l)) {
          inside = true;
          return l;
        }
        return inside && l !== '' ? `  ${l}` : l;
      })
      .join('\n');
  });
  t = docs.join('---');
  if (t.includes('sourceClusterSelector')) {
    t = fix(
      t,
      '  sourceClusterSelector: env=production',
      '  sourceClusterSelector:\n    matchLabels:\n      env: production',
    );
    t = fix(
      t,
      '  destinationClusterSelector: dep=eng',
      '  destinationClusterSelector:\n    matchLabels:\n      dep: eng',
    );
    t = fix(t, 'projectsveltos.io/template: ok', 'projectsveltos.io/instantiate: ok');
  }
  return t;
}

/**
 * Seed 002's EventReport example as the management copy of it: the page's base64 `resources` (the Service
 * my-service), with the name, labels and spec an agent writes for it.
 */
export function seed002EventReport(): SeedObject & { spec: Record<string, unknown> } {
  const resources = /resources: (\S+)/.exec(seedText('002'))?.[1];
  assert.ok(resources, 'seed 002 shows an EventReport with resources');
  return {
    apiVersion: 'lib.projectsveltos.io/v1beta1',
    kind: 'EventReport',
    metadata: {
      name: 'capi--sveltos-service--sveltos-management-workload',
      namespace: 'default',
      labels: {
        'eventreport.projectsveltos.io/cluster-name': 'sveltos-management-workload',
        'eventreport.projectsveltos.io/cluster-type': 'capi',
        'projectsveltos.io/eventsource-name': 'sveltos-service',
      },
    },
    spec: {
      clusterName: 'sveltos-management-workload',
      clusterNamespace: 'default',
      clusterType: 'Capi',
      eventSourceName: 'sveltos-service',
      matchingResources: [{ apiVersion: 'v1', kind: 'Service', name: 'my-service', namespace: 'default' }],
      resources,
    },
  };
}

// spec.patches/patchesFrom on Helm releases: helm's post-renderer runs kustomize over the rendered manifests
// with the profile's patches (as upstream, which patches charts after rendering). The post-renderer is
// Node itself running a tiny script written next to the kustomization (the image has no shell); it hands
// the manifests to `kustomize build`. A release installed with patches carries PATCHES_LABEL, the patches'
// hash, so a change of patches upgrades it. With drift detection it also labels the release's objects
// (helm/drift.ts) so the drift watch sees them.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kustomization, type PlannedPatch, patchesHash } from '../patches.ts';
import type { HelmCli } from './cli.ts';

/** Release label: hash of the patches the release was rendered with. */
export const PATCHES_LABEL = 'addon-controller.projectsveltos.io/patches-hash';

const SCRIPT = `import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const [kustomize, dir] = process.argv.slice(2);
writeFileSync(join(dir, 'manifests.yaml'), readFileSync(0));
const r = spawnSync(kustomize, ['build', dir], { maxBuffer: 512 * 1024 * 1024 });
if (r.error) {
  process.stderr.write('kustomize: ' + r.error.message + '\\n');
  process.exit(1);
}
process.stderr.write(r.stderr);
process.stdout.write(r.stdout);
process.exitCode = r.status ?? 1;
`;

/** The helm flags and release labels that apply `patches` to a release and, for drift detection, put
 * `labels` on its objects (none when there is neither). `key` names the release (one directory each). */
export function postRenderer(
  helm: HelmCli,
  key: string,
  patches: readonly PlannedPatch[],
  labels?: Record<string, string>,
): { flags: string[]; labels: Record<string, string> } | undefined {
  if (patches.length === 0 && labels === undefined) return undefined;
  const dir = join(helm.scratch(), `post-render-${key.replace(/[^a-z0-9.-]/g, '_')}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const script = join(dir, 'post-render.mjs');
  writeFileSync(script, SCRIPT, { mode: 0o600 });
  writeFileSync(join(dir, 'kustomization.yaml'), kustomization(['manifests.yaml'], patches, labels));
  return {
    flags: [
      '--post-renderer',
      process.execPath,
      '--post-renderer-args',
      script,
      '--post-renderer-args',
      helm.tools.kustomizeBinary,
      '--post-renderer-args',
      dir,
    ],
    labels: {
      [PATCHES_LABEL]: patchesHash(labels ? [...patches, { patch: JSON.stringify(labels) }] : patches),
    },
  };
}

import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Per-user cache outside the repository (never in git); shared with scripts/bootstrap.sh. */
export function cacheRoot(): string {
  return process.env.SVELTOS_TS_CACHE ?? join(homedir(), '.cache', 'sveltos-ts');
}

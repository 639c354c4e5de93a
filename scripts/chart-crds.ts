// Keeps charts/sveltos/files/crds/ identical to the generated CRDs of packages/api/crds/, minus the Cluster API
// CRD (a test fixture: Cluster API ships its own). The chart renders them as templates (templates/crds.yaml).
//   node scripts/chart-crds.ts           copy (and remove stale copies)
//   node scripts/chart-crds.ts --check   write nothing; exit 1 and name the files that differ
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SOURCE_DIR = fileURLToPath(new URL('../packages/api/crds/', import.meta.url));
export const CHART_CRD_DIR = fileURLToPath(new URL('../charts/sveltos/files/crds/', import.meta.url));

/** Whether a generated CRD file belongs in the chart: Sveltos' own groups only. */
export function shipped(file: string): boolean {
  return /^[a-z.]+\.projectsveltos\.io_[a-z]+\.yaml$/.test(file);
}

const yamlFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();

/** The files of the chart's copy that are missing, stale or different from the source (empty: in sync). */
export function chartCrdDifferences(): string[] {
  const expected = yamlFiles(SOURCE_DIR).filter(shipped);
  const present = yamlFiles(CHART_CRD_DIR);
  const out: string[] = [];
  for (const f of present) if (!expected.includes(f)) out.push(`stale: ${f}`);
  for (const f of expected) {
    if (!present.includes(f)) out.push(`missing: ${f}`);
    else if (readFileSync(join(SOURCE_DIR, f), 'utf8') !== readFileSync(join(CHART_CRD_DIR, f), 'utf8'))
      out.push(`out of date: ${f}`);
  }
  return out;
}

function main(): void {
  if (process.argv.includes('--check')) {
    const differences = chartCrdDifferences();
    for (const d of differences) console.error(d);
    if (differences.length > 0) {
      console.error('run: node scripts/chart-crds.ts');
      process.exit(1);
    }
    return;
  }
  console.log(`${syncChartCrds()} CRDs in ${CHART_CRD_DIR}`);
}

/** Makes the chart's copies equal to the generated CRDs; returns how many it holds. */
export function syncChartCrds(): number {
  const expected = yamlFiles(SOURCE_DIR).filter(shipped);
  for (const f of yamlFiles(CHART_CRD_DIR)) if (!expected.includes(f)) rmSync(join(CHART_CRD_DIR, f));
  for (const f of expected) writeFileSync(join(CHART_CRD_DIR, f), readFileSync(join(SOURCE_DIR, f)));
  return expected.length;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();

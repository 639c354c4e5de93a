// Charts are fetched with `helm pull` into a cache under the tools' cache directory, one archive per
// (repository, chart, version). An exact version already cached is used without any network access; a
// version range is resolved by helm (the repository index, or the registry's tags) at most once a minute.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { AddonError } from '../../errors.ts';
import { type HelmCli, HelmCommandError } from './cli.ts';
import type { ChartSource, RegistryAccess } from './plan.ts';

const EXACT = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const RANGE_TTL_MS = 60_000;

/** Range resolutions: (repository, chart, range) → version, and when it was learnt. */
const resolved = new Map<string, { version: string; at: number }>();

export const isExactVersion = (v: string): boolean => EXACT.test(v);
export const normalVersion = (v: string): string => v.replace(/^v(?=\d)/, '');

export interface FetchedChart {
  file: string;
  version: string;
}

/** helm flags reaching a repository or registry with the chart's TLS settings and credentials. */
export function accessFlags(helm: HelmCli, access: RegistryAccess, oci: boolean): string[] {
  return [
    ...(access.caPem ? ['--ca-file', helm.file('ca.crt', access.caPem)] : []),
    ...(access.insecureSkipTLSVerify ? ['--insecure-skip-tls-verify'] : []),
    ...(access.plainHTTP && oci ? ['--plain-http'] : []),
    ...(access.username ? ['--username', access.username, '--password', access.password ?? ''] : []),
  ];
}

function cacheDir(helm: HelmCli, source: ChartSource): string {
  const id = createHash('sha256').update(`${source.repositoryURL}\0${source.ref}`).digest('hex').slice(0, 24);
  return join(helm.tools.cacheDir, 'charts', id);
}

/** The version a range resolves to right now, when it was resolved recently; undefined otherwise. */
export function cachedResolution(helm: HelmCli, source: ChartSource): string | undefined {
  if (isExactVersion(source.version)) return normalVersion(source.version);
  const hit = resolved.get(`${source.repositoryURL}\0${source.ref}\0${source.version}`);
  if (!hit || Date.now() - hit.at > RANGE_TTL_MS) return undefined;
  return existsSync(join(cacheDir(helm, source), `${hit.version}.tgz`)) ? hit.version : undefined;
}

/** The chart archive for `source` (fetched when not cached) and the version it is. */
export async function fetchChart(helm: HelmCli, source: ChartSource, field: string): Promise<FetchedChart> {
  const dir = cacheDir(helm, source);
  const known = cachedResolution(helm, source);
  if (known !== undefined && existsSync(join(dir, `${known}.tgz`)))
    return { file: join(dir, `${known}.tgz`), version: known };
  const destination = join(helm.scratch(), `pull-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(destination, { recursive: true });
  const args = [
    'pull',
    source.ref,
    ...(source.oci ? [] : ['--repo', source.repositoryURL]),
    '--version',
    source.version,
    '--destination',
    destination,
    ...accessFlags(helm, source.access, source.oci),
  ];
  try {
    await helm.run(args, { kube: false, what: `helm pull ${source.chartName}` });
  } catch (error) {
    if (!(error instanceof HelmCommandError)) throw error;
    throw new AddonError(
      'CHART_UNAVAILABLE',
      `${field}: cannot fetch chart ${source.chartName} version ${source.version} from ${source.repositoryURL}: ${error.message}`,
      { cause: error },
    );
  }
  const file = readdirSync(destination).find((f) => f.endsWith('.tgz'));
  if (file === undefined)
    throw new AddonError(
      'CHART_UNAVAILABLE',
      `${field}: helm pull of ${source.chartName} produced no archive`,
    );
  const base = source.ref.split('/').at(-1) ?? source.ref;
  const version = file.startsWith(`${base}-`)
    ? file.slice(base.length + 1, -4)
    : normalVersion(source.version);
  mkdirSync(dir, { recursive: true });
  renameSync(join(destination, file), join(dir, `${version}.tgz`));
  if (!isExactVersion(source.version))
    resolved.set(`${source.repositoryURL}\0${source.ref}\0${source.version}`, { version, at: Date.now() });
  return { file: join(dir, `${version}.tgz`), version };
}

// helmCharts[].options and registryCredentialsConfig as typed settings: upstream's field names and defaults
// (createNamespace and replace on, maxHistory 2), checked strictly — a misspelt option is an error the
// user sees, not a silently ignored flag — and turned into helm CLI flags.

import { AddonError } from '../../errors.ts';

export interface HelmOptions {
  wait: boolean;
  waitForJobs: boolean;
  /** helm's --timeout, in ms (options.timeout, a Go duration); undefined: helm's default (5m). */
  timeoutMs: number | undefined;
  skipCRDs: boolean;
  disableHooks: boolean;
  disableOpenAPIValidation: boolean;
  atomic: boolean;
  dependencyUpdate: boolean;
  labels: Record<string, string>;
  description: string | undefined;
  install: { createNamespace: boolean; replace: boolean };
  upgrade: {
    force: boolean;
    resetValues: boolean;
    reuseValues: boolean;
    resetThenReuseValues: boolean;
    maxHistory: number;
    cleanupOnFail: boolean;
    subNotes: boolean;
    upgradeCRDs: boolean;
  };
  uninstall: { keepHistory: boolean; deletionPropagation: string | undefined };
}

type Raw = Record<string, unknown>;

const TOP = [
  'wait',
  'waitForJobs',
  'timeout',
  'skipCRDs',
  'disableHooks',
  'disableOpenAPIValidation',
  'atomic',
  'dependencyUpdate',
  'labels',
  'enableClientCache', // accepted, no effect: every helm run is a new process
  'description',
  'installOptions',
  'upgradeOptions',
  'uninstallOptions',
];
const INSTALL = ['createNamespace', 'replace'];
const UPGRADE = [
  'force',
  'resetValues',
  'reuseValues',
  'resetThenReuseValues',
  'recreate', // accepted, no effect (helm 3 has no --recreate-pods)
  'maxHistory',
  'cleanupOnFail',
  'subNotes',
  'upgradeCRDs',
];
const UNINSTALL = ['keepHistory', 'deletionPropagation', 'description'];

function object(v: unknown, field: string, known: readonly string[]): Raw {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw invalid(`${field} must be an object`);
  for (const k of Object.keys(v)) if (!known.includes(k)) throw invalid(`${field}: unknown field "${k}"`);
  return v as Raw;
}

const invalid = (message: string): AddonError => new AddonError('INVALID_HELM_CHART', message);

function flag(o: Raw, key: string, field: string, fallback = false): boolean {
  const v = o[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw invalid(`${field}.${key} must be true or false`);
  return v;
}

function text(o: Raw, key: string, field: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw invalid(`${field}.${key} must be a string`);
  return v;
}

const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** A Go duration (`5m0s`, `90s`, `1h30m`, `500ms`) in milliseconds. */
export function parseDuration(s: string): number | undefined {
  if (!/^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/.test(s)) return s === '0' ? 0 : undefined;
  let total = 0;
  for (const m of s.matchAll(/([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/g))
    total += Number(m[1]) * UNITS[m[2]!]!;
  return total;
}

export function parseHelmOptions(raw: unknown, field: string): HelmOptions {
  const o = object(raw, field, TOP);
  const i = object(o.installOptions, `${field}.installOptions`, INSTALL);
  const u = object(o.upgradeOptions, `${field}.upgradeOptions`, UPGRADE);
  const d = object(o.uninstallOptions, `${field}.uninstallOptions`, UNINSTALL);
  const timeout = text(o, 'timeout', field);
  const timeoutMs = timeout === undefined ? undefined : parseDuration(timeout);
  if (timeout !== undefined && timeoutMs === undefined)
    throw invalid(`${field}.timeout: "${timeout}" is not a duration (e.g. 5m0s)`);
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(object(o.labels, `${field}.labels`, Object.keys(o.labels ?? {})))) {
    if (typeof v !== 'string') throw invalid(`${field}.labels.${k} must be a string`);
    labels[k] = v;
  }
  const maxHistory = u.maxHistory ?? 2;
  if (typeof maxHistory !== 'number' || !Number.isInteger(maxHistory) || maxHistory < 0)
    throw invalid(`${field}.upgradeOptions.maxHistory must be a non-negative integer`);
  const propagation = text(d, 'deletionPropagation', `${field}.uninstallOptions`);
  if (propagation !== undefined && !['orphan', 'foreground', 'background'].includes(propagation))
    throw invalid(`${field}.uninstallOptions.deletionPropagation must be orphan, foreground or background`);
  return {
    wait: flag(o, 'wait', field),
    waitForJobs: flag(o, 'waitForJobs', field),
    timeoutMs,
    skipCRDs: flag(o, 'skipCRDs', field),
    disableHooks: flag(o, 'disableHooks', field),
    disableOpenAPIValidation: flag(o, 'disableOpenAPIValidation', field),
    atomic: flag(o, 'atomic', field),
    dependencyUpdate: flag(o, 'dependencyUpdate', field),
    labels,
    description: text(o, 'description', field),
    install: {
      createNamespace: flag(i, 'createNamespace', `${field}.installOptions`, true),
      replace: flag(i, 'replace', `${field}.installOptions`, true),
    },
    upgrade: {
      force: flag(u, 'force', `${field}.upgradeOptions`),
      resetValues: flag(u, 'resetValues', `${field}.upgradeOptions`),
      reuseValues: flag(u, 'reuseValues', `${field}.upgradeOptions`),
      resetThenReuseValues: flag(u, 'resetThenReuseValues', `${field}.upgradeOptions`),
      maxHistory,
      cleanupOnFail: flag(u, 'cleanupOnFail', `${field}.upgradeOptions`),
      subNotes: flag(u, 'subNotes', `${field}.upgradeOptions`),
      upgradeCRDs: flag(u, 'upgradeCRDs', `${field}.upgradeOptions`),
    },
    uninstall: {
      keepHistory: flag(d, 'keepHistory', `${field}.uninstallOptions`),
      deletionPropagation: propagation,
    },
  };
}

const seconds = (ms: number): string => `${Math.max(1, Math.ceil(ms / 1000))}s`;

function labelFlag(labels: Record<string, string>): string[] {
  const entries = Object.entries(labels);
  return entries.length ? ['--labels', entries.map(([k, v]) => `${k}=${v}`).join(',')] : [];
}

/** Flags shared by install and upgrade. */
function common(o: HelmOptions): string[] {
  return [
    ...(o.wait ? ['--wait'] : []),
    ...(o.waitForJobs ? ['--wait-for-jobs'] : []),
    ...(o.timeoutMs !== undefined ? ['--timeout', seconds(o.timeoutMs)] : []),
    ...(o.skipCRDs ? ['--skip-crds'] : []),
    ...(o.disableHooks ? ['--no-hooks'] : []),
    ...(o.disableOpenAPIValidation ? ['--disable-openapi-validation'] : []),
    ...(o.atomic ? ['--atomic'] : []),
    ...(o.dependencyUpdate ? ['--dependency-update'] : []),
    ...(o.description ? ['--description', o.description] : []),
  ];
}

export function installFlags(o: HelmOptions, labels: Record<string, string>): string[] {
  return [
    ...common(o),
    ...(o.install.createNamespace ? ['--create-namespace'] : []),
    ...(o.install.replace ? ['--replace'] : []),
    ...labelFlag({ ...o.labels, ...labels }),
  ];
}

export function upgradeFlags(o: HelmOptions, labels: Record<string, string>): string[] {
  const u = o.upgrade;
  return [
    ...common(o),
    ...(u.force ? ['--force'] : []),
    ...(u.resetValues ? ['--reset-values'] : []),
    ...(u.reuseValues ? ['--reuse-values'] : []),
    ...(u.resetThenReuseValues ? ['--reset-then-reuse-values'] : []),
    '--history-max',
    String(u.maxHistory),
    ...(u.cleanupOnFail ? ['--cleanup-on-fail'] : []),
    ...(u.subNotes ? ['--render-subchart-notes'] : []),
    ...labelFlag({ ...o.labels, ...labels }),
  ];
}

export function uninstallFlags(o: HelmOptions): string[] {
  return [
    ...(o.uninstall.keepHistory ? ['--keep-history'] : []),
    ...(o.uninstall.deletionPropagation ? ['--cascade', o.uninstall.deletionPropagation] : []),
    ...(o.wait ? ['--wait'] : []),
    ...(o.timeoutMs !== undefined ? ['--timeout', seconds(o.timeoutMs)] : []),
    ...(o.disableHooks ? ['--no-hooks'] : []),
  ];
}

/** How long a helm run with these options may take before it is killed: its own timeout plus a margin. */
export function commandDeadline(o: HelmOptions, fallbackMs: number): number {
  // helm's own --timeout bounds waits and hooks; our bound leaves it a minute to report
  return Math.max(fallbackMs, (o.timeoutMs ?? 5 * 60_000) + 60_000);
}

// The files the browser loads: the pages' own modules and styles (packages/web/static) and the one UI library,
// Lit, served from its npm packages as they are (production builds, no bundler): an import map in
// index.html maps the bare specifiers to /vendor/<package>/. In the container image both sit beside the
// bundled server (/app/static, /app/static/vendor), copied there by copyStaticAssets().

import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';

/** The npm packages served to the browser (Lit and the packages its modules import). */
export const VENDORED = ['lit', 'lit-html', 'lit-element', '@lit/reactive-element'] as const;

export interface AssetRoots {
  /** index.html, app/*.js, style.css */
  static: string;
  /** package name → its directory */
  vendor: Record<string, string>;
}

function packageRoot(name: string, from: string): string {
  const entry = realpathSync(createRequire(from).resolve(name));
  let dir = dirname(entry);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === name
    )
      return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the package directory of ${name} (from ${entry})`);
    dir = parent;
  }
}

/** Where the files are: beside the bundle in the image, else in the sources and node_modules. */
export function assetRoots(): AssetRoots {
  const bundled = join(import.meta.dirname, 'static');
  if (existsSync(join(bundled, 'index.html'))) {
    return {
      static: bundled,
      vendor: Object.fromEntries(VENDORED.map((name) => [name, join(bundled, 'vendor', name)])),
    };
  }
  const vendor: Record<string, string> = {};
  const lit = packageRoot('lit', import.meta.filename);
  vendor.lit = lit;
  // lit's own dependencies resolve from lit (pnpm keeps them beside it, not beside us)
  for (const name of VENDORED.slice(1)) vendor[name] = packageRoot(name, join(lit, 'package.json'));
  return { static: resolve(import.meta.dirname, '..', 'static'), vendor };
}

export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** Vendored files the browser may load: the production modules, not the development builds or typings. */
function servableVendorFile(path: string): boolean {
  return (
    path.endsWith('.js') &&
    !path.split('/').includes('development') &&
    !path.split('/').includes('node') &&
    !path.includes('..')
  );
}

/**
 * The file for a URL path, or undefined: `/` and `/index.html`, `/app/...` and `/style.css` from the static
 * root, `/vendor/<package>/<file>.js` from a vendored package. Never outside those directories.
 */
export function resolveAsset(roots: AssetRoots, urlPath: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (path.includes('\0') || path.includes('\\')) return undefined;
  if (path === '/' || path === '') path = '/index.html';
  let root: string;
  let rest: string;
  if (path.startsWith('/vendor/')) {
    const after = path.slice('/vendor/'.length);
    const name = VENDORED.find((n) => after.startsWith(`${n}/`));
    if (!name || !servableVendorFile(after.slice(name.length + 1))) return undefined;
    root = roots.vendor[name]!;
    rest = after.slice(name.length + 1);
  } else {
    root = roots.static;
    rest = path.slice(1);
    if (rest.startsWith('vendor/')) return undefined;
  }
  if (!CONTENT_TYPES[extname(rest)]) return undefined;
  const file = resolve(root, rest);
  if (file !== root && !file.startsWith(root + sep)) return undefined;
  try {
    return statSync(file).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

/** The CSP source of index.html's inline import map (the only inline script), computed from the file. */
export function importMapHash(indexHtml: string): string | undefined {
  const match = /<script type="importmap">([\s\S]*?)<\/script>/.exec(indexHtml);
  if (!match) return undefined;
  return `'sha256-${createHash('sha256').update(match[1]!).digest('base64')}'`;
}

function copyTree(from: string, to: string, keep: (relativePath: string) => boolean): void {
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const source = join(dir, entry.name);
      const rel = relative(from, source).split(sep).join('/');
      if (entry.isDirectory()) walk(source);
      else if (entry.isFile() && keep(rel)) {
        const target = join(to, rel);
        mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
        copyFileSync(source, target);
        chmodSync(target, 0o644);
      }
    }
  };
  walk(from);
}

/** Copies what the browser loads into `outDir` (the image's /app/static), vendored packages with licences. */
export function copyStaticAssets(outDir: string): void {
  const roots = assetRoots();
  copyTree(roots.static, outDir, (rel) => CONTENT_TYPES[extname(rel)] !== undefined);
  for (const [name, dir] of Object.entries(roots.vendor)) {
    copyTree(
      dir,
      join(outDir, 'vendor', name),
      (rel) => servableVendorFile(rel) || /^(licen[cs]e|package\.json)/i.test(rel),
    );
  }
  const fix = (dir: string): void => {
    chmodSync(dir, 0o755);
    for (const entry of readdirSync(dir, { withFileTypes: true }))
      if (entry.isDirectory()) fix(join(dir, entry.name));
  };
  fix(outDir);
}

// Bundles a component's entry point into one ES module (`main.mjs`) with esbuild, for the container images
// (docs/design/images.md). Beside it go the files the code reads at run time through
// `new URL('<file>', import.meta.url)` (Lua's kernel.lua, wasmoon's glue.wasm), found by scanning every
// bundled module, and `THIRD-PARTY-LICENSES.txt` for the npm packages inside.
//
//   node scripts/images/bundle.ts --out <dir> [component...]     (default: every component)
//
// writes <dir>/<component>/{main.mjs, assets..., THIRD-PARTY-LICENSES.txt} and prints one JSON line per
// component ({component, version, dir, bytes, assets}).
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { copyStaticAssets } from '../../packages/web/src/assets.ts';

const repoRoot = resolve(import.meta.dirname, '../..');

/** Component → entry point (relative to the repository root). */
export const COMPONENTS: Readonly<Record<string, string>> = {
  'event-manager': 'packages/event-manager/src/main.ts',
  'addon-controller': 'packages/addon-controller/src/main.ts',
  'sveltos-agent': 'packages/sveltos-agent/src/main.ts',
  sveltosctl: 'packages/sveltosctl/src/cli.ts',
  web: 'packages/web/src/main.ts',
};

// CommonJS modules inside an ES module bundle call require() on Node built-ins and read __filename /
// __dirname (wasmoon's emscripten glue locates glue.wasm with them): give them real ones, relative to the
// bundle.
const BANNER = [
  "import { createRequire as __bundleCreateRequire } from 'node:module';",
  "import { fileURLToPath as __bundleFileURLToPath } from 'node:url';",
  'const require = __bundleCreateRequire(import.meta.url);',
  'const __filename = __bundleFileURLToPath(import.meta.url);',
  "const __dirname = __bundleFileURLToPath(new URL('.', import.meta.url));",
].join('\n');

/** `new URL('<literal>', ...)`: the way our code and wasmoon name files beside the module. */
const URL_LITERAL = /new URL\(\s*(['"`])([^'"`$]+)\1\s*,/g;

interface BundleResult {
  component: string;
  version: string;
  dir: string;
  bytes: number;
  assets: string[];
}

/** Files referenced relative to a bundled module that exist beside it: they must sit beside main.mjs. */
function runtimeAssets(inputs: string[]): Map<string, string> {
  const assets = new Map<string, string>(); // basename → absolute source path
  for (const input of inputs) {
    const file = resolve(repoRoot, input);
    if (!existsSync(file) || !/\.(c|m)?(j|t)s$/.test(file)) continue;
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(URL_LITERAL)) {
      const name = match[2]!;
      if (name.startsWith('/') || name.includes(':') || name === '.' || name.endsWith('/')) continue;
      const candidate = resolve(dirname(file), name);
      // code is bundled, never copied (wasmoon's browser branch names its own index.js)
      if (/\.(c|m)?(j|t)s$/.test(candidate)) continue;
      if (!existsSync(candidate) || !statSync(candidate).isFile()) continue;
      const key = basename(candidate);
      const known = assets.get(key);
      if (known !== undefined && known !== candidate) {
        throw new Error(`two runtime assets named ${key}: ${known} and ${candidate}`);
      }
      if (name.includes('/') && name.replace(/^\.\//, '').includes('/')) {
        throw new Error(
          `${input} reads ${name} from a subdirectory; the bundler only places files beside it`,
        );
      }
      assets.set(key, candidate);
    }
  }
  return assets;
}

/** The npm packages whose code is in the bundle, with their licence texts. */
function thirdPartyLicenses(inputs: string[]): string {
  const packageDirs = new Set<string>();
  for (const input of inputs) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) packageDirs.add(resolve(repoRoot, match[1]!));
  }
  const sections: string[] = [];
  for (const dir of [...packageDirs].sort()) {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
      license?: string;
    };
    const licenceFiles = readdirSync(dir).filter((f) => /^(licen[cs]e|copying|notice)/i.test(f));
    const texts = licenceFiles.map((f) => readFileSync(join(dir, f), 'utf8').trim());
    sections.push(
      [`${manifest.name}@${manifest.version} (${manifest.license ?? 'see text'})`, ...texts].join('\n\n'),
    );
  }
  const rule = `\n\n${'-'.repeat(78)}\n\n`;
  return `Third-party npm packages bundled into main.mjs\n${rule}${sections.join(rule)}\n`;
}

export async function bundle(component: string, outRoot: string): Promise<BundleResult> {
  const entry = COMPONENTS[component];
  if (entry === undefined) {
    throw new Error(`unknown component ${component} (known: ${Object.keys(COMPONENTS).join(', ')})`);
  }
  const dir = join(outRoot, component);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, 'main.mjs');
  const result = await build({
    absWorkingDir: repoRoot,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    // readable stack traces in production logs beat the ~1.5 MB minification would save
    minify: false,
    legalComments: 'none', // the licences go, whole, into THIRD-PARTY-LICENSES.txt
    banner: { js: BANNER },
    metafile: true,
    logLevel: 'warning',
  });
  const inputs = Object.keys(result.metafile.inputs);
  const assets = runtimeAssets(inputs);
  for (const [name, source] of assets) copyFileSync(source, join(dir, name));
  writeFileSync(join(dir, 'THIRD-PARTY-LICENSES.txt'), thirdPartyLicenses(inputs));
  // the same modes whatever the checkout's umask, so the image layer is reproducible
  for (const name of readdirSync(dir)) chmodSync(join(dir, name), 0o644);
  // the web view serves its pages and the UI library from /app/static (packages/web/src/assets.ts)
  if (component === 'web') copyStaticAssets(join(dir, 'static'));
  const packageJson = join(repoRoot, dirname(dirname(entry)), 'package.json');
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
  return {
    component,
    version,
    dir: relative(process.cwd(), dir) || '.',
    bytes: statSync(outfile).size,
    assets: [...assets.keys()].sort(),
  };
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    options: { out: { type: 'string' } },
    allowPositionals: true,
  });
  if (!values.out) {
    console.error('usage: node scripts/images/bundle.ts --out <dir> [component...]');
    process.exit(2);
  }
  const components = positionals.length > 0 ? positionals : Object.keys(COMPONENTS);
  for (const component of components) {
    console.log(JSON.stringify(await bundle(component, resolve(values.out))));
  }
}

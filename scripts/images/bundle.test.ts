// Every component the images ship bundles (esbuild, runtime assets beside main.mjs), and the bundle runs:
// `--help` loads every module of the program, which is where a file read relative to a source file fails.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { bundle, COMPONENTS } from './bundle.ts';

const run = promisify(execFile);

describe('image bundles', () => {
  const out = mkdtempSync(join(tmpdir(), 'bundle-test-'));
  after(() => rmSync(out, { recursive: true, force: true }));

  for (const component of Object.keys(COMPONENTS)) {
    it(`${component} bundles and starts`, async () => {
      const result = await bundle(component, out);
      assert.equal(result.component, component);
      const { stdout } = await run(process.execPath, [join(out, component, 'main.mjs'), '--help'], {
        timeout: 60_000,
      });
      assert.match(stdout, /-h, --help/); // the help text: every module loaded
    });
  }

  it('sveltosctl reports its version from the bundle', async () => {
    await bundle('sveltosctl', out);
    const { stdout } = await run(process.execPath, [
      join(out, 'sveltosctl', 'main.mjs'),
      'version',
      '--client',
    ]);
    assert.match(stdout, /^Client Version: v\d+\.\d+\.\d+/m);
  });
});

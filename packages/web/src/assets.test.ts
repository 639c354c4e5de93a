import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { assetRoots, copyStaticAssets, importMapHash, resolveAsset } from './assets.ts';

describe('static assets', () => {
  const roots = assetRoots();

  it('serves the pages and the production modules of the vendored library', () => {
    assert.match(resolveAsset(roots, '/')!, /static\/index\.html$/);
    assert.match(resolveAsset(roots, '/app/main.js')!, /static\/app\/main\.js$/);
    assert.match(resolveAsset(roots, '/vendor/lit/index.js')!, /lit\/index\.js$/);
    assert.match(
      resolveAsset(roots, '/vendor/@lit/reactive-element/reactive-element.js')!,
      /reactive-element\.js$/,
    );
  });

  it('refuses paths outside the served directories, development builds and unknown types', () => {
    for (const path of [
      '/../package.json',
      '/%2e%2e/src/server.ts',
      '/app/../../src/server.ts',
      '/vendor/lit/../../package.json',
      '/vendor/lit/development/index.js',
      '/vendor/lit/package.json',
      '/vendor/left-pad/index.js',
      '/vendor/lit/index.d.ts',
      '/nothing-here.js',
      '/%E0%A4%A',
      '/app\\main.js',
    ]) {
      assert.equal(resolveAsset(roots, path), undefined, path);
    }
  });

  it("computes the CSP hash of index.html's import map from the file", () => {
    const html = readFileSync(resolveAsset(roots, '/index.html')!, 'utf8');
    const body = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)![1]!;
    // the map must parse: a broken map is a blank page
    assert.equal(typeof JSON.parse(body).imports.lit, 'string');
    assert.equal(importMapHash(html), `'sha256-${createHash('sha256').update(body).digest('base64')}'`);
    assert.equal(importMapHash('<html></html>'), undefined);
  });

  it('copies what the browser loads, with licences, for the container image', () => {
    const out = mkdtempSync(join(tmpdir(), 'web-assets-'));
    try {
      copyStaticAssets(out);
      assert.ok(statSync(join(out, 'index.html')).isFile());
      assert.ok(statSync(join(out, 'app', 'pages.js')).isFile());
      assert.ok(statSync(join(out, 'vendor', 'lit', 'index.js')).isFile());
      assert.ok(readdirSync(join(out, 'vendor', 'lit')).some((f) => /^licen[cs]e/i.test(f)));
      assert.equal(readdirSync(join(out, 'vendor', 'lit')).includes('development'), false);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments, visit } from 'yaml';
import { CRD_DIR, expectedCrdFiles } from '../scripts/generate-crds.ts';
import { crds, crdsYaml } from './index.ts';

const REGENERATE = 'packages/api/crds/ is out of date: run `node packages/api/scripts/generate-crds.ts`';

describe('committed CRD manifests', () => {
  const expected = expectedCrdFiles();

  it('there is exactly one file per CRD', () => {
    const present = existsSync(CRD_DIR)
      ? readdirSync(CRD_DIR)
          .filter((f) => f.endsWith('.yaml'))
          .sort()
      : [];
    assert.deepEqual(present, [...expected.keys()].sort(), REGENERATE);
  });

  for (const [file, text] of expected) {
    it(file, () => {
      const path = join(CRD_DIR, file);
      assert.ok(existsSync(path), `${file} is missing; ${REGENERATE}`);
      assert.ok(readFileSync(path, 'utf8') === text, `${file} differs from the source; ${REGENERATE}`);
    });
  }
});

describe('crdsYaml', () => {
  it('is a multi-document stream that parses back to the CRD objects', () => {
    const docs = parseAllDocuments(crdsYaml());
    assert.equal(docs.length, crds.length);
    docs.forEach((d, i) => {
      assert.deepEqual(d.errors, []);
      assert.deepEqual(d.toJS(), JSON.parse(JSON.stringify(crds[i])));
    });
  });

  it('uses no YAML aliases (kubectl and the API server need plain documents)', () => {
    let aliases = 0;
    for (const d of parseAllDocuments(crdsYaml())) {
      visit(d, {
        Alias() {
          aliases++;
        },
      });
    }
    assert.equal(aliases, 0);
  });
});

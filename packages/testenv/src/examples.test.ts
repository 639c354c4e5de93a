import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  asStored,
  EXAMPLES_DIR,
  ExampleError,
  exampleDocuments,
  exampleFiles,
  exampleNames,
  exampleObject,
  parseManifests,
  testdataDocuments,
} from './examples.ts';

describe('examples loader', () => {
  it('finds the example folders of the repository, each with a README and YAML', () => {
    const names = exampleNames();
    assert.ok(names.length >= 5, names.join(', '));
    for (const name of names) {
      assert.ok(existsSync(join(EXAMPLES_DIR, name, 'README.md')), `${name}/README.md`);
      assert.ok(exampleFiles(name).length > 0, `${name} has YAML`);
      for (const o of exampleDocuments(name)) assert.ok(o.metadata.name, `${name}: ${o.kind} has a name`);
    }
  });

  it('testdata is not part of an example', () => {
    const example = exampleDocuments('network-policy-per-service');
    assert.ok(!example.some((o) => o.kind === 'EventReport'));
    assert.equal(testdataDocuments('network-policy-per-service', 'eventreport.yaml')[0]?.kind, 'EventReport');
  });

  it('picks one object by kind and name, as a fresh copy', () => {
    const a = exampleObject('network-policy-per-service', 'Service', 'orders');
    a.metadata.name = 'changed';
    assert.equal(exampleObject('network-policy-per-service', 'Service').metadata.name, 'orders');
    assert.throws(() => exampleObject('generated-settings', 'Namespace'), /2 Namespace objects/);
    assert.throws(() => exampleDocuments('no-such-example'), ExampleError);
  });

  it('invalid YAML is an error naming the source and the document', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\nkind: [unclosed\n';
    assert.throws(
      () => parseManifests(text, 'x.yaml'),
      /^ExampleError: x\.yaml: document 2 is not valid YAML/,
    );
    assert.throws(
      () => parseManifests('- a\n- b\n', 'list.yaml'),
      /list\.yaml: document 1 is not a Kubernetes object/,
    );
    assert.deepEqual(parseManifests('---\n# only a comment\n---\n', 'empty.yaml'), []);
  });

  it('asStored gives a Secret the form the API server keeps', () => {
    const stored = asStored({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      stringData: { a: 'x' },
      data: { b: 'eQ==' },
    });
    assert.deepEqual(stored, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      type: 'Opaque',
      data: { a: 'eA==', b: 'eQ==' },
    });
  });
});

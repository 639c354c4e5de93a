// The CLI run as a subprocess on the fixtures in testdata/: stdout, stderr and exit codes.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const TESTDATA = fileURLToPath(new URL('../testdata/', import.meta.url));

/** The CLI without a kubeconfig in reach (KUBECONFIG unset, HOME elsewhere) unless `env` gives one. */
function run(
  args: string[],
  env: Record<string, string> = {},
): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: TESTDATA,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, KUBECONFIG: undefined, HOME: '/nonexistent', ...env },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const sveltosctl = (...args: string[]) => run(args);

describe('sveltosctl eventsource test: harness directories', () => {
  test('one passing directory exits 0', () => {
    const r = sveltosctl('eventsource', 'test', 'harness/https');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^PASS \. \(EventSource "https-service"\)$/m);
    assert.match(r.stdout, /ok {4}matching\.yaml: v1\/Service default\/web matches \(lua\): web exposes 443/);
    assert.match(r.stdout, /ok {4}non-matching\.yaml: v1\/Service default\/plain does not match \(lua\)/);
    assert.match(r.stdout, /^1 passed, 0 failed$/m);
  });
  test('a directory of directories: Lua, labels, CEL + label filters + selector, aggregatedSelection', () => {
    const r = sveltosctl('eventsource', 'test', 'harness');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const name of ['aggregated', 'cel', 'https', 'labels'])
      assert.match(r.stdout, new RegExp(`^PASS ${name} `, 'm'));
    assert.match(r.stdout, /matches \(cel rule "more-than-two"\)/);
    assert.match(r.stdout, /apps\/no-team does not match \(labels\)/);
    assert.match(
      r.stdout,
      /aggregatedSelection selected: autoscaling\/v2\/HorizontalPodAutoscaler ns1\/orphan \(1 orphan\(s\)\)/,
    );
    assert.match(r.stdout, /^4 passed, 0 failed$/m);
  });
  test('a failed expectation exits 1 and says which object and why', () => {
    const r = sveltosctl('eventsource', 'test', 'failing');
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^FAIL wrong-expectation /m);
    assert.match(
      r.stdout,
      /failure: matching\.yaml: v1\/Service default\/plain should match but does not \(decided by lua in resourceSelectors\[0\]\)/,
    );
  });
  test('a CEL rule that does not parse fails the case and is shown', () => {
    const r = sveltosctl('eventsource', 'test', 'failing/cel-parse');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^FAIL \. \(EventSource "cel-parse"\)$/m);
    assert.match(
      r.stdout,
      /error: EventSource "cel-parse" resourceSelectors\[0\]\.evaluateCEL\[1\] \(broken\): .+ \[CEL_PARSE\]/,
    );
  });
  test('aggregatedSelection must return exactly the objects matching.yaml lists, each one reportable', () => {
    const invented = sveltosctl('eventsource', 'test', 'failing/aggregated-invented');
    assert.equal(invented.code, 1, invented.stdout + invented.stderr);
    assert.match(
      invented.stdout,
      /failure: aggregatedSelection: the result holds v1\/Service default\/invented, which matching\.yaml does not list/,
    );
    const noName = sveltosctl('eventsource', 'test', 'failing/aggregated-no-name');
    assert.equal(noName.code, 1, noName.stdout + noName.stderr);
    assert.match(noName.stdout, /failure: aggregatedSelection: .*resources\[1\] has no metadata\.name/);
  });
  test('--output json', () => {
    const r = sveltosctl('eventsource', 'test', 'harness/cel', '--output', 'json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      cases: { ok: boolean; objects: { matched: boolean; expected: boolean }[] }[];
      summary: unknown;
    };
    assert.deepEqual(out.summary, { passed: 1, failed: 0 });
    assert.deepEqual(
      out.cases[0]!.objects.map((o) => [o.expected, o.matched]),
      [
        [true, true],
        [false, false],
        [false, false],
        [false, false],
      ],
    );
  });
});

describe('sveltosctl eventsource test: ad-hoc files', () => {
  test('prints which objects match and the report references', () => {
    const r = sveltosctl(
      'eventsource',
      'test',
      '--eventsource',
      'adhoc/eventsource.yaml',
      '--resources',
      'adhoc/resources.yaml',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /MATCH adhoc\/resources\.yaml: v1\/Service default\/web matches \(lua\): web exposes 443/,
    );
    assert.match(r.stdout, /no {4}adhoc\/resources\.yaml: v1\/Service default\/plain does not match/);
    assert.match(
      r.stdout,
      /matchingResources \(2\):\n {2}v1\/Service default\/admin\n {2}v1\/Service default\/web/,
    );
  });
  test('a script failing at run time exits 1 with the error', () => {
    const r = sveltosctl(
      'eventsource',
      'test',
      '--eventsource',
      'adhoc/failing-eventsource.yaml',
      '--resources',
      'adhoc/resources.yaml',
      '-o',
      'json',
    );
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout) as {
      evaluation: { ok: boolean; errors: { code: string; fatal: boolean }[] };
    };
    assert.equal(out.evaluation.ok, false);
    assert.ok(out.evaluation.errors.every((e) => e.code === 'LUA_RUNTIME' && e.fatal));
  });
});

describe('sveltosctl eventsource test: bad input exits 2', () => {
  const cases: [string, string[], RegExp][] = [
    [
      'missing file',
      ['--eventsource', 'adhoc/nope.yaml', '--resources', 'adhoc/resources.yaml'],
      /adhoc\/nope\.yaml: no such file/,
    ],
    ['missing directory', ['nowhere'], /nowhere: no such directory/],
    [
      'directory without eventsource.yaml',
      ['bad/missing-eventsource'],
      /no eventsource\.yaml in it or below it/,
    ],
    [
      'invalid YAML',
      ['--eventsource', 'bad/invalid-yaml.txt', '--resources', 'adhoc/resources.yaml'],
      /invalid-yaml\.txt:5: invalid YAML/,
    ],
    [
      'Lua syntax error',
      ['bad/lua-syntax'],
      /EventSource "lua-syntax" resourceSelectors\[0\]\.evaluate: Lua syntax error: script:3: unexpected symbol near 'return' \[LUA_SYNTAX\]/,
    ],
    [
      'unknown operation in labelFilters',
      ['bad/unknown-operation'],
      /spec\.resourceSelectors\[0\]\.labelFilters\[0\]\.operation: Unsupported value: "Contains": supported values: "Equal", "Different", "Has", "DoesNotHave" \[INVALID_EVENTSOURCE\]/,
    ],
    // what the API server would refuse, the CLI refuses (the CRD's schema, strict field validation)
    [
      'a misspelt field',
      ['bad/misspelt-field'],
      /unknown field "spec\.resourceSelector" \[INVALID_EVENTSOURCE\]/,
    ],
    [
      'a version that is not served',
      ['bad/wrong-apiversion'],
      /no kind "EventSource" is served in version "lib\.projectsveltos\.io\/v1alpha2"/,
    ],
    [
      'matchLabels given as a string',
      ['bad/string-matchlabels'],
      /spec\.resourceSelectors\[0\]\.selector\.matchLabels: Invalid value: "app=web": must be of type object/,
    ],
    ['a missing required field', ['bad/missing-kind'], /spec\.resourceSelectors\[0\]\.kind: Required value/],
    [
      'a fixture the API server would refuse',
      ['bad/invalid-fixture'],
      /matching\.yaml: document 0 \(Service web\) would be refused by the API server: unknown field "metadata\.annotation"; metadata\.labels: Invalid value: "bad key!"/,
    ],
    [
      'not an EventSource',
      ['--eventsource', 'adhoc/resources.yaml', '--resources', 'adhoc/resources.yaml'],
      /expected exactly one EventSource, found 3 documents/,
    ],
    ['no arguments', [], /give a harness directory or --eventsource FILE --resources FILE/],
    [
      '--eventsource without --resources',
      ['--eventsource', 'adhoc/eventsource.yaml'],
      /--eventsource and --resources go together/,
    ],
    ['unknown output format', ['harness', '-o', 'xml'], /argument 'xml' is invalid/],
  ];
  for (const [name, args, match] of cases) {
    test(name, () => {
      const r = sveltosctl('eventsource', 'test', ...args);
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, match);
    });
  }
  test('invalid YAML in a harness directory', () => {
    // the broken file is kept as .txt so the repository's YAML linting does not trip on it
    const dir = mkdtempSync(join(tmpdir(), 'sveltosctl-'));
    try {
      copyFileSync(join(TESTDATA, 'bad/invalid-yaml.txt'), join(dir, 'eventsource.yaml'));
      const r = sveltosctl('eventsource', 'test', dir);
      assert.equal(r.code, 2);
      assert.match(
        r.stderr,
        /eventsource\.yaml:5: invalid YAML: All mapping items must start at the same column/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test('input that is not valid UTF-8, too large, or an alias bomb', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sveltosctl-'));
    try {
      const es = (name: string) =>
        `apiVersion: lib.projectsveltos.io/v1beta1\nkind: EventSource\nmetadata:\n  name: ${name}\nspec:\n  resourceSelectors:\n    - {group: "", version: v1, kind: Service}\n`;
      writeFileSync(join(dir, 'es.yaml'), es('ok'));
      // a Latin-1 "é" in a label value
      writeFileSync(
        join(dir, 'latin1.yaml'),
        Buffer.concat([
          Buffer.from('apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels:\n    a: caf'),
          Buffer.from([0xe9]),
          Buffer.from('\n'),
        ]),
      );
      let r = sveltosctl(
        'eventsource',
        'test',
        '--eventsource',
        join(dir, 'es.yaml'),
        '--resources',
        join(dir, 'latin1.yaml'),
      );
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /latin1\.yaml:6: not valid UTF-8 \(byte \d+: 0xe9\)/);
      writeFileSync(
        join(dir, 'bomb.yaml'),
        `apiVersion: v1\nkind: Service\nmetadata: {name: web}\nx: &a [y, y, y, y, y, y, y, y, y, y]\n${'abcdefgh'
          .split('')
          .map(
            (c, i) =>
              `${c}${c}: &${c}${c} [${Array(10)
                .fill(i === 0 ? '*a' : `*${'abcdefgh'[i - 1]!.repeat(2)}`)
                .join(', ')}]`,
          )
          .join('\n')}\n`,
      );
      r = sveltosctl(
        'eventsource',
        'test',
        '--eventsource',
        join(dir, 'es.yaml'),
        '--resources',
        join(dir, 'bomb.yaml'),
      );
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /bomb\.yaml:\d+: invalid YAML: Excessive alias count/);
      writeFileSync(join(dir, 'huge.yaml'), Buffer.alloc(17 * 1024 * 1024, 0x20));
      r = sveltosctl(
        'eventsource',
        'test',
        '--eventsource',
        join(dir, 'huge.yaml'),
        '--resources',
        join(dir, 'es.yaml'),
      );
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /huge\.yaml: the file is 17825792 bytes, more than the 16777216 bytes accepted/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test('unknown command', () => {
    const r = sveltosctl('eventsource', 'frob');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command 'frob'/);
  });
  test('errors are JSON with --output json', () => {
    const r = sveltosctl('eventsource', 'test', 'bad/unknown-operation', '-o', 'json');
    assert.equal(r.code, 2);
    const out = JSON.parse(r.stdout) as { error: { code: string; message: string } };
    assert.equal(out.error.code, 'INVALID_EVENTSOURCE');
    assert.match(out.error.message, /Unsupported value: "Contains"/);
  });
  test('--help exits 0', () => {
    const r = sveltosctl('eventsource', 'test', '--help');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--eventsource <file>/);
  });
});

describe('sveltosctl cluster commands: bad input exits 2 before touching a cluster', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sveltosctl-input-'));
  const garbage = join(dir, 'garbage.yaml');
  writeFileSync(garbage, 'apiVersion: v1\nkind: Config\nclusters: [\n');
  const noServer = join(dir, 'no-server.yaml');
  writeFileSync(noServer, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
  after(() => rmSync(dir, { recursive: true, force: true }));
  const register = ['register', 'cluster', '--namespace', 'ns', '--cluster', 'c'];
  const cases: [string, string[], RegExp][] = [
    [
      'register without --namespace',
      ['register', 'cluster', '--cluster', 'c', '--kubeconfig', garbage],
      /required option '--namespace <namespace>' not specified/,
    ],
    [
      'register without --cluster',
      ['register', 'cluster', '--namespace', 'ns', '--kubeconfig', garbage],
      /required option '--cluster <name>' not specified/,
    ],
    ['register without --kubeconfig', register, /required option '--kubeconfig <file>' not specified/],
    [
      'register agent without --cluster',
      ['register', 'agent', '--namespace', 'ns'],
      /required option '--cluster <name>' not specified/,
    ],
    [
      'deregister without --namespace',
      ['deregister', 'cluster', '--cluster', 'c'],
      /required option '--namespace <namespace>' not specified/,
    ],
    [
      'a missing kubeconfig file',
      [...register, '--kubeconfig', join(dir, 'nope')],
      /kubeconfig of the cluster to register \(--kubeconfig\) \S+nope: no such file/,
    ],
    ['a directory as kubeconfig', [...register, '--kubeconfig', dir], /: not a file/],
    [
      'a kubeconfig that is not YAML',
      [...register, '--kubeconfig', garbage],
      /garbage\.yaml: not a kubeconfig: /,
    ],
    [
      'a kubeconfig without clusters',
      [...register, '--kubeconfig', noServer],
      /no-server\.yaml: not a kubeconfig \(no clusters\)/,
    ],
    [
      'bad labels',
      [...register, '--kubeconfig', garbage, '--labels', 'env=prod,-bad=x'],
      /--labels: "-bad" is not a valid label key/,
    ],
    [
      'a label without =',
      [...register, '--kubeconfig', garbage, '--labels', 'env'],
      /--labels: "env" is not key=value/,
    ],
    [
      'an unreadable management kubeconfig',
      ['show', 'addons', '--kubeconfig', garbage],
      /invalid kubeconfig of the management cluster: /,
    ],
    [
      'no management kubeconfig at all',
      ['deregister', 'cluster', '--namespace', 'n', '--cluster', 'c'],
      /no kubeconfig of the management cluster: pass --kubeconfig <file>, set KUBECONFIG or create ~\/\.kube\/config/,
    ],
    ['KUBECONFIG naming no file', ['show', 'addons'], /KUBECONFIG names no existing file/],
    [
      'unknown output format of show addons',
      ['show', 'addons', '-o', 'xml'],
      /argument 'xml' is invalid\. Allowed choices are table, json, yaml/,
    ],
    [
      'unknown output format of register agent',
      ['register', 'agent', '--namespace', 'n', '--cluster', 'c', '-o', 'table'],
      /argument 'table' is invalid\. Allowed choices are yaml, json/,
    ],
    [
      '--helm-charts with --resources',
      ['show', 'addons', '--helm-charts', '--resources'],
      /'--helm-charts' cannot be used with option '--resources'/,
    ],
    [
      'a token shorter than 10 minutes',
      ['generate', 'kubeconfig', '--expirationSeconds', '60'],
      /argument '60' is invalid\. tokens live at least 600 seconds/,
    ],
    [
      'a token lifetime that is not a number',
      ['register', 'agent', '--namespace', 'n', '--cluster', 'c', '--expiration-seconds', '1h'],
      /argument '1h' is invalid\. expected a whole number of seconds/,
    ],
    [
      'an unknown cluster type',
      ['register', 'agent', '--namespace', 'n', '--cluster', 'c', '--cluster-type', 'Kind'],
      /argument 'Kind' is invalid\. Allowed choices are Capi, Sveltos/,
    ],
  ];
  for (const [name, args, match] of cases) {
    test(name, () => {
      const env: Record<string, string> =
        name === 'KUBECONFIG naming no file' ? { KUBECONFIG: join(dir, 'absent') } : {};
      const r = run(args, env);
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, match);
    });
  }
});

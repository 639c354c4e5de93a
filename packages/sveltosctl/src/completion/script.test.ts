// The completion script as bash runs it: the real `sveltosctl completion bash` output sourced in bash, then
// the completion function called the way bash calls it on <TAB>.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { sveltosctl } from '../testing.ts';

const script = (await sveltosctl(['completion', 'bash'])).stdout;

/** What bash offers for the words typed so far (the last one being completed). */
function complete(...words: string[]): string[] {
  const line = ['sveltosctl', ...words];
  const program = `${script}
COMP_WORDS=(${line.map((w) => `'${w}'`).join(' ')})
COMP_CWORD=${line.length - 1}
_sveltosctl_complete
printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['-c', program], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
}

describe('sveltosctl completion', () => {
  it('bash: commands, subcommands, flags and flag values', () => {
    assert.ok(complete('').includes('simulate'));
    assert.deepEqual(complete('sh'), ['show']);
    assert.deepEqual(complete('show', ''), [
      '--help',
      'addons',
      'dryrun',
      'events',
      'resources',
      'triggers',
      'usage',
    ]);
    assert.deepEqual(complete('show', 'addons', '--ver'), ['--verbose']);
    assert.deepEqual(complete('show', 'events', '--namespace', 'prod', '-o', ''), ['json', 'table', 'yaml']);
    assert.deepEqual(complete('log-level', 's'), ['set', 'show']);
    assert.deepEqual(complete('simulate', '-o', 'y'), ['yaml']);
  });

  it('zsh: the same function loaded through bashcompinit (zsh itself is not on this machine)', async () => {
    const zsh = await sveltosctl(['completion', 'zsh']);
    assert.equal(zsh.code, 0);
    assert.match(zsh.stdout, /^#compdef sveltosctl\n/);
    assert.ok(zsh.stdout.includes('bashcompinit'));
    assert.ok(zsh.stdout.endsWith(script), 'the bash completion follows');
  });

  it('an unknown shell is a usage error', async () => {
    const r = await sveltosctl(['completion', 'fish']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Allowed choices are bash, zsh/);
  });
});

// `sveltosctl eventsource ...` commands. Each command group lives in its own file and registers itself on
// the root program (see cli.ts).

import { LuaSandbox } from '@sveltos-ts/evaluation';
import { type Command, Option } from 'commander';
import { CliError, EXIT_FAILED, EXIT_OK } from '../errors.ts';
import {
  type CaseResult,
  describeRef,
  findCases,
  type ObjectResult,
  runAdhoc,
  runCase,
} from '../eventsource/harness.ts';
import type { Output } from '../output.ts';

interface TestOptions {
  eventsource?: string;
  resources?: string[];
  output: 'text' | 'json';
}

function objectLine(o: ObjectResult): string {
  const mark = o.error
    ? 'ERROR'
    : o.expected === undefined
      ? o.matched
        ? 'MATCH'
        : 'no'
      : o.expected === o.matched
        ? 'ok'
        : 'FAIL';
  const how = o.celRule !== undefined ? `cel rule "${o.celRule}"` : o.decidedBy;
  if (o.error) return `  ${mark.padEnd(5)} ${o.file}: ${describeRef(o.resource)}: ${o.error.message}`;
  let line = `  ${mark.padEnd(5)} ${o.file}: ${describeRef(o.resource)} ${o.matched ? 'matches' : 'does not match'} (${how})`;
  if (o.message) line += `: ${o.message}`;
  for (const w of o.warnings) line += `\n        warning: ${w}`;
  return line;
}

function printCase(out: Output, c: CaseResult): void {
  out.line(`${c.ok ? 'PASS' : 'FAIL'} ${c.path} (EventSource "${c.eventSource}")`);
  for (const e of c.errors) out.line(`  error: ${e}`);
  for (const o of c.objects) out.line(objectLine(o));
  if (c.aggregated) {
    const list = c.aggregated.resources.map(describeRef).join(', ') || 'nothing';
    out.line(
      `  aggregatedSelection selected: ${list}${c.aggregated.message ? ` (${c.aggregated.message})` : ''}`,
    );
  }
  for (const f of c.failures) out.line(`  failure: ${f}`);
}

async function testCommand(dirs: string[], opts: TestOptions, out: Output): Promise<number> {
  const adhoc = opts.eventsource !== undefined || opts.resources !== undefined;
  if (adhoc && dirs.length > 0)
    throw new CliError('USAGE', 'give either directories or --eventsource/--resources, not both');
  if (!adhoc && dirs.length === 0)
    throw new CliError('USAGE', 'give a harness directory or --eventsource FILE --resources FILE...');
  if (adhoc && (opts.eventsource === undefined || !opts.resources?.length)) {
    throw new CliError('USAGE', '--eventsource and --resources go together');
  }
  const sandbox = new LuaSandbox();
  try {
    if (adhoc) {
      const r = await runAdhoc(opts.eventsource!, opts.resources!, sandbox);
      // a rule that does not parse is a broken EventSource even though the agent counts it as false
      const ok = r.evaluation.ok && r.errors.length === 0;
      if (opts.output === 'json') out.json(r);
      else {
        out.line(`EventSource "${r.eventSource}"`);
        for (const e of r.errors) out.line(`error: ${e}`);
        for (const o of r.objects) out.line(objectLine(o));
        out.line(`matchingResources (${r.evaluation.matchingResources.length}):`);
        for (const m of r.evaluation.matchingResources) out.line(`  ${describeRef(m)}`);
        for (const m of r.evaluation.messages)
          if (m.source === 'aggregatedSelection') out.line(`aggregatedSelection message: ${m.message}`);
        for (const e of r.evaluation.errors) if (e.fatal && !e.resource) out.line(`error: ${e.message}`);
        if (!r.evaluation.ok)
          out.line('evaluation incomplete: a script failed (the agent would keep the last report)');
      }
      return ok ? EXIT_OK : EXIT_FAILED;
    }
    // every case directory is checked before any runs: bad input fails the whole command up front
    const cases = dirs.flatMap((d) => findCases(d).map((c) => ({ base: d, dir: c })));
    const results: CaseResult[] = [];
    for (const c of cases) results.push(await runCase(c.dir, sandbox, c.base));
    const passed = results.filter((r) => r.ok).length;
    if (opts.output === 'json')
      out.json({ cases: results, summary: { passed, failed: results.length - passed } });
    else {
      for (const r of results) printCase(out, r);
      out.line(`${passed} passed, ${results.length - passed} failed`);
    }
    return passed === results.length ? EXIT_OK : EXIT_FAILED;
  } finally {
    await sandbox.close();
  }
}

export function registerEventSourceCommands(
  program: Command,
  out: Output,
  setExit: (code: number) => void,
): void {
  const group = program.command('eventsource').description('work with EventSources offline');
  group
    .command('test')
    .description(
      'run an EventSource against local YAML: harness directories (eventsource.yaml, matching.yaml, non-matching.yaml; ' +
        'a directory of such directories works too) or --eventsource FILE --resources FILE...',
    )
    .argument('[dirs...]', 'harness directories')
    .option('--eventsource <file>', 'EventSource YAML (ad-hoc run)')
    .option('--resources <files...>', 'YAML files with the resources to evaluate (ad-hoc run)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (dirs: string[], opts: TestOptions) => {
      out.format = opts.output;
      setExit(await testCommand(dirs, opts, out));
    });
}

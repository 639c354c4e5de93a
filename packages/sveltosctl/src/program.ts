// The root program. A command group is one file under commands/ exporting register...Commands(program,
// out, setExit); add new groups (show, simulate, ...) here.

import { Command, CommanderError } from 'commander';
import { registerEventSourceCommands } from './commands/eventsource.ts';
import { registerShowAddonsCommand } from './commands/show-addons.ts';
import { CliError, EXIT_OK, EXIT_USAGE } from './errors.ts';
import { Output } from './output.ts';

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  const out = new Output();
  let exitCode = EXIT_OK;
  const program = new Command('sveltosctl')
    .description('Sveltos command line (TypeScript edition)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerEventSourceCommands(program, out, (code) => {
    exitCode = code;
  });
  registerShowAddonsCommand(program, out, (code) => {
    exitCode = code;
  });
  for (const c of program.commands) {
    c.exitOverride();
    for (const sub of c.commands) sub.exitOverride();
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here too, with exit code 0
      return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (e instanceof CliError) {
      out.error(e.code, e.message);
      return e.exitCode;
    }
    throw e;
  }
}

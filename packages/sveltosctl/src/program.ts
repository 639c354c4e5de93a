// The root program. A command group is one file under commands/ exporting register...Commands(program,
// out, setExit); add new groups here. Commands load Kubernetes code lazily (dynamic import in their
// actions), so `eventsource test` starts without it.

import { Command, CommanderError } from 'commander';
import { registerCompletionCommand } from './commands/completion.ts';
import { registerEventSourceCommands } from './commands/eventsource.ts';
import { registerGenerateCommands } from './commands/generate.ts';
import { registerLogLevelCommands } from './commands/log-level.ts';
import { everyCommand } from './commands/options.ts';
import { registerRegisterCommands } from './commands/register.ts';
import { registerShowCommands } from './commands/show.ts';
import { registerShowAddonsCommand } from './commands/show-addons.ts';
import { registerSimulateCommand } from './commands/simulate.ts';
import { registerVersionCommand } from './commands/version.ts';
import { CliError, EXIT_OK, EXIT_USAGE } from './errors.ts';
import { Output } from './output.ts';

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  const out = new Output();
  let exitCode = EXIT_OK;
  const setExit = (code: number) => {
    exitCode = code;
  };
  const program = new Command('sveltosctl')
    .description(
      'Sveltos command line (TypeScript edition). Exit codes: 0 ok, 1 a check or an API call failed ' +
        '(e.g. deregistering a cluster that is not registered), 2 bad usage or input.',
    )
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerEventSourceCommands(program, out, setExit);
  registerRegisterCommands(program, out, setExit);
  registerGenerateCommands(program, out, setExit);
  registerShowAddonsCommand(program, out, setExit);
  registerShowCommands(program, out, setExit);
  registerSimulateCommand(program, out, setExit);
  registerLogLevelCommands(program, out, setExit);
  registerVersionCommand(program, out, setExit);
  registerCompletionCommand(program, out, setExit);
  everyCommand(program, (c) => {
    c.exitOverride();
    c.showHelpAfterError('(add --help for usage)');
  });
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

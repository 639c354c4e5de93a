// @sveltos-ts/sveltosctl: the CLI. `run(argv)` is the whole program (bin: src/cli.ts).

export { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './errors.ts';
export { decideObject, findCases, runAdhoc, runCase } from './eventsource/harness.ts';
export { run } from './program.ts';

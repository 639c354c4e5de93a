// @sveltos-ts/sveltosctl: the CLI. `run(argv)` is the whole program (bin: src/cli.ts). The `show addons`
// rows are exported for the end-to-end tests and the demo.

export {
  ADDON_HEADERS,
  type AddonFilters,
  type AddonRow,
  addonRows,
  addonsTable,
  goTimeString,
  listAddons,
  renderTable,
} from './addons/table.ts';
export { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './errors.ts';
export { findCases, runAdhoc, runCase } from './eventsource/harness.ts';
export { run } from './program.ts';

// `sveltosctl show addons`: what every ClusterProfile deployed in every cluster, from the ClusterSummaries
// the addon-controller writes (seed 000/001's table). Adds `addons` to the `show` group, creating it when
// this is the first `show` command registered.

import { addonsTable, listAddons } from '@sveltos-ts/addon-controller';
import type { Command } from 'commander';
import { CliError, EXIT_FAILED, EXIT_OK } from '../errors.ts';
import type { Output } from '../output.ts';

interface ShowAddonsOptions {
  kubeconfig?: string;
  namespace?: string;
  cluster?: string;
  profile?: string;
  output: 'text' | 'json';
}

export function registerShowAddonsCommand(
  program: Command,
  out: Output,
  setExit: (code: number) => void,
): void {
  const show =
    program.commands.find((c) => c.name() === 'show') ??
    program.command('show').description('show what Sveltos manages');
  show
    .command('addons')
    .description('list the resources and Helm releases ClusterProfiles deployed in each cluster')
    .option(
      '--kubeconfig <path>',
      'kubeconfig of the management cluster (default: KUBECONFIG or ~/.kube/config)',
    )
    .option('--namespace <namespace>', 'only clusters in this namespace')
    .option('--cluster <name>', 'only clusters with this name')
    .option('--profile <name>', 'only this ClusterProfile (name or ClusterProfile/name)')
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (opts: ShowAddonsOptions) => {
      out.format = opts.output === 'json' ? 'json' : 'text';
      let rows: Awaited<ReturnType<typeof listAddons>>;
      try {
        rows = await listAddons(opts.kubeconfig, opts);
      } catch (error) {
        throw new CliError(
          'API_ERROR',
          `cannot read ClusterSummaries: ${(error as Error).message}`,
          EXIT_FAILED,
        );
      }
      if (out.format === 'json') out.json(rows);
      else out.line(addonsTable(rows));
      setExit(EXIT_OK);
    });
}

// `sveltosctl show addons`: what every ClusterProfile deployed in every cluster, from the ClusterSummaries
// the addon-controller writes (seed 000/001's table). Adds `addons` to the `show` group, creating it when
// this is the first `show` command registered.

import { type Command, Option } from 'commander';
import { EXIT_OK } from '../errors.ts';
import type { Output } from '../output.ts';
import { addManagementAccess, type ManagementAccessOptions, managementAccess } from './options.ts';

interface ShowAddonsOptions extends ManagementAccessOptions {
  namespace?: string;
  cluster?: string;
  profile?: string;
  helmCharts?: boolean;
  resources?: boolean;
  verbose?: boolean;
  output: 'table' | 'json' | 'yaml';
}

export function registerShowAddonsCommand(
  program: Command,
  out: Output,
  setExit: (code: number) => void,
): void {
  const show =
    program.commands.find((c) => c.name() === 'show') ??
    program.command('show').description('show what Sveltos manages');
  const addons = show
    .command('addons')
    .description(
      'list the resources and Helm releases ClusterProfiles deployed in each cluster (from the ClusterSummaries ' +
        'of the management cluster); an object deployed by several profiles is one row',
    )
    .option('--namespace <namespace>', 'only clusters in this namespace (default: all)')
    .option('--cluster <name>', 'only clusters with this name (default: all)')
    .option('--profile <name>', 'only this ClusterProfile: name or ClusterProfile/name (default: all)')
    .addOption(new Option('--helm-charts', 'only Helm releases').conflicts('resources'))
    .option('--resources', 'only resources (no Helm releases)')
    .option(
      '--verbose',
      "one row per profile, with the feature that deployed it (Resources, Helm, Kustomize), Local or Remote, and that feature's state and failure message",
    )
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['table', 'json', 'yaml'])
        .default('table'),
    );
  addManagementAccess(addons).action(async (opts: ShowAddonsOptions) => {
    out.format = opts.output === 'json' ? 'json' : 'text';
    const { listAddons, addonsTable } = await import('../addons/table.ts');
    const kc = await import('../kubeconfig.ts');
    const client = kc.clientFor(managementAccess(opts));
    const rows = await kc.api(client, 'reading ClusterSummaries', () =>
      listAddons(client, {
        namespace: opts.namespace,
        cluster: opts.cluster,
        profile: opts.profile,
        only: opts.helmCharts ? 'helm' : opts.resources ? 'resources' : undefined,
        verbose: opts.verbose === true,
      }),
    );
    if (opts.output === 'json') out.json(rows);
    else if (opts.output === 'yaml') out.yaml(rows);
    else out.line(addonsTable(rows, opts.verbose === true));
    setExit(EXIT_OK);
  });
}

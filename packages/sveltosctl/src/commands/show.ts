// `sveltosctl show resources|usage|dryrun|events|triggers`: what the management cluster says, as tables
// (upstream's layout) or `-o json|yaml` rows. Rows are built by show/rows.ts (pure); this file reads the
// objects and prints. `show addons` is its own file (show-addons.ts).

import type { ClusterProfile, ClusterSummary, EventReport, EventTrigger } from '@sveltos-ts/api';
import type { KubeObject, RestClient } from '@sveltos-ts/kube';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { EXIT_OK } from '../errors.ts';
import type { Output } from '../output.ts';
import { addManagementAccess, type ManagementAccessOptions, managementAccess } from './options.ts';

type Format = 'table' | 'json' | 'yaml';

interface ShowOptions extends ManagementAccessOptions {
  namespace?: string;
  cluster?: string;
  output: Format;
}

/** The `show` group (created by whichever show command registers first). */
export function showGroup(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'show') ??
    program.command('show').description('show what Sveltos manages')
  );
}

export function outputOption(): Option {
  return new Option('-o, --output <format>', 'output format')
    .choices(['table', 'json', 'yaml'])
    .default('table');
}

/** Prints rows as the format asks: a table of `cells`, or the rows themselves. */
export async function printRows<T>(
  out: Output,
  format: Format,
  headers: readonly string[],
  rows: readonly T[],
  cells: (row: T) => string[],
): Promise<void> {
  if (format === 'json') return out.json(rows);
  if (format === 'yaml') return out.yaml(rows);
  const { renderTable } = await import('../addons/table.ts');
  out.line(renderTable(headers, rows.map(cells)));
}

const USAGE_KINDS = ['ConfigMap', 'Secret', 'Cluster'] as const;

function usageKind(value: string): (typeof USAGE_KINDS)[number] {
  const found = USAGE_KINDS.find((k) => k.toLowerCase() === value.toLowerCase());
  if (!found) throw new InvalidArgumentError(`expected one of ${USAGE_KINDS.join(', ')}`);
  return found;
}

export function registerShowCommands(program: Command, out: Output, setExit: (code: number) => void): void {
  const show = showGroup(program);
  const clusterFilters = (c: Command) =>
    c
      .option('--namespace <namespace>', 'only clusters in this namespace (default: all)')
      .option('--cluster <name>', 'only clusters with this name (default: all)');

  /** Runs a show command: the management client, the rows, the output. */
  const action =
    <O extends ShowOptions>(
      doing: string,
      body: (client: RestClient, rows: typeof import('../show/rows.ts'), opts: O) => Promise<void>,
    ) =>
    async (opts: O) => {
      out.format = opts.output === 'json' ? 'json' : 'text';
      const kc = await import('../kubeconfig.ts');
      const rows = await import('../show/rows.ts');
      const client = kc.clientFor(managementAccess(opts));
      await kc.api(client, doing, () => body(client, rows, opts));
      setExit(EXIT_OK);
    };

  const resources = clusterFilters(
    show
      .command('resources')
      .description(
        'list the objects EventSources collected in each cluster (collectResources), from the EventReports; ' +
          'without collectResources, the matching references. Health-check reports are not implemented.',
      ),
  )
    .option('--kind <kind>', 'only objects of this kind')
    .option('--eventsource <name>', 'only objects collected by this EventSource')
    .option('--full', 'print the collected objects themselves (as YAML, or inside -o json|yaml)')
    .addOption(outputOption());
  addManagementAccess(resources).action(
    action<ShowOptions & { kind?: string; eventsource?: string; full?: boolean }>(
      'reading EventReports',
      async (client, r, opts) => {
        const reports = await client.list<EventReport & KubeObject>(
          'lib.projectsveltos.io/v1beta1',
          'EventReport',
          { namespace: opts.namespace },
        );
        const rows = r.resourceRows(
          reports.items,
          {
            namespace: opts.namespace,
            cluster: opts.cluster,
            kind: opts.kind,
            eventSource: opts.eventsource,
          },
          opts.full === true,
        );
        if (opts.full && opts.output === 'table') {
          for (const row of rows) {
            out.line(`# ${row.cluster} ${row.gvk} ${row.namespace ? `${row.namespace}/` : ''}${row.name}`);
            if (row.object) out.yaml(row.object);
            else out.line(`# not collected: EventSource ${row.eventSource} does not set collectResources`);
            out.line('---');
          }
          return;
        }
        await printRows(out, opts.output, r.RESOURCE_HEADERS, rows, r.resourceCells);
      },
    ),
  );

  const usage = show
    .command('usage')
    .description(
      'show which ClusterProfiles and EventTriggers use a ConfigMap, a Secret or a cluster, and the clusters ' +
        'concerned (references with an empty or templated namespace are listed as written)',
    )
    .option('--kind <kind>', 'ConfigMap, Secret or Cluster (default: all)', usageKind)
    .option('--namespace <namespace>', 'only resources in this namespace')
    .option('--name <name>', 'only resources with this name')
    .addOption(outputOption());
  addManagementAccess(usage).action(
    action<ShowOptions & { kind?: 'ConfigMap' | 'Secret' | 'Cluster'; name?: string }>(
      'reading ClusterProfiles, EventTriggers and ClusterSummaries',
      async (client, r, opts) => {
        const [profiles, triggers, summaries] = await Promise.all([
          client.list<ClusterProfile & KubeObject>('config.projectsveltos.io/v1beta1', 'ClusterProfile'),
          client.list<EventTrigger & KubeObject>('lib.projectsveltos.io/v1beta1', 'EventTrigger'),
          client.list<ClusterSummary & KubeObject>('config.projectsveltos.io/v1beta1', 'ClusterSummary'),
        ]);
        const rows = r.usageRows(
          { profiles: profiles.items, triggers: triggers.items, summaries: summaries.items },
          { kind: opts.kind, namespace: opts.namespace, name: opts.name },
        );
        await printRows(out, opts.output, r.USAGE_HEADERS, rows, r.usageCells);
      },
    ),
  );

  const dryrun = clusterFilters(
    show
      .command('dryrun')
      .description(
        'show what ClusterProfiles in syncMode DryRun would do in each cluster (the ClusterSummaries of the ' +
          'management cluster)',
      ),
  )
    .option('--profile <name>', 'only this ClusterProfile: name or ClusterProfile/name')
    .addOption(outputOption());
  addManagementAccess(dryrun).action(
    action<ShowOptions & { profile?: string }>('reading ClusterSummaries', async (client, r, opts) => {
      const summaries = await client.list<ClusterSummary & KubeObject>(
        'config.projectsveltos.io/v1beta1',
        'ClusterSummary',
        { namespace: opts.namespace },
      );
      const rows = r.dryRunRows(summaries.items, {
        namespace: opts.namespace,
        cluster: opts.cluster,
        profile: opts.profile,
      });
      await printRows(out, opts.output, r.DRY_RUN_HEADERS, rows, r.dryRunCells);
    }),
  );

  const events = clusterFilters(
    show
      .command('events')
      .description(
        'list the EventReports of each cluster: the EventSource, the EventTriggers using it there, how many ' +
          "objects match, the event-manager's verdict (phase) and the report's age",
      ),
  )
    .option('--eventsource <name>', 'only reports of this EventSource')
    .option('--eventtrigger <name>', 'only reports this EventTrigger uses')
    .addOption(outputOption());
  addManagementAccess(events).action(
    action<ShowOptions & { eventsource?: string; eventtrigger?: string }>(
      'reading EventReports and EventTriggers',
      async (client, r, opts) => {
        const [reports, triggers] = await Promise.all([
          client.list<EventReport & KubeObject>('lib.projectsveltos.io/v1beta1', 'EventReport', {
            namespace: opts.namespace,
          }),
          client.list<EventTrigger & KubeObject>('lib.projectsveltos.io/v1beta1', 'EventTrigger'),
        ]);
        const rows = r.eventRows(
          reports.items,
          triggers.items,
          {
            namespace: opts.namespace,
            cluster: opts.cluster,
            eventSource: opts.eventsource,
            eventTrigger: opts.eventtrigger,
          },
          new Date(),
        );
        await printRows(out, opts.output, r.EVENT_HEADERS, rows, r.eventCells);
      },
    ),
  );

  const triggers = clusterFilters(
    show
      .command('triggers')
      .description(
        "list each EventTrigger's matching clusters and its state in each (from the EventTriggers' status)",
      ),
  )
    .option('--eventtrigger <name>', 'only this EventTrigger')
    .addOption(outputOption());
  addManagementAccess(triggers).action(
    action<ShowOptions & { eventtrigger?: string }>('reading EventTriggers', async (client, r, opts) => {
      const list = await client.list<EventTrigger & KubeObject>(
        'lib.projectsveltos.io/v1beta1',
        'EventTrigger',
      );
      const rows = r.triggerRows(list.items, {
        namespace: opts.namespace,
        cluster: opts.cluster,
        eventTrigger: opts.eventtrigger,
      });
      await printRows(out, opts.output, r.TRIGGER_HEADERS, rows, r.triggerCells);
    }),
  );
}

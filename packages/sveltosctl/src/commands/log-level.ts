// `sveltosctl log-level set|unset|show`: the verbosity of a running component, through the ConfigMap
// `sveltos-log-level` its Manager watches (packages/runtime/src/log-level.ts, docs/design/log-level.md).

import type { KubeObject, RestClient } from '@sveltos-ts/kube';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { CliError, EXIT_OK } from '../errors.ts';
import type { Output } from '../output.ts';
import { addManagementAccess, type ManagementAccessOptions, managementAccess } from './options.ts';
import { outputOption, printRows } from './show.ts';

/** Must equal @sveltos-ts/runtime's LOG_LEVEL_CONFIGMAP (a test checks): the CLI does not load the runtime. */
export const LOG_LEVEL_CONFIGMAP = 'sveltos-log-level';
const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

/** Our component names, and upstream's spellings of the same components. */
const COMPONENTS: Record<string, string> = {
  'event-manager': 'event-manager',
  EventManager: 'event-manager',
  'addon-controller': 'addon-controller',
  AddonManager: 'addon-controller',
};

function component(value: string): string {
  const found = COMPONENTS[value];
  if (found) return found;
  throw new InvalidArgumentError(
    `expected event-manager or addon-controller (upstream's EventManager and AddonManager are accepted); other components do not take a run-time log level yet`,
  );
}

function level(value: string): Level {
  const v = value.toLowerCase();
  if ((LEVELS as readonly string[]).includes(v)) return v as Level;
  throw new InvalidArgumentError(`expected one of ${LEVELS.join(', ')}`);
}

interface LogLevelOptions extends ManagementAccessOptions {
  component?: string;
  namespace: string;
  level?: Level;
  debug?: boolean;
  info?: boolean;
  verbose?: boolean;
  output: 'table' | 'json' | 'yaml';
}

type ConfigMap = { metadata: { name: string; namespace?: string }; data?: Record<string, string> };

export function registerLogLevelCommands(
  program: Command,
  out: Output,
  setExit: (code: number) => void,
): void {
  const group = program
    .command('log-level')
    .description(
      'set or show the log level of running components (the ConfigMap sveltos-log-level they watch; applied within a second, no restart)',
    );
  const namespaceOption = () =>
    new Option('--namespace <namespace>', "the components' namespace").default('projectsveltos');

  const withConfigMap = async (
    opts: LogLevelOptions,
    doing: string,
    body: (client: RestClient, current: ConfigMap | undefined) => Promise<void>,
  ) => {
    const kc = await import('../kubeconfig.ts');
    const client = kc.clientFor(managementAccess(opts));
    await kc.api(client, doing, async () =>
      body(
        client,
        await client.getOrUndefined<ConfigMap & KubeObject>({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          namespace: opts.namespace,
          name: LOG_LEVEL_CONFIGMAP,
        }),
      ),
    );
  };

  const set = group
    .command('set')
    .description('set the log level of a component')
    .requiredOption('--component <name>', 'event-manager or addon-controller', component)
    .addOption(new Option('--level <level>', 'debug, info, warn or error').argParser(level))
    .addOption(new Option('--debug', 'same as --level debug').conflicts(['level', 'info', 'verbose']))
    .addOption(new Option('--info', 'same as --level info').conflicts(['level', 'verbose']))
    .addOption(new Option('--verbose', 'same as --level debug (upstream spelling)').conflicts('level'))
    .addOption(namespaceOption());
  addManagementAccess(set).action(async (opts: LogLevelOptions) => {
    const wanted: Level | undefined =
      opts.level ?? (opts.debug || opts.verbose ? 'debug' : opts.info ? 'info' : undefined);
    if (!wanted)
      throw new CliError('USAGE', 'give the level: --level <debug|info|warn|error>, --debug or --info');
    await withConfigMap(opts, 'setting the log level', async (client) => {
      await client.apply(
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: LOG_LEVEL_CONFIGMAP, namespace: opts.namespace },
          data: { [opts.component!]: wanted },
        },
        { fieldManager: `sveltosctl-log-level-${opts.component}`, force: true },
      );
    });
    out.line(`${opts.component}: log level ${wanted}`);
    setExit(EXIT_OK);
  });

  const unset = group
    .command('unset')
    .description('give a component back the log level it was started with')
    .requiredOption('--component <name>', 'event-manager or addon-controller', component)
    .addOption(namespaceOption());
  addManagementAccess(unset).action(async (opts: LogLevelOptions) => {
    await withConfigMap(opts, 'unsetting the log level', async (client, current) => {
      if (current?.data?.[opts.component!] === undefined) return;
      // each component's key has its own field manager: applying an empty set for it drops the key
      await client.apply(
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: LOG_LEVEL_CONFIGMAP, namespace: opts.namespace },
        },
        { fieldManager: `sveltosctl-log-level-${opts.component}` },
      );
      const after = await client.getOrUndefined<ConfigMap & KubeObject>({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: opts.namespace,
        name: LOG_LEVEL_CONFIGMAP,
      });
      // written by someone else (kubectl edit): remove the key explicitly
      if (after?.data?.[opts.component!] !== undefined)
        await client.mergePatch(
          { apiVersion: 'v1', kind: 'ConfigMap', namespace: opts.namespace, name: LOG_LEVEL_CONFIGMAP },
          { data: { [opts.component!]: null } },
        );
    });
    out.line(`${opts.component}: log level as started`);
    setExit(EXIT_OK);
  });

  const show = group
    .command('show')
    .description('show the log levels set for components (unset: the level each was started with)')
    .addOption(namespaceOption())
    .addOption(outputOption());
  addManagementAccess(show).action(async (opts: LogLevelOptions) => {
    out.format = opts.output === 'json' ? 'json' : 'text';
    let rows: { component: string; level: string }[] = [];
    await withConfigMap(opts, 'reading the log levels', async (_client, current) => {
      rows = [...new Set(Object.values(COMPONENTS))].sort().map((c) => ({
        component: c,
        level: current?.data?.[c] ?? '',
      }));
    });
    await printRows(out, opts.output, ['COMPONENT', 'VERBOSITY'], rows, (r) => [
      r.component,
      r.level || 'not set (as started)',
    ]);
    setExit(EXIT_OK);
  });
}

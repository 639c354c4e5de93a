// `sveltosctl register cluster` (upstream's flags) and `sveltosctl register agent` (credentials for a
// sveltos-agent running in the managed cluster), and `sveltosctl deregister cluster`.

import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLUSTER_TYPES, type ClusterType } from '@sveltos-ts/api';
import { type Command, Option } from 'commander';
import { stringify } from 'yaml';
import type { AgentCredentials, Step } from '../cluster/registration.ts';
import { CliError, EXIT_OK } from '../errors.ts';
import type { Output } from '../output.ts';
import {
  addExpiration,
  addManagementAccess,
  DEFAULT_KUBECONFIG_HELP,
  type ExpirationOptions,
  type ManagementAccessOptions,
  managementAccess,
} from './options.ts';

/** Agent tokens live a year unless told otherwise; re-run `register agent` to renew (the agent reloads). */
export const DEFAULT_AGENT_TOKEN_SECONDS = 365 * 24 * 3600;
export const DEFAULT_AGENT_NAMESPACE = 'projectsveltos';
export const DEFAULT_AGENT_CHART = './charts/sveltos-agent';
export const AGENT_RELEASE = 'sveltos-agent';

interface AgentOptions extends ExpirationOptions {
  server?: string;
  agentNamespace: string;
  chart: string;
  outputDir?: string;
}

interface RegisterClusterOptions extends AgentOptions {
  namespace: string;
  cluster: string;
  kubeconfig: string;
  labels?: string;
  managementKubeconfig?: string;
  context?: string;
  agentInManagedCluster?: boolean;
  output: 'text' | 'json';
}

interface RegisterAgentOptions extends AgentOptions, ManagementAccessOptions {
  namespace: string;
  cluster: string;
  clusterType: ClusterType;
  output: 'yaml' | 'json';
}

interface DeregisterOptions extends ManagementAccessOptions {
  namespace: string;
  cluster: string;
  output: 'text' | 'json';
}

const quote = (arg: string): string =>
  /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;

/** What installs the agent in the managed cluster: chart values, the Secret it mounts, the commands. */
export interface AgentBundle {
  cluster: { namespace: string; name: string; type: ClusterType };
  serviceAccount: { namespace: string; name: string };
  expirationTimestamp: string;
  /** Kubeconfig for the management cluster: EventReports and Events in the cluster's namespace only. */
  kubeconfig: string;
  /** Values for charts/sveltos-agent. */
  values: Record<string, unknown>;
  /** To apply in the managed cluster before installing the chart: the namespace and the Secret. */
  manifests: Record<string, unknown>[];
  /** Files written with --output-dir. */
  files?: { kubeconfig: string; manifests: string; values: string };
  /** What to run against the managed cluster. */
  commands: string[];
}

function agentBundle(
  credentials: AgentCredentials,
  cluster: AgentBundle['cluster'],
  opts: AgentOptions,
  managedKubeconfig: string | undefined,
): AgentBundle {
  const values = {
    cluster,
    managementKubeconfig: { secretName: 'sveltos-agent-management-kubeconfig', key: 'kubeconfig' },
  };
  const manifests = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: opts.agentNamespace } },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: values.managementKubeconfig.secretName, namespace: opts.agentNamespace },
      type: 'Opaque',
      stringData: { [values.managementKubeconfig.key]: credentials.kubeconfig },
    },
  ];
  const target = managedKubeconfig ? ` --kubeconfig ${quote(managedKubeconfig)}` : '';
  const files = opts.outputDir
    ? {
        kubeconfig: join(opts.outputDir, 'management-kubeconfig.yaml'),
        manifests: join(opts.outputDir, 'agent-secret.yaml'),
        values: join(opts.outputDir, 'values.yaml'),
      }
    : undefined;
  const helm = `helm upgrade --install ${AGENT_RELEASE} ${quote(opts.chart)}${target} --namespace ${quote(opts.agentNamespace)}`;
  const commands = files
    ? [`kubectl${target} apply -f ${quote(files.manifests)}`, `${helm} --values ${quote(files.values)}`]
    : [
        `kubectl${target} apply -f <this output>`,
        `${helm} --set cluster.namespace=${quote(cluster.namespace)} --set cluster.name=${quote(cluster.name)} ` +
          `--set cluster.type=${cluster.type}`,
      ];
  return {
    cluster,
    serviceAccount: credentials.serviceAccount,
    expirationTimestamp: credentials.expirationTimestamp,
    kubeconfig: credentials.kubeconfig,
    values,
    manifests,
    ...(files ? { files } : {}),
    commands,
  };
}

/** Multi-line strings (the kubeconfig in the Secret) as literal blocks, long lines unfolded. */
const YAML_OPTIONS = { blockQuote: 'literal', lineWidth: 0 } as const;

const manifestsYaml = (bundle: AgentBundle): string =>
  bundle.manifests.map((m) => stringify(m, YAML_OPTIONS)).join('---\n');

function writeBundle(bundle: AgentBundle): void {
  const files = bundle.files!;
  const dir = join(files.kubeconfig, '..');
  try {
    mkdirSync(dir, { recursive: true });
    // credentials: readable by the owner only
    for (const [path, text] of [
      [files.kubeconfig, bundle.kubeconfig],
      [files.manifests, manifestsYaml(bundle)],
    ] as const) {
      writeFileSync(path, text, { mode: 0o600 });
      chmodSync(path, 0o600);
    }
    writeFileSync(files.values, stringify(bundle.values, YAML_OPTIONS));
  } catch (error) {
    throw new CliError('CANNOT_WRITE', `--output-dir ${dir}: ${(error as Error).message}`);
  }
}

function printSteps(out: Output, steps: Step[], stepLine: (s: Step) => string): void {
  for (const s of steps) out.line(stepLine(s));
}

function printAgentText(out: Output, bundle: AgentBundle): void {
  const sa = `${bundle.serviceAccount.namespace}/${bundle.serviceAccount.name}`;
  out.line(
    `Agent credentials: ServiceAccount ${sa}, allowed EventReports and Events in namespace ` +
      `${bundle.cluster.namespace} only; token valid until ${bundle.expirationTimestamp}`,
  );
  const files = bundle.files!;
  out.line(`Wrote ${files.kubeconfig}, ${files.manifests} (the Secret) and ${files.values} (chart values).`);
  out.line('To install the agent, run against the managed cluster:');
  for (const c of bundle.commands) out.line(`  ${c}`);
}

/** `-o yaml` without --output-dir: the manifests to apply in the managed cluster, the rest as comments. */
function agentYaml(bundle: AgentBundle): string {
  const header = [
    `# sveltos-agent of ${bundle.cluster.type} cluster ${bundle.cluster.namespace}/${bundle.cluster.name}:`,
    `# ServiceAccount ${bundle.serviceAccount.namespace}/${bundle.serviceAccount.name} in the management cluster,`,
    `# token valid until ${bundle.expirationTimestamp}. Apply this in the managed cluster, then install the chart:`,
    ...bundle.commands.map((c) => `#   ${c}`),
  ].join('\n');
  return `${header}\n${manifestsYaml(bundle)}`;
}

function addAgentOptions(command: Command): Command {
  addExpiration(
    command,
    'lifetime of the agent token in seconds, at least 600 (default: one year; run again to renew)',
    DEFAULT_AGENT_TOKEN_SECONDS,
  );
  return command
    .option(
      '--server <url>',
      'management API server address as seen from the managed cluster (default: the one in the kubeconfig)',
    )
    .option(
      '--agent-namespace <namespace>',
      'namespace of the agent in the managed cluster',
      DEFAULT_AGENT_NAMESPACE,
    )
    .option(
      '--chart <ref>',
      'the sveltos-agent chart to put in the printed helm command',
      DEFAULT_AGENT_CHART,
    )
    .option(
      '--output-dir <dir>',
      'write management-kubeconfig.yaml, agent-secret.yaml and values.yaml there (created if missing)',
    );
}

export function registerRegisterCommands(
  program: Command,
  out: Output,
  setExit: (code: number) => void,
): void {
  const register = program.command('register').description('register clusters with Sveltos');

  const cluster = register
    .command('cluster')
    .description(
      'register a cluster to be managed by Sveltos: creates (or updates) the Secret <cluster>-sveltos-kubeconfig ' +
        '(key kubeconfig) and the SveltosCluster in the management cluster. Idempotent: running it again updates ' +
        'the labels and the kubeconfig. With --agent-in-managed-cluster also prepares a sveltos-agent running in ' +
        'the managed cluster (see register agent).',
    )
    .requiredOption('--namespace <namespace>', 'namespace of the SveltosCluster (created if missing)')
    .requiredOption('--cluster <name>', 'name of the cluster in Sveltos (the SveltosCluster)')
    .requiredOption(
      '--kubeconfig <file>',
      'kubeconfig of the cluster to register (e.g. from sveltosctl generate kubeconfig); referenced certificate ' +
        'and token files are inlined',
    )
    .option(
      '--labels <key=value,...>',
      'labels of the SveltosCluster, comma-separated; they replace its labels (without --labels they are left alone)',
    )
    .option(
      '--management-kubeconfig <file>',
      `kubeconfig of the management cluster (${DEFAULT_KUBECONFIG_HELP})`,
    )
    .option('--context <name>', 'context of the management kubeconfig to use (default: its current context)')
    .option(
      '--agent-in-managed-cluster',
      'the cluster runs its own sveltos-agent: also create its ServiceAccount, Role and RoleBinding and write its ' +
        'kubeconfig and chart values (needs --output-dir)',
    )
    .addOption(
      new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'),
    );
  addAgentOptions(cluster);
  cluster.action(async (opts: RegisterClusterOptions) => {
    out.format = opts.output;
    if (opts.agentInManagedCluster && !opts.outputDir)
      throw new CliError(
        'USAGE',
        '--agent-in-managed-cluster needs --output-dir <dir> for the agent files (or run sveltosctl register agent, ' +
          'which can print them)',
      );
    const reg = await import('../cluster/registration.ts');
    const kc = await import('../kubeconfig.ts');
    const labels = opts.labels === undefined ? undefined : reg.parseLabels(opts.labels);
    const managed = kc.readManagedKubeconfig(opts.kubeconfig);
    for (const w of managed.warnings) process.stderr.write(`warning: ${w}\n`);
    const client = kc.clientFor({
      file: opts.managementKubeconfig,
      context: opts.context,
      flag: '--management-kubeconfig',
      what: 'management cluster',
    });
    const steps = await kc.api(client, `registering cluster ${opts.namespace}/${opts.cluster}`, () =>
      reg.registerCluster(client, {
        namespace: opts.namespace,
        cluster: opts.cluster,
        kubeconfig: managed,
        labels,
      }),
    );
    let bundle: AgentBundle | undefined;
    if (opts.agentInManagedCluster) {
      const credentials = await kc.api(
        client,
        `registering the agent of ${opts.namespace}/${opts.cluster}`,
        () =>
          reg.registerAgent(client, {
            namespace: opts.namespace,
            cluster: opts.cluster,
            clusterType: 'Sveltos',
            expirationSeconds: opts.expirationSeconds ?? DEFAULT_AGENT_TOKEN_SECONDS,
            server: opts.server,
          }),
      );
      steps.push(...credentials.steps);
      bundle = agentBundle(
        credentials,
        { namespace: opts.namespace, name: opts.cluster, type: 'Sveltos' },
        opts,
        opts.kubeconfig,
      );
      writeBundle(bundle);
    }
    if (out.format === 'json') {
      out.json({
        cluster: { namespace: opts.namespace, name: opts.cluster },
        steps,
        ...(bundle ? { agent: bundle } : {}),
      });
    } else {
      printSteps(out, steps, reg.stepLine);
      out.line(`Cluster ${opts.namespace}/${opts.cluster} registered (API server ${managed.server}).`);
      if (bundle) printAgentText(out, bundle);
    }
    setExit(EXIT_OK);
  });

  const agent = register
    .command('agent')
    .description(
      'give the sveltos-agent running IN a registered managed cluster its own credentials for the management ' +
        'cluster: a ServiceAccount sveltos-agent-<cluster> with a Role allowing EventReports and Events in the ' +
        "cluster's namespace only, and a kubeconfig with a token for it (TokenRequest). Prints (or writes with " +
        '--output-dir) that kubeconfig as the Secret the chart mounts, the chart values and the helm command. ' +
        'Run it again to renew the token.',
    )
    .requiredOption('--namespace <namespace>', 'namespace of the registered cluster')
    .requiredOption('--cluster <name>', 'name of the registered cluster')
    .addOption(
      new Option('--cluster-type <type>', 'how the cluster is registered')
        .choices(CLUSTER_TYPES)
        .default('Sveltos'),
    )
    .addOption(
      new Option(
        '-o, --output <format>',
        'without --output-dir: yaml (the manifests to apply) or json (everything)',
      )
        .choices(['yaml', 'json'])
        .default('yaml'),
    );
  addManagementAccess(agent);
  addAgentOptions(agent);
  agent.action(async (opts: RegisterAgentOptions) => {
    if (opts.output === 'json') out.format = 'json';
    const reg = await import('../cluster/registration.ts');
    const kc = await import('../kubeconfig.ts');
    const client = kc.clientFor(managementAccess(opts));
    const credentials = await kc.api(
      client,
      `registering the agent of ${opts.namespace}/${opts.cluster}`,
      () =>
        reg.registerAgent(client, {
          namespace: opts.namespace,
          cluster: opts.cluster,
          clusterType: opts.clusterType,
          expirationSeconds: opts.expirationSeconds ?? DEFAULT_AGENT_TOKEN_SECONDS,
          server: opts.server,
        }),
    );
    const bundle = agentBundle(
      credentials,
      { namespace: opts.namespace, name: opts.cluster, type: opts.clusterType },
      opts,
      undefined,
    );
    if (bundle.files) writeBundle(bundle);
    if (opts.output === 'json') out.json({ steps: credentials.steps, ...bundle });
    else if (bundle.files) {
      printSteps(out, credentials.steps, reg.stepLine);
      printAgentText(out, bundle);
    } else {
      for (const s of credentials.steps) process.stderr.write(`${reg.stepLine(s)}\n`);
      process.stdout.write(agentYaml(bundle));
    }
    setExit(EXIT_OK);
  });

  const deregister = program.command('deregister').description('remove clusters from Sveltos');
  const deregisterCluster = deregister
    .command('cluster')
    .description(
      'deregister a cluster: deletes its SveltosCluster, the Secret <cluster>-sveltos-kubeconfig and, when ' +
        'register created them, the agent ServiceAccount, Role and RoleBinding sveltos-agent-<cluster>. ' +
        'Exits 1 when the cluster is not registered.',
    )
    .requiredOption('--namespace <namespace>', 'namespace of the SveltosCluster')
    .requiredOption('--cluster <name>', 'name of the SveltosCluster')
    .addOption(
      new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'),
    );
  addManagementAccess(deregisterCluster);
  deregisterCluster.action(async (opts: DeregisterOptions) => {
    out.format = opts.output;
    const reg = await import('../cluster/registration.ts');
    const kc = await import('../kubeconfig.ts');
    const client = kc.clientFor(managementAccess(opts));
    const steps = await kc.api(client, `deregistering cluster ${opts.namespace}/${opts.cluster}`, () =>
      reg.deregisterCluster(client, { namespace: opts.namespace, cluster: opts.cluster }),
    );
    if (out.format === 'json')
      out.json({ cluster: { namespace: opts.namespace, name: opts.cluster }, steps });
    else {
      printSteps(out, steps, reg.stepLine);
      out.line(`Cluster ${opts.namespace}/${opts.cluster} deregistered.`);
    }
    setExit(EXIT_OK);
  });
}

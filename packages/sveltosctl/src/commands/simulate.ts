// `sveltosctl simulate`: the whole event chain offline, from local YAML (simulate/), printed as a tree or
// as one document; with --diff, compared with a live management cluster (simulate/diff.ts).

import { type Command, InvalidArgumentError, Option } from 'commander';
import { EXIT_FAILED, EXIT_OK } from '../errors.ts';
import type { Output } from '../output.ts';
import { addManagementAccess, type ManagementAccessOptions, managementAccess } from './options.ts';

interface SimulateOptions extends ManagementAccessOptions {
  clusterObjects?: string[];
  managementCluster?: string;
  namespace: string;
  kustomizeBinary: string;
  maxRounds: number;
  diff?: boolean;
  output: 'tree' | 'yaml' | 'json';
}

function positive(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 100)
    throw new InvalidArgumentError('expected a number from 1 to 100');
  return n;
}

function clusterObjects(value: string, previous: string[] | undefined): string[] {
  if (!/^[^=]+\/[^=]+=.+$/.test(value))
    throw new InvalidArgumentError('expected <namespace>/<name>=<file or directory>');
  return [...(previous ?? []), value];
}

export function registerSimulateCommand(
  program: Command,
  out: Output,
  setExit: (code: number) => void,
): void {
  const simulate = program
    .command('simulate')
    .summary('predict offline what EventSources, EventTriggers and ClusterProfiles would create, and where')
    .description(
      'predict, offline, what the event framework would create: EventReports, instantiated and generated ' +
        'ConfigMaps/Secrets, ClusterProfiles, and the objects and Helm releases each destination cluster would ' +
        'get. Input: directories and YAML files; in a directory, clusters/<namespace>/<name>/ holds the objects ' +
        'present in that registered cluster and everything else is management-cluster input (EventSources, ' +
        'EventTriggers, ConfigMaps, Secrets, ClusterProfiles, SveltosClusters/Clusters with labels, ClusterSets). ' +
        "Runs the controllers' own decision code. Exit 0: the chain would succeed; 1: a controller would report " +
        'an error, part could not be simulated, or (--diff) something would change; 2: bad input.',
    )
    .argument('[paths...]', 'directories and YAML files')
    .option(
      '--cluster-objects <namespace/name=path>',
      'objects present in a registered cluster: a YAML file or a directory (repeatable)',
      clusterObjects,
    )
    .option(
      '--management-cluster <namespace/name>',
      'the registered cluster that is the management cluster itself: the management objects are its objects too',
    )
    .option(
      '--namespace <namespace>',
      "namespace of instantiated and generated ConfigMaps/Secrets (the event-manager's NAMESPACE)",
      'projectsveltos',
    )
    .option(
      '--kustomize-binary <path>',
      'kustomize, for kustomizationRefs and patches (they are reported as not simulated without it)',
      'kustomize',
    )
    .option(
      '--max-rounds <n>',
      'rounds of the chain to follow when what it creates fires more events',
      positive,
      10,
    )
    .option(
      '--diff',
      'compare with the live management cluster (--kubeconfig/--context) and the managed clusters it reaches: ' +
        'what would be created, changed or deleted',
    )
    .addOption(
      new Option('-o, --output <format>', 'tree, or every predicted object as yaml or json')
        .choices(['tree', 'yaml', 'json'])
        .default('tree'),
    );
  addManagementAccess(simulate).action(async (paths: string[], opts: SimulateOptions) => {
    out.format = opts.output === 'json' ? 'json' : 'text';
    const { loadInput } = await import('../simulate/input.ts');
    const { Simulator } = await import('../simulate/chain.ts');
    const { simulationDocument, simulationTree } = await import('../simulate/output.ts');
    const { LuaSandbox } = await import('@sveltos-ts/evaluation');
    const { toolSettings } = await import('@sveltos-ts/addon-controller');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const input = loadInput({
      paths,
      clusterObjects: (opts.clusterObjects ?? []).map((v) => {
        const i = v.indexOf('=');
        return { cluster: v.slice(0, i), path: v.slice(i + 1) };
      }),
      managementCluster: opts.managementCluster,
    });
    const live = opts.diff
      ? await (await import('../simulate/diff.ts')).LiveState.read(managementAccess(opts), input)
      : undefined;
    const cacheDir = mkdtempSync(join(tmpdir(), 'sveltosctl-simulate-'));
    const sandbox = new LuaSandbox();
    try {
      const simulator = new Simulator(input, {
        namespace: opts.namespace,
        tools: toolSettings({ kustomizeBinary: opts.kustomizeBinary, cacheDir }),
        sandbox,
        maxRounds: opts.maxRounds,
        ...(live ? { existing: live.existing } : {}),
      });
      const sim = await simulator.run();
      const incomplete =
        sim.problems.some((p) => p.blocking) ||
        sim.deployments.some((d) => d.features.some((f) => f.notSimulated !== undefined)) ||
        !sim.settled;
      if (live) {
        const changes = await live.compare(sim);
        if (opts.output === 'json') out.json(changes);
        else if (opts.output === 'yaml') out.yaml(changes);
        else out.line(live.table(changes));
        setExit(incomplete || changes.some((c) => c.action !== 'unchanged') ? EXIT_FAILED : EXIT_OK);
        return;
      }
      if (opts.output === 'json') out.json(simulationDocument(sim));
      else if (opts.output === 'yaml') out.yaml(simulationDocument(sim));
      else out.line(simulationTree(sim));
      setExit(incomplete ? EXIT_FAILED : EXIT_OK);
    } finally {
      await sandbox.close();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
}

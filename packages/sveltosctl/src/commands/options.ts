// Options several commands share: which cluster to talk to and token lifetimes.

import { type Command, InvalidArgumentError, Option } from 'commander';
import { CliError } from '../errors.ts';
import type { ClusterAccess } from '../kubeconfig.ts';

export const DEFAULT_KUBECONFIG_HELP = 'default: $KUBECONFIG or ~/.kube/config';

/**
 * `--kubeconfig <file>` and `--context <name>` naming the management cluster, for commands that talk to it
 * alone; `--management-kubeconfig` is accepted as a synonym (the spelling of `register cluster`, where
 * `--kubeconfig` is the cluster being registered).
 */
export function addManagementAccess(command: Command): Command {
  return command
    .option('--kubeconfig <file>', `kubeconfig of the management cluster (${DEFAULT_KUBECONFIG_HELP})`)
    .addOption(new Option('--management-kubeconfig <file>', 'same as --kubeconfig').hideHelp())
    .option('--context <name>', 'context of that kubeconfig to use (default: its current context)');
}

export interface ManagementAccessOptions {
  kubeconfig?: string;
  managementKubeconfig?: string;
  context?: string;
}

export function managementAccess(opts: ManagementAccessOptions): ClusterAccess {
  if (opts.kubeconfig && opts.managementKubeconfig && opts.kubeconfig !== opts.managementKubeconfig)
    throw new CliError('USAGE', '--kubeconfig and --management-kubeconfig name different files; give one');
  return {
    file: opts.kubeconfig ?? opts.managementKubeconfig,
    context: opts.context,
    flag: '--kubeconfig',
    what: 'management cluster',
  };
}

/** Parser of `--expirationSeconds`: 0 (the server's default) or at least 600, as the TokenRequest API wants. */
export function expirationSeconds(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError('expected a whole number of seconds');
  if (n !== 0 && n < 600) throw new InvalidArgumentError('tokens live at least 600 seconds (10 minutes)');
  return n;
}

/** `--expirationSeconds` (upstream's spelling) with `--expiration-seconds` as a synonym. */
export function addExpiration(command: Command, help: string, defaultSeconds?: number): Command {
  const option = new Option('--expirationSeconds <seconds>', help).argParser(expirationSeconds);
  if (defaultSeconds !== undefined) option.default(defaultSeconds);
  return command
    .addOption(option)
    .addOption(
      new Option('--expiration-seconds <seconds>', 'same as --expirationSeconds')
        .argParser(expirationSeconds)
        .hideHelp(),
    );
}

export interface ExpirationOptions {
  expirationSeconds?: number;
}

/** Sets the command's exit code and output format hooks on every (sub)command, recursively. */
export function everyCommand(command: Command, visit: (c: Command) => void): void {
  visit(command);
  for (const sub of command.commands) everyCommand(sub, visit);
}

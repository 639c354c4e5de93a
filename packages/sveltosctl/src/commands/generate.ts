// `sveltosctl generate kubeconfig`: run against the cluster to register, it prints a kubeconfig holding a
// token of a ServiceAccount of that cluster (with --create: a new one bound to cluster-admin), for
// `sveltosctl register cluster --kubeconfig`.

import { SVELTOS_NAMESPACE } from '@sveltos-ts/api';
import { type Command, Option } from 'commander';
import { EXIT_OK } from '../errors.ts';
import type { Output } from '../output.ts';
import { addExpiration, DEFAULT_KUBECONFIG_HELP, type ExpirationOptions } from './options.ts';

interface GenerateKubeconfigOptions extends ExpirationOptions {
  kubeconfig?: string;
  context?: string;
  namespace: string;
  serviceAccount?: string;
  serviceaccount?: string;
  create?: boolean;
}

export const DEFAULT_SERVICE_ACCOUNT = 'projectsveltos';

export function registerGenerateCommands(
  program: Command,
  out: Output,
  setExit: (code: number) => void,
): void {
  const generate = program.command('generate').description('generate what registering a cluster needs');
  const kubeconfig = generate
    .command('kubeconfig')
    .description(
      'print a kubeconfig for a ServiceAccount of the cluster to register (the cluster --kubeconfig/--context ' +
        'point at, NOT the management cluster), using a token from the TokenRequest API. With --create the ' +
        'namespace, the ServiceAccount and a ClusterRoleBinding sveltos:<namespace>:<serviceaccount> to ' +
        'cluster-admin are created when missing; without it they must exist. Feed the output to ' +
        'sveltosctl register cluster --kubeconfig.',
    )
    .option('--kubeconfig <file>', `kubeconfig of the cluster to register (${DEFAULT_KUBECONFIG_HELP})`)
    .option('--context <name>', 'context of that kubeconfig to use (default: its current context)')
    .option('--namespace <namespace>', 'namespace of the ServiceAccount', SVELTOS_NAMESPACE)
    .option('--service-account <name>', `name of the ServiceAccount (default: ${DEFAULT_SERVICE_ACCOUNT})`)
    .addOption(
      new Option('--serviceaccount <name>', 'same as --service-account (upstream spelling)').hideHelp(),
    )
    .option('--create', 'create the namespace, ServiceAccount and cluster-admin binding if missing');
  addExpiration(
    kubeconfig,
    "lifetime of the token in seconds, at least 600 (default: the API server's default)",
  ).action(async (opts: GenerateKubeconfigOptions) => {
    const reg = await import('../cluster/registration.ts');
    const kc = await import('../kubeconfig.ts');
    const serviceAccount = opts.serviceAccount ?? opts.serviceaccount ?? DEFAULT_SERVICE_ACCOUNT;
    const client = kc.clientFor({
      file: opts.kubeconfig,
      context: opts.context,
      flag: '--kubeconfig',
      what: 'cluster to register',
    });
    const result = await kc.api(
      client,
      `generating a kubeconfig for ServiceAccount ${opts.namespace}/${serviceAccount}`,
      () =>
        reg.generateKubeconfig(client, {
          namespace: opts.namespace,
          serviceAccount,
          create: opts.create === true,
          expirationSeconds: opts.expirationSeconds ?? 0,
        }),
    );
    // stdout carries the kubeconfig only, so it can be redirected into a file
    for (const s of result.steps) process.stderr.write(`${reg.stepLine(s)}\n`);
    process.stderr.write(
      `token of ServiceAccount ${opts.namespace}/${serviceAccount} valid until ${result.token.expirationTimestamp}\n`,
    );
    out.text(result.kubeconfig);
    setExit(EXIT_OK);
  });
}

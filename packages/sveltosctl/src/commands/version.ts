// `sveltosctl version`: this CLI's version and, as kubectl does, the management cluster's (its API server's
// version; `--client` for the CLI alone).

import { type Command, Option } from 'commander';
// imported, not read at run time: the bundle the sveltosctl image ships inlines it
import packageJson from '../../package.json' with { type: 'json' };
import { EXIT_OK } from '../errors.ts';
import type { Output } from '../output.ts';
import { addManagementAccess, type ManagementAccessOptions, managementAccess } from './options.ts';

/** The version in this package's package.json. */
export function clientVersion(): string {
  return `v${packageJson.version}`;
}

interface VersionOptions extends ManagementAccessOptions {
  client?: boolean;
  output: 'text' | 'json' | 'yaml';
}

export function registerVersionCommand(program: Command, out: Output, setExit: (code: number) => void): void {
  const version = program
    .command('version')
    .description("print this CLI's version and the management cluster's Kubernetes version")
    .option('--client', 'only the CLI, without asking the management cluster')
    .addOption(
      new Option('-o, --output <format>', 'output format').choices(['text', 'json', 'yaml']).default('text'),
    );
  addManagementAccess(version).action(async (opts: VersionOptions) => {
    out.format = opts.output === 'json' ? 'json' : 'text';
    const client = { version: clientVersion(), nodeVersion: process.version };
    let server: { gitVersion: string; platform?: string } | undefined;
    const print = () => {
      const doc = { clientVersion: client, ...(server ? { serverVersion: server } : {}) };
      if (opts.output === 'json') out.json(doc);
      else if (opts.output === 'yaml') out.yaml(doc);
      else {
        out.line(`Client Version: ${client.version} (node ${client.nodeVersion})`);
        if (server) out.line(`Server Version: ${server.gitVersion}`);
      }
    };
    if (!opts.client) {
      const kc = await import('../kubeconfig.ts');
      try {
        const api = kc.clientFor(managementAccess(opts));
        server = await kc.api(api, 'reading the API server version', () =>
          api.request<{ gitVersion: string; platform?: string }>('GET', '/version'),
        );
      } catch (error) {
        // as kubectl: the client version is printed before the failure is reported
        if (opts.output === 'text') print();
        throw error;
      }
    }
    print();
    setExit(EXIT_OK);
  });
}

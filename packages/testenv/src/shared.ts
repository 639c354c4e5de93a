import { existsSync } from 'node:fs';
import { type ClusterOptions, TestEnv } from './testenv.ts';

/** Set by the test runner's global setup to the state file of the bed it started for the whole run. */
export const stateEnvVar = 'SVELTOS_TESTENV_STATE';

/** The clusters every test can count on: the management cluster and two managed clusters. */
export const standardClusters: readonly ClusterOptions[] = [
  { name: 'mgmt' },
  { name: 'cluster-a' },
  { name: 'cluster-b' },
];

let own: Promise<TestEnv> | undefined;

/**
 * The test bed of this test process: the one the global setup started for the run (shared by every test
 * file), or, when a file runs on its own, a private bed with the standard clusters, stopped by the watchdog
 * when the process exits. Tests isolate themselves by namespace and object names.
 */
export function sharedTestEnv(options: { crds?: readonly object[] } = {}): Promise<TestEnv> {
  const stateFile = process.env[stateEnvVar];
  if (stateFile && existsSync(stateFile)) return Promise.resolve(TestEnv.attach(stateFile));
  own ??= (async () => {
    const env = await TestEnv.start({ clusters: [...standardClusters] });
    if (options.crds) await Promise.all(env.clusters().map((cluster) => cluster.installCrds(options.crds!)));
    return env;
  })();
  return own;
}

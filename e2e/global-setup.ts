import { crds } from '@sveltos-ts/api';
import { standardClusters, stateEnvVar, TestEnv } from '@sveltos-ts/testenv';

let env: TestEnv | undefined;

/**
 * Starts one bed for the whole test run (node --test-global-setup): test files, each in its own process,
 * attach to it through the state file instead of paying for control planes again.
 */
export async function globalSetup(): Promise<void> {
  env = await TestEnv.start({ clusters: [...standardClusters] });
  await Promise.all(env.clusters().map((cluster) => cluster.installCrds(crds)));
  process.env[stateEnvVar] = env.stateFile;
}

export async function globalTeardown(): Promise<void> {
  await env?.stop();
}

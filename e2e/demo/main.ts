// The main job on local clusters: a management cluster and two managed clusters (real kube-apiservers on
// loopback), the agents, event-manager and addon-controller running, the examples (examples/) applied, and a
// table of what was deployed where.
//
//   bash scripts/demo.sh [--keep] [--as-pods]
//
// --as-pods: every component runs as a pod on real nodes (a kubelet and containerd per cluster), installed
// with the project's charts from images built here (e2e/pods.ts); needs root.

import { jsonLogger } from '@sveltos-ts/kube';
import { addonsTable } from '@sveltos-ts/sveltosctl';
import { TestEnv } from '@sveltos-ts/testenv';
import { buildImages, type PodFleet, podClusterOptions, releaseNamespace, startPodFleet } from '../pods.ts';
import { converge, deployedAddons, type Fleet, fleetClusters, scenarios, startFleet } from '../scenarios.ts';
import { startDemoWebView } from './web.ts';

const keep = process.argv.includes('--keep');
const verbose = process.argv.includes('--verbose');
const asPods = process.argv.includes('--as-pods');
const started = Date.now();
const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(1)} s`;

let env: TestEnv;
let fleet: Fleet;
let podFleet: PodFleet | undefined;
if (asPods) {
  console.log('Building the images (scripts/build-images.sh; kept when unchanged)...');
  await buildImages();
  console.log(`  done after ${elapsed()}; starting three clusters, each with a node...`);
  const nodesStarted = Date.now();
  env = await TestEnv.start({ clusters: podClusterOptions, detached: keep });
  console.log(`  nodes Ready in ${((Date.now() - nodesStarted) / 1000).toFixed(1)} s`);
  podFleet = await startPodFleet(env, (line) => console.log(`  ${line.replace(/^pods: /, '')}`));
  fleet = podFleet;
} else {
  env = await TestEnv.start({ clusters: ['mgmt', 'cluster-a', 'cluster-b'], detached: keep });
  fleet = await startFleet(env, verbose ? jsonLogger({ level: 'info' }) : undefined);
}
console.log(`\nFleet up after ${elapsed()}:`);
console.log(`  mgmt       management cluster, also registered as mgmt/mgmt (cluster-api=enabled)`);
for (const [name, labels] of Object.entries(fleetClusters)) {
  const text = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  console.log(`  ${name.padEnd(10)} managed cluster default/${name} (${text})`);
}
if (podFleet) {
  console.log('  components (pods, installed with charts/sveltos and charts/sveltos-agent):');
  for (const cluster of ['mgmt', 'cluster-a', 'cluster-b']) {
    const components =
      cluster === 'mgmt'
        ? (['event-manager', 'addon-controller', 'sveltos-agent'] as const)
        : (['sveltos-agent'] as const);
    for (const component of components) {
      const pods = await podFleet.pods(cluster, component);
      const text = pods.map((pod) => `${pod.name}${pod.ready ? ' (Ready)' : ''}`).join(', ');
      console.log(`    ${cluster}/${releaseNamespace}: ${component}: ${text} on ${pods[0]?.node ?? '?'}`);
    }
  }
  console.log('');
} else {
  console.log('  components: event-manager, addon-controller, one sveltos-agent per registered cluster\n');
}
const web = await startDemoWebView(env);
console.log(`Web view (live while the demo runs): ${web.url}  sign in with the token in ${web.tokenFile}\n`);

let failed = false;
for (const scenario of scenarios) {
  const label = `${scenario.example}: ${scenario.title}`;
  try {
    await scenario.apply(fleet);
    await converge(fleet, scenario.expected);
    const what = scenario.expected
      .map((r) => `${r.kind} ${r.namespace}/${r.name} in ${r.cluster}`)
      .join(', ');
    console.log(`✔ ${label}\n    → ${what} (${elapsed()})`);
    if (scenario.withdraw) {
      await scenario.withdraw(fleet);
      await converge(fleet, scenario.expected, { gone: true });
      console.log('    → the triggering resource was deleted: withdrawn again');
      await scenario.apply(fleet);
      await converge(fleet, scenario.expected);
      console.log('    → re-created: deployed again');
    }
  } catch (error) {
    failed = true;
    console.log(`✖ ${label}\n    ${(error as Error).message}`);
  }
}

console.log('\nWhat was deployed where (from the ClusterSummaries, as `sveltosctl show addons` reads them):');
console.log(addonsTable(await deployedAddons(fleet)));

await web.stop();
await fleet.stop();
if (keep) {
  console.log(`\nWeb view again, on the kept clusters: ${web.rerun}  (token: ${web.tokenFile})`);
  console.log(
    `\nClusters keep running (${podFleet ? 'with their nodes and pods' : 'components stopped'}). Kubeconfigs: ${env.runDir}/<cluster>.kubeconfig`,
  );
  console.log(`Stop them with: node packages/testenv/src/cli.ts down --run-dir ${env.runDir}`);
} else {
  await env.stop();
}
console.log(`\nDone in ${elapsed()}.`);
process.exit(failed ? 1 : 0);

// The demo: a management cluster and two managed clusters on loopback, our CRDs installed, the managed
// clusters registered in the management cluster the way users register them (a SveltosCluster plus a
// kubeconfig Secret), then a table of the fleet.
import { crds, SveltosClusterKind } from '@sveltos-ts/api';
import { type KubeObject, RestClient } from '@sveltos-ts/kube';
import { TestEnv } from '@sveltos-ts/testenv';

const keep = process.argv.includes('--keep');
const managed = [
  { name: 'cluster-a', labels: { env: 'production', dep: 'eng' } },
  { name: 'cluster-b', labels: { env: 'fv', dep: 'hr' } },
];

const env = await TestEnv.start({ clusters: ['mgmt', ...managed.map((c) => c.name)], detached: keep });
await Promise.all(env.clusters().map((cluster) => cluster.installCrds(crds)));
const mgmt = new RestClient(env.cluster('mgmt').kubeConfig());

for (const cluster of managed) {
  const namespace = 'default';
  const secret: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `${cluster.name}-sveltos-kubeconfig`, namespace },
    type: 'Opaque',
    stringData: { kubeconfig: env.cluster(cluster.name).kubeconfigYaml },
  };
  await mgmt.apply(secret, { fieldManager: 'demo' });
  await mgmt.apply(
    {
      apiVersion: SveltosClusterKind.apiVersion,
      kind: SveltosClusterKind.kind,
      metadata: { name: cluster.name, namespace, labels: cluster.labels },
      spec: {},
    },
    { fieldManager: 'demo' },
  );
}

const rows = [['CLUSTER', 'SERVER', 'NAMESPACES', 'LABELS']];
for (const cluster of env.clusters()) {
  const client = new RestClient(cluster.kubeConfig());
  const namespaces = await client.list('v1', 'Namespace');
  const labels = managed.find((m) => m.name === cluster.name)?.labels ?? { role: 'management' };
  rows.push([
    cluster.name,
    cluster.server,
    String(namespaces.items.length),
    Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
  ]);
}
const registered = await mgmt.list(SveltosClusterKind.apiVersion, SveltosClusterKind.kind);
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
console.log('\nLocal fleet (real kube-apiservers on loopback):');
for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
console.log(
  `\nSveltosClusters registered in mgmt: ${registered.items.map((c) => c.metadata.name).join(', ')}`,
);
console.log(`CRDs served in every cluster: ${crds.map((c) => c.metadata.name).join(', ')}`);
console.log(
  '\nNot yet part of the demo: the sveltos-agent, event-manager and addon-controller (issues 4-6) and the seed scenarios.',
);
if (keep) {
  console.log(`\nClusters keep running. Kubeconfigs: ${env.runDir}/<cluster>.kubeconfig`);
  console.log(`Stop them with: node packages/testenv/src/cli.ts down --run-dir ${env.runDir}`);
} else {
  await env.stop();
}

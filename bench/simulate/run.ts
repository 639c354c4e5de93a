// `sveltosctl simulate` on fleets of growing size (issue 18): N clusters with M matching Services each, one
// EventSource and one oneForEvent EventTrigger instantiating a NetworkPolicy per Service, so N×M events →
// N×M EventReports' worth of matches, instantiated ConfigMaps, ClusterProfiles and NetworkPolicies. The CLI
// runs as a process (`-o json` to /dev/null), as a user runs it; wall time (median of 3) and the child's peak
// RSS (from GNU time when present).
//
//   node bench/simulate/run.ts [sizes=1x10,10x20,20x50]

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../lib/process.ts';

const sizes = (process.argv[2] ?? '1x10,10x20,20x50')
  .split(',')
  .map((s) => s.split('x').map(Number) as [number, number]);
const cli = join(repoRoot, 'packages/sveltosctl/src/cli.ts');
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

function fleet(dir: string, clusters: number, services: number): void {
  const docs = (objects: unknown[]) => objects.map((o) => JSON.stringify(o)).join('\n---\n');
  const management = [
    {
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'EventSource',
      metadata: { name: 'front' },
      spec: {
        collectResources: true,
        resourceSelectors: [
          {
            group: '',
            version: 'v1',
            kind: 'Service',
            labelFilters: [{ key: 'tier', operation: 'Equal', value: 'front' }],
          },
        ],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'policy',
        namespace: 'default',
        annotations: { 'projectsveltos.io/instantiate': 'true' },
      },
      data: {
        'policy.yaml':
          'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-{{ .Resource.metadata.name }}\n  namespace: {{ .Resource.metadata.namespace }}\nspec:\n  podSelector:\n    matchLabels:\n      app: {{ .Resource.spec.selector.app }}\n',
      },
    },
    {
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'EventTrigger',
      metadata: { name: 'policy-per-service' },
      spec: {
        sourceClusterSelector: { matchLabels: { env: 'prod' } },
        eventSourceName: 'front',
        oneForEvent: true,
        policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'policy' }],
      },
    },
    ...Array.from({ length: clusters }, (_, i) => ({
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'SveltosCluster',
      metadata: { name: `c${i}`, namespace: 'fleet', labels: { env: 'prod' } },
      spec: {},
    })),
  ];
  writeFileSync(join(dir, 'management.yaml'), docs(management));
  for (let i = 0; i < clusters; i++) {
    mkdirSync(join(dir, 'clusters', 'fleet', `c${i}`), { recursive: true });
    writeFileSync(
      join(dir, 'clusters', 'fleet', `c${i}`, 'services.yaml'),
      docs(
        Array.from({ length: services }, (_, j) => ({
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: `svc-${j}`, namespace: 'shop', labels: { tier: 'front' } },
          spec: { selector: { app: `svc-${j}` }, ports: [{ port: 80 }] },
        })),
      ),
    );
  }
}

const results: {
  clusters: number;
  servicesPerCluster: number;
  events: number;
  medianMs: number;
  peakRssMB?: number;
}[] = [];
for (const [clusters, services] of sizes) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-simulate-'));
  try {
    fleet(dir, clusters, services);
    const times: number[] = [];
    let rss: number | undefined;
    for (let run = 0; run < 3; run++) {
      const start = performance.now();
      if (gnuTime) {
        const r = spawnSync(gnuTime, ['-f', '%M', process.execPath, cli, 'simulate', dir, '-o', 'json'], {
          encoding: 'utf8',
          maxBuffer: 1 << 30,
        });
        if (r.status !== 0) throw new Error(`simulate failed: ${r.stderr}`);
        rss = Math.max(rss ?? 0, Number(r.stderr.trim().split('\n').at(-1)) / 1024);
      } else execFileSync(process.execPath, [cli, 'simulate', dir, '-o', 'json'], { maxBuffer: 1 << 30 });
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    const row = {
      clusters,
      servicesPerCluster: services,
      events: clusters * services,
      medianMs: Math.round(times[1]!),
      ...(rss !== undefined ? { peakRssMB: Math.round(rss) } : {}),
    };
    results.push(row);
    console.log(
      `${clusters} clusters × ${services} Services = ${row.events} events: ${row.medianMs} ms${rss !== undefined ? `, peak RSS ${row.peakRssMB} MB` : ''}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
writeFileSync(
  join(repoRoot, 'bench/results/simulate.local.json'),
  `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`,
);

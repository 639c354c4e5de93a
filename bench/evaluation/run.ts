// Agent evaluation benchmark (targets in docs/architecture.md: ≥ 50k objects/s labels + CEL, ≥ 5k objects/s
// Lua on 5 KB objects, one core). Every object is new to the evaluator (prepared, converted, then evaluated),
// as when an informer delivers a changed object, through the agent's path: CompiledEventSource.evaluateObjects
// on batches (what the agent evaluates per reconcile of an EventSource); Lua runs in the sandbox's worker
// threads (objects cloned to the worker, marshalled into the EventSource's Lua state). CPU time of the whole
// process (every thread) per object.
//   node bench/evaluation/run.ts [objects] [batch]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventSource, KubeObject } from '../../packages/api/src/index.ts';
import {
  type CompiledEventSource,
  compileEventSource,
  LuaSandbox,
  PreparedObject,
} from '../../packages/evaluation/src/index.ts';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const count = Number(process.argv[2] ?? 20000);
const batch = Number(process.argv[3] ?? 200);

/** A Pod of about 5 KB of JSON: labels, annotations, two containers, volumes, status. */
function pod(i: number): KubeObject {
  const container = (c: number) => ({
    name: `c${c}`,
    image: `registry.example.com/team/web:1.2.${c}`,
    args: ['--port=8080', '--verbose', '--log-level=info'],
    ports: [
      { containerPort: 8080, protocol: 'TCP', name: 'http' },
      { containerPort: 9090, protocol: 'TCP', name: 'metrics' },
    ],
    env: [
      { name: 'A', value: '1' },
      { name: 'B', valueFrom: { configMapKeyRef: { name: 'cm', key: 'b' } } },
    ],
    resources: { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
    volumeMounts: [
      { name: 'data', mountPath: '/data' },
      { name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
    ],
    livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, initialDelaySeconds: 10, periodSeconds: 10 },
    readinessProbe: { httpGet: { path: '/readyz', port: 8080 }, periodSeconds: 5 },
  });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `web-${i}`,
      namespace: `ns-${i % 10}`,
      uid: `a1b2c3d4-0000-0000-0000-${String(i).padStart(12, '0')}`,
      resourceVersion: String(1000 + i),
      creationTimestamp: '2024-01-01T00:00:00Z',
      labels: {
        app: 'web',
        tier: i % 2 ? 'frontend' : 'backend',
        'app.kubernetes.io/name': 'web',
        'pod-template-hash': '5d8f9c7b6',
      },
      annotations: { 'kubectl.kubernetes.io/restartedAt': '2024-01-01T00:00:00Z', note: 'n'.repeat(1300) },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f9c7b6', uid: 'u', controller: true },
      ],
    },
    spec: {
      containers: [container(0), container(1)],
      volumes: [
        { name: 'data', emptyDir: {} },
        {
          name: 'kube-api-access',
          projected: {
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            ],
          },
        },
      ],
      nodeName: 'node-1',
      serviceAccountName: 'default',
      tolerations: [
        {
          key: 'node.kubernetes.io/not-ready',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
      ],
      securityContext: { runAsUser: 1000, fsGroup: 2000, supplementalGroups: [1000, 2000] },
    },
    status: {
      phase: 'Running',
      podIP: `10.0.${(i >> 8) & 255}.${i & 255}`,
      hostIP: '192.168.0.1',
      startTime: '2024-01-01T00:00:00Z',
      conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({
        type,
        status: 'True',
        lastTransitionTime: '2024-01-01T00:00:00Z',
      })),
      containerStatuses: [0, 1].map((c) => ({
        name: `c${c}`,
        ready: true,
        restartCount: i % 3,
        image: `registry.example.com/team/web:1.2.${c}`,
        imageID: `sha256:${'f'.repeat(64)}`,
        containerID: `containerd://${'e'.repeat(64)}`,
        started: true,
        state: { running: { startedAt: '2024-01-01T00:00:00Z' } },
      })),
    },
  };
}

const objects = Array.from({ length: count }, (_, i) => pod(i));
const objectBytes = Math.round(objects.reduce((n, o) => n + JSON.stringify(o).length, 0) / objects.length);
const es = (selector: Record<string, unknown>): EventSource =>
  ({
    metadata: { name: 'bench' },
    spec: { resourceSelectors: [{ group: '', version: 'v1', kind: 'Pod', ...selector }] },
  }) as EventSource;

/** objects per CPU-second of one EventSource over fresh objects; best of `rounds` (after a warm-up round).
 * CPU time, not wall time: the figure is per core and stays meaningful on a shared machine. */
async function measure(
  source: CompiledEventSource,
  rounds = 3,
): Promise<{ perSecond: number; matched: number }> {
  let best = 0;
  let matched = 0;
  for (let r = 0; r <= rounds; r++) {
    matched = 0;
    const start = process.cpuUsage();
    for (let i = 0; i < objects.length; i += batch) {
      const prepared = objects.slice(i, i + batch).map((raw) => new PreparedObject(raw));
      const verdicts = await source.evaluateObjects(prepared.map((object) => ({ selector: 0, object })));
      for (const v of verdicts) if (v.matched) matched++;
      for (const o of prepared) o.release();
    }
    const used = process.cpuUsage(start);
    const perSecond = objects.length / ((used.user + used.system) / 1e6);
    if (r > 0) best = Math.max(best, perSecond);
  }
  return { perSecond: Math.round(best), matched };
}

const sandbox = new LuaSandbox();
const celSelector = await compileEventSource(
  es({
    labelFilters: [
      { key: 'app', operation: 'Equal', value: 'web' },
      { key: 'tier', operation: 'Has' },
    ],
    evaluateCEL: [
      { name: 'restarted', rule: 'resource.status.containerStatuses.exists(s, s.restartCount + 0 > 1)' },
      { name: 'node', rule: 'resource.spec.nodeName == "node-2"' },
    ],
  }),
);
const luaSelector = await compileEventSource(
  es({
    evaluate: `
function evaluate()
  local hs = { matching = false }
  for _, s in ipairs(obj.status.containerStatuses) do
    if s.restartCount > 1 then
      hs.matching = true
      hs.message = obj.metadata.name .. " restarted " .. s.restartCount .. " times"
    end
  end
  return hs
end`,
  }),
  { sandbox },
);

const labelsCel = await measure(celSelector);
const luaResult = await measure(luaSelector);
const result = {
  objects: count,
  objectBytes,
  batch,
  labelsCelObjectsPerSecond: labelsCel.perSecond,
  labelsCelTarget: 50000,
  luaObjectsPerSecond: luaResult.perSecond,
  luaTarget: 5000,
  matched: { labelsCel: labelsCel.matched, lua: luaResult.matched },
  node: process.version,
};
await sandbox.close();
console.log(
  `labels+CEL: ${result.labelsCelObjectsPerSecond} objects/s (target ≥ 50000)\n` +
    `Lua:        ${result.luaObjectsPerSecond} objects/s on ${objectBytes}-byte objects, batches of ${batch} (target ≥ 5000)`,
);
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/evaluation.local.json'), `${JSON.stringify(result, null, 2)}\n`);

// Conversion webhook benchmark (docs/api-versions.md): the cost of serving v1alpha1. The pure conversion
// (convertObject, µs per object, both directions), then a real API server calling the event-manager process
// (main.ts --conversion-webhook, its own process as deployed): GET of one ClusterProfile and LIST of
// `objects` ClusterProfiles at v1beta1 (no conversion) and at v1alpha1 (through the webhook).
//   node bench/conversion/run.ts [samples] [objects]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CONFIG_API_VERSION,
  CONFIG_LEGACY_API_VERSION,
  CONVERSION_WEBHOOK_PATH,
  convertObject,
  crds,
  type KubeObject,
  withConversionWebhook,
} from '@sveltos-ts/api';
import { RestClient } from '@sveltos-ts/kube';
import { eventually, freePort, TestEnv } from '@sveltos-ts/testenv';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const samples = Number(process.argv[2] ?? 200);
const objects = Number(process.argv[3] ?? 200);
const ALPHA = CONFIG_LEGACY_API_VERSION;
const BETA = CONFIG_API_VERSION;

const legacyProfile = (name: string): KubeObject =>
  ({
    apiVersion: ALPHA,
    kind: 'ClusterProfile',
    metadata: { name, labels: { bench: 'conversion' } },
    spec: {
      clusterSelector: 'env in (fv,prod),!legacy',
      syncMode: 'Continuous',
      policyRefs: [{ kind: 'ConfigMap', namespace: 'default', name: 'kyverno-policies' }],
      helmCharts: [
        {
          repositoryURL: 'https://kyverno.github.io/kyverno/',
          repositoryName: 'kyverno',
          chartName: 'kyverno/kyverno',
          chartVersion: 'v3.0.1',
          releaseName: 'kyverno-latest',
          releaseNamespace: 'kyverno',
          helmChartAction: 'Install',
        },
      ],
    },
  }) as KubeObject;

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

async function timed(n: number, f: () => Promise<unknown>): Promise<{ p50Ms: number; p95Ms: number }> {
  for (let i = 0; i < 5; i++) await f();
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    await f();
    ms.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return { p50Ms: round(percentile(ms, 50)), p95Ms: round(percentile(ms, 95)) };
}

// ---- the pure conversion ---------------------------------------------------------------------------------
const alpha = legacyProfile('pure');
const beta = convertObject(alpha, BETA);
const pureIterations = 20_000;
const pure = (from: KubeObject, to: string): number => {
  for (let i = 0; i < 1_000; i++) convertObject(from, to);
  const start = process.hrtime.bigint();
  for (let i = 0; i < pureIterations; i++) convertObject(from, to);
  return round(Number(process.hrtime.bigint() - start) / 1e3 / pureIterations);
};
const pureUpUs = pure(alpha, BETA);
const pureDownUs = pure(beta, ALPHA);

// ---- through a real API server -----------------------------------------------------------------------------
const env = await TestEnv.start({ clusters: [{ name: 'mgmt', controllerManager: false }] });
const certDir = mkdtempSync(join(tmpdir(), 'bench-conversion-'));
let child: ChildProcess | undefined;
try {
  const cert = await env.mintServingCert(certDir);
  const port = await freePort();
  child = spawn(
    process.execPath,
    [
      join(root, 'packages/event-manager/src/main.ts'),
      '--kubeconfig',
      env.cluster('mgmt').kubeconfigPath,
      '--metrics-port',
      '0',
      '--log-level',
      'warn',
      '--conversion-webhook',
      '--webhook-port',
      String(port),
      '--webhook-cert-dir',
      certDir,
    ],
    { stdio: 'inherit' },
  );
  const clientConfig = {
    url: `https://127.0.0.1:${port}${CONVERSION_WEBHOOK_PATH}`,
    caBundle: Buffer.from(cert.caPem).toString('base64'),
  };
  await env.cluster('mgmt').installCrds(crds.map((c) => withConversionWebhook(c, clientConfig)));
  const admin = new RestClient(env.cluster('mgmt').kubeConfig());
  // the first create waits for the webhook process to listen
  await eventually(
    'the webhook serving',
    () =>
      admin.create(legacyProfile('p-0')).then(
        () => true,
        () => false,
      ),
    60_000,
  );
  for (let i = 1; i < objects; i++) await admin.create(legacyProfile(`p-${i}`));

  const one = (apiVersion: string) => () => admin.get({ apiVersion, kind: 'ClusterProfile', name: 'p-0' });
  const all = (apiVersion: string) => () =>
    admin.list(apiVersion, 'ClusterProfile', { labelSelector: 'bench=conversion' });
  const listSamples = Math.max(10, Math.floor(samples / 10));
  const result = {
    objects,
    samples,
    pureConversionUs: { v1alpha1ToV1beta1: pureUpUs, v1beta1ToV1alpha1: pureDownUs },
    getOne: { v1beta1: await timed(samples, one(BETA)), v1alpha1: await timed(samples, one(ALPHA)) },
    listAll: { v1beta1: await timed(listSamples, all(BETA)), v1alpha1: await timed(listSamples, all(ALPHA)) },
  };
  console.log(JSON.stringify(result, null, 2));
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/conversion.local.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  child?.kill('SIGTERM');
  await env.stop();
  rmSync(certDir, { recursive: true, force: true });
}

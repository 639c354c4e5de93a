// charts/sveltos with conversionWebhook.enabled, rendered by the real helm: the Service the CRDs name, the
// generated certificate (its CA in every converted CRD's caBundle), the event-manager's flags and mount; the
// objects are accepted by the API server (dry run), and the event-manager's webhook server, given the rendered
// Secret, answers a ConversionReview over TLS verified with the CRDs' caBundle for the Service's DNS name.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { CustomResourceDefinition } from '@sveltos-ts/api';
import { addConversionWebhook } from '@sveltos-ts/event-manager';
import { type KubeObject, type RestClient, silentLogger } from '@sveltos-ts/kube';
import { Manager } from '@sveltos-ts/runtime';
import { ensureBinaries, type TestEnv } from '@sveltos-ts/testenv';
import { parseAllDocuments } from 'yaml';
import { adminClient, testBed, uniqueName } from './support.ts';

const run = promisify(execFile);
const chart = fileURLToPath(new URL('../charts/sveltos', import.meta.url));

type Secret = KubeObject & { data: Record<string, string> };
type Deployment = KubeObject & {
  spec: {
    template: {
      spec: {
        containers: Array<{
          args: string[];
          ports: Array<{ name: string; containerPort: number }>;
          volumeMounts: Array<{ name: string; mountPath: string }>;
        }>;
        volumes: Array<{ name: string; secret?: { secretName: string } }>;
      };
    };
  };
};

async function render(helm: string, namespace: string, ...set: string[]): Promise<KubeObject[]> {
  const { stdout } = await run(helm, [
    'template',
    'sveltos',
    chart,
    '--namespace',
    namespace,
    ...set.flatMap((s) => ['--set', s]),
  ]);
  return parseAllDocuments(stdout)
    .map((d) => d.toJSON() as KubeObject | null)
    .filter((d): d is KubeObject => d !== null);
}

const find = <T extends KubeObject>(objects: KubeObject[], kind: string, name: string): T => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `${kind} ${name} is rendered`);
  return found as T;
};

/** POSTs a ConversionReview to the webhook, trusting only `caPem` and checking the certificate names
 * `servername` (what the API server does when it calls the Service). */
function review(port: number, caPem: string, servername: string, body: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/convert?timeout=30s',
        method: 'POST',
        ca: caPem,
        servername,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
        });
        res.on('end', () => resolve(JSON.parse(text)));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('charts/sveltos: the conversion webhook (conversionWebhook.enabled)', () => {
  const namespace = uniqueName('sveltos-conv');
  let helm: string;
  let env: TestEnv;
  let client: RestClient;
  let objects: KubeObject[];
  let certDir: string;
  let manager: Manager | undefined;

  before(async () => {
    helm = (await ensureBinaries(() => {})).helm;
    env = await testBed();
    client = await adminClient('mgmt');
    objects = await render(helm, namespace, 'conversionWebhook.enabled=true');
    certDir = mkdtempSync(join(tmpdir(), 'chart-webhook-'));
  });

  after(async () => {
    await manager?.stop();
    rmSync(certDir, { recursive: true, force: true });
  });

  it('the CRDs name the Service in the release namespace and trust the CA of the generated Secret', () => {
    const secret = find<Secret>(objects, 'Secret', 'event-manager-webhook-cert');
    assert.equal(secret.metadata.namespace, namespace);
    const converted = (objects as unknown as CustomResourceDefinition[]).filter(
      (o) => o.kind === 'CustomResourceDefinition' && o.spec.conversion !== undefined,
    );
    assert.equal(converted.length, 6);
    for (const crd of converted) {
      assert.deepEqual(crd.spec.conversion?.webhook?.clientConfig, {
        service: { namespace, name: 'event-manager-webhook', path: '/convert', port: 443 },
        caBundle: secret.data['ca.crt'],
      });
    }
    const cert = new X509Certificate(Buffer.from(secret.data['tls.crt']!, 'base64'));
    const ca = new X509Certificate(Buffer.from(secret.data['ca.crt']!, 'base64'));
    assert.ok(cert.verify(ca.publicKey), 'the serving certificate is signed by the CA');
    assert.match(cert.subjectAltName ?? '', new RegExp(`DNS:event-manager-webhook\\.${namespace}\\.svc`));
    const service = find<KubeObject & { spec: { ports: unknown[] } }>(
      objects,
      'Service',
      'event-manager-webhook',
    );
    assert.deepEqual(service.spec.ports, [
      { name: 'webhook', port: 443, targetPort: 'webhook', protocol: 'TCP' },
    ]);
  });

  it('the event-manager serves it: flags, container port, the Secret mounted where --webhook-cert-dir says', () => {
    const pod = find<Deployment>(objects, 'Deployment', 'event-manager').spec.template.spec;
    const c = pod.containers[0]!;
    for (const arg of [
      '--conversion-webhook',
      '--webhook-port=9443',
      '--webhook-cert-dir=/etc/sveltos/webhook-certs',
    ])
      assert.ok(c.args.includes(arg), arg);
    assert.ok(c.ports.some((p) => p.name === 'webhook' && p.containerPort === 9443));
    assert.ok(
      c.volumeMounts.some((m) => m.name === 'webhook-certs' && m.mountPath === '/etc/sveltos/webhook-certs'),
    );
    assert.deepEqual(pod.volumes.find((v) => v.name === 'webhook-certs')?.secret, {
      secretName: 'event-manager-webhook-cert',
    });
    const addon = find<Deployment>(objects, 'Deployment', 'addon-controller').spec.template.spec
      .containers[0]!;
    assert.ok(!addon.args.some((a) => a.includes('webhook')), 'only the event-manager serves it');
  });

  it('the API server accepts every rendered object (dry run)', async () => {
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    for (const object of objects) {
      const accepted = await client.apply(object, { fieldManager: 'chart-test', dryRun: true });
      assert.equal(accepted.kind, object.kind);
    }
  });

  it('with the rendered Secret, the webhook answers over TLS the API server would trust', async () => {
    const secret = find<Secret>(objects, 'Secret', 'event-manager-webhook-cert');
    for (const key of ['tls.crt', 'tls.key'])
      writeFileSync(join(certDir, key), Buffer.from(secret.data[key]!, 'base64'));
    manager = new Manager({
      name: 'event-manager',
      kubeConfig: env.cluster('mgmt').kubeConfig(),
      logger: silentLogger,
      webhook: { port: 0, host: '127.0.0.1', certDir },
    });
    addConversionWebhook(manager);
    await manager.start();
    const caPem = Buffer.from(secret.data['ca.crt']!, 'base64').toString();
    const answer = (await review(manager.webhookPort!, caPem, `event-manager-webhook.${namespace}.svc`, {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'ConversionReview',
      request: {
        uid: 'u1',
        desiredAPIVersion: 'lib.projectsveltos.io/v1beta1',
        objects: [
          {
            apiVersion: 'lib.projectsveltos.io/v1alpha1',
            kind: 'ClusterSet',
            metadata: { name: 'pool' },
            spec: { clusterSelector: 'env=fv' },
          },
        ],
      },
    })) as { response: { uid: string; result: { status: string }; convertedObjects: KubeObject[] } };
    assert.equal(answer.response.uid, 'u1');
    assert.equal(answer.response.result.status, 'Success');
    assert.deepEqual((answer.response.convertedObjects[0] as unknown as { spec: unknown }).spec, {
      clusterSelector: { matchLabels: { env: 'fv' } },
    });
    // a name the certificate does not carry is refused by TLS
    await assert.rejects(
      review(manager.webhookPort!, caPem, 'event-manager-webhook.elsewhere.svc', {}),
      /Hostname\/IP does not match certificate's altnames/,
    );
  });

  it('cert-manager instead: a Certificate for the Service, and the CRDs ask cert-manager for the caBundle', async () => {
    const rendered = await render(
      helm,
      namespace,
      'conversionWebhook.enabled=true',
      'conversionWebhook.certManager.enabled=true',
    );
    assert.ok(!rendered.some((o) => o.kind === 'Secret' && o.metadata.name === 'event-manager-webhook-cert'));
    const certificate = find<KubeObject & { spec: Record<string, unknown> }>(
      rendered,
      'Certificate',
      'event-manager-webhook',
    );
    assert.equal(certificate.spec.secretName, 'event-manager-webhook-cert');
    assert.deepEqual(certificate.spec.issuerRef, {
      name: 'event-manager-webhook-selfsigned',
      kind: 'Issuer',
    });
    find(rendered, 'Issuer', 'event-manager-webhook-selfsigned');
    for (const crd of (rendered as unknown as CustomResourceDefinition[]).filter(
      (o) => o.kind === 'CustomResourceDefinition' && o.spec.conversion !== undefined,
    )) {
      assert.equal(
        (crd.metadata as { annotations?: Record<string, string> }).annotations?.[
          'cert-manager.io/inject-ca-from'
        ],
        `${namespace}/event-manager-webhook`,
      );
      assert.equal(crd.spec.conversion?.webhook?.clientConfig.caBundle, undefined);
    }
  });

  it('on by default; switched off: no Service, Secret or flag', async () => {
    const defaults = await render(helm, namespace);
    find(defaults, 'Service', 'event-manager-webhook');
    const rendered = await render(helm, namespace, 'conversionWebhook.enabled=false');
    assert.ok(!rendered.some((o) => o.metadata.name.startsWith('event-manager-webhook')));
    const args = find<Deployment>(rendered, 'Deployment', 'event-manager').spec.template.spec.containers[0]!
      .args;
    assert.ok(!args.includes('--conversion-webhook'));
  });
});

import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, type TLSSocket } from 'node:tls';
import { jsonLogger, KubeError, type KubeObject, RestClient } from '@sveltos-ts/kube';
import { eventually, sharedTestEnv, type TestEnv } from '@sveltos-ts/testenv';
import { conversionHandler, defaultMaxBodyBytes, type WebhookReview, WebhookServer } from './webhook.ts';

const suffix = Date.now().toString(36);
const scratch = mkdtempSync(join(tmpdir(), 'webhook-test-'));
let env: TestEnv;
let caPem: string;

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** One HTTPS request to a local webhook server, verifying its certificate against the bed's CA. */
function send(
  port: number,
  path: string,
  body?: string | Buffer | (() => AsyncGenerator<Buffer>),
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'POST',
        ca: caPem,
        headers: options.headers,
      },
      (res) => {
        answered = true;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    // a server refusing a body early may close the connection while we are still sending it
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (typeof body === 'function') {
      void (async () => {
        for await (const chunk of body()) {
          if (answered || req.destroyed) return;
          if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
        }
        req.end();
      })().catch(() => {});
    } else {
      req.end(body);
    }
  });
}

function json(reply: Reply): Record<string, unknown> {
  assert.match(String(reply.headers['content-type']), /application\/json/, reply.text);
  return JSON.parse(reply.text) as Record<string, unknown>;
}

/** Serial number of the certificate the server presents in a fresh TLS handshake (verified against the CA). */
function presentedSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: caPem }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.end();
      resolve(serial);
    });
    socket.on('error', reject);
  });
}

function conversionReview(uid: string, desiredAPIVersion: string, objects: KubeObject[]): WebhookReview {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'ConversionReview',
    request: { uid, desiredAPIVersion, objects },
  };
}

before(async () => {
  env = await sharedTestEnv();
  caPem = env.caPem;
});

after(() => rmSync(scratch, { recursive: true, force: true }));

describe('WebhookServer: HTTP contract and certificates', () => {
  let server: WebhookServer;
  let port: number;

  before(async () => {
    const dir = join(scratch, 'unit');
    await env.mintServingCert(dir);
    server = new WebhookServer({ port: 0, host: '127.0.0.1', certDir: dir });
    server.handle('/echo', (review) => ({ echoed: review }));
    server.handle('/throws', () => {
      throw new Error('the handler broke');
    });
    server.handle(
      '/convert',
      conversionHandler(() => {
        throw new Error('no conversion for you');
      }),
    );
    server.handle('/small', () => ({ ok: true }));
    port = await server.start();
  });

  after(() => server.stop());

  it('answers a review with the handler result as JSON', async () => {
    const review = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u1' } };
    const reply = await send(port, '/echo?timeout=10s', JSON.stringify(review), {
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(json(reply), { echoed: review });
  });

  it('refuses a body that is not JSON with 400 and says why', async () => {
    const reply = await send(port, '/echo', '{"kind": "ConversionReview",');
    assert.equal(reply.status, 400);
    assert.match(reply.text, /request body is not valid JSON/);
    const array = await send(port, '/echo', '[1, 2]');
    assert.equal(array.status, 400);
    assert.match(array.text, /must be a JSON object/);
  });

  it('takes only POST (405 with Allow) and only registered paths (404)', async () => {
    const get = await send(port, '/echo', undefined, { method: 'GET' });
    assert.equal(get.status, 405);
    assert.equal(get.headers.allow, 'POST');
    assert.match(get.text, /GET not allowed/);
    const unknown = await send(port, '/nowhere', '{}');
    assert.equal(unknown.status, 404);
    assert.match(unknown.text, /no webhook is served at \/nowhere/);
  });

  it('refuses a body over the limit with 413, whether announced by Content-Length or streamed', async () => {
    const announced = await send(port, '/echo', Buffer.alloc(defaultMaxBodyBytes + 1, 0x20));
    assert.equal(announced.status, 413);
    assert.match(announced.text, new RegExp(`larger than ${defaultMaxBodyBytes} bytes`));
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const streamed = await send(port, '/echo', async function* () {
      for (let i = 0; i < 12; i++) yield chunk;
    });
    assert.equal(streamed.status, 413);
    // exactly at the limit is accepted (and then judged as JSON)
    const atLimit = await send(port, '/echo', Buffer.alloc(defaultMaxBodyBytes, 0x20));
    assert.equal(atLimit.status, 400);
    assert.match(atLimit.text, /not valid JSON/);
  });

  it('turns a throwing handler into a Failure for a ConversionReview, a refusal for an AdmissionReview, else 500', async () => {
    const conversion = json(
      await send(port, '/throws', JSON.stringify(conversionReview('c-1', 'example.com/v2', []))),
    );
    assert.deepEqual(conversion, {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'ConversionReview',
      response: { uid: 'c-1', result: { status: 'Failure', message: 'the handler broke' } },
    });
    const admission = json(
      await send(
        port,
        '/throws',
        JSON.stringify({
          apiVersion: 'admission.k8s.io/v1',
          kind: 'AdmissionReview',
          request: { uid: 'a-1' },
        }),
      ),
    );
    assert.deepEqual(admission.response, {
      uid: 'a-1',
      allowed: false,
      status: { code: 500, message: 'the handler broke' },
    });
    const other = await send(port, '/throws', '{"hello": "world"}');
    assert.equal(other.status, 500);
    assert.match(other.text, /the handler broke/);
  });

  it('conversionHandler reports a failing convert as a Failure naming the object', async () => {
    const object = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w', namespace: 'ns' },
    };
    const reply = json(
      await send(port, '/convert', JSON.stringify(conversionReview('c-2', 'example.com/v2', [object]))),
    );
    assert.deepEqual(reply.response, {
      uid: 'c-2',
      result: {
        status: 'Failure',
        message: 'converting Widget ns/w from example.com/v1 to example.com/v2: no conversion for you',
      },
    });
  });

  it('conversionHandler: passes objects already at the version, checks results, refuses malformed reviews', async () => {
    const calls: string[] = [];
    const handler = conversionHandler((object, desired) => {
      calls.push(object.metadata.name);
      return object.metadata.name === 'sloppy' ? object : { ...object, apiVersion: desired };
    });
    const at = (apiVersion: string, name: string): KubeObject => ({
      apiVersion,
      kind: 'Widget',
      metadata: { name },
    });
    const ok = (await handler(
      conversionReview('c-3', 'example.com/v2', [at('example.com/v1', 'a'), at('example.com/v2', 'b')]),
    )) as { response: unknown };
    assert.deepEqual(ok.response, {
      uid: 'c-3',
      convertedObjects: [at('example.com/v2', 'a'), at('example.com/v2', 'b')],
      result: { status: 'Success' },
    });
    assert.deepEqual(calls, ['a']);
    const sloppy = (await handler(
      conversionReview('c-4', 'example.com/v2', [at('example.com/v1', 'sloppy')]),
    )) as {
      response: { uid: string; result: { status: string; message: string } };
    };
    assert.equal(sloppy.response.uid, 'c-4');
    assert.equal(sloppy.response.result.status, 'Failure');
    assert.match(sloppy.response.result.message, /converted object has apiVersion "example.com\/v1"/);
    const malformed = (await handler({ kind: 'ConversionReview', request: { uid: 'c-5' } })) as {
      response: { result: { status: string; message: string } };
    };
    assert.equal(malformed.response.result.status, 'Failure');
    assert.match(malformed.response.result.message, /must have uid, desiredAPIVersion and objects/);
  });

  it('a missing, invalid or mismatched certificate at start is an error naming the file', async () => {
    const empty = join(scratch, 'empty');
    await assert.rejects(new WebhookServer({ port: 0, certDir: empty }).start(), {
      message: `webhook serving certificate ${join(empty, 'tls.crt')}: no such file`,
    });
    const a = await env.mintServingCert(join(scratch, 'pair-a'));
    const b = await env.mintServingCert(join(scratch, 'pair-b'));
    const garbage = join(scratch, 'garbage.crt');
    writeFileSync(garbage, 'not a certificate\n');
    await assert.rejects(new WebhookServer({ port: 0, certFile: garbage, keyFile: a.keyFile }).start(), {
      message: new RegExp(`^webhook serving certificate ${garbage} is not a PEM certificate`),
    });
    await assert.rejects(new WebhookServer({ port: 0, certFile: a.certFile, keyFile: garbage }).start(), {
      message: new RegExp(`^webhook serving key ${garbage} is not a PEM private key`),
    });
    await assert.rejects(new WebhookServer({ port: 0, certFile: a.certFile, keyFile: b.keyFile }).start(), {
      message: `webhook serving certificate ${a.certFile} does not match the key ${b.keyFile}`,
    });
    assert.throws(() => new WebhookServer({ certFile: a.certFile }), /certFile and keyFile go together/);
  });

  it('is ready only while listening with a loaded certificate', async () => {
    const dir = join(scratch, 'ready');
    await env.mintServingCert(dir);
    const local = new WebhookServer({ port: 0, host: '127.0.0.1', certDir: dir });
    assert.equal(local.ready(), false);
    const localPort = await local.start();
    assert.equal(local.ready(), true);
    assert.equal(local.port, localPort);
    const clash = new WebhookServer({ port: localPort, host: '127.0.0.1', certDir: dir });
    await assert.rejects(clash.start(), {
      message: new RegExp(`cannot listen on 127\\.0\\.0\\.1:${localPort}`),
    });
    assert.equal(clash.ready(), false);
    await local.stop();
    assert.equal(local.ready(), false);
    await local.stop(); // idempotent
  });

  it('stop() answers the review in flight, closes idle connections at once and refuses new ones', {
    timeout: 60_000,
  }, async (t) => {
    const dir = join(scratch, 'stop');
    await env.mintServingCert(dir);
    // no grace period to fall back on: stop() must end on its own
    const stopping = new WebhookServer({
      port: 0,
      host: '127.0.0.1',
      certDir: dir,
      shutdownGraceMs: 600_000,
    });
    let release = (): void => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered = (): void => {};
    const inHandler = new Promise<void>((resolve) => {
      entered = resolve;
    });
    stopping.handle('/slow', async () => {
      entered();
      await released;
      return { done: true };
    });
    const stoppingPort = await stopping.start();
    // a connection that never sends a request, like the spare connections Go clients dial
    const idle = await new Promise<TLSSocket>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: stoppingPort, ca: caPem }, () => resolve(socket));
      socket.once('error', reject);
    });
    idle.on('error', () => {});
    // if stop() hangs (the failure this test looks for), let the file end anyway
    t.after(() => {
      idle.destroy();
      release();
    });
    const idleClosed = new Promise((resolve) => idle.once('close', resolve));
    const inFlight = send(stoppingPort, '/slow', '{}');
    await inHandler;
    const stopped = stopping.stop();
    await idleClosed;
    await assert.rejects(presentedSerial(stoppingPort), { code: 'ECONNREFUSED' });
    release();
    const reply = await inFlight;
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.connection, 'close');
    assert.deepEqual(json(reply), { done: true });
    await stopped;
  });

  it('presents a rotated certificate at the next handshake, and keeps the old one while the new pair is incomplete', async () => {
    const dir = join(scratch, 'rotate');
    const first = await env.mintServingCert(dir);
    const lines: string[] = [];
    const rotating = new WebhookServer({
      port: 0,
      host: '127.0.0.1',
      certDir: dir,
      logger: jsonLogger({ write: (line) => lines.push(line) }),
    });
    rotating.handle('/ok', () => ({ ok: true }));
    const rotatingPort = await rotating.start();
    try {
      assert.equal(await presentedSerial(rotatingPort), first.serialNumber);
      const second = await env.mintServingCert(dir);
      assert.notEqual(second.serialNumber, first.serialNumber);
      assert.equal(await presentedSerial(rotatingPort), second.serialNumber);
      assert.equal(rotating.certificate?.serialNumber, second.serialNumber);
      // half a rotation: the new certificate is in place but the key is still the old one
      const third = await env.mintServingCert(join(scratch, 'rotate-next'));
      copyFileSync(third.certFile, join(dir, 'tls.crt'));
      assert.equal(await presentedSerial(rotatingPort), second.serialNumber);
      assert.ok(
        lines.some((line) => line.includes('not reloaded') && line.includes('does not match the key')),
        lines.join(''),
      );
      copyFileSync(third.keyFile, join(dir, 'tls.key'));
      assert.equal(await presentedSerial(rotatingPort), third.serialNumber);
      assert.equal((await send(rotatingPort, '/ok', '{}')).status, 200);
    } finally {
      await rotating.stop();
    }
  });
});

describe('WebhookServer called by a real kube-apiserver', () => {
  const group = 'webhooktest.sveltos-ts.dev';
  const crdName = `widgets.${group}`;
  const namespace = `webhook-${suffix}`;
  const otherNamespace = `webhook-other-${suffix}`;
  const configName = `webhooktest-${suffix}`;
  const webhookName = `deny.${group}`;
  const admissions: Array<{ namespace: string; name: string }> = [];
  const conversions: Array<{ from: string; to: string }> = [];
  let client: RestClient;
  let server: WebhookServer;
  let port: number;

  const configMap = (ns: string, name: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: ns },
    data: { a: '1' },
  });
  const widget = (version: string, name: string, spec: Record<string, unknown>): KubeObject => ({
    apiVersion: `${group}/${version}`,
    kind: 'Widget',
    metadata: { name, namespace },
    spec,
  });
  const widgetRef = (version: string, name: string) => ({
    apiVersion: `${group}/${version}`,
    kind: 'Widget',
    namespace,
    name,
  });
  const schema = (fields: Record<string, object>) => ({
    openAPIV3Schema: {
      type: 'object',
      properties: { spec: { type: 'object', properties: fields } },
    },
  });

  async function rejection(promise: Promise<unknown>): Promise<KubeError> {
    const error = await promise.then(
      () => assert.fail('expected the API server to refuse'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof KubeError, String(error));
    return error;
  }

  before(async () => {
    const cluster = env.cluster('cluster-b');
    client = new RestClient(cluster.kubeConfig());
    const cert = await env.mintServingCert(join(scratch, 'apiserver'));
    server = new WebhookServer({ port: 0, host: '127.0.0.1', certDir: join(scratch, 'apiserver') });
    server.handle('/validate', (review) => {
      const request = review.request as { uid: string; namespace: string; name: string };
      admissions.push({ namespace: request.namespace, name: request.name });
      return {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        response: {
          uid: request.uid,
          allowed: false,
          status: { code: 403, message: `ConfigMap ${request.name} refused by the sveltos-ts test webhook` },
        },
      };
    });
    server.handle(
      '/convert',
      conversionHandler((object, desired) => {
        const { colour, color, ...rest } = (object.spec ?? {}) as Record<string, unknown>;
        if (color === 'octarine') throw new Error('octarine cannot be stored');
        conversions.push({ from: object.apiVersion, to: desired });
        const spec = desired.endsWith('/v2') ? { ...rest, color: colour } : { ...rest, colour: color };
        return { ...object, apiVersion: desired, spec };
      }),
    );
    port = await server.start();
    const caBundle = Buffer.from(cert.caPem).toString('base64');

    for (const name of [namespace, otherNamespace]) {
      await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
    // a CRD left by an interrupted run would point at a dead port: start from a fresh definition
    const crdRef = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: crdName };
    if (await client.delete(crdRef)) {
      await eventually('the old test CRD to be gone', async () => !(await client.getOrUndefined(crdRef)));
    }
    await cluster.installCrds([
      {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: crdName },
        spec: {
          group,
          names: { kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget' },
          scope: 'Namespaced',
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: schema({ colour: { type: 'string' }, size: { type: 'integer' } }),
            },
            {
              name: 'v2',
              served: true,
              storage: false,
              schema: schema({ color: { type: 'string' }, size: { type: 'integer' } }),
            },
          ],
          conversion: {
            strategy: 'Webhook',
            webhook: {
              conversionReviewVersions: ['v1'],
              clientConfig: { url: `https://127.0.0.1:${port}/convert`, caBundle },
            },
          },
        },
      },
    ]);
    // installCrds waits for the first version; discovery of the other one may lag a moment behind
    await eventually('v2 widgets in discovery', () => client.resource(`${group}/v2`, 'Widget'));
    await client.create({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: configName },
      webhooks: [
        {
          name: webhookName,
          clientConfig: { url: `https://127.0.0.1:${port}/validate`, caBundle },
          rules: [
            {
              apiGroups: [''],
              apiVersions: ['v1'],
              operations: ['CREATE'],
              resources: ['configmaps'],
              scope: 'Namespaced',
            },
          ],
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
          failurePolicy: 'Fail',
          sideEffects: 'None',
          admissionReviewVersions: ['v1'],
          timeoutSeconds: 10,
        },
      ],
    });
  });

  after(async () => {
    await server?.stop();
    await client?.delete({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      name: configName,
    });
    await client?.delete({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      name: crdName,
    });
    for (const name of [namespace, otherNamespace]) {
      await client?.delete({ apiVersion: 'v1', kind: 'Namespace', name });
    }
  });

  it('validating webhook: the API server calls us and refuses with our message, only in the selected namespace', async () => {
    // the API server picks new webhook configurations up asynchronously: probe until ours is in force
    let attempt = 0;
    const denied = await eventually('the validating webhook to be in force', async () => {
      const name = `probe-${attempt++}`;
      try {
        await client.create(configMap(namespace, name));
      } catch (error) {
        if (error instanceof KubeError && error.message.includes('denied the request'))
          return { error, name };
        throw error;
      }
      await client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name });
      return undefined;
    });
    assert.equal(denied.error.code, 'FORBIDDEN', denied.error.message);
    assert.match(
      denied.error.message,
      new RegExp(
        `admission webhook "${webhookName.replaceAll('.', '\\.')}" denied the request: ConfigMap ${denied.name} refused by the sveltos-ts test webhook`,
      ),
    );
    assert.deepEqual(admissions.at(-1), { namespace, name: denied.name });
    assert.equal(
      await client.getOrUndefined({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: denied.name }),
      undefined,
    );
    const seen = admissions.length;
    const elsewhere = await client.create(configMap(otherNamespace, 'allowed'));
    assert.equal(elsewhere.metadata.namespace, otherNamespace);
    assert.equal(admissions.length, seen, 'the webhook must not be called outside its namespace');
  });

  it('conversion webhook: created at v2, read at v1 and v2, listed at v2; the renamed field round-trips', async () => {
    await client.create(widget('v2', 'teal', { color: 'teal', size: 3 }));
    assert.ok(conversions.some((c) => c.from === `${group}/v2` && c.to === `${group}/v1`));
    const stored = await client.get(widgetRef('v1', 'teal'));
    assert.equal(stored.apiVersion, `${group}/v1`);
    assert.deepEqual(stored.spec, { colour: 'teal', size: 3 });
    const before = conversions.length;
    const back = await client.get(widgetRef('v2', 'teal'));
    assert.equal(back.apiVersion, `${group}/v2`);
    assert.deepEqual(back.spec, { color: 'teal', size: 3 });
    assert.ok(conversions.slice(before).some((c) => c.from === `${group}/v1` && c.to === `${group}/v2`));

    await client.create(widget('v1', 'plum', { colour: 'plum', size: 1 }));
    const listed = await client.list(`${group}/v2`, 'Widget', { namespace });
    assert.deepEqual(
      listed.items
        .map((item) => [item.metadata.name, item.spec])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      [
        ['plum', { color: 'plum', size: 1 }],
        ['teal', { color: 'teal', size: 3 }],
      ],
    );
  });

  it('conversion webhook: a failing conversion reaches the client with our message and stores nothing', async () => {
    const error = await rejection(client.create(widget('v2', 'magic', { color: 'octarine' })));
    assert.match(
      error.message,
      /conversion webhook for webhooktest\.sveltos-ts\.dev\/v2, Kind=Widget failed/,
    );
    assert.match(error.message, /octarine cannot be stored/);
    assert.equal(await client.getOrUndefined(widgetRef('v1', 'magic')), undefined);
  });

  it('webhook down: the API server reports the unreachable webhook and stores nothing', async () => {
    // leave no object that needs converting while the webhook is down (namespace deletion lists them)
    for (const name of ['teal', 'plum']) await client.delete(widgetRef('v1', name));
    await server.stop();
    assert.equal(server.ready(), false);

    const refused = await rejection(client.create(configMap(namespace, 'while-down')));
    assert.match(
      refused.message,
      new RegExp(`failed calling webhook "${webhookName.replaceAll('.', '\\.')}"`),
    );
    assert.match(refused.message, new RegExp(`127\\.0\\.0\\.1:${port}/validate`));
    assert.equal(
      await client.getOrUndefined({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'while-down' }),
      undefined,
    );

    const unconverted = await rejection(client.create(widget('v2', 'while-down', { color: 'grey' })));
    assert.match(
      unconverted.message,
      /conversion webhook for webhooktest\.sveltos-ts\.dev\/v2, Kind=Widget failed/,
    );
    assert.match(unconverted.message, new RegExp(`127\\.0\\.0\\.1:${port}/convert`));
    assert.equal(await client.getOrUndefined(widgetRef('v1', 'while-down')), undefined);
  });
});

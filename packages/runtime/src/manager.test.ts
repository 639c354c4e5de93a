// The Manager on a real API server: a term per leadership with fresh state, controllers replaying the
// cache, an outage longer than the renew deadline followed by a clean second term, and a failing term that
// makes the replica unhealthy and gives the Lease up.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type KubeObject, RestClient } from '@sveltos-ts/kube';
import { eventually, TestEnv } from '@sveltos-ts/testenv';
import { watchInformer } from './controller.ts';
import { Manager } from './manager.ts';
import { conversionHandler } from './webhook.ts';

const fastElection = { leaseDurationSeconds: 3, renewDeadlineMs: 2_000, retryPeriodMs: 250 };

describe('Manager', () => {
  let env: TestEnv;
  let admin: RestClient;
  before(async () => {
    env = await TestEnv.start({ clusters: [{ name: 'mgr', controllerManager: false }] });
    admin = new RestClient(env.cluster('mgr').kubeConfig());
    await admin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'work' } });
  });
  after(() => env?.stop());

  const configMap = (name: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'work' },
  });

  it('runs a fresh term after an API-server outage longer than the renew deadline', async () => {
    const manager = new Manager({
      name: 'outage',
      kubeConfig: env.cluster('mgr').kubeConfig(),
      leaderElection: { namespace: 'default', ...fastElection },
    });
    const informer = manager.cache.informer({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'work' });
    /** Per term: the keys its controller reconciled (fresh state each time). */
    const terms: Array<Set<string>> = [];
    manager.component('recorder', (term) => {
      const seen = new Set<string>();
      terms.push(seen);
      term.add(
        'configmaps',
        {
          async reconcile(name: string) {
            seen.add(name);
            return undefined;
          },
        },
        [watchInformer(informer, (e) => e.object.metadata.name)],
      );
    });
    await admin.create(configMap('before'));
    await manager.start();
    try {
      assert.equal(manager.ready(), true, 'ready once synced');
      await eventually('the first term to reconcile what the cache holds', () => terms[0]?.has('before'));
      await env.cluster('mgr').stop();
      await eventually('leadership lost during the outage', () => !manager.leading, 30_000);
      assert.equal(terms.length, 1);
      await env.cluster('mgr').start();
      await eventually(
        'a second term once the API server is back',
        () => manager.leading && terms.length === 2,
        60_000,
      );
      await admin.create(configMap('after'));
      await eventually(
        'the second term reconciles old and new objects',
        () => terms[1]!.has('before') && terms[1]!.has('after'),
      );
      assert.equal(terms[0]!.has('after'), false, 'the first term is gone for good');
      assert.equal(manager.healthy(), true);
      // one registration per metric despite two terms
      const text = await manager.metrics.metrics();
      assert.match(text, /^workqueue_adds_total\{name="configmaps"\} \d+/m);
    } finally {
      await manager.stop();
    }
  });

  it('each shard elects its own leader: two shards of one component both lead, each with its Lease', async () => {
    const shard = (key: string) =>
      new Manager({
        name: 'sharded',
        kubeConfig: env.cluster('mgr').kubeConfig(),
        leaderElection: { namespace: 'default', ...fastElection },
        shardKey: key,
      });
    const [s1, s2] = [shard('s1'), shard('s2')];
    for (const m of [s1, s2]) m.component('sharded', () => {});
    await Promise.all([s1.start(), s2.start()]);
    try {
      await eventually('both lead', () => s1.leading && s2.leading);
      for (const name of ['sharded-s1', 'sharded-s2'])
        assert.ok(
          await admin.getOrUndefined({
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            namespace: 'default',
            name,
          }),
        );
    } finally {
      await Promise.all([s1.stop(), s2.stop()]);
    }
  });

  it('a term that fails to start makes the replica unhealthy and gives the Lease up; the next one recovers', async () => {
    const manager = new Manager({
      name: 'flaky',
      kubeConfig: env.cluster('mgr').kubeConfig(),
      leaderElection: { namespace: 'default', ...fastElection },
    });
    let attempts = 0;
    let failing = true;
    manager.component('flaky', () => {
      attempts++;
      if (failing) throw new Error('cannot set up');
    });
    await manager.start();
    try {
      await eventually('the failed term reported', () => manager.healthy() !== true && attempts >= 1);
      assert.match(String(manager.healthy()), /cannot set up/);
      assert.equal(manager.ready(), true, 'readiness is about caches, not about leading');
      // each failure gives the Lease up, so each retry takes it anew: a holder that kept it would not
      // count transitions
      await eventually('several failed attempts', () => attempts >= 3);
      const lease = await admin.get<KubeObject & { spec?: { leaseTransitions?: number } }>({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        namespace: 'default',
        name: 'flaky',
      });
      assert.ok((lease.spec?.leaseTransitions ?? 0) >= 2, `transitions: ${lease.spec?.leaseTransitions}`);
      failing = false;
      await eventually('a later term starts', () => manager.leading && manager.healthy() === true, 30_000);
      assert.ok(attempts >= 2);
    } finally {
      await manager.stop();
    }
  });

  it('serves webhooks on every replica, over HTTPS with the certificate it is given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'manager-webhook-'));
    const cert = await env.mintServingCert(dir);
    const manager = new Manager({
      name: 'hooks',
      kubeConfig: env.cluster('mgr').kubeConfig(),
      // a follower: another identity holds the Lease, yet the webhook must answer
      leaderElection: { namespace: 'default', name: 'held-elsewhere', ...fastElection },
      webhook: { port: 0, host: '127.0.0.1', certDir: dir },
    });
    await admin.create({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'held-elsewhere', namespace: 'default' },
      spec: {
        holderIdentity: 'someone-else',
        leaseDurationSeconds: 3600,
        renewTime: new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z'),
      },
    });
    manager.webhook(
      '/convert',
      conversionHandler((o, to) => ({ ...o, apiVersion: to })),
    );
    await manager.start();
    try {
      assert.equal(manager.ready(), true);
      assert.equal(manager.leading, false);
      const review = {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'ConversionReview',
        request: {
          uid: 'u1',
          desiredAPIVersion: 'example.io/v2',
          objects: [{ apiVersion: 'example.io/v1', kind: 'Thing', metadata: { name: 'a' } }],
        },
      };
      const answer = await new Promise<string>((resolve, reject) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port: manager.webhookPort,
            path: '/convert',
            method: 'POST',
            ca: cert.caPem,
            headers: { 'content-type': 'application/json' },
          },
          (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve(body));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify(review));
      });
      const response = JSON.parse(answer) as { response: { uid: string; convertedObjects: KubeObject[] } };
      assert.equal(response.response.uid, 'u1');
      assert.equal(response.response.convertedObjects[0]!.apiVersion, 'example.io/v2');
    } finally {
      await manager.stop();
    }
  });

  it('without leader election, a failing set-up rejects start', async () => {
    const manager = new Manager({ name: 'plain', kubeConfig: env.cluster('mgr').kubeConfig() });
    manager.component('broken', () => {
      throw new Error('broken set-up');
    });
    await assert.rejects(manager.start(), /broken set-up/);
    await manager.stop();
  });
});

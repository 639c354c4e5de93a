// The web view in a real headless browser (Chromium from Debian's packages, driven by playwright-core) against
// the test bed: the whole product runs (agents → event-manager → addon-controller), the web component reads
// the management cluster with each user's own token. Checks that the pages show what the API holds, follow a
// change live, and hide what a limited token may not read. With WEB_SCREENSHOTS_DIR set (docs/web.md), the
// main pages are saved there as PNGs.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type SveltosCluster, SveltosClusterKind } from '@sveltos-ts/api';
import type { RestClient } from '@sveltos-ts/kube';
import { mintServiceAccountKubeconfig, TestEnv } from '@sveltos-ts/testenv';
import { startWebServer, type WebServer } from '@sveltos-ts/web';
import { type Browser, chromium, type Page } from 'playwright-core';
import { converge, type Fleet, scenarios, startFleet } from './scenarios.ts';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOTS = process.env.WEB_SCREENSHOTS_DIR;
/** How long a page may take to show a change before the test fails: generous, the figure is printed. */
const LIVE_BOUND_MS = 10_000;

const READ = ['get', 'list', 'watch'];

describe('web view in a headless browser', {
  skip: !existsSync(CHROMIUM) && `no browser at ${CHROMIUM}`,
}, () => {
  let env: TestEnv;
  let fleet: Fleet;
  let web: WebServer;
  let browser: Browser;
  let mgmt: RestClient;
  let viewerToken: string;
  let tenantToken: string;

  before(async () => {
    env = await TestEnv.start({ clusters: ['mgmt', 'cluster-a', 'cluster-b'] });
    fleet = await startFleet(env);
    mgmt = fleet.client('mgmt');
    // every example, as the demo applies them: a fleet with something on every page
    for (const scenario of scenarios) await scenario.apply(fleet);
    await converge(
      fleet,
      scenarios.flatMap((s) => s.expected),
    );
    const admin = env.cluster('mgmt').kubeConfig();
    // a platform engineer: may read every Sveltos kind and Events, nothing else
    viewerToken = (
      await mintServiceAccountKubeconfig(admin, {
        namespace: 'fleet-viewers',
        name: 'viewer',
        clusterRules: [
          { apiGroups: ['lib.projectsveltos.io', 'config.projectsveltos.io'], resources: ['*'], verbs: READ },
          { apiGroups: ['cluster.x-k8s.io'], resources: ['clusters'], verbs: READ },
          { apiGroups: [''], resources: ['events'], verbs: READ },
        ],
      })
    ).token;
    // a tenant: may read the Sveltos objects and Events of its own namespace only
    tenantToken = (
      await mintServiceAccountKubeconfig(admin, {
        namespace: 'team-a',
        name: 'tenant',
        rules: [
          {
            apiGroups: ['lib.projectsveltos.io', 'config.projectsveltos.io'],
            resources: ['sveltosclusters', 'eventreports', 'clustersummaries'],
            verbs: READ,
          },
          { apiGroups: [''], resources: ['events'], verbs: READ },
        ],
      })
    ).token;
    await mgmt.apply(
      {
        apiVersion: SveltosClusterKind.apiVersion,
        kind: 'SveltosCluster',
        metadata: { namespace: 'team-a', name: 'edge-1', labels: { team: 'a', env: 'edge' } },
        spec: { kubeconfigName: 'edge-1-kubeconfig' },
      },
      { fieldManager: 'web-test' },
    );
    web = await startWebServer({
      target: { server: env.cluster('mgmt').server, caPem: env.caPem },
      host: '127.0.0.1',
      port: 0,
      // watches are opened again (and so authorized again) every few seconds, for the withdrawal test
      watchTimeoutSeconds: 3,
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await web?.close();
    await fleet?.stop();
    await env?.stop();
  });

  async function signedIn(token: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    page.on('pageerror', (error) => console.error('page error:', error.message));
    await page.goto(web.url);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Bearer token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Clusters' }).waitFor();
    await page.locator('body[data-live="live"]').waitFor();
    return page;
  }

  async function open(page: Page, hash: string, heading: string): Promise<void> {
    // the test code runs in Node: the page's own globals are reached through evaluate's string form
    await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
    await page.getByRole('heading', { name: heading, exact: true }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Loading…' }).waitFor({ state: 'detached' });
  }

  async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });
  }

  it('refuses to show anything without a token the API server accepts', async () => {
    const response = await fetch(`${web.url}api/clusters`);
    assert.equal(response.status, 401);
    const wrong = await fetch(`${web.url}api/clusters`, { headers: { authorization: 'Bearer not-a-token' } });
    assert.equal(wrong.status, 401);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(web.url);
    await screenshot(page, 'sign-in');
    await page.getByLabel('Bearer token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'did not accept this token' }).waitFor();
    await context.close();
  });

  it("skips the sign-in page behind a proxy that passes the user's token", async () => {
    const proxied = await startWebServer({
      target: { server: env.cluster('mgmt').server, caPem: env.caPem },
      host: '127.0.0.1',
      port: 0,
      trustForwardedToken: true,
    });
    try {
      // what oauth2-proxy --pass-access-token adds to every request it forwards
      const context = await browser.newContext({
        extraHTTPHeaders: { 'x-forwarded-access-token': viewerToken },
      });
      const page = await context.newPage();
      await page.goto(proxied.url);
      await page.getByRole('heading', { name: 'Clusters' }).waitFor();
      await page.locator('tr[data-cluster="default/cluster-a"]').waitFor();
      await page.getByText('system:serviceaccount:fleet-viewers:viewer').waitFor();
      await context.close();
    } finally {
      await proxied.close();
    }
  });

  it('lists the clusters the API holds, with their labels and readiness', async () => {
    const page = await signedIn(viewerToken);
    const clusters = (await mgmt.list<SveltosCluster>(SveltosClusterKind.apiVersion, 'SveltosCluster')).items;
    assert.ok(clusters.length >= 4);
    for (const c of clusters) {
      const row = page.locator(`tr[data-cluster="${c.metadata.namespace}/${c.metadata.name}"]`);
      await row.waitFor();
      for (const [key, value] of Object.entries(c.metadata.labels ?? {}))
        assert.ok(
          (await row.textContent())!.includes(`${key}=${value}`),
          `${c.metadata.name}: ${key}=${value}`,
        );
      await row.getByText(c.status?.ready ? 'Ready' : 'Not ready', { exact: true }).waitFor();
    }
    await screenshot(page, 'clusters');
    // a label search narrows the list
    await page.getByLabel('Search clusters').fill('dep=eng');
    await page.locator('tr[data-cluster="default/cluster-a"]').waitFor({ state: 'detached' });
    assert.equal(await page.locator('tbody tr[data-cluster]').count(), 1);
    await page.context().close();
  });

  it("shows a cluster's matched events, the profiles they made and the add-ons deployed", async () => {
    const page = await signedIn(viewerToken);
    await open(page, '#/clusters/sveltos/default/cluster-b', 'Cluster default/cluster-b');
    // the EventReport of the Service the example created
    const report = page.locator('section[aria-labelledby="events-h"]');
    await report.getByText('Service default/orders').waitFor();
    // the NetworkPolicy the example's profile deployed, named in its ClusterSummary's record
    const addons = page.locator('section[aria-labelledby="addons-h"]');
    await addons.locator('tr[data-resource="NetworkPolicy/default/allow-internal-to-orders"]').waitFor();
    await addons.getByText('network-policy-per-service').first().waitFor();
    await page
      .locator('section[aria-labelledby="produced-h"]')
      .getByRole('link', { name: 'network-policy-per-service' })
      .waitFor();
    await screenshot(page, 'cluster');
    await page.context().close();
  });

  it('draws the chain of an EventTrigger: source cluster → event → profile → destination clusters', async () => {
    const page = await signedIn(viewerToken);
    // cross-cluster-service's trigger: a LoadBalancer Service in cluster-a published into cluster-b
    await open(page, '#/triggers/publish-load-balancers', 'EventTrigger publish-load-balancers');
    const column = (name: string) =>
      page.locator('section').filter({ has: page.getByRole('heading', { name, exact: true }) });
    await column('Source clusters').getByRole('link', { name: 'default/cluster-a' }).waitFor();
    await column('Events').locator('.resource').first().waitFor();
    await column('ClusterProfiles').getByRole('link').first().waitFor();
    await column('Destination clusters').getByRole('link', { name: 'default/cluster-b' }).waitFor();
    await column('Destination clusters').getByText('Provisioned').first().waitFor();
    // the lines between the cards are drawn once the cards are laid out
    await page.locator('svg.chain-lines path').nth(2).waitFor({ state: 'attached' });
    await screenshot(page, 'trigger-chain');
    await open(page, '#/changes', 'What changed when');
    await page.locator('ol.timeline li').first().waitFor();
    await screenshot(page, 'changes', false);
    await open(page, '#/profiles', 'ClusterProfiles');
    await page.locator('tr[data-profile]').first().waitFor();
    await screenshot(page, 'profiles');
    await page.context().close();
  });

  it('follows changes live: a label, a new cluster and a new event appear without reloading', async () => {
    const page = await signedIn(viewerToken);
    // a marker that only survives if the page is never reloaded
    await page.evaluate('window.notReloaded = true');
    const ref = {
      apiVersion: SveltosClusterKind.apiVersion,
      kind: 'SveltosCluster',
      namespace: 'default',
      name: 'cluster-a',
    };
    const label = `live-${Date.now().toString(36)}`;
    let started = Date.now();
    await mgmt.mergePatch(ref, { metadata: { labels: { stage: label } } });
    await page
      .locator('tr[data-cluster="default/cluster-a"]')
      .getByText(`stage=${label}`)
      .waitFor({ timeout: LIVE_BOUND_MS });
    console.log(`web: a label change showed on the clusters page after ${Date.now() - started} ms`);

    started = Date.now();
    await mgmt.apply(
      {
        apiVersion: SveltosClusterKind.apiVersion,
        kind: 'SveltosCluster',
        metadata: { namespace: 'default', name: 'late-arrival', labels: { env: 'late' } },
        spec: { kubeconfigName: 'late-arrival-kubeconfig' },
      },
      { fieldManager: 'web-test' },
    );
    await page.locator('tr[data-cluster="default/late-arrival"]').waitFor({ timeout: LIVE_BOUND_MS });
    console.log(`web: a new cluster showed after ${Date.now() - started} ms`);

    // a new event in cluster-b goes the whole way: report → profile → NetworkPolicy, each step shown live
    await open(page, '#/triggers/network-policy-per-service', 'EventTrigger network-policy-per-service');
    await fleet.client('cluster-b').apply(
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { namespace: 'default', name: 'payments', labels: { 'network-policy': 'front' } },
        spec: { selector: { app: 'payments' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
      },
      { fieldManager: 'web-test' },
    );
    await page.getByText('Service default/payments').first().waitFor({ timeout: 60_000 });
    await page
      .locator('section')
      .filter({ has: page.getByRole('heading', { name: 'ClusterProfiles', exact: true }) })
      .locator('li.card')
      .nth(1)
      .waitFor({ timeout: 60_000 });
    // the page itself was never reloaded: the stream drove every update
    assert.equal(await page.evaluate('window.notReloaded'), true);
    await page.context().close();
  });

  it('hides what a limited token may not read', async () => {
    const page = await signedIn(tenantToken);
    await page.locator('tr[data-cluster="team-a/edge-1"]').waitFor();
    assert.equal(await page.locator('tbody tr[data-cluster]').count(), 1);
    const notice = page.getByRole('complementary', { name: 'Limited by your permissions' });
    await notice.waitFor();
    const text = (await notice.textContent()) ?? '';
    assert.match(text, /SveltosClusters.*only namespaces team-a/);
    await screenshot(page, 'tenant');
    // nothing of another namespace, however it is asked for
    const html = await page.content();
    for (const other of ['cluster-a', 'cluster-b', 'fleet-viewers']) assert.ok(!html.includes(other), other);
    await open(page, '#/clusters/sveltos/default/cluster-b', 'Cluster default/cluster-b');
    await page.getByRole('alert').filter({ hasText: 'not found' }).waitFor();
    await open(page, '#/triggers', 'EventTriggers');
    await page.getByText('EventTriggers', { exact: true }).first().waitFor();
    assert.match((await page.locator('aside.notice').textContent()) ?? '', /EventTriggers.*forbidden/);
    assert.equal(await page.locator('tr[data-trigger]').count(), 0);
    const api = await fetch(`${web.url}api/clusters?pageSize=200`, {
      headers: { authorization: `Bearer ${tenantToken}` },
    });
    const body = (await api.json()) as { items: { namespace: string }[] };
    assert.deepEqual([...new Set(body.items.map((c) => c.namespace))], ['team-a']);

    // access withdrawn while the page is open: the next watch is refused and the page empties
    await open(page, '#/clusters', 'Clusters');
    await page.locator('tr[data-cluster="team-a/edge-1"]').waitFor();
    await mgmt.delete({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      namespace: 'team-a',
      name: 'tenant',
    });
    await page.locator('tr[data-cluster="team-a/edge-1"]').waitFor({ state: 'detached', timeout: 30_000 });
    await page
      .locator('aside.notice')
      .filter({ hasText: /SveltosClusters \(forbidden\)/ })
      .waitFor();
    await page.context().close();
  });
});

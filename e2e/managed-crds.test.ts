// A managed cluster where nothing installed Sveltos' CRDs: the event-manager installs the two its agents
// need (EventSource, EventReport) through the registration kubeconfig, then puts the EventSource copy there.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { crds, LIB_API_VERSION } from '@sveltos-ts/api';
import { startEventManager } from '@sveltos-ts/event-manager';
import { type KubeObject, RestClient } from '@sveltos-ts/kube';
import type { RunningComponent } from '@sveltos-ts/runtime';
import { eventually, TestEnv } from '@sveltos-ts/testenv';

describe('managed cluster without the CRDs', () => {
  let env: TestEnv;
  let manager: RunningComponent | undefined;
  before(async () => {
    env = await TestEnv.start({
      clusters: [
        { name: 'mgmt', controllerManager: false },
        { name: 'bare', controllerManager: false },
      ],
    });
    await env.cluster('mgmt').installCrds(crds);
  });
  after(async () => {
    await manager?.stop();
    await env?.stop();
  });

  it('gets EventSource and EventReport CRDs, then the EventSource copy', async () => {
    const mgmt = new RestClient(env.cluster('mgmt').kubeConfig());
    const bare = new RestClient(env.cluster('bare').kubeConfig());
    await assert.rejects(bare.resource(LIB_API_VERSION, 'EventSource'), /does not serve kind EventSource/);
    await mgmt.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fleet' } });
    await mgmt.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'bare-sveltos-kubeconfig', namespace: 'fleet' },
      stringData: { kubeconfig: env.cluster('bare').kubeconfigYaml },
    });
    await mgmt.create({
      apiVersion: LIB_API_VERSION,
      kind: 'SveltosCluster',
      metadata: { name: 'bare', namespace: 'fleet', labels: { env: 'bare' } },
      spec: {},
    });
    await mgmt.create({
      apiVersion: LIB_API_VERSION,
      kind: 'EventSource',
      metadata: { name: 'services' },
      spec: { resourceSelectors: [{ group: '', version: 'v1', kind: 'Service' }] },
    });
    await mgmt.create({
      apiVersion: LIB_API_VERSION,
      kind: 'EventTrigger',
      metadata: { name: 'on-services' },
      spec: { eventSourceName: 'services', sourceClusterSelector: { matchLabels: { env: 'bare' } } },
    });
    manager = await startEventManager({
      managementKubeConfig: env.cluster('mgmt').kubeConfig(),
      probeIntervalMs: 1_000,
    });
    const copy = await eventually(
      'the EventSource copy in the bare cluster',
      () =>
        bare.getOrUndefined<KubeObject>({
          apiVersion: LIB_API_VERSION,
          kind: 'EventSource',
          name: 'services',
        }),
      60_000,
    );
    assert.equal(copy.metadata.annotations?.['projectsveltos.io/deployed-by-sveltos'], 'true');
    // the reports its agent writes locally have their kind too
    assert.equal((await bare.resource(LIB_API_VERSION, 'EventReport')).namespaced, true);
  });
});

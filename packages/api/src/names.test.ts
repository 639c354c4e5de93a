import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  clusterRef,
  clusterTypeOf,
  decodeEventReportResources,
  EVENT_REPORT_CLUSTER_NAME_LABEL,
  EVENT_REPORT_CLUSTER_TYPE_LABEL,
  EVENT_SOURCE_NAME_LABEL,
  encodeEventReportResources,
  eventReportLabels,
  eventReportName,
  eventReportResourcesText,
  goJson,
  kubeconfigSecretName,
  parseEventReportResourcesText,
} from './index.ts';

describe('EventReport management copy identity', () => {
  it('name is <lower(clusterType)>--<eventSourceName>--<clusterName>', () => {
    assert.equal(
      eventReportName('Capi', 'sveltos-service', 'sveltos-management-workload'),
      'capi--sveltos-service--sveltos-management-workload',
    );
    assert.equal(eventReportName('Sveltos', 'es', 'mgmt'), 'sveltos--es--mgmt');
  });
  it('labels carry the EventSource, the cluster name and the lower-case type', () => {
    assert.deepEqual(eventReportLabels('es', 'c1', 'Sveltos'), {
      [EVENT_SOURCE_NAME_LABEL]: 'es',
      [EVENT_REPORT_CLUSTER_NAME_LABEL]: 'c1',
      [EVENT_REPORT_CLUSTER_TYPE_LABEL]: 'sveltos',
    });
    assert.equal(EVENT_SOURCE_NAME_LABEL, 'projectsveltos.io/eventsource-name');
    assert.equal(EVENT_REPORT_CLUSTER_NAME_LABEL, 'eventreport.projectsveltos.io/cluster-name');
    assert.equal(EVENT_REPORT_CLUSTER_TYPE_LABEL, 'eventreport.projectsveltos.io/cluster-type');
  });
});

describe('cluster references', () => {
  it('derives the cluster type from the API group', () => {
    assert.equal(clusterTypeOf({ apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster' }), 'Capi');
    assert.equal(
      clusterTypeOf({ apiVersion: 'lib.projectsveltos.io/v1beta1', kind: 'SveltosCluster' }),
      'Sveltos',
    );
    assert.equal(clusterTypeOf({ apiVersion: 'v1', kind: 'Secret' }), undefined);
  });
  it('builds references and kubeconfig Secret names', () => {
    assert.deepEqual(clusterRef('Sveltos', 'mgmt', 'mgmt'), {
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'SveltosCluster',
      namespace: 'mgmt',
      name: 'mgmt',
    });
    assert.equal(clusterRef('Capi', 'ns', 'c').apiVersion, 'cluster.x-k8s.io/v1beta2');
    assert.equal(kubeconfigSecretName('Capi', 'c'), 'c-kubeconfig');
    assert.equal(kubeconfigSecretName('Sveltos', 'c'), 'c-sveltos-kubeconfig');
  });
});

describe('EventReport spec.resources wire format', () => {
  const svc = {
    kind: 'Service',
    apiVersion: 'v1',
    metadata: { name: 'a<b>', namespace: 'default' },
    spec: { ports: [{ port: 80 }] },
  };
  it('is each object as Go-style JSON followed by \\n---', () => {
    assert.equal(
      eventReportResourcesText([svc, { kind: 'X' }]),
      '{"apiVersion":"v1","kind":"Service","metadata":{"name":"a\\u003cb\\u003e","namespace":"default"},"spec":{"ports":[{"port":80}]}}\n---{"kind":"X"}\n---',
    );
    assert.equal(goJson({ b: 1, a: '&' }), '{"a":"\\u0026","b":1}');
  });
  it('round-trips through base64, and is absent when there is nothing', () => {
    const wire = encodeEventReportResources([svc, svc]);
    assert.ok(wire);
    assert.deepEqual(decodeEventReportResources(wire), [svc, svc]);
    assert.equal(encodeEventReportResources([]), undefined);
    assert.deepEqual(decodeEventReportResources(undefined), []);
  });
  it('decodes the upstream docs example', () => {
    const text = Buffer.from(
      'eyJhcGlWZXJzaW9uIjoidjEiLCJraW5kIjoiU2VydmljZSIsIm1ldGFkYXRhIjp7Im5hbWUiOiJteS1zZXJ2aWNlIn19Ci0tLQ==',
      'base64',
    ).toString();
    assert.deepEqual(parseEventReportResourcesText(text), [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'my-service' } },
    ]);
  });
  it('tolerates --- inside JSON strings and accepts YAML streams', () => {
    const tricky = { kind: 'ConfigMap', data: { x: 'a\n---\nb', y: '}{' } };
    assert.deepEqual(parseEventReportResourcesText(eventReportResourcesText([tricky, tricky])), [
      tricky,
      tricky,
    ]);
    assert.deepEqual(parseEventReportResourcesText('kind: A\n---\nkind: B\n---\n'), [
      { kind: 'A' },
      { kind: 'B' },
    ]);
  });
});

// The Helm-by-event chain shared by e2e/helm-events.test.ts and bench/helm: a Namespace labelled
// app-chart=enabled in a managed cluster is the event; the EventTrigger installs the test chart
// sveltos-test-app into it, with the event's name in the values and the chart version from its label
// (a Kyverno-like "one release per labelled namespace" pattern, with a chart written for this project).

import type { KubeObject, RestClient } from '@sveltos-ts/kube';
import type { ChartServers } from '@sveltos-ts/testenv';

export const CHART_CA_SECRET = { namespace: 'projectsveltos', name: 'test-charts-ca' };

export function helmEventObjects(servers: ChartServers, clusterLabels: Record<string, string>): KubeObject[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: CHART_CA_SECRET,
      stringData: { 'ca.crt': servers.caPem },
    } as KubeObject,
    {
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'EventSource',
      metadata: { name: 'namespaces-wanting-the-app' },
      spec: {
        collectResources: true,
        resourceSelectors: [
          {
            group: '',
            version: 'v1',
            kind: 'Namespace',
            labelFilters: [{ key: 'app-chart', operation: 'Equal', value: 'enabled' }],
          },
        ],
      },
    } as KubeObject,
    {
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'EventTrigger',
      metadata: { name: 'app-per-namespace' },
      spec: {
        sourceClusterSelector: { matchLabels: clusterLabels },
        eventSourceName: 'namespaces-wanting-the-app',
        oneForEvent: true,
        helmCharts: [
          {
            repositoryURL: servers.repositoryURL,
            repositoryName: 'test',
            chartName: 'test/sveltos-test-app',
            chartVersion: '{{ index .Resource.metadata.labels "chart-version" }}',
            releaseName: 'app-{{ .Resource.metadata.name }}',
            releaseNamespace: '{{ .Resource.metadata.name }}',
            helmChartAction: 'Install',
            values: 'message: installed for {{ .Resource.metadata.name }}\n',
            registryCredentialsConfig: { CASecretRef: CHART_CA_SECRET },
          },
        ],
      },
    } as KubeObject,
  ];
}

/** The event: a namespace asking for the app at `version`. */
export const appNamespace = (name: string, version: string, enabled = true): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels: { ...(enabled ? { 'app-chart': 'enabled' } : {}), 'chart-version': version } },
});

/** What the chart rendered for namespace `name` (undefined while not installed). */
export async function appSettings(
  client: RestClient,
  name: string,
): Promise<Record<string, string> | undefined> {
  const cm = await client
    .getOrUndefined<KubeObject & { data?: Record<string, string> }>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: name,
      name: `app-${name}-settings`,
    })
    .catch(() => undefined);
  return cm?.data;
}

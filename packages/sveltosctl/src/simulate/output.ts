// What `sveltosctl simulate` prints: a tree per cluster (management cluster first), or one document with
// every predicted object (`-o yaml|json`). Pure.

import {
  EVENT_TRIGGER_FROM_GENERATOR_LABEL,
  EVENT_TRIGGER_REF_NAME_LABEL,
  EVENT_TRIGGER_REF_NAMESPACE_LABEL,
  type KubeObject,
  type ObjectReference,
} from '@sveltos-ts/api';
import type { Problem, SimDeployment, SimRelease, SimResource, Simulation } from './chain.ts';

/** A predicted object of the management cluster, or of a managed cluster, by identity. */
export interface PredictedObject {
  /** `management` or `<namespace>/<name>` of a registered cluster. */
  cluster: string;
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface SimulationDocument {
  rounds: number;
  settled: boolean;
  management: {
    eventReports: KubeObject[];
    configMaps: KubeObject[];
    secrets: KubeObject[];
    clusterProfiles: KubeObject[];
    clusterSummaries: { namespace: string; name: string; profile: string; cluster: string }[];
  };
  clusters: {
    cluster: string;
    kind: string;
    labels: Record<string, string>;
    ready: boolean;
    eventReports: KubeObject[];
    deployments: Omit<SimDeployment, 'cluster' | 'clusterType'>[];
  }[];
  eventTriggers: Simulation['pairs'];
  clusterProfiles: {
    name: string;
    origin: Simulation['profiles'][number]['origin'];
    matchingClusters: string[];
  }[];
  problems: Problem[];
  notes: string[];
}

const byName = (a: KubeObject, b: KubeObject): number =>
  `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(
    `${b.metadata.namespace ?? ''}/${b.metadata.name}`,
  );

export function simulationDocument(sim: Simulation): SimulationDocument {
  const locals = (cluster: string) =>
    sim.eventReports.filter((r) => r.cluster === cluster).map((r) => r.local);
  return {
    rounds: sim.rounds,
    settled: sim.settled,
    management: {
      eventReports: sim.eventReports.map((r) => r.report).sort(byName),
      configMaps: [...sim.configMaps].sort(byName),
      secrets: [...sim.secrets].sort(byName),
      clusterProfiles: sim.profiles
        .filter((p) => p.origin !== 'input')
        .map((p) => p.object)
        .sort(byName),
      clusterSummaries: sim.deployments
        .map((d) => ({ ...d.clusterSummary, profile: d.profile, cluster: d.cluster }))
        .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`)),
    },
    clusters: sim.clusters.map((c) => {
      const key = `${c.namespace}/${c.name}`;
      return {
        cluster: key,
        kind: c.ref.kind ?? '',
        labels: c.labels,
        ready: c.ready && !c.paused,
        eventReports: locals(key),
        deployments: sim.deployments
          .filter((d) => d.cluster === key)
          .map(({ cluster: _c, clusterType: _t, ...d }) => d),
      };
    }),
    eventTriggers: sim.pairs,
    clusterProfiles: sim.profiles.map((p) => ({
      name: p.name,
      origin: p.origin,
      matchingClusters: p.matchingClusters,
    })),
    problems: sim.problems,
    notes: sim.notes,
  };
}

/** Every object the chain would create, by identity (what a live run can be compared with). */
export function predictedObjects(sim: Simulation): PredictedObject[] {
  const out: PredictedObject[] = [];
  const add = (
    cluster: string,
    o: { apiVersion: string; kind: string; metadata: { namespace?: string | undefined; name: string } },
  ) =>
    out.push({
      cluster,
      apiVersion: o.apiVersion,
      kind: o.kind,
      namespace: o.metadata.namespace ?? '',
      name: o.metadata.name,
    });
  for (const r of sim.eventReports) {
    add('management', r.report);
    add(r.cluster, r.local);
  }
  for (const o of [...sim.configMaps, ...sim.secrets]) add('management', o);
  for (const p of sim.profiles) if (p.origin !== 'input') add('management', p.object);
  for (const d of sim.deployments) {
    add('management', {
      apiVersion: 'config.projectsveltos.io/v1beta1',
      kind: 'ClusterSummary',
      metadata: d.clusterSummary,
    });
    if (d.dryRun) continue;
    for (const r of d.resources)
      out.push({
        cluster: r.local ? 'management' : d.cluster,
        apiVersion: r.apiVersion,
        kind: r.kind,
        namespace: r.namespace,
        name: r.name,
      });
  }
  return out;
}

// ---- the tree ------------------------------------------------------------------------------------------

interface Node {
  text: string;
  children?: Node[];
}

function render(nodes: readonly Node[], prefix = ''): string[] {
  const lines: string[] = [];
  nodes.forEach((n, i) => {
    const last = i === nodes.length - 1;
    lines.push(`${prefix}${last ? '└─ ' : '├─ '}${n.text}`);
    if (n.children?.length) lines.push(...render(n.children, `${prefix}${last ? '   ' : '│  '}`));
  });
  return lines;
}

const ref = (r: ObjectReference): string =>
  `${r.apiVersion ? `${r.apiVersion} ` : ''}${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;

const objectName = (o: KubeObject): string =>
  `${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

function matching(refs: readonly ObjectReference[]): string {
  if (refs.length === 0) return 'nothing matches';
  const shown = refs.slice(0, 5).map(ref);
  if (refs.length > shown.length) shown.push(`${refs.length - shown.length} more`);
  return `${refs.length} matching: ${shown.join(', ')}`;
}

function origin(o: KubeObject): string {
  const labels = o.metadata.labels ?? {};
  const from = labels[EVENT_TRIGGER_REF_NAME_LABEL];
  if (!from) return '';
  const generator = labels[EVENT_TRIGGER_FROM_GENERATOR_LABEL] !== undefined;
  return `${generator ? 'generated' : 'instantiated'} from ${o.kind} ${labels[EVENT_TRIGGER_REF_NAMESPACE_LABEL]}/${from}`;
}

function resourceNode(r: SimResource): Node {
  return {
    text: `${r.apiVersion} ${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}${r.local ? ' (into the management cluster: deploymentType Local)' : ''}  ← ${r.source.kind} ${r.source.namespace}/${r.source.name} key ${r.source.key}${r.conflict ? `  CONFLICT: ${r.conflict}` : ''}`,
  };
}

function releaseNode(h: SimRelease): Node {
  const values = JSON.stringify(h.values);
  return {
    text: `helm ${h.action === 'Uninstall' ? 'uninstall' : 'release'} ${h.releaseNamespace}/${h.releaseName}: chart ${h.chartName} ${h.chartVersion} from ${h.repositoryURL}, values ${values.length > 200 ? `${values.slice(0, 197)}...` : values}`,
  };
}

function deploymentNode(d: SimDeployment): Node {
  const children: Node[] = [];
  for (const f of d.features) {
    if (f.notSimulated) children.push({ text: `${f.featureID}: NOT SIMULATED: ${f.notSimulated}` });
    else if (f.failureMessage)
      children.push({
        text: `${f.featureID}: ${f.status}: ${f.failureReason}: ${f.failureMessage.replaceAll('\n', '; ')}`,
      });
  }
  children.push(...d.resources.map(resourceNode), ...d.helmReleases.map(releaseNode));
  const status = d.features.map((f) => `${f.featureID} ${f.status}`).join(', ');
  return {
    text: `ClusterProfile ${d.profile}${d.dryRun ? ' (syncMode DryRun: nothing applied)' : ''}${status ? ` — ${status}` : ''}`,
    children,
  };
}

const problemLine = (p: Problem): string =>
  `${p.blocking ? 'error' : 'warning'} (${p.component}) ${p.object}${p.cluster ? `, cluster ${p.cluster}` : ''}: ${p.code}: ${p.message}`;

export function simulationTree(sim: Simulation): string {
  const lines: string[] = [];
  const profileWhy = new Map(
    sim.profiles.map((p) => [
      p.name,
      p.origin === 'input'
        ? 'from the input'
        : `EventTrigger ${p.origin.eventTrigger}, cluster ${p.origin.cluster}`,
    ]),
  );
  const mgmt: Node[] = [
    ...sim.eventReports.map((r) => ({
      text: `EventReport ${objectName(r.report)}: ${matching(r.matchingResources)}`,
    })),
    ...[...sim.configMaps, ...sim.secrets].map((o) => ({
      text: `${o.kind} ${objectName(o)}${origin(o) ? ` (${origin(o)})` : ''}`,
    })),
    ...sim.profiles
      .filter((p) => p.origin !== 'input')
      .map((p) => ({
        text: `ClusterProfile ${p.name} (${profileWhy.get(p.name)}) → ${p.matchingClusters.join(', ') || 'no cluster'}`,
      })),
    ...sim.deployments.map((d) => ({
      text: `ClusterSummary ${d.clusterSummary.namespace}/${d.clusterSummary.name}`,
    })),
  ];
  lines.push('Management cluster', ...(mgmt.length ? render(mgmt) : ['└─ nothing']));
  for (const c of sim.clusters) {
    const key = `${c.namespace}/${c.name}`;
    const nodes: Node[] = [
      ...sim.eventReports
        .filter((r) => r.cluster === key)
        .map((r) => ({
          text: `EventReport ${objectName(r.local)} (the agent's copy): ${matching(r.matchingResources)}`,
        })),
      ...sim.deployments.filter((d) => d.cluster === key).map(deploymentNode),
    ];
    const labels = Object.entries(c.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const state = c.paused ? ', paused' : c.ready ? '' : ', not ready';
    lines.push(
      `${c.ref.kind} ${key} (${labels || 'no labels'}${state})`,
      ...(nodes.length ? render(nodes) : ['└─ nothing']),
    );
  }
  if (sim.pairs.length > 0) {
    lines.push('EventTriggers');
    const nodes = sim.pairs.map((p) => ({
      text: `${p.eventTrigger} on ${p.cluster}: ${p.status}${p.eventSource ? ` (EventSource ${p.eventSource})` : ''}${p.message ? `: ${p.message}` : ''}${p.clusterProfiles.length ? ` → ${p.clusterProfiles.map((n) => `ClusterProfile ${n}`).join(', ')}` : ''}`,
    }));
    lines.push(...render(nodes));
  }
  if (sim.problems.length > 0)
    lines.push('Problems', ...render(sim.problems.map((p) => ({ text: problemLine(p) }))));
  if (sim.notes.length > 0) lines.push('Notes', ...render(sim.notes.map((n) => ({ text: n }))));
  return lines.join('\n');
}

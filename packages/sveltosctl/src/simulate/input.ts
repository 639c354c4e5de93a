// The input of `sveltosctl simulate`: local YAML only (docs/cli.md, "simulate input").
//
//   <dir>/**/*.yaml                      management-cluster objects: EventSources, EventTriggers, ConfigMaps,
//                                        Secrets, ClusterProfiles, SveltosClusters / Cluster API Clusters
//                                        (with their labels), ClusterSets, anything templates look up
//   <dir>/clusters/<ns>/<name>/**/*.yaml the objects present in the registered cluster <ns>/<name>
//
// plus files named on the command line (management objects) and `--cluster-objects <ns>/<name>=<path>`.
// Every document is checked as `kubectl apply` would check it (@sveltos-ts/api validateObject) and stored as
// the API server would store it: a Secret's stringData becomes base64 data, a namespaced object without a
// namespace goes to `default`, the CRD defaults of our kinds are filled in.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { applyDefaults, type KubeObject } from '@sveltos-ts/api';
import { CliError } from '../errors.ts';
import { readYamlObjects, type YamlObject } from '../yaml.ts';
import { Scopes } from './scope.ts';

/** Where the objects of one cluster come from. */
export interface ClusterObjectsSource {
  /** `<namespace>/<name>` of the SveltosCluster or Cluster API Cluster. */
  cluster: string;
  path: string;
}

export interface SimulateSources {
  /** Files and directories (a directory's `clusters/` subtree holds the clusters' objects). */
  paths: readonly string[];
  clusterObjects?: readonly ClusterObjectsSource[];
  /** `<namespace>/<name>` of the registered cluster that is the management cluster itself. */
  managementCluster?: string | undefined;
}

/** An input object and the file it came from. */
export interface InputObject {
  object: KubeObject;
  file: string;
}

export interface SimulationInput {
  management: InputObject[];
  /** Objects per cluster, keyed `<namespace>/<name>`. */
  clusterObjects: Map<string, InputObject[]>;
  managementCluster?: string | undefined;
  /** Documents read but not used, and why. */
  ignored: string[];
  scopes: Scopes;
}

/** Kinds the simulation computes: given as input they would only be confusing. */
const COMPUTED = new Set(['EventReport', 'ClusterSummary']);

const CLUSTER_KEY = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export function checkClusterKey(key: string, what: string): string {
  if (!CLUSTER_KEY.test(key))
    throw new CliError('USAGE', `${what}: ${JSON.stringify(key)} is not <namespace>/<name> of a cluster`);
  return key;
}

const isYamlFile = (name: string): boolean => /\.ya?ml$/i.test(name);

/** YAML files under `dir`, sorted, hidden entries skipped; `skip` is a subdirectory left out. */
function yamlFiles(dir: string, skip?: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (p !== skip) walk(p);
      } else if (e.isFile() && isYamlFile(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

function filesOf(path: string, skip?: string): string[] {
  if (!existsSync(path)) throw new CliError('FILE_NOT_FOUND', `${path}: no such file or directory`);
  return statSync(path).isDirectory() ? yamlFiles(path, skip) : [path];
}

/** The documents of a file (a `kind: List` is its items), checked as the API server would. */
function documents(file: string): YamlObject[] {
  const out: YamlObject[] = [];
  for (const doc of readYamlObjects(file, { validate: true })) {
    if (doc.kind === 'List' && Array.isArray(doc.items)) {
      for (const item of doc.items) {
        if (item === null || typeof item !== 'object' || Array.isArray(item))
          throw new CliError('INVALID_INPUT', `${file}: an item of a List is not an object`);
        out.push(item as YamlObject);
      }
    } else out.push(doc);
  }
  return out;
}

/** The object as the API server stores it. */
export function asStored(o: YamlObject, scopes: Scopes): KubeObject {
  let object = structuredClone(o) as unknown as KubeObject & {
    stringData?: Record<string, string>;
    data?: Record<string, string>;
    type?: string;
  };
  object.metadata ??= { name: '' };
  if (object.apiVersion === 'v1' && object.kind === 'Secret') {
    const data = { ...(object.data ?? {}) };
    for (const [k, v] of Object.entries(object.stringData ?? {})) data[k] = Buffer.from(v).toString('base64');
    delete object.stringData;
    object.data = data;
    object.type ??= 'Opaque';
  }
  const namespaced = scopes.namespaced(object.apiVersion, object.kind);
  if (namespaced === true && !object.metadata.namespace) object.metadata.namespace = 'default';
  if (namespaced === false) delete object.metadata.namespace;
  object = applyDefaults(object);
  return object;
}

const identity = (o: KubeObject): string =>
  `${o.apiVersion.split('/').length > 1 ? o.apiVersion.split('/')[0] : ''}/${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/** Reads everything, checks it, and stores it as the API server would. Bad input: CliError (exit 2). */
export function loadInput(sources: SimulateSources): SimulationInput {
  if (sources.paths.length === 0 && (sources.clusterObjects ?? []).length === 0)
    throw new CliError('USAGE', 'give the input: a directory or YAML files (see sveltosctl simulate --help)');
  const managementFiles: string[] = [];
  const clusterFiles: { cluster: string; file: string }[] = [];
  for (const path of sources.paths) {
    const clustersDir = join(path, 'clusters');
    const isDir = existsSync(path) && statSync(path).isDirectory();
    managementFiles.push(...filesOf(path, isDir ? clustersDir : undefined));
    if (!isDir || !existsSync(clustersDir)) continue;
    if (!statSync(clustersDir).isDirectory())
      throw new CliError(
        'INVALID_INPUT',
        `${clustersDir}: must be a directory (clusters/<namespace>/<name>/)`,
      );
    for (const ns of readdirSync(clustersDir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      if (ns.name.startsWith('.')) continue;
      if (!ns.isDirectory())
        throw new CliError(
          'INVALID_INPUT',
          `${join(clustersDir, ns.name)}: expected a directory clusters/<namespace>/<name>/`,
        );
      for (const c of readdirSync(join(clustersDir, ns.name), { withFileTypes: true }).sort((a, b) =>
        a.name < b.name ? -1 : 1,
      )) {
        if (c.name.startsWith('.')) continue;
        const dir = join(clustersDir, ns.name, c.name);
        if (!c.isDirectory())
          throw new CliError('INVALID_INPUT', `${dir}: expected a directory clusters/<namespace>/<name>/`);
        const cluster = checkClusterKey(`${ns.name}/${c.name}`, relative('.', dir) || dir);
        for (const file of yamlFiles(dir)) clusterFiles.push({ cluster, file });
      }
    }
  }
  for (const s of sources.clusterObjects ?? []) {
    checkClusterKey(s.cluster, '--cluster-objects');
    for (const file of filesOf(s.path)) clusterFiles.push({ cluster: s.cluster, file });
  }
  if (sources.managementCluster) checkClusterKey(sources.managementCluster, '--management-cluster');

  // parse everything first: CRDs anywhere tell the scope of their kinds everywhere
  const scopes = new Scopes();
  const parsedManagement = managementFiles.flatMap((file) => documents(file).map((doc) => ({ doc, file })));
  const parsedClusters = clusterFiles.flatMap(({ cluster, file }) =>
    documents(file).map((doc) => ({ doc, file, cluster })),
  );
  for (const { doc } of [...parsedManagement, ...parsedClusters]) scopes.learn(doc);

  const ignored: string[] = [];
  const seen = new Map<string, string>();
  const once = (where: string, o: KubeObject, file: string) => {
    const id = `${where}|${identity(o)}`;
    const first = seen.get(id);
    if (first !== undefined)
      throw new CliError(
        'INVALID_INPUT',
        `${file}: ${identity(o)} is defined twice for the ${where === '' ? 'management cluster' : `cluster ${where}`} (first in ${first})`,
      );
    seen.set(id, file);
  };
  const management: InputObject[] = [];
  for (const { doc, file } of parsedManagement) {
    const object = asStored(doc, scopes);
    if (COMPUTED.has(object.kind)) {
      ignored.push(`${file}: ${identity(object)}: the simulation computes ${object.kind}s itself`);
      continue;
    }
    once('', object, file);
    management.push({ object, file });
  }
  const clusterObjects = new Map<string, InputObject[]>();
  for (const { doc, file, cluster } of parsedClusters) {
    const object = asStored(doc, scopes);
    once(cluster, object, file);
    const list = clusterObjects.get(cluster) ?? [];
    list.push({ object, file });
    clusterObjects.set(cluster, list);
  }
  return {
    management,
    clusterObjects,
    managementCluster: sources.managementCluster,
    ignored,
    scopes,
  };
}

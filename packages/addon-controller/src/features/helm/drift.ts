// syncMode ContinuousWithDriftDetection for Helm releases: the objects of a release (its stored manifest)
// are watched like the objects of Resources and Kustomize — the post-renderer gives them Sveltos reference
// labels naming the release — and a release whose object was changed or deleted is upgraded with what it
// has, which puts them back (helm's three-way merge restores changed fields and creates missing objects).
// A change counts as drift only when applying the manifest's object again (server-side dry run) would
// change the live one.

import {
  REFERENCE_KIND_LABEL,
  REFERENCE_NAME_LABEL,
  REFERENCE_NAMESPACE_LABEL,
  splitApiVersion,
} from '@sveltos-ts/api';
import { KubeError, type KubeObject, type RestClient } from '@sveltos-ts/kube';
import { parseAllDocuments } from 'yaml';
import { type ResourceId, resourceKey } from '../../plan.ts';
import { drifted } from '../drift.ts';

/** Field manager of the drift checks' dry runs (nothing is ever written with it). */
const DRIFT_CHECK_MANAGER = 'sveltos-drift-check';

/** The labels the post-renderer puts on every object of a release watched for drift. */
export const driftLabels = (namespace: string, name: string): Record<string, string> => ({
  [REFERENCE_KIND_LABEL]: 'HelmRelease',
  [REFERENCE_NAMESPACE_LABEL]: namespace,
  [REFERENCE_NAME_LABEL]: name,
});

export interface ReleaseObject {
  id: ResourceId;
  object: KubeObject;
}

/** The objects of a release's manifest, placed (namespaced ones without a namespace are in the release's). */
export async function releaseObjects(
  client: RestClient,
  manifest: string,
  namespace: string,
): Promise<ReleaseObject[]> {
  const out: ReleaseObject[] = [];
  for (const doc of parseAllDocuments(manifest)) {
    const o = doc.toJS() as KubeObject | null;
    if (!o || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || !o.metadata?.name) continue;
    let namespaced = true;
    try {
      namespaced = (await client.resource(o.apiVersion, o.kind)).namespaced;
    } catch (error) {
      if (!(error instanceof KubeError)) throw error;
      continue;
    }
    const object = structuredClone(o);
    if (namespaced) object.metadata.namespace ||= namespace;
    else delete object.metadata.namespace;
    const { group, version } = splitApiVersion(o.apiVersion);
    out.push({
      id: { group, version, kind: o.kind, namespace: object.metadata.namespace ?? '', name: o.metadata.name },
      object,
    });
  }
  return out;
}

/** The objects among `suspects` that were deleted or changed away from the manifest. */
export async function driftedObjects(
  client: RestClient,
  objects: readonly ReleaseObject[],
  suspects: ReadonlySet<string>,
): Promise<string[]> {
  const out: string[] = [];
  for (const { id, object } of objects) {
    if (!suspects.has(resourceKey(id))) continue;
    const what = `${id.kind} ${id.namespace ? `${id.namespace}/` : ''}${id.name}`;
    const ref = {
      apiVersion: object.apiVersion,
      kind: object.kind,
      namespace: id.namespace || undefined,
      name: id.name,
    };
    try {
      const live = await client.getOrUndefined(ref);
      if (live === undefined) {
        out.push(`${what} (deleted)`);
        continue;
      }
      const dry = await client.apply(object, {
        fieldManager: DRIFT_CHECK_MANAGER,
        force: true,
        dryRun: true,
      });
      if (drifted(live, dry)) out.push(`${what} (changed)`);
    } catch (error) {
      // an object that cannot be checked is taken as drifted: the upgrade will say what is wrong
      if (!(error instanceof KubeError)) throw error;
      out.push(`${what} (${error.message})`);
    }
  }
  return out;
}

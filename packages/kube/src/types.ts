import type { KubeObject } from '@sveltos-ts/api';

export interface ObjectList<T extends KubeObject = KubeObject> {
  items: T[];
  resourceVersion: string;
}

/** `namespace/name` for namespaced objects, `name` for cluster-scoped ones (client-go's convention). */
export function objectKey(object: { metadata: { name: string; namespace?: string | undefined } }): string {
  return object.metadata.namespace
    ? `${object.metadata.namespace}/${object.metadata.name}`
    : object.metadata.name;
}

// A Lookup over a list of objects (tests, sveltosctl simulate, an informer cache snapshot).

import type { KubeObject, Lookup } from './types.ts';

export function lookupFrom(objects: readonly KubeObject[]): Lookup {
  const byKey = new Map<string, KubeObject>();
  for (const o of objects) {
    byKey.set(JSON.stringify([o.kind ?? '', o.metadata?.namespace ?? '', o.metadata?.name ?? '']), o);
  }
  return (key) => byKey.get(JSON.stringify([key.kind, key.namespace, key.name]));
}

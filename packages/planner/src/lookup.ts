// A Lookup over a list of objects (tests, sveltosctl simulate, an informer cache snapshot).

import type { ObjectWithData } from '@sveltos-ts/api';
import type { Lookup } from './types.ts';

export function lookupFrom(objects: readonly ObjectWithData[]): Lookup {
  const byKey = new Map<string, ObjectWithData>();
  for (const o of objects) {
    byKey.set(JSON.stringify([o.kind ?? '', o.metadata?.namespace ?? '', o.metadata?.name ?? '']), o);
  }
  return (key) => byKey.get(JSON.stringify([key.kind, key.namespace, key.name]));
}

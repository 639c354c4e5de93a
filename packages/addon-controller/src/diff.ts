// diff(): what to do in a managed cluster, given what a profile wants there, what its ClusterSummary says it
// deployed, and who owns the live objects. Pure. The ownership rules (docs/design/addon-controller.md):
// we only ever modify or delete objects carrying our owner annotations; an object not created by Sveltos is
// adopted (applied over, as upstream) with a copy of its prior content, and restored — never deleted — on
// withdrawal; between profiles the lower tier wins, and on equal tiers the current owner keeps it.

import {
  HASH_ANNOTATION,
  REFERENCE_KIND_LABEL,
  REFERENCE_NAME_LABEL,
  REFERENCE_NAMESPACE_LABEL,
} from '@sveltos-ts/api';
import {
  type DesiredResource,
  describe,
  OWNER_KIND_ANNOTATION,
  OWNER_NAME_ANNOTATION,
  OWNER_TIER_ANNOTATION,
  type ResourceId,
  resourceKey,
} from './plan.ts';

/** The metadata of a live object that ownership depends on. */
export interface LiveMeta {
  labels?: Record<string, string> | undefined;
  annotations?: Record<string, string> | undefined;
}

export interface Owner {
  kind: string;
  name: string;
}

export type Ownership =
  | { type: 'absent' }
  | { type: 'ours' }
  /** Deployed by another profile (tier from its annotation; 100 when missing or unreadable). */
  | { type: 'profile'; kind: string; name: string; tier: number }
  /** Sveltos reference labels without owner annotations (an older deployer): identified by its source. */
  | { type: 'sveltos'; source: string }
  /** Not created by Sveltos. */
  | { type: 'foreign' };

export function ownership(live: LiveMeta | undefined, owner: Owner): Ownership {
  if (live === undefined) return { type: 'absent' };
  const a = live.annotations ?? {};
  const l = live.labels ?? {};
  const kind = a[OWNER_KIND_ANNOTATION];
  const name = a[OWNER_NAME_ANNOTATION];
  if (kind !== undefined && name !== undefined) {
    if (kind === owner.kind && name === owner.name) return { type: 'ours' };
    const tier = Number.parseInt(a[OWNER_TIER_ANNOTATION] ?? '', 10);
    return { type: 'profile', kind, name, tier: Number.isFinite(tier) ? tier : 100 };
  }
  if (l[REFERENCE_KIND_LABEL] !== undefined) {
    return {
      type: 'sveltos',
      source: `${l[REFERENCE_KIND_LABEL]} ${l[REFERENCE_NAMESPACE_LABEL] ?? ''}/${l[REFERENCE_NAME_LABEL] ?? ''}`,
    };
  }
  return { type: 'foreign' };
}

export type ApplyAction = 'create' | 'update' | 'takeover' | 'adopt';

/** On a live object Sveltos adopted: its prior content (features/adopt.ts). */
export const PRE_EXISTING = 'addon-controller.projectsveltos.io/pre-existing';

export interface DiffInput {
  owner: Owner;
  /** Namespaces already placed (see placeResource). */
  desired: readonly DesiredResource[];
  /** What the ClusterSummary records as deployed by this profile in this cluster. */
  recorded: readonly (ResourceId & { preExisting?: true | undefined })[];
  /** Live metadata; undefined when the object does not exist. */
  live: (id: ResourceId) => LiveMeta | undefined;
  /** Whether a profile still exists: objects of a deleted owner can be taken over. */
  ownerExists: (kind: string, name: string) => boolean;
  /** False when planning failed somewhere: nothing may be withdrawn on incomplete information. */
  withdrawAllowed: boolean;
  /** Why an object not created by Sveltos cannot be adopted (undefined: it can). */
  adoptionRefusal?: ((id: ResourceId) => string | undefined) | undefined;
}

export interface Conflict {
  resource: DesiredResource;
  message: string;
}

export interface DiffResult {
  /** `from`: the profile a takeover takes the object from (it must look at its pair again). */
  apply: Array<{ resource: DesiredResource; action: ApplyAction; from?: Owner }>;
  /** Ours, with the desired hash already: nothing to write. */
  unchanged: DesiredResource[];
  conflicts: Conflict[];
  /** Recorded, no longer desired, still ours: delete. */
  remove: ResourceId[];
  /** Recorded, no longer desired, still ours, but it existed before Sveltos: restore it, never delete. */
  restore: ResourceId[];
  /** Recorded but gone or owned by someone else now: drop from the record, never delete. */
  forget: ResourceId[];
  /** Recorded, not desired, but withdrawal is blocked: stays recorded. */
  keep: ResourceId[];
}

function desiredAction(
  d: DesiredResource,
  live: LiveMeta | undefined,
  input: DiffInput,
): ApplyAction | { takeoverFrom: Owner } | Conflict | 'unchanged' {
  const own = ownership(live, input.owner);
  switch (own.type) {
    case 'absent':
      return 'create';
    case 'ours':
      return live?.annotations?.[HASH_ANNOTATION] === d.hash ? 'unchanged' : 'update';
    case 'profile':
      if (!input.ownerExists(own.kind, own.name) || d.tier < own.tier) {
        return { takeoverFrom: { kind: own.kind, name: own.name } };
      }
      return {
        resource: d,
        message:
          `${describe(d.id)} is managed by ${own.kind} ${own.name} (tier ${own.tier}); this profile's tier ${d.tier} ` +
          'does not take precedence (the lower tier wins, the current owner keeps it on equal tiers)',
      };
    case 'sveltos': {
      const ours = `${d.source.kind} ${d.source.namespace}/${d.source.name}`;
      if (own.source === ours) return 'takeover';
      return { resource: d, message: `${describe(d.id)} is managed by Sveltos through ${own.source}` };
    }
    case 'foreign': {
      const refusal = input.adoptionRefusal?.(d.id);
      return refusal ? { resource: d, message: `${describe(d.id)}: ${refusal}` } : 'adopt';
    }
  }
}

export function diff(input: DiffInput): DiffResult {
  const result: DiffResult = {
    apply: [],
    unchanged: [],
    conflicts: [],
    remove: [],
    restore: [],
    forget: [],
    keep: [],
  };
  const wanted = new Set<string>();
  for (const d of input.desired) {
    wanted.add(resourceKey(d.id));
    const action = desiredAction(d, input.live(d.id), input);
    if (action === 'unchanged') result.unchanged.push(d);
    else if (typeof action === 'string') result.apply.push({ resource: d, action });
    else if ('takeoverFrom' in action)
      result.apply.push({ resource: d, action: 'takeover', from: action.takeoverFrom });
    else result.conflicts.push(action);
  }
  const done = new Set<string>();
  for (const r of input.recorded) {
    const k = resourceKey(r);
    if (wanted.has(k) || done.has(k)) continue;
    done.add(k);
    const live = input.live(r);
    if (!input.withdrawAllowed) result.keep.push(r);
    else if (ownership(live, input.owner).type !== 'ours') result.forget.push(r);
    else if (r.preExisting || live?.annotations?.[PRE_EXISTING] !== undefined) result.restore.push(r);
    else result.remove.push(r);
  }
  return result;
}

/** Puts a desired resource in its namespace once the kind's scope is known: a namespaced object without a
 * namespace goes to `default` (as kubectl does), a cluster-scoped one loses any namespace it was given. */
export function placeResource(d: DesiredResource, namespaced: boolean): DesiredResource {
  const namespace = namespaced ? d.id.namespace || 'default' : '';
  if (namespace === d.id.namespace && (namespaced || !('namespace' in (d.object.metadata as object))))
    return d;
  const metadata = { ...(d.object.metadata as Record<string, unknown>) };
  if (namespaced) metadata.namespace = namespace;
  else delete metadata.namespace;
  return { ...d, id: { ...d.id, namespace }, object: { ...d.object, metadata } };
}

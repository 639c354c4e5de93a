// ClusterSummaries by profile and by cluster, kept up to date from the summaries informer. A profile's and a
// cluster's summaries are asked for at every reconcile; scanning every summary each time is quadratic in a
// fleet (10,000 profiles → 10,000 summaries, each profile reconcile reading them all).
import { type ClusterKey, clusterKeyString } from '@sveltos-ts/clusters';
import { type Informer, objectKey } from '@sveltos-ts/kube';
import type { Summary } from './features/types.ts';

interface Entry {
  profile: string;
  cluster: string;
}

export class SummaryIndex {
  readonly #informer: Informer<Summary>;
  readonly #profileOf: (s: Summary) => string | undefined;
  /** summary cache key (namespace/name) → where it is indexed. */
  readonly #entries = new Map<string, Entry>();
  readonly #byProfile = new Map<string, Set<string>>();
  readonly #byCluster = new Map<string, Set<string>>();

  constructor(informer: Informer<Summary>, profileOf: (s: Summary) => string | undefined) {
    this.#informer = informer;
    this.#profileOf = profileOf;
  }

  /** Indexes what the cache holds and follows its changes until the returned function is called. */
  attach(): () => void {
    for (const s of this.#informer.list()) this.#set(s);
    const detach = this.#informer.on((e) => {
      if (e.type === 'delete') this.#remove(objectKey(e.object));
      else this.#set(e.object);
    });
    return () => {
      detach();
      this.#entries.clear();
      this.#byProfile.clear();
      this.#byCluster.clear();
    };
  }

  /** The summaries of a profile (one per cluster it deploys to or withdraws from). */
  ofProfile(profile: string): Summary[] {
    return this.#objects(this.#byProfile.get(profile));
  }

  /** The summaries of every profile on a cluster. */
  onCluster(cluster: ClusterKey): Summary[] {
    return this.#objects(this.#byCluster.get(clusterKeyString(cluster)));
  }

  #objects(keys: Set<string> | undefined): Summary[] {
    return [...(keys ?? [])].flatMap((k) => this.#informer.get(k) ?? []);
  }

  #set(s: Summary): void {
    const key = objectKey(s);
    this.#remove(key);
    const profile = this.#profileOf(s);
    if (!profile) return;
    const cluster = clusterKeyString({
      type: s.spec.clusterType === 'Capi' ? 'Capi' : 'Sveltos',
      namespace: s.spec.clusterNamespace,
      name: s.spec.clusterName,
    });
    this.#entries.set(key, { profile, cluster });
    add(this.#byProfile, profile, key);
    add(this.#byCluster, cluster, key);
  }

  #remove(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    remove(this.#byProfile, entry.profile, key);
    remove(this.#byCluster, entry.cluster, key);
  }
}

function add(index: Map<string, Set<string>>, at: string, key: string): void {
  const keys = index.get(at) ?? new Set<string>();
  index.set(at, keys);
  keys.add(key);
}

function remove(index: Map<string, Set<string>>, at: string, key: string): void {
  const keys = index.get(at);
  keys?.delete(key);
  if (keys?.size === 0) index.delete(at);
}

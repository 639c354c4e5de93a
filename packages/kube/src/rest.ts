import type { KubeObject } from '@sveltos-ts/api';
import { Credentials } from './auth.ts';
import { codeForStatus, KubeError } from './errors.ts';
import { type HttpResponse as Response, send } from './http.ts';
import type { KubeConfig } from './kubeconfig.ts';
import { type RateLimit, TokenBucket } from './rate-limit.ts';
import type { ObjectList } from './types.ts';

/** Where a kind lives in the REST API, learnt from discovery. */
export interface ResourceInfo {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string | undefined;
  name: string;
}

export interface ListOptions {
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  /** Page size; every page is fetched. */
  limit?: number;
}

export interface ApplyOptions {
  fieldManager: string;
  /** Take ownership of conflicting fields (what a controller reconciling desired state wants). */
  force?: boolean;
  subresource?: 'status';
  /** Validate and compute the result without persisting it (`dryRun=All`). */
  dryRun?: boolean;
}

interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined> | undefined;
  body?: unknown;
  contentType?: string;
}

interface StatusBody {
  kind?: string;
  message?: string;
  reason?: string;
}

interface ApiResourceList {
  resources: Array<{ name: string; kind: string; namespaced: boolean }>;
}

/**
 * Writes use strict field validation: a misspelt field (e.g. `labelsFilters`) is an error the user sees,
 * not a silently dropped setting.
 *
 * A small JSON REST client for any kind: discovery, the status subresource, server-side apply; TLS and
 * credentials (tokens, token files, exec plugins, client certificates) come from `Credentials`.
 */
export class RestClient {
  readonly kubeConfig: KubeConfig;
  readonly server: string;
  readonly #credentials: Credentials;
  readonly #discovery = new Map<string, Promise<ApiResourceList>>();

  readonly #limiter: TokenBucket | undefined;

  /** `rateLimit`: client-go's QPS/burst for requests (watches are not limited); none by default. */
  constructor(kubeConfig: KubeConfig, options: { rateLimit?: RateLimit | undefined } = {}) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new KubeError('BAD_REQUEST', 0, 'kubeconfig has no current cluster');
    this.kubeConfig = kubeConfig;
    this.#credentials = new Credentials(kubeConfig);
    this.server = cluster.server.replace(/\/+$/, '');
    this.#limiter = options.rateLimit ? new TokenBucket(options.rateLimit) : undefined;
  }

  async #send(
    method: string,
    path: string,
    options: RequestOptions & { signal: AbortSignal },
  ): Promise<Response> {
    const url = new URL(this.server + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const { headers, agent } = await this.#credentials.forRequest();
    headers.push(['accept', 'application/json']);
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers.push(['content-type', options.contentType ?? 'application/json']);
    }
    try {
      const response = await send(url, { method, headers, body, agent, signal: options.signal });
      // an exec plugin's token revoked early: ask the plugin again next time
      if (response.status === 401) this.#credentials.forgetExecCredential();
      return response;
    } catch (error) {
      const reason = options.signal.aborted ? (options.signal.reason as Error | undefined) : undefined;
      const timedOut = (error as Error).name === 'TimeoutError' || reason?.name === 'TimeoutError';
      throw new KubeError(
        timedOut ? 'TIMEOUT' : 'NETWORK',
        0,
        `${method} ${path}: ${timedOut ? 'timed out' : (error as Error).message}`,
        undefined,
        { cause: error },
      );
    }
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    await this.#limiter?.take();
    const response = await this.#send(method, path, { ...options, signal: AbortSignal.timeout(60_000) });
    const text = await response.text();
    if (response.ok) return (text ? JSON.parse(text) : undefined) as T;
    throw this.#failure(method, path, response, text);
  }

  /** GETs a non-JSON endpoint (the API server's /metrics, /livez) and returns its body as text. */
  async text(path: string): Promise<string> {
    await this.#limiter?.take();
    const response = await this.#send('GET', path, { signal: AbortSignal.timeout(60_000) });
    const text = await response.text();
    if (response.ok) return text;
    throw this.#failure('GET', path, response, text);
  }

  /**
   * Streams a watch: calls `onEvent` for each JSON line until the server ends the watch (resolves) or the
   * connection fails (rejects). Silence longer than `idleTimeoutMs` counts as a dead connection.
   */
  async watch(
    path: string,
    query: RequestOptions['query'],
    onEvent: (event: unknown) => void,
    options: { signal: AbortSignal; idleTimeoutMs: number },
  ): Promise<void> {
    const idle = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const touch = (): void => {
      clearTimeout(timer);
      timer = setTimeout(
        () => idle.abort(new KubeError('TIMEOUT', 0, `watch ${path}: no data`)),
        options.idleTimeoutMs,
      );
    };
    touch();
    const signal = AbortSignal.any([options.signal, idle.signal]);
    try {
      const response = await this.#send('GET', path, { query: { ...query, watch: true }, signal });
      if (!response.ok) throw this.#failure('GET', path, response, await response.text());
      if (!response.body) return;
      const decoder = new TextDecoder();
      let buffered = '';
      for await (const chunk of response.body) {
        touch();
        buffered += decoder.decode(chunk, { stream: true });
        let newline = buffered.indexOf('\n');
        while (newline >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (line) onEvent(JSON.parse(line));
          newline = buffered.indexOf('\n');
        }
      }
    } catch (error) {
      if (options.signal.aborted) return;
      if (idle.signal.aborted) throw idle.signal.reason;
      if (error instanceof KubeError) throw error;
      throw new KubeError('NETWORK', 0, `watch ${path}: ${(error as Error).message}`, undefined, {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  #failure(method: string, path: string, response: Response, text: string): KubeError {
    let status: StatusBody = {};
    try {
      status = JSON.parse(text) as StatusBody;
    } catch {
      status = { message: text.slice(0, 500) };
    }
    const code = status.reason === 'AlreadyExists' ? 'ALREADY_EXISTS' : codeForStatus(response.status);
    return new KubeError(
      code,
      response.status,
      `${method} ${path}: ${status.message ?? response.statusText}`,
      status.reason,
    );
  }

  #resourceList(apiVersion: string, refresh: boolean): Promise<ApiResourceList> {
    let entry = this.#discovery.get(apiVersion);
    if (!entry || refresh) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      entry = this.request<ApiResourceList>('GET', path);
      // a failed lookup must not poison the cache: the group may appear later (CRD installed)
      entry.catch(() => this.#discovery.delete(apiVersion));
      this.#discovery.set(apiVersion, entry);
    }
    return entry;
  }

  /** Resolves a kind through discovery; a miss refreshes once, since CRDs come and go. */
  async resource(apiVersion: string, kind: string): Promise<ResourceInfo> {
    for (const refresh of [false, true]) {
      let list: ApiResourceList;
      try {
        list = await this.#resourceList(apiVersion, refresh);
      } catch (error) {
        if (error instanceof KubeError && error.code === 'NOT_FOUND') continue;
        throw error;
      }
      const found = list.resources.find((r) => r.kind === kind && !r.name.includes('/'));
      if (found) return { apiVersion, kind, plural: found.name, namespaced: found.namespaced };
    }
    throw new KubeError('UNKNOWN_KIND', 404, `the server does not serve kind ${kind} in ${apiVersion}`);
  }

  /** REST path of a collection (no name) or of one object, optionally of a subresource. */
  async path(
    ref: { apiVersion: string; kind: string; namespace?: string | undefined; name?: string | undefined },
    subresource?: string,
  ): Promise<string> {
    const info = await this.resource(ref.apiVersion, ref.kind);
    const base = ref.apiVersion.includes('/') ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
    const ns = info.namespaced && ref.namespace ? `/namespaces/${encodeURIComponent(ref.namespace)}` : '';
    const name = ref.name ? `/${encodeURIComponent(ref.name)}` : '';
    return `${base}${ns}/${info.plural}${name}${subresource && ref.name ? `/${subresource}` : ''}`;
  }

  async get<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T> {
    return this.request<T>('GET', await this.path(ref));
  }

  /** Like {@link get} but `undefined` when the object does not exist. */
  async getOrUndefined<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    try {
      return await this.get<T>(ref);
    } catch (error) {
      if (error instanceof KubeError && error.code === 'NOT_FOUND') return undefined;
      throw error;
    }
  }

  /** Lists every page; the returned resourceVersion is the one to watch from. */
  async list<T extends KubeObject = KubeObject>(
    apiVersion: string,
    kind: string,
    options: ListOptions = {},
  ): Promise<ObjectList<T>> {
    const items: T[] = [];
    let resourceVersion = '';
    for await (const page of this.pages<T>(apiVersion, kind, options)) {
      items.push(...page.items);
      resourceVersion = page.resourceVersion;
    }
    return { items, resourceVersion };
  }

  /**
   * The pages of a list, one at a time, so a large list is never held whole (an informer's initial list);
   * the last page's resourceVersion is the one to watch from.
   */
  async *pages<T extends KubeObject = KubeObject>(
    apiVersion: string,
    kind: string,
    options: ListOptions = {},
  ): AsyncGenerator<ObjectList<T>> {
    const path = await this.path({ apiVersion, kind, namespace: options.namespace });
    let continueToken: string | undefined;
    do {
      const page = await this.request<{
        items: T[];
        metadata: { resourceVersion: string; continue?: string };
      }>('GET', path, {
        query: {
          labelSelector: options.labelSelector,
          fieldSelector: options.fieldSelector,
          limit: options.limit ?? 500,
          continue: continueToken,
        },
      });
      continueToken = page.metadata.continue || undefined;
      // list items carry no apiVersion/kind; restore them so every object is self-describing
      yield {
        items: page.items.map((item) => ({ ...item, apiVersion, kind })),
        resourceVersion: page.metadata.resourceVersion,
      };
    } while (continueToken);
  }

  async create<T extends KubeObject>(object: T, fieldManager?: string): Promise<T> {
    const path = await this.path({ ...object, name: undefined, namespace: object.metadata.namespace });
    return this.request<T>('POST', path, {
      body: object,
      query: { fieldManager, fieldValidation: 'Strict' },
    });
  }

  /** Full update with optimistic concurrency (metadata.resourceVersion must be current). */
  async replace<T extends KubeObject>(object: T, fieldManager?: string, subresource?: 'status'): Promise<T> {
    const path = await this.path(
      { ...object, name: object.metadata.name, namespace: object.metadata.namespace },
      subresource,
    );
    return this.request<T>('PUT', path, { body: object, query: { fieldManager, fieldValidation: 'Strict' } });
  }

  /** Server-side apply: the API server merges our intent; unchanged intent leaves resourceVersion alone. */
  async apply<T extends KubeObject>(object: T, options: ApplyOptions): Promise<T> {
    const path = await this.path(
      { ...object, name: object.metadata.name, namespace: object.metadata.namespace },
      options.subresource,
    );
    return this.request<T>('PATCH', path, {
      body: object,
      contentType: 'application/apply-patch+yaml',
      query: {
        fieldManager: options.fieldManager,
        force: options.force ?? true,
        fieldValidation: 'Strict',
        dryRun: options.dryRun ? 'All' : undefined,
      },
    });
  }

  async mergePatch<T extends KubeObject = KubeObject>(ref: ObjectRef, patch: unknown): Promise<T> {
    return this.request<T>('PATCH', await this.path(ref), {
      body: patch,
      contentType: 'application/merge-patch+json',
    });
  }

  /** Merge-patches the status subresource; false when the object is gone (nothing to report on). */
  async patchStatus(ref: ObjectRef, status: unknown, fieldManager: string): Promise<boolean> {
    try {
      await this.request('PATCH', await this.path(ref, 'status'), {
        query: { fieldManager },
        body: { status },
        contentType: 'application/merge-patch+json',
      });
      return true;
    } catch (error) {
      if (error instanceof KubeError && error.code === 'NOT_FOUND') return false;
      throw error;
    }
  }

  /** Deletes; true when something was deleted, false when it was already gone. */
  async delete(
    ref: ObjectRef,
    options: { propagationPolicy?: 'Foreground' | 'Background' | 'Orphan'; uid?: string } = {},
  ): Promise<boolean> {
    const body = {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      propagationPolicy: options.propagationPolicy ?? 'Background',
      ...(options.uid ? { preconditions: { uid: options.uid } } : {}),
    };
    try {
      await this.request('DELETE', await this.path(ref), { body });
      return true;
    } catch (error) {
      if (error instanceof KubeError && error.code === 'NOT_FOUND') return false;
      throw error;
    }
  }
}

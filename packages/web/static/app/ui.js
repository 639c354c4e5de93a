// Shared pieces of the pages: the base class that loads a page's data and loads it again when the live
// stream says something changed, addresses, and small accessible building blocks (status badges with text,
// label lists, a pager, search). Lit escapes every value put into a template, so names and messages coming
// from the clusters cannot inject markup.

import { html, LitElement, nothing } from 'lit';
import { ApiError, getJson } from './api.js';

/** `#/clusters/sveltos/ns/name` for a cluster id {type, namespace, name}. */
export const clusterHref = (c) =>
  `#/clusters/${encodeURIComponent(c.type)}/${encodeURIComponent(c.namespace)}/${encodeURIComponent(c.name)}`;
export const clusterText = (c) => `${c.namespace}/${c.name}`;
export const triggerHref = (name) => `#/triggers/${encodeURIComponent(name)}`;
export const profileHref = (name) => `#/profiles/${encodeURIComponent(name)}`;

/** The route's query (after `?` in the hash) as URLSearchParams. */
export function routeQuery() {
  const hash = location.hash;
  const i = hash.indexOf('?');
  return new URLSearchParams(i >= 0 ? hash.slice(i + 1) : '');
}

/** Replaces the route's query without a new history entry (typing in a search box). */
export function replaceQuery(params) {
  const hash = location.hash || '#/';
  const base = hash.includes('?') ? hash.slice(0, hash.indexOf('?')) : hash;
  const text = params.toString();
  history.replaceState(null, '', `${base}${text ? `?${text}` : ''}`);
}

const pad = (n) => String(n).padStart(2, '0');

/** A timestamp in local time, `2026-12-01 14:03:07`, in a <time> element carrying the ISO value. */
export function time(iso) {
  if (!iso) return html`<span class="muted">—</span>`;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const text = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return html`<time datetime=${iso}>${text}</time>`;
}

const STATUS_CLASS = {
  Provisioned: 'ok',
  Ready: 'ok',
  Processed: 'ok',
  Managing: 'ok',
  Healthy: 'ok',
  Provisioning: 'busy',
  Pending: 'busy',
  Delivering: 'busy',
  WaitingForDelivery: 'busy',
  Removing: 'busy',
  Removed: 'idle',
  Failed: 'bad',
  FailedNonRetriable: 'bad',
  Conflict: 'bad',
  'Not ready': 'bad',
  Down: 'bad',
  Warning: 'bad',
  Normal: 'idle',
};

/** A status as text with a colour (never colour alone). */
export function badge(status) {
  if (!status) return html`<span class="muted">—</span>`;
  return html`<span class="badge ${STATUS_CLASS[status] ?? 'idle'}">${status}</span>`;
}

export function readiness(ready) {
  return badge(ready ? 'Ready' : 'Not ready');
}

export function labels(map) {
  const entries = Object.entries(map ?? {});
  if (entries.length === 0) return html`<span class="muted">no labels</span>`;
  return html`<ul class="labels" aria-label="labels">
    ${entries.map(([k, v]) => html`<li><code>${k}=${v}</code></li>`)}
  </ul>`;
}

export function hiddenNotice(hidden) {
  if (!hidden || hidden.length === 0) return nothing;
  const names = {
    sveltosclusters: 'SveltosClusters',
    capiclusters: 'Cluster API Clusters',
    eventreports: 'EventReports',
    eventtriggers: 'EventTriggers',
    clusterprofiles: 'ClusterProfiles',
    clustersummaries: 'ClusterSummaries',
    events: 'Kubernetes Events',
  };
  return html`<aside class="notice" aria-label="Limited by your permissions">
    <p>
      Your token cannot read everything: ${hidden.map(
        (h, i) => html`${i > 0 ? '; ' : ''}<strong>${names[h.kind] ?? h.kind}</strong> (${h.reason})`,
      )}. What is shown is what the API server lets it read.
    </p>
  </aside>`;
}

export function pager(page, onPage) {
  if (!page || page.pages <= 1) return nothing;
  const first = (page.page - 1) * page.pageSize + 1;
  const last = Math.min(page.total, page.page * page.pageSize);
  return html`<nav class="pager" aria-label="Pages">
    <button type="button" ?disabled=${page.page <= 1} @click=${() => onPage(page.page - 1)}>
      Previous
    </button>
    <span>${first}–${last} of ${page.total.toLocaleString('en')} · page ${page.page} of ${page.pages}</span>
    <button type="button" ?disabled=${page.page >= page.pages} @click=${() => onPage(page.page + 1)}>
      Next
    </button>
  </nav>`;
}

export function resourceText(r) {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}

/**
 * A page: `path()` names the API answer it shows; it is fetched when the page opens and again after each
 * `sveltos:change` the live stream announces (one fetch at a time; a change during a fetch fetches again).
 * Pages render into the light DOM so the document's styles, landmarks and ids apply.
 */
export class Page extends LitElement {
  static properties = {
    data: { state: true },
    error: { state: true },
  };

  constructor() {
    super();
    this.data = undefined;
    this.error = undefined;
    this.loading = false;
    this.again = false;
    this.onChange = () => this.load();
  }

  createRenderRoot() {
    return this;
  }

  connectedCallback() {
    super.connectedCallback();
    window.addEventListener('sveltos:change', this.onChange);
    this.load();
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    window.removeEventListener('sveltos:change', this.onChange);
  }

  /** The API path to show (relative, e.g. `api/clusters?page=2`). */
  path() {
    return '';
  }

  async load() {
    if (this.loading) {
      this.again = true;
      return;
    }
    this.loading = true;
    try {
      do {
        this.again = false;
        try {
          this.data = await getJson(this.path());
          this.error = undefined;
          this.dataset.loadedAt = String(Date.now());
        } catch (error) {
          if (error instanceof ApiError && error.status === 401) {
            window.dispatchEvent(new CustomEvent('sveltos:unauthorized', { detail: error.message }));
            return;
          }
          this.error = error;
        }
      } while (this.again);
    } finally {
      this.loading = false;
    }
  }

  /** Heading, then the body once loaded (or an error). */
  frame(title, body, intro = nothing) {
    return html`<h1 tabindex="-1">${title}</h1>
      ${intro}
      ${
        this.error
          ? html`<p class="error" role="alert">${this.error.status === 404 ? 'Not found: ' : 'Could not load: '}${this.error.message}</p>`
          : this.data === undefined
            ? html`<p class="muted" role="status">Loading…</p>`
            : body()
      }`;
  }
}

/** A search box bound to the route's `q`, typing debounced, with a label. */
export function searchBox(id, label, value, onInput, hint) {
  let timer;
  return html`<div class="search">
    <label for=${id}>${label}</label>
    <input
      id=${id}
      type="search"
      .value=${value ?? ''}
      autocomplete="off"
      spellcheck="false"
      aria-describedby=${hint ? `${id}-hint` : nothing}
      @input=${(e) => {
        clearTimeout(timer);
        const v = e.target.value;
        timer = setTimeout(() => onInput(v), 150);
      }}
    />
    ${hint ? html`<p id="${id}-hint" class="hint">${hint}</p>` : nothing}
  </div>`;
}

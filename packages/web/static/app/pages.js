// The pages: sign-in, clusters (paged, searchable), a cluster (events that matched, profiles, add-ons with
// why they are there), EventTriggers and the chain of one, ClusterProfiles, and what changed when.

import { html, LitElement, nothing } from 'lit';
import { ApiError, auth, getJson } from './api.js';
import './chain.js';
import {
  badge,
  clusterHref,
  clusterText,
  hiddenNotice,
  labels,
  Page,
  pager,
  profileHref,
  readiness,
  replaceQuery,
  resourceText,
  routeQuery,
  searchBox,
  time,
  triggerHref,
} from './ui.js';

/** Pages whose list follows the route's query (q, page, and more). */
class ListPage extends Page {
  query(extra = []) {
    const route = routeQuery();
    const out = new URLSearchParams();
    for (const key of ['q', 'page', ...extra]) {
      const v = route.get(key);
      if (v) out.set(key, v);
    }
    return out;
  }

  setQuery(key, value) {
    const params = routeQuery();
    if (value) params.set(key, value);
    else params.delete(key);
    if (key !== 'page') params.delete('page');
    replaceQuery(params);
    this.requestUpdate();
    this.load();
  }
}

// ---- sign-in --------------------------------------------------------------------------------------------

export class LoginPage extends LitElement {
  static properties = { message: { type: String }, error: { state: true }, busy: { state: true } };

  constructor() {
    super();
    this.message = '';
    this.error = '';
    this.busy = false;
  }

  createRenderRoot() {
    return this;
  }

  async submit(event) {
    event.preventDefault();
    const form = event.target;
    const token = form.elements.token.value.trim();
    const namespaces = form.elements.namespaces.value.trim();
    if (!token) {
      this.error = 'Paste a token first.';
      return;
    }
    this.busy = true;
    auth.signIn(token, namespaces);
    try {
      await getJson('api/whoami');
      this.error = '';
      window.dispatchEvent(new CustomEvent('sveltos:signed-in'));
    } catch (error) {
      auth.signOut();
      this.error =
        error instanceof ApiError && error.status === 401
          ? `The API server did not accept this token: ${error.message}`
          : `Could not sign in: ${error.message}`;
    } finally {
      this.busy = false;
    }
  }

  render() {
    return html`<h1 tabindex="-1">Sign in</h1>
      <p>
        Pages are read with <em>your</em> Kubernetes token: the management cluster's RBAC decides what you see.
        The token stays in this browser tab (session storage) and is sent only to this server, which uses it
        for your requests to the API server.
      </p>
      ${this.message ? html`<p class="notice" role="status">${this.message}</p>` : nothing}
      <form class="login" @submit=${(e) => this.submit(e)}>
        <label for="token">Bearer token</label>
        <textarea
          id="token"
          name="token"
          rows="4"
          required
          autocomplete="off"
          spellcheck="false"
          aria-describedby="token-hint"
        ></textarea>
        <p id="token-hint" class="hint">
          For example <code>kubectl create token &lt;service-account&gt; -n &lt;namespace&gt;</code>, or your
          OIDC ID token.
        </p>
        <label for="namespaces">Namespaces <span class="muted">(optional)</span></label>
        <input id="namespaces" name="namespaces" autocomplete="off" aria-describedby="ns-hint" />
        <p id="ns-hint" class="hint">
          Only needed when your token may read some namespaces but not all: list them, separated by commas
          (a ServiceAccount's own namespace is found by itself).
        </p>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
        <button type="submit" ?disabled=${this.busy}>${this.busy ? 'Signing in…' : 'Sign in'}</button>
      </form>`;
  }
}
customElements.define('sveltos-login', LoginPage);

// ---- clusters -------------------------------------------------------------------------------------------

export class ClustersPage extends ListPage {
  path() {
    return `api/clusters?${this.query(['ready', 'pageSize'])}`;
  }

  render() {
    const route = routeQuery();
    const d = this.data;
    return this.frame(
      'Clusters',
      () => html`
        ${hiddenNotice(d.hidden)}
        <p class="summary" role="status" aria-live="off">
          ${d.all.toLocaleString('en')} cluster${d.all === 1 ? '' : 's'}, ${d.readyCount.toLocaleString('en')} ready${
            d.total !== d.all ? html` · ${d.total.toLocaleString('en')} match` : nothing
          }
        </p>
        <table class="data">
          <caption class="visually-hidden">Registered clusters</caption>
          <thead>
            <tr>
              <th scope="col">Cluster</th>
              <th scope="col">Readiness</th>
              <th scope="col">Labels</th>
              <th scope="col" class="num">Matching events</th>
              <th scope="col" class="num">Profiles</th>
              <th scope="col" class="num">Add-ons</th>
              <th scope="col" class="num">Failing</th>
            </tr>
          </thead>
          <tbody>
            ${
              d.items.length === 0
                ? html`<tr><td colspan="7" class="muted">No cluster matches.</td></tr>`
                : d.items.map(
                    (c) => html`<tr data-cluster=${`${c.namespace}/${c.name}`}>
                      <th scope="row">
                        <a href=${clusterHref(c)}>${clusterText(c)}</a>
                        <span class="small muted">${c.type === 'capi' ? 'Cluster API' : 'SveltosCluster'}</span>
                      </th>
                      <td>
                        ${readiness(c.ready)} ${c.version ? html`<span class="small">${c.version}</span>` : nothing}
                        ${c.paused ? html`<span class="badge idle">Paused</span>` : nothing}
                        ${c.failureMessage ? html`<div class="small error-text">${c.failureMessage}</div>` : nothing}
                      </td>
                      <td>${labels(c.labels)}</td>
                      <td class="num">${c.events}</td>
                      <td class="num">${c.profiles}</td>
                      <td class="num">${c.resources + c.helmReleases}</td>
                      <td class="num">${c.failing > 0 ? html`<span class="badge bad">${c.failing}</span>` : '0'}</td>
                    </tr>`,
                  )
            }
          </tbody>
        </table>
        ${pager(d, (p) => this.setQuery('page', String(p)))}
      `,
      html`<form class="filters" role="search" @submit=${(e) => e.preventDefault()}>
        ${searchBox(
          'cluster-search',
          'Search clusters',
          route.get('q'),
          (v) => this.setQuery('q', v),
          'Words match names; env=production matches a label value, env= a label key.',
        )}
        <div>
          <label for="ready-filter">Readiness</label>
          <select id="ready-filter" @change=${(e) => this.setQuery('ready', e.target.value)}>
            <option value="" ?selected=${!route.get('ready')}>All</option>
            <option value="ready" ?selected=${route.get('ready') === 'ready'}>Ready</option>
            <option value="not-ready" ?selected=${route.get('ready') === 'not-ready'}>Not ready</option>
          </select>
        </div>
      </form>`,
    );
  }
}
customElements.define('sveltos-clusters', ClustersPage);

// ---- one cluster ----------------------------------------------------------------------------------------

function originText(origin) {
  if (!origin) return html`written directly (not made by an EventTrigger)`;
  const where = origin.cluster
    ? html` in cluster <a href=${clusterHref(origin.cluster)}>${clusterText(origin.cluster)}</a>`
    : nothing;
  const event = origin.resource
    ? html`the event <span class="resource">${origin.resource.namespace ? `${origin.resource.namespace}/` : ''}${origin.resource.name}</span>`
    : html`the events of EventSource <code>${origin.eventSource || '?'}</code>`;
  return html`made by EventTrigger <a href=${triggerHref(origin.trigger)}>${origin.trigger}</a> for ${event}${where}`;
}

function deploymentBlock(d, heading = 'profile') {
  const title =
    heading === 'profile'
      ? html`ClusterProfile <a href=${profileHref(d.profile)}>${d.profile}</a>`
      : html`Cluster <a href=${clusterHref(d.cluster)}>${clusterText(d.cluster)}</a>`;
  return html`<article class="deployment" aria-labelledby=${`dep-${d.summary.name}`}>
    <h3 id=${`dep-${d.summary.name}`}>${title} ${badge(d.status)}</h3>
    <p class="why"><strong>Why:</strong> ${originText(d.origin)}.</p>
    ${d.dependencies ? html`<p class="small">Dependencies: ${d.dependencies}</p>` : nothing}
    ${
      d.features.length > 0
        ? html`<table class="data compact">
            <caption>Features</caption>
            <thead>
              <tr>
                <th scope="col">Feature</th>
                <th scope="col">Status</th>
                <th scope="col">Last applied</th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              ${d.features.map(
                (f) => html`<tr>
                  <th scope="row">${f.featureID}</th>
                  <td>${badge(f.status)}</td>
                  <td>${time(f.lastAppliedTime)}</td>
                  <td class="error-text">
                    ${f.failureMessage}${f.consecutiveFailures > 1 ? ` (${f.consecutiveFailures} failures in a row)` : ''}
                  </td>
                </tr>`,
              )}
            </tbody>
          </table>`
        : nothing
    }
    ${
      d.resources.length > 0
        ? html`<table class="data compact">
            <caption>Resources</caption>
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col">Namespace</th>
                <th scope="col">Name</th>
                <th scope="col">Where</th>
                <th scope="col">Last applied</th>
              </tr>
            </thead>
            <tbody>
              ${d.resources.map(
                (r) => html`<tr data-resource=${`${r.kind}/${r.namespace}/${r.name}`}>
                  <td>${r.kind} <span class="small muted">${r.group ? `${r.group}/` : ''}${r.version}</span></td>
                  <td>${r.namespace || html`<span class="muted">—</span>`}</td>
                  <th scope="row">${r.name}</th>
                  <td>${r.location}</td>
                  <td>${time(r.lastAppliedTime)}</td>
                </tr>`,
              )}
            </tbody>
          </table>`
        : nothing
    }
    ${
      d.helmReleases.length > 0
        ? html`<table class="data compact">
            <caption>Helm releases</caption>
            <thead>
              <tr>
                <th scope="col">Release</th>
                <th scope="col">Chart</th>
                <th scope="col">Status</th>
                <th scope="col">Last applied</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              ${d.helmReleases.map(
                (h) => html`<tr>
                  <th scope="row">${h.releaseNamespace}/${h.releaseName}</th>
                  <td>${h.chartName} ${h.chartVersion}</td>
                  <td>${badge(h.status)}</td>
                  <td>${time(h.lastAppliedTime)}</td>
                  <td class="error-text">${h.message}</td>
                </tr>`,
              )}
            </tbody>
          </table>`
        : nothing
    }
    ${
      d.driftsReverted > 0
        ? html`<p class="small">
            Configuration drift reverted ${d.driftsReverted} time${d.driftsReverted === 1 ? '' : 's'}, last
            ${time(d.lastDriftTime)}: ${d.lastDrift}
          </p>`
        : nothing
    }
    ${
      d.resources.length === 0 && d.helmReleases.length === 0 && d.features.length === 0
        ? html`<p class="muted">No record of deployed add-ons yet.</p>`
        : nothing
    }
  </article>`;
}

export class ClusterPage extends Page {
  static properties = { params: { attribute: false } };

  path() {
    const [type, namespace, name] = this.params;
    return `api/clusters/${[type, namespace, name].map(encodeURIComponent).join('/')}`;
  }

  render() {
    const [type, namespace, name] = this.params;
    const d = this.data;
    return this.frame(
      html`Cluster ${namespace}/${name}`,
      () => html`
        ${hiddenNotice(d.hidden)}
        <dl class="facts">
          <dt>Kind</dt>
          <dd>${type === 'capi' ? 'Cluster API Cluster' : 'SveltosCluster'}</dd>
          <dt>Readiness</dt>
          <dd>
            ${readiness(d.cluster.ready)} ${d.cluster.connection ? badge(d.cluster.connection) : nothing}
            ${d.cluster.paused ? html`<span class="badge idle">Paused</span>` : nothing}
          </dd>
          ${d.cluster.version ? html`<dt>Kubernetes</dt><dd>${d.cluster.version}</dd>` : nothing}
          ${d.cluster.failureMessage ? html`<dt>Failure</dt><dd class="error-text">${d.cluster.failureMessage}</dd>` : nothing}
          <dt>Labels</dt>
          <dd>${labels(d.cluster.labels)}</dd>
          <dt>Registered</dt>
          <dd>${time(d.cluster.created)}</dd>
        </dl>

        <section aria-labelledby="addons-h">
          <h2 id="addons-h">Add-ons deployed here</h2>
          ${
            d.deployments.length === 0
              ? html`<p class="muted">Nothing is deployed in this cluster.</p>`
              : d.deployments.map((dep) => deploymentBlock(dep))
          }
          ${
            d.pending.length > 0
              ? html`<p>
                  Selected by, without a record yet:
                  ${d.pending.map((p, i) => html`${i > 0 ? ', ' : ''}<a href=${profileHref(p)}>${p}</a>`)}
                </p>`
              : nothing
          }
        </section>

        <section aria-labelledby="events-h">
          <h2 id="events-h">Events that matched (EventReports)</h2>
          ${
            d.reports.length === 0
              ? html`<p class="muted">No EventReport from this cluster.</p>`
              : html`<table class="data">
                  <caption class="visually-hidden">EventReports of this cluster</caption>
                  <thead>
                    <tr>
                      <th scope="col">EventSource</th>
                      <th scope="col">Matching resources</th>
                      <th scope="col">Phase</th>
                      <th scope="col">Changed</th>
                      <th scope="col">EventTriggers</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${d.reports.map(
                      (r) => html`<tr data-report=${r.name}>
                        <th scope="row">${r.eventSource}</th>
                        <td>
                          ${
                            r.matching.length === 0
                              ? html`<span class="muted">none</span>`
                              : html`<ul class="plain">
                                  ${r.matching.map((m) => html`<li class="resource">${resourceText(m)}</li>`)}
                                </ul>`
                          }
                          ${r.failureMessage ? html`<div class="error-text">${r.failureMessage}</div>` : nothing}
                        </td>
                        <td>${badge(r.phase || 'Pending')}</td>
                        <td>${time(r.changedAt)}</td>
                        <td>${r.triggers.map((t, i) => html`${i > 0 ? ', ' : ''}<a href=${triggerHref(t)}>${t}</a>`)}</td>
                      </tr>`,
                    )}
                  </tbody>
                </table>`
          }
          ${
            d.triggers.length > 0
              ? html`<p>
                  EventTriggers watching this cluster:
                  ${d.triggers.map(
                    (t, i) =>
                      html`${i > 0 ? ', ' : ''}<a href=${triggerHref(t.name)}>${t.name}</a> (${t.eventSource})`,
                  )}
                </p>`
              : nothing
          }
        </section>

        <section aria-labelledby="produced-h">
          <h2 id="produced-h">ClusterProfiles made by events here</h2>
          ${
            d.produced.length === 0
              ? html`<p class="muted">No event of this cluster has produced a ClusterProfile.</p>`
              : html`<table class="data">
                  <caption class="visually-hidden">ClusterProfiles produced by this cluster's events</caption>
                  <thead>
                    <tr>
                      <th scope="col">ClusterProfile</th>
                      <th scope="col">EventTrigger</th>
                      <th scope="col">Event</th>
                      <th scope="col">Deploys to</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${d.produced.map(
                      (p) => html`<tr>
                        <th scope="row"><a href=${profileHref(p.name)}>${p.name}</a></th>
                        <td><a href=${triggerHref(p.trigger)}>${p.trigger}</a></td>
                        <td>${p.resource ? html`<span class="resource">${p.resource.namespace ? `${p.resource.namespace}/` : ''}${p.resource.name}</span>` : 'all matching resources'}</td>
                        <td>
                          ${p.destinations.map((c, i) => html`${i > 0 ? ', ' : ''}<a href=${clusterHref(c)}>${clusterText(c)}</a>`)}
                        </td>
                      </tr>`,
                    )}
                  </tbody>
                </table>`
          }
        </section>

        <section aria-labelledby="changes-h">
          <h2 id="changes-h">What changed here</h2>
          <sveltos-timeline .filter=${{ cluster: `${type}/${namespace}/${name}` }} page-size="15"></sveltos-timeline>
        </section>
      `,
    );
  }
}
customElements.define('sveltos-cluster', ClusterPage);

// ---- EventTriggers --------------------------------------------------------------------------------------

export class TriggersPage extends ListPage {
  path() {
    return `api/triggers?${this.query()}`;
  }

  render() {
    const d = this.data;
    return this.frame(
      'EventTriggers',
      () => html`
        ${hiddenNotice(d.hidden)}
        <table class="data">
          <caption class="visually-hidden">EventTriggers</caption>
          <thead>
            <tr>
              <th scope="col">EventTrigger</th>
              <th scope="col">EventSource</th>
              <th scope="col">Source clusters</th>
              <th scope="col">Destination</th>
              <th scope="col" class="num">Sources</th>
              <th scope="col" class="num">Profiles</th>
              <th scope="col" class="num">Destinations</th>
              <th scope="col" class="num">Failing</th>
            </tr>
          </thead>
          <tbody>
            ${
              d.items.length === 0
                ? html`<tr><td colspan="8" class="muted">No EventTrigger${d.all > 0 ? ' matches' : ''}.</td></tr>`
                : d.items.map(
                    (t) => html`<tr data-trigger=${t.name}>
                      <th scope="row"><a href=${triggerHref(t.name)}>${t.name}</a></th>
                      <td><code>${t.eventSource}</code>${t.oneForEvent ? html` <span class="small muted">one profile per event</span>` : nothing}</td>
                      <td><code>${t.sourceSelector || '—'}</code></td>
                      <td>${t.destination}</td>
                      <td class="num">${t.sources}</td>
                      <td class="num">${t.profiles}</td>
                      <td class="num">${t.destinations}</td>
                      <td class="num">${t.failing > 0 ? html`<span class="badge bad">${t.failing}</span>` : '0'}</td>
                    </tr>`,
                  )
            }
          </tbody>
        </table>
        ${pager(d, (p) => this.setQuery('page', String(p)))}
      `,
      html`<form class="filters" role="search" @submit=${(e) => e.preventDefault()}>
        ${searchBox('trigger-search', 'Search EventTriggers', routeQuery().get('q'), (v) => this.setQuery('q', v))}
      </form>`,
    );
  }
}
customElements.define('sveltos-triggers', TriggersPage);

export class TriggerPage extends Page {
  static properties = { params: { attribute: false } };

  path() {
    return `api/triggers/${encodeURIComponent(this.params[0])}`;
  }

  render() {
    const name = this.params[0];
    const d = this.data;
    return this.frame(
      html`EventTrigger ${name}`,
      () => html`
        ${hiddenNotice(d.hidden)}
        <dl class="facts">
          <dt>EventSource</dt>
          <dd><code>${d.trigger.eventSource}</code></dd>
          <dt>Watches clusters</dt>
          <dd><code>${d.trigger.sourceSelector || '—'}</code>${d.trigger.clusterSetRefs.length ? ` and ClusterSets ${d.trigger.clusterSetRefs.join(', ')}` : ''}</dd>
          <dt>Deploys to</dt>
          <dd>${d.trigger.destination}</dd>
          <dt>Profiles</dt>
          <dd>${d.trigger.oneForEvent ? 'one per event (matching resource)' : 'one per source cluster'}</dd>
          ${d.trigger.policyRefs.length ? html`<dt>Policy references</dt><dd>${d.trigger.policyRefs.join('; ')}</dd>` : nothing}
          ${d.trigger.helmCharts.length ? html`<dt>Helm charts</dt><dd>${d.trigger.helmCharts.join('; ')}</dd>` : nothing}
        </dl>
        <section aria-labelledby="chain-h">
          <h2 id="chain-h">Source cluster → event → profile → destination clusters</h2>
          <sveltos-chain .detail=${d}></sveltos-chain>
        </section>
        ${
          d.clusterInfo.length > 0
            ? html`<section aria-labelledby="info-h">
                <h2 id="info-h">Per source cluster (EventTrigger status)</h2>
                <table class="data">
                  <caption class="visually-hidden">status.clusterInfo</caption>
                  <thead>
                    <tr><th scope="col">Cluster</th><th scope="col">Status</th><th scope="col">Error</th></tr>
                  </thead>
                  <tbody>
                    ${d.clusterInfo.map(
                      (i) => html`<tr>
                        <th scope="row"><a href=${clusterHref(i.cluster)}>${clusterText(i.cluster)}</a></th>
                        <td>${badge(i.status)}</td>
                        <td class="error-text">${i.failureMessage}</td>
                      </tr>`,
                    )}
                  </tbody>
                </table>
              </section>`
            : nothing
        }
        <section aria-labelledby="tchanges-h">
          <h2 id="tchanges-h">What changed</h2>
          <sveltos-timeline .filter=${{ trigger: name }} page-size="15"></sveltos-timeline>
        </section>
      `,
    );
  }
}
customElements.define('sveltos-trigger', TriggerPage);

// ---- ClusterProfiles ------------------------------------------------------------------------------------

export class ProfilesPage extends ListPage {
  path() {
    return `api/profiles?${this.query()}`;
  }

  render() {
    const d = this.data;
    return this.frame(
      'ClusterProfiles',
      () => html`
        ${hiddenNotice(d.hidden)}
        <table class="data">
          <caption class="visually-hidden">ClusterProfiles</caption>
          <thead>
            <tr>
              <th scope="col">ClusterProfile</th>
              <th scope="col">Made by</th>
              <th scope="col">Selects</th>
              <th scope="col" class="num">Clusters</th>
              <th scope="col" class="num">Provisioned</th>
              <th scope="col" class="num">Failing</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            ${
              d.items.length === 0
                ? html`<tr><td colspan="7" class="muted">No ClusterProfile${d.all > 0 ? ' matches' : ''}.</td></tr>`
                : d.items.map(
                    (p) => html`<tr data-profile=${p.name}>
                      <th scope="row"><a href=${profileHref(p.name)}>${p.name}</a></th>
                      <td>
                        ${
                          p.origin
                            ? html`<a href=${triggerHref(p.origin.trigger)}>${p.origin.trigger}</a>${p.origin.cluster ? html` <span class="small">(${clusterText(p.origin.cluster)})</span>` : nothing}`
                            : html`<span class="muted">a person</span>`
                        }
                      </td>
                      <td><code>${p.selector || p.clusterRefs.join(', ') || '—'}</code></td>
                      <td class="num">${p.destinations}</td>
                      <td class="num">${p.provisioned}</td>
                      <td class="num">${p.failing > 0 ? html`<span class="badge bad">${p.failing}</span>` : '0'}</td>
                      <td>${time(p.created)}</td>
                    </tr>`,
                  )
            }
          </tbody>
        </table>
        ${pager(d, (p) => this.setQuery('page', String(p)))}
      `,
      html`<form class="filters" role="search" @submit=${(e) => e.preventDefault()}>
        ${searchBox('profile-search', 'Search ClusterProfiles', routeQuery().get('q'), (v) => this.setQuery('q', v))}
      </form>`,
    );
  }
}
customElements.define('sveltos-profiles', ProfilesPage);

export class ProfilePage extends Page {
  static properties = { params: { attribute: false } };

  path() {
    return `api/profiles/${encodeURIComponent(this.params[0])}`;
  }

  render() {
    const name = this.params[0];
    const d = this.data;
    return this.frame(
      html`ClusterProfile ${name}`,
      () => html`
        ${hiddenNotice(d.hidden)}
        <dl class="facts">
          <dt>Why it exists</dt>
          <dd>${originText(d.profile.origin)}</dd>
          <dt>Selects</dt>
          <dd><code>${d.profile.selector || d.profile.clusterRefs.join(', ') || '—'}</code></dd>
          ${d.policyRefs.length ? html`<dt>Policy references</dt><dd>${d.policyRefs.join('; ')}</dd>` : nothing}
          ${d.helmCharts.length ? html`<dt>Helm charts</dt><dd>${d.helmCharts.join('; ')}</dd>` : nothing}
          ${d.conditions.map(
            (c) =>
              html`<dt>${c.type}</dt><dd>${badge(c.status === 'True' ? 'Ready' : c.reason || c.status)} ${c.message}</dd>`,
          )}
        </dl>
        <section aria-labelledby="pdeps-h">
          <h2 id="pdeps-h">Deployed in</h2>
          ${
            d.deployments.length === 0 && d.pending.length === 0
              ? html`<p class="muted">No cluster yet.</p>`
              : d.deployments.map((dep) => deploymentBlock(dep, 'cluster'))
          }
          ${
            d.pending.length > 0
              ? html`<p>
                  Selected, without a record yet:
                  ${d.pending.map((c, i) => html`${i > 0 ? ', ' : ''}<a href=${clusterHref(c)}>${clusterText(c)}</a>`)}
                </p>`
              : nothing
          }
        </section>
        <section aria-labelledby="pchanges-h">
          <h2 id="pchanges-h">What changed</h2>
          <sveltos-timeline .filter=${{ profile: name }} page-size="15"></sveltos-timeline>
        </section>
      `,
    );
  }
}
customElements.define('sveltos-profile', ProfilePage);

// ---- what changed when ----------------------------------------------------------------------------------

const SOURCE_TEXT = {
  event: 'Kubernetes Event',
  applied: 'ClusterSummary',
  report: 'EventReport',
  profile: 'ClusterProfile',
  cluster: 'Cluster',
  drift: 'Drift',
};

/** The timeline list, used on its own page and embedded (with a fixed filter) in the detail pages. */
export class TimelineView extends Page {
  static properties = { filter: { attribute: false }, pageSize: { type: Number, attribute: 'page-size' } };

  constructor() {
    super();
    this.filter = {};
    this.filterKey = '{}';
    this.pageSize = 50;
    this.page = 1;
  }

  willUpdate(changed) {
    // the parent passes a new object on each render: only a different filter loads again
    if (!changed.has('filter')) return;
    const key = JSON.stringify(this.filter ?? {});
    if (key === this.filterKey) return;
    this.filterKey = key;
    this.page = 1;
    if (this.isConnected && this.hasUpdated) this.load();
  }

  path() {
    const params = new URLSearchParams({
      ...this.filter,
      pageSize: String(this.pageSize),
      page: String(this.page),
    });
    return `api/timeline?${params}`;
  }

  render() {
    const d = this.data;
    if (this.error) return html`<p class="error" role="alert">Could not load: ${this.error.message}</p>`;
    if (!d) return html`<p class="muted">Loading…</p>`;
    return html`${hiddenNotice(d.hidden)}
      ${
        d.items.length === 0
          ? html`<p class="muted">Nothing recorded.</p>`
          : html`<ol class="timeline">
              ${d.items.map(
                (e) => html`<li class=${e.type === 'Warning' ? 'warning' : ''}>
                  <div class="when">${time(e.time)}</div>
                  <div class="what">
                    <span class="badge ${e.type === 'Warning' ? 'bad' : 'idle'}">${e.reason || e.type}</span>
                    <span class="small muted">${SOURCE_TEXT[e.source]}${e.count > 1 ? ` ×${e.count}` : ''}</span>
                    <div>${e.message}</div>
                    <div class="small">
                      ${e.object.kind} ${e.object.namespace ? `${e.object.namespace}/` : ''}${e.object.name}
                      ${e.cluster ? html` · <a href=${clusterHref(e.cluster)}>${clusterText(e.cluster)}</a>` : nothing}
                      ${e.trigger ? html` · <a href=${triggerHref(e.trigger)}>${e.trigger}</a>` : nothing}
                      ${e.profile ? html` · <a href=${profileHref(e.profile)}>${e.profile}</a>` : nothing}
                    </div>
                  </div>
                </li>`,
              )}
            </ol>`
      }
      ${pager(d, (p) => {
        this.page = p;
        this.load();
      })}`;
  }
}
customElements.define('sveltos-timeline', TimelineView);

export class ChangesPage extends ListPage {
  render() {
    const q = routeQuery().get('q') ?? '';
    return html`<h1 tabindex="-1">What changed when</h1>
      <p>
        Kubernetes Events about Sveltos objects and the times the records carry (add-ons applied, reports
        changed, profiles created, clusters registered), newest first.
      </p>
      <form class="filters" role="search" @submit=${(e) => e.preventDefault()}>
        ${searchBox('changes-search', 'Search changes', q, (v) => {
          const params = routeQuery();
          if (v) params.set('q', v);
          else params.delete('q');
          replaceQuery(params);
          this.requestUpdate();
        })}
      </form>
      <sveltos-timeline .filter=${q ? { q } : {}} page-size="50"></sveltos-timeline>`;
  }

  // the embedded timeline loads its own data
  load() {}
}
customElements.define('sveltos-changes', ChangesPage);

// The chain of an EventTrigger, drawn: source clusters → events (matching resources) → ClusterProfiles →
// destination clusters, four columns of cards joined by lines. The lines are decoration (aria-hidden); every
// card also says in words what it is linked to, so the chain reads the same without them. Hovering or
// focusing a card highlights what it is linked to.

import { html, LitElement, nothing, svg } from 'lit';
import { badge, clusterHref, clusterText, profileHref, readiness, resourceText } from './ui.js';

export class ChainView extends LitElement {
  static properties = {
    detail: { attribute: false },
    lines: { state: true },
    focusId: { state: true },
  };

  constructor() {
    super();
    this.detail = undefined;
    this.lines = [];
    this.focusId = undefined;
    this.observer = new ResizeObserver(() => this.measure());
  }

  createRenderRoot() {
    return this;
  }

  connectedCallback() {
    super.connectedCallback();
    this.observer.observe(this);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.observer.disconnect();
  }

  /** Card ids and the links between them. */
  model() {
    const d = this.detail;
    const src = new Map(d.sources.map((s, i) => [s.key, `chain-src-${i}`]));
    const ev = new Map(d.events.map((e, i) => [e.id, `chain-ev-${i}`]));
    const pr = new Map(d.profiles.map((p, i) => [p.name, `chain-pr-${i}`]));
    const dst = new Map(d.destinations.map((c, i) => [c.key, `chain-dst-${i}`]));
    const links = [];
    for (const e of d.events) if (src.has(e.source)) links.push([src.get(e.source), ev.get(e.id)]);
    for (const p of d.profiles) {
      if (p.events.length > 0) for (const e of p.events) links.push([ev.get(e), pr.get(p.name)]);
      else if (p.source && src.has(p.source)) links.push([src.get(p.source), pr.get(p.name)]);
      for (const t of p.destinations) links.push([pr.get(p.name), dst.get(t.key)]);
    }
    return { src, ev, pr, dst, links: links.filter(([a, b]) => a && b) };
  }

  updated(changed) {
    if (changed.has('detail')) this.measure();
  }

  measure() {
    if (!this.detail) return;
    const box = this.querySelector('.chain-columns')?.getBoundingClientRect();
    if (!box) return;
    const lines = [];
    for (const [from, to] of this.model().links) {
      const a = this.querySelector(`#${from}`)?.getBoundingClientRect();
      const b = this.querySelector(`#${to}`)?.getBoundingClientRect();
      if (!a || !b) continue;
      const x1 = a.right - box.left;
      const y1 = a.top + a.height / 2 - box.top;
      const x2 = b.left - box.left;
      const y2 = b.top + b.height / 2 - box.top;
      const mid = (x1 + x2) / 2;
      lines.push({ from, to, d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}` });
    }
    const key = JSON.stringify(lines);
    if (key !== this.linesKey) {
      this.linesKey = key;
      this.lines = lines;
    }
  }

  related(id) {
    if (!id) return new Set();
    const out = new Set([id]);
    const links = this.model().links;
    // follow the chain both ways from the focused card
    for (const direction of [0, 1]) {
      let frontier = [id];
      while (frontier.length > 0) {
        const next = [];
        for (const [a, b] of links) {
          const [here, there] = direction === 0 ? [a, b] : [b, a];
          if (frontier.includes(here) && !out.has(there)) {
            out.add(there);
            next.push(there);
          }
        }
        frontier = next;
      }
    }
    return out;
  }

  render() {
    const d = this.detail;
    if (!d) return nothing;
    const m = this.model();
    const lit = this.related(this.focusId);
    const cls = (id) => `card${lit.has(id) ? ' lit' : ''}${this.focusId && !lit.has(id) ? ' dim' : ''}`;
    const on = (id) => ({
      enter: () => {
        this.focusId = id;
      },
      leave: () => {
        this.focusId = undefined;
      },
    });
    const card = (id, body) => {
      const h = on(id);
      return html`<li
        id=${id}
        class=${cls(id)}
        @mouseenter=${h.enter}
        @mouseleave=${h.leave}
        @focusin=${h.enter}
        @focusout=${h.leave}
      >
        ${body}
      </li>`;
    };
    const profilesOf = (eventId) => d.profiles.filter((p) => p.events.includes(eventId));
    const empty = (text) => html`<li class="card empty">${text}</li>`;
    return html`<div class="chain">
      <div class="chain-columns">
        <section aria-labelledby="chain-h-src">
          <h3 id="chain-h-src">Source clusters</h3>
          <ol>
            ${d.sources.length === 0 ? empty('No cluster matches the source selector.') : nothing}
            ${d.sources.map((s) =>
              card(
                m.src.get(s.key),
                html`<a href=${clusterHref(s.cluster)}>${clusterText(s.cluster)}</a>
                  <div>${readiness(s.cluster.ready)}</div>
                  <div class="small">
                    ${
                      s.report
                        ? html`${s.report.matching.length} matching · ${badge(s.report.phase || 'Pending')}`
                        : html`<span class="muted">no EventReport</span>`
                    }
                  </div>`,
              ),
            )}
          </ol>
        </section>
        <section aria-labelledby="chain-h-ev">
          <h3 id="chain-h-ev">Events</h3>
          <ol>
            ${d.events.length === 0 ? empty('Nothing matches the EventSource yet.') : nothing}
            ${d.events.map((e) =>
              card(
                m.ev.get(e.id),
                html`<span class="resource">${resourceText(e.resource)}</span>
                  <div class="small">in ${e.source.split('/').slice(1).join('/')}</div>
                  <div class="small">
                    → ${
                      profilesOf(e.id).length > 0
                        ? profilesOf(e.id)
                            .map((p) => p.name)
                            .join(', ')
                        : d.profiles.some((p) => p.events.length === 0 && p.source === e.source)
                          ? 'its cluster profile'
                          : 'no profile'
                    }
                  </div>`,
              ),
            )}
          </ol>
        </section>
        <section aria-labelledby="chain-h-pr">
          <h3 id="chain-h-pr">ClusterProfiles</h3>
          <ol>
            ${d.profiles.length === 0 ? empty('No ClusterProfile has been made.') : nothing}
            ${d.profiles.map((p) =>
              card(
                m.pr.get(p.name),
                html`<a href=${profileHref(p.name)}>${p.name}</a>
                  <div class="small">
                    ${p.events.length === 1 ? 'for one event' : `for ${p.events.length || 'the'} events`}
                    ${p.source ? html` of ${p.source.split('/').slice(1).join('/')}` : nothing}
                  </div>
                  <div class="small">
                    deploys to
                    ${p.destinations.length === 0 ? 'no cluster yet' : p.destinations.map((t) => t.key.split('/').slice(1).join('/')).join(', ')}
                  </div>`,
              ),
            )}
          </ol>
        </section>
        <section aria-labelledby="chain-h-dst">
          <h3 id="chain-h-dst">Destination clusters</h3>
          <ol>
            ${d.destinations.length === 0 ? empty('Nothing deployed yet.') : nothing}
            ${d.destinations.map((c) => {
              const states = d.profiles.flatMap((p) => p.destinations.filter((t) => t.key === c.key));
              const failing = states.find((s) => s.failureMessage);
              const worst = states.find((s) => s.status.startsWith('Failed'))?.status ?? states[0]?.status;
              return card(
                m.dst.get(c.key),
                html`${
                  c.visible
                    ? html`<a href=${clusterHref(c.cluster)}>${clusterText(c.cluster)}</a>`
                    : html`<span>${clusterText(c.cluster)}</span>`
                }
                  <div>${badge(worst)}</div>
                  ${failing ? html`<div class="small error-text">${failing.failureMessage}</div>` : nothing}`,
              );
            })}
          </ol>
        </section>
      </div>
      <svg class="chain-lines" aria-hidden="true" focusable="false">
        ${this.lines.map(
          (l) =>
            svg`<path d=${l.d} class=${lit.has(l.from) && lit.has(l.to) ? 'lit' : this.focusId ? 'dim' : ''} />`,
        )}
      </svg>
    </div>`;
  }
}

customElements.define('sveltos-chain', ChainView);

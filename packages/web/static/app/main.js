// The application shell: header with navigation and the live indicator, the route (hash based, so the
// server needs no route table and the component can sit behind any path prefix), the sign-in flow, and the
// live stream whose `change` events make the open page fetch its data again.

import { html, LitElement, nothing } from 'lit';
import { auth, getJson, LiveStream } from './api.js';
import './pages.js';

const LIVE_TEXT = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  'signed-out': 'Signed out',
};

function parseRoute() {
  const hash = location.hash.replace(/^#/, '') || '/clusters';
  const path = hash.split('?')[0];
  const parts = path
    .split('/')
    .filter(Boolean)
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  return { name: parts[0] ?? 'clusters', params: parts.slice(1) };
}

class SveltosApp extends LitElement {
  static properties = {
    route: { state: true },
    user: { state: true },
    live: { state: true },
    signInMessage: { state: true },
    forwardedToken: { state: true },
    ready: { state: true },
  };

  constructor() {
    super();
    this.route = parseRoute();
    this.user = '';
    this.live = 'connecting';
    this.signInMessage = '';
    this.forwardedToken = false;
    this.ready = false;
    this.stream = undefined;
    this.lastChange = '';
  }

  createRenderRoot() {
    return this;
  }

  connectedCallback() {
    super.connectedCallback();
    window.addEventListener('hashchange', () => this.navigate());
    window.addEventListener('sveltos:unauthorized', (e) => this.signedOut(e.detail));
    window.addEventListener('sveltos:signed-in', () => this.signedIn());
    this.start();
  }

  async start() {
    try {
      this.forwardedToken = (await getJson('api/config')).forwardedToken === true;
    } catch {
      this.forwardedToken = false;
    }
    if (!auth.token && !this.forwardedToken) {
      this.ready = true;
      this.signedOut('');
      return;
    }
    try {
      const me = await getJson('api/whoami');
      this.user = me.user;
      this.ready = true;
      this.startStream();
      if (this.route.name === 'login') location.hash = '#/clusters';
    } catch (error) {
      this.ready = true;
      this.signedOut(error.status === 401 ? error.message : `Cannot reach the server: ${error.message}`);
    }
  }

  startStream() {
    this.stream?.stop();
    this.stream = new LiveStream(
      (event, data) => {
        if (event === 'ready') this.user = data.user;
        if (event === 'change') {
          this.lastChange = data.at;
          document.body.dataset.lastChange = data.at;
          window.dispatchEvent(new CustomEvent('sveltos:change', { detail: data }));
        }
        if (event === 'unauthorized') this.signedOut(data.message ?? 'Your token is no longer accepted.');
      },
      (state) => {
        this.live = state;
        document.body.dataset.live = state;
      },
    );
    this.stream.start();
  }

  signedIn() {
    this.signInMessage = '';
    location.hash = '#/clusters';
    this.start();
  }

  signedOut(message) {
    this.stream?.stop();
    this.stream = undefined;
    this.user = '';
    this.live = 'signed-out';
    this.signInMessage = message;
    if (this.route.name !== 'login') location.hash = '#/login';
  }

  signOut() {
    auth.signOut();
    this.signedOut('You signed out.');
  }

  navigate() {
    this.route = parseRoute();
    // move focus to the new page's heading, as a page load would, for keyboard and screen reader users
    this.updateComplete.then(() => {
      requestAnimationFrame(() => this.querySelector('main h1')?.focus({ preventScroll: false }));
    });
  }

  page() {
    const { name, params } = this.route;
    if (name === 'login' || !this.user)
      return html`<sveltos-login .message=${this.signInMessage}></sveltos-login>`;
    switch (name) {
      case 'clusters':
        return params.length === 3
          ? html`<sveltos-cluster .params=${params}></sveltos-cluster>`
          : html`<sveltos-clusters></sveltos-clusters>`;
      case 'triggers':
        return params.length === 1
          ? html`<sveltos-trigger .params=${params}></sveltos-trigger>`
          : html`<sveltos-triggers></sveltos-triggers>`;
      case 'profiles':
        return params.length === 1
          ? html`<sveltos-profile .params=${params}></sveltos-profile>`
          : html`<sveltos-profiles></sveltos-profiles>`;
      case 'changes':
        return html`<sveltos-changes></sveltos-changes>`;
      default:
        return html`<h1 tabindex="-1">Not found</h1>
          <p>No page at this address. <a href="#/clusters">Clusters</a></p>`;
    }
  }

  render() {
    const current = (name) => (this.route.name === name ? 'page' : nothing);
    return html`<a class="skip" href="#main" @click=${(e) => {
      e.preventDefault();
      this.querySelector('main')?.focus();
    }}>Skip to content</a>
      <header class="top">
        <a class="brand" href="#/clusters"><span aria-hidden="true">◆</span> Sveltos fleet</a>
        ${
          this.user
            ? html`<nav aria-label="Main">
                <ul>
                  <li><a href="#/clusters" aria-current=${current('clusters')}>Clusters</a></li>
                  <li><a href="#/triggers" aria-current=${current('triggers')}>EventTriggers</a></li>
                  <li><a href="#/profiles" aria-current=${current('profiles')}>ClusterProfiles</a></li>
                  <li><a href="#/changes" aria-current=${current('changes')}>What changed</a></li>
                </ul>
              </nav>
              <div class="session">
                <span class="live ${this.live}" role="status">
                  <span class="dot" aria-hidden="true"></span>${LIVE_TEXT[this.live] ?? this.live}
                </span>
                <span class="user" title="Signed in as">${this.user || 'signed in'}</span>
                ${
                  this.forwardedToken && !auth.token
                    ? nothing
                    : html`<button type="button" class="link" @click=${() => this.signOut()}>Sign out</button>`
                }
              </div>`
            : nothing
        }
      </header>
      <main id="main" tabindex="-1">${this.ready ? this.page() : html`<p class="muted">Loading…</p>`}</main>
      <footer>
        Read-only view. What you see is what your token may read in the management cluster; pages update
        from the API server's watches.
      </footer>`;
  }
}

customElements.define('sveltos-app', SveltosApp);

// Talking to the web component's API: the user's token (kept in this tab's sessionStorage, never in a
// cookie or localStorage) goes into the Authorization header of every request, including the live stream,
// which is read with fetch (EventSource cannot send headers). Behind an authenticating proxy there is no
// token here: the proxy adds it.

const TOKEN_KEY = 'sveltos-web.token';
const NAMESPACES_KEY = 'sveltos-web.namespaces';

export const auth = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  },
  get namespaces() {
    return sessionStorage.getItem(NAMESPACES_KEY) ?? '';
  },
  signIn(token, namespaces) {
    sessionStorage.setItem(TOKEN_KEY, token.trim());
    sessionStorage.setItem(NAMESPACES_KEY, namespaces.trim());
  },
  signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(NAMESPACES_KEY);
  },
};

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function headers(accept) {
  const out = { accept };
  if (auth.token) out.authorization = `Bearer ${auth.token}`;
  if (auth.namespaces) out['x-sveltos-namespaces'] = auth.namespaces;
  return out;
}

/** GET a JSON answer of the API (`path` relative to the page, e.g. `api/clusters?q=x`). */
export async function getJson(path, signal) {
  const response = await fetch(path, { headers: headers('application/json'), cache: 'no-store', signal });
  let body;
  try {
    body = await response.json();
  } catch {
    body = {};
  }
  if (!response.ok) throw new ApiError(response.status, body.error ?? response.statusText);
  return body;
}

/**
 * The live stream (Server-Sent Events over fetch): `onEvent(name, data)` for `ready`, `change` and
 * `unauthorized`; `onState('connecting' | 'live' | 'reconnecting' | 'signed-out')`. A dropped connection is
 * opened again after a short, growing pause.
 */
export class LiveStream {
  constructor(onEvent, onState) {
    this.onEvent = onEvent;
    this.onState = onState;
    this.controller = undefined;
    this.stopped = false;
    this.retryMs = 500;
  }

  start() {
    this.stopped = false;
    this.#connect();
  }

  stop() {
    this.stopped = true;
    this.controller?.abort();
  }

  async #connect() {
    if (this.stopped) return;
    this.controller = new AbortController();
    this.onState('connecting');
    try {
      const response = await fetch('api/stream', {
        headers: headers('text/event-stream'),
        cache: 'no-store',
        signal: this.controller.signal,
      });
      if (response.status === 401) {
        this.onEvent('unauthorized', { message: (await response.json().catch(() => ({}))).error });
        this.onState('signed-out');
        return;
      }
      if (!response.ok || !response.body) throw new Error(`stream: HTTP ${response.status}`);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          this.#dispatch(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
      }
    } catch (error) {
      if (this.stopped) return;
      console.warn('live stream interrupted', error);
    }
    if (this.stopped) return;
    this.onState('reconnecting');
    const pause = this.retryMs;
    this.retryMs = Math.min(10_000, this.retryMs * 2);
    setTimeout(() => this.#connect(), pause);
  }

  #dispatch(block) {
    let event = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    if (data.length === 0) return;
    let parsed;
    try {
      parsed = JSON.parse(data.join('\n'));
    } catch {
      return;
    }
    if (event === 'ready') {
      this.retryMs = 500;
      this.onState('live');
    }
    if (event === 'unauthorized') {
      this.stopped = true;
      this.onState('signed-out');
    }
    this.onEvent(event, parsed);
  }
}

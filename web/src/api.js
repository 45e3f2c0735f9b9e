// The daemon's JSON API as the dashboard uses it: GET with query parameters, errors as
// ApiError with what the user should do, and the live event stream.
import { SseParser } from './sse.js';

const TOKEN_KEY = 'dmaemu.token';

export class ApiError extends Error {
  // status 0: the daemon could not be reached at all.
  constructor(status, message, parameter) {
    super(message);
    this.status = status;
    this.parameter = parameter || null;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(t) {
  if (t) sessionStorage.setItem(TOKEN_KEY, t);
  else sessionStorage.removeItem(TOKEN_KEY);
}

function headers() {
  const t = token();
  return t ? { Authorization: `Bearer ${t}` } : {};
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export async function get(path, params, signal) {
  let res;
  try {
    res = await fetch(`${path}${query(params)}`, { headers: headers(), signal, cache: 'no-store' });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, `cannot reach dmaemud at ${location.host}`);
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    throw new ApiError(res.status, `dmaemud answered ${res.status} without JSON`);
  }
  if (!res.ok) throw new ApiError(res.status, body.error || `HTTP ${res.status}`, body.parameter);
  return body;
}

// The live event stream, reconnecting after failures. onEvent(kind, data) for each event;
// onState('live' | 'connecting' | 'down' | 'unauthorized', detail) when the connection changes.
export class LiveEvents {
  constructor(kinds, onEvent, onState) {
    this.kinds = kinds;
    this.onEvent = onEvent;
    this.onState = onState;
    this.abort = null;
    this.retryMs = 1000;
    this.stopped = false;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    if (this.abort) this.abort.abort();
  }

  restart() {
    if (this.abort) this.abort.abort();
    this.retryMs = 1000;
    this.connect();
  }

  async connect() {
    const abort = new AbortController();
    this.abort = abort;
    this.onState('connecting');
    try {
      const res = await fetch(`/api/events${query({ kind: this.kinds.join(',') })}`, {
        headers: headers(),
        signal: abort.signal,
        cache: 'no-store',
      });
      if (res.status === 401) {
        this.onState('unauthorized');
        return;
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      this.onState('live');
      this.retryMs = 1000;
      await this.read(res.body);
      if (!abort.signal.aborted) this.onState('down', 'dmaemud closed the event stream');
    } catch (e) {
      if (abort.signal.aborted) return;
      this.onState('down', e.message);
    }
    if (!this.stopped && this.abort === abort) {
      setTimeout(() => this.abort === abort && !this.stopped && this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 8000);
    }
  }

  async read(body) {
    const parser = new SseParser(({ event, data }) => {
      let parsed = null;
      try {
        parsed = JSON.parse(data);
      } catch {
        return; // not ours
      }
      this.onEvent(event, parsed);
    });
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      parser.push(value);
    }
  }
}

// The visitor API (see the README's "HTTP API"): create a conversation,
// post messages (JSON text or multipart audio), and what a refusal means
// for the visitor.

// AUDIO_FORMATS are the extensions the server accepts (seed 002's list,
// conversation.AudioFormats; a Go test keeps them equal).
export const AUDIO_FORMATS = ['mp3', 'wav', 'flac', 'm4a', 'ogg', 'oga', 'opus', 'aac', 'aiff', 'avi', 'm4v', 'mkv',
  'mov', 'mp4', 'mpeg', 'mpg', 'weba', 'webm', 'wmv', '3gp', '3gpp'];

// MAX_UPLOAD is the server's multipart cap (25 MiB).
export const MAX_UPLOAD = 25 << 20;

// ApiError is a failed call: status 0 when the server was not reached
// (kind "down") or refused the page's origin without a readable answer
// (kind "origin").
export class ApiError extends Error {
  constructor(kind, status, detail, retryAfter) {
    super(detail || kind);
    this.kind = kind; // rate | origin | down | unavailable | invalid | gone | toolarge
    this.status = status;
    this.detail = detail || '';
    this.retryAfter = retryAfter || 0; // seconds
  }
  // retryable errors are retried by the widget on its own.
  get retryable() {
    return this.kind === 'rate' || this.kind === 'down' || this.kind === 'unavailable';
  }
}

// retryAfterOf reads Retry-After (seconds, or an HTTP date).
export function retryAfterOf(res) {
  const v = res.headers.get('Retry-After');
  if (!v) return 0;
  if (/^\d+$/.test(v.trim())) return Math.max(1, parseInt(v, 10));
  const when = Date.parse(v);
  return isNaN(when) ? 1 : Math.max(1, Math.ceil((when - Date.now()) / 1000));
}

// errorOf turns a response that is not 2xx into an ApiError.
export async function errorOf(res) {
  let detail = '';
  let type = '';
  try {
    const p = await res.json();
    type = p.type || '';
    detail = p.detail || p.title || '';
    if (p.errors && p.errors.length && p.errors[0].detail) detail = p.errors[0].detail;
  } catch (_) { /* not a problem document */ }
  const s = res.status;
  let kind = 'invalid';
  if (s === 429) kind = 'rate';
  else if (s === 403 && /origin/i.test(type + ' ' + detail)) kind = 'origin';
  else if (s === 401 || s === 404) kind = 'gone';
  else if (s === 413) kind = 'toolarge';
  else if (s >= 500 || s === 409) kind = 'unavailable';
  return new ApiError(kind, s, detail, retryAfterOf(res) || (kind === 'unavailable' ? 2 : 0));
}

// reachable tells a server that is down from one that refuses this
// page's origin: a refused cross-origin answer is unreadable (no CORS
// headers), but an opaque request to /healthz still succeeds. (An
// unknown workspace's 404 is unreadable too, for the same reason.)
async function reachable(base) {
  try {
    await fetch(base + '/healthz', { mode: 'no-cors', cache: 'no-store' });
    return true;
  } catch (_) {
    return false;
  }
}

// failed turns a fetch that threw into an ApiError.
export async function failed(base, err, signal) {
  if (signal && signal.aborted) return new ApiError('aborted', 0, '');
  const crossOrigin = new URL(base).origin !== location.origin;
  if (crossOrigin && navigator.onLine !== false && await reachable(base)) {
    return new ApiError('origin', 403, '');
  }
  return new ApiError('down', 0, String(err && err.message || err));
}

export class Api {
  constructor(base, workspace, agent) {
    this.base = base;
    this.workspace = workspace;
    this.agent = agent;
    this.path = `${base}/v1/workspaces/${encodeURIComponent(workspace)}/conversations`;
  }

  async call(url, init) {
    let res;
    try {
      res = await fetch(url, init);
    } catch (err) {
      throw await failed(this.base, err, init && init.signal);
    }
    if (!res.ok) throw await errorOf(res);
    return res.json();
  }

  // create opens a conversation: {conversation, token, events}.
  create() {
    const body = {};
    if (this.agent) body.agent = this.agent;
    return this.call(this.path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  // post sends a message (text, or an audio file with optional text)
  // under its idempotency key: a retry never stores it twice.
  post(conv, msg) {
    const headers = { Authorization: `Bearer ${conv.token}`, 'Idempotency-Key': msg.key };
    let body;
    if (msg.audio) {
      body = new FormData();
      if (msg.text) body.append('text', msg.text);
      body.append('audio', msg.audio, msg.audio.name);
    } else {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify({ text: msg.text });
    }
    return this.call(`${this.path}/${encodeURIComponent(conv.id)}/messages`, { method: 'POST', headers, body });
  }

  eventsURL(conv) {
    return `${this.path}/${encodeURIComponent(conv.id)}/events`;
  }
}

// extension of a file name, lower case, without the dot.
export function extension(name) {
  const m = /\.([A-Za-z0-9]+)$/.exec(name || '');
  return m ? m[1].toLowerCase() : '';
}

// newKey is a random idempotency key (crypto.randomUUID needs a secure
// context; getRandomValues does not).
export function newKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return 'w-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// A conversation's event stream (Server-Sent Events) read with fetch, not
// EventSource: it sends the visitor token as a header, resumes with
// Last-Event-ID, and sees the status of a refused connection (429 with
// Retry-After, 403, 404) to say what happened. It reconnects on its own:
// after a network drop (at once when the browser is back online), after
// the server's shutdown notice, and when the stream goes silent longer
// than the server's heartbeat allows.

import { errorOf, failed } from './api.js';

const SILENCE_MS = 45000; // the server sends a comment every 15 s

export class EventStream {
  // onEvent(kind, data, id), onState(state, error): state is "open",
  // "retrying" (error says why) or "stopped" (a permanent refusal).
  constructor(api, conv, { onEvent, onState }) {
    this.api = api;
    this.conv = conv;
    this.onEvent = onEvent;
    this.onState = onState;
    this.lastId = ''; // the id of the last stored event received
    this.retryMs = 2000;
    this.failures = 0;
    this.stopped = false;
    this.timer = 0;
    this.ctrl = null;
    this.online = () => this.reconnect(0);
    this.offline = () => this.abort();
    addEventListener('online', this.online);
    addEventListener('offline', this.offline);
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    removeEventListener('online', this.online);
    removeEventListener('offline', this.offline);
    this.abort();
  }

  abort() {
    if (this.ctrl) this.ctrl.abort();
  }

  // reconnect drops the connection (if any) and connects after ms.
  reconnect(ms) {
    if (this.stopped) return;
    this.abort();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), ms);
  }

  async connect() {
    if (this.stopped || this.ctrl) return;
    if (navigator.onLine === false) {
      this.onState('retrying', { kind: 'down' });
      return; // the online event reconnects
    }
    const ctrl = new AbortController();
    this.ctrl = ctrl;
    let wait = 0;
    try {
      wait = await this.read(ctrl);
    } catch (err) {
      if (this.stopped) return;
      const e = err && err.kind ? err : await failed(this.api.base, err, null);
      if (e.kind === 'gone' || e.kind === 'origin' || e.kind === 'invalid') {
        this.stopped = true;
        this.onState('stopped', e);
        return;
      }
      this.failures++;
      wait = e.retryAfter ? e.retryAfter * 1000 : Math.min(30000, 1000 * 2 ** Math.min(this.failures - 1, 5));
      this.onState('retrying', e);
    } finally {
      if (this.ctrl === ctrl) this.ctrl = null;
    }
    if (this.stopped) return;
    clearTimeout(this.timer);
    if (navigator.onLine === false) return; // the online event reconnects
    this.timer = setTimeout(() => this.connect(), wait);
  }

  // read reads one connection until it ends, and returns how long to
  // wait before the next one.
  async read(ctrl) {
    const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${this.conv.token}` };
    if (this.lastId) headers['Last-Event-ID'] = this.lastId;
    const res = await fetch(this.api.eventsURL(this.conv), { headers, signal: ctrl.signal, cache: 'no-store' });
    if (!res.ok) throw await errorOf(res);
    this.failures = 0;
    this.onState('open');
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    let ev = { id: '', event: '', data: [] };
    let next = 0; // reconnection delay asked by the server, 0: the default
    let silence = setTimeout(() => ctrl.abort(), SILENCE_MS);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        clearTimeout(silence);
        silence = setTimeout(() => ctrl.abort(), SILENCE_MS);
        buf += decoder.decode(value, { stream: true });
        let nl;
        while ((nl = buf.search(/\r\n|\r|\n/)) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + (buf[nl] === '\r' && buf[nl + 1] === '\n' ? 2 : 1));
          if (line === '') {
            if (ev.data.length || ev.event) next = this.dispatch(ev) ?? next;
            ev = { id: '', event: '', data: [] };
            continue;
          }
          if (line[0] === ':') continue; // a heartbeat
          const c = line.indexOf(':');
          const field = c < 0 ? line : line.slice(0, c);
          let val = c < 0 ? '' : line.slice(c + 1);
          if (val[0] === ' ') val = val.slice(1);
          if (field === 'id') ev.id = val;
          else if (field === 'event') ev.event = val;
          else if (field === 'data') ev.data.push(val);
          else if (field === 'retry' && /^\d+$/.test(val)) this.retryMs = parseInt(val, 10);
        }
      }
    } catch (err) {
      if (!ctrl.signal.aborted) throw err;
    } finally {
      clearTimeout(silence);
    }
    // The stream ended (a network drop, the server stopping, silence):
    // the next connection resumes after lastId.
    this.onState('retrying', { kind: 'down' });
    return next || (ctrl.signal.aborted ? 0 : this.retryMs);
  }

  // dispatch delivers one event; it returns the reconnection delay a
  // shutdown notice asks for.
  dispatch(ev) {
    let data = null;
    try {
      data = JSON.parse(ev.data.join('\n') || 'null');
    } catch (_) {
      return undefined;
    }
    if (ev.id) this.lastId = ev.id;
    if (ev.event === 'shutdown') return (data && data.reconnect_ms) || this.retryMs;
    this.onEvent(ev.event || 'message', data, ev.id);
    return undefined;
  }
}

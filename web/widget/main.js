// Causerie's chat widget. One tag on a page:
//
//   <script src="https://chat.example.com/widget.js" data-workspace="salon" async></script>
//
// opens a chat launcher that talks to the visitor API of the server the
// script came from (its src gives the API base). Optional attributes:
// data-agent (the AI agent's name, when the workspace has several),
// data-lang (fr or en; by default the page's <html lang>), data-title,
// data-color (the accent colour).

import css from './style.css';
import { h, icon, icons, safeURL, rich } from './dom.js';
import { t, pick } from './i18n.js';
import { Api, AUDIO_FORMATS, MAX_UPLOAD, extension, newKey } from './api.js';
import { EventStream } from './stream.js';
import { canRecord, Recording, clock, MAX_SECONDS } from './recorder.js';

const memory = new Map();

// storage returns localStorage or sessionStorage, or a memory stand-in
// where the page may not use them (privacy modes, sandboxed frames).
function storage(kind) {
  try {
    const s = window[kind];
    s.setItem('causerie:probe', '1');
    s.removeItem('causerie:probe');
    return s;
  } catch (_) {
    return {
      getItem: (k) => (memory.has(kind + k) ? memory.get(kind + k) : null),
      setItem: (k, v) => memory.set(kind + k, String(v)),
      removeItem: (k) => memory.delete(kind + k),
    };
  }
}

class Widget {
  constructor(cfg) {
    this.cfg = cfg;
    this.api = new Api(cfg.base, cfg.workspace, cfg.agent);
    this.key = `causerie:${cfg.base}|${cfg.workspace}|${cfg.agent}`;
    this.local = storage('localStorage');
    this.session = storage('sessionStorage');
    this.lang = this.pageLang();
    this.queue = []; // visitor messages not yet accepted by the server, in order
    this.byId = new Map(); // message id → its element
    this.streaming = null; // the reply being streamed: {el, bubble, text, deltas}
    this.unread = 0;
    this.started = Date.now();
    this.conv = this.loadConversation();
    this.build();
    this.watchLanguage();
    if (this.conv) this.connect();
    if (this.session.getItem(this.key + '|open') === '1') this.open(false);
  }

  // --- language ----------------------------------------------------------

  pageLang() {
    return pick(this.cfg.lang || document.documentElement.lang || navigator.language);
  }

  watchLanguage() {
    if (this.cfg.lang) return;
    new MutationObserver(() => this.setLang(this.pageLang()))
      .observe(document.documentElement, { attributes: true, attributeFilter: ['lang'] });
  }

  setLang(lang) {
    if (lang === this.lang) return;
    this.lang = lang;
    this.root.setAttribute('lang', lang);
    for (const el of this.shadow.querySelectorAll('[data-i18n]')) this.text(el, el.dataset.i18n, ...JSON.parse(el.dataset.args || '[]'));
    for (const el of this.shadow.querySelectorAll('[data-i18n-label]')) this.label(el, el.dataset.i18nLabel);
    this.input.placeholder = t(lang, 'placeholder');
    if (!this.cfg.title) this.title.textContent = t(lang, 'title');
  }

  // text sets el's text to key in the widget's language, and keeps it
  // there when the page language changes.
  text(el, key, ...args) {
    el.dataset.i18n = key;
    if (args.length) el.dataset.args = JSON.stringify(args);
    else delete el.dataset.args;
    el.textContent = t(this.lang, key, ...args);
    return el;
  }

  label(el, key) {
    el.dataset.i18nLabel = key;
    el.setAttribute('aria-label', t(this.lang, key));
    el.title = t(this.lang, key);
    return el;
  }

  T(tag, attrs, key, ...args) {
    return this.text(h(tag, attrs), key, ...args);
  }

  // --- the page ------------------------------------------------------------

  build() {
    const host = h('div', { 'data-causerie-widget': this.cfg.workspace });
    this.shadow = host.attachShadow({ mode: 'open' });
    const button = (cls, key, d, onclick, attrs) =>
      this.label(h('button', { type: 'button', class: cls, onclick, ...attrs }, icon(d)), key);

    this.badge = h('span', { class: 'badge', hidden: true, 'aria-hidden': 'true' });
    this.launcher = this.label(h('button', {
      type: 'button', class: 'launcher', 'aria-expanded': 'false', 'aria-controls': 'causerie-panel',
      onclick: () => (this.panel.hidden ? this.open(true) : this.close()),
    }, icon(icons.chat), this.badge), 'open');

    this.title = h('h2', { id: 'causerie-title' }, this.cfg.title || t(this.lang, 'title'));
    this.bannerText = h('span');
    this.bannerRetry = this.T('button', { type: 'button', hidden: true, onclick: () => this.retryNow() }, 'retry');
    this.banner = h('div', { class: 'banner', role: 'alert', hidden: true }, this.bannerText, this.bannerRetry);
    this.status = h('div', { class: 'status', role: 'status', hidden: true });
    this.typing = h('div', { class: 'msg typing', 'data-role': 'ai_agent', hidden: true },
      this.T('span', { class: 'sr-only' }, 'typing'),
      h('div', { class: 'bubble', 'aria-hidden': 'true' }, h('span', { class: 'dot' }), h('span', { class: 'dot' }), h('span', { class: 'dot' })));
    this.empty = this.T('p', { class: 'empty' }, 'empty');
    this.log = h('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', tabindex: '0' }, this.empty, this.typing);
    this.label(this.log, 'log');
    this.log.removeAttribute('title');

    this.input = h('textarea', { id: 'causerie-input', rows: '1', placeholder: t(this.lang, 'placeholder'), autocomplete: 'off' });
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener('input', () => this.grow());
    this.file = h('input', {
      type: 'file', hidden: true, tabindex: '-1',
      accept: 'audio/*,video/*,' + AUDIO_FORMATS.map((x) => '.' + x).join(','),
      onchange: () => this.attach(),
    });
    const tools = [button('tool attach', 'attach', icons.attach, () => this.file.click())];
    if (canRecord()) {
      this.mic = button('tool mic', 'record', icons.mic, () => this.record(), { 'aria-pressed': 'false' });
      tools.push(this.mic);
    }
    this.form = h('form', { onsubmit: (e) => { e.preventDefault(); this.submit(); } },
      this.T('label', { class: 'sr-only', for: 'causerie-input' }, 'inputLabel'),
      this.input, this.file, ...tools,
      this.label(h('button', { type: 'submit', class: 'send' }, icon(icons.send)), 'send'));

    this.clockEl = h('span', { class: 'time', 'aria-live': 'off' });
    this.recorderBar = h('div', { class: 'recorder', hidden: true },
      h('span', { class: 'rec', 'aria-hidden': 'true' }), this.clockEl,
      this.T('button', { type: 'button', class: 'cancel', onclick: () => this.endRecording(false) }, 'cancelRecording'),
      this.stopButton = h('button', { type: 'button', class: 'stop', onclick: () => this.endRecording(true) },
        icon(icons.stop), this.T('span', {}, 'stopRecording')));

    this.panel = h('section', {
      class: 'panel', id: 'causerie-panel', role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': 'causerie-title', hidden: true,
    },
    h('header', {}, h('div', {}, this.title, this.T('p', { class: 'subtitle' }, 'subtitle')),
      button('close', 'close', icons.close, () => this.close())),
    this.banner, this.status, this.log, this.form, this.recorderBar);
    this.panel.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape') return;
      e.stopPropagation();
      if (this.recording) this.endRecording(false);
      else this.close();
    });

    this.root = h('div', { class: 'root', lang: this.lang }, this.launcher, this.panel);
    if (this.cfg.color && window.CSS && CSS.supports('color', this.cfg.color)) {
      this.root.style.setProperty('--accent', this.cfg.color);
      this.root.style.setProperty('--visitor', this.cfg.color);
    }
    this.shadow.append(h('style', {}, css), this.root);
    document.body.append(host);
  }

  open(focus) {
    this.panel.hidden = false;
    this.root.classList.add('open');
    this.launcher.setAttribute('aria-expanded', 'true');
    this.label(this.launcher, 'close');
    this.session.setItem(this.key + '|open', '1');
    this.unread = 0;
    this.badge.hidden = true;
    this.scroll(true);
    if (focus) this.input.focus();
  }

  close() {
    this.panel.hidden = true;
    this.root.classList.remove('open');
    this.launcher.setAttribute('aria-expanded', 'false');
    this.label(this.launcher, 'open');
    this.session.removeItem(this.key + '|open');
    this.launcher.focus();
  }

  // grow fits the text area to what is written (an empty one, whose
  // placeholder may wrap, keeps its one row).
  grow() {
    this.input.style.height = '';
    if (!this.input.value) return;
    this.input.style.height = Math.min(this.input.scrollHeight + 2, 120) + 'px';
  }

  scroll(force) {
    const l = this.log;
    if (force || l.scrollHeight - l.scrollTop - l.clientHeight < 120) l.scrollTop = l.scrollHeight;
  }

  // append adds el to the log, before the typing indicator.
  append(el) {
    this.empty.hidden = true;
    this.log.insertBefore(el, this.typing);
    this.scroll(false);
  }

  // --- banners -------------------------------------------------------------

  // showError says what went wrong, in the visitor's words; source names
  // what failed ("send", "stream", "file"), so that its recovery clears it.
  showError(e, source, seconds) {
    let key = 'refused';
    let args = [e.detail || String(e.status || '')];
    switch (e.kind) {
      case 'rate': key = 'rateLimited'; args = [seconds || e.retryAfter || 1]; break;
      case 'origin': key = 'originRefused'; args = []; break;
      case 'down': key = navigator.onLine === false ? 'waitingNetwork' : 'serverDown'; args = []; break;
      case 'unavailable': key = 'unavailable'; args = []; break;
      case 'toolarge': key = 'tooLarge'; args = []; break;
      case 'format': key = 'badFormat'; args = [AUDIO_FORMATS.join(', ')]; break;
      case 'mic': key = 'micUnavailable'; args = []; break;
      case 'workspace': key = 'unknownWorkspace'; args = []; break;
    }
    this.banner.dataset.error = e.kind;
    this.banner.dataset.source = source;
    this.text(this.bannerText, key, ...args);
    this.bannerRetry.hidden = !(source === 'send' && e.retryable);
    this.banner.hidden = false;
  }

  clearBanner(source) {
    if (!source || this.banner.dataset.source === source) {
      this.banner.hidden = true;
      delete this.banner.dataset.error;
      delete this.banner.dataset.source;
    }
  }

  // --- the conversation ----------------------------------------------------

  loadConversation() {
    try {
      const c = JSON.parse(this.local.getItem(this.key) || 'null');
      return c && c.id && c.token ? c : null;
    } catch (_) {
      return null;
    }
  }

  async ensureConversation() {
    if (this.conv) return;
    let r;
    try {
      r = await this.api.create();
    } catch (e) {
      if (e.kind === 'gone') e.kind = 'workspace'; // 404: no such workspace
      throw e;
    }
    this.conv = { id: r.conversation.id, token: r.token };
    this.local.setItem(this.key, JSON.stringify(this.conv));
    this.connect();
    // Replies stream as live-only deltas: the first message waits until
    // the stream is open (a few seconds at most), so that its reply is
    // seen as it is written.
    await Promise.race([this.streamOpen, new Promise((r) => setTimeout(r, 3000))]);
  }

  // forget drops a conversation the server no longer knows (its token is
  // refused); the next message opens a new one.
  forget() {
    if (this.stream) this.stream.stop();
    this.stream = null;
    this.conv = null;
    this.local.removeItem(this.key);
  }

  connect() {
    if (this.stream) this.stream.stop();
    this.streamOpen = new Promise((resolve) => { this.opened = resolve; });
    this.stream = new EventStream(this.api, this.conv, {
      onEvent: (kind, data, id) => this.onEvent(kind, data, id),
      onState: (state, e) => this.onStreamState(state, e),
    });
  }

  onStreamState(state, e) {
    clearTimeout(this.statusTimer);
    if (state === 'open') {
      this.opened();
      this.status.hidden = true;
      this.clearBanner('stream');
      // Live-only events (typing, deltas) sent while disconnected are not
      // replayed: what they showed is stale; stored messages do come.
      if (this.wasDown) this.setTyping(false);
      this.wasDown = false;
      return;
    }
    this.wasDown = true;
    if (state === 'stopped') {
      this.status.hidden = true;
      if (e.kind === 'gone') this.forget();
      else this.showError(e, 'stream');
      return;
    }
    // Retrying: say so unless it is back within a moment.
    if (e && e.kind === 'origin') this.showError(e, 'stream');
    this.statusTimer = setTimeout(() => {
      this.text(this.status, e && e.kind === 'rate' ? 'rateLimited' : 'reconnecting', ...(e && e.kind === 'rate' ? [e.retryAfter || 1] : []));
      this.status.hidden = false;
    }, 1200);
  }

  onEvent(kind, data, id) {
    if (!data) return;
    if (kind === 'message') this.onMessage(data);
    else if (kind === 'status') this.onStatus(data, id);
    else if (kind === 'delta') this.onDelta(data.text || '');
    else if (kind === 'typing') this.setTyping(!!data.typing);
    // "action" events: the visitor sees their effect through status
    // events (assigned, closed) and the messages that follow.
  }

  onMessage(m) {
    if (this.byId.has(m.id)) return; // never shown twice
    if (m.role === 'visitor') {
      // Our own message, whose POST has not answered yet.
      const mine = this.queue.find((q) => !q.id && (q.audio ? (m.attachments || []).length > 0 : q.text === m.text));
      if (mine) {
        this.accepted(mine, m);
        return;
      }
    }
    const el = this.renderMessage(m);
    if (m.role !== 'visitor' && this.streaming) {
      el.dataset.deltas = String(this.streaming.deltas);
      this.streaming.el.replaceWith(el);
      this.streaming = null;
      this.scroll(false);
    } else {
      this.append(el);
    }
    this.byId.set(m.id, el);
    this.dropOldOptions(el);
    if (m.role !== 'visitor') {
      this.typing.hidden = !this.isTyping;
      if (this.panel.hidden && Date.parse(m.created_at) >= this.started - 2000) {
        this.unread++;
        this.badge.textContent = String(this.unread);
        this.badge.hidden = false;
      }
    }
  }

  onStatus(s, id) {
    const key = 'ev:' + id;
    if (id && this.byId.has(key)) return;
    let notice = '';
    if (s.change === 'assigned' && s.assignee && s.assignee.type === 'user') notice = 'assignedHuman';
    else if (s.change === 'assigned' && s.assignee && s.assignee.type === 'team') notice = 'assignedTeam';
    else if (s.change === 'closed') notice = 'closed';
    else if (s.change === 'reopened') notice = 'reopened';
    else if (s.change === 'unanswered') notice = 'unanswered';
    if (!notice) return;
    const el = this.T('p', { class: 'notice', 'data-notice': s.change }, notice);
    this.append(el);
    if (id) this.byId.set(key, el);
  }

  onDelta(text) {
    if (!this.streaming) {
      const bubble = h('div', { class: 'bubble' });
      // Hidden from screen readers: the stored message that replaces it
      // is announced whole.
      const el = h('div', { class: 'msg', 'data-role': 'ai_agent', 'data-streaming': '', 'aria-hidden': 'true' }, bubble);
      this.streaming = { el, bubble, text: '', deltas: 0 };
      this.append(el);
    }
    const s = this.streaming;
    s.text += text;
    s.deltas++;
    s.bubble.textContent = s.text;
    s.el.dataset.deltas = String(s.deltas);
    this.typing.hidden = true;
    this.scroll(false);
  }

  setTyping(on) {
    this.isTyping = on;
    if (!on && this.streaming) {
      // The turn ended without storing what streamed (it was dropped).
      this.streaming.el.remove();
      this.streaming = null;
    }
    this.typing.hidden = !on || !!this.streaming;
    this.scroll(false);
  }

  // --- rendering -----------------------------------------------------------

  renderMessage(m) {
    if (m.role === 'system') {
      return h('p', { class: 'notice', 'data-role': 'system', 'data-message-id': m.id }, m.text);
    }
    const who = m.role === 'visitor' ? 'you' : m.role === 'human' ? 'human' : 'assistant';
    const cites = Array.isArray(m.citations) ? m.citations.filter((c) => c && typeof c === 'object') : [];
    const redirect = m.redirect ? safeURL(m.redirect) : null;
    const options = Array.isArray(m.options) ? m.options.map((o) => (typeof o === 'string' ? o : o && (o.label || o.value))).filter(Boolean) : [];
    let text = m.text || '';
    if (redirect && text.trimEnd().endsWith(m.redirect)) text = text.trimEnd().slice(0, -m.redirect.length).trimEnd();
    if (options.length) text = withoutOptionList(text, options);
    const bubble = h('div', { class: 'bubble' }, rich(text, cites));
    for (const a of m.attachments || []) {
      bubble.append(text ? '\n' : '', h('span', { class: 'attachment' }, icon(icons.mic), this.T('span', {}, 'voice')));
      if (m.localAudio) bubble.append(h('audio', { controls: true, preload: 'metadata', src: m.localAudio }));
      void a;
    }
    const el = h('div', { class: 'msg', 'data-role': m.role, 'data-message-id': m.id || null },
      this.T('span', { class: m.role === 'human' ? 'author' : 'sr-only' }, who), bubble);
    if (redirect) {
      el.append(h('a', { class: 'redirect', href: redirect, target: '_blank', rel: 'noopener noreferrer' },
        this.T('span', {}, 'openLink'), ` · ${new URL(redirect).hostname} ↗`));
    }
    if (cites.length) {
      el.append(h('div', { class: 'sources' }, this.T('span', {}, 'sources'),
        cites.map((c) => {
          const label = `[${c.n}] ${c.title || c.url || ''}`;
          const href = safeURL(c.url || '');
          return href ? h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, label) : h('span', {}, label);
        })));
    }
    if (options.length) {
      const group = h('div', { class: 'options', role: 'group' },
        options.map((o) => h('button', { type: 'button', onclick: () => this.send({ text: String(o) }) }, String(o))));
      this.label(group, 'choices');
      group.removeAttribute('title');
      el.append(group);
    }
    return el;
  }

  // dropOldOptions removes the choice buttons of the messages before el:
  // only the last question can be answered with a button.
  dropOldOptions(el) {
    for (const g of this.log.querySelectorAll('.options')) {
      if (!el.contains(g)) g.remove();
    }
  }

  // --- sending -------------------------------------------------------------

  submit() {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = '';
    this.grow();
    this.send({ text });
  }

  attach() {
    const f = this.file.files && this.file.files[0];
    this.file.value = '';
    if (!f) return;
    if (!AUDIO_FORMATS.includes(extension(f.name))) return this.showError({ kind: 'format' }, 'file');
    if (f.size > MAX_UPLOAD) return this.showError({ kind: 'toolarge' }, 'file');
    this.clearBanner('file');
    const text = this.input.value.trim();
    this.input.value = '';
    this.send({ text, audio: f });
  }

  async record() {
    if (this.recording) return this.endRecording(true);
    try {
      this.recording = await Recording.start((s) => {
        this.clockEl.textContent = t(this.lang, 'recording', clock(s));
        if (s >= MAX_SECONDS) this.endRecording(true);
      });
    } catch (_) {
      this.showError({ kind: 'mic' }, 'mic');
      return;
    }
    this.clearBanner('mic');
    this.clockEl.textContent = t(this.lang, 'recording', clock(0));
    this.mic.setAttribute('aria-pressed', 'true');
    this.form.hidden = true;
    this.recorderBar.hidden = false;
    this.stopButton.focus();
  }

  async endRecording(keep) {
    const r = this.recording;
    if (!r) return;
    this.recording = null;
    this.mic.setAttribute('aria-pressed', 'false');
    this.recorderBar.hidden = true;
    this.form.hidden = false;
    this.input.focus();
    const f = keep ? await r.stop() : await r.cancel();
    if (f) this.send({ text: '', audio: f });
  }

  // send shows a visitor message at once and queues it; the queue sends
  // one message at a time, in order, each under its own idempotency key.
  send(msg) {
    msg.key = newKey();
    msg.tries = 0;
    if (msg.audio) msg.localAudio = URL.createObjectURL(msg.audio);
    msg.el = this.renderMessage({ role: 'visitor', text: msg.text, attachments: msg.audio ? [{ name: msg.audio.name }] : [], localAudio: msg.localAudio });
    this.append(msg.el);
    this.dropOldOptions(msg.el);
    this.scroll(true);
    this.enqueue(msg);
  }

  enqueue(msg) {
    this.state(msg, 'sending');
    this.queue.push(msg);
    this.pump();
  }

  state(msg, s) {
    msg.el.dataset.state = s;
    let meta = msg.el.querySelector('.meta');
    if (s === 'sent') {
      if (meta) meta.remove();
      return;
    }
    if (!meta) {
      meta = h('div', { class: 'meta' });
      msg.el.append(meta);
    }
    meta.replaceChildren(this.T('span', {}, s === 'failed' ? 'notSent' : s === 'waiting' && navigator.onLine === false ? 'waitingNetwork' : 'sending'));
    if (s === 'failed') {
      meta.append(this.T('button', {
        type: 'button', class: 'retry', onclick: () => { msg.tries = 0; this.enqueue(msg); },
      }, 'retry'));
    }
  }

  accepted(msg, stored) {
    if (msg.id) return;
    msg.id = stored.id;
    const seen = this.byId.get(stored.id);
    if (seen && seen !== msg.el) seen.remove();
    if (msg.audio && stored.text !== msg.text) {
      // A recording's stored text is its transcript.
      const el = this.renderMessage({ ...stored, localAudio: msg.localAudio });
      msg.el.replaceWith(el);
      msg.el = el;
    }
    this.byId.set(stored.id, msg.el);
    msg.el.dataset.messageId = stored.id;
    this.state(msg, 'sent');
  }

  async pump() {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length) {
        const msg = this.queue[0];
        try {
          await this.ensureConversation();
          const r = await this.api.post(this.conv, msg);
          this.accepted(msg, r.message);
          this.queue.shift();
          this.clearBanner('send');
        } catch (e) {
          if (e.kind === 'gone' && this.conv && (msg.resets = (msg.resets || 0) + 1) < 3) {
            this.forget(); // the server no longer knows the conversation
            continue;
          }
          if (e.retryable) {
            this.state(msg, 'waiting');
            this.showError(e, 'send');
            await this.pause(e, msg);
            continue;
          }
          if (!e.kind) console.error('causerie widget:', e);
          this.state(msg, 'failed');
          this.queue.shift();
          this.showError(e.kind ? e : { kind: 'invalid', detail: String(e) }, 'send');
          if (e.kind === 'origin' || e.kind === 'workspace') {
            // Nothing else can go through either.
            for (const m of this.queue.splice(0)) this.state(m, 'failed');
          }
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  // pause waits before the next try: the server's Retry-After, else a
  // growing delay; back online (or the Retry button) ends it early.
  pause(e, msg) {
    const ms = e.retryAfter ? e.retryAfter * 1000 : Math.min(30000, 1000 * 2 ** Math.min(msg.tries++, 5));
    const end = Date.now() + ms;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        clearInterval(tick);
        removeEventListener('online', done);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      const tick = setInterval(() => {
        if (e.kind === 'rate') this.showError(e, 'send', Math.max(1, Math.ceil((end - Date.now()) / 1000)));
      }, 1000);
      addEventListener('online', done);
      this.wake = done;
    });
  }

  retryNow() {
    if (this.wake) this.wake();
  }
}

// withoutOptionList drops the numbered list of a choice's options that
// ends its text ("1. Coupe\n2. Coloration"): the widget shows buttons.
function withoutOptionList(text, options) {
  const lines = text.split('\n');
  const tail = options.map((o, i) => `${i + 1}. ${o}`);
  const end = lines.slice(-tail.length).map((l) => l.trim());
  if (end.length === tail.length && end.every((l, i) => l === tail[i])) return lines.slice(0, -tail.length).join('\n').trimEnd();
  return text;
}

function start(script) {
  const src = new URL(script.src, location.href);
  const cfg = {
    base: src.origin + src.pathname.replace(/\/[^/]*$/, ''),
    workspace: script.dataset.workspace,
    agent: script.dataset.agent || '',
    lang: script.dataset.lang || '',
    title: script.dataset.title || '',
    color: script.dataset.color || '',
  };
  if (!cfg.workspace) {
    console.error('causerie widget: add data-workspace="<workspace slug>" to its script tag');
    return;
  }
  const mount = () => { window.causerieWidget = new Widget(cfg); };
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
}

const script = document.currentScript || document.querySelector('script[data-workspace][src*="widget"]');
if (script && !window.causerieWidget) start(script);

// The human agents' inbox: plain DOM over the inbox API (/v1/inbox/…),
// signed in with an agent key kept in sessionStorage (this tab only).
// Live updates come from the inbox event stream (SSE).

const $ = (sel, root = document) => root.querySelector(sel);
const KEY = 'causerie.inbox.key';

const state = {
  key: sessionStorage.getItem(KEY) || '',
  filter: 'me',
  status: 'open',
  next: '',
  open: '', // the open conversation's id
  directory: null,
  events: null,
};

// el builds an element: el('li', {class: 'x', onclick: f}, 'text', child…).
function el(tag, attrs = {}, ...children) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(n.dataset, v);
    else n.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    n.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return n;
}

class APIError extends Error {
  constructor(status, problem) {
    super(problem?.detail || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${state.key}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new APIError(0, { detail: 'the server cannot be reached; retrying when it answers' });
  }
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) throw new APIError(res.status, data);
  return data;
}

function problemText(err) {
  const p = err.problem || {};
  const fields = (p.errors || []).map((e) => (e.valid?.length ? `${e.detail} (valid: ${e.valid.slice(0, 8).join(', ')})` : e.detail));
  return [p.detail || err.message, ...fields.filter((f) => f && f !== p.detail)].join(' — ');
}

function live(text) {
  $('#live').textContent = text;
}

// --- sign in --------------------------------------------------------------

async function signIn(key) {
  state.key = key;
  try {
    state.directory = await api('GET', '/v1/inbox/directory');
  } catch (err) {
    state.key = '';
    sessionStorage.removeItem(KEY);
    throw err;
  }
  sessionStorage.setItem(KEY, key);
  const me = state.directory.me;
  $('#who').textContent = me ? `${me.name} <${me.email}>` : 'admin key (read-only: replies and actions need an agent key)';
  $('#signin-view').hidden = true;
  $('#inbox-view').hidden = false;
  $('#signout').hidden = false;
  if (!me) setFilter('visible');
  await loadList();
  connect();
}

function signOut() {
  sessionStorage.removeItem(KEY);
  state.key = '';
  state.events?.close();
  location.reload();
}

// --- the list --------------------------------------------------------------

function who(assignee) {
  if (!assignee) return 'unassigned';
  const d = state.directory;
  if (assignee.type === 'user') return d.users.find((u) => u.id === assignee.id)?.name || 'a user';
  if (assignee.type === 'team') return d.teams.find((t) => t.id === assignee.id)?.name || 'a team';
  return 'AI agent';
}

function setFilter(f) {
  state.filter = f;
  for (const b of document.querySelectorAll('[data-filter]')) b.setAttribute('aria-pressed', String(b.dataset.filter === f));
}

async function loadList(more = false) {
  const q = new URLSearchParams({ assigned: state.filter, limit: '50' });
  if (state.status) q.set('status', state.status);
  if (more && state.next) q.set('cursor', state.next);
  let page;
  try {
    page = await api('GET', `/v1/inbox/conversations?${q}`);
  } catch (err) {
    live(problemText(err));
    return;
  }
  const ul = $('#conversations');
  if (!more) ul.replaceChildren();
  for (const c of page.conversations) {
    ul.append(el('li', {
      role: 'option', tabindex: '0', 'aria-selected': String(c.id === state.open), dataset: { conversationId: c.id },
      onclick: () => openConversation(c.id),
      onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); openConversation(c.id); } },
    },
    el('div', {}, `${c.channel} · ${c.status}`),
    el('div', { class: 'meta' }, `${who(c.assignee)} · ${new Date(c.updated_at).toLocaleString()}`)));
  }
  if (!page.conversations.length && !more) ul.append(el('li', { class: 'meta' }, 'No conversations here.'));
  state.next = page.next || '';
  $('#more').hidden = !state.next;
}

// --- one conversation -----------------------------------------------------

function messageNode(m) {
  const by = { visitor: 'Visitor', ai_agent: 'AI agent', human: 'Human agent', system: 'System' }[m.role] || m.role;
  const author = m.role === 'human' ? state.directory.users.find((u) => u.id === m.author_id)?.name : '';
  return el('div', { class: 'msg', dataset: { role: m.role, seq: m.seq } },
    el('span', { class: 'by' }, author ? `${by} — ${author}` : by), m.text);
}

// actorName says who acted: a user's name, "AI agent", a flow…
function actorName(actor) {
  const [kind, id] = actor.split(':');
  if (kind === 'user') return state.directory.users.find((u) => u.id === id)?.name || 'a user';
  if (kind === 'ai_agent') return 'AI agent';
  if (kind === 'flow') return `flow ${id}`;
  return actor;
}

function actionNode(e) {
  const p = e.payload || {};
  const ok = p.result?.ok ?? p.ok;
  return el('li', {}, `${p.action || p.name || e.type}${ok === false ? ' (failed)' : ''} — ${actorName(e.actor)} — ${new Date(e.created_at).toLocaleTimeString()}`);
}

function select(id, label, options) {
  return el('label', { class: 'act' }, el('span', { class: 'sr' }, label),
    el('select', { id, 'aria-label': label }, options.map(([v, t]) => el('option', { value: v }, t))));
}

async function openConversation(id) {
  state.open = id;
  for (const li of document.querySelectorAll('#conversations li[data-conversation-id]')) {
    li.setAttribute('aria-selected', String(li.dataset.conversationId === id));
  }
  let d;
  try {
    d = await api('GET', `/v1/inbox/conversations/${id}`);
  } catch (err) {
    $('#conversation').replaceChildren(el('p', { class: 'notice' }, problemText(err)));
    return;
  }
  renderConversation(d);
}

function renderConversation(d) {
  const c = d.conversation;
  const dir = state.directory;
  const human = !!dir.me;
  const targets = [
    ...dir.users.map((u) => [`user:${u.email}`, `${u.name}${u.availability && u.availability !== 'available' ? ` (${u.availability})` : ''}`]),
    ...dir.teams.map((t) => [`team:${t.name}`, `Team ${t.name}`]),
  ];
  const header = el('header', {},
    el('h2', {}, `Conversation ${c.id.slice(-6)} · ${c.status} · ${who(c.assignee)}`),
    human && el('span', { class: 'act' },
      select('assign-to', 'Assign to', targets),
      select('assign-method', 'Method', [['round_robin', 'round robin'], ['least_open', 'least open']]),
      el('button', { type: 'button', 'data-action': 'assign', onclick: () => act('assign', assignArgs()) }, 'Assign')),
    human && el('button', { type: 'button', 'data-action': 'unassign', onclick: () => act('unassign', {}) }, 'Unassign'),
    human && c.status === 'open' && el('span', { class: 'act' },
      select('closing-note', 'Closing note', [['', 'no closing note'], ...dir.closing_notes.map((n) => [n, n])]),
      el('button', { type: 'button', 'data-action': 'close_conversation', onclick: () => act('close_conversation', closeArgs()) }, 'Close')),
    human && c.status === 'closed' && el('button', { type: 'button', 'data-action': 'reopen_conversation', onclick: () => act('reopen_conversation', {}) }, 'Reopen'),
    human && el('span', { class: 'act' },
      select('tag', 'Tag', dir.tags.map((t) => [t, t])),
      el('button', { type: 'button', 'data-action': 'tag_contact', onclick: () => act('tag_contact', { tag: $('#tag').value }) }, 'Tag')),
    el('p', { id: 'act-error', class: 'notice', role: 'alert' }));

  const messages = el('div', { class: 'messages', 'data-testid': 'messages', role: 'log', 'aria-label': 'Messages' },
    d.messages.map(messageNode));

  const contact = d.contact;
  const fields = dir.contact_fields.map((f) => [f.name, contact.fields[f.key]]).filter(([, v]) => v !== undefined && v !== '');
  const details = el('aside', { class: 'details', 'aria-label': 'Contact' },
    el('h3', {}, 'Contact'),
    el('dl', {},
      [['Name', contact.name], ['E-mail', contact.email], ['Phone', contact.phone], ['Tags', contact.tags.join(', ')], ...fields]
        .filter(([, v]) => v).map(([k, v]) => [el('dt', {}, k), el('dd', {}, String(v))])),
    c.summary && [el('h3', {}, 'Summary'), el('p', {}, c.summary)],
    el('h3', {}, 'Actions taken'),
    d.actions.length ? el('ul', { 'data-testid': 'actions' }, d.actions.map(actionNode)) : el('p', {}, 'None.'));

  const reply = el('form', { class: 'reply', onsubmit: sendReply },
    el('label', { for: 'reply', class: 'sr', hidden: true }, 'Reply'),
    el('textarea', { id: 'reply', 'data-testid': 'reply', 'aria-label': 'Reply to the visitor', placeholder: human ? 'Write a reply…' : 'Sign in with an agent key to reply', disabled: !human }),
    el('button', { type: 'submit', class: 'primary', 'data-testid': 'send', disabled: !human }, 'Send'));

  $('#conversation').replaceChildren(header, messages, details, reply);
  messages.scrollTop = messages.scrollHeight;
}

function assignArgs() {
  const [kind, ...rest] = $('#assign-to').value.split(':');
  const name = rest.join(':');
  return kind === 'team' ? { team: name, method: $('#assign-method').value } : { user: name };
}

function closeArgs() {
  const note = $('#closing-note').value;
  return note ? { closing_note: note } : {};
}

async function act(action, args) {
  try {
    await api('POST', `/v1/inbox/conversations/${state.open}/actions`, { action, args });
    await openConversation(state.open);
    await loadList();
  } catch (err) {
    const box = $('#act-error');
    if (box) box.textContent = problemText(err);
  }
}

async function sendReply(e) {
  e.preventDefault();
  const box = $('#reply');
  const text = box.value.trim();
  if (!text) return;
  box.disabled = true;
  try {
    await api('POST', `/v1/inbox/conversations/${state.open}/messages`, { text });
    box.value = '';
    await openConversation(state.open);
  } catch (err) {
    const p = $('#act-error');
    if (p) p.textContent = problemText(err);
  } finally {
    const b = $('#reply');
    if (b) { b.disabled = false; b.focus(); }
  }
}

// --- live updates -----------------------------------------------------------

let refresh = 0;
function connect() {
  // EventSource reconnects by itself; the inbox stream has no replay, so
  // on (re)open the list and the open conversation are read again.
  const es = new EventSource(`/v1/inbox/events?access_token=${encodeURIComponent(state.key)}`);
  state.events = es;
  es.onopen = () => { live('live'); loadList(); if (state.open) openConversation(state.open); };
  es.onerror = () => live('reconnecting…');
  const onEvent = (ev) => {
    const data = JSON.parse(ev.data);
    clearTimeout(refresh);
    refresh = setTimeout(() => loadList(), 300);
    if (data.conversation_id !== state.open) return;
    if (ev.type === 'message') {
      const box = $('[data-testid=messages]');
      const m = data.data;
      if (box && !box.querySelector(`[data-seq="${m.seq}"]`)) {
        box.append(messageNode(m));
        box.scrollTop = box.scrollHeight;
      }
    } else {
      openConversation(state.open);
    }
  };
  for (const kind of ['message', 'action', 'status']) es.addEventListener(kind, onEvent);
}

// --- wiring -------------------------------------------------------------------

document.addEventListener('DOMContentLoaded', () => {
  $('#signin').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('#signin-error').textContent = '';
    try {
      await signIn($('#key').value.trim());
    } catch (err) {
      $('#signin-error').textContent = err.status === 401 ? 'This key is unknown or revoked.' : problemText(err);
    }
  });
  $('#signout').addEventListener('click', signOut);
  for (const b of document.querySelectorAll('[data-filter]')) {
    b.addEventListener('click', () => { setFilter(b.dataset.filter); loadList(); });
  }
  $('#status').addEventListener('change', (e) => { state.status = e.target.value; loadList(); });
  $('#more').addEventListener('click', () => loadList(true));
  if (state.key) {
    signIn(state.key).catch(() => { $('#signin-view').hidden = false; });
  } else {
    $('#signin-view').hidden = false;
  }
});

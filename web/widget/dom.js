// Small DOM helpers: no framework.

// h creates an element: attrs are attributes (on* are listeners, false
// and null skip the attribute), children are nodes or strings.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

// svg builds an icon from path data (aria-hidden: buttons carry labels).
export function icon(d) {
  const ns = 'http://www.w3.org/2000/svg';
  const s = document.createElementNS(ns, 'svg');
  s.setAttribute('viewBox', '0 0 24 24');
  s.setAttribute('aria-hidden', 'true');
  s.setAttribute('focusable', 'false');
  const p = document.createElementNS(ns, 'path');
  p.setAttribute('d', d);
  s.append(p);
  return s;
}

export const icons = {
  chat: 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z',
  close: 'M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6 10.6 12 5 6.4z',
  send: 'M3 20.5 21 12 3 3.5v6.6l12 1.9-12 1.9z',
  mic: 'M12 15a3 3 0 0 0 3-3V6a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.9V22h2v-3.1a7 7 0 0 0 6-6.9z',
  attach: 'M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5H9v9a3 3 0 0 0 6 0V5a4.5 4.5 0 0 0-9 0v11.5a6 6 0 0 0 12 0v-10z',
  stop: 'M7 7h10v10H7z',
};

// safeURL returns u when it is an http(s) URL, else null (no javascript:
// links from message text).
export function safeURL(u) {
  try {
    const url = new URL(u, location.href);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch (_) {
    return null;
  }
}

// rich renders text as nodes: http(s) URLs become links, and citation
// markers [n] link to their source when it has a URL.
export function rich(text, cites) {
  const byN = new Map((cites || []).map((c) => [String(c.n), c]));
  const out = [];
  const re = /(https?:\/\/[^\s<>"]+)|\[(\d{1,3})\]/g;
  let last = 0;
  let m;
  while ((m = re.exec(text))) {
    let token = m[0];
    if (m[1]) token = token.replace(/[.,;:!?)\]]+$/, '');
    if (m.index > last) out.push(text.slice(last, m.index));
    const href = m[1] ? safeURL(token) : byN.has(m[2]) ? safeURL(byN.get(m[2]).url || '') : null;
    if (href) {
      const attrs = { href, target: '_blank', rel: 'noopener noreferrer' };
      if (m[2]) {
        attrs.class = 'cite';
        attrs.title = byN.get(m[2]).title || '';
      }
      out.push(h('a', attrs, token));
    } else {
      out.push(token);
    }
    last = m.index + token.length;
    re.lastIndex = last;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

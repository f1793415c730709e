// akhbar's local chat page: the person is a Telegram user; the bot talks to
// a fake Bot API server, and every message it sends there arrives here as
// an event with its text, entities and buttons.
//
// Safety: message text never becomes markup. It is shown through text
// nodes, formatted by the entities the fake parsed from the bot's HTML
// (exactly as Telegram parses it); link targets are limited to http(s), tg
// and mailto; images to http(s).
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };

  const state = {
    me: null,
    bot: { name: '', username: '' },
    chats: [],
    current: null, // chat id
    keys: new Map(), // chat id → message keys in order
    nodes: new Map(), // message key → element
    last: new Map(), // chat id → last message text, for the list
    unread: new Map(),
    commands: null,
    inlineSeq: 0,
  };

  async function api(path, body) {
    const init = body === undefined ? {} : {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    };
    const res = await fetch(path, init);
    if (!res.ok) throw new Error((await res.text()).trim() || res.statusText);
    return res.json();
  }

  // ---- Text and entities -------------------------------------------------

  const safeHref = (u) => {
    try {
      const url = new URL(u);
      return ['http:', 'https:', 'tg:', 'mailto:'].includes(url.protocol) ? url.href : null;
    } catch {
      return null;
    }
  };

  function link(href, child) {
    const a = el('a');
    a.href = href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    if (child !== undefined) a.append(child);
    return a;
  }

  // What Telegram detects in plain text by itself: links, /commands and
  // #hashtags. Commands are buttons (a tap sends them), as in Telegram.
  const detect = /(https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]،])|((?<=^|[\s(])\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]+)?(?=$|[\s.,;:!?)]))|(#[\p{L}\p{N}\p{M}_]+)/gu;

  function appendPlain(parent, s, inLink) {
    if (inLink) {
      parent.append(s);
      return;
    }
    let pos = 0;
    for (const m of s.matchAll(detect)) {
      if (m.index > pos) parent.append(s.slice(pos, m.index));
      if (m[1]) {
        const a = link(m[1], m[1]);
        a.dir = 'ltr'; // isolated: a link's slashes stay in place in Arabic text
        parent.append(a);
      } else if (m[2]) {
        const c = el('a', 'command', m[2]);
        c.dir = 'ltr';
        c.href = '#';
        c.dataset.command = m[2];
        parent.append(c);
      } else {
        parent.append(el('span', 'hashtag', m[3]));
      }
      pos = m.index + m[0].length;
    }
    if (pos < s.length) parent.append(s.slice(pos));
  }

  function entityElement(e, covered) {
    switch (e.type) {
      case 'bold': return el('b');
      case 'italic': return el('i');
      case 'underline': return el('u');
      case 'strikethrough': return el('s');
      case 'spoiler': return el('span', 'spoiler');
      case 'code': return el('code');
      case 'pre': return el('pre');
      case 'blockquote':
      case 'expandable_blockquote': return el('blockquote');
      case 'text_link': {
        const href = safeHref(e.url || '');
        return href ? link(href) : el('span', 'bad-link');
      }
      case 'url': {
        const href = safeHref(/^[a-z][a-z0-9+.-]*:/i.test(covered) ? covered : 'http://' + covered);
        const a = href ? link(href) : el('span');
        a.dir = 'ltr';
        return a;
      }
      case 'hashtag':
      case 'cashtag': return el('span', 'hashtag');
      default: return el('span', 'entity-' + String(e.type).replace(/[^a-z_]/g, ''));
    }
  }

  // renderText builds a message's text from its entities (UTF-16 offsets,
  // as JavaScript strings count). Entities from HTML nest; an overlapping
  // one is clipped to its parent.
  function renderText(text, entities) {
    const root = document.createDocumentFragment();
    const ents = (entities || [])
      .filter((e) => e.length > 0 && e.offset >= 0 && e.offset + e.length <= text.length)
      .sort((a, b) => a.offset - b.offset || b.length - a.length);
    const stack = [{ node: root, end: text.length, inLink: false }];
    const top = () => stack[stack.length - 1];
    let pos = 0;
    const flush = (to) => {
      if (to > pos) {
        appendPlain(top().node, text.slice(pos, to), top().inLink);
        pos = to;
      }
    };
    for (const e of ents) {
      while (stack.length > 1 && top().end <= e.offset) {
        flush(top().end);
        stack.pop();
      }
      flush(e.offset);
      const end = Math.min(e.offset + e.length, top().end);
      if (end <= e.offset) continue;
      const node = entityElement(e, text.slice(e.offset, end));
      top().node.append(node);
      const inLink = top().inLink || node.tagName === 'A' || ['code', 'pre'].includes(e.type);
      stack.push({ node, end, inLink });
    }
    while (stack.length > 1) {
      flush(top().end);
      stack.pop();
    }
    flush(text.length);
    return root;
  }

  // ---- Messages ----------------------------------------------------------

  const timeOf = (unix) => new Date(unix * 1000).toLocaleTimeString('ar', { hour: '2-digit', minute: '2-digit', hour12: false });

  function keyboardOf(msg) {
    let markup = msg.markup;
    if (!markup || !Array.isArray(markup.inline_keyboard)) return null;
    const kb = el('div', 'keyboard');
    for (const row of markup.inline_keyboard) {
      const r = el('div', 'kb-row');
      for (const b of row) r.append(buttonOf(b, msg));
      kb.append(r);
    }
    return kb;
  }

  function buttonOf(b, msg) {
    const text = String(b.text || '');
    if (typeof b.url === 'string') {
      const href = safeHref(b.url);
      if (href) {
        const a = link(href, text);
        a.className = 'btn';
        a.dataset.kind = 'url';
        return a;
      }
    }
    const btn = el('button', 'btn', text);
    btn.type = 'button';
    if (typeof b.callback_data === 'string') {
      btn.dataset.kind = 'callback';
      btn.dataset.data = b.callback_data;
      if (!msg.id) btn.disabled = true; // a button under an inline message: the fake has no such message
    } else if (b.copy_text && typeof b.copy_text.text === 'string') {
      btn.dataset.kind = 'copy';
      btn.dataset.copy = b.copy_text.text;
    } else if (typeof b.switch_inline_query === 'string' || typeof b.switch_inline_query_current_chat === 'string') {
      btn.dataset.kind = 'inline';
      btn.dataset.query = b.switch_inline_query ?? b.switch_inline_query_current_chat;
    } else {
      btn.disabled = true;
    }
    return btn;
  }

  function rawOf(call) {
    if (!call) return null;
    const pre = el('pre', 'raw');
    pre.dir = 'ltr';
    pre.textContent = call.method + ' ' + JSON.stringify(call.params, null, 2);
    return pre;
  }

  // documentOf is a file the bot sent: its name and size, a link that
  // downloads it from the page (which has it from the fake Telegram).
  function documentOf(doc) {
    const a = el('a', 'doc');
    a.href = doc.url;
    a.download = doc.name || '';
    a.append(el('span', 'doc-icon', '📄'));
    const about = el('span', 'doc-about');
    about.append(el('span', 'doc-name', doc.name || 'ملف'));
    about.append(el('span', 'doc-size', sizeOf(doc.size)));
    a.append(about);
    return a;
  }

  function sizeOf(n) {
    if (!n) return '';
    if (n < 1024) return n + ' B';
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KB';
    return (n / 1024 / 1024).toFixed(1) + ' MB';
  }

  function messageNode(key, chat, msg) {
    const node = el('div', 'msg ' + (msg.out ? 'out' : 'in'));
    node.dataset.key = key;
    node.dataset.chat = String(chat);
    if (msg.id) node.dataset.id = String(msg.id);
    const bubble = el('div', 'bubble');
    if (msg.via) bubble.append(el('div', 'via', 'عبر @' + msg.via));
    if (msg.photo) {
      const img = el('img', 'photo');
      img.alt = '';
      img.loading = 'lazy';
      img.referrerPolicy = 'no-referrer';
      img.src = msg.photo;
      img.addEventListener('error', () => img.replaceWith(el('div', 'photo missing', '🖼 صورة (لا تُحمَّل دون اتصال)')));
      bubble.append(img);
    }
    if (msg.document) bubble.append(documentOf(msg.document));
    const text = el('div', 'text');
    text.append(renderText(msg.text || '', msg.entities));
    bubble.append(text);
    const meta = el('div', 'meta');
    if (msg.edited) meta.append(el('span', 'edited', 'معدّلة'));
    meta.append(el('time', '', timeOf(msg.date)));
    bubble.append(meta);
    node.append(bubble);
    const kb = keyboardOf(msg);
    if (kb) node.append(kb);
    const raw = rawOf(msg.call);
    if (raw) node.append(raw);
    return node;
  }

  function apply(ev) {
    const chat = ev.chat;
    if (!state.keys.has(chat)) state.keys.set(chat, []);
    const keys = state.keys.get(chat);
    const old = state.nodes.get(ev.key);
    if (ev.type === 'delete') {
      if (old) old.remove();
      state.nodes.delete(ev.key);
      const i = keys.indexOf(ev.key);
      if (i >= 0) keys.splice(i, 1);
      return;
    }
    const msg = ev.msg;
    const node = messageNode(ev.key, chat, msg);
    state.nodes.set(ev.key, node);
    state.last.set(chat, (msg.out ? 'أنت: ' : '') + (msg.text || (msg.photo ? '🖼' : '') || (msg.document ? '📄 ' + msg.document.name : '')).split('\n').find((l) => l.trim()) || '');
    if (old) {
      old.replaceWith(node); // an edit: in place, as Telegram shows it
    } else {
      keys.push(ev.key);
      if (chat === state.current) {
        const box = $('messages');
        const near = box.scrollHeight - box.scrollTop - box.clientHeight < 120;
        box.append(node);
        if (near || msg.out) box.scrollTop = box.scrollHeight;
      } else if (!msg.out) {
        state.unread.set(chat, (state.unread.get(chat) || 0) + 1);
      }
    }
    renderChats();
    if (chat === state.current) updateStart();
  }

  // ---- Chats -------------------------------------------------------------

  const icons = { private: '🤖', supergroup: '👥', group: '👥', channel: '📢' };
  const roles = { creator: 'مالك', administrator: 'مشرف', member: 'عضو' };

  // renderChats updates the chat list in place: its items stay the same
  // elements, so a click or the keyboard focus is never lost to news.
  const chatItems = new Map();
  function renderChats() {
    const list = $('chats');
    for (const c of state.chats) {
      let li = chatItems.get(c.id);
      if (!li) {
        li = el('li', 'chat-item');
        li.dataset.chat = String(c.id);
        li.tabIndex = 0;
        const body = el('div', 'chat-body');
        const head = el('div', 'chat-line');
        head.append(el('span', 'chat-name', c.title));
        if (c.type !== 'private') head.append(el('span', 'role', roles[c.role] || c.role));
        body.append(head, el('div', 'chat-last'));
        li.append(el('span', 'avatar', icons[c.type] || '💬'), body, el('span', 'badge'));
        li.addEventListener('click', () => openChat(c.id));
        li.addEventListener('keydown', (e) => { if (e.key === 'Enter') openChat(c.id); });
        chatItems.set(c.id, li);
        list.append(li);
      }
      li.classList.toggle('active', c.id === state.current);
      li.querySelector('.chat-last').textContent = state.last.get(c.id) || c.note;
      const n = state.unread.get(c.id) || 0;
      const badge = li.querySelector('.badge');
      badge.textContent = String(n);
      badge.hidden = n === 0;
    }
  }

  function chatOf(id) {
    return state.chats.find((c) => c.id === id);
  }

  function openChat(id) {
    const c = chatOf(id);
    if (!c) return;
    $('toast').hidden = true;
    state.current = id;
    state.unread.delete(id);
    $('chat-title').textContent = c.title;
    $('chat-note').textContent = c.note;
    const box = $('messages');
    box.replaceChildren(...(state.keys.get(id) || []).map((k) => state.nodes.get(k)).filter(Boolean));
    box.scrollTop = box.scrollHeight;
    $('text').placeholder = c.type === 'channel'
      ? 'انشر في القناة… (تُنشر باسم القناة)'
      : 'اكتب رسالة… جرّب \u2066/start\u2069 أو \u2066@' + state.bot.username + ' ذهب\u2069';
    closePopup();
    renderChats();
    updateStart();
  }

  // A private chat with a bot that was never started shows Telegram's
  // START button instead of the message box.
  function updateStart() {
    const c = chatOf(state.current);
    const fresh = c && c.type === 'private' && (state.keys.get(c.id) || []).length === 0;
    $('start').hidden = !fresh;
    $('text').hidden = fresh;
    $('send').hidden = fresh;
  }

  // ---- Actions -----------------------------------------------------------

  let toastTimer;
  function toast(text) {
    const t = $('toast');
    t.textContent = text;
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { t.hidden = true; }, 3500);
  }

  function alertBox(text) {
    $('alert-text').textContent = text;
    $('alert').hidden = false;
    $('alert-ok').focus();
  }

  async function send(text, chat = state.current) {
    try {
      await api('/api/send', { chat, text });
    } catch (err) {
      toast('لم تُرسل: ' + err.message);
    }
  }

  async function press(btn) {
    const node = btn.closest('.msg');
    btn.classList.add('busy');
    try {
      const a = await api('/api/press', { chat: Number(node.dataset.chat), message: Number(node.dataset.id), data: btn.dataset.data });
      if (a.show_alert && a.text) alertBox(a.text);
      else if (a.text) toast(a.text);
      if (a.url) openURL(a.url);
    } catch (err) {
      toast('لم يُجب البوت: ' + err.message);
    } finally {
      btn.classList.remove('busy');
    }
  }

  // openURL opens a link as Telegram would: the bot's own t.me deep links
  // act here (start the private chat with the payload), others open.
  function openURL(u) {
    const href = safeHref(u);
    if (!href) return;
    if (deepLink(new URL(href))) return;
    window.open(href, '_blank', 'noopener,noreferrer');
  }

  function deepLink(url) {
    if (!['t.me', 'telegram.me'].includes(url.host)) return false;
    if (url.pathname.replace(/^\//, '').toLowerCase() !== state.bot.username.toLowerCase()) return false;
    if (url.searchParams.has('startgroup')) {
      const group = state.chats.find((c) => c.type !== 'private' && c.role !== 'member');
      if (group) openChat(group.id);
      toast('في Telegram يضيف هذا الرابط البوت إلى مجموعة تختارها؛ هنا هو مضاف مسبقاً');
      return true;
    }
    const payload = url.searchParams.get('start');
    const private_ = state.chats.find((c) => c.type === 'private');
    if (private_) openChat(private_.id);
    send(payload ? '/start ' + payload : '/start', private_ && private_.id);
    return true;
  }

  document.addEventListener('click', async (e) => {
    const a = e.target.closest('a');
    if (a && a.dataset.command) {
      e.preventDefault();
      send(a.dataset.command);
      return;
    }
    if (a && a.href) {
      try {
        if (deepLink(new URL(a.href))) e.preventDefault();
      } catch { /* not a URL: the browser handles it */ }
      return;
    }
    const btn = e.target.closest('button.btn');
    if (!btn || btn.disabled) return;
    switch (btn.dataset.kind) {
      case 'callback':
        press(btn);
        break;
      case 'copy':
        try {
          await navigator.clipboard.writeText(btn.dataset.copy);
          toast('نُسخ: ' + btn.dataset.copy);
        } catch {
          toast(btn.dataset.copy);
        }
        break;
      case 'inline': {
        const input = $('text');
        input.value = '@' + state.bot.username + ' ' + btn.dataset.query;
        input.focus();
        onInput();
        break;
      }
    }
  });

  // ---- The message box: commands menu and inline mode ---------------------

  function closePopup() {
    const p = $('popup');
    p.hidden = true;
    p.replaceChildren();
    state.inlineSeq++;
  }

  async function showCommands(prefix) {
    if (!state.commands || state.commands.length === 0) {
      try {
        state.commands = await api('/api/commands');
      } catch {
        state.commands = [];
      }
    }
    const p = $('popup');
    const matches = state.commands.filter((c) => ('/' + c.command).startsWith(prefix));
    if (matches.length === 0) {
      closePopup();
      return;
    }
    p.replaceChildren();
    p.className = 'popup commands';
    for (const c of matches) {
      const b = el('button', 'item');
      b.type = 'button';
      b.append(el('span', 'cmd', '/' + c.command), el('span', 'desc', c.description));
      b.addEventListener('click', () => {
        closePopup();
        $('text').value = '';
        send('/' + c.command);
      });
      p.append(b);
    }
    p.hidden = false;
  }

  let inlineTimer;
  async function inlineQuery(query, offset = '') {
    const seq = ++state.inlineSeq;
    const chat = state.current;
    const p = $('popup');
    p.className = 'popup inline';
    if (!offset) {
      p.replaceChildren(el('div', 'loading', '…'));
      p.hidden = false;
    }
    let a;
    try {
      a = await api('/api/inline', { chat, query, offset });
    } catch (err) {
      if (seq === state.inlineSeq) p.replaceChildren(el('div', 'empty', 'لم يُجب البوت: ' + err.message));
      return;
    }
    if (seq !== state.inlineSeq) return; // a newer query replaced it
    if (!offset) p.replaceChildren();
    p.querySelector('.more')?.remove();
    if (a.results.length === 0 && !offset) p.append(el('div', 'empty', 'لا نتائج'));
    for (const r of a.results) {
      const b = el('button', 'item result');
      b.type = 'button';
      b.dataset.result = r.id;
      if (r.thumbnail) {
        const img = el('img', 'thumb');
        img.alt = '';
        img.referrerPolicy = 'no-referrer';
        img.src = r.thumbnail;
        img.addEventListener('error', () => img.replaceWith(el('span', 'thumb', '📰')));
        b.append(img);
      } else {
        b.append(el('span', 'thumb', '📰'));
      }
      const body = el('span', 'result-body');
      body.append(el('b', 'result-title', r.title), el('span', 'result-desc', r.description || ''));
      b.append(body);
      b.addEventListener('click', async () => {
        try {
          await api('/api/choose', { chat, query_id: a.query_id, result_id: r.id });
          $('text').value = '';
          closePopup();
        } catch (err) {
          toast(err.message);
        }
      });
      p.append(b);
    }
    if (a.next_offset) {
      const more = el('button', 'item more', 'المزيد…');
      more.type = 'button';
      more.addEventListener('click', () => inlineQuery(query, a.next_offset));
      p.append(more);
    }
  }

  // Inline queries wait for a pause in typing, and one at a time: the bot
  // limits how many updates one person sends (8 in 10 s by default), and
  // drops the rest without an answer, as it would from a Telegram client.
  let inlineBusy = false;
  let inlineNext = null;
  async function runInline(query) {
    if (inlineBusy) {
      inlineNext = query;
      return;
    }
    inlineBusy = true;
    try {
      await inlineQuery(query);
    } finally {
      inlineBusy = false;
      if (inlineNext !== null) {
        const q = inlineNext;
        inlineNext = null;
        runInline(q);
      }
    }
  }

  function onInput() {
    const v = $('text').value;
    // Right to left while empty (the Arabic placeholder), then the
    // direction of what is typed.
    $('text').dir = v ? 'auto' : 'rtl';
    clearTimeout(inlineTimer);
    const inline = v.match(/^@([A-Za-z0-9_]+)\s([\s\S]*)$/);
    if (inline && inline[1].toLowerCase() === state.bot.username.toLowerCase()) {
      inlineTimer = setTimeout(() => runInline(inline[2].trim()), 400);
      return;
    }
    if (/^\/[a-z0-9_]*$/.test(v)) {
      showCommands(v);
      return;
    }
    closePopup();
  }

  // ---- Start -------------------------------------------------------------

  async function main() {
    const st = await api('/api/state');
    state.me = st.me;
    state.bot = st.bot;
    state.chats = st.chats;
    document.body.dataset.bot = st.bot.username;
    const raw = $('raw-toggle');
    raw.checked = localStorage.getItem('akhbar.raw') === '1';
    document.body.classList.toggle('show-raw', raw.checked);
    raw.addEventListener('change', () => {
      document.body.classList.toggle('show-raw', raw.checked);
      localStorage.setItem('akhbar.raw', raw.checked ? '1' : '0');
    });
    $('composer').addEventListener('submit', (e) => {
      e.preventDefault();
      const input = $('text');
      const text = input.value.trim();
      if (!text) return;
      input.value = '';
      closePopup();
      send(text);
    });
    $('text').addEventListener('input', onInput);
    $('text').addEventListener('keydown', (e) => { if (e.key === 'Escape') closePopup(); });
    $('start').addEventListener('click', () => send('/start'));
    $('alert-ok').addEventListener('click', () => { $('alert').hidden = true; });
    openChat(state.chats[0].id);

    const conn = $('conn');
    const es = new EventSource('/api/events');
    es.onopen = () => { conn.textContent = '● متصل'; conn.className = 'conn on'; };
    es.onerror = () => { conn.textContent = '○ انقطع الاتصال، يُعاد…'; conn.className = 'conn off'; };
    es.onmessage = (e) => apply(JSON.parse(e.data));
  }

  main().catch((err) => {
    document.body.replaceChildren(el('p', 'fatal', 'تعذّر تحميل الصفحة: ' + err.message));
  });
})();

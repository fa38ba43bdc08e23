// The messenger made live: one WebSocket per tab (docs/realtime.md).
// New messages, edits, reactions, typing and who has read one's own arrive
// without reload; the other rooms' unread counts and the page title follow
// too. When the connection drops (school Wi-Fi), it comes back with a
// growing delay and fetches what it missed from the last id it shows:
// nothing is lost, nothing shown twice. Without this script the page
// works by reloading.
const i18nEl = document.getElementById("chat-i18n");
const T = i18nEl ? JSON.parse(i18nEl.textContent) : {};
const t = (key, ...args) => {
  let i = 0;
  return (T[key] || key).replace(/%[sd]/g, () => String(args[i++] ?? ""));
};
const page = document.querySelector(".chat");
const box = document.querySelector(".chat-room");
const me = page ? page.dataset.me : "";
const room = box ? box.dataset.room : "";
const leader = box ? box.dataset.leader === "true" : false;
const list = box ? box.querySelector(".messages") : null;
const scroller = list ? list.parentElement : null; // the list and the "more" lines above and below it
const status = document.getElementById("chat-status");
const form = document.getElementById("chat-form");
const emojis = ["👍", "❤️", "😂", "😮", "😢", "🎉", "✅", "❓"];
let last = 0; // the newest message shown
let oldest = 0; // the oldest message shown
// atNewest: the room's newest message is shown, so live ones go below it;
// false while reading back from a search hit (scrolling down loads on)
let atNewest = true;
const found = list ? Number(list.dataset.found) || 0 : 0;
let socket = null;
let delay = 1000;

const api = async (method, path, body) => {
  const opts = { method, credentials: "same-origin", headers: {} };
  if (body instanceof FormData) {
    opts.body = body;
  } else if (body) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const res = await fetch(path, opts);
  if (!res.ok) {
    let msg = res.statusText;
    try { msg = (await res.json()).error.message; } catch (_) {}
    throw new Error(msg);
  }
  return res.status === 204 ? null : res.json();
};
const say = (msg) => { if (status) status.textContent = msg; };
const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  Object.assign(e, props);
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
};
// icon is an icon the page carries in a <template id="icon-NAME">.
const icon = (name) => document.getElementById("icon-" + name)?.content.firstElementChild.cloneNode(true) ?? "";
const time = (iso) => {
  const d = new Date(iso);
  const two = (x) => String(x).padStart(2, "0");
  return `${two(d.getDate())}.${two(d.getMonth() + 1)}. ${two(d.getHours())}:${two(d.getMinutes())}`;
};

// formatted turns a message's text into nodes: links, *bold*, _italic_;
// never HTML of the writer's.
const formatted = (text) => {
  const out = [];
  const re = /(https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]])|\*([^*\n]+)\*|_([^_\n]+)_/g;
  let at = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > at) out.push(text.slice(at, m.index));
    if (m[1]) out.push(el("a", { href: m[1], textContent: m[1], target: "_blank", rel: "noopener noreferrer" }));
    else if (m[2]) out.push(el("strong", { textContent: m[2] }));
    else out.push(el("em", { textContent: m[3] }));
    at = m.index + m[0].length;
  }
  out.push(text.slice(at));
  return out;
};

// --- one room --------------------------------------------------------

const messages = new Map(); // id -> message, as last shown
let replyTo = null;
let attachments = []; // waiting for the next message
let members = null; // for mentions

const render = (m) => {
  messages.set(m.id, m);
  const mine = String(m.sender) === me;
  const mentioned = (m.mentions || []).some((id) => String(id) === me);
  const item = el("li", { className: [mine ? "mine" : "", mentioned ? "mentioned" : ""].join(" ").trim(), id: `m-${m.id}` });
  item.dataset.id = m.id;
  item.append(el("strong", { textContent: m.sender_name }), " ", el("time", { dateTime: m.created_at, textContent: time(m.created_at) }));
  if (m.edited_at && !m.deleted) item.append(" ", el("span", { className: "hint", textContent: t("chat.edited") }));
  if (m.reply) {
    item.append(el("blockquote", { className: "reply" }, el("strong", { textContent: m.reply.sender_name + ": " }), m.reply.text || t("chat.deleted")));
  }
  const p = el("p");
  if (m.deleted) p.append(el("em", { textContent: m.deleted_by_moderator ? t("chat.deleted_by_moderator") : t("chat.deleted") }));
  else p.append(...formatted(m.text));
  item.append(p);
  if (!m.deleted && m.attachments) {
    const files = el("div", { className: "attachments" });
    for (const a of m.attachments) {
      const href = `/api/v1/rooms/${room}/attachments/${a.id}`;
      if (a.image) files.append(el("a", { href, target: "_blank" }, el("img", { src: href, alt: a.name, loading: "lazy" })));
      else files.append(el("a", { href, download: a.name }, icon("attach"), " " + a.name));
    }
    item.append(files);
  }
  if (!m.deleted) {
    const reactions = el("div", { className: "reactions" });
    for (const r of m.reactions || []) {
      const b = el("button", { type: "button", className: "reaction", textContent: `${r.emoji} ${r.count}` });
      b.setAttribute("aria-pressed", String(r.mine));
      b.dataset.emoji = r.emoji;
      b.addEventListener("click", () => react(m.id, r.emoji, !r.mine));
      reactions.append(b);
    }
    const pick = el("details", { className: "pick" }, el("summary", { textContent: "☺+", title: t("chat.react") }));
    for (const e of emojis) {
      const b = el("button", { type: "button", textContent: e });
      b.addEventListener("click", () => { pick.open = false; react(m.id, e, true); });
      pick.append(b);
    }
    reactions.append(pick);
    const actions = el("div", { className: "actions" });
    if (form) actions.append(button(t("chat.reply"), () => startReply(m)));
    if (mine) actions.append(button(t("chat.edit"), () => edit(m)));
    if (!mine) actions.append(button(t("chat.report"), () => report(m)));
    if (mine || leader) actions.append(button(t("chat.delete"), () => remove(m)));
    if (!mine && leader) actions.append(button(t("chat.mute_hour"), () => mute(m)));
    item.append(reactions, actions);
  }
  if (mine) {
    const reads = el("span", { className: "hint reads" });
    reads.dataset.reads = m.id;
    item.append(reads);
  }
  return item;
};
const button = (label, onclick) => {
  const b = el("button", { type: "button", className: "link", textContent: label });
  b.addEventListener("click", onclick);
  return b;
};

// show adds a message below the others, or replaces it where it is
// shown already
const show = (m, scroll = true) => {
  const old = list.querySelector(`[data-id="${m.id}"]`);
  const item = render(m);
  if (old) { old.replaceWith(item); return; }
  // in id order: events of one room may come out of it (two writers at
  // once, through two nodes)
  const later = m.id < last && [...list.querySelectorAll("[data-id]")].find((x) => Number(x.dataset.id) > m.id);
  if (later) later.before(item); else list.append(item);
  last = Math.max(last, m.id);
  oldest = oldest || m.id;
  if (scroll) item.scrollIntoView({ block: "end" });
};

// --- the history: older messages load as one scrolls up, and from a
// search hit newer ones as one scrolls down -----------------------------

const moreItem = (label) => el("p", { className: "more" }, el("button", { type: "button", className: "link", textContent: label }));
const older = moreItem(t("chat.older"));
older.dataset.testid = "older";
const newer = moreItem(t("chat.newer"));
let loading = false;

// loadOlder puts the page before the oldest shown message on top, where
// the reader is, without moving what she reads
const loadOlder = async () => {
  if (loading || !oldest || !older.querySelector("button")) return;
  loading = true;
  try {
    const got = await api("GET", `/api/v1/rooms/${room}/messages?before=${oldest}&limit=50`);
    const height = scroller.scrollHeight;
    for (const m of got.items) { // newest first: each goes on top
      if (!list.querySelector(`[data-id="${m.id}"]`)) list.prepend(render(m));
      oldest = Math.min(oldest, m.id);
    }
    scroller.scrollTop += scroller.scrollHeight - height;
    if (!got.next) older.replaceChildren(el("span", { className: "hint", textContent: t("chat.history_start") }));
  } catch (err) { say(err.message); } finally { loading = false; }
};

// loadNewer goes on down from a search hit until the newest message
const loadNewer = async () => {
  if (loading || atNewest) return;
  loading = true;
  try {
    const got = await api("GET", `/api/v1/rooms/${room}/messages?after=${last}&limit=50`);
    got.items.forEach((m) => show(m, false));
    if (got.items.length < 50) {
      atNewest = true;
      newer.remove();
      markRead();
    }
  } catch (err) { say(err.message); } finally { loading = false; }
};

// openHistory draws what the page opened with: the newest messages, or
// those around a search hit, marked and in view
const openHistory = async () => {
  if (found) {
    atNewest = false;
    scroller.append(newer);
    const got = await api("GET", `/api/v1/rooms/${room}/messages?before=${found + 1}&limit=25`);
    [...got.items].reverse().forEach((m) => show(m, false)); // newest first: shown oldest first
    if (!got.next) older.replaceChildren(el("span", { className: "hint", textContent: t("chat.history_start") }));
    await loadNewer();
    const hit = list.querySelector(`[data-id="${found}"]`);
    if (hit) { hit.classList.add("found"); hit.scrollIntoView({ block: "center" }); }
  } else {
    await catchUp();
    if (list.querySelectorAll("li[data-id]").length < 50) older.replaceChildren(el("span", { className: "hint", textContent: t("chat.history_start") }));
  }
  older.querySelector("button")?.addEventListener("click", loadOlder);
  newer.querySelector("button").addEventListener("click", loadNewer);
  // near the top or the bottom of the list, the next page comes
  scroller.addEventListener("scroll", () => {
    if (scroller.scrollTop < 200) loadOlder();
    else if (scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 200) loadNewer();
  }, { passive: true });
};

const react = async (id, emoji, on) => {
  try {
    show(await api(on ? "PUT" : "DELETE", `/api/v1/rooms/${room}/messages/${id}/reactions/${encodeURIComponent(emoji)}`));
  } catch (err) { say(err.message); }
};
const report = async (m) => {
  const reason = prompt(t("chat.report_prompt"));
  if (!reason) return;
  try {
    await api("POST", `/api/v1/rooms/${room}/messages/${m.id}/report`, { reason });
    say(t("chat.reported"));
  } catch (err) { say(err.message); }
};
const edit = async (m) => {
  const text = prompt(t("chat.edit"), m.text);
  if (text === null || text.trim() === m.text) return;
  try { show({ ...(await api("PATCH", `/api/v1/rooms/${room}/messages/${m.id}`, { text })), reactions: m.reactions }); } catch (err) { say(err.message); }
};
const mute = async (m) => {
  try {
    await api("PUT", `/api/v1/rooms/${room}/mutes/${m.sender}`, { minutes: 60 });
    say(t("chat.muted_hour", m.sender_name));
  } catch (err) { say(err.message); }
};
const remove = async (m) => {
  if (!confirm(t("chat.delete_confirm"))) return;
  try { await api("DELETE", `/api/v1/rooms/${room}/messages/${m.id}`); } catch (err) { say(err.message); }
};

const markRead = () => {
  if (document.visibilityState === "visible" && last > 0) {
    api("POST", `/api/v1/rooms/${room}/read`, { up_to: last }).catch(() => {});
  }
};

// the read receipts of one's own latest messages
const refreshReads = async () => {
  const mine = [...list.querySelectorAll("[data-reads]")].slice(-5);
  for (const r of mine) {
    try {
      const got = await api("GET", `/api/v1/rooms/${room}/messages/${r.dataset.reads}/reads`);
      r.textContent = t("chat.reads", got.read.length, got.read.length + got.unread.length);
      r.title = got.unread.map((u) => u.name).join(", ");
    } catch (_) {}
  }
};

// catchUp fetches everything after the last shown message (the newest
// page when none is shown)
const catchUp = async () => {
  if (!atNewest) return; // reading back: scrolling down fetches it
  for (;;) {
    const got = await api("GET", `/api/v1/rooms/${room}/messages?after=${last}&limit=${last ? 200 : 50}`);
    got.items.forEach(show);
    if (last === 0 || got.items.length < 200) break;
  }
  markRead();
};

// typing: "Anna schreibt …" for a few seconds
const typing = document.getElementById("chat-typing");
const typers = new Map();
const showTyping = () => {
  const now = Date.now();
  for (const [name, until] of typers) if (until < now) typers.delete(name);
  typing.textContent = typers.size ? t("chat.typing", [...typers.keys()].join(", ")) : "";
};

const onRoomEvent = (e) => {
  switch (e.event) {
    case "message.new":
      // a socket that missed events was closed and catches up when it
      // reconnects; one shown already (sent again) is not shown twice
      if (atNewest && !list.querySelector(`[data-id="${e.data.id}"]`)) {
        typers.delete(e.data.sender_name);
        showTyping();
        show(e.data);
        markRead();
      }
      break;
    case "message.edited":
    case "message.deleted":
      if (messages.has(e.data.id)) {
        // reactions and mine-ness are the reader's; keep them
        show({ ...e.data, reactions: e.event === "message.deleted" ? [] : messages.get(e.data.id).reactions });
      }
      break;
    case "message.reactions": {
      const m = messages.get(e.data.id);
      if (!m) break;
      const mine = new Set((m.reactions || []).filter((r) => r.mine).map((r) => r.emoji));
      if (String(e.data.user) === me) { if (e.data.on) mine.add(e.data.emoji); else mine.delete(e.data.emoji); }
      m.reactions = emojis.filter((x) => e.data.counts[x]).map((x) => ({ emoji: x, count: e.data.counts[x], mine: mine.has(x) }));
      show(m);
      break;
    }
    case "typing":
      if (String(e.data.user) !== me) {
        typers.set(e.data.name, Date.now() + 4000);
        showTyping();
        setTimeout(showTyping, 4100);
      }
      break;
    case "read":
      refreshReads();
      break;
    case "room.locked":
      location.reload();
      break;
  }
};

// --- composing ---------------------------------------------------------

const startReply = (m) => {
  replyTo = m.id;
  const bar = document.getElementById("chat-replying");
  bar.hidden = false;
  bar.querySelector("span").textContent = t("chat.replying", m.sender_name);
  form.querySelector("textarea").focus();
};

const showAttachments = () => {
  const chips = document.getElementById("chat-attachments");
  chips.replaceChildren(...attachments.map((a, i) => {
    const chip = el("span", { className: "chip" }, icon("attach"), ` ${a.name} `);
    chip.append(button("✕", () => { attachments.splice(i, 1); showAttachments(); }));
    return chip;
  }));
};

if (form) {
  const text = form.querySelector("textarea");
  const sendButton = form.querySelector("[data-testid=send]");
  const picker = document.getElementById("chat-mentions");
  let lastTyping = 0;
  document.getElementById("chat-cancel-reply").addEventListener("click", () => {
    replyTo = null;
    document.getElementById("chat-replying").hidden = true;
  });
  document.getElementById("chat-file").addEventListener("change", async (ev) => {
    for (const f of ev.target.files) {
      const data = new FormData();
      data.append("file", f);
      try {
        attachments.push(await api("POST", `/api/v1/rooms/${room}/attachments`, data));
      } catch (err) { say(err.message); }
    }
    ev.target.value = "";
    showAttachments();
  });
  // mentions: "@" and a few letters offer the room's members
  const mentionQuery = () => {
    const m = /(?:^|\s)@([^\s@]{1,30})$/.exec(text.value.slice(0, text.selectionStart));
    return m ? m[1].toLowerCase() : null;
  };
  text.addEventListener("input", async () => {
    if (Date.now() - lastTyping > 3000) {
      lastTyping = Date.now();
      api("POST", `/api/v1/rooms/${room}/typing`).catch(() => {});
    }
    const q = mentionQuery();
    if (q === null) { picker.hidden = true; return; }
    if (members === null) {
      members = [];
      try { members = (await api("GET", `/api/v1/rooms/${room}/members`)).items; } catch (_) {}
    }
    const found = members.filter((u) => String(u.id) !== me && u.name.toLowerCase().includes(q)).slice(0, 8);
    picker.replaceChildren(...found.map((u) => {
      const b = el("button", { type: "button", textContent: u.name });
      b.addEventListener("click", () => {
        const before = text.value.slice(0, text.selectionStart).replace(/@[^\s@]*$/, `@${u.name} `);
        text.value = before + text.value.slice(text.selectionStart);
        text.focus();
        picker.hidden = true;
      });
      return el("li", {}, b);
    }));
    picker.hidden = found.length === 0;
  });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const value = text.value.trim();
    if (!value && attachments.length === 0) return;
    const mentions = (members || []).filter((u) => value.includes(`@${u.name}`)).map((u) => u.id);
    sendButton.disabled = true;
    try {
      const m = await api("POST", `/api/v1/rooms/${room}/messages`,
        { text: value, reply_to: replyTo || undefined, mentions, attachments: attachments.map((a) => a.id) });
      text.value = "";
      lastTyping = 0; // the next words are news again
      attachments = [];
      showAttachments();
      replyTo = null;
      document.getElementById("chat-replying").hidden = true;
      if (m.id > last) show(m);
      refreshReads();
    } catch (err) {
      say(err.message);
    } finally {
      sendButton.disabled = false;
      text.focus();
    }
  });
  text.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey) {
      ev.preventDefault();
      form.requestSubmit();
    }
  });
}

// --- all rooms: unread counts, the title, new conversations -------------

const baseTitle = document.title.replace(/^\(\d+\) /, "");
const unread = new Map(); // room -> count
const showUnread = () => {
  let total = 0;
  for (const a of document.querySelectorAll("[data-testid=rooms] a[data-room]")) {
    const n = unread.get(a.dataset.room) || 0;
    total += n;
    let badge = a.parentElement.querySelector(".badge");
    if (n > 0) {
      if (!badge) {
        badge = el("span", { className: "badge" });
        badge.dataset.testid = "unread";
        a.after(" ", badge);
      }
      badge.textContent = n;
    } else if (badge) {
      badge.remove();
    }
  }
  document.title = total > 0 ? `(${total}) ${baseTitle}` : baseTitle;
};
const loadRooms = async () => {
  const got = await api("GET", "/api/v1/rooms");
  const ul = document.querySelector("[data-testid=rooms]");
  ul.replaceChildren(...got.items.map((r) => {
    const a = el("a", { href: `/chat?room=${r.id}`, textContent: r.name });
    a.dataset.room = r.id;
    a.dataset.kind = r.kind;
    const li = el("li", {}, a);
    if (String(r.id) === room) li.setAttribute("aria-current", "page");
    return li;
  }));
  unread.clear();
  for (const r of got.items) if (String(r.id) !== room) unread.set(String(r.id), r.unread);
  showUnread();
  subscribeAll();
};
const subscribeAll = () => {
  if (!socket || socket.readyState !== WebSocket.OPEN) return;
  for (const a of document.querySelectorAll("[data-testid=rooms] a[data-room]")) {
    socket.send(JSON.stringify({ type: "subscribe", id: a.dataset.room === room ? "room" : "", topic: `room.${a.dataset.room}` }));
  }
  socket.send(JSON.stringify({ type: "subscribe", topic: `user.${me}` }));
};

let opened = false;
const connect = () => {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/api/v1/ws`);
  socket.onopen = () => {
    delay = 1000;
    say("");
    subscribeAll();
    if (!box) return;
    if (!opened) {
      opened = true;
      openHistory().catch((err) => say(err.message));
    } else {
      catchUp().catch(() => {});
    }
    refreshReads();
  };
  // a frame may carry several envelopes, one per line
  socket.onmessage = (ev) => ev.data.split("\n").forEach((line) => handle(JSON.parse(line)));
  socket.onclose = (ev) => {
    // 4001: the session ended (logout, password change): the page sends
    // to the login instead of reconnecting for ever
    if (ev.code === 4001) { location.reload(); return; }
    delete document.body.dataset.live;
    say(t("chat.offline"));
    const wait = delay * (0.5 + Math.random());
    delay = Math.min(delay * 2, 30000);
    setTimeout(connect, wait);
  };
};
const handle = (e) => {
  // the open room's subscription is taken: live from here
  if (e.type === "ack" && e.id === "room") document.body.dataset.live = "on";
  // the server may have lost events on their way to it: read what was
  // missed as after a reconnect, the tabs spread over the time it says
  if (e.type === "gap") {
    setTimeout(() => {
      if (box) catchUp().catch(() => {});
      loadRooms().catch(() => {});
    }, Math.random() * (e.data?.within_ms || 3000));
    return;
  }
  if (e.type !== "event") return;
  if (e.topic === `user.${me}` && e.event === "room.new") {
    loadRooms().catch(() => {});
    return;
  }
  const id = e.topic.replace(/^room\./, "");
  if (box && id === room) {
    onRoomEvent(e);
  } else if (e.event === "message.new" && String(e.data.sender) !== me) {
    unread.set(id, (unread.get(id) || 0) + 1);
    showUnread();
  }
};

// --- the sidebar: new conversation, search, reports, notifications -------

const contacts = document.getElementById("chat-contacts");
if (contacts) {
  const q = document.getElementById("chat-contact-q");
  const chosen = new Map();
  const results = document.getElementById("chat-contact-results");
  const chosenList = document.getElementById("chat-chosen");
  const showChosen = () => chosenList.replaceChildren(...[...chosen].map(([id, name]) => {
    const chip = el("span", { className: "chip", textContent: name + " " });
    chip.append(button("✕", () => { chosen.delete(id); showChosen(); }));
    return chip;
  }));
  let timer = 0;
  q.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (q.value.trim().length < 2) { results.replaceChildren(); return; }
      try {
        const got = await api("GET", `/api/v1/chat/contacts?q=${encodeURIComponent(q.value)}`);
        results.replaceChildren(...got.items.map((u) => el("li", {}, button(u.name, () => { chosen.set(u.id, u.name); showChosen(); q.value = ""; results.replaceChildren(); }))));
      } catch (err) { say(err.message); }
    }, 250);
  });
  contacts.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (chosen.size === 0) return;
    try {
      const r = await api("POST", "/api/v1/rooms", { members: [...chosen.keys()], name: document.getElementById("chat-group-name").value });
      location.href = `/chat?room=${r.id}`;
    } catch (err) { say(err.message); }
  });
}

const search = document.getElementById("chat-search");
if (search) {
  search.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const out = document.getElementById("chat-search-results");
    try {
      const got = await api("GET", `/api/v1/chat/search?q=${encodeURIComponent(search.querySelector("input").value)}`);
      out.replaceChildren(...(got.items.length ? got.items.map((m) => el("li", {},
        el("a", { href: `/chat?room=${m.room}&message=${m.id}` }, el("strong", { textContent: m.sender_name + ": " }), m.text.slice(0, 120)))) :
        [el("li", { className: "hint", textContent: t("chat.no_results") })]));
    } catch (err) { say(err.message); }
  });
}

const reports = document.getElementById("chat-reports");
const loadReports = async () => {
  const got = await api("GET", "/api/v1/chat/reports");
  reports.hidden = got.items.length === 0;
  reports.querySelector("ul").replaceChildren(...got.items.map((r) => {
    const li = el("li", {}, el("strong", { textContent: `${r.room_name}: ` }),
      r.message ? `${r.message.sender_name}: „${r.message.text || t("chat.deleted")}“ ` : "",
      el("span", { className: "hint", textContent: t("chat.reported_by", r.reporter_name, r.reason) }), " ");
    if (r.message && !r.message.deleted) {
      li.append(button(t("chat.delete"), async () => {
        try { await api("DELETE", `/api/v1/rooms/${r.room}/messages/${r.message.id}`); loadReports(); } catch (err) { say(err.message); }
      }), " ");
    }
    li.append(button(t("chat.handled"), async () => {
      try { await api("POST", `/api/v1/chat/reports/${r.id}/handled`); loadReports(); } catch (err) { say(err.message); }
    }));
    return li;
  }));
};
if (reports) loadReports().catch(() => {});

// Web Push: the browser asks once; the service worker shows what arrives
const notify = document.getElementById("chat-notify");
if (notify && "serviceWorker" in navigator && "PushManager" in window) {
  const b64 = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4)), (c) => c.charCodeAt(0));
  const enc = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const refresh = async () => {
    const reg = await navigator.serviceWorker.register("/sw.js");
    const sub = await reg.pushManager.getSubscription();
    notify.hidden = false;
    notify.textContent = sub ? t("chat.notify_off") : t("chat.notify_on");
    return { reg, sub };
  };
  refresh().catch(() => {});
  notify.addEventListener("click", async () => {
    try {
      const { reg, sub } = await refresh();
      if (sub) {
        await api("DELETE", "/api/v1/push/subscription", { endpoint: sub.endpoint });
        await sub.unsubscribe();
      } else {
        if (await Notification.requestPermission() !== "granted") { say(t("chat.notify_denied")); return; }
        const key = (await api("GET", "/api/v1/push/key")).public_key;
        const s = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: b64(key) });
        await api("PUT", "/api/v1/push/subscription", { endpoint: s.endpoint, p256dh: enc(s.getKey("p256dh")), auth: enc(s.getKey("auth")) });
      }
      await refresh();
    } catch (err) { say(err.message); }
  });
}

const lock = document.getElementById("chat-lock");
if (lock) {
  lock.addEventListener("click", async () => {
    try {
      await api("PUT", `/api/v1/rooms/${room}/lock`, { locked: lock.dataset.locked !== "true" });
      location.reload();
    } catch (err) { say(err.message); }
  });
}

if (page) {
  if (box) {
    list.replaceChildren(); // drawn again from the API, with reactions and replies
    scroller.querySelector(".more")?.remove();
    scroller.prepend(older);
    document.addEventListener("visibilitychange", markRead);
  }
  for (const b of document.querySelectorAll("[data-testid=unread]")) {
    const a = b.parentElement.querySelector("a[data-room]");
    if (a) unread.set(a.dataset.room, Number(b.textContent));
  }
  connect();
}

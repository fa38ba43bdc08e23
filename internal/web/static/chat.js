// The messenger made live: one WebSocket per tab (docs/realtime.md).
// New messages, and who has read one's own, arrive without reload. When
// the connection drops (school Wi-Fi), it comes back with a growing delay
// and fetches what it missed from the last id it shows: nothing is lost,
// nothing shown twice. Without this script the page works by reloading.
const box = document.querySelector(".chat-room");
if (box) {
  const room = box.dataset.room;
  const me = box.dataset.me;
  const list = box.querySelector(".messages");
  const status = document.getElementById("chat-status");
  const form = document.getElementById("chat-form");
  let last = Number(box.dataset.last || 0);
  let socket = null;
  let delay = 1000;

  const readsText = (n, of) => {
    let i = 0;
    return box.dataset.tReads.replace(/\d+/g, () => String(i++ === 0 ? n : of));
  };
  const time = (iso) => {
    const d = new Date(iso);
    const two = (x) => String(x).padStart(2, "0");
    return `${two(d.getDate())}.${two(d.getMonth() + 1)}. ${two(d.getHours())}:${two(d.getMinutes())}`;
  };

  // show adds a message unless it is there already (ids only grow)
  const show = (m) => {
    if (m.id <= last && list.querySelector(`[data-id="${m.id}"]`)) return;
    const item = document.createElement("li");
    item.dataset.id = m.id;
    if (String(m.sender) === me) item.className = "mine";
    const who = document.createElement("strong");
    who.textContent = m.sender_name;
    const when = document.createElement("time");
    when.dateTime = m.created_at;
    when.textContent = time(m.created_at);
    const text = document.createElement("p");
    if (m.deleted) {
      const em = document.createElement("em");
      em.textContent = box.dataset.tDeleted;
      text.append(em);
    } else {
      text.textContent = m.text;
    }
    item.append(who, " ", when, text);
    if (String(m.sender) === me) {
      const reads = document.createElement("span");
      reads.className = "hint reads";
      reads.dataset.reads = m.id;
      item.append(reads);
    }
    list.append(item);
    last = Math.max(last, m.id);
    item.scrollIntoView({ block: "end" });
  };

  const api = async (method, path, body) => {
    const res = await fetch(path, {
      method,
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
      credentials: "same-origin",
    });
    if (!res.ok) {
      let msg = res.statusText;
      try { msg = (await res.json()).error.message; } catch (_) {}
      throw new Error(msg);
    }
    return res.status === 204 ? null : res.json();
  };

  const markRead = () => {
    if (document.visibilityState === "visible" && last > 0) {
      api("POST", `/api/v1/rooms/${room}/read`, { up_to: last }).catch(() => {});
    }
  };
  document.addEventListener("visibilitychange", markRead);

  // the read receipts of one's own latest messages
  const refreshReads = async () => {
    const mine = [...list.querySelectorAll("[data-reads]")].slice(-5);
    for (const el of mine) {
      try {
        const r = await api("GET", `/api/v1/rooms/${room}/messages/${el.dataset.reads}/reads`);
        el.textContent = readsText(r.read.length, r.read.length + r.unread.length);
        el.title = r.unread.map((u) => u.name).join(", ");
      } catch (_) {}
    }
  };

  // catchUp fetches everything after the last shown message
  const catchUp = async () => {
    for (;;) {
      const page = await api("GET", `/api/v1/rooms/${room}/messages?after=${last}&limit=200`);
      page.items.forEach(show);
      if (page.items.length < 200) break;
    }
    markRead();
  };

  const connect = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/api/v1/ws`);
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: "subscribe", id: "room", topic: `room.${room}` }));
    };
    // a frame may carry several envelopes, one per line
    socket.onmessage = (ev) => ev.data.split("\n").forEach((line) => handle(JSON.parse(line)));
    socket.onclose = () => {
      status.textContent = box.dataset.tOffline;
      const wait = delay * (0.5 + Math.random());
      delay = Math.min(delay * 2, 30000);
      setTimeout(connect, wait);
    };
  };
  const handle = (e) => {
      if (e.type === "ack" && e.id === "room") {
        delay = 1000;
        status.textContent = "";
        catchUp().catch(() => {});
        refreshReads();
      } else if (e.type === "event" && e.event === "message.new") {
        // ids grow across all rooms, so a larger one is no gap; a socket
        // that missed events was closed and catches up when it reconnects
        if (e.data.id > last) {
          show(e.data);
          markRead();
        }
      } else if (e.type === "event" && (e.event === "message.edited" || e.event === "message.deleted")) {
        const item = list.querySelector(`[data-id="${e.data.id}"] p`);
        if (item) {
          item.textContent = "";
          if (e.data.deleted) {
            const em = document.createElement("em");
            em.textContent = box.dataset.tDeleted;
            item.append(em);
          } else {
            item.textContent = e.data.text;
          }
        }
      } else if (e.type === "event" && e.event === "read") {
        refreshReads();
      }
  };
  connect();
  refreshReads();

  if (form) {
    const text = form.querySelector("textarea");
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const value = text.value.trim();
      if (!value) return;
      form.querySelector("button").disabled = true;
      try {
        const m = await api("POST", `/api/v1/rooms/${room}/messages`, { text: value });
        text.value = "";
        if (m.id === last + 1 || last === 0) show(m); else await catchUp();
        refreshReads();
      } catch (err) {
        status.textContent = err.message;
      } finally {
        form.querySelector("button").disabled = false;
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
}

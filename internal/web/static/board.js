// Schulhof's whiteboard ("Tafel"): draws the board on a canvas and keeps
// it live over the socket (docs/realtime.md, Whiteboard).
//
// The drawing is kept as the server's document (internal/board): every
// field of an element remembers the seq of the operation that set it and
// takes a value only from a later one, so operations may arrive in any
// order and twice. Operations of one's own that the server has not yet
// echoed are shown on top (pending) until their echo comes. Drawing
// follows internal/board/render.go, which renders the same pictures on
// the server: keep the two alike.

const root = document.getElementById("board");
const boardID = root.dataset.board;
const me = Number(root.dataset.me);
const leader = root.dataset.leader === "true";
let canDraw = root.dataset.canDraw === "true";
const T = JSON.parse(document.getElementById("board-i18n").textContent || "{}");
const t = (k, ...args) => { let s = T[k] || k; for (const a of args) s = s.replace(/%[sd]/, a); return s; };
const topic = "board." + boardID;
const api = "/api/v1/boards/" + boardID;

// As in render.go.
const SHEET_W = 1600, SHEET_H = 1000;
const SQUARED = 20, LINED = 32, STAVE_GAP = 8, STAVE_STEP = 96;
const PATTERN = "#b8c8dc", NOTE = "#fff59d", TEXT = "#1f2933";
const HIGHLIGHTER_ALPHA = 0.35, NOTE_PADDING = 12, NOTE_TEXT = 20, LINE_HEIGHT = 1.25;
const penRadius = (w, p) => w / 2 * (0.5 + p);
const textSize = (w) => (w < 8 ? 24 : w);
const arrowHead = (w) => Math.max(12, 4 * w);

const canvas = document.getElementById("board-canvas");
const stage = document.getElementById("board-stage");
const g = canvas.getContext("2d");
const status = document.getElementById("board-status");

// ---- the document ----------------------------------------------------

let doc = { seq: 0, pages: {}, elements: {} };
// floor is the seq of the board as loaded: every field counts as set by
// it (the server sends no older stamps; see board.Doc's floor).
let floor = 0;
const FIELDS = ["page", "x", "y", "w", "h", "color", "fill", "width", "text", "image", "z", "deleted"];
const PAGE_FIELDS = ["order", "background", "image", "deleted"];

// apply is board.Doc.Apply.
function apply(d, op) {
  d.seq = Math.max(d.seq, op.seq);
  const set = (obj, name, value) => {
    if (value === undefined || Math.max(obj.stamps[name] || 0, floor) >= op.seq) return;
    obj.stamps[name] = op.seq;
    obj[name] = value;
  };
  if (op.op === "page") {
    let p = d.pages[op.id];
    if (!p) p = d.pages[op.id] = { id: op.id, order: 0, background: "blank", stamps: {} };
    for (const f of PAGE_FIELDS) if (op.set) set(p, f, op.set[f]);
    return;
  }
  let e = d.elements[op.id];
  if (!e) e = d.elements[op.id] = { id: op.id, x: 0, y: 0, stamps: {} };
  const batch = (n, pts) => {
    const key = "b" + n;
    if (Math.max(e.stamps[key] || 0, floor) >= op.seq) return;
    e.stamps[key] = op.seq;
    e.batches = e.batches || {};
    e.batches[n] = pts;
  };
  if (op.op === "add") {
    set(e, "kind", op.kind);
    set(e, "author", op.author);
    set(e, "added", op.seq);
    if (op.points && op.points.length) batch(0, op.points);
  } else if (op.op === "points") {
    batch(op.batch, op.points);
  }
  if (op.set) for (const f of FIELDS) set(e, f, op.set[f]);
}

// decodePoints reads a batch of points in the snapshot's compact form
// (board.Points): base64 of zigzag varints, the differences of x and y in
// tenths and of the pressure in hundredths.
function decodePoints(s) {
  const bin = atob(s), out = [];
  let i = 0, x = 0, y = 0, p = 0;
  const next = () => {
    let v = 0, shift = 0, b;
    do { b = bin.charCodeAt(i++); v += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
    return v % 2 ? -(v + 1) / 2 : v / 2;
  };
  while (i < bin.length) {
    x += next(); y += next(); p += next();
    out.push([x / 10, y / 10, p / 100]);
  }
  return out;
}

function points(e) {
  if (!e.batches) return [];
  return Object.keys(e.batches).map(Number).sort((a, b) => a - b).flatMap((k) => e.batches[k]);
}

// pending are one's own operations not yet echoed, oldest first.
let pending = [];
let overlay = new Map(); // element id -> the element with pending ops on top

function rebuildOverlay() {
  overlay = new Map();
  for (const op of pending) {
    if (op.op === "page") continue;
    let e = overlay.get(op.id);
    if (!e) {
      const base = doc.elements[op.id] || { id: op.id, x: 0, y: 0, stamps: {} };
      e = { ...base, batches: { ...(base.batches || {}) } };
      overlay.set(op.id, e);
    }
    if (op.op === "add") { e.kind = op.kind; e.author = me; if (op.points) e.batches[0] = op.points; }
    if (op.op === "points") e.batches[op.batch] = op.points;
    if (op.set) for (const f of FIELDS) if (op.set[f] !== undefined) e[f] = op.set[f];
    e.pending = true;
  }
}

function element(id) { return overlay.get(id) || doc.elements[id]; }

function pagePending(id) {
  let p = doc.pages[id] ? { ...doc.pages[id] } : null;
  for (const op of pending) {
    if (op.op !== "page" || op.id !== id) continue;
    p = p || { id, order: 0, background: "blank" };
    for (const f of PAGE_FIELDS) if (op.set && op.set[f] !== undefined) p[f] = op.set[f];
  }
  return p;
}

function pageList() {
  const ids = new Set([...Object.keys(doc.pages), ...pending.filter((o) => o.op === "page").map((o) => o.id)]);
  return [...ids].map(pagePending).filter((p) => p && !p.deleted)
    .sort((a, b) => a.order - b.order || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function pageElements(page) {
  const ids = new Set([...Object.keys(doc.elements), ...overlay.keys()]);
  const out = [];
  for (const id of ids) {
    const e = element(id);
    if (e.kind && !e.deleted && e.page === page) out.push(e);
  }
  const added = (e) => (e.pending && !doc.elements[e.id]?.kind ? Infinity : e.added || 0);
  return out.sort((a, b) => (a.z || 0) - (b.z || 0) || added(a) - added(b) || (a.id < b.id ? -1 : 1));
}

function bounds(e) {
  let x0, y0, x1, y1;
  if (e.kind === "pen" || e.kind === "highlighter") {
    x0 = y0 = Infinity; x1 = y1 = -Infinity;
    for (const p of points(e)) {
      x0 = Math.min(x0, e.x + p[0]); y0 = Math.min(y0, e.y + p[1]);
      x1 = Math.max(x1, e.x + p[0]); y1 = Math.max(y1, e.y + p[1]);
    }
    if (x0 === Infinity) { x0 = x1 = e.x; y0 = y1 = e.y; }
  } else if (e.kind === "text") {
    // a text's box is its lines, measured
    const size = textSize(e.width || 0);
    g.font = size + 'px "Go", sans-serif';
    const lines = wrapText(e.text || "", e.w || 0);
    const w = e.w || Math.max(...lines.map((l) => g.measureText(l).width));
    return [e.x, e.y, e.x + w, e.y + lines.length * size * LINE_HEIGHT];
  } else {
    x0 = Math.min(e.x, e.x + (e.w || 0)); x1 = Math.max(e.x, e.x + (e.w || 0));
    y0 = Math.min(e.y, e.y + (e.h || 0)); y1 = Math.max(e.y, e.y + (e.h || 0));
  }
  const m = (e.width || 0) / 2;
  return [x0 - m, y0 - m, x1 + m, y1 + m];
}

// ---- the view --------------------------------------------------------

let page = "p1";
const view = { x: 0, y: 0, zoom: 1 };
let following = !leader;
let presenting = false;

function fitWidth() {
  view.zoom = Math.min(4, Math.max(0.2, stage.clientWidth / SHEET_W));
  view.x = 0; view.y = 0;
}

const toBoard = (cx, cy) => [view.x + cx / view.zoom, view.y + cy / view.zoom];

function resize() {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(stage.clientWidth * dpr);
  canvas.height = Math.round(stage.clientHeight * dpr);
  canvas.style.width = stage.clientWidth + "px";
  canvas.style.height = stage.clientHeight + "px";
  draw();
}

let frame = 0;
function draw() {
  if (frame) return;
  frame = requestAnimationFrame(() => { frame = 0; render(); });
}

const images = new Map();
function picture(ref) {
  let img = images.get(ref);
  if (!img) {
    img = new Image();
    img.onload = draw;
    img.src = api + "/images/" + encodeURIComponent(ref);
    images.set(ref, img);
  }
  return img.complete && img.naturalWidth ? img : null;
}

function render() {
  const dpr = window.devicePixelRatio || 1;
  g.setTransform(1, 0, 0, 1, 0, 0);
  g.fillStyle = "#ffffff";
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.setTransform(dpr * view.zoom, 0, 0, dpr * view.zoom, -view.x * dpr * view.zoom, -view.y * dpr * view.zoom);
  const p = pagePending(page) || { background: "blank" };
  if (p.image) {
    const img = picture(p.image);
    if (img) g.drawImage(img, 0, 0, SHEET_W, SHEET_H);
  }
  background(p.background);
  // the sheet's edge, faintly: what an export at least covers
  g.strokeStyle = "#e3e8ef"; g.lineWidth = 1 / view.zoom; g.setLineDash([6 / view.zoom, 6 / view.zoom]);
  g.strokeRect(0, 0, SHEET_W, SHEET_H); g.setLineDash([]);
  const es = pageElements(page);
  for (const e of es) drawElement(e);
  canvas.dataset.elements = String(es.length);
  canvas.dataset.points = String(es.reduce((n, e) => n + points(e).length, 0));
  if (preview) drawElement(preview);
  if (selected && element(selected) && !element(selected).deleted) {
    const [x0, y0, x1, y1] = bounds(element(selected));
    g.strokeStyle = "#1565c0"; g.lineWidth = 1.5 / view.zoom; g.setLineDash([5 / view.zoom, 4 / view.zoom]);
    g.strokeRect(x0 - 4, y0 - 4, x1 - x0 + 8, y1 - y0 + 8); g.setLineDash([]);
    g.fillStyle = "#1565c0"; g.fillRect(x1 + 4 - 6 / view.zoom, y1 + 4 - 6 / view.zoom, 12 / view.zoom, 12 / view.zoom);
  }
  if (erasePath.length) {
    g.strokeStyle = "rgba(200,40,40,.35)"; g.lineCap = "round"; g.lineJoin = "round"; g.lineWidth = 2 * eraseRadius();
    g.beginPath(); erasePath.forEach(([x, y], i) => (i ? g.lineTo(x, y) : g.moveTo(x, y))); g.stroke();
  }
  const now = Date.now();
  for (const [user, l] of lasers) {
    if (now - l.at > 1500 || l.page !== page) { if (now - l.at > 1500) lasers.delete(user); continue; }
    g.globalAlpha = 1 - (now - l.at) / 1500;
    g.fillStyle = "#e53935"; g.beginPath(); g.arc(l.x, l.y, 8 / view.zoom, 0, 2 * Math.PI); g.fill();
    g.globalAlpha = 1;
  }
  if (lasers.size) draw();
}

function background(kind) {
  const [ux0, uy0] = toBoard(0, 0);
  const [ux1, uy1] = toBoard(stage.clientWidth, stage.clientHeight);
  g.strokeStyle = PATTERN; g.lineWidth = 1; g.lineCap = "butt";
  g.beginPath();
  const hline = (y) => { g.moveTo(ux0, y); g.lineTo(ux1, y); };
  if (kind === "squared") {
    for (let x = Math.ceil(ux0 / SQUARED) * SQUARED; x <= ux1; x += SQUARED) { g.moveTo(x, uy0); g.lineTo(x, uy1); }
    for (let y = Math.ceil(uy0 / SQUARED) * SQUARED; y <= uy1; y += SQUARED) hline(y);
  } else if (kind === "lined") {
    for (let y = Math.ceil(uy0 / LINED) * LINED; y <= uy1; y += LINED) hline(y);
  } else if (kind === "staves") {
    for (let y = Math.ceil(uy0 / STAVE_STEP) * STAVE_STEP; y <= uy1; y += STAVE_STEP) for (let i = 0; i < 5; i++) hline(y + i * STAVE_GAP);
  }
  g.stroke();
}

function wrapText(text, max) {
  const lines = [];
  for (const para of String(text).split("\n")) {
    const words = para.split(/\s+/).filter(Boolean);
    if (!max || !words.length) { lines.push(para); continue; }
    let line = words[0];
    for (const w of words.slice(1)) {
      if (g.measureText(line + " " + w).width > max) { lines.push(line); line = w; } else line += " " + w;
    }
    lines.push(line);
  }
  return lines;
}

function drawText(text, x, y, max, size, color) {
  if (!text) return;
  g.font = size + 'px "Go", sans-serif';
  g.fillStyle = color; g.textBaseline = "top";
  wrapText(text, max).forEach((l, i) => g.fillText(l, x, y + i * size * LINE_HEIGHT));
}

function drawElement(e) {
  const color = e.color || TEXT;
  const width = e.width > 0 ? e.width : 3;
  g.lineCap = "round"; g.lineJoin = "round";
  switch (e.kind) {
    case "pen": {
      const pts = points(e);
      g.fillStyle = color; g.strokeStyle = color;
      if (pts.length === 1) { g.beginPath(); g.arc(e.x + pts[0][0], e.y + pts[0][1], penRadius(width, pts[0][2] ?? 0.5), 0, 2 * Math.PI); g.fill(); }
      for (let i = 1; i < pts.length; i++) {
        const a = pts[i - 1], b = pts[i];
        g.lineWidth = penRadius(width, a[2] ?? 0.5) + penRadius(width, b[2] ?? 0.5);
        g.beginPath(); g.moveTo(e.x + a[0], e.y + a[1]); g.lineTo(e.x + b[0], e.y + b[1]); g.stroke();
      }
      break;
    }
    case "highlighter": {
      const pts = points(e);
      g.globalAlpha = HIGHLIGHTER_ALPHA; g.strokeStyle = color; g.lineWidth = width;
      g.beginPath(); pts.forEach((p, i) => (i ? g.lineTo(e.x + p[0], e.y + p[1]) : g.moveTo(e.x + p[0], e.y + p[1])));
      if (pts.length === 1) g.lineTo(e.x + pts[0][0] + 0.01, e.y + pts[0][1]);
      g.stroke(); g.globalAlpha = 1;
      break;
    }
    case "line": case "arrow": {
      const x1 = e.x + (e.w || 0), y1 = e.y + (e.h || 0);
      g.strokeStyle = color; g.lineWidth = width;
      g.beginPath(); g.moveTo(e.x, e.y); g.lineTo(x1, y1); g.stroke();
      const l = Math.hypot(x1 - e.x, y1 - e.y);
      if (e.kind === "arrow" && l > 0) {
        const ux = (x1 - e.x) / l, uy = (y1 - e.y) / l, h = arrowHead(width), bx = x1 - ux * h, by = y1 - uy * h;
        g.fillStyle = color; g.beginPath();
        g.moveTo(x1 + ux * width / 2, y1 + uy * width / 2); g.lineTo(bx - uy * h / 2, by + ux * h / 2); g.lineTo(bx + uy * h / 2, by - ux * h / 2);
        g.closePath(); g.fill();
      }
      break;
    }
    case "rect": case "ellipse": {
      const x = Math.min(e.x, e.x + (e.w || 0)), y = Math.min(e.y, e.y + (e.h || 0)), w = Math.abs(e.w || 0), h = Math.abs(e.h || 0);
      g.beginPath();
      if (e.kind === "rect") g.rect(x, y, w, h); else g.ellipse(x + w / 2, y + h / 2, w / 2, h / 2, 0, 0, 2 * Math.PI);
      if (e.fill) { g.fillStyle = e.fill; g.fill(); }
      g.lineJoin = "miter"; g.strokeStyle = color; g.lineWidth = width; g.stroke();
      break;
    }
    case "text":
      drawText(e.text, e.x, e.y, e.w || 0, textSize(e.width || 0), color);
      break;
    case "note": {
      const x = Math.min(e.x, e.x + (e.w || 0)), y = Math.min(e.y, e.y + (e.h || 0)), w = Math.abs(e.w || 0), h = Math.abs(e.h || 0);
      g.fillStyle = e.fill || NOTE; g.fillRect(x, y, w, h);
      drawText(e.text, x + NOTE_PADDING, y + NOTE_PADDING, w - 2 * NOTE_PADDING, NOTE_TEXT, e.color || TEXT);
      break;
    }
    case "image": {
      const img = e.image && picture(e.image);
      if (img) g.drawImage(img, e.x, e.y, e.w, e.h);
      else { g.fillStyle = "#dddddd"; g.fillRect(e.x, e.y, e.w, e.h); }
      break;
    }
  }
}

// ---- sending ---------------------------------------------------------

const tab = Math.random().toString(36).slice(2, 7);
let counter = 0;
const newID = () => "u" + me + "-" + tab + "-" + (++counter).toString(36);

let outbox = [];
let socket = null, ready = false, sendSeq = 0;
const inFlight = new Map(); // envelope id -> ops

// send queues operations: shown at once, sent with the next flush (some
// 20 a second while drawing).
function send(...ops) {
  if (!canDraw && !ops.every((o) => o.op === "page" && leader)) return;
  for (const op of ops) { pending.push(op); outbox.push(op); }
  rebuildOverlay();
  draw();
  scheduleFlush();
}

let flushTimer = 0;
function scheduleFlush() {
  if (!flushTimer) flushTimer = setTimeout(flush, 50);
}

// flush sends what is queued over the socket; while it is down, the
// operations wait (shown, pending) for the reconnect.
function flush() {
  flushTimer = 0;
  if (!outbox.length || !ready) return;
  const ops = outbox.splice(0, 200);
  const id = "o" + (++sendSeq);
  inFlight.set(id, ops);
  socket.send(JSON.stringify({ type: "send", id, topic, event: "ops", data: { ops } }));
  if (outbox.length) scheduleFlush();
}

function refused(ops, message) {
  pending = pending.filter((o) => !ops.includes(o));
  rebuildOverlay(); draw();
  say(message || "");
}

// confirm takes the echo of an operation of one's own off pending.
function confirm(op) {
  if (op.author !== me) return;
  const i = pending.findIndex((p) => p.id === op.id && p.op === op.op && (p.batch || 0) === (op.batch || 0));
  if (i >= 0) pending.splice(i, 1);
}

// upTo is the seq up to which every operation is here (live ones of
// two nodes may come out of order): catching up asks from there.
let upTo = 0;
const above = new Set();
function arrived(seq) {
  if (seq <= upTo) return;
  above.add(seq);
  while (above.has(upTo + 1)) above.delete(++upTo);
}

function receiveOps(ops) {
  for (const op of ops) { apply(doc, op); confirm(op); arrived(op.seq); }
  rebuildOverlay();
  showPage();
  draw();
}

async function catchUp() {
  for (;;) {
    const r = await fetch(api + "/operations?after=" + upTo).catch(() => null);
    if (!r || !r.ok) return;
    const { ops } = await r.json();
    receiveOps(ops);
    if (ops.length < 1000) return;
  }
}

function say(text) { status.textContent = text; }

// ---- the socket ------------------------------------------------------

let backoff = 1000;
function connect() {
  socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/v1/ws");
  socket.onopen = () => socket.send(JSON.stringify({ type: "subscribe", id: "sub", topic }));
  socket.onmessage = (m) => {
    for (const line of m.data.split("\n")) {
      const e = JSON.parse(line);
      if (e.type === "ack" && e.id === "sub") {
        backoff = 1000; say(canDraw ? (leader ? "" : t("board.may_draw")) : t("board.watching"));
        // what the server took before the socket dropped comes back with
        // the log and leaves pending; only the rest goes again
        catchUp().finally(() => {
          ready = true;
          document.body.dataset.live = "on"; // subscribed and caught up
          outbox = outbox.filter((op) => pending.includes(op));
          scheduleFlush();
        });
      } else if (e.type === "ack") {
        inFlight.delete(e.id);
      } else if (e.type === "error") {
        const ops = inFlight.get(e.id);
        inFlight.delete(e.id);
        if (ops) refused(ops, e.error.message); else say(e.error.message);
      } else if (e.type === "event") {
        event(e.event, e.data);
      } else if (e.type === "gap" && ready) {
        // the server may have lost operations on their way to it: read
        // them from the log, the tabs spread over the time it says
        setTimeout(() => catchUp(), Math.random() * (e.data?.within_ms || 3000));
      }
    }
  };
  socket.onclose = (ev) => {
    ready = false;
    delete document.body.dataset.live;
    // 4001: the session ended; the page sends to the login
    if (ev.code === 4001) { location.reload(); return; }
    // what was sent and not answered goes again (the server takes an add
    // twice only once; a second is refused and dropped from pending)
    for (const ops of inFlight.values()) outbox.unshift(...ops);
    inFlight.clear();
    say(t("board.offline"));
    setTimeout(connect, backoff * (0.5 + Math.random()));
    backoff = Math.min(backoff * 2, 30000);
  };
}

const lasers = new Map();
function event(name, data) {
  if (name === "ops") receiveOps(data.ops);
  else if (name === "laser") {
    if (data.user !== me) { lasers.set(data.user, { ...data, at: Date.now() }); draw(); }
  } else if (name === "present") {
    if (following && !data.off && data.user !== me) follow(data);
  } else if (name === "settings") {
    if (!leader) {
      const mine = data.drawers && data.drawers[String(me)];
      setCanDraw(mine !== undefined ? mine : data.access === "draw");
    }
  }
}

function follow(v) {
  if (v.page && (doc.pages[v.page] || pending.some((o) => o.id === v.page))) page = v.page;
  if (v.zoom) view.zoom = v.zoom;
  view.x = v.x; view.y = v.y;
  showPage(); draw();
}

function setCanDraw(on) {
  canDraw = on;
  document.getElementById("board-draw-tools").disabled = !on;
  say(on ? t("board.may_draw") : t("board.watching"));
}

// ---- drawing with pointer, pencil and touch ----------------------------

let tool = "pen";
let preview = null, selected = null, erasePath = [];
let stroke = null; // the stroke being drawn
let drag = null; // select, pan, shapes
const pointers = new Map();
let penSeen = false; // with a pencil about, fingers move the view

const color = () => document.getElementById("board-color").value;
const lineWidth = () => Number(document.getElementById("board-width").value);
const eraseRadius = () => 12 / view.zoom;

const undoStack = [], redoStack = [];
function remember(undo, redo) { undoStack.push({ undo, redo }); redoStack.length = 0; }

function hit(x, y) {
  const es = pageElements(page).reverse();
  for (const e of es) {
    const [x0, y0, x1, y1] = bounds(e);
    const m = 6 / view.zoom;
    if (x < x0 - m || x > x1 + m || y < y0 - m || y > y1 + m) continue;
    if (e.kind === "pen" || e.kind === "highlighter") {
      const pts = points(e), r = (e.width || 3) / 2 + m;
      if (pts.some((p, i) => i && segDist(x, y, e.x + pts[i - 1][0], e.y + pts[i - 1][1], e.x + p[0], e.y + p[1]) <= r) ||
          (pts.length === 1 && Math.hypot(x - e.x - pts[0][0], y - e.y - pts[0][1]) <= r)) return e;
      continue;
    }
    return e;
  }
  return null;
}

function segDist(px, py, ax, ay, bx, by) {
  const dx = bx - ax, dy = by - ay, l = dx * dx + dy * dy;
  const u = l ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / l)) : 0;
  return Math.hypot(px - ax - u * dx, py - ay - u * dy);
}

const mine = (e) => leader || e.author === me;

canvas.addEventListener("pointerdown", (ev) => {
  canvas.setPointerCapture(ev.pointerId);
  pointers.set(ev.pointerId, { x: ev.offsetX, y: ev.offsetY });
  if (ev.pointerType === "pen") penSeen = true;
  if (pointers.size === 2 || (ev.pointerType === "touch" && penSeen) || tool === "pan" || !canDraw && tool !== "pan") {
    stroke = null; preview = null;
    drag = { kind: "view", x: ev.offsetX, y: ev.offsetY, vx: view.x, vy: view.y, zoom: view.zoom, dist: pinchDistance() };
    return;
  }
  const [x, y] = toBoard(ev.offsetX, ev.offsetY);
  const pressure = ev.pointerType === "pen" ? ev.pressure : 0.5;
  switch (tool) {
    case "pen": case "highlighter":
      stroke = { id: newID(), x, y, batch: 0, sent: 0, points: [[0, 0, round(pressure)]], kind: tool, color: color(), width: tool === "highlighter" ? lineWidth() * 4 : lineWidth() };
      preview = strokeElement(stroke);
      break;
    case "line": case "arrow": case "rect": case "ellipse":
      drag = { kind: "shape", x, y };
      preview = { id: "preview", kind: tool, page, x, y, w: 0, h: 0, color: color(), width: lineWidth(), stamps: {} };
      break;
    case "eraser": erase(x, y); drag = { kind: "erase" }; break;
    case "area_eraser": erasePath = [[x, y]]; drag = { kind: "area" }; break;
    case "text": case "note":
      // a tap while writing ends the writing; otherwise the text is typed
      // where it will stand
      if (editing) { closeEditor(true); break; }
      ev.preventDefault(); // the pointer would take the focus from the box
      openEditor(tool === "text" ? { kind: "text", page, x, y, color: color(), width: 24 + lineWidth() * 2 }
        : { kind: "note", page, x, y, w: 220, h: 160, fill: NOTE, color: TEXT });
      break;
    case "select": {
      const s = selected && element(selected);
      if (s) {
        const [, , x1, y1] = bounds(s);
        if (Math.abs(x - x1 - 4) < 10 / view.zoom && Math.abs(y - y1 - 4) < 10 / view.zoom) {
          drag = { kind: "resize", id: s.id, w: s.w, h: s.h, x, y, box: bounds(s), batches: s.batches };
          break;
        }
      }
      const e = hit(x, y);
      selected = e && mine(e) ? e.id : null;
      if (selected) drag = { kind: "move", id: e.id, ox: e.x, oy: e.y, x, y };
      draw();
      break;
    }
    case "laser": laser(x, y); drag = { kind: "laser" }; break;
  }
});

canvas.addEventListener("pointermove", (ev) => {
  if (!pointers.has(ev.pointerId)) return;
  pointers.set(ev.pointerId, { x: ev.offsetX, y: ev.offsetY });
  if (drag && drag.kind === "view") {
    if (pointers.size === 2 && drag.dist) {
      const z = Math.min(8, Math.max(0.1, drag.zoom * pinchDistance() / drag.dist));
      const [cx, cy] = pinchCenter();
      const [bx, by] = [drag.vx + cx / drag.zoom, drag.vy + cy / drag.zoom];
      view.zoom = z; view.x = bx - cx / z; view.y = by - cy / z;
    } else {
      view.x = drag.vx - (ev.offsetX - drag.x) / view.zoom;
      view.y = drag.vy - (ev.offsetY - drag.y) / view.zoom;
    }
    viewChanged();
    return;
  }
  const [x, y] = toBoard(ev.offsetX, ev.offsetY);
  if (stroke) {
    const events = ev.getCoalescedEvents ? ev.getCoalescedEvents() : [ev];
    for (const ce of events.length ? events : [ev]) {
      const [px, py] = toBoard(ce.offsetX, ce.offsetY);
      stroke.points.push([round(px - stroke.x), round(py - stroke.y), round(ce.pointerType === "pen" ? ce.pressure : 0.5)]);
    }
    preview = strokeElement(stroke);
    sendStroke(false);
    draw();
    return;
  }
  if (!drag) return;
  if (drag.kind === "shape") { preview.w = x - drag.x; preview.h = y - drag.y; draw(); }
  else if (drag.kind === "erase") erase(x, y);
  else if (drag.kind === "area") { erasePath.push([x, y]); draw(); }
  else if (drag.kind === "move") { drag.dx = x - drag.x; drag.dy = y - drag.y; moveOverlay(); }
  else if (drag.kind === "resize") { drag.nw = (drag.w || 0) + x - drag.x; drag.nh = (drag.h || 0) + y - drag.y; moveOverlay(); }
  else if (drag.kind === "laser") laser(x, y);
});

function endPointer(ev) {
  pointers.delete(ev.pointerId);
  if (stroke) { sendStroke(true); stroke = null; preview = null; }
  if (!drag) return;
  const d = drag;
  drag = null;
  if (d.kind === "shape") {
    const p = preview;
    preview = null;
    if (Math.hypot(p.w, p.h) > 2) {
      const id = newID();
      send({ op: "add", id, kind: p.kind, set: { page, x: p.x, y: p.y, w: round(p.w), h: round(p.h), color: p.color, width: p.width } });
      remember([{ op: "set", id, set: { deleted: true } }], [{ op: "set", id, set: { deleted: false } }]);
    }
    draw();
  } else if (d.kind === "area") {
    areaErase();
  } else if (d.kind === "move" && d.dx !== undefined) {
    const set = { x: round(d.ox + d.dx), y: round(d.oy + d.dy) };
    moving = null;
    send({ op: "set", id: d.id, set });
    remember([{ op: "set", id: d.id, set: { x: d.ox, y: d.oy } }], [{ op: "set", id: d.id, set }]);
  } else if (d.kind === "resize" && d.nw !== undefined) {
    moving = null;
    const e = element(d.id);
    if (e.kind === "pen" || e.kind === "highlighter") {
      // a stroke is resized by sending its batches of points anew, scaled
      const scaled = scaleBatches(e, d);
      const ops = (batches) => Object.keys(batches).map((k) => ({ op: "points", id: d.id, batch: Number(k), points: batches[k] }));
      send(...ops(scaled));
      remember(ops(d.batches), ops(scaled));
      return;
    }
    const set = { w: round(d.nw), h: round(d.nh) };
    send({ op: "set", id: d.id, set });
    remember([{ op: "set", id: d.id, set: { w: d.w, h: d.h } }], [{ op: "set", id: d.id, set }]);
  }
}
canvas.addEventListener("pointerup", endPointer);
canvas.addEventListener("pointercancel", endPointer);

const round = (v) => Math.round(v * 100) / 100;
const pinchDistance = () => { const p = [...pointers.values()]; return p.length === 2 ? Math.hypot(p[0].x - p[1].x, p[0].y - p[1].y) : 0; };
const pinchCenter = () => { const p = [...pointers.values()]; return [(p[0].x + p[1].x) / 2, (p[0].y + p[1].y) / 2]; };

function strokeElement(s) {
  return { id: s.id, kind: s.kind, page, x: s.x, y: s.y, color: s.color, width: s.width, batches: { 0: s.points }, stamps: {} };
}

// sendStroke sends the stroke's new points: the add with the first, then
// a batch per flush; at the end the rest.
let lastStrokeSend = 0;
function sendStroke(done) {
  const s = stroke;
  if (!done && Date.now() - lastStrokeSend < 50) return;
  lastStrokeSend = Date.now();
  const fresh = s.points.slice(s.sent);
  if (!fresh.length) return;
  for (let i = 0; i < fresh.length; i += 400) {
    const part = fresh.slice(i, i + 400);
    if (s.batch === 0) {
      send({ op: "add", id: s.id, kind: s.kind, set: { page, x: round(s.x), y: round(s.y), color: s.color, width: s.width }, points: part });
      remember([{ op: "set", id: s.id, set: { deleted: true } }], [{ op: "set", id: s.id, set: { deleted: false } }]);
    } else {
      send({ op: "points", id: s.id, batch: s.batch, points: part });
    }
    s.batch++;
  }
  s.sent = s.points.length;
}

// scaleBatches is a stroke's batches of points scaled from the top left
// of its box as the resize handle was dragged.
function scaleBatches(e, d) {
  const [x0, y0, x1, y1] = d.box;
  const sx = Math.max(0.05, (x1 - x0 + d.nw - (d.w || 0)) / Math.max(1, x1 - x0));
  const sy = Math.max(0.05, (y1 - y0 + d.nh - (d.h || 0)) / Math.max(1, y1 - y0));
  const out = {};
  for (const [k, pts] of Object.entries(d.batches || {})) {
    out[k] = pts.map((p) => [round((e.x + p[0] - x0) * sx + x0 - e.x), round((e.y + p[1] - y0) * sy + y0 - e.y), p[2] ?? 0.5]);
  }
  return out;
}

let moving = null;
function moveOverlay() {
  // shown while dragging, sent when let go
  const d = drag, e = element(d.id);
  moving = { ...e, x: d.kind === "move" ? d.ox + (d.dx || 0) : e.x, y: d.kind === "move" ? d.oy + (d.dy || 0) : e.y,
    w: d.kind === "resize" ? d.nw : e.w, h: d.kind === "resize" ? d.nh : e.h };
  if (d.kind === "resize" && (e.kind === "pen" || e.kind === "highlighter")) moving.batches = scaleBatches(e, d);
  overlay.set(d.id, moving);
  draw();
}

function erase(x, y) {
  const e = hit(x, y);
  if (e && mine(e) && !e.deleted) {
    send({ op: "set", id: e.id, set: { deleted: true } });
    remember([{ op: "set", id: e.id, set: { deleted: false } }], [{ op: "set", id: e.id, set: { deleted: true } }]);
  }
}

// areaErase takes the parts of strokes under the eraser's path away: a
// stroke is deleted and its remaining runs of points become new strokes.
function areaErase() {
  const path = erasePath, r = eraseRadius();
  erasePath = [];
  const near = (x, y) => path.some((p, i) => (i ? segDist(x, y, path[i - 1][0], path[i - 1][1], p[0], p[1]) : Math.hypot(x - p[0], y - p[1])) <= r);
  const undo = [], redo = [];
  for (const e of pageElements(page)) {
    if (!(e.kind === "pen" || e.kind === "highlighter") || !mine(e)) continue;
    const pts = points(e);
    const keep = pts.map((p) => !near(e.x + p[0], e.y + p[1]));
    if (keep.every(Boolean)) continue;
    const ops = [{ op: "set", id: e.id, set: { deleted: true } }];
    undo.push({ op: "set", id: e.id, set: { deleted: false } });
    redo.push({ op: "set", id: e.id, set: { deleted: true } });
    let run = [];
    const flushRun = () => {
      if (run.length >= 2) {
        const id = newID();
        ops.push({ op: "add", id, kind: e.kind, set: { page, x: e.x, y: e.y, color: e.color, width: e.width, z: e.z || 0 }, points: run.slice(0, 500) });
        undo.push({ op: "set", id, set: { deleted: true } });
        redo.push({ op: "set", id, set: { deleted: false } });
      }
      run = [];
    };
    pts.forEach((p, i) => (keep[i] ? run.push(p) : flushRun()));
    flushRun();
    send(...ops);
  }
  if (undo.length) remember(undo, redo);
  draw();
}

let lastLaser = 0;
function laser(x, y) {
  if (!ready || Date.now() - lastLaser < 50) return;
  lastLaser = Date.now();
  socket.send(JSON.stringify({ type: "send", topic, event: "laser", data: { page, x: round(x), y: round(y) } }));
}

// ---- view, pages, presenting ------------------------------------------

let lastPresent = 0, presentTimer = 0;
function viewChanged() {
  draw();
  if (!presenting || !ready) return;
  const now = Date.now();
  clearTimeout(presentTimer);
  const sendView = () => { lastPresent = Date.now(); socket.send(JSON.stringify({ type: "send", topic, event: "present", data: { page, x: round(view.x), y: round(view.y), zoom: round(view.zoom) } })); };
  if (now - lastPresent > 100) sendView(); else presentTimer = setTimeout(sendView, 100);
}

function zoomAt(factor, cx, cy) {
  const [bx, by] = toBoard(cx, cy);
  view.zoom = Math.min(8, Math.max(0.1, view.zoom * factor));
  view.x = bx - cx / view.zoom; view.y = by - cy / view.zoom;
  viewChanged();
}

canvas.addEventListener("wheel", (ev) => {
  ev.preventDefault();
  if (ev.ctrlKey || ev.metaKey) zoomAt(Math.exp(-ev.deltaY / 300), ev.offsetX, ev.offsetY);
  else { view.x += ev.deltaX / view.zoom; view.y += ev.deltaY / view.zoom; viewChanged(); }
}, { passive: false });

function showPage() {
  const pages = pageList();
  if (!pages.some((p) => p.id === page) && pages.length) page = pages[0].id;
  const i = pages.findIndex((p) => p.id === page);
  document.getElementById("board-page").textContent = t("board.page_of", i + 1, pages.length);
  document.getElementById("board-png").href = api + "/pages/" + (i + 1) + "/export.png";
  const bg = document.getElementById("board-background");
  if (bg) bg.value = (pagePending(page) || {}).background || "blank";
}

function goPage(step) {
  const pages = pageList();
  const i = pages.findIndex((p) => p.id === page) + step;
  if (i < 0 || i >= pages.length) return;
  page = pages[i].id; selected = null;
  fitWidth(); showPage(); viewChanged();
}

const on = (id, type, fn) => { const el = document.getElementById(id); if (el) el.addEventListener(type, fn); };
on("board-prev", "click", () => goPage(-1));
on("board-next", "click", () => goPage(1));
on("board-zoom-in", "click", () => zoomAt(1.25, stage.clientWidth / 2, stage.clientHeight / 2));
on("board-zoom-out", "click", () => zoomAt(0.8, stage.clientWidth / 2, stage.clientHeight / 2));
on("board-zoom-reset", "click", () => { fitWidth(); viewChanged(); });
on("board-add-page", "click", () => {
  const pages = pageList();
  const id = "p" + tab + (++counter).toString(36);
  send({ op: "page", id, set: { order: (pages.length ? pages[pages.length - 1].order : 0) + 1, background: (pagePending(page) || {}).background || "blank" } });
  page = id; fitWidth(); showPage(); viewChanged();
});
on("board-background", "change", (ev) => send({ op: "page", id: page, set: { background: ev.target.value } }));
on("board-present", "change", (ev) => {
  presenting = ev.target.checked;
  if (presenting) viewChanged();
  else if (ready) socket.send(JSON.stringify({ type: "send", topic, event: "present", data: { off: true } }));
});
on("board-follow", "change", (ev) => { following = ev.target.checked; });
document.querySelectorAll("input[name=tool]").forEach((r) => r.addEventListener("change", () => {
  tool = r.value; selected = null; draw();
  canvas.style.cursor = tool === "pan" ? "grab" : tool === "select" ? "default" : "crosshair";
}));

function undoRedo(from, to, key) {
  const step = from.pop();
  if (!step) return;
  send(...step[key].map((o) => ({ ...o, set: { ...o.set } })));
  to.push(step);
}
on("board-undo", "click", () => undoRedo(undoStack, redoStack, "undo"));
on("board-redo", "click", () => undoRedo(redoStack, undoStack, "redo"));
document.addEventListener("keydown", (ev) => {
  if (ev.target.closest("input, textarea, select")) return;
  if ((ev.ctrlKey || ev.metaKey) && ev.key === "z") { ev.preventDefault(); undoRedo(ev.shiftKey ? redoStack : undoStack, ev.shiftKey ? undoStack : redoStack, ev.shiftKey ? "redo" : "undo"); }
  if ((ev.key === "Delete" || ev.key === "Backspace") && selected) {
    const id = selected;
    selected = null;
    send({ op: "set", id, set: { deleted: true } });
    remember([{ op: "set", id, set: { deleted: false } }], [{ op: "set", id, set: { deleted: true } }]);
  }
});

// ask is the page's own question with one field (a PDF's page, a copy's
// title): window.prompt is a grey box at the top of an iPad's screen.
// It resolves to the answer, or null when cancelled.
const askDialog = document.getElementById("board-ask");
function ask(label, value, type = "text") {
  return new Promise((resolve) => {
    const input = askDialog.querySelector("input");
    askDialog.querySelector("label").textContent = label;
    input.type = type;
    input.value = value;
    askDialog.returnValue = "";
    askDialog.addEventListener("close", () => resolve(askDialog.returnValue === "ok" && input.value.trim() ? input.value.trim() : null), { once: true });
    askDialog.showModal();
    input.select();
  });
}

// pictures and PDF pages
on("board-image", "change", async (ev) => {
  const file = ev.target.files[0];
  ev.target.value = "";
  if (!file) return;
  say(t("board.image_uploading"));
  const body = new FormData();
  body.append("file", file);
  if (file.type === "application/pdf") {
    const n = await ask(t("board.pdf_page"), "1", "number");
    if (!n) { say(""); return; }
    body.append("page", n);
  }
  const r = await fetch(api + "/images", { method: "POST", body });
  const out = await r.json();
  if (!r.ok) { say(out.error?.message || ""); return; }
  say("");
  if (file.type === "application/pdf" && leader) {
    send({ op: "page", id: page, set: { image: out.id } });
    return;
  }
  placeImage(out);
});

// placeImage puts a picture of the board's (an upload's answer) in the
// middle of the view.
function placeImage(out) {
  const scale = Math.min(1, 600 / out.width, 450 / out.height);
  const [cx, cy] = toBoard(stage.clientWidth / 2, stage.clientHeight / 2);
  const w = round(out.width * scale), h = round(out.height * scale);
  const id = newID();
  send({ op: "add", id, kind: "image", set: { page, x: round(cx - w / 2), y: round(cy - h / 2), w, h, image: out.id } });
  remember([{ op: "set", id, set: { deleted: true } }], [{ op: "set", id, set: { deleted: false } }]);
}

// a picture from the files module: the user's own files or the group's
const picker = document.getElementById("board-picker");
const pictureTypes = ["image/png", "image/jpeg", "image/gif", "image/webp"];
async function browse(space, parent) {
  const list = document.getElementById("board-picker-list");
  const r = await fetch("/api/v1/schools/" + root.dataset.school + "/spaces/" + space + "/nodes" + (parent ? "?parent=" + parent : ""));
  const out = await r.json();
  list.replaceChildren();
  if (!r.ok) { list.append(Object.assign(document.createElement("li"), { textContent: out.error?.message || "" })); return; }
  for (const n of out.items) {
    if (!n.is_folder && !pictureTypes.includes(n.content_type)) continue;
    const b = Object.assign(document.createElement("button"), { type: "button", className: "link" });
    const symbol = document.getElementById(n.is_folder ? "icon-folder" : "icon-image").content.firstElementChild.cloneNode(true);
    b.append(symbol, " " + n.name);
    b.addEventListener("click", async () => {
      if (n.is_folder) { browse(space, n.id); return; }
      const r = await fetch(api + "/images", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ node: n.id }) });
      const img = await r.json();
      if (!r.ok) { say(img.error?.message || ""); return; }
      picker.close();
      placeImage(img);
    });
    const li = document.createElement("li");
    li.append(b);
    list.append(li);
  }
}
on("board-files", "click", () => { picker.showModal(); browse("user/" + me, 0); });
picker.querySelectorAll("[data-space]").forEach((b) => b.addEventListener("click", () => browse(b.dataset.space, 0)));

// a text box or note is written anew by a double click (or tap)
canvas.addEventListener("dblclick", (ev) => {
  if (!canDraw) return;
  const [x, y] = toBoard(ev.offsetX, ev.offsetY);
  const e = hit(x, y);
  if (!e || !mine(e) || (e.kind !== "text" && e.kind !== "note")) return;
  openEditor({ ...e, old: e.text || "" });
});

// ---- writing on the board ----------------------------------------------
// Text and notes are typed in a box on the board, where they will stand
// and as large as they will be: Enter with Ctrl or ⌘, a tap elsewhere or
// leaving the box keeps the text, Escape drops it.

const editor = document.getElementById("board-editor");
let editing = null; // what is being written: a new element's settings, or an element with old

function openEditor(spec) {
  editing = spec;
  const note = spec.kind === "note";
  const size = (note ? NOTE_TEXT : textSize(spec.width || 0)) * view.zoom;
  const pad = note ? NOTE_PADDING : 0;
  const x = Math.min(spec.x, spec.x + (spec.w || 0)) + pad, y = Math.min(spec.y, spec.y + (spec.h || 0)) + pad;
  editor.style.left = (x - view.x) * view.zoom + "px";
  editor.style.top = (y - view.y) * view.zoom + "px";
  editor.style.fontSize = size + "px";
  editor.style.color = spec.color || TEXT;
  editor.style.background = note ? spec.fill || NOTE : "";
  editor.style.width = (note ? Math.abs(spec.w) - 2 * pad : Math.max(spec.w || 0, 320)) * view.zoom + "px";
  editor.style.height = (note ? (Math.abs(spec.h) - 2 * pad) * view.zoom : size * LINE_HEIGHT * 2.2) + "px";
  editor.value = spec.old ?? "";
  editor.setAttribute("aria-label", t(note ? "board.note_prompt" : "board.text_prompt"));
  editor.hidden = false;
  editor.focus();
}

function closeEditor(keep) {
  if (!editing) return;
  const spec = editing, text = editor.value;
  editing = null;
  editor.hidden = true;
  if (!keep) return;
  if (spec.id) { // an element written anew
    if (text === spec.old) return;
    send({ op: "set", id: spec.id, set: { text } });
    remember([{ op: "set", id: spec.id, set: { text: spec.old } }], [{ op: "set", id: spec.id, set: { text } }]);
    return;
  }
  if (!text.trim()) return;
  const { kind, ...set } = spec;
  const id = newID();
  send({ op: "add", id, kind, set: { ...set, text } });
  remember([{ op: "set", id, set: { deleted: true } }], [{ op: "set", id, set: { deleted: false } }]);
}

editor.addEventListener("keydown", (ev) => {
  ev.stopPropagation(); // the board's keys (Delete, undo) are not the text's
  if (ev.key === "Escape") { ev.preventDefault(); closeEditor(false); }
  else if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); closeEditor(true); }
});
editor.addEventListener("blur", () => closeEditor(true));

// the leader's settings
on("board-save", "click", async () => {
  say(t("board.saving"));
  const r = await fetch(api + "/save-to-files", { method: "POST" });
  const out = await r.json();
  say(r.ok ? t("board.saved_to", out.path) : out.error?.message || "");
});
on("board-copy", "click", async () => {
  const title = await ask(t("board.copy_prompt"), document.querySelector(".board-title").firstChild.textContent.trim());
  if (!title) return;
  const r = await fetch(api + "/copy", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ title }) });
  const out = await r.json();
  if (r.ok) location.href = "/boards/" + out.id; else say(out.error?.message || "");
});
async function patch(url, method, body) {
  const r = await fetch(url, { method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  if (!r.ok) say((await r.json()).error?.message || "");
}
on("board-access", "change", (ev) => patch(api, "PATCH", { access: ev.target.value }));
document.querySelectorAll("[data-drawer]").forEach((s) => s.addEventListener("change", () =>
  patch(api + "/drawers/" + s.dataset.drawer, "PUT", { allowed: s.value === "" ? null : s.value === "on" })));

// ---- start -----------------------------------------------------------

async function start() {
  const r = await fetch(api);
  if (!r.ok) { say((await r.json()).error?.message || ""); return; }
  const b = await r.json();
  doc = b.doc;
  floor = upTo = doc.seq;
  for (const p of Object.values(doc.pages)) p.stamps = {};
  for (const e of Object.values(doc.elements)) {
    e.stamps = {};
    for (const k in e.batches || {}) if (typeof e.batches[k] === "string") e.batches[k] = decodePoints(e.batches[k]);
  }
  setCanDraw(b.can_draw);
  fitWidth();
  showPage();
  if (b.presenting && following) follow(b.presenting);
  resize();
  connect();
}
new ResizeObserver(resize).observe(stage);
start();

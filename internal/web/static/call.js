// Schulhof's video lessons: the page of a call (docs/video.md).
//
// The media go to the server's forwarding unit over two connections: one
// that sends this tab's microphone, camera and screen ("publish"), and
// one on which the server sends the others' (its offers come on the
// user's own topic, "call.offer"). The signalling goes over the live
// socket, to the topic "call.ID"; the room's events (who is in it, the
// chat) come there, what is for this tab alone on "user.ID".

const root = document.getElementById("call");
const callID = root.dataset.call;
const me = root.dataset.me;
const moderator = root.dataset.moderator === "true";
const T = JSON.parse(document.getElementById("call-i18n").textContent || "{}");
const t = (k, ...args) => { let s = T[k] || k; for (const a of args) s = s.replace(/%[sd]/, a); return s; };
const topic = "call." + callID;
const api = "/api/v1/calls/" + callID;
const $ = (id) => document.getElementById(id);
const status = $("call-status");
const say = (text) => { status.textContent = text || ""; };

// ---- the device check ----------------------------------------------------

let local = null; // the MediaStream of camera and microphone
let meterStop = null;

async function openDevices() {
  const cam = $("call-camera").value, mic = $("call-mic").value;
  // 640×360 at most: enough for a face in a grid or the large tile, and
  // what a school's line and an old iPad's encoder carry for a class
  // (a shared screen comes in its own size)
  const size = { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24, max: 30 } };
  const want = {
    audio: mic ? { deviceId: { exact: mic } } : true,
    video: cam ? { deviceId: { exact: cam }, ...size } : size,
  };
  if (local) local.getTracks().forEach((tr) => tr.stop());
  local = null;
  try {
    local = await navigator.mediaDevices.getUserMedia(want);
  } catch (e) {
    // without a camera, perhaps with a microphone; without both, watch
    try { local = await navigator.mediaDevices.getUserMedia({ audio: true }); } catch (e2) {
      say(e.name === "NotAllowedError" ? t("call.device_denied") : t("call.no_devices"));
    }
  }
  $("call-preview").srcObject = local;
  await listDevices();
  meter();
}

async function listDevices() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) return;
  const devices = await navigator.mediaDevices.enumerateDevices();
  const fill = (select, kind, current) => {
    select.replaceChildren();
    for (const d of devices.filter((d) => d.kind === kind)) {
      const o = new Option(d.label || kind, d.deviceId);
      o.selected = d.deviceId === current;
      select.append(o);
    }
    select.closest("label")?.toggleAttribute("hidden", select.options.length === 0);
    select.hidden = select.options.length === 0;
  };
  const track = (kind) => local && local.getTracks().find((tr) => tr.kind === kind);
  fill($("call-camera"), "videoinput", track("video")?.getSettings().deviceId);
  fill($("call-mic"), "audioinput", track("audio")?.getSettings().deviceId);
  fill($("call-speaker"), "audiooutput", "");
  // choosing the speaker works where the browser can (not Safari)
  const canSink = "setSinkId" in HTMLMediaElement.prototype;
  $("call-speaker").hidden = !canSink || $("call-speaker").options.length === 0;
  document.querySelector('label[for="call-speaker"]').hidden = $("call-speaker").hidden;
}

// meter shows the microphone's level, so that one sees it hears.
function meter() {
  if (meterStop) meterStop();
  const track = local && local.getAudioTracks()[0];
  if (!track) return;
  const ctx = new AudioContext();
  const an = ctx.createAnalyser();
  an.fftSize = 512;
  ctx.createMediaStreamSource(new MediaStream([track])).connect(an);
  const buf = new Float32Array(an.fftSize);
  const timer = setInterval(() => { an.getFloatTimeDomainData(buf); $("call-level").value = Math.min(1, rms(buf) * 4); }, 100);
  meterStop = () => { clearInterval(timer); ctx.close(); meterStop = null; };
}

function rms(buf) { let s = 0; for (const v of buf) s += v * v; return Math.sqrt(s / buf.length); }

$("call-camera").addEventListener("change", openDevices);
$("call-mic").addEventListener("change", openDevices);
$("call-speaker").addEventListener("change", () => {
  for (const el of document.querySelectorAll("audio, video")) if (el.setSinkId) el.setSinkId($("call-speaker").value).catch(() => {});
});
$("call-test-sound").addEventListener("click", async () => {
  // a short tone on the chosen speaker
  const ctx = new AudioContext();
  const dest = ctx.createMediaStreamDestination();
  const osc = ctx.createOscillator();
  osc.frequency.value = 660;
  osc.connect(dest);
  const el = new Audio();
  el.srcObject = dest.stream;
  if (el.setSinkId && $("call-speaker").value) await el.setSinkId($("call-speaker").value).catch(() => {});
  osc.start();
  el.play();
  setTimeout(() => { osc.stop(); el.pause(); ctx.close(); }, 600);
});
if (navigator.mediaDevices) openDevices(); else say(t("call.no_devices"));

// ---- the socket ------------------------------------------------------------

let socket = null;
let seq = 0;
const waiting = new Map(); // request id -> {resolve, reject}
let backoff = 1000;
let wanted = false; // the user is in the call (or asked to be)

function connect() {
  return new Promise((resolve) => {
    // a guest's socket is its own; everyone else's the tab's
    socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + (root.dataset.socket || "/api/v1/ws"));
    socket.onopen = () => { backoff = 1000; resolve(); };
    socket.onmessage = (m) => {
      for (const line of m.data.split("\n")) {
        const e = JSON.parse(line);
        if ((e.type === "ack" || e.type === "error") && waiting.has(e.id)) {
          const w = waiting.get(e.id);
          waiting.delete(e.id);
          if (e.type === "ack") w.resolve(e.data); else w.reject(e.error);
        } else if (e.type === "event") {
          event(e.event, e.data);
        } else if (e.type === "gap" && wanted) {
          // the server may have lost the call's events on their way to
          // it (an offer, the roster, being let in): join again as after
          // a reconnect, the tabs spread over the time it says
          setTimeout(rejoin, Math.random() * (e.data?.within_ms || 3000));
        }
      }
    };
    socket.onclose = (ev) => {
      for (const w of waiting.values()) w.reject({ message: t("call.offline") });
      waiting.clear();
      if (ev.code === 4001) { location.reload(); return; }
      if (!wanted) return;
      say(t("call.reconnecting"));
      setTimeout(() => connect().then(rejoin), backoff);
      backoff = Math.min(backoff * 2, 15000);
    };
  });
}

function request(env) {
  const id = "c" + (++seq);
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    socket.send(JSON.stringify({ ...env, id }));
  });
}
const send = (event, data = {}) => request({ type: "send", topic, event, data: peer ? { peer, ...data } : data });

// ---- joining ------------------------------------------------------------------

let peer = "";
let pub = null, sub = null;
let iceServers = [];
const state = { microphone: false, camera: false, screen: false, hand: false };
let screenStream = null;

$("call-join").addEventListener("click", async () => {
  $("call-join").disabled = true;
  state.microphone = $("call-start-mic").checked && !!(local && local.getAudioTracks().length);
  state.camera = $("call-start-camera").checked && !!(local && local.getVideoTracks().length);
  wanted = true;
  say(t("call.connecting"));
  await connect();
  await request({ type: "subscribe", topic: "user." + me });
  join();
});

let joining = false;
const early = new Map(); // peer -> an offer that came before the join's answer

async function join() {
  joining = true;
  let out;
  try {
    out = await send("join", { peer });
  } catch (e) {
    say(e.message);
    wanted = false;
    return;
  }
  if (out.waiting) {
    $("call-check").hidden = true;
    $("call-wait").hidden = false;
    say("");
    return;
  }
  peer = out.peer;
  iceServers = out.ice_servers || [];
  joining = false;
  await request({ type: "subscribe", topic });
  $("call-check").hidden = true;
  $("call-wait").hidden = true;
  $("call-room").hidden = false;
  document.body.classList.add("in-call");
  if (meterStop) meterStop();
  roster(out.roster);
  if (early.has(peer)) answerOffer(early.get(peer));
  early.clear();
  await startMedia();
  // after a move, where one is now; the breakout's clock says more
  say(moved ? roomName(myRoom) : "");
  moved = false;
  clock();
  root.dataset.joined = "true";
  root.dataset.joins = String(Number(root.dataset.joins || 0) + 1); // for the tests, and a look in the inspector
}

// rejoin comes back after the socket or the connections dropped: the
// same peer, new connections.
async function rejoin() {
  if (!wanted) return;
  try {
    await request({ type: "subscribe", topic: "user." + me });
    closeMedia();
    await join();
  } catch (e) { say(e.message); }
}

function closeMedia() {
  started = false;
  for (const pc of [pub, sub]) if (pc) { pc.onconnectionstatechange = null; pc.close(); }
  pub = sub = null;
}

const SIMULCAST = [
  { rid: "q", scaleResolutionDownBy: 4, maxBitrate: 80000 },
  { rid: "h", scaleResolutionDownBy: 2, maxBitrate: 250000 },
  { rid: "f", maxBitrate: 700000 },
];

// started: what this tab has on is the server's; until then, what the
// user chose in the device check.
let started = false;

// startMedia publishes the tracks and sends what is on.
async function startMedia() {
  pub = new RTCPeerConnection({ iceServers });
  pub.onconnectionstatechange = () => {
    if (!pub) return;
    root.dataset.sending = pub.connectionState; // for the tests, and a look in the inspector
    if (pub.connectionState === "failed") rejoin();
  };
  const sources = {};
  if (local) {
    for (const tr of local.getTracks()) {
      tr.enabled = tr.kind === "audio" ? state.microphone : state.camera;
      const init = { direction: "sendonly", streams: [local] };
      // the camera in three sizes (simulcast): each receiver gets the one
      // its tile and its line need
      if (tr.kind === "video") init.sendEncodings = SIMULCAST;
      pub.addTransceiver(tr, init);
      sources[tr.id] = tr.kind === "audio" ? "microphone" : "camera";
    }
  }
  if (screenStream) {
    for (const tr of screenStream.getVideoTracks()) { pub.addTransceiver(tr, { direction: "sendonly", streams: [screenStream] }); sources[tr.id] = "screen"; }
  }
  await publish(sources);
  await sendState({ microphone: state.microphone, camera: state.camera, screen: state.screen, hand: state.hand });
  started = true;
  controls();
}

// publish offers the sending connection (again, when a screen came or
// went) and takes the server's answer.
async function publish(sources) {
  if (!pub.getTransceivers().length) return;
  const offer = await pub.createOffer();
  await pub.setLocalDescription(offer);
  await gathered(pub);
  const out = await send("publish", { sdp: pub.localDescription.sdp, sources });
  await pub.setRemoteDescription({ type: "answer", sdp: out.sdp });
}

function gathered(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => { if (pc.iceGatheringState === "complete") { pc.removeEventListener("icegatheringstatechange", done); resolve(); } };
    pc.addEventListener("icegatheringstatechange", done);
    setTimeout(resolve, 3000); // what is gathered by then
  });
}

// answerOffer answers the server's offers of what this tab receives,
// one after the other.
let offers = Promise.resolve();
function answerOffer(sdp) {
  offers = offers.then(() => offer(sdp)).catch((e) => say(e.message || String(e)));
}

async function offer(sdp) {
  if (!sub) {
    sub = new RTCPeerConnection({ iceServers });
    sub.ontrack = received;
    sub.onconnectionstatechange = () => {
      if (!sub) return;
      root.dataset.receiving = sub.connectionState;
      if (sub.connectionState === "failed") rejoin();
    };
  }
  await sub.setRemoteDescription({ type: "offer", sdp });
  const answer = await sub.createAnswer();
  await sub.setLocalDescription(answer);
  await gathered(sub);
  await send("answer", { sdp: sub.localDescription.sdp });
}

async function sendState(change) {
  try {
    await send("state", change);
    return true;
  } catch (e) {
    say(e.message);
    return false;
  }
}

// ---- the stage -----------------------------------------------------------------

const stage = $("call-stage");
const tiles = new Map(); // "PEER" or "PEER/screen" -> tile
let peers = []; // those in one's room
let everyone = [];
let speaker = "";

// received puts a track the server sends on the tile of its stream:
// "PEER" (microphone and camera) or "PEER/screen".
function received(ev) {
  const stream = ev.streams[0];
  if (!stream) return;
  const tile = tileFor(stream.id);
  if (ev.track.kind === "video") {
    tile.track = ev.track.id; // "PEER/SOURCE/ID": the quality is asked for by it
    tile.quality = -1;
    tile.video.srcObject = stream;
    tile.video.play().catch(() => {});
  } else {
    tile.audio.srcObject = stream;
    if (tile.audio.setSinkId && $("call-speaker").value) tile.audio.setSinkId($("call-speaker").value).catch(() => {});
    tile.audio.play().catch(() => {});
    listen(stream.id, stream);
  }
  ev.track.onended = () => layout();
  layout();
}

function tileFor(key) {
  let tile = tiles.get(key);
  if (tile) return tile;
  const el = document.createElement("figure");
  el.className = "call-tile";
  el.dataset.peer = key.split("/")[0];
  if (key.includes("/")) el.classList.add("call-screen");
  const video = document.createElement("video");
  video.autoplay = true; video.playsInline = true; video.muted = true; // sound comes from the audio element
  const audio = document.createElement("audio");
  audio.autoplay = true;
  const cap = document.createElement("figcaption");
  el.append(video, audio, cap);
  tile = { el, video, audio, cap, key };
  tiles.set(key, tile);
  stage.append(el);
  return tile;
}

// the own camera, shown mirrored, without sound
function ownTile() {
  const tile = tileFor(peer);
  tile.el.classList.add("call-own");
  if (local && tile.video.srcObject !== local) { tile.video.srcObject = local; tile.video.play().catch(() => {}); }
  return tile;
}

let myRoom = 0;
let moved = false; // moved into a breakout room or back, not yet in
let breakout = null; // {rooms, ends_at} while the class is split up

function roster(r) {
  if (!r) return;
  showBoard(r.board || null);
  breakout = r.breakout || null;
  const meNow = r.peers.find((p) => p.id === peer);
  if (meNow) myRoom = meNow.room || 0;
  // the stage shows one's own room; the list shows everyone
  everyone = r.peers;
  peers = everyone.filter((p) => (p.room || 0) === myRoom);
  $("call-count").textContent = "(" + everyone.length + ")";
  if (moderator) {
    $("call-locked").checked = r.locked;
    for (const box of document.querySelectorAll("[data-allow]")) box.checked = r.allow[box.dataset.allow];
  }
  // what the server says of this tab wins over what it thought
  const mine = started && peers.find((p) => p.id === peer);
  if (mine) for (const k of ["microphone", "camera", "screen", "hand"]) state[k] = mine[k];
  ownTile();
  const here = new Set(peers.map((p) => p.id));
  if (moderator) $("call-breakout-end").hidden = !breakout;
  clock();
  for (const [key, tile] of tiles) {
    if (!here.has(key.split("/")[0])) { tile.el.remove(); tiles.delete(key); }
  }
  for (const p of peers) if (p.id !== peer) tileFor(p.id);
  people();
  layout();
  controls();
}

function layout() {
  for (const [key, tile] of tiles) {
    const p = peers.find((x) => x.id === key.split("/")[0]);
    if (!p) continue;
    const screen = key.includes("/");
    tile.cap.replaceChildren(document.createTextNode(p.name + (p.id === peer ? " (" + t("call.you") + ")" : "")));
    if (p.hand && !screen) tile.cap.append(" ", icon("call-icon-hand", t("call.hand_raised")));
    if (!p.microphone && !screen) tile.cap.append(" ", icon("call-icon-muted", t("call.mute")));
    if (p.away) tile.cap.append(" · " + t("call.away"));
    tile.el.classList.toggle("call-away", !!p.away);
    tile.el.classList.toggle("call-novideo", screen ? !p.screen : !p.camera);
    tile.el.classList.toggle("call-speaking", !screen && p.id === speaker);
    tile.el.hidden = screen && !p.screen;
  }
  // in the speaker view, a shared screen, else who speaks, is large
  const big = [...tiles.values()].find((x) => x.key.includes("/") && !x.el.hidden) || tiles.get(speaker) || null;
  for (const tile of tiles.values()) tile.el.classList.toggle("call-big", tile === big);
  const shown = [...tiles.values()].filter((x) => !x.el.hidden);
  stage.style.setProperty("--n", String(shown.length));
  // the quality each camera needs: the large one the best, small tiles
  // of a full grid the least
  const speakerView = stage.dataset.view === "speaker";
  for (const tile of shown) {
    if (!tile.track || tile.key === peer) continue;
    let q = shown.length <= 4 ? 2 : shown.length <= 9 ? 1 : 0;
    if (speakerView) q = tile === big ? 2 : 0;
    if (q !== tile.quality) {
      tile.quality = q;
      send("layer", { track: tile.track, quality: q }).catch(() => {});
    }
  }
}

// icon is one of the page's icons (the SVG of kit.Icon), named for
// screen readers when label is given.
function icon(id, label) {
  const span = document.createElement("span");
  span.append($(id).content.cloneNode(true));
  if (label) { span.setAttribute("role", "img"); span.setAttribute("aria-label", label); }
  return span;
}

function controls() {
  const set = (id, on) => $(id).setAttribute("aria-pressed", String(on));
  set("call-mic-toggle", state.microphone);
  set("call-camera-toggle", state.camera);
  set("call-screen-toggle", state.screen);
  set("call-hand", state.hand);
  if (local) {
    for (const tr of local.getAudioTracks()) tr.enabled = state.microphone;
    for (const tr of local.getVideoTracks()) tr.enabled = state.camera;
  }
  $("call-mic-toggle").disabled = !(local && local.getAudioTracks().length);
  $("call-camera-toggle").disabled = !(local && local.getVideoTracks().length);
  $("call-screen-toggle").hidden = !(navigator.mediaDevices && navigator.mediaDevices.getDisplayMedia);
}

// people lists who is in the call; moderators get their buttons.
function people() {
  const list = $("call-people");
  list.replaceChildren();
  for (const p of everyone) {
    const li = document.createElement("li");
    li.dataset.peer = p.id;
    const name = document.createElement("span");
    name.textContent = p.name + (p.id === peer ? " (" + t("call.you") + ")" : "") + (p.moderator ? " · " + t("call.moderator") : "");
    li.append(name);
    if (p.hand) li.append(" ", icon("call-icon-hand", ""), " " + t("call.hand_raised"));
    if (p.away) li.append(" · " + t("call.away"));
    if (p.id === speaker) li.append(" · " + t("call.speaking"));
    if (breakout) li.append(" · " + roomName(p.room || 0));
    if (moderator && breakout) {
      const sel = document.createElement("select");
      sel.setAttribute("aria-label", t("call.move_to") + " – " + p.name);
      for (let n = 0; n <= breakout.rooms; n++) sel.append(new Option(roomName(n), String(n), false, n === (p.room || 0)));
      sel.onchange = () => post("/breakouts/move", { peer: p.id, room: Number(sel.value) });
      li.append(" ", sel);
    }
    if (moderator && p.id !== peer) {
      const btn = (label, fn, testid) => { const b = document.createElement("button"); b.type = "button"; b.className = "link"; b.textContent = label; b.dataset.testid = testid; b.onclick = fn; li.append(" ", b); };
      if (p.microphone) btn(t("call.mute"), () => post("/mute", { peer: p.id, source: "microphone" }), "mute-" + p.id);
      if (p.camera) btn(t("call.camera_off"), () => post("/mute", { peer: p.id, source: "camera" }), "camera-off-" + p.id);
      if (!p.moderator) btn(t("call.remove"), () => post("/remove", { peer: p.id }), "remove-" + p.id);
    }
    list.append(li);
  }
}

function roomName(n) { return n ? t("call.room_n", n) : t("call.main_room"); }

// clock shows how long the breakout rooms last.
let clockTimer = null;
function clock() {
  clearInterval(clockTimer);
  if (!breakout || !breakout.ends_at) return;
  const tick = () => {
    const left = Math.max(0, Math.round((Date.parse(breakout.ends_at) - Date.now()) / 1000));
    say((myRoom ? roomName(myRoom) + " · " : "") + t("call.breakout_left", Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0")));
  };
  tick();
  clockTimer = setInterval(tick, 1000);
}

async function post(path, body, method = "POST") {
  const res = await fetch(api + path, { method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) {
    const e = await res.json().catch(() => ({}));
    say((e.error && e.error.message) || res.statusText);
  }
  return res;
}

// ---- the whiteboard ---------------------------------------------------------------

// A moderator of a group's call shows one of the group's boards to all:
// it takes the stage in a frame of its own page, drawn live there; the
// videos go below. Guests have no account, and see no board.
let boardShown = null;
function showBoard(b) {
  const id = b ? String(b.id) : null;
  if (id === boardShown) return;
  boardShown = id;
  const panel = $("call-board"), frame = $("call-board-frame");
  $("call-room").classList.toggle("call-with-board", !!b && !root.dataset.socket);
  if (!b) {
    panel.hidden = true;
    frame.removeAttribute("src");
    return;
  }
  if (root.dataset.socket) { // a guest
    say(t("call.board.guests"));
    return;
  }
  $("call-board-title").textContent = b.title;
  $("call-board-tab").href = "/boards/" + id;
  frame.src = "/boards/" + id + "?framed=1";
  panel.hidden = false;
}

if ($("call-board-show")) {
  $("call-board-show").addEventListener("click", async () => {
    const which = Number($("call-board-which").value);
    const res = await post("/board", which ? { board: which } : {});
    if (!res.ok) return;
    const b = await res.json();
    // a new board is one to choose next time
    if (!which && !$("call-board-which").querySelector('option[value="' + b.id + '"]')) {
      $("call-board-which").append(new Option(b.title, b.id));
    }
    $("call-board-which").value = String(b.id);
    $("call-board-show").closest("details").open = false;
  });
  $("call-board-hide").addEventListener("click", () => post("/board", {}, "DELETE"));
}

// ---- active speaker -------------------------------------------------------------

// Each received microphone is measured a few times a second; who is
// loudest above a threshold for a moment is the speaker.
let audioCtx = null;
const levels = new Map(); // peer -> {an, buf, loud}
function listen(key, stream) {
  if (!audioCtx) audioCtx = new AudioContext();
  const an = audioCtx.createAnalyser();
  an.fftSize = 512;
  audioCtx.createMediaStreamSource(stream).connect(an);
  levels.set(key, { an, buf: new Float32Array(an.fftSize), loud: 0 });
}
setInterval(() => {
  let best = "", bestLevel = 0.02;
  for (const [key, l] of levels) {
    if (!tiles.has(key)) { levels.delete(key); continue; }
    l.an.getFloatTimeDomainData(l.buf);
    const v = rms(l.buf);
    l.loud = v > 0.02 ? l.loud + 1 : 0;
    if (l.loud >= 2 && v > bestLevel) { best = key; bestLevel = v; }
  }
  if (best && best !== speaker) { speaker = best; layout(); people(); }
}, 200);

// ---- the controls -----------------------------------------------------------------

async function toggle(kind) {
  const on = !state[kind];
  if (await sendState({ [kind]: on })) { state[kind] = on; controls(); }
}
$("call-mic-toggle").addEventListener("click", () => toggle("microphone"));
$("call-camera-toggle").addEventListener("click", () => toggle("camera"));
$("call-hand").addEventListener("click", () => toggle("hand"));
$("call-screen-toggle").addEventListener("click", async () => {
  if (state.screen) return stopScreen();
  try {
    screenStream = await navigator.mediaDevices.getDisplayMedia({ video: true });
  } catch (e) { return; }
  const tr = screenStream.getVideoTracks()[0];
  tr.onended = () => stopScreen();
  pub.addTransceiver(tr, { direction: "sendonly", streams: [screenStream] });
  await publish({ [tr.id]: "screen" });
  if (!(await sendState({ screen: true }))) return stopScreen();
  state.screen = true;
  controls();
});
async function stopScreen() {
  if (!screenStream) return;
  for (const tr of screenStream.getTracks()) tr.stop();
  for (const s of pub.getSenders()) if (s.track && screenStream.getTracks().includes(s.track)) pub.removeTrack(s);
  screenStream = null;
  await publish({});
  await sendState({ screen: false });
  state.screen = false;
  controls();
}
$("call-view").addEventListener("click", () => {
  const speakerView = stage.dataset.view !== "speaker";
  stage.dataset.view = speakerView ? "speaker" : "grid";
  $("call-view").setAttribute("aria-pressed", String(speakerView));
  layout();
});
$("call-side-toggle").addEventListener("click", () => {
  const open = $("call-side").hidden;
  $("call-side").hidden = !open;
  $("call-side-toggle").setAttribute("aria-pressed", String(open));
});
for (const [tab, panel] of [["call-tab-people", "call-people-panel"], ["call-tab-chat", "call-chat-panel"]]) {
  $(tab).addEventListener("click", () => {
    for (const [t2, p2] of [["call-tab-people", "call-people-panel"], ["call-tab-chat", "call-chat-panel"]]) {
      $(t2).setAttribute("aria-selected", String(t2 === tab));
      $(p2).hidden = p2 !== panel;
    }
    if (panel === "call-chat-panel") { unread = 0; $("call-unread").hidden = true; }
  });
}
$("call-chat-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = $("call-chat-text").value.trim();
  if (!text) return;
  try { await send("chat", { text }); $("call-chat-text").value = ""; } catch (err) { say(err.message); }
});
$("call-leave").addEventListener("click", leave);

async function leave() {
  wanted = false;
  try { await send("leave"); } catch (e) { /* gone already */ }
  end(t("call.left"));
}

// end closes everything and says why.
function end(why) {
  wanted = false;
  closeMedia();
  if (local) local.getTracks().forEach((tr) => tr.stop());
  if (screenStream) screenStream.getTracks().forEach((tr) => tr.stop());
  if (socket) socket.close();
  $("call-room").hidden = true;
  $("call-wait").hidden = true;
  $("call-check").hidden = true;
  document.body.classList.remove("in-call");
  root.dataset.joined = "false";
  say(why);
  const back = document.createElement("a");
  back.href = "/calls";
  back.textContent = " " + t("call.calls") + " →";
  status.append(back);
}

if (moderator) {
  $("call-mute-all").addEventListener("click", () => post("/mute", { source: "microphone" }));
  $("call-locked").addEventListener("change", (e) => post("", { locked: e.target.checked }, "PATCH"));
  for (const box of document.querySelectorAll("[data-allow]")) {
    box.addEventListener("change", () => {
      const allow = {};
      for (const b of document.querySelectorAll("[data-allow]")) allow[b.dataset.allow] = b.checked;
      post("", { allow }, "PATCH");
    });
  }
  $("call-end").addEventListener("click", () => { if (confirm($("call-end").textContent + "?")) post("/end", {}); });
  $("call-breakout-start").addEventListener("click", () => post("/breakouts", {
    rooms: Number($("call-breakout-rooms").value), seconds: 60 * Number($("call-breakout-minutes").value),
  }));
  $("call-breakout-end").addEventListener("click", () => post("/breakouts", {}, "DELETE"));
  $("call-guest-link").addEventListener("click", async () => {
    const res = await post("/guest-link", {});
    if (!res.ok) return;
    const out = await res.json();
    $("call-guest-url").value = out.url;
    $("call-guest-url").hidden = false;
    $("call-guest-url").select();
    if (navigator.clipboard) navigator.clipboard.writeText(out.url).then(() => say(t("call.guest_link_copied")), () => {});
  });
}

// ---- events -------------------------------------------------------------------------

let unread = 0;
function event(name, data) {
  if (data && data.call !== undefined && String(data.call) !== callID) return; // another call's
  switch (name) {
    case "peers": roster(data); break;
    case "call.offer":
      // the first offer may come before the answer to the join that
      // names this tab's peer: it waits for that
      if (data.peer === peer) answerOffer(data.sdp); else if (!peer || joining) early.set(data.peer, data.sdp);
      break;
    case "chat": {
      if ((data.room || 0) !== myRoom) break; // said in another breakout room
      const li = document.createElement("li");
      const who = document.createElement("strong");
      who.textContent = data.name + ": ";
      li.append(who, document.createTextNode(data.text));
      $("call-chat").append(li);
      li.scrollIntoView({ block: "nearest" });
      if ($("call-chat-panel").hidden) { unread++; $("call-unread").textContent = String(unread); $("call-unread").hidden = false; }
      break;
    }
    case "call.muted":
      if (data.peer !== peer) break;
      state[data.source] = false;
      if (data.source === "screen") stopScreen();
      controls();
      say(t({ microphone: "call.muted_by_moderator", camera: "call.camera_off_by_moderator", screen: "call.screen_off_by_moderator" }[data.source]));
      break;
    case "call.lobby": lobby(data.waiting || []); break;
    case "call.moved":
      // into a breakout room or back: the same peer on new connections
      if (data.peer !== peer) break;
      myRoom = data.room;
      moved = true;
      say(roomName(data.room));
      rejoin();
      break;
    case "call.admitted": join(); break;
    case "call.refused": end(t("call.refused")); break;
    case "call.removed": if (data.peer === peer) end(t("call.removed")); break;
    case "call.ended": end(t("call.ended_for_all")); break;
  }
}

function lobby(list) {
  if (!moderator) return;
  $("call-lobby").hidden = list.length === 0;
  const ul = $("call-lobby-list");
  ul.replaceChildren();
  for (const w of list) {
    const li = document.createElement("li");
    li.append(w.name + " ");
    for (const [label, yes] of [[t("call.admit"), true], [t("call.refuse"), false]]) {
      const b = document.createElement("button");
      b.type = "button"; b.className = yes ? "" : "secondary"; b.textContent = label;
      b.onclick = () => post("/admit", { user: w.user, admit: yes });
      li.append(b, " ");
    }
    ul.append(li);
  }
  if (list.length) {
    say(t("call.lobby_waits", list.length));
    $("call-side").hidden = false;
    $("call-side-toggle").setAttribute("aria-pressed", "true");
  }
}

// closing the tab leaves the call, or the lobby (peer "": one who waits)
window.addEventListener("pagehide", () => { if (wanted && socket && socket.readyState === 1) send("leave").catch(() => {}); });

// A scan session (/s/SCHOOL/devices/scan): labels one after another, by a
// hand-held scanner (it types the code and Enter into the field) or the
// camera, then one action for all: take them back, or lend them to the
// chosen class's students, each to the next without a device. The list
// of who is missing comes from the class the page shows. In the mode
// "open" one label opens its device's page.

const root = document.getElementById("scan");
const school = root.dataset.school;
const classID = root.dataset.class;
const T = JSON.parse(document.getElementById("scan-i18n").textContent || "{}");
const t = (k, ...args) => { let s = T[k] || k; for (const a of args) s = s.replace(/%[sd]/, a); return s; };
const roster = JSON.parse(document.getElementById("scan-roster").textContent || "[]") || [];
const api = "/api/v1/schools/" + school;
const $ = (id) => document.getElementById(id);
const status = $("scan-status");
const say = (text) => { status.textContent = text; };

// scanned devices in the order scanned: {device, user (lend), condition (return)}
const scanned = new Map();
const mode = () => document.querySelector("input[name=mode]:checked").value;

async function call(path, body) {
  const res = await fetch(api + path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const out = await res.json().catch(() => ({}));
  if (!res.ok) {
    const e = out.error || {};
    // a batch's error names the device it is about: {"device:TAG": message}
    const where = Object.entries(e.fields || {}).map(([f, m]) => f.replace(/^device:/, "") + ": " + m).join("; ");
    throw new Error(where || e.message || res.statusText);
  }
  return out;
}

// next student of the class without a device and not given one yet
function nextStudent() {
  const given = new Set([...scanned.values()].map((s) => s.user));
  return roster.find((r) => !r.tag && !given.has(r.user));
}

async function add(code) {
  code = code.trim();
  if (!code) return;
  let d;
  try {
    d = await call("/devices/lookup", { code });
  } catch (e) {
    say(e.message);
    return;
  }
  if (mode() === "open") { // one label: its device's page, to lend or take back
    location.assign("/s/" + school + "/devices/" + d.id);
    return;
  }
  if (scanned.has(d.id)) {
    say(t("device.scan_again", d.asset_tag));
    return;
  }
  if (mode() === "audit") { // a stock-take sees every device
    scanned.set(d.id, { device: d });
  } else if (mode() === "return") {
    if (!d.loan) {
      say(t("device.scan_not_lent", d.asset_tag));
      return;
    }
    scanned.set(d.id, { device: d, condition: "good" });
  } else {
    if (!classID) {
      say(t("device.scan_choose_class"));
      return;
    }
    if (d.status !== "in_stock" && d.status !== "in_use") {
      say(t("device.scan_not_free", d.asset_tag, d.loan ? t("device.scan_lent_to", d.loan.user_name) : d.status));
      return;
    }
    const who = nextStudent();
    if (!who) {
      say(t("device.scan_nobody_left"));
      return;
    }
    scanned.set(d.id, { device: d, user: who.user });
  }
  say(t("device.scan_added", d.asset_tag));
  show();
}

function show() {
  const list = $("scan-list");
  list.replaceChildren();
  const lend = mode() === "lend";
  for (const [id, s] of scanned) {
    const li = document.createElement("li");
    li.className = "scan-item";
    const name = document.createElement("span");
    const audit = mode() === "audit";
    name.textContent = s.device.asset_tag + " · " + s.device.model + (lend || audit ? "" : " · " + s.device.loan.user_name) +
      (audit && s.device.location ? " · " + s.device.location : "");
    li.append(name);
    if (audit) {
      // nothing to choose: seen is seen
    } else if (lend) {
      const label = document.createElement("label");
      label.textContent = t("device.scan_for") + " ";
      const pick = document.createElement("select");
      for (const r of roster.filter((r) => !r.tag)) pick.append(new Option(r.name, r.user, false, r.user === s.user));
      pick.addEventListener("change", () => { s.user = Number(pick.value); missing(); });
      label.append(pick);
      li.append(label);
    } else {
      const pick = document.createElement("select");
      pick.setAttribute("aria-label", s.device.asset_tag);
      for (const c of ["good", "worn", "damaged"]) pick.append(new Option(t("device.condition." + c), c, false, c === s.condition));
      pick.addEventListener("change", () => { s.condition = pick.value; });
      li.append(pick);
    }
    const rm = document.createElement("button");
    rm.type = "button";
    rm.className = "secondary";
    rm.textContent = t("device.scan_remove");
    rm.addEventListener("click", () => { scanned.delete(id); show(); });
    li.append(rm);
    list.append(li);
  }
  $("scan-count").textContent = String(scanned.size);
  const audit = mode() === "audit";
  $("scan-lend-until").hidden = !lend;
  $("scan-audit").hidden = !audit;
  const apply = $("scan-apply");
  apply.hidden = mode() === "open";
  apply.disabled = scanned.size === 0 && !audit; // a stock-take may find nothing
  apply.textContent = audit ? t("stocktake.finish", scanned.size) : t(lend ? "device.scan_lend_all" : "device.scan_return_all", scanned.size);
  missing();
}

// who of the class is missing: devices not back yet, or students still
// without one
function missing() {
  const box = $("scan-missing-box"), list = $("scan-missing");
  list.replaceChildren();
  if (!classID || mode() === "audit" || mode() === "open") { box.hidden = true; return; }
  const lend = mode() === "lend";
  let rest;
  if (lend) {
    const given = new Set([...scanned.values()].map((s) => s.user));
    rest = roster.filter((r) => !r.tag && !given.has(r.user)).map((r) => r.name);
  } else {
    rest = roster.filter((r) => r.tag && !scanned.has(r.device)).map((r) => r.name + " (" + r.tag + ")");
  }
  $("scan-missing-h").textContent = t(lend ? "device.scan_missing_lend" : "device.scan_missing_return", rest.length);
  for (const r of rest) {
    const li = document.createElement("li");
    li.textContent = r;
    list.append(li);
  }
  box.hidden = false;
}

$("scan-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = $("scan-code");
  add(input.value);
  input.value = "";
  input.focus();
});

for (const r of document.querySelectorAll("input[name=mode]")) {
  r.addEventListener("change", () => { scanned.clear(); say(""); show(); });
}

$("scan-apply").addEventListener("click", async () => {
  if (mode() === "audit") { // the stock-take's page lists what was not seen
    try {
      const a = await call("/audits", { room: $("audit-room").value, next_due: $("audit-next").value, devices: [...scanned.keys()] });
      location.assign("/s/" + school + "/audits/" + a.id);
    } catch (e) {
      say(e.message);
    }
    return;
  }
  const lend = mode() === "lend";
  const n = scanned.size;
  try {
    if (lend) {
      await call("/loans", { until: $("until").value, loans: [...scanned.values()].map((s) => ({ device: s.device.id, user: s.user })) });
    } else {
      await call("/returns", { returns: [...scanned.values()].map((s) => ({ loan: s.device.loan.id, condition: s.condition })) });
    }
  } catch (e) {
    say(e.message);
    return;
  }
  // the class's list is the server's again
  const q = new URLSearchParams(location.search);
  q.set("done", lend ? "lend" : "return");
  q.set("n", String(n));
  location.assign(location.pathname + "?" + q.toString());
});

// ---- the camera --------------------------------------------------------------------

// Frames are read by the browser where it can (BarcodeDetector), else a
// few a second by the server.
let stream = null;
let lastCode = "", lastAt = 0;
async function camera() {
  const video = $("scan-video");
  if (stream) {
    stream.getTracks().forEach((tr) => tr.stop());
    stream = null;
    video.hidden = true;
    return;
  }
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment", width: { ideal: 1280 } } });
  } catch {
    say(t("device.scan_no_camera"));
    return;
  }
  video.srcObject = stream;
  video.hidden = false;
  await video.play().catch(() => {});
  say(t("device.scan_looking"));
  const detector = "BarcodeDetector" in window ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
  const canvas = document.createElement("canvas");
  while (stream) {
    let code = "";
    try {
      if (detector) {
        const found = await detector.detect(video);
        code = found.length ? found[0].rawValue : "";
      } else if (video.videoWidth) {
        const scale = Math.min(1, 960 / video.videoWidth);
        canvas.width = Math.round(video.videoWidth * scale);
        canvas.height = Math.round(video.videoHeight * scale);
        canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
        const blob = await new Promise((ok) => canvas.toBlob(ok, "image/jpeg", 0.8));
        const res = await fetch(api + "/devices/decode", { method: "POST", headers: { "Content-Type": "image/jpeg" }, body: blob });
        if (res.ok) code = (await res.json()).code;
      }
    } catch { /* the next frame */ }
    // the same label held in front a while counts once
    if (code && (code !== lastCode || Date.now() - lastAt > 3000)) {
      lastCode = code;
      await add(code);
    }
    if (code) lastAt = Date.now();
    await new Promise((ok) => setTimeout(ok, detector ? 150 : 350));
  }
}
$("scan-camera").addEventListener("click", camera);

const done = new URLSearchParams(location.search);
if (done.get("done")) say(t(done.get("done") === "lend" ? "device.scan_done_lend" : "device.scan_done_return", done.get("n") || "0"));
show();

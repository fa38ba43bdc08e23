// The info screen in the school hall: shows the time, pages through the
// substitutions (scrolling when they do not fit), and reloads when a new
// export has been imported. No login: it is opened by a secret address.
const clock = document.getElementById("clock");
const tick = () => { clock.textContent = new Date().toLocaleTimeString("de-DE", { hour: "2-digit", minute: "2-digit" }); };
tick();
setInterval(tick, 10000);

// page: scroll one screen further every 12 seconds, back to the top at the end
setInterval(() => {
  const end = document.documentElement.scrollHeight - window.innerHeight;
  if (end <= 0) return;
  const next = window.scrollY + window.innerHeight * 0.8;
  window.scrollTo({ top: next >= end + 1 ? 0 : Math.min(next, end), behavior: "smooth" });
}, 12000);

// reload when the plan changed (checked every 30 seconds), and once an hour
// in any case so that "today" moves on
const body = document.body;
setInterval(async () => {
  try {
    const res = await fetch(body.dataset.stampUrl, { cache: "no-store" });
    if (res.ok && (await res.text()) !== body.dataset.stamp) window.location.reload();
  } catch (_) { /* the network is gone for a moment: try again later */ }
}, 30000);
setTimeout(() => window.location.reload(), 3600000);

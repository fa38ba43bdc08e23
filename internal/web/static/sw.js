// The service worker of Web Push: shows what the server sends (a new chat
// message: room, sender and text, encrypted for this browser on the way)
// and opens the room when the notification is tapped.
self.addEventListener("push", (event) => {
  let n = { title: "Schulhof", body: "", url: "/chat", tag: "" };
  try { n = { ...n, ...event.data.json() }; } catch (_) {}
  event.waitUntil(self.registration.showNotification(n.title, { body: n.body, tag: n.tag || undefined, data: { url: n.url } }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url || "/chat", self.location.origin).href;
  event.waitUntil((async () => {
    for (const c of await clients.matchAll({ type: "window", includeUncontrolled: true })) {
      if (c.url === url && "focus" in c) return c.focus();
    }
    return clients.openWindow(url);
  })());
});

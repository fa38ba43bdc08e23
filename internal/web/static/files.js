// Uploads on the file page: several files at once, dropped or chosen,
// each with its own progress bar, sent to the JSON API one after another.
// Big files go in pieces (resumable uploads): when the Wi-Fi drops, the
// upload waits and goes on where the server's bytes end, also after the
// page was reloaded. Without this script the form posts the files as usual.
const form = document.getElementById("upload-form");
if (form) {
  const list = document.getElementById("progress");
  const input = document.getElementById("file");
  const zone = document.getElementById("dropzone");

  const BIG = 16 << 20; // from here on, in pieces
  const PIECE = 8 << 20;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  const row = (file) => {
    const item = document.createElement("li");
    const label = document.createElement("span");
    label.textContent = file.name;
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    item.append(label, bar);
    list.append(item);
    return { item, bar };
  };
  const fail = (item, msg) => {
    const err = document.createElement("span");
    err.className = "field-error";
    err.textContent = " " + msg;
    item.append(err);
  };
  const message = async (res) => {
    try { return (await res.json()).error.message; } catch (_) { return res.statusText; }
  };

  const resumable = async (file) => {
    const { item, bar } = row(file);
    const key = "schulhof-upload " + form.dataset.uploads + " " + form.dataset.folder + " " + file.name + " " + file.size + " " + file.lastModified;
    let url = localStorage.getItem(key);
    let offset = 0;
    if (url) {
      const res = await fetch(url, { cache: "no-store" }).catch(() => null);
      if (res && res.ok) offset = (await res.json()).offset; else url = null;
    }
    if (!url) {
      const res = await fetch(form.dataset.uploads, {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ parent: Number(form.dataset.folder), name: file.name, size: file.size }),
      }).catch(() => null);
      if (!res || !res.ok) { fail(item, res ? await message(res) : "offline"); return false; }
      url = (await res.json()).url;
      localStorage.setItem(key, url);
    }
    let wait = 1000;
    for (;;) {
      bar.value = Math.round(100 * offset / Math.max(file.size, 1));
      let res;
      try {
        res = await fetch(url, {
          method: "PATCH",
          headers: { "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream" },
          body: file.slice(offset, offset + PIECE),
        });
      } catch (_) {
        res = null; // the network is gone: wait, then ask where to go on
      }
      if (res && (res.status === 200 || res.status === 201)) {
        const st = await res.json();
        offset = st.offset;
        wait = 1000;
        if (res.status === 201) break;
        continue;
      }
      if (res && res.status !== 409 && res.status < 500) {
        localStorage.removeItem(key);
        fail(item, await message(res));
        return false;
      }
      await sleep(wait);
      wait = Math.min(wait * 2, 30000);
      const st = await fetch(url, { cache: "no-store" }).then((r) => r.ok ? r.json() : null).catch(() => null);
      if (st) offset = st.offset;
    }
    localStorage.removeItem(key);
    bar.value = 100;
    item.classList.add("done");
    return true;
  };

  const upload = (file) => file.size >= BIG ? resumable(file) : new Promise((resolve) => {
    const { item, bar } = row(file);
    const xhr = new XMLHttpRequest();
    const url = form.dataset.api + "?parent=" + encodeURIComponent(form.dataset.folder) + "&name=" + encodeURIComponent(file.name);
    xhr.open("PUT", url);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total); };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        bar.value = 100;
        item.classList.add("done");
      } else {
        let msg = xhr.statusText;
        try { msg = JSON.parse(xhr.responseText).error.message; } catch (_) { /* not JSON */ }
        fail(item, msg);
      }
      resolve(xhr.status < 300);
    };
    xhr.onerror = () => { item.classList.add("failed"); resolve(false); };
    xhr.send(file);
  });

  const send = async (files) => {
    let ok = true;
    for (const f of files) ok = (await upload(f)) && ok;
    if (ok) window.location.reload();
  };

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    send(Array.from(input.files));
  });
  for (const ev of ["dragenter", "dragover"]) {
    zone.addEventListener(ev, (e) => { e.preventDefault(); zone.classList.add("over"); });
  }
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    send(Array.from(e.dataTransfer.files));
  });
}

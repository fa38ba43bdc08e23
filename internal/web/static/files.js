// Uploads on the file page: several files at once and whole folders,
// dropped or chosen, each file with its own progress bar, sent to the JSON
// API one after another; dropped folders are made on the server first.
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

  const resumable = async (file, parent) => {
    const { item, bar } = row(file);
    const key = "schulhof-upload " + form.dataset.uploads + " " + parent + " " + file.name + " " + file.size + " " + file.lastModified;
    let url = localStorage.getItem(key);
    let offset = 0;
    if (url) {
      const res = await fetch(url, { cache: "no-store" }).catch(() => null);
      if (res && res.ok) offset = (await res.json()).offset; else url = null;
    }
    if (!url) {
      const res = await fetch(form.dataset.uploads, {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ parent: parent, name: file.name, size: file.size }),
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

  const upload = (file, parent) => file.size >= BIG ? resumable(file, parent) : new Promise((resolve) => {
    const { item, bar } = row(file);
    const xhr = new XMLHttpRequest();
    const url = form.dataset.api + "?parent=" + encodeURIComponent(parent) + "&name=" + encodeURIComponent(file.name);
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

  // folderID finds or makes the folder at a path below the current one
  // ("Projekt/Bilder"), one level at a time; known holds what was found.
  const known = new Map();
  const folderID = async (path) => {
    let parent = Number(form.dataset.folder);
    let sofar = "";
    for (const name of path.split("/").filter((n) => n !== "")) {
      sofar += "/" + name;
      if (known.has(sofar)) { parent = known.get(sofar); continue; }
      const res = await fetch(form.dataset.space + "/folders", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ parent: parent, name: name }),
      });
      if (res.status === 201) {
        parent = (await res.json()).id;
      } else if (res.status === 409) { // there already: use it
        const list = await fetch(form.dataset.space + "/nodes?parent=" + parent, { cache: "no-store" }).then((r) => r.json());
        const same = list.items.find((n) => n.is_folder && n.name.toLowerCase() === name.normalize("NFC").toLowerCase());
        if (!same) throw new Error(await message(res));
        parent = same.id;
      } else {
        throw new Error(await message(res));
      }
      known.set(sofar, parent);
    }
    return parent;
  };

  // send uploads entries {file, path}; path is where the file goes below
  // the current folder, with its name ("Projekt/Bilder/a.jpg").
  const send = async (entries) => {
    let ok = true;
    for (const { file, path } of entries) {
      const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
      let parent;
      try {
        parent = await folderID(dir);
      } catch (err) {
        fail(row(file).item, err.message);
        ok = false;
        continue;
      }
      ok = (await upload(file, parent)) && ok;
    }
    if (ok) window.location.reload();
    return ok;
  };
  form.sendEntries = send; // for the browser test

  const plain = (files) => Array.from(files).map((f) => ({ file: f, path: f.webkitRelativePath || f.name }));

  // walk reads a dropped folder's entries (the browser hands them out in
  // batches) down to its files.
  const walk = async (entry, out) => {
    if (entry.isFile) {
      const file = await new Promise((res, rej) => entry.file(res, rej));
      out.push({ file, path: entry.fullPath.replace(/^\//, "") });
      return;
    }
    const reader = entry.createReader();
    for (;;) {
      const batch = await new Promise((res, rej) => reader.readEntries(res, rej));
      if (batch.length === 0) return;
      for (const e of batch) await walk(e, out);
    }
  };

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    send(plain(input.files));
  });
  const folders = document.getElementById("folder-input");
  if (folders) {
    folders.closest(".folder-pick").hidden = false;
    folders.addEventListener("change", () => send(plain(folders.files)));
  }
  for (const ev of ["dragenter", "dragover"]) {
    zone.addEventListener(ev, (e) => { e.preventDefault(); zone.classList.add("over"); });
  }
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", async (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    const entries = Array.from(e.dataTransfer.items || []).map((i) => i.webkitGetAsEntry && i.webkitGetAsEntry()).filter(Boolean);
    if (entries.length === 0) {
      send(plain(e.dataTransfer.files));
      return;
    }
    const out = [];
    for (const entry of entries) await walk(entry, out);
    send(out);
  });
}

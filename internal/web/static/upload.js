// Uploading files into a space of the files module, each with its own
// progress bar: small files in one request, big ones in pieces (resumable
// uploads: when the Wi-Fi drops, the upload waits and goes on where the
// server's bytes end, also after the page was reloaded). The files page
// and the hand-in form use it.

const BIG = 16 << 20; // from here on, in pieces
const PIECE = 8 << 20;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// message is the error sentence of an API answer.
export const message = async (res) => {
  try { return (await res.json()).error.message; } catch (_) { return res.statusText; }
};

// uploader sends files into the space whose API address is space
// (".../spaces/user/7"); list is the <ul> that shows their progress.
// upload resolves to the stored file (its node) or null when it failed
// (the row says why).
export const uploader = (space, list) => {
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
    item.classList.add("failed");
  };

  const resumable = async (file, parent) => {
    const { item, bar } = row(file);
    const start = space + "/uploads";
    const key = "schulhof-upload " + start + " " + parent + " " + file.name + " " + file.size + " " + file.lastModified;
    let url = localStorage.getItem(key);
    let offset = 0;
    if (url) {
      const res = await fetch(url, { cache: "no-store" }).catch(() => null);
      if (res && res.ok) offset = (await res.json()).offset; else url = null;
    }
    if (!url) {
      const res = await fetch(start, {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ parent: parent, name: file.name, size: file.size }),
      }).catch(() => null);
      if (!res || !res.ok) { fail(item, res ? await message(res) : "offline"); return null; }
      url = (await res.json()).url;
      localStorage.setItem(key, url);
    }
    let wait = 1000;
    let node = null;
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
        if (res.status === 201) { node = st.node; break; }
        continue;
      }
      if (res && res.status !== 409 && res.status < 500) {
        localStorage.removeItem(key);
        fail(item, await message(res));
        return null;
      }
      await sleep(wait);
      wait = Math.min(wait * 2, 30000);
      const st = await fetch(url, { cache: "no-store" }).then((r) => r.ok ? r.json() : null).catch(() => null);
      if (st) offset = st.offset;
    }
    localStorage.removeItem(key);
    bar.value = 100;
    item.classList.add("done");
    return node;
  };

  const upload = (file, parent) => file.size >= BIG ? resumable(file, parent) : new Promise((resolve) => {
    const { item, bar } = row(file);
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", space + "/files?parent=" + encodeURIComponent(parent) + "&name=" + encodeURIComponent(file.name));
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total); };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        bar.value = 100;
        item.classList.add("done");
        resolve(JSON.parse(xhr.responseText));
        return;
      }
      let msg = xhr.statusText;
      try { msg = JSON.parse(xhr.responseText).error.message; } catch (_) { /* not JSON */ }
      fail(item, msg);
      resolve(null);
    };
    xhr.onerror = () => { fail(item, "offline"); resolve(null); };
    xhr.send(file);
  });

  // folderID finds or makes the folder at a path below the folder base
  // ("Projekt/Bilder"), one level at a time, remembering what it found.
  const known = new Map();
  const folderID = async (path, base) => {
    let parent = base;
    let sofar = String(base);
    for (const name of path.split("/").filter((n) => n !== "")) {
      sofar += "/" + name;
      if (known.has(sofar)) { parent = known.get(sofar); continue; }
      const res = await fetch(space + "/folders", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ parent: parent, name: name }),
      });
      if (res.status === 201) {
        parent = (await res.json()).id;
      } else if (res.status === 409) { // there already: use it
        const got = await fetch(space + "/nodes?parent=" + parent, { cache: "no-store" }).then((r) => r.json());
        const same = got.items.find((n) => n.is_folder && n.name.toLowerCase() === name.normalize("NFC").toLowerCase());
        if (!same) throw new Error(await message(res));
        parent = same.id;
      } else {
        throw new Error(await message(res));
      }
      known.set(sofar, parent);
    }
    return parent;
  };

  return { upload, folderID, row, fail };
};

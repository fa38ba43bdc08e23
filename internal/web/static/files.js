// Uploads on the file page: several files at once and whole folders,
// dropped or chosen, each file with its own progress bar, sent to the JSON
// API one after another (upload.js); dropped folders are made on the
// server first. Without this script the form posts the files as usual.
import { uploader } from "/static/upload.js";

const form = document.getElementById("upload-form");
if (form) {
  const input = document.getElementById("file");
  const zone = document.getElementById("dropzone");
  const { upload, folderID, row, fail } = uploader(form.dataset.space, document.getElementById("progress"));
  const here = Number(form.dataset.folder);

  // send uploads entries {file, path}; path is where the file goes below
  // the current folder, with its name ("Projekt/Bilder/a.jpg").
  const send = async (entries) => {
    let ok = true;
    for (const { file, path } of entries) {
      const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
      let parent;
      try {
        parent = await folderID(dir, here);
      } catch (err) {
        fail(row(file).item, err.message);
        ok = false;
        continue;
      }
      ok = (await upload(file, parent)) !== null && ok;
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

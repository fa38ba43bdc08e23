// Uploads on the file page: several files at once, dropped or chosen,
// each with its own progress bar, sent to the JSON API one after another.
// Without this script the form posts the files as usual.
const form = document.getElementById("upload-form");
if (form) {
  const list = document.getElementById("progress");
  const input = document.getElementById("file");
  const zone = document.getElementById("dropzone");

  const upload = (file) => new Promise((resolve) => {
    const item = document.createElement("li");
    const label = document.createElement("span");
    label.textContent = file.name;
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    item.append(label, bar);
    list.append(item);
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
        const err = document.createElement("span");
        err.className = "field-error";
        err.textContent = " " + msg;
        item.append(err);
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

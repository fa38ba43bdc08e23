// Handing in with progress: the chosen files go into the student's own
// files first ("Abgaben/<assignment>", upload.js: a bar per file, big
// ones resumable), then the hand-in names them with the files kept and
// taken from her files. The button stays disabled while it sends, so a
// second tap sends nothing twice. Without this script the form posts
// everything in one request.
import { uploader, message } from "/static/upload.js";

const form = document.getElementById("hand-in");
if (form) {
  const button = form.querySelector("button[type=submit]");
  const input = document.getElementById("file");
  const error = document.getElementById("hand-in-error");
  const { upload, folderID } = uploader(form.dataset.space, document.getElementById("hand-in-progress"));
  const label = button.textContent;

  const stop = (msg) => {
    if (msg) { error.textContent = msg; error.hidden = false; }
    button.disabled = false;
    button.textContent = label;
    delete form.dataset.sending;
  };

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (button.disabled) return;
    button.disabled = true;
    button.textContent = form.dataset.sending;
    form.dataset.sending = "on";
    error.hidden = true;
    const body = new FormData();
    body.append("text", form.elements.text.value);
    for (const k of form.querySelectorAll("input[name=keep]:checked")) body.append("keep", k.value);
    for (const n of form.querySelectorAll("input[name=node]:checked")) body.append("node", n.value);
    try {
      if (input.files.length > 0) {
        const folder = await folderID(form.dataset.folder, 0);
        for (const file of input.files) {
          const node = await upload(file, folder);
          if (!node) { stop(""); return; } // its row says why
          body.append("node", node.id);
        }
      }
      const res = await fetch(form.dataset.api, { method: "PUT", body });
      if (!res.ok) { stop(await message(res)); return; }
      window.location.href = form.dataset.done;
    } catch (err) {
      stop(err.message);
    }
  });
}

// Small progressive enhancements; every page works without them.

// Forms with data-confirm ask before they are sent (deleting a group).
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.dataset && form.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// A form that reports errors moves the focus to the summary, so that
// screen readers announce it and keyboard users start there.
const summary = document.getElementById("form-error");
if (summary) {
  summary.setAttribute("tabindex", "-1");
  summary.focus();
}

// The navigation folds into a menu button on small screens (style.css
// hides it there once this script runs; see early.js).
const menu = document.querySelector(".menu-button");
const nav = document.getElementById("site-nav");
if (menu && nav) {
  menu.hidden = false;
  menu.addEventListener("click", () => {
    const open = nav.classList.toggle("open");
    menu.setAttribute("aria-expanded", String(open));
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && nav.classList.contains("open")) {
      nav.classList.remove("open");
      menu.setAttribute("aria-expanded", "false");
      menu.focus();
    }
  });
}

// A part of a page marked data-poll shows work that goes on in the
// background (a batch of login letters): it is fetched again every two
// seconds and replaced, in place, until the new one no longer says
// data-poll. Its role="status" inside announces the change; without
// script its link loads the page again.
for (const part of document.querySelectorAll("[data-poll][id]")) {
  const poll = async () => {
    try {
      const res = await fetch(location.href, { cache: "no-store", credentials: "same-origin" });
      const next = new DOMParser().parseFromString(await res.text(), "text/html").getElementById(part.id);
      if (next) {
        const current = document.getElementById(part.id);
        current.replaceWith(next);
        if (!next.hasAttribute("data-poll")) return;
      }
    } catch (_) { /* offline for a moment: try again */ }
    setTimeout(poll, 2000);
  };
  setTimeout(poll, 2000);
}

// A menu that drops down (details data-dropdown: the administration in
// the navigation, the whiteboard's "more") closes when one taps beside it
// or presses Escape, as menus do.
const dropdowns = document.querySelectorAll("details[data-dropdown]");
if (dropdowns.length > 0) {
  document.addEventListener("click", (event) => {
    for (const d of dropdowns) if (d.open && !d.contains(event.target)) d.open = false;
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    for (const d of dropdowns) {
      if (d.open) { d.open = false; d.querySelector("summary").focus(); }
    }
  });
}

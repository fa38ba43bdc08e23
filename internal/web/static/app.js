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

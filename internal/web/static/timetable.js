// The week on a phone: one day at a time, chosen by its tab, today's
// first. Without this script (and on wider screens, where the week is a
// grid) the days stand one below the other.
const days = document.querySelector(".week-days");
if (days) {
  const tabs = [...days.querySelectorAll("[data-day]")];
  const show = (n) => {
    for (const s of days.querySelectorAll("section.day")) s.classList.toggle("shown", s.id === "day-" + n);
    for (const a of tabs) {
      if (a.dataset.day === String(n)) a.setAttribute("aria-current", "true"); else a.removeAttribute("aria-current");
    }
  };
  for (const a of tabs) a.addEventListener("click", (ev) => { ev.preventDefault(); show(a.dataset.day); });
  const today = days.querySelector("section.day[data-today]");
  show(today ? today.id.slice(4) : 0);
  days.classList.add("tabbed");
}

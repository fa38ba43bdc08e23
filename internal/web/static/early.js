// Runs before the page is drawn: marks that scripts run, so that the
// stylesheet may fold the navigation into its menu button on small
// screens without showing it unfolded first. Without scripts the whole
// navigation shows.
document.documentElement.classList.add("js");

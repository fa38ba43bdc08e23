package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/schulhof/schulhof"
)

// TestLoginLetters: the admin prints the letters of every student. The
// page says first how many passwords it resets and whose and asks to
// confirm; the batch runs in the background with its progress shown, and
// the PDF is offered at the end.
func TestLoginLetters(t *testing.T) {
	ctx := newBrowser(t)
	bg := context.Background()
	db, ts := startServer(t)
	sc := schoolWithAdmin(t, db, "briefe-pw")
	for i := range 80 {
		must(t, db.CreateUser(bg, &schulhof.User{SchoolID: sc.ID, Login: fmt.Sprintf("kind%02d", i), FirstName: "Kind",
			LastName: fmt.Sprint(i), Role: schulhof.RoleStudent}, ""))
	}
	logIn(t, ctx, ts.URL, "sekretariat@gym", "briefe-pw")
	step(t, ctx, "letters page", chromedp.Navigate(ts.URL+"/s/gym/letters"), chromedp.WaitVisible(chromedp.ID("only_new")),
		chromedp.Click(chromedp.ID("only_new")))
	submit(t, ctx, "check", "form.grid button[type=submit]")
	if got := text(t, ctx, "[data-testid=letters-check]"); !strings.Contains(got, "80 Konten bekommen ein neues Passwort") ||
		!strings.Contains(got, "80 × Schüler/in") || strings.Contains(got, "Schuladmin") {
		t.Fatalf("the check: %q", got)
	}
	screenshot(t, ctx, "letters-check.png")
	submit(t, ctx, "confirm", "[data-testid=letters-confirm]")
	waitJS(t, ctx, "the batch is done", `document.querySelector("[data-testid=letters-download]") !== null`)
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector("[data-testid=letters-download]").href).then((r) => r.text()).then((t) => t.slice(0, 5))`,
		chromedp.EvalAwaitPromise))
	if err != nil || got != "%PDF-" {
		t.Fatalf("the PDF: %q %v", got, err)
	}
	screenshot(t, ctx, "letters-done.png")
}

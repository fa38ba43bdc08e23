package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/password"
)

// TestOperations: the school's admin allows support and looks at the
// record of processing activities; the operator sees the school on the
// console, announces a maintenance window, and sees Schulhof as a
// student with the banner on every page, then is back.
func TestOperations(t *testing.T) {
	db, ts := startServer(t)
	const pw = "Betrieb-Passwort-7"
	bg := context.Background()
	lea := &schulhof.User{Login: "lea", FirstName: "Lea", LastName: "Schmidt", Role: schulhof.RoleStudent}
	schoolWithAdmin(t, db, pw, lea)
	op := &schulhof.User{Login: "betrieb", FirstName: "Betrieb", LastName: "Stadt", Role: schulhof.RoleOperator}
	must(t, db.CreateUser(bg, op, password.Hash(pw, password.Fast)))
	must(t, db.UpdateOperator(bg, &schulhof.Operator{Name: "Stadt Musterstadt", Contact: "datenschutz@musterstadt.example"}))

	// the school's admin allows support for a week
	ctx := newBrowser(t)
	logIn(t, ctx, ts.URL, "sekretariat@gym", pw)
	week := today().AddDate(0, 0, 7).Format("2006-01-02")
	step(t, ctx, "settings", chromedp.Navigate(ts.URL+"/s/gym/settings#support"), chromedp.WaitVisible(chromedp.ID("support_until")),
		chromedp.SetValue(chromedp.ID("support_until"), week))
	submit(t, ctx, "allow support", "form[action='/s/gym/settings/support'] button[type=submit]")
	waitJS(t, ctx, "support allowed", jsText("[data-testid=support-until]")+`.startsWith("Der Betreiber darf Support geben bis")`)
	step(t, ctx, "the record of processing activities", chromedp.Navigate(ts.URL+"/s/gym/processing"), chromedp.WaitVisible(chromedp.CSS("[data-testid=activity]")))
	screenshot(t, ctx, "processing.png")
	// the school year's rollover: 7b moves up in the plan, nothing changes yet
	class := &schulhof.Group{SchoolID: lea.SchoolID, Name: "7b", Kind: schulhof.GroupClass}
	must(t, db.CreateGroup(bg, class))
	step(t, ctx, "the rollover's plan", chromedp.Navigate(ts.URL+"/s/gym/rollover"), chromedp.WaitVisible(chromedp.CSS("[data-testid=rollover-promote]")))
	if got := text(t, ctx, "[data-testid=rollover-promote]"); got != "7b → 8b" {
		t.Fatalf("the plan: %q", got)
	}
	screenshot(t, ctx, "rollover.png")

	// the operator
	octx := newBrowser(t)
	logIn(t, octx, ts.URL, "betrieb", pw)
	step(t, octx, "the console", chromedp.Navigate(ts.URL+"/admin/console"), chromedp.WaitVisible(chromedp.CSS("[data-testid=console-schools]")))
	if got := text(t, octx, "[data-testid=console-schools]"); !strings.Contains(got, "Gymnasium") {
		t.Fatalf("console: %q", got)
	}
	step(t, octx, "announce", chromedp.SendKeys(chromedp.ID("text"), "Wartung am Samstag von 8 bis 10 Uhr"),
		chromedp.SetValue(chromedp.ID("until"), week))
	submit(t, octx, "announce", "form[action='/admin/announcements'] button[type=submit]")
	waitJS(t, octx, "the announcement", jsText("[data-testid=announcements]")+`.includes("Wartung am Samstag")`)
	screenshot(t, octx, "console.png")
	step(t, octx, "Lea's page", chromedp.Navigate(ts.URL+"/s/gym/users/"+strconv.FormatInt(int64(lea.ID), 10)), chromedp.WaitVisible(chromedp.CSS("[data-testid=start-support]")))
	submit(t, octx, "start support", "[data-testid=start-support]")
	waitJS(t, octx, "the banner", jsText("[data-testid=support-banner]")+`.includes("Support-Ansicht: betrieb sieht Schulhof als Lea Schmidt.")`)
	step(t, octx, "Lea's profile in support", chromedp.Navigate(ts.URL+"/profile"), chromedp.WaitVisible(chromedp.CSS("[data-testid=support-banner]")))
	screenshot(t, octx, "support-banner.png")
	submit(t, octx, "end support", "[data-testid=support-banner] button[type=submit]")
	waitJS(t, octx, "back at the console", `location.pathname === "/admin/console" && !document.querySelector("[data-testid=support-banner]")`)

	// the admin sees the announcement on the start page
	step(t, ctx, "start page", chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS("[data-testid=start-announcements]")))
	if got := text(t, ctx, "[data-testid=start-announcements]"); !strings.Contains(got, "Wartung am Samstag") {
		t.Fatalf("the admin's start page: %q", got)
	}
}

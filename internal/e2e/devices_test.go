package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/schulhof/schulhof"
)

// TestLendAndReturn: the school's office adds an iPad, lends it to a
// student (typed into the borrower field, as from the list), prints the
// loan agreement, and takes it back damaged: it goes to repair, and its
// history shows the loan. On an iPad and on a phone the page works.
func TestLendAndReturn(t *testing.T) {
	ctx := newBrowser(t)
	db, ts := startServer(t)
	ayse := &schulhof.User{Login: "ayse", FirstName: "Ayşe", LastName: "Öztürk", Role: schulhof.RoleStudent}
	mother := &schulhof.User{Login: "fatma", FirstName: "Fatma", LastName: "Öztürk", Role: schulhof.RoleParent}
	sc := schoolWithAdmin(t, db, "geraete-passwort", ayse, mother)
	must(t, db.LinkParent(context.Background(), sc.ID, mother.ID, ayse.ID))
	failOnScriptErrors(t, ctx, "the office's")
	step(t, ctx, "an iPad", viewport(820, 1180, true))
	logIn(t, ctx, ts.URL, "sekretariat@gym", "geraete-passwort")

	step(t, ctx, "the devices page", chromedp.Navigate(ts.URL+"/s/gym/devices"), chromedp.WaitVisible(chromedp.CSS("[data-testid=devices]")))
	step(t, ctx, "the form for a new device", chromedp.Click(chromedp.CSS("#new-h")), chromedp.WaitVisible(chromedp.CSS("[data-testid=device-model]")),
		chromedp.SendKeys(chromedp.CSS("[data-testid=device-model]"), "iPad 10. Generation"),
		chromedp.SendKeys(chromedp.CSS("[data-testid=device-serial]"), "F9FXK1L2"),
		chromedp.SendKeys(chromedp.CSS("[data-testid=device-location]"), "R 101"))
	submit(t, ctx, "add the iPad", "[data-testid=device-create]")
	waitText(t, ctx, "[data-testid=device-status]", "im Lager · R 101")

	step(t, ctx, "the borrower", chromedp.SendKeys(chromedp.CSS("[data-testid=borrower]"), "Ayşe Öztürk (ayse)"))
	screenshot(t, ctx, "device-lend.png")
	submit(t, ctx, "lend it", "[data-testid=lend]")
	waitTextPrefix(t, ctx, "[data-testid=device-loan]", "Ausgeliehen an Ayşe Öztürk, vom ")
	// the agreement is a PDF of this loan
	pdf, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector("[data-testid=agreement]").href)
  .then(r => r.ok ? r.headers.get("Content-Type") : "status " + r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || pdf != "application/pdf" {
		t.Fatalf("the agreement: %q %v", pdf, err)
	}
	screenshot(t, ctx, "device-lent.png")

	step(t, ctx, "a phone", viewport(390, 844, true))
	checkTapTargets(t, ctx, "the lent device on a phone")
	step(t, ctx, "damaged", chromedp.Click(chromedp.CSS("[data-testid=condition-damaged]")),
		chromedp.SendKeys(chromedp.ID("note"), "Display gesprungen"))
	submit(t, ctx, "take it back", "[data-testid=return]")
	waitText(t, ctx, "[data-testid=device-status]", "in Reparatur · R 101")
	waitJS(t, ctx, "the history", `document.querySelector("[data-testid=history]").textContent.includes("Display gesprungen")`)
	screenshot(t, ctx, "device-returned.png")

	// the MDM's export of two more iPads and the one lent before (known
	// by its serial): checked, then imported
	list := filepath.Join(t.TempDir(), "mdm.csv")
	must(t, os.WriteFile(list, []byte("Serial Number;Model;Room\r\nDMPX1;iPad 10. Generation;R 101\r\nDMPX2;iPad 10. Generation;R 102\r\nF9FXK1L2;iPad 10. Generation;R 103\r\n"), 0o600))
	step(t, ctx, "an iPad again", viewport(820, 1180, true))
	step(t, ctx, "the import", chromedp.Navigate(ts.URL+"/s/gym/devices/import"), chromedp.WaitVisible(chromedp.CSS("[data-testid=import-file]")),
		chromedp.SetUploadFiles(chromedp.CSS("[data-testid=import-file]"), []string{list}))
	submit(t, ctx, "check the list", "[data-testid=import-check]")
	waitText(t, ctx, "[data-testid=created]", "2")
	waitText(t, ctx, "[data-testid=updated]", "1")
	screenshot(t, ctx, "device-import.png")
	submit(t, ctx, "import it", "[data-testid=apply]")
	waitText(t, ctx, "h2#rep-h", "Import ausgeführt")
	step(t, ctx, "the devices in R 102", chromedp.Navigate(ts.URL+"/s/gym/devices?q=R+102"), chromedp.WaitVisible(chromedp.CSS("[data-testid=devices]")))
	waitJS(t, ctx, "the imported iPad", `document.querySelector("[data-testid=devices]").textContent.includes("DMPX2")`)
}

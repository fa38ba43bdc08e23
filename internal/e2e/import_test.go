package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"golang.org/x/text/encoding/charmap"

	"github.com/schulhof/schulhof"
)

// TestImportLostLetters: the school office's export could not write "ı"
// and "Ł" and put "?": the check lists those names, the admin corrects
// them and checks again, and only then applies; the accounts carry the
// right names.
func TestImportLostLetters(t *testing.T) {
	ctx := newBrowser(t)
	bg := context.Background()
	db, ts := startServer(t)
	sc := schoolWithAdmin(t, db, "import-pw")
	csv, _ := charmap.Windows1252.NewEncoder().String("Interne ID-Nummer;Nachname;Vorname;Klasse\r\n" +
		"10014;Y?lmaz;Leon;5a\r\n10015;Schröder;Renée;5a\r\n10016;Nowak;?ukasz;5b\r\n")
	file := filepath.Join(t.TempDir(), "schueler.csv")
	os.WriteFile(file, []byte(csv), 0o600)

	logIn(t, ctx, ts.URL, "sekretariat@gym", "import-pw")
	step(t, ctx, "import page", chromedp.Navigate(ts.URL+"/s/gym/import"), chromedp.WaitVisible(chromedp.ID("file")),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{file}))
	submit(t, ctx, "check", "form[enctype='multipart/form-data'] button[type=submit]")
	if got := text(t, ctx, "[data-testid=lost-letters] h2"); got != "2 Namen mit fehlenden Buchstaben" {
		t.Fatalf("the check: %q", got)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("[data-testid=apply]").length`)); n != 0 {
		t.Fatal("the import can be applied with names that lost letters")
	}
	screenshot(t, ctx, "import-lost-letters.png")
	step(t, ctx, "correct", chromedp.SetValue(chromedp.CSS(`[data-testid=lost-line] input[name$=".last_name"]`), "Yılmaz"),
		chromedp.SetValue(chromedp.CSS(`[data-testid=lost-line]:nth-child(2) input[name$=".first_name"]`), "Łukasz"))
	submit(t, ctx, "check again", "button[name=apply][value='0']")
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("[data-testid=lost-letters]").length`)); n != 0 {
		t.Fatalf("still lost letters: %s", text(t, ctx, "main"))
	}
	submit(t, ctx, "apply", "[data-testid=apply]")
	if got := text(t, ctx, "main"); !strings.Contains(got, "Import abgeschlossen") {
		t.Fatalf("not applied: %s", got)
	}
	us, _, err := db.FindUsers(bg, schulhof.UserFilter{SchoolID: sc.ID, Role: schulhof.RoleStudent, Limit: 10})
	must(t, err)
	var names []string
	for _, u := range us {
		names = append(names, u.Name()+" "+u.Login)
	}
	got := strings.Join(names, ", ")
	if !strings.Contains(got, "Leon Yılmaz") || !strings.Contains(got, "Łukasz Nowak") || strings.Contains(got, "?") {
		t.Fatalf("the students: %s", got)
	}
}

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/password"
)

// TestTimetableImport: the admin uploads the Untis export on the import
// page, checks and applies it; the student's week shows the cancelled
// lesson, and so does the info screen in the hall.
func TestTimetableImport(t *testing.T) {
	ctx := newBrowser(t)
	bg := context.Background()
	db, ts := startServer(t)
	sc := &schulhof.School{Slug: "gym", Name: "Gymnasium", State: "NW", Type: "gymnasium"}
	must(t, db.CreateSchool(bg, sc))
	hash := password.Hash("stundenplan-pw", password.Fast)
	admin := &schulhof.User{SchoolID: sc.ID, Login: "sekretariat", FirstName: "Sabine", LastName: "Sekretär", Role: schulhof.RoleSchoolAdmin}
	teacher := &schulhof.User{SchoolID: sc.ID, Login: "mueller", FirstName: "Maria", LastName: "Müller", Role: schulhof.RoleTeacher, ShortCode: "MUE"}
	student := &schulhof.User{SchoolID: sc.ID, Login: "jonas", FirstName: "Jonas", LastName: "Becker", Role: schulhof.RoleStudent}
	for _, u := range []*schulhof.User{admin, teacher, student} {
		must(t, db.CreateUser(bg, u, hash))
	}
	class := &schulhof.Group{SchoolID: sc.ID, Name: "5a", Kind: schulhof.GroupClass}
	must(t, db.CreateGroup(bg, class))
	must(t, db.SetMember(bg, sc.ID, class.ID, student.ID, schulhof.MemberRoleMember))

	// German in the first period every day; on the next school day it is
	// cancelled
	day := time.Now()
	for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
		day = day.AddDate(0, 0, 1)
	}
	var plan strings.Builder
	for d := 1; d <= 5; d++ {
		fmt.Fprintf(&plan, "1;\"5a\";\"MUE\";\"D\";\"R100\";%d;1;;\r\n", d)
	}
	subs := fmt.Sprintf("1;\"%s\";1;;1;\"MUE\";;\"D\";;;;\"R100\";;;\"5a\";;\"Krank\";1;\"5a\";C;%s1530;\"-\"\r\n",
		day.Format("20060102"), day.Format("20060102"))
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "GPU001.TXT"), []byte(plan.String()), 0o600)
	os.WriteFile(filepath.Join(dir, "GPU014.TXT"), []byte(subs), 0o600)

	login := func(ctx context.Context, who string) { t.Helper(); logIn(t, ctx, ts.URL, who+"@gym", "stundenplan-pw") }
	login(ctx, "sekretariat")
	step(t, ctx, "import page", chromedp.Navigate(ts.URL+"/s/gym/timetable/import"), chromedp.WaitVisible(chromedp.ID("files")),
		chromedp.SetUploadFiles(chromedp.ID("files"), []string{filepath.Join(dir, "GPU001.TXT"), filepath.Join(dir, "GPU014.TXT")}))
	submit(t, ctx, "check", "form[enctype='multipart/form-data'] button[type=submit]")
	if got := text(t, ctx, "[data-testid=count-timetable]"); got != "5" {
		t.Fatalf("the check counts %s timetable entries", got)
	}
	submit(t, ctx, "apply", "[data-testid=apply]")
	if got := text(t, ctx, "main"); !strings.Contains(got, "Import abgeschlossen") {
		t.Fatalf("not applied: %s", got)
	}
	step(t, ctx, "settings", chromedp.Navigate(ts.URL+"/s/gym/settings"), chromedp.WaitVisible(chromedp.CSS("[data-testid=info-url]")))
	infoURL := text(t, ctx, "[data-testid=info-url]")

	// The student sees the cancelled lesson in the week.
	sctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	login(sctx, "jonas")
	y, w := day.ISOWeek()
	step(t, sctx, "week", chromedp.Navigate(fmt.Sprintf("%s/timetable?week=%d-W%02d", ts.URL, y, w)),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=timetable]")))
	if got := text(t, sctx, ".lesson.status-cancelled"); !strings.Contains(got, "D") || !strings.Contains(got, "entfällt") {
		t.Fatalf("cancelled lesson: %q", got)
	}
	screenshot(t, sctx, "timetable-student.png")

	// The info screen in the hall, without login, shows it too.
	ictx, cancel2 := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel2()
	step(t, ictx, "info screen", chromedp.Navigate(infoURL), chromedp.WaitVisible(chromedp.CSS("[data-testid=info-row]")))
	if got := text(t, ictx, "[data-testid=info-row]"); !strings.Contains(got, "5a") || !strings.Contains(got, "entfällt") {
		t.Fatalf("info screen row: %q", got)
	}
	screenshot(t, ictx, "info-screen.png")
}

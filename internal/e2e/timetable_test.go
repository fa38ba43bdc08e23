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
)

// TestTimetableImport: the admin uploads the Untis export on the import
// page, checks and applies it; the student's week shows the cancelled
// lesson, and so does the info screen in the hall.
func TestTimetableImport(t *testing.T) {
	ctx := newBrowser(t)
	bg := context.Background()
	db, ts := startServer(t)
	student := &schulhof.User{Login: "jonas", FirstName: "Jonas", LastName: "Becker", Role: schulhof.RoleStudent}
	sc := schoolWithAdmin(t, db, "stundenplan-pw",
		&schulhof.User{Login: "mueller", FirstName: "Maria", LastName: "Müller", Role: schulhof.RoleTeacher, ShortCode: "MUE"}, student)
	class := &schulhof.Group{SchoolID: sc.ID, Name: "5a", Kind: schulhof.GroupClass}
	must(t, db.CreateGroup(bg, class))
	must(t, db.SetMember(bg, sc.ID, class.ID, student.ID, schulhof.MemberRoleMember))

	// German in the first period every day; on the next school day it is
	// cancelled
	day := nextSchoolDay()
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

	// The substitution plan opens on his class; he picks the day.
	step(t, sctx, "substitution plan", chromedp.Navigate(ts.URL+"/s/gym/substitutions"), chromedp.WaitVisible(chromedp.ID("date")))
	if got, _ := chromedp.Run(sctx, chromedp.Evaluate[string](`document.getElementById("class").value`)); got != "5a" {
		t.Fatalf("the plan starts on class %q", got)
	}
	step(t, sctx, "pick the day", chromedp.SetValue(chromedp.ID("date"), day.Format("2006-01-02")))
	submit(t, sctx, "show the day", "form.inline button[type=submit]")
	if got := text(t, sctx, "[data-testid=substitutions]"); !strings.Contains(got, "entfällt") || !strings.Contains(got, "Krank") {
		t.Fatalf("the day's plan: %q", got)
	}
	screenshot(t, sctx, "substitutions-student.png")

	// The info screen in the hall, without login, shows it too.
	ictx, cancel2 := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel2()
	step(t, ictx, "info screen", chromedp.Navigate(infoURL), chromedp.WaitVisible(chromedp.CSS("[data-testid=info-row]")))
	if got := text(t, ictx, "[data-testid=info-row]"); !strings.Contains(got, "5a") || !strings.Contains(got, "entfällt") {
		t.Fatalf("info screen row: %q", got)
	}
	screenshot(t, ictx, "info-screen.png")
}

// TestTeachersJoinTheirClasses: the dry run of the Untis import says that
// the teachers of 5a join it and which of its exams break the rules;
// after applying, Maria Müller finds 5a where
// she sets work, and her week names 5a in her lessons and holds neither
// Karl Klein's lessons in 5a nor his room change.
func TestTeachersJoinTheirClasses(t *testing.T) {
	ctx := newBrowser(t)
	bg := context.Background()
	db, ts := startServer(t)
	student := &schulhof.User{Login: "jonas", FirstName: "Jonas", LastName: "Becker", Role: schulhof.RoleStudent}
	sc := schoolWithAdmin(t, db, "stundenplan-pw",
		&schulhof.User{Login: "mueller", FirstName: "Maria", LastName: "Müller", Role: schulhof.RoleTeacher, ShortCode: "MUE"},
		&schulhof.User{Login: "klein", FirstName: "Karl", LastName: "Klein", Role: schulhof.RoleTeacher, ShortCode: "KLE"}, student)
	class := &schulhof.Group{SchoolID: sc.ID, Name: "5a", Kind: schulhof.GroupClass}
	must(t, db.CreateGroup(bg, class))
	must(t, db.SetMember(bg, sc.ID, class.ID, student.ID, schulhof.MemberRoleMember))

	day := nextSchoolDay()
	var plan strings.Builder
	for d := 1; d <= 5; d++ {
		fmt.Fprintf(&plan, "1;\"5a\";\"MUE\";\"D\";\"R100\";%d;1;;\r\n2;\"5a\";\"KLE\";\"CH\";\"R101\";%d;2;;\r\n", d, d)
	}
	// Karl Klein's chemistry moves to the hall on the day
	subs := fmt.Sprintf("1;\"%s\";2;;2;\"KLE\";;\"CH\";;;;\"R101\";\"AULA\";;\"5a\";;;0;\"5a\";R;%s0730;\"-\"\r\n",
		day.Format("20060102"), day.Format("20060102"))
	// and two Klassenarbeiten of 5a on one day next week, which NRW forbids
	next := day.AddDate(0, 0, 7).Format("20060102")
	exams := fmt.Sprintf("\"5a-D\";1;\"Klassenarbeit\";%s;1;1;\"D\";\"1\";;;\"R100\"\r\n\"5a-CH\";2;\"Klassenarbeit\";%s;2;2;\"CH\";\"2\";;;\"R101\"\r\n", next, next)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "GPU001.TXT"), []byte(plan.String()), 0o600)
	os.WriteFile(filepath.Join(dir, "GPU014.TXT"), []byte(subs), 0o600)
	os.WriteFile(filepath.Join(dir, "GPU017.TXT"), []byte(exams), 0o600)

	logIn(t, ctx, ts.URL, "sekretariat@gym", "stundenplan-pw")
	step(t, ctx, "import page", chromedp.Navigate(ts.URL+"/s/gym/timetable/import"), chromedp.WaitVisible(chromedp.ID("files")),
		chromedp.SetUploadFiles(chromedp.ID("files"), []string{filepath.Join(dir, "GPU001.TXT"), filepath.Join(dir, "GPU014.TXT"), filepath.Join(dir, "GPU017.TXT")}))
	submit(t, ctx, "check", "form[enctype='multipart/form-data'] button[type=submit]")
	if got := text(t, ctx, "[data-testid=exam-problems]"); !strings.Contains(got, "bereits eine Klassenarbeit") {
		t.Fatalf("the check does not say what the exams break: %q", got)
	}
	got := text(t, ctx, "[data-testid=teacher-changes]")
	for _, want := range []string{"Maria Müller (MUE) kommt in 5a", "Karl Klein (KLE) kommt in 5a"} {
		if !strings.Contains(got, want) {
			t.Fatalf("the dry run does not say %q: %q", want, got)
		}
	}
	screenshot(t, ctx, "timetable-import-teachers.png")
	submit(t, ctx, "apply", "[data-testid=apply]")
	if got := text(t, ctx, "main"); !strings.Contains(got, "Import abgeschlossen") {
		t.Fatalf("not applied: %s", got)
	}

	// the class's page says which teachers the timetable put there
	step(t, ctx, "the class's page", chromedp.Navigate(fmt.Sprintf("%s/s/gym/groups/%d", ts.URL, class.ID)),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=from-timetable]")))
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("[data-testid=from-timetable]").length`)); n != 2 {
		t.Fatalf("%d members marked as from the timetable, want the two teachers", n)
	}

	tctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	logIn(t, tctx, ts.URL, "mueller@gym", "stundenplan-pw")
	step(t, tctx, "assignments", chromedp.Navigate(ts.URL+"/s/gym/assignments"), chromedp.WaitVisible(chromedp.CSS("input[name=group]")))
	if got := text(t, tctx, "label[for^=group-]"); got != "5a" {
		t.Fatalf("5a is not offered for new work: %q", got)
	}
	y, w := day.ISOWeek()
	step(t, tctx, "week", chromedp.Navigate(fmt.Sprintf("%s/timetable?week=%d-W%02d", ts.URL, y, w)),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=timetable]")))
	lessons, err := chromedp.Run(tctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("[data-testid=lesson]")].map(e => e.innerText)`))
	must(t, err)
	if len(lessons) != 5 {
		t.Fatalf("her week has %d lessons, want her 5: %q", len(lessons), lessons)
	}
	for _, l := range lessons {
		if !strings.Contains(l, "D") || !strings.Contains(l, "5a") || strings.Contains(l, "AULA") || strings.Contains(l, "CH") {
			t.Fatalf("a lesson of her week: %q", l)
		}
	}
	screenshot(t, tctx, "timetable-teacher.png")
}

// nextSchoolDay is today, or Monday on a weekend.
func nextSchoolDay() time.Time {
	day := today()
	for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
		day = day.AddDate(0, 0, 1)
	}
	return day
}

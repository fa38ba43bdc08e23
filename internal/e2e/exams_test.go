package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/holidays"
	"github.com/schulhof/schulhof/internal/password"
)

// TestExamPlanning: a teacher plans a Klassenarbeit on a day the class
// already writes one, reads why not, takes a suggested date instead; the
// student finds it on the start page.
func TestExamPlanning(t *testing.T) {
	ctx := newBrowser(t)
	bg := context.Background()
	db, ts := startServer(t)
	sc := &schulhof.School{Slug: "gym", Name: "Gymnasium", State: "NW", Type: "gymnasium"}
	must(t, db.CreateSchool(bg, sc))
	hash := password.Hash("klausur-pw", password.Fast)
	teacher := &schulhof.User{SchoolID: sc.ID, Login: "mueller", FirstName: "Maria", LastName: "Müller", Role: schulhof.RoleTeacher, ShortCode: "MUE"}
	jonas := &schulhof.User{SchoolID: sc.ID, Login: "jonas", FirstName: "Jonas", LastName: "Becker", Role: schulhof.RoleStudent}
	lea := &schulhof.User{SchoolID: sc.ID, Login: "lea", FirstName: "Lea", LastName: "Yılmaz", Role: schulhof.RoleStudent}
	for _, u := range []*schulhof.User{teacher, jonas, lea} {
		must(t, db.CreateUser(bg, u, hash))
	}
	class := &schulhof.Group{SchoolID: sc.ID, Name: "7b", Kind: schulhof.GroupClass}
	must(t, db.CreateGroup(bg, class))
	must(t, db.SetMember(bg, sc.ID, class.ID, teacher.ID, schulhof.MemberRoleLeader))
	must(t, db.SetMember(bg, sc.ID, class.ID, jonas.ID, schulhof.MemberRoleMember))
	must(t, db.SetMember(bg, sc.ID, class.ID, lea.ID, schulhof.MemberRoleMember))

	// a school day a week or so ahead that is no public holiday, with
	// maths already on it
	day := today().AddDate(0, 0, 7)
	for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday || publicHoliday(day) {
		day = day.AddDate(0, 0, 1)
	}
	date := day.Format("2006-01-02")
	must(t, db.CreateExam(bg, &schulhof.PlannedExam{SchoolID: sc.ID, Date: schulhof.Day(date), From: 1, To: 2, Kind: "klassenarbeit",
		Title: "Mathe 7b", Groups: []schulhof.GroupID{class.ID}, Students: []schulhof.UserID{jonas.ID, lea.ID}, CreatedBy: teacher.ID}))

	login := func(ctx context.Context, who string) { t.Helper(); logIn(t, ctx, ts.URL, who+"@gym", "klausur-pw") }
	login(ctx, "mueller")
	step(t, ctx, "exam plan", chromedp.Navigate(ts.URL+"/s/gym/exams"), chromedp.WaitVisible(chromedp.CSS("[data-testid=plan-exam]")))
	submit(t, ctx, "new exam", "[data-testid=plan-exam]")
	step(t, ctx, "fill in", chromedp.WaitVisible(chromedp.ID("title")),
		chromedp.Click(chromedp.CSS("input[name=groups]")),
		chromedp.SendKeys(chromedp.ID("title"), "Englisch 7b"),
		chromedp.SetValue(chromedp.ID("date"), date),
		chromedp.SetValue(chromedp.ID("from_period"), "3"), chromedp.SetValue(chromedp.ID("to_period"), "4"))
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("[data-testid=save-exam]")))
	if err != nil || resp.Status != 422 {
		t.Fatalf("saving on a day with an exam: %v %+v", err, resp)
	}
	why := text(t, ctx, "[data-testid=violations]")
	for _, want := range []string{"schreiben 2 Schüler der 7b bereits eine Klassenarbeit", "Becker (Mathe 7b)", "Yılmaz (Mathe 7b)", "Diese Termine passen"} {
		if !strings.Contains(why, want) {
			t.Fatalf("the explanation lacks %q:\n%s", want, why)
		}
	}
	screenshot(t, ctx, "exam-conflict.png")
	suggested := text(t, ctx, "[data-testid=suggestion]")
	submit(t, ctx, "take the first suggestion", "[data-testid=suggestion]")
	if got, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("title"))); err != nil || got != "Englisch 7b" {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("the suggestion's form at %s: %q %v", loc, got, err)
	}
	submit(t, ctx, "save the suggested date", "[data-testid=save-exam]")
	if got := text(t, ctx, "[data-testid=exam-calendar]"); !strings.Contains(got, "Englisch 7b") {
		t.Fatalf("the week after saving (%s): %s", suggested, got)
	}

	// the student sees it on the start page
	sctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	login(sctx, "jonas")
	step(t, sctx, "start page", chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS("[data-testid=start-exams]")))
	got := text(t, sctx, "[data-testid=start-exams]")
	if !strings.Contains(got, "Englisch 7b") || !strings.Contains(got, "Mathe 7b") {
		t.Fatalf("the student's next exams: %s", got)
	}
	screenshot(t, sctx, "exams-student.png")
}

func publicHoliday(d time.Time) bool {
	for _, h := range holidays.Public("NW", d.Year()) {
		if h.Date.Format("2006-01-02") == d.Format("2006-01-02") {
			return true
		}
	}
	return false
}

package web_test

import (
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/password"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

// TestWeekFromImport: an admin imports a plan and the day's changes; the
// student sees them in the week, teachers' codes only where the school
// allows it; the page strikes through what is cancelled.
func TestWeekFromImport(t *testing.T) {
	f := newFixture(t, nil)
	must(t, f.db.DeleteExam(ctx, f.school["a"].ID, f.ids["a-exam"])) // a week without the fixture's exam
	code := "MEI"
	if _, err := f.db.UpdateUser(ctx, f.school["a"].ID, f.user["a-teacher"].ID, schulhof.UserUpdate{ShortCode: &code}); err != nil {
		t.Fatal(err)
	}
	// Monday 30 Nov 2026 (the fixture's today): German in period 1, maths in 2
	plan := "1;\"5a\";\"MEI\";\"D\";\"R100\";1;1;;\r\n2;\"5a\";\"MEI\";\"M\";\"R100\";1;2;;\r\n3;\"5b\";\"MEI\";\"E\";\"R101\";1;3;;\r\n"
	subs := "1;\"20261130\";1;;1;\"MEI\";;\"D\";;;;\"R100\";;;\"5a\";;;1;\"5a\";C;202611291530;\"-\"\r\n" +
		"2;\"20261130\";2;;2;\"MEI\";;\"M\";;;;\"R100\";\"AULA\";;\"5a\";;;65536;\"5a\";R;202611291530;\"-\"\r\n"
	rec := f.do("a-admin", "POST", "/api/v1/schools/schule-a/timetable/imports?dry_run=false",
		multipartBody("files:GPU001.TXT", plan, "files:GPU014.TXT", subs))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"applied":true`) {
		t.Fatalf("import: %d %s", rec.Code, rec.Body)
	}
	var week struct {
		Lessons []struct {
			Date, Subject, Room, Teacher, Status, Start string
			PlannedRoom                                 string `json:"planned_room"`
			Period                                      int
		}
	}
	decode(t, f.do("a-student", "GET", "/api/v1/me/timetable", ""), &week)
	if len(week.Lessons) != 2 {
		t.Fatalf("5a's week: %+v", week.Lessons)
	}
	d, m := week.Lessons[0], week.Lessons[1]
	if d.Subject != "D" || d.Status != "cancelled" || d.Start != "07:55" || d.Teacher != "" {
		t.Errorf("German: %+v", d)
	}
	if m.Status != "room_changed" || m.Room != "AULA" {
		t.Errorf("maths: %+v", m)
	}
	// an exam of German on Tuesday in the first period
	if rec := f.do("a-admin", "POST", "/api/v1/schools/schule-a/timetable/imports?dry_run=false",
		multipartBody("files:GPU017.TXT", "\"5a-D\";1;\"Klassenarbeit\";20261201;1;1;\"D\";\"1\";;;\"R100\"\r\n")); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"applied":true`) {
		t.Fatalf("exam import: %d %s", rec.Code, rec.Body)
	}
	decode(t, f.do("a-student", "GET", "/api/v1/me/timetable", ""), &week)
	if len(week.Lessons) != 3 || week.Lessons[2].Status != "exam" || week.Lessons[2].Date != "2026-12-01" || week.Lessons[2].Subject != "D" {
		t.Fatalf("week with the exam: %+v", week.Lessons)
	}
	if rec := f.do("a-student2", "GET", "/api/v1/me/timetable", ""); strings.Contains(rec.Body.String(), `"exam"`) {
		t.Error("5b's student sees 5a's exam")
	}
	// a class's, a teacher's, a room's week
	var byCode struct {
		Lessons []struct{ Subject, Status, Room string }
	}
	decode(t, f.do("a-teacher", "GET", "/api/v1/schools/schule-a/timetable?class=5b", ""), &byCode)
	if len(byCode.Lessons) != 1 || byCode.Lessons[0].Subject != "E" {
		t.Errorf("5b's week: %+v", byCode.Lessons)
	}
	decode(t, f.do("a-admin", "GET", "/api/v1/schools/schule-a/timetable?room=AULA", ""), &byCode)
	if len(byCode.Lessons) != 1 || byCode.Lessons[0].Status != "extra" {
		t.Errorf("the hall gets maths as an extra lesson: %+v", byCode.Lessons)
	}
	decode(t, f.do("a-admin", "GET", "/api/v1/schools/schule-a/timetable?teacher=mei", ""), &byCode)
	if len(byCode.Lessons) != 4 {
		t.Errorf("MEI's week: %+v", byCode.Lessons)
	}
	// the teacher sees all three, with codes
	decode(t, f.do("a-teacher", "GET", "/api/v1/me/timetable?week=2026-W49", ""), &week)
	if len(week.Lessons) != 4 || week.Lessons[2].Teacher != "MEI" {
		t.Fatalf("teacher's week: %+v", week.Lessons)
	}
	// the school shows codes to students
	if rec := f.do("a-admin", "PATCH", "/api/v1/schools/schule-a", `{"show_teacher_codes":true}`); rec.Code != 200 {
		t.Fatal(rec.Code, rec.Body)
	}
	decode(t, f.do("a-parent", "GET", "/api/v1/me/timetable", ""), &week)
	if len(week.Lessons) != 3 || week.Lessons[0].Teacher != "MEI" {
		t.Fatalf("parent's view of the child's week: %+v", week.Lessons)
	}
	start := f.page("a-student", "GET", "/", "").Body.String()
	if !strings.Contains(start, `data-testid="start-changes"`) || !strings.Contains(start, "entfällt") || !strings.Contains(start, "AULA") {
		t.Errorf("the start page does not show today's changes")
	}
	page := f.page("a-student", "GET", "/timetable", "").Body.String()
	if !strings.Contains(page, `class="lesson status-cancelled"`) || !strings.Contains(page, "AULA") || !strings.Contains(page, "entfällt") {
		t.Fatalf("page:\n%s", page)
	}
	// no lessons on a school holiday
	if rec := f.do("a-admin", "PUT", "/api/v1/schools/schule-a/holidays", `{"school":[{"name":"Pädagogischer Tag","from":"2026-11-30","to":"2026-11-30"}]}`); rec.Code != 200 {
		t.Fatalf("holidays: %d %s", rec.Code, rec.Body)
	}
	var withHoliday struct {
		Lessons  []struct{ Date string }
		Holidays []struct{ Date, Name string }
	}
	decode(t, f.do("a-student", "GET", "/api/v1/me/timetable", ""), &withHoliday)
	if len(withHoliday.Holidays) != 1 || withHoliday.Holidays[0].Name != "Pädagogischer Tag" {
		t.Errorf("holidays: %+v", withHoliday.Holidays)
	}
	for _, l := range withHoliday.Lessons {
		if l.Date == "2026-11-30" {
			t.Errorf("a lesson on the school holiday: %+v", withHoliday.Lessons)
		}
	}
	// the next week is the plan without changes
	decode(t, f.do("a-student", "GET", "/api/v1/me/timetable?week=2026-W50", ""), &week)
	if len(week.Lessons) != 2 || week.Lessons[0].Status != "regular" {
		t.Errorf("next week: %+v", week.Lessons)
	}
	_ = sqltest.Clock
}

// TestCalendarFeed: the feed has the week's lessons with the changes,
// answers 304 to its own ETag, is valid for python3-icalendar, and a new
// address ends the old one.
func TestCalendarFeed(t *testing.T) {
	f := newFixture(t, nil)
	plan := "1;\"5a\";\"MEI\";\"D\";\"R100\";1;1;;\r\n2;\"5a\";\"MEI\";\"M, Geo\";\"R100\";2;2;;\r\n"
	subs := "1;\"20261130\";1;;1;\"MEI\";;\"D\";;;;\"R100\";;;\"5a\";;\"Lies Kapitel 3; dann Aufgabe 2\";1;\"5a\";C;202611291530;\"-\"\r\n"
	if rec := f.do("a-admin", "POST", "/api/v1/schools/schule-a/timetable/imports?dry_run=false", multipartBody("files:GPU001.TXT", plan, "files:GPU014.TXT", subs)); rec.Code != 200 {
		t.Fatal(rec.Code, rec.Body)
	}
	url := f.expand("/ical/{a-ical}.ics")
	rec := f.page("", "GET", url, "")
	body := rec.Body.String()
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/calendar; charset=utf-8" {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
	// four weeks: German on Mondays (cancelled on the first), maths on
	// Tuesdays, the Klassenarbeit on Wednesday 2 December, and Christmas
	// (NW) as all-day events
	if strings.Count(body, "BEGIN:VEVENT") != 11 || strings.Count(body, "DTSTART;TZID") != 9 ||
		!strings.Contains(body, f.expand("UID:schule-a-exam-{a-exam}@schulhof")) || !strings.Contains(body, "SUMMARY:Klassenarbeit: Mathe 5a a") ||
		!strings.Contains(body, "SUMMARY:1. Weihnachtstag") || !strings.Contains(body, "DTSTART;VALUE=DATE:20261225") || strings.Count(body, "STATUS:CANCELLED") != 1 ||
		!strings.Contains(body, "UID:schule-a-2026-11-30-1-1@schulhof") || !strings.Contains(body, `M\, Geo`) ||
		!strings.Contains(body, `Lies Kapitel 3\; dann Aufgabe 2`) || !strings.Contains(body, "DTSTART;TZID=Europe/Berlin:20261130T075500") {
		t.Fatalf("feed:\n%s", body)
	}
	req := httptest.NewRequest("GET", url, nil)
	req.Header.Set("If-None-Match", rec.Header().Get("ETag"))
	again := httptest.NewRecorder()
	f.srv.ServeHTTP(again, req)
	if again.Code != 304 || again.Body.Len() != 0 {
		t.Fatalf("If-None-Match: %d", again.Code)
	}
	if err := exec.Command("/usr/bin/python3", "-c", "import icalendar").Run(); err == nil {
		cmd := exec.Command("/usr/bin/python3", "-c", `import sys, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
print(len([c for c in cal.walk() if c.name == "VEVENT"]))`)
		cmd.Stdin = strings.NewReader(body)
		out, err := cmd.CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "11" {
			t.Fatalf("python3-icalendar: %v %s", err, out)
		}
	}
	if rec := f.page("a-student", "POST", "/profile/calendar-feed", ""); rec.Code != 303 {
		t.Fatal(rec.Code)
	}
	if rec := f.page("", "GET", url, ""); rec.Code != 404 {
		t.Fatalf("the old address after renewing: %d", rec.Code)
	}
}

// TestTimetableParentWithoutChildren: a parent whose children are not
// linked yet sees an empty week, not an error.
func TestTimetableParentWithoutChildren(t *testing.T) {
	f := newFixture(t, nil)
	u := &schulhof.User{SchoolID: f.school["a"].ID, Login: "mutter2", FirstName: "Eva", LastName: "Neu", Role: schulhof.RoleParent}
	must(t, f.db.CreateUser(ctx, u, password.Hash(testPassword, password.Fast)))
	var login struct{ Token string }
	decode(t, f.do("", "POST", "/api/v1/auth/login", `{"school":"schule-a","login":"mutter2","password":"`+testPassword+`"}`), &login)
	f.token["a-parent2"] = login.Token
	if rec := f.page("a-parent2", "GET", "/timetable", ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), "keinen Stundenplan") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

// TestWeekABWeeks: with the school's A/B weeks set, the student's week
// holds the lessons of the A group in A weeks and those of B in B weeks,
// and says which week it is; the page shows it too.
func TestWeekABWeeks(t *testing.T) {
	f := newFixture(t, nil)
	must(t, f.db.DeleteExam(ctx, f.school["a"].ID, f.ids["a-exam"])) // weeks without the fixture's exam
	plan := "1;\"5a\";\"MEI\";\"PH\";\"R100\";1;1;;\r\n2;\"5a\";\"MEI\";\"CH\";\"R100\";1;1;;\r\n3;\"5a\";\"MEI\";\"M\";\"R100\";1;2;;\r\n"
	lessons := "1,1,1,1,\"5a\",\"MEI\",\"PH\",\"R100\",,,,\"UW\",,,\"20260801\",\"20270731\",\r\n" +
		"2,1,1,1,\"5a\",\"MEI\",\"CH\",\"R100\",,,,\"GW\",,,\"20260801\",\"20270731\",\r\n" +
		"3,1,1,1,\"5a\",\"MEI\",\"M\",\"R100\",,,,,,,\"20260801\",\"20270731\",\r\n"
	rec := f.do("a-admin", "POST", "/api/v1/schools/schule-a/timetable/imports?dry_run=false",
		multipartBody("files:GPU001.TXT", plan, "files:GPU002.TXT", lessons))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"week_groups":["GW","UW"]`) {
		t.Fatalf("import: %d %s", rec.Code, rec.Body)
	}
	type week struct {
		WeekType string `json:"week_type"`
		Lessons  []struct{ Subject string }
	}
	subjects := func(w week) string {
		var s []string
		for _, l := range w.Lessons {
			s = append(s, l.Subject)
		}
		return w.WeekType + ":" + strings.Join(s, ",")
	}
	var w week
	decode(t, f.do("a-student", "GET", "/api/v1/me/timetable?week=2026-W49", ""), &w)
	if got := subjects(w); got != ":PH,CH,M" {
		t.Fatalf("without A/B weeks: %s", got)
	}
	// the settings page lists the groups it found
	if rec := f.page("a-admin", "GET", "/s/schule-a/settings", ""); !strings.Contains(rec.Body.String(), "GW, UW") {
		t.Error("the settings page does not list the lesson groups")
	}
	// 30 Nov 2026 (W49) is an A week; the autumn holidays (W42) do not count
	if rec := f.do("a-admin", "PUT", "/api/v1/schools/schule-a/holidays", `{"school":[{"name":"Herbstferien","from":"2026-10-12","to":"2026-10-16"}]}`); rec.Code != 200 {
		t.Fatalf("holidays: %d %s", rec.Code, rec.Body)
	}
	if rec := f.page("a-admin", "POST", "/s/schule-a/settings/week-model", "weeks=2&week_start=02.12.2026&week_skip=1&week_groups_1=UW&week_groups_2=GW"); rec.Code != 303 || !strings.Contains(rec.Header().Get("Location"), "flash=saved") {
		t.Fatalf("week model: %d %s", rec.Code, rec.Body)
	}
	for _, c := range []struct{ week, want string }{
		{"2026-W49", "A:PH,M"}, {"2026-W50", "B:CH,M"}, {"2026-W48", "B:CH,M"},
		{"2026-W43", "A:PH,M"}, {"2026-W41", "B:CH,M"}, // W42 between them is the holidays
		{"2026-W42", ":"}, // the holiday week: no lessons, no type
	} {
		w = week{}
		decode(t, f.do("a-student", "GET", "/api/v1/me/timetable?week="+c.week, ""), &w)
		if got := subjects(w); got != c.want {
			t.Errorf("%s: %s, want %s", c.week, got, c.want)
		}
	}
	if rec := f.page("a-student", "GET", "/timetable?week=2026-W50", ""); !strings.Contains(rec.Body.String(), "B-Woche") {
		t.Error("the week page does not say it is a B week")
	}
}

// TestNewSchoolHasStateHolidays: a school made by the operator starts
// with its state's school holidays of this school year on.
func TestNewSchoolHasStateHolidays(t *testing.T) {
	f := newFixture(t, nil)
	if rec := f.do("operator", "POST", "/api/v1/schools", `{"slug":"gs-sued","name":"Grundschule Süd","state":"BY"}`); rec.Code != 201 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	sc, err := f.db.FindSchoolBySlug(ctx, "gs-sued")
	if err != nil {
		t.Fatal(err)
	}
	hs, err := f.db.FindSchoolHolidays(ctx, sc.ID)
	if err != nil || len(hs) == 0 {
		t.Fatalf("%v %v", hs, err)
	}
	// the fixture's today is 30 Nov 2026: from 1 August 2026 on, which in
	// Bavaria starts in the summer holidays
	if hs[0] != (schulhof.SchoolHoliday{Name: "Sommerferien", From: "2026-08-03", To: "2026-09-14"}) {
		t.Errorf("first: %+v", hs[0])
	}
	found := false
	for _, h := range hs {
		found = found || h == schulhof.SchoolHoliday{Name: "Winterferien", From: "2027-02-08", To: "2027-02-12"}
	}
	if !found {
		t.Errorf("no winter holidays 2027 in %+v", hs)
	}
}

// TestSubstitutionPlanPage: a student starts on her own class and can
// choose all; "Nächster Tag" skips the weekend and holidays; the classes
// go as people sort them; a change's text that only says its kind again
// is not said twice.
func TestSubstitutionPlanPage(t *testing.T) {
	f := newFixture(t, nil)
	sc := f.school["a"]
	must(t, f.db.CreateGroup(ctx, &schulhof.Group{SchoolID: sc.ID, Name: "10a", Kind: schulhof.GroupClass}))
	subs := "1;\"20261130\";1;;1;\"MEI\";\"KLE\";\"D\";;;;\"R100\";;;\"5a\";;\"Vertretung\";0;\"5a\";T;202611291530;\"-\"\r\n" +
		"2;\"20261130\";2;;2;\"MEI\";\"KLE\";\"M\";;;;\"R100\";;;\"5a\";;\"Aufgaben im Lernraum\";0;\"5a\";T;202611291530;\"-\"\r\n" +
		"3;\"20261130\";3;;3;\"MEI\";;\"E\";;;;\"R101\";;;\"5b\";;;1;\"5b\";C;202611291530;\"-\"\r\n"
	if rec := f.do("a-admin", "POST", "/api/v1/schools/schule-a/timetable/imports?dry_run=false", multipartBody("files:GPU014.TXT", subs)); rec.Code != 200 {
		t.Fatal(rec.Code, rec.Body)
	}
	body := f.page("a-student", "GET", "/s/schule-a/substitutions?date=2026-11-30", "").Body.String()
	for _, want := range []string{"<option selected>5a</option>", "<td>Vertretung</td>", "<td>Vertretung · Aufgaben im Lernraum</td>"} {
		if !strings.Contains(body, want) {
			t.Errorf("her plan lacks %q", want)
		}
	}
	if strings.Contains(body, "Vertretung · Vertretung") || strings.Contains(body, "entfällt") {
		t.Error("her plan says a kind twice, or shows another class")
	}
	if i, j := strings.Index(body, "<option >5b</option>"), strings.Index(body, "<option >10a</option>"); i < 0 || j < i {
		t.Errorf("classes not in order: 5b at %d, 10a at %d", i, j)
	}
	all := f.page("a-student", "GET", "/s/schule-a/substitutions?date=2026-11-30&class=", "").Body.String()
	if !strings.Contains(all, "entfällt") || !strings.Contains(all, `?date=2026-12-01&amp;class=" rel="next"`) {
		t.Errorf("all classes, chosen: %s", all)
	}
	// Thursday 24 December: Friday is Christmas, the next school day Monday
	xmas := f.page("a-student", "GET", "/s/schule-a/substitutions?date=2026-12-24", "").Body.String()
	if !strings.Contains(xmas, `href="?date=2026-12-28" rel="next"`) || !strings.Contains(xmas, `href="?date=2026-12-23" rel="prev"`) {
		t.Errorf("the days around Christmas: %s", xmas)
	}
	if friday := f.page("a-student", "GET", "/s/schule-a/substitutions?date=2026-12-07", "").Body.String(); !strings.Contains(friday, `href="?date=2026-12-04" rel="prev"`) {
		t.Error("Monday's day before is not Friday")
	}
}

package web_test

import (
	"strings"
	"testing"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
	"github.com/schulhof/schulhof/internal/web"
)

// TestExamOverride: a soft rule ("in der Regel") stops a teacher; a
// coordinator overrides it with a reason, which the audit log keeps.
func TestExamOverride(t *testing.T) {
	f := newFixture(t, nil)
	// 5a is an upper-school class for this test: NRW allows 3 a week "as a rule"
	q1 := f.group["a-5a"]
	if rec := f.do("a-admin", "PATCH", f.expand("/api/v1/schools/schule-a/groups/{a-5a}"), `{"name":"Q1"}`); rec.Code != 200 {
		t.Fatalf("rename: %d %s", rec.Code, rec.Body)
	}
	plan := func(actor, date, reason string) *strings.Builder {
		var b strings.Builder
		rec := f.do(actor, "POST", "/api/v1/schools/schule-a/exams", `{"groups":[`+itoa(int64(q1.ID))+`],"date":"`+date+`","from_period":3,"to_period":4,"type":"klausur","title":"Klausur `+date+`","override_reason":"`+reason+`"}`)
		b.WriteString(itoa(int64(rec.Code)) + " " + rec.Body.String())
		return &b
	}
	// Wednesday 2 Dec has the fixture's; Thursday and Friday make three
	for _, d := range []string{"2026-12-03", "2026-12-04"} {
		if got := plan("a-teacher", d, "").String(); !strings.HasPrefix(got, "201") {
			t.Fatalf("%s: %s", d, got)
		}
	}
	// a fourth on Tuesday: soft, the teacher cannot, even with a reason
	got := plan("a-teacher", "2026-12-01", "").String()
	if !strings.HasPrefix(got, "422") || !strings.Contains(got, `"hard":false`) || !strings.Contains(got, "in der Regel höchstens 3 je Woche") {
		t.Fatalf("soft: %s", got)
	}
	if got := plan("a-teacher", "2026-12-01", "Abiturvorbereitung").String(); !strings.HasPrefix(got, "422") || !strings.Contains(got, "Nur die Klausurkoordination") {
		t.Fatalf("teacher's override: %s", got)
	}
	// the admin makes the teacher a coordinator, who may then override
	if rec := f.do("a-admin", "PUT", "/api/v1/schools/schule-a/exam-settings", `{"announce_days":28,"coordinators":[`+f.id("a-teacher")+`]}`); rec.Code != 200 {
		t.Fatalf("settings: %d %s", rec.Code, rec.Body)
	}
	if got := plan("a-teacher", "2026-12-01", "Abiturvorbereitung").String(); !strings.HasPrefix(got, "201") || !strings.Contains(got, `"override_reason":"Abiturvorbereitung"`) {
		t.Fatalf("coordinator's override: %s", got)
	}
	// as coordinator the teacher plans for a class they do not lead
	if rec := f.do("a-teacher", "POST", "/api/v1/schools/schule-a/exams", `{"groups":[`+f.id("a-5b")+`],"date":"2026-12-07","from_period":1,"to_period":2,"type":"klassenarbeit","title":"Bio 5b"}`); rec.Code != 201 {
		t.Fatalf("a coordinator's exam for 5b: %d %s", rec.Code, rec.Body)
	}
	entries, err := f.db.FindAuditEntries(ctx, schulhof.AuditFilter{SchoolID: f.school["a"].ID, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range entries {
		found = found || (e.Action == "exam.create" && strings.Contains(e.Details, "override: Abiturvorbereitung"))
	}
	if !found {
		t.Error("the override is not in the audit log")
	}
	// a hard rule cannot be overridden: a second on Thursday
	if got := plan("a-teacher", "2026-12-03", "trotzdem").String(); !strings.HasPrefix(got, "422") || !strings.Contains(got, `"hard":true`) {
		t.Fatalf("hard: %s", got)
	}
}

// TestExamsFromUntis: the exams of the Untis export are in the plan, for
// the students of the groups whose lessons they name, and new exams are
// checked against them.
func TestExamsFromUntis(t *testing.T) {
	f := newFixture(t, nil)
	plan := "1;\"5a\";\"MEI\";\"D\";\"R100\";1;1;;\r\n"
	exam := "\"5a-D\";7;\"Klassenarbeit\";20261208;1;2;\"D\";\"1\";;;\"R100\"\r\n"
	rec := f.do("a-admin", "POST", "/api/v1/schools/schule-a/timetable/imports?dry_run=false", multipartBody("files:GPU001.TXT", plan, "files:GPU017.TXT", exam))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"applied":true`) {
		t.Fatalf("import: %d %s", rec.Code, rec.Body)
	}
	rec = f.do("a-student", "GET", "/api/v1/schools/schule-a/exams", "")
	if !strings.Contains(rec.Body.String(), `"id":-7`) || !strings.Contains(rec.Body.String(), `"source":"untis"`) {
		t.Fatalf("the student's exams: %s", rec.Body)
	}
	rec = f.do("a-teacher", "POST", "/api/v1/schools/schule-a/exams", `{"groups":[`+f.id("a-5a")+`],"date":"2026-12-08","from_period":5,"to_period":6,"type":"klassenarbeit","title":"Englisch"}`)
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "5a-D D") {
		t.Fatalf("against the Untis exam: %d %s", rec.Code, rec.Body)
	}
}

// TestUntisExamProblemsInTheCheck: the check of an Untis import says
// which of its exams break the school's rules before anything is applied.
func TestUntisExamProblemsInTheCheck(t *testing.T) {
	f := newFixture(t, nil)
	plan := "1;\"5a\";\"MEI\";\"D\";\"R100\";1;1;;\r\n2;\"5a\";\"MEI\";\"M\";\"R100\";2;2;;\r\n"
	// two Klassenarbeiten of 5a on one day: NRW allows one
	exams := "\"5a-D\";7;\"Klassenarbeit\";20261208;1;2;\"D\";\"1\";;;\"R100\"\r\n" +
		"\"5a-M\";8;\"Klassenarbeit\";20261208;3;4;\"M\";\"2\";;;\"R100\"\r\n"
	var rep struct {
		Applied      bool
		ExamProblems []string `json:"exam_problems"`
	}
	decode(t, f.do("a-admin", "POST", "/api/v1/schools/schule-a/timetable/imports?dry_run=true",
		multipartBody("files:GPU001.TXT", plan, "files:GPU017.TXT", exams)), &rep)
	if rep.Applied || len(rep.ExamProblems) == 0 || !strings.Contains(strings.Join(rep.ExamProblems, " "), "5a-M M") {
		t.Fatalf("the check: %+v", rep)
	}
	if rec := f.do("a-student", "GET", "/api/v1/schools/schule-a/exams", ""); strings.Contains(rec.Body.String(), `"id":-7`) {
		t.Fatalf("the check stored the exams: %s", rec.Body)
	}
	// one on each day: nothing to say
	rep.ExamProblems = nil
	decode(t, f.do("a-admin", "POST", "/api/v1/schools/schule-a/timetable/imports?dry_run=true",
		multipartBody("files:GPU001.TXT", plan, "files:GPU017.TXT", strings.Replace(exams, "20261208;3;4", "20261209;3;4", 1))), &rep)
	if len(rep.ExamProblems) != 0 {
		t.Fatalf("a plan without problems: %+v", rep)
	}
}

// TestWeekShowsPlannedExams: the student's week has the planned exam in
// its periods; another class's student's has not.
func TestWeekShowsPlannedExams(t *testing.T) {
	f := newFixture(t, nil)
	plan := "1;\"5a\";\"MEI\";\"M\";\"R100\";3;1;;\r\n2;\"5a\";\"MEI\";\"M\";\"R100\";3;2;;\r\n"
	if rec := f.do("a-admin", "POST", "/api/v1/schools/schule-a/timetable/imports?dry_run=false", multipartBody("files:GPU001.TXT", plan)); rec.Code != 200 {
		t.Fatal(rec.Code, rec.Body)
	}
	var week struct {
		Lessons []struct {
			Date, Subject, Status, Note, Room string
			Period                            int
		}
	}
	decode(t, f.do("a-student", "GET", "/api/v1/me/timetable?week=2026-W49", ""), &week)
	exams := 0
	for _, l := range week.Lessons {
		if l.Status == "exam" {
			exams++
			if l.Date != "2026-12-02" || l.Note != "Mathe 5a a" || l.Room != "R100" {
				t.Errorf("exam lesson %+v", l)
			}
		}
	}
	if exams != 2 {
		t.Fatalf("the exam's two periods: %+v", week.Lessons)
	}
	decode(t, f.do("a-student2", "GET", "/api/v1/me/timetable?week=2026-W49", ""), &week)
	for _, l := range week.Lessons {
		if l.Status == "exam" {
			t.Errorf("5b's student sees 5a's exam: %+v", l)
		}
	}
	// the teacher who planned it sees it too
	decode(t, f.do("a-teacher", "GET", "/api/v1/me/timetable?week=2026-W49", ""), &week)
	found := false
	for _, l := range week.Lessons {
		found = found || l.Status == "exam"
	}
	if !found {
		t.Errorf("the teacher's week: %+v", week.Lessons)
	}
}

// TestExamChecksInParallel: many teachers check at once against one
// shared plan (run with -race).
func TestExamChecksInParallel(t *testing.T) {
	f := newFixture(t, nil)
	done := make(chan string)
	for i := 0; i < 8; i++ {
		go func(i int) {
			group := []string{"a-5a", "a-5b"}[i%2]
			rec := f.do("a-admin", "POST", "/api/v1/schools/schule-a/exams", `{"groups":[`+f.id(group)+`],"date":"2026-12-02","from_period":3,"to_period":4,"type":"klassenarbeit","title":"x"}`)
			done <- group + ":" + itoa(int64(rec.Code))
		}(i)
	}
	got := map[string]int{}
	for i := 0; i < 8; i++ {
		got[<-done]++
	}
	// 5a writes that day already; 5b's first one fits, the others clash with it
	if got["a-5a:422"] != 4 || got["a-5b:201"] != 1 || got["a-5b:422"] != 3 {
		t.Errorf("%v", got)
	}
}

// TestExamRulesAcrossNodes: two nodes on one database, each with its own
// store and kept plans. What one saves, the other checks against at once
// (a plan it kept from before is stale); many saving the last free slot
// at the same moment on both: exactly one gets it.
func TestExamRulesAcrossNodes(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		a, b := f.srv, newServer(t, sqltest.Another(t, db), f.blobs, nil)
		on := func(srv *web.Server, body string) int {
			f.srv = srv
			return f.do("a-admin", "POST", "/api/v1/schools/schule-a/exams", body).Code
		}
		exam := func(day string) string {
			return `{"groups":[` + f.id("a-5b") + `],"date":"` + day + `","from_period":3,"to_period":4,"type":"klassenarbeit","title":"x"}`
		}
		// B keeps the plan as it was
		f.srv = b
		if rec := f.do("a-admin", "GET", "/api/v1/schools/schule-a/exams?from=2026-11-30&to=2026-12-31", ""); rec.Code != 200 {
			t.Fatalf("list on B: %d %s", rec.Code, rec.Body)
		}
		if code := on(a, exam("2026-12-02")); code != 201 {
			t.Fatalf("the first on A: %d", code)
		}
		if code := on(b, exam("2026-12-02")); code != 422 {
			t.Fatalf("the same slot on B right after: %d, want it refused", code)
		}
		done := make(chan int)
		for i := 0; i < 8; i++ {
			go func(srv *web.Server) {
				f := *f
				f.srv = srv
				done <- f.do("a-admin", "POST", "/api/v1/schools/schule-a/exams", exam("2026-12-09")).Code
			}([]*web.Server{a, b}[i%2])
		}
		got := map[int]int{}
		for i := 0; i < 8; i++ {
			got[<-done]++
		}
		if got[201] != 1 || got[422] != 7 {
			t.Errorf("eight at once on two nodes: %v, want one saved", got)
		}
	})
}

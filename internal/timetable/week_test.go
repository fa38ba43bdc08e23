package timetable_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
	"github.com/schulhof/schulhof/internal/timetable"
)

var update = flag.Bool("update", false, "write the golden files anew")

func TestParseISOWeek(t *testing.T) {
	for in, want := range map[string]string{"2026-W49": "2026-11-30", "2027-W05": "2027-02-01", "2026-W53": "2026-12-28", "2027-W01": "2027-01-04"} {
		m, err := timetable.ParseISOWeek(in)
		if err != nil || m.Format("2006-01-02") != want {
			t.Errorf("%s: %v %v, want %s", in, m, err, want)
		}
		if timetable.ISOWeek(m) != in {
			t.Errorf("back: %s", timetable.ISOWeek(m))
		}
	}
	for _, bad := range []string{"", "2026", "2026-W54", "2027-W53", "W49-2026", "1999-W10"} {
		if _, err := timetable.ParseISOWeek(bad); !schulhof.Match(err, schulhof.EBadRequest) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// viewerOf is a student's or teacher's viewer, as the web layer makes it.
func viewerOf(t *testing.T, db *sqlstore.DB, sc *schulhof.School, u *schulhof.User) timetable.Viewer {
	t.Helper()
	v := timetable.Viewer{Groups: map[schulhof.GroupID]bool{}, ClassCodes: map[string]bool{}, GroupNames: map[schulhof.GroupID]string{}}
	all, err := db.FindGroups(ctx, schulhof.GroupFilter{SchoolID: sc.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range all {
		v.GroupNames[g.ID] = g.Name
	}
	mine, err := db.FindGroups(ctx, schulhof.GroupFilter{SchoolID: sc.ID, UserID: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range mine {
		v.Groups[g.ID] = true
		if g.Kind == schulhof.GroupClass {
			v.ClassCodes[strings.ToLower(g.Name)] = true
		}
	}
	if u.Role >= schulhof.RoleTeacher {
		v.TeacherID, v.TeacherCode, v.ShowTeachers = u.ID, u.ShortCode, true
	}
	return v
}

// TestWeekOfMusterstadt merges the generated school's substitutions of
// 2027-W05 into a 5a student's, an Oberstufe student's and a teacher's
// week and compares them with golden files (go test -update writes them).
func TestWeekOfMusterstadt(t *testing.T) {
	db := sqltest.MustOpenSQLite(t)
	db, sc := school(t, db)
	if _, err := timetable.Import(ctx, db, sc.ID, allFiles(t), timetable.Options{Now: sqltest.Clock}); err != nil {
		t.Fatal(err)
	}
	times, err := db.FindLessonTimes(ctx, sc.ID)
	if err != nil {
		t.Fatal(err)
	}
	monday, _ := timetable.ParseISOWeek("2027-W05")
	subs, err := db.FindSubstitutions(ctx, sc.ID, schulhof.DayOf(monday), schulhof.DayOf(monday.AddDate(0, 0, 6)))
	if err != nil {
		t.Fatal(err)
	}
	planFor := func(d schulhof.Day) (*schulhof.TimetablePlan, error) { return db.FindPlan(ctx, sc.ID, d) }
	exams, err := db.FindExams(ctx, sc.ID, schulhof.DayOf(monday), schulhof.DayOf(monday.AddDate(0, 0, 6)))
	if err != nil {
		t.Fatal(err)
	}
	find := func(login string) *schulhof.User {
		u, err := db.FindUserByLogin(ctx, sc.ID, login)
		if err != nil {
			t.Fatalf("%s: %v", login, err)
		}
		return u
	}
	student5a := find("renee.schroeder")
	var teacher, oberstufe *schulhof.User
	users, _, _ := db.FindUsers(ctx, schulhof.UserFilter{SchoolID: sc.ID, Limit: 1000})
	for _, u := range users {
		if u.Class == "Q1" && oberstufe == nil {
			oberstufe = u
		}
		if u.ShortCode == "BEC" {
			teacher = u
		}
	}
	if oberstufe == nil || teacher == nil {
		t.Fatal("no Q1 student or no teacher BEC")
	}
	for name, u := range map[string]*schulhof.User{"student-5a": student5a, "student-q1": oberstufe, "teacher-bec": teacher} {
		v := viewerOf(t, db, sc, u)
		week, err := timetable.Week(planFor, subs, exams, times, nil, v, monday, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(week) == 0 {
			t.Fatalf("%s: an empty week", name)
		}
		counts := map[string]int{}
		for _, l := range week {
			counts[l.Status]++
			if l.Start == "" || l.End == "" || l.Subject == "" {
				t.Errorf("%s: lesson without time or subject: %+v", name, l)
			}
		}
		t.Logf("%s: %d lessons %v", name, len(week), counts)
		got, _ := json.MarshalIndent(week, "", " ")
		golden := filepath.Join("testdata", "week-"+name+".json")
		if *update {
			os.MkdirAll("testdata", 0o755)
			os.WriteFile(golden, append(got, '\n'), 0o644)
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (go test -update writes it)", err)
		}
		if strings.TrimSpace(string(want)) != strings.TrimSpace(string(got)) {
			t.Errorf("%s differs from %s:\n%s", name, golden, got)
		}
	}
	// the 5a student sees every change of 5a's lessons that week
	v := viewerOf(t, db, sc, student5a)
	week, _ := timetable.Week(planFor, subs, exams, times, nil, v, monday, 5)
	for _, s := range subs {
		if len(s.Classes) != 1 || s.Classes[0] != "5a" {
			continue
		}
		found := false
		for _, l := range week {
			if l.Date == s.Day && l.Period == s.Period && l.Status != timetable.Regular {
				found = true
			}
		}
		if !found {
			t.Errorf("5a's substitution %+v is not in the student's week", s)
		}
	}
	// students do not see teachers' codes unless the school allows it
	for _, l := range week {
		if l.Teacher != "" {
			t.Fatalf("a student sees a teacher's code: %+v", l)
		}
	}
	_ = time.Monday
}

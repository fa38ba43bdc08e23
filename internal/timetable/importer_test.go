package timetable_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/csvimport"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
	"github.com/schulhof/schulhof/internal/timetable"
)

var ctx = context.Background()

func musterstadt(t *testing.T, name string) []byte {
	t.Helper()
	// the generated school (gen-school --seed 1), carried in the project's testdata/
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "school-musterstadt", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// school makes the generated school's users from its administration
// software's files, as an admin does before the first timetable import.
func importSchool(t *testing.T, db *sqlstore.DB) *schulhof.School {
	t.Helper()
	sc := &schulhof.School{Slug: "gym-muster", Name: "Gymnasium Musterstadt", State: "NW", Type: "gymnasium"}
	if err := db.CreateSchool(ctx, sc); err != nil {
		t.Fatal(err)
	}
	for file, role := range map[string]schulhof.Role{"users-students.csv": schulhof.RoleStudent, "users-teachers.csv": schulhof.RoleTeacher} {
		f, err := csvimport.Parse(musterstadt(t, file))
		if err != nil {
			t.Fatal(err)
		}
		rows, errs := f.Rows(f.GuessMapping(), role)
		if len(errs) > 0 {
			t.Fatalf("%s: %+v", file, errs[0])
		}
		if _, err := db.ImportUsers(ctx, sc.ID, rows, nil, schulhof.ImportOptions{KeepMissing: true}); err != nil {
			t.Fatal(err)
		}
	}
	return sc
}

// frozenSchool is the school imported once into SQLite, copied for each
// test that asks: under the race detector the import of its 1,300 users
// was most of these tests' time.
var frozenSchool struct {
	once   sync.Once
	store  *sqltest.Frozen
	school schulhof.School
}

// school gives a store with the generated school's users: for SQLite a
// copy of the one made once (db is left unused), for PostgreSQL imported
// into db.
func school(t *testing.T, db *sqlstore.DB) (*sqlstore.DB, *schulhof.School) {
	t.Helper()
	if db.Dialect() == sqlstore.Postgres {
		return db, importSchool(t, db)
	}
	frozenSchool.once.Do(func() {
		fresh := sqltest.Fresh(t, false)
		frozenSchool.school = *importSchool(t, fresh)
		frozenSchool.store = sqltest.Freeze(t, fresh)
	})
	if frozenSchool.store == nil {
		t.Fatal("the school could not be made (see the first test that asked)")
	}
	sc := frozenSchool.school
	return frozenSchool.store.Open(t), &sc
}

func allFiles(t *testing.T) map[string][]byte {
	files := map[string][]byte{}
	for _, n := range []string{"GPU001.TXT", "GPU002.TXT", "GPU003.TXT", "GPU004.TXT", "GPU005.TXT", "GPU006.TXT",
		"GPU010.TXT", "GPU014.TXT", "GPU015.TXT", "GPU017.TXT"} {
		files[n] = musterstadt(t, n)
	}
	return files
}

func TestImportMusterstadt(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		db, sc := school(t, db)
		files := allFiles(t)

		dry, err := timetable.Import(ctx, db, sc.ID, files, timetable.Options{DryRun: true, Now: sqltest.Clock})
		if err != nil {
			t.Fatal(err)
		}
		if len(dry.Errors) > 0 || dry.Applied {
			t.Fatalf("dry run: %+v", dry)
		}
		if dry.Counts["timetable"] != 1286 || dry.Counts["course_choices"] != 3410 || dry.Counts["substitutions"] != 60 {
			t.Errorf("counts %v", dry.Counts)
		}
		if len(dry.UnmatchedClasses) > 0 || len(dry.UnmatchedTeachers) > 0 || len(dry.UnmatchedStudents) > 0 {
			t.Errorf("unmatched: classes %v teachers %v students %v", dry.UnmatchedClasses, dry.UnmatchedTeachers, dry.UnmatchedStudents)
		}
		if p, _ := db.FindPlan(ctx, sc.ID, "2027-02-01"); p != nil {
			t.Fatal("the dry run stored a plan")
		}

		rep, err := timetable.Import(ctx, db, sc.ID, files, timetable.Options{Now: sqltest.Clock})
		if err != nil || !rep.Applied {
			t.Fatalf("import: %+v %v", rep, err)
		}
		if rep.ValidFrom != "2026-08-10" || rep.ValidTo != "2027-07-02" {
			t.Errorf("plan valid %s to %s", rep.ValidFrom, rep.ValidTo)
		}
		plan, err := db.FindPlan(ctx, sc.ID, "2027-02-01")
		if err != nil || plan == nil || len(plan.Entries) != 1286 {
			t.Fatalf("plan: %v %v", plan, err)
		}
		for _, e := range plan.Entries {
			if e.GroupID <= 0 || e.TeacherID == 0 {
				t.Fatalf("entry not matched: %+v", e)
			}
		}
		// course groups with their students and teacher
		courses, err := db.FindGroups(ctx, schulhof.GroupFilter{SchoolID: sc.ID, Kind: schulhof.GroupCourse, MemberCounts: true})
		if err != nil || len(courses) != rep.Courses || rep.Courses == 0 {
			t.Fatalf("%d course groups, report says %d (%v)", len(courses), rep.Courses, err)
		}
		members := 0
		for _, c := range courses {
			if !strings.Contains(c.UntisCode, "/") || !strings.Contains(c.Name, "(") {
				t.Errorf("course %+v", c)
			}
			ms, err := db.FindMembers(ctx, sc.ID, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			leaders := 0
			for _, m := range ms {
				if m.Role == schulhof.MemberRoleLeader {
					leaders++
				} else {
					members++
				}
			}
			if leaders != 1 {
				t.Errorf("course %s has %d leaders", c.Name, leaders)
			}
		}
		if members != 3410 {
			t.Errorf("%d course memberships, want one per course choice (3410)", members)
		}
		subs, err := db.FindSubstitutions(ctx, sc.ID, "2027-02-01", "2027-02-05")
		if err != nil || len(subs) != 60 {
			t.Fatalf("%d substitutions (%v)", len(subs), err)
		}

		// the same import again changes nothing
		again, err := timetable.Import(ctx, db, sc.ID, files, timetable.Options{Now: sqltest.Clock})
		if err != nil || !again.Applied {
			t.Fatal(err)
		}
		if courses2, _ := db.FindGroups(ctx, schulhof.GroupFilter{SchoolID: sc.ID, Kind: schulhof.GroupCourse}); len(courses2) != len(courses) {
			t.Errorf("re-import made %d course groups, had %d", len(courses2), len(courses))
		}

		// a new export of Monday's substitutions replaces Monday's only
		var monday []string
		for _, l := range strings.Split(string(files["GPU014.TXT"]), "\r\n") {
			if strings.Contains(l, `"20270201"`) {
				monday = append(monday, l)
			}
		}
		if _, err := timetable.Import(ctx, db, sc.ID, map[string][]byte{"GPU014.TXT": []byte(strings.Join(monday[:3], "\r\n"))}, timetable.Options{Now: sqltest.Clock}); err != nil {
			t.Fatal(err)
		}
		mon, _ := db.FindSubstitutions(ctx, sc.ID, "2027-02-01", "2027-02-01")
		rest, _ := db.FindSubstitutions(ctx, sc.ID, "2027-02-02", "2027-02-05")
		if len(mon) != 3 || len(rest) != 60-len(monday) {
			t.Errorf("after re-export: %d on Monday (want 3), %d later (want %d)", len(mon), len(rest), 60-len(monday))
		}
	})
}

// A file with a bad line changes nothing, and the report says where.
func TestImportRefusesBadFile(t *testing.T) {
	db := sqltest.MustOpenSQLite(t)
	db, sc := school(t, db)
	files := allFiles(t)
	// the file ends with a line break: line 1287 is empty, 1288 the bad one
	files["GPU001.TXT"] = append(append([]byte{}, files["GPU001.TXT"]...), []byte("\r\n9999;\"5a\";\"SCH\";\"D\";\"R100\";8;1;;\r\n")...)
	files["notes.txt"] = []byte("x")
	rep, err := timetable.Import(ctx, db, sc.ID, files, timetable.Options{Now: sqltest.Clock})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Applied || len(rep.Errors) != 2 {
		t.Fatalf("report %+v", rep)
	}
	var day, unknown bool
	for _, e := range rep.Errors {
		day = day || (e.File == "GPU001.TXT" && e.Line == 1288 && e.Key == "untis.line.day")
		unknown = unknown || (e.File == "notes.txt" && e.Key == "timetable.unknown_file")
	}
	if !day || !unknown {
		t.Errorf("errors %+v", rep.Errors)
	}
	if p, _ := db.FindPlan(ctx, sc.ID, "2027-02-01"); p != nil {
		t.Error("a refused import stored a plan")
	}
	if _, err := timetable.Import(ctx, db, sc.ID, map[string][]byte{"liste.csv": []byte("x")}, timetable.Options{DryRun: true}); !schulhof.Match(err, schulhof.EInvalid) {
		t.Errorf("no GPU file at all: %v", err)
	}
}

// Codes that match nothing are listed, not dropped.
func TestImportListsUnmatched(t *testing.T) {
	db := sqltest.MustOpenSQLite(t)
	db, sc := school(t, db)
	files := map[string][]byte{
		"GPU001.TXT": []byte("1;\"5a\";\"SCH\";\"D\";\"R100\";1;1;;\r\n2;\"7z\";\"XYZ\";\"M\";\"R100\";1;2;;\r\n"),
	}
	rep, err := timetable.Import(ctx, db, sc.ID, files, timetable.Options{Now: sqltest.Clock})
	if err != nil || !rep.Applied {
		t.Fatalf("%+v %v", rep, err)
	}
	if strings.Join(rep.UnmatchedClasses, ",") != "7z" || strings.Join(rep.UnmatchedTeachers, ",") != "XYZ" {
		t.Errorf("unmatched %v %v", rep.UnmatchedClasses, rep.UnmatchedTeachers)
	}
	plan, _ := db.FindPlan(ctx, sc.ID, schulhof.DayOf(sqltest.Clock))
	if plan == nil || len(plan.Entries) != 2 || plan.Entries[1].GroupID != 0 || plan.Entries[0].GroupID == 0 {
		t.Fatalf("plan %+v", plan)
	}
}

// TestImportWeekGroups: the lesson group of GPU002 goes to the plan's
// entries and into the report, for the A/B weeks.
func TestImportWeekGroups(t *testing.T) {
	db := sqltest.MustOpenSQLite(t)
	db, sc := school(t, db)
	files := map[string][]byte{
		"GPU001.TXT": []byte("1;\"5a\";\"SCH\";\"PH\";\"R100\";1;1;;\r\n2;\"5a\";\"SCH\";\"CH\";\"R100\";1;1;;\r\n3;\"5a\";\"SCH\";\"M\";\"R100\";1;2;;\r\n"),
		"GPU002.TXT": []byte("1,1,1,1,\"5a\",\"SCH\",\"PH\",\"R100\",,,,\"A\",,,\"20260801\",\"20270731\",\r\n" +
			"2,1,1,1,\"5a\",\"SCH\",\"CH\",\"R100\",,,,\"B\",,,\"20260801\",\"20270731\",\r\n" +
			"3,1,1,1,\"5a\",\"SCH\",\"M\",\"R100\",,,,,,,\"20260801\",\"20270731\",\r\n"),
	}
	rep, err := timetable.Import(ctx, db, sc.ID, files, timetable.Options{Now: sqltest.Clock})
	if err != nil || !rep.Applied || len(rep.Errors) > 0 {
		t.Fatalf("%+v %v", rep, err)
	}
	if strings.Join(rep.WeekGroups, ",") != "A,B" {
		t.Errorf("week groups %v", rep.WeekGroups)
	}
	plan, err := db.FindPlan(ctx, sc.ID, "2026-09-07")
	if err != nil || plan == nil {
		t.Fatalf("%v %v", plan, err)
	}
	got := map[string]string{}
	for _, e := range plan.Entries {
		got[e.Subject] = e.WeekGroup
	}
	if got["PH"] != "A" || got["CH"] != "B" || got["M"] != "" {
		t.Errorf("entries' groups %v", got)
	}
}

// TestImportTeachersJoinTheirClasses: whoever teaches a class by the plan,
// and its class teacher (GPU003), leads it after the import; the dry run
// says so first; the next plan without her takes her out again, but never
// a teacher an admin put there by hand.
func TestImportTeachersJoinTheirClasses(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		db, sc := school(t, db)
		class5a := findGroup(t, db, sc.ID, "5a")
		byHand := findTeacher(t, db, sc.ID, "GRO") // 5a's teacher by the admin's hand
		if err := db.SetMember(ctx, sc.ID, class5a.ID, byHand.ID, schulhof.MemberRoleMember); err != nil {
			t.Fatal(err)
		}
		// 30 fields; the class teacher is the 30th
		gpu003 := `"5a";"Klasse 5a";;"R100"` + strings.Repeat(";", 26) + `"NEU";;;` + "\r\n"
		first := map[string][]byte{
			"GPU001.TXT": []byte("1;\"5a\";\"SCH\";\"D\";\"R100\";1;1;;\r\n2;\"5a\";\"BEC\";\"MU\";\"R100\";1;2;;\r\n3;\"5a\";\"GRO\";\"PL\";\"R100\";2;2;;\r\n"),
			"GPU003.TXT": []byte(gpu003),
		}
		dry, err := timetable.Import(ctx, db, sc.ID, first, timetable.Options{DryRun: true, Now: sqltest.Clock})
		if err != nil || len(dry.Errors) > 0 {
			t.Fatalf("%+v %v", dry, err)
		}
		if got := changes(dry); got != "5a+BEC 5a+NEU 5a+SCH" {
			t.Errorf("the dry run says %q", got)
		}
		if got := leaders(t, db, sc.ID, class5a.ID); got != "" {
			t.Fatalf("the dry run made leaders: %s", got)
		}
		if rep, err := timetable.Import(ctx, db, sc.ID, first, timetable.Options{Now: sqltest.Clock}); err != nil || !rep.Applied {
			t.Fatalf("%+v %v", rep, err)
		}
		if got := leaders(t, db, sc.ID, class5a.ID); got != "BEC NEU SCH" {
			t.Errorf("5a is led by %q", got)
		}
		ms, err := db.FindMembers(ctx, sc.ID, class5a.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.FromTimetable != (m.User.ShortCode != "GRO" && m.Role == schulhof.MemberRoleLeader) {
				t.Errorf("%s from the timetable: %v", m.User.ShortCode, m.FromTimetable)
			}
		}
		if role, _ := db.FindMemberRole(ctx, sc.ID, class5a.ID, byHand.ID); role != schulhof.MemberRoleMember {
			t.Errorf("the import changed the hand-made membership to %q", role)
		}

		// substitutions alone change no membership
		if rep, err := timetable.Import(ctx, db, sc.ID, map[string][]byte{"GPU014.TXT": musterstadt(t, "GPU014.TXT")},
			timetable.Options{Now: sqltest.Clock}); err != nil || len(rep.TeacherChanges) > 0 {
			t.Fatalf("%+v %v", rep, err)
		}

		// the next plan: BEC no longer teaches 5a, nor GRO (who stays: by hand)
		next := map[string][]byte{"GPU001.TXT": []byte("1;\"5a\";\"SCH\";\"D\";\"R100\";1;1;;\r\n")}
		rep, err := timetable.Import(ctx, db, sc.ID, next, timetable.Options{Now: sqltest.Clock})
		if err != nil || !rep.Applied {
			t.Fatalf("%+v %v", rep, err)
		}
		if got := changes(rep); got != "5a-BEC 5a-NEU" {
			t.Errorf("the next import says %q", got)
		}
		if got := leaders(t, db, sc.ID, class5a.ID); got != "SCH" {
			t.Errorf("after the next import 5a is led by %q", got)
		}
		if ok, _ := db.IsMember(ctx, sc.ID, class5a.ID, byHand.ID); !ok {
			t.Error("the import took out a teacher the admin had put in")
		}
	})
}

func changes(rep *timetable.Report) string {
	var out []string
	for _, c := range rep.TeacherChanges {
		sign := "-"
		if c.Joins {
			sign = "+"
		}
		out = append(out, c.Group+sign+c.Teacher)
	}
	return strings.Join(out, " ")
}

func leaders(t *testing.T, db *sqlstore.DB, school schulhof.SchoolID, group schulhof.GroupID) string {
	t.Helper()
	ms, err := db.FindMembers(ctx, school, group)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		if m.Role == schulhof.MemberRoleLeader {
			out = append(out, m.User.ShortCode)
		}
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

func findGroup(t *testing.T, db *sqlstore.DB, school schulhof.SchoolID, name string) *schulhof.Group {
	t.Helper()
	gs, err := db.FindGroups(ctx, schulhof.GroupFilter{SchoolID: school, Kind: schulhof.GroupClass})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gs {
		if g.Name == name {
			return g
		}
	}
	t.Fatalf("no class %s", name)
	return nil
}

func findTeacher(t *testing.T, db *sqlstore.DB, school schulhof.SchoolID, code string) *schulhof.User {
	t.Helper()
	us, _, err := db.FindUsers(ctx, schulhof.UserFilter{SchoolID: school, Role: schulhof.RoleTeacher, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range us {
		if u.ShortCode == code {
			return u
		}
	}
	t.Fatalf("no teacher %s", code)
	return nil
}

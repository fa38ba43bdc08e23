package sqlstore_test

import (
	"slices"
	"testing"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

func TestExams(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := MustCreateSchool(t, db, "s")
		other := MustCreateSchool(t, db, "o")
		teacher := MustCreateUser(t, db, s.ID, "lehrer", schulhof.RoleTeacher)
		anna := MustCreateUser(t, db, s.ID, "anna", schulhof.RoleStudent)
		ben := MustCreateUser(t, db, s.ID, "ben", schulhof.RoleStudent)
		stranger := MustCreateUser(t, db, other.ID, "fremd", schulhof.RoleStudent)
		g := &schulhof.Group{SchoolID: s.ID, Name: "Q1 M-LK1", Kind: schulhof.GroupCourse}
		foreign := &schulhof.Group{SchoolID: other.ID, Name: "5a", Kind: schulhof.GroupClass}
		for _, x := range []*schulhof.Group{g, foreign} {
			must(t, db.CreateGroup(ctx, x))
		}
		tctx := schulhof.NewContextWithActor(ctx, &schulhof.Actor{User: teacher})
		e := &schulhof.PlannedExam{SchoolID: s.ID, Date: "2027-02-10", From: 3, To: 5, Kind: "klausur", Title: " M-LK1 Analysis ",
			Groups: []schulhof.GroupID{g.ID, g.ID}, Students: []schulhof.UserID{anna.ID, ben.ID}, Rooms: []string{"A1", " ", "a1"},
			Supervisors: []schulhof.UserID{teacher.ID}, CreatedBy: teacher.ID, OverrideReason: "Abitur-Vorbereitung"}
		must(t, db.CreateExam(tctx, e))
		got, err := db.FindExam(ctx, s.ID, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != "M-LK1 Analysis" || !slices.Equal(got.Groups, []schulhof.GroupID{g.ID}) || len(got.Students) != 2 ||
			!slices.Equal(got.Rooms, []string{"A1"}) || !slices.Equal(got.Supervisors, []schulhof.UserID{teacher.ID}) || got.OverrideReason != "Abitur-Vorbereitung" {
			t.Fatalf("%+v", got)
		}
		// another school's exam is not there; another school's people and groups are refused
		if _, err := db.FindExam(ctx, other.ID, e.ID); !schulhof.Match(err, schulhof.ENotFound) {
			t.Errorf("other school: %v", err)
		}
		for _, bad := range []*schulhof.PlannedExam{
			{SchoolID: s.ID, Date: "2027-02-10", From: 1, To: 1, Kind: "test", Title: "x", Groups: []schulhof.GroupID{foreign.ID}, CreatedBy: teacher.ID},
			{SchoolID: s.ID, Date: "2027-02-10", From: 1, To: 1, Kind: "test", Title: "x", Groups: []schulhof.GroupID{g.ID}, Students: []schulhof.UserID{stranger.ID}, CreatedBy: teacher.ID},
			{SchoolID: s.ID, Date: "2027-02-10", From: 1, To: 1, Kind: "test", Title: "x", Groups: []schulhof.GroupID{g.ID}, Students: []schulhof.UserID{teacher.ID}, CreatedBy: teacher.ID},
			{SchoolID: s.ID, Date: "2027-02-10", From: 1, To: 1, Kind: "test", Title: "x", Groups: []schulhof.GroupID{g.ID}, Supervisors: []schulhof.UserID{anna.ID}, CreatedBy: teacher.ID},
		} {
			if err := db.CreateExam(tctx, bad); !schulhof.Match(err, schulhof.ENotFound) {
				t.Errorf("%+v: %v", bad, err)
			}
		}
		for _, bad := range []*schulhof.PlannedExam{
			{SchoolID: s.ID, Date: "2027-02-30", From: 1, To: 1, Kind: "test", Title: "x", Groups: []schulhof.GroupID{g.ID}},
			{SchoolID: s.ID, Date: "2027-02-10", From: 3, To: 2, Kind: "test", Title: "x", Groups: []schulhof.GroupID{g.ID}},
			{SchoolID: s.ID, Date: "2027-02-10", From: 1, To: 1, Kind: "quiz", Title: "x", Groups: []schulhof.GroupID{g.ID}},
			{SchoolID: s.ID, Date: "2027-02-10", From: 1, To: 1, Kind: "test", Title: " ", Groups: []schulhof.GroupID{g.ID}},
			{SchoolID: s.ID, Date: "2027-02-10", From: 1, To: 1, Kind: "test", Title: "x"},
		} {
			if err := db.CreateExam(tctx, bad); !schulhof.Match(err, schulhof.EInvalid) {
				t.Errorf("%+v: %v", bad, err)
			}
		}
		// filters
		second := &schulhof.PlannedExam{SchoolID: s.ID, Date: "2027-03-01", From: 1, To: 2, Kind: "nachschreibtermin", Title: "Nachschreiben",
			Groups: []schulhof.GroupID{g.ID}, Students: []schulhof.UserID{ben.ID}, CreatedBy: teacher.ID}
		must(t, db.CreateExam(tctx, second))
		for _, c := range []struct {
			f    schulhof.ExamFilter
			want int
		}{
			{schulhof.ExamFilter{SchoolID: s.ID}, 2},
			{schulhof.ExamFilter{SchoolID: s.ID, From: "2027-02-11"}, 1},
			{schulhof.ExamFilter{SchoolID: s.ID, To: "2027-02-10"}, 1},
			{schulhof.ExamFilter{SchoolID: s.ID, StudentID: anna.ID}, 1},
			{schulhof.ExamFilter{SchoolID: s.ID, StudentID: ben.ID}, 2},
			{schulhof.ExamFilter{SchoolID: s.ID, GroupID: g.ID}, 2},
			{schulhof.ExamFilter{SchoolID: s.ID, Supervisor: teacher.ID}, 1},
			{schulhof.ExamFilter{SchoolID: other.ID}, 0},
		} {
			es, err := db.FindPlannedExams(ctx, c.f)
			if err != nil || len(es) != c.want {
				t.Errorf("%+v: %d %v", c.f, len(es), err)
			}
		}
		// change, then delete
		second.Date, second.Students = "2027-03-02", []schulhof.UserID{anna.ID, ben.ID}
		must(t, db.UpdateExam(tctx, second))
		if got, _ := db.FindExam(ctx, s.ID, second.ID); got.Date != "2027-03-02" || len(got.Students) != 2 {
			t.Errorf("updated: %+v", got)
		}
		second.SchoolID = other.ID
		if err := db.UpdateExam(tctx, second); !schulhof.Match(err, schulhof.ENotFound) {
			t.Errorf("update from another school: %v", err)
		}
		if err := db.DeleteExam(tctx, other.ID, e.ID); !schulhof.Match(err, schulhof.ENotFound) {
			t.Errorf("delete from another school: %v", err)
		}
		must(t, db.DeleteExam(tctx, s.ID, e.ID))
		if es, _ := db.FindPlannedExams(ctx, schulhof.ExamFilter{SchoolID: s.ID}); len(es) != 1 {
			t.Errorf("after delete: %d", len(es))
		}

		// settings
		st, err := db.FindExamSettings(ctx, s.ID)
		if err != nil || st.AnnounceDays != schulhof.DefaultAnnounceDays || st.RulesJSON != "" || len(st.Blocked) != 0 {
			t.Fatalf("defaults: %+v %v", st, err)
		}
		st = &schulhof.ExamSettings{RulesJSON: `{"sek1":{"max_per_day":1}}`, AnnounceDays: 14,
			Blocked:      []schulhof.BlockedDay{{Date: "2027-01-27", Reason: "Zeugniskonferenzen"}, {Date: "2027-01-26", Reason: "Zeugniskonferenzen"}},
			Coordinators: []schulhof.UserID{teacher.ID}}
		must(t, db.SetExamSettings(tctx, s.ID, st))
		st, _ = db.FindExamSettings(ctx, s.ID)
		if st.AnnounceDays != 14 || len(st.Blocked) != 2 || st.Blocked[0].Date != "2027-01-26" || !slices.Equal(st.Coordinators, []schulhof.UserID{teacher.ID}) || st.RulesJSON == "" {
			t.Errorf("settings: %+v", st)
		}
		if err := db.SetExamSettings(tctx, s.ID, &schulhof.ExamSettings{AnnounceDays: 7, Coordinators: []schulhof.UserID{anna.ID}}); !schulhof.Match(err, schulhof.ENotFound) {
			t.Errorf("a student as coordinator: %v", err)
		}
	})
}

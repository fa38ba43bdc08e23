package web_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/board"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

// TestRollover: the plan first (nothing changed), then the rollover:
// classes a year up, the course archived with its chat locked and its
// board read-only and its files in its teacher's folder, the timetable
// ended; undone on the first day as it was; not undoable the day after;
// the archived course gone after the school's archive days.
func TestRollover(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) { testRollover(t, newFixture(t, db)) })
}

func testRollover(t *testing.T, f *fixture) {
	sc := f.school["a"]
	course := &schulhof.Group{SchoolID: sc.ID, Name: "M-LK1", Kind: schulhof.GroupCourse}
	must(t, f.db.CreateGroup(ctx, course))
	must(t, f.db.SetMember(ctx, sc.ID, course.ID, f.user["a-teacher"].ID, schulhof.MemberRoleLeader))
	must(t, f.db.SetMember(ctx, sc.ID, course.ID, f.user["a-student"].ID, schulhof.MemberRoleMember))
	must(t, f.db.EnsureRooms(ctx, sc.ID))
	space := schulhof.Space{Kind: schulhof.SpaceGroup, ID: int64(course.ID)}
	sheet := f.putFile(sc.ID, space, 0, "Analysis.txt", "Kurvendiskussion")
	b := &schulhof.Board{Title: "Integrale", GroupID: course.ID, Access: schulhof.BoardDraw}
	must(t, board.Create(ctx, f.db, f.user["a-teacher"], b))
	if rec := f.do("a-admin", "POST", "/api/v1/schools/schule-a/timetable/imports?dry_run=false", multipartBody("files:GPU001.TXT", gpu001)); rec.Code != 200 {
		t.Fatalf("timetable: %d %s", rec.Code, rec.Body)
	}
	planBefore, err := f.db.FindPlan(ctx, sc.ID, "2026-11-30")
	must(t, err)

	// the dry run
	rec := f.do("a-admin", "GET", "/api/v1/schools/schule-a/rollover/plan?classes=promote&keep="+itoa(int64(course.ID)), "")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `{"group":`+f.id("a-5a")+`,"from":"5a","to":"6a"}`) || !strings.Contains(rec.Body.String(), `"keep_files":[{"id":`+itoa(int64(course.ID))) {
		t.Fatalf("plan: %d %s", rec.Code, rec.Body)
	}
	if g, _ := f.db.FindGroupByID(ctx, sc.ID, f.group["a-5a"].ID); g.Name != "5a" {
		t.Fatalf("the dry run renamed: %s", g.Name)
	}
	if rec := f.do("a-teacher", "GET", "/api/v1/schools/schule-a/rollover/plan", ""); rec.Code != 403 {
		t.Fatalf("a teacher's plan: %d", rec.Code)
	}

	// applied
	rec = f.do("a-admin", "POST", "/api/v1/schools/schule-a/rollovers", `{"classes":"promote","keep_files":[`+itoa(int64(course.ID))+`]}`)
	if rec.Code != 201 {
		t.Fatalf("apply: %d %s", rec.Code, rec.Body)
	}
	var ro struct{ ID int64 }
	json.Unmarshal(rec.Body.Bytes(), &ro)
	check := func(when string, names map[string]string, archived bool, teacherFolder bool, planTo schulhof.Day) {
		t.Helper()
		for key, want := range names {
			g, err := f.db.FindGroupByID(ctx, sc.ID, f.group[key].ID)
			must(t, err)
			if g.Name != want {
				t.Errorf("%s: %s is %q, want %q", when, key, g.Name, want)
			}
		}
		c, err := f.db.FindGroupByID(ctx, sc.ID, course.ID)
		must(t, err)
		if (c.ArchivedAt != nil) != archived || (archived && c.Name != "M-LK1 (2026/27)") || (!archived && c.Name != "M-LK1") {
			t.Errorf("%s: the course %+v", when, c)
		}
		msg := f.do("a-student", "POST", "/api/v1/rooms/"+itoa(roomOf(t, f, course.ID))+"/messages", `{"text":"Hallo Kurs"}`)
		if (msg.Code == 201) == archived {
			t.Errorf("%s: a message in the course's room: %d", when, msg.Code)
		}
		got, err := f.db.FindBoardByID(ctx, f.user["a-teacher"], b.ID)
		must(t, err)
		if (got.Access == schulhof.BoardView) != archived {
			t.Errorf("%s: the board's access %s", when, got.Access)
		}
		home := schulhof.Space{Kind: schulhof.SpaceUser, ID: int64(f.user["a-teacher"].ID)}
		top, err := f.db.FindNodes(ctx, sc.ID, home, 0)
		must(t, err)
		var folder *schulhof.Node
		for _, n := range top {
			if n.Name == "M-LK1 (2026/27)" {
				folder = n
			}
		}
		if (folder != nil) != teacherFolder {
			t.Fatalf("%s: the teacher's folder %v", when, folder)
		}
		where := space
		parent := schulhof.NodeID(0)
		if teacherFolder {
			where, parent = home, folder.ID
		}
		inside, err := f.db.FindNodes(ctx, sc.ID, where, parent)
		must(t, err)
		if len(inside) != 1 || inside[0].ID != sheet.ID {
			t.Errorf("%s: the course's file %+v", when, inside)
		}
		p, err := f.db.FindPlan(ctx, sc.ID, "2026-11-30")
		must(t, err)
		if (p == nil) != (planTo == "") || (p != nil && p.ValidTo != planTo) {
			t.Errorf("%s: today's plan %+v, want to %q", when, p, planTo)
		}
	}
	check("applied", map[string]string{"a-5a": "6a", "a-5b": "6b"}, true, true, "") // the timetable ended yesterday
	// the timetable's classes will come with their new codes
	if g, _ := f.db.FindGroupByID(ctx, sc.ID, f.group["a-5a"].ID); g.UntisCode != "" {
		t.Errorf("6a keeps 5a's code %q", g.UntisCode)
	}
	// the first day: undone, all as it was
	f.db.Now = func() time.Time { return sqltest.Clock.Add(20 * time.Hour) }
	f.token["a-admin"] = f.loginAs(t, "a-admin")
	if rec := f.do("a-admin", "POST", "/api/v1/schools/schule-a/rollovers/"+itoa(ro.ID)+"/undo", ""); rec.Code != 204 {
		t.Fatalf("undo: %d %s", rec.Code, rec.Body)
	}
	f.db.Now = func() time.Time { return sqltest.Clock }
	for _, name := range []string{"a-student", "a-teacher"} {
		f.token[name] = f.loginAs(t, name)
	}
	check("undone", map[string]string{"a-5a": "5a", "a-5b": "5b"}, false, false, planBefore.ValidTo)
	if rec := f.do("a-admin", "POST", "/api/v1/schools/schule-a/rollovers/"+itoa(ro.ID)+"/undo", ""); rec.Code != 409 {
		t.Fatalf("undone twice: %d", rec.Code)
	}

	// again, by the next import's classes; the day after, too late
	rec = f.do("a-admin", "POST", "/api/v1/schools/schule-a/rollovers", `{"classes":"import"}`)
	if rec.Code != 201 {
		t.Fatalf("apply again: %d %s", rec.Code, rec.Body)
	}
	json.Unmarshal(rec.Body.Bytes(), &ro)
	if g, _ := f.db.FindGroupByID(ctx, sc.ID, f.group["a-5a"].ID); g.Name != "5a" {
		t.Errorf("by the import: 5a renamed to %s", g.Name)
	}
	f.db.Now = func() time.Time { return sqltest.Clock.Add(25 * time.Hour) }
	f.token["a-admin"] = f.loginAs(t, "a-admin")
	if rec := f.do("a-admin", "POST", "/api/v1/schools/schule-a/rollovers/"+itoa(ro.ID)+"/undo", ""); rec.Code != 409 || !strings.Contains(rec.Body.String(), "nicht mehr rückgängig") {
		t.Fatalf("undo the day after: %d %s", rec.Code, rec.Body)
	}
	// after the archive days the course is gone, with its board and files
	if rec := f.do("a-admin", "PUT", "/api/v1/schools/schule-a/retention", `{"leaver_days":60,"chat_days":400,"log_days":400,"archive_days":30}`); rec.Code != 200 {
		t.Fatalf("retention: %d", rec.Code)
	}
	f.db.Now = func() time.Time { return sqltest.Clock.Add(31 * 24 * time.Hour) }
	f.srv.Housekeeping(ctx)
	if _, err := f.db.FindGroupByID(ctx, sc.ID, course.ID); !schulhof.Match(err, schulhof.ENotFound) {
		t.Fatalf("the archived course after 31 days: %v", err)
	}
	if nodes, _ := f.db.FindNodes(ctx, sc.ID, space, 0); len(nodes) != 0 {
		t.Errorf("its files remain: %d", len(nodes))
	}
	if g, err := f.db.FindGroupByID(ctx, sc.ID, f.group["a-5a"].ID); err != nil || g.ArchivedAt != nil {
		t.Errorf("the class 5a: %+v %v", g, err)
	}
}

// roomOf is the chat room of a group.
func roomOf(t *testing.T, f *fixture, g schulhof.GroupID) int64 {
	t.Helper()
	rooms, err := f.db.FindRooms(ctx, f.user["a-teacher"])
	must(t, err)
	for _, r := range rooms {
		if r.GroupID == g {
			return int64(r.ID)
		}
	}
	t.Fatalf("no room of group %d", g)
	return 0
}

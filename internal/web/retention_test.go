package web_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

// TestRetention: a leaver's account is blocked at once; their data goes
// after the school's days, not before, and never while they are taken
// back; chat messages and audit entries go after theirs; each job is
// noted in the audit log.
func TestRetention(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) { testRetention(t, newFixture(t, db)) })
}

func testRetention(t *testing.T, f *fixture) {
	sc := f.school["a"]
	// 5a's student2 leaves, with a file of her own; student stays
	leaver := f.user["a-student2"]
	home := schulhof.Space{Kind: schulhof.SpaceUser, ID: int64(leaver.ID)}
	f.putFile(sc.ID, home, 0, "Tagebuch.txt", "privat")
	if rec := f.do("a-admin", "PUT", "/api/v1/schools/schule-a/retention", `{"leaver_days":60,"chat_days":30,"log_days":45,"archive_days":365}`); rec.Code != 200 {
		t.Fatalf("retention: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("a-admin", "PUT", "/api/v1/schools/schule-a/retention", `{"leaver_days":3,"chat_days":30,"log_days":45,"archive_days":365}`); rec.Code != 422 {
		t.Fatalf("three days: %d", rec.Code)
	}
	if rec := f.do("a-admin", "PATCH", f.expand("/api/v1/schools/schule-a/users/{a-student2}"), `{"active":false}`); rec.Code != 200 {
		t.Fatalf("deactivate: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("", "POST", "/api/v1/auth/login", `{"school":"schule-a","login":"student2","password":"`+testPassword+`"}`); rec.Code != 401 {
		t.Fatalf("a leaver logs in: %d", rec.Code)
	}
	at := func(d time.Duration) {
		f.db.Now = func() time.Time { return sqltest.Clock.Add(d) }
		f.srv.Housekeeping(ctx)
	}
	// 59 days on: nothing of hers is gone yet; the chat's 30 days are over
	at(59 * 24 * time.Hour)
	u, err := f.db.FindUserByID(ctx, sc.ID, leaver.ID)
	must(t, err)
	if u.Login != "student2" || u.LastName != "SchuleA" {
		t.Fatalf("purged too early: %+v", u)
	}
	if nodes, _ := f.db.FindNodes(ctx, sc.ID, home, 0); len(nodes) != 1 {
		t.Fatalf("her file after 59 days: %d", len(nodes))
	}
	msgs, err := f.db.FindMessages(ctx, f.user["a-teacher"], schulhof.RoomID(f.ids["a-room"]), 0, 50)
	must(t, err)
	if len(msgs) != 0 {
		t.Errorf("%d chat messages older than 30 days remain", len(msgs))
	}
	// 61 days on: her account has no name, no login, no file
	at(61 * 24 * time.Hour)
	u, err = f.db.FindUserByID(ctx, sc.ID, leaver.ID)
	must(t, err)
	if !strings.HasPrefix(u.Login, "geloescht-") || u.LastName != "" || u.Email != "" || u.BirthDate != "" || u.ExternalID != "" {
		t.Fatalf("not purged: %+v", u)
	}
	if nodes, _ := f.db.FindNodes(ctx, sc.ID, home, 0); len(nodes) != 0 {
		t.Fatalf("her files after 61 days: %d", len(nodes))
	}
	groups, err := f.db.FindGroups(ctx, schulhof.GroupFilter{SchoolID: sc.ID, UserID: leaver.ID})
	must(t, err)
	if len(groups) != 0 {
		t.Errorf("still in %d groups", len(groups))
	}
	// who stayed keeps everything; school B's nothing was touched
	if u, _ := f.db.FindUserByID(ctx, sc.ID, f.user["a-student"].ID); u.Login != "student" {
		t.Errorf("the student who stayed: %+v", u)
	}
	if nodes, _ := f.db.FindNodes(ctx, f.school["b"].ID, schulhof.Space{Kind: schulhof.SpaceUser, ID: int64(f.user["b-student"].ID)}, 0); len(nodes) != 1 {
		t.Errorf("school B's student's files: %d", len(nodes))
	}
	// the jobs are in the audit log; the audit's own 45 days took the rest
	es, err := f.db.FindAuditEntries(ctx, schulhof.AuditFilter{SchoolID: sc.ID, Limit: 500})
	must(t, err)
	var actions []string
	for _, e := range es {
		actions = append(actions, e.Action)
	}
	got := strings.Join(actions, " ")
	for _, want := range []string{"retention.leaver", "retention.chat", "retention.audit"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit log %q lacks %s", got, want)
		}
	}
	if strings.Contains(got, "device.create") {
		t.Errorf("audit entries older than 45 days remain: %q", got)
	}
}

// TestRetentionTakenBack: a leaver taken back before the day keeps all.
func TestRetentionTakenBack(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) { testRetentionTakenBack(t, newFixture(t, db)) })
}

func testRetentionTakenBack(t *testing.T, f *fixture) {
	sc := f.school["a"]
	off, on := false, true
	_, err := f.db.UpdateUser(ctx, sc.ID, f.user["a-student"].ID, schulhof.UserUpdate{Active: &off})
	must(t, err)
	f.db.Now = func() time.Time { return sqltest.Clock.Add(30 * 24 * time.Hour) }
	_, err = f.db.UpdateUser(ctx, sc.ID, f.user["a-student"].ID, schulhof.UserUpdate{Active: &on})
	must(t, err)
	f.db.Now = func() time.Time { return sqltest.Clock.Add(90 * 24 * time.Hour) }
	f.srv.Housekeeping(ctx)
	if u, _ := f.db.FindUserByID(ctx, sc.ID, f.user["a-student"].ID); u.Login != "student" {
		t.Fatalf("purged though taken back: %+v", u)
	}
}

// TestSchoolFromTemplate: a new school takes over the template's
// retention and lesson times, and nothing of its people.
func TestSchoolFromTemplate(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) { testSchoolFromTemplate(t, newFixture(t, db)) })
}

func testSchoolFromTemplate(t *testing.T, f *fixture) {
	if rec := f.do("a-admin", "PUT", "/api/v1/schools/schule-a/retention", `{"leaver_days":90,"chat_days":200,"log_days":300,"archive_days":200}`); rec.Code != 200 {
		t.Fatalf("retention: %d", rec.Code)
	}
	grid := []schulhof.LessonTime{{Weekday: 1, Period: 1, Start: "07:55", End: "08:40"}, {Weekday: 1, Period: 2, Start: "08:45", End: "09:30"}}
	must(t, f.db.SetLessonTimes(ctx, f.school["a"].ID, grid))
	rec := f.do("operator", "POST", "/api/v1/schools", `{"slug":"gym-neu","name":"Gymnasium Neu","state":"NW","template":"schule-a"}`)
	if rec.Code != 201 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("operator", "GET", "/api/v1/schools/gym-neu/retention", ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"leaver_days":90,"chat_days":200,"log_days":300,"archive_days":200`) {
		t.Fatalf("the new school's retention: %d %s", rec.Code, rec.Body)
	}
	sc, err := f.db.FindSchoolBySlug(ctx, "gym-neu")
	must(t, err)
	b, err := f.db.FindLessonTimes(ctx, sc.ID)
	must(t, err)
	if !slices.Equal(b, grid) {
		t.Fatalf("the new school's lesson times: %+v", b)
	}
	users, _, err := f.db.FindUsers(ctx, schulhof.UserFilter{SchoolID: sc.ID, Limit: 10})
	must(t, err)
	if len(users) != 0 {
		t.Fatalf("the new school has %d users", len(users))
	}
}

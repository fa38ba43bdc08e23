package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

var ctx = context.Background()

func MustCreateSchool(tb testing.TB, db *sqlstore.DB, slug string) *schulhof.School {
	tb.Helper()
	s := &schulhof.School{Slug: slug, Name: "Schule " + slug, State: "NW", Type: "gymnasium"}
	if err := db.CreateSchool(ctx, s); err != nil {
		tb.Fatal(err)
	}
	return s
}

func MustCreateUser(tb testing.TB, db *sqlstore.DB, school schulhof.SchoolID, login string, role schulhof.Role) *schulhof.User {
	tb.Helper()
	u := &schulhof.User{SchoolID: school, Login: login, FirstName: "Vor", LastName: "Nach " + login, Role: role}
	if err := db.CreateUser(ctx, u, "hash"); err != nil {
		tb.Fatal(err)
	}
	return u
}

// TestMigrateTwice opens a database from empty to the latest migration,
// then again: the second start must apply nothing and fail on nothing.
func TestMigrateTwice(t *testing.T) {
	dsns := []string{t.TempDir() + "/x.db"}
	if base := os.Getenv("SCHULHOF_TEST_POSTGRES"); base != "" {
		dsn, cleanup := sqltest.NewSchema(t, base)
		t.Cleanup(cleanup)
		dsns = append(dsns, dsn)
	}
	for _, dsn := range dsns {
		for i := 0; i < 2; i++ {
			db, err := sqlstore.Open(ctx, dsn)
			if err != nil {
				t.Fatalf("open %d: %v", i, err)
			}
			db.Close()
		}
	}
}

func TestSchools(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := MustCreateSchool(t, db, "gym-nord")
		if s.ID == 0 || !s.CreatedAt.Equal(sqltest.Clock) {
			t.Fatalf("created %+v", s)
		}
		dup := &schulhof.School{Slug: "GYM-NORD ", Name: "x", State: "NW"}
		if err := db.CreateSchool(ctx, dup); !schulhof.Match(err, schulhof.EConflict) {
			t.Fatalf("duplicate slug: %v", err)
		}
		bad := &schulhof.School{Slug: "a b", Name: "", State: "XX"}
		err := db.CreateSchool(ctx, bad)
		var e *schulhof.Error
		if !schulhof.Match(err, schulhof.EInvalid) || !asError(err, &e) || len(e.Fields) != 3 {
			t.Fatalf("invalid school: %v", err)
		}
		got, err := db.FindSchoolBySlug(ctx, "gym-nord")
		if err != nil || got.ID != s.ID || got.State != "NW" {
			t.Fatalf("by slug: %+v %v", got, err)
		}
		if _, err := db.FindSchoolByID(ctx, 999); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("unknown: %v", err)
		}
		yes := true
		up, err := db.UpdateSchool(ctx, s.ID, schulhof.SchoolUpdate{Require2FA: &yes})
		if err != nil || !up.Require2FA {
			t.Fatalf("update: %+v %v", up, err)
		}
		all, err := db.FindSchools(ctx)
		if err != nil || len(all) != 1 {
			t.Fatalf("all: %v %v", all, err)
		}
	})
}

func asError(err error, e **schulhof.Error) bool {
	x, ok := err.(*schulhof.Error)
	*e = x
	return ok
}

func TestUsersAreScopedBySchool(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		a := MustCreateSchool(t, db, "a")
		b := MustCreateSchool(t, db, "b")
		ua := MustCreateUser(t, db, a.ID, "max", schulhof.RoleStudent)
		ub := MustCreateUser(t, db, b.ID, "max", schulhof.RoleStudent) // same login, other school
		if _, err := db.FindUserByID(ctx, b.ID, ua.ID); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("user of A found through B: %v", err)
		}
		if _, err := db.UpdateUser(ctx, b.ID, ua.ID, schulhof.UserUpdate{}); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("user of A changed through B: %v", err)
		}
		if err := db.SetPassword(ctx, b.ID, ua.ID, "x", true); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("password of A set through B: %v", err)
		}
		u, err := db.FindUserByLogin(ctx, b.ID, "max")
		if err != nil || u.ID != ub.ID {
			t.Fatalf("by login: %v %v", u, err)
		}
		if err := db.CreateUser(ctx, &schulhof.User{SchoolID: a.ID, Login: "max", FirstName: "M", LastName: "X", Role: schulhof.RoleStudent}, ""); !schulhof.Match(err, schulhof.EConflict) {
			t.Fatalf("duplicate login: %v", err)
		}
		op := &schulhof.User{Login: "admin", FirstName: "Betrieb", LastName: "Stadt", Role: schulhof.RoleOperator}
		if err := db.CreateUser(ctx, op, "h"); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateUser(ctx, &schulhof.User{Login: "admin", FirstName: "B", LastName: "S", Role: schulhof.RoleOperator}, "h"); !schulhof.Match(err, schulhof.EConflict) {
			t.Fatalf("duplicate operator: %v", err)
		}
		if got, err := db.FindUserByLogin(ctx, 0, "admin"); err != nil || got.ID != op.ID {
			t.Fatalf("operator: %v %v", got, err)
		}
		if err := db.LinkParent(ctx, b.ID, ua.ID, ub.ID); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("cross-school link: %v", err)
		}
	})
}

func TestFindUsersPagesAndFilters(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := MustCreateSchool(t, db, "s")
		for i := 0; i < 25; i++ {
			role := schulhof.RoleStudent
			if i%5 == 0 {
				role = schulhof.RoleTeacher
			}
			MustCreateUser(t, db, s.ID, fmt.Sprintf("u%02d", i), role)
		}
		seen := map[schulhof.UserID]bool{}
		cursor, pages := "", 0
		for {
			us, next, err := db.FindUsers(ctx, schulhof.UserFilter{SchoolID: s.ID, After: cursor, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, u := range us {
				if seen[u.ID] {
					t.Fatalf("user %d on two pages", u.ID)
				}
				seen[u.ID] = true
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if len(seen) != 25 || pages != 3 {
			t.Fatalf("saw %d users on %d pages", len(seen), pages)
		}
		ts, _, err := db.FindUsers(ctx, schulhof.UserFilter{SchoolID: s.ID, Role: schulhof.RoleTeacher})
		if err != nil || len(ts) != 5 {
			t.Fatalf("teachers: %d %v", len(ts), err)
		}
		q, _, err := db.FindUsers(ctx, schulhof.UserFilter{SchoolID: s.ID, Query: "NACH U1"})
		if err != nil || len(q) != 10 {
			t.Fatalf("query: %d %v", len(q), err)
		}
		if _, _, err := db.FindUsers(ctx, schulhof.UserFilter{SchoolID: s.ID, After: "!!"}); !schulhof.Match(err, schulhof.EBadRequest) {
			t.Fatalf("bad cursor: %v", err)
		}
		pct, _, _ := db.FindUsers(ctx, schulhof.UserFilter{SchoolID: s.ID, Query: "%"})
		if len(pct) != 0 {
			t.Fatalf("%% must match literally, got %d", len(pct))
		}
	})
}

func TestGroupsAndClassMembership(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := MustCreateSchool(t, db, "s")
		other := MustCreateSchool(t, db, "o")
		stud := MustCreateUser(t, db, s.ID, "stud", schulhof.RoleStudent)
		teach := MustCreateUser(t, db, s.ID, "teach", schulhof.RoleTeacher)
		c5a := &schulhof.Group{SchoolID: s.ID, Name: "5a", Kind: schulhof.GroupClass}
		c5b := &schulhof.Group{SchoolID: s.ID, Name: "5b", Kind: schulhof.GroupClass}
		course := &schulhof.Group{SchoolID: s.ID, Name: "M-LK1", Kind: schulhof.GroupCourse}
		for _, g := range []*schulhof.Group{c5a, c5b, course} {
			if err := db.CreateGroup(ctx, g); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.CreateGroup(ctx, &schulhof.Group{SchoolID: s.ID, Name: "5a", Kind: schulhof.GroupClass}); !schulhof.Match(err, schulhof.EConflict) {
			t.Fatalf("duplicate: %v", err)
		}
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(db.SetMember(ctx, s.ID, c5a.ID, stud.ID, schulhof.MemberRoleMember))
		must(db.SetMember(ctx, s.ID, course.ID, stud.ID, schulhof.MemberRoleMember))
		must(db.SetMember(ctx, s.ID, c5a.ID, teach.ID, schulhof.MemberRoleLeader))
		must(db.SetMember(ctx, s.ID, c5b.ID, teach.ID, schulhof.MemberRoleLeader))
		// moving the student to 5b takes them out of 5a; the teacher leads both
		must(db.SetMember(ctx, s.ID, c5b.ID, stud.ID, schulhof.MemberRoleMember))
		gs, err := db.FindGroups(ctx, schulhof.GroupFilter{SchoolID: s.ID, UserID: stud.ID})
		must(err)
		if len(gs) != 2 || gs[0].Name != "5b" || gs[1].Name != "M-LK1" {
			t.Fatalf("student groups: %+v", gs)
		}
		u, _ := db.FindUserByID(ctx, s.ID, stud.ID)
		if u.Class != "5b" {
			t.Fatalf("class = %q", u.Class)
		}
		tg, _ := db.FindGroups(ctx, schulhof.GroupFilter{SchoolID: s.ID, UserID: teach.ID})
		if len(tg) != 2 || tg[0].MyRole != schulhof.MemberRoleLeader {
			t.Fatalf("teacher groups: %+v", tg)
		}
		ms, err := db.FindMembers(ctx, s.ID, c5b.ID)
		must(err)
		if len(ms) != 2 || ms[0].User.ID != teach.ID || ms[0].Role != schulhof.MemberRoleLeader {
			t.Fatalf("members: %+v", ms)
		}
		if err := db.SetMember(ctx, other.ID, c5a.ID, stud.ID, schulhof.MemberRoleMember); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("cross-school member: %v", err)
		}
		if err := db.SetMember(ctx, s.ID, c5a.ID, stud.ID, "boss"); !schulhof.Match(err, schulhof.EInvalid) {
			t.Fatalf("bad role: %v", err)
		}
		shares, _ := db.SharesGroup(ctx, stud.ID, teach.ID)
		if !shares {
			t.Fatal("student and teacher share 5b")
		}
		must(db.RemoveMember(ctx, s.ID, course.ID, stud.ID))
		if err := db.RemoveMember(ctx, s.ID, course.ID, stud.ID); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("remove twice: %v", err)
		}
		must(db.DeleteGroup(ctx, s.ID, c5b.ID))
		if _, err := db.FindGroupByID(ctx, s.ID, c5b.ID); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("deleted group: %v", err)
		}
	})
}

func TestSessions(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := MustCreateSchool(t, db, "s")
		u := MustCreateUser(t, db, s.ID, "u", schulhof.RoleTeacher)
		now := sqltest.Clock
		sess := &schulhof.Session{TokenHash: []byte("0123456789abcdef0123456789abcdef"), UserID: u.ID, SchoolID: s.ID,
			CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := db.CreateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
		got, gu, err := db.FindSession(ctx, sess.TokenHash, now)
		if err != nil || gu.ID != u.ID || got.SchoolID != s.ID {
			t.Fatalf("find: %+v %+v %v", got, gu, err)
		}
		if _, _, err := db.FindSession(ctx, sess.TokenHash, now.Add(2*time.Hour)); !schulhof.Match(err, schulhof.EUnauthorized) {
			t.Fatalf("expired: %v", err)
		}
		if err := db.TouchSession(ctx, sess.TokenHash, now.Add(30*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.FindSession(ctx, sess.TokenHash, now.Add(2*time.Hour)); err != nil {
			t.Fatalf("touched session should live on: %v", err)
		}
		no := false
		if _, err := db.UpdateUser(ctx, s.ID, u.ID, schulhof.UserUpdate{Active: &no}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.FindSession(ctx, sess.TokenHash, now); !schulhof.Match(err, schulhof.EUnauthorized) {
			t.Fatalf("deactivated user's session: %v", err)
		}
		n, err := db.DeleteExpiredSessions(ctx, now.Add(100*24*time.Hour))
		if err != nil || n != 0 { // deactivation already deleted it
			t.Fatalf("expired: %d %v", n, err)
		}
	})
}

// TestSessionEndsAnnouncedAfterCommit: every way the store ends sessions
// tells the listeners, once it has committed; a change that is rolled
// back tells nothing.
func TestSessionEndsAnnouncedAfterCommit(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := MustCreateSchool(t, db, "s")
		u := MustCreateUser(t, db, s.ID, "u", schulhof.RoleStudent)
		var got []string
		stop := db.OnSessionEnd(func(e schulhof.SessionEnd) {
			got = append(got, fmt.Sprintf("%d %s %s", e.User, e.Session, e.Keep))
		})
		now := sqltest.Clock
		tok := []byte("0123456789abcdef0123456789abcdef")
		if err := db.CreateSession(ctx, &schulhof.Session{TokenHash: tok, UserID: u.ID, SchoolID: s.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(db.DeleteSession(ctx, tok))
		must(db.DeleteSession(ctx, tok)) // gone already: nothing to tell
		must(db.DeleteUserSessions(ctx, u.ID, []byte("keep")))
		must(db.SetPassword(ctx, s.ID, u.ID, "h2", false)) // one's own change: the web layer ends the others
		must(db.SetPassword(ctx, s.ID, u.ID, "h3", true))
		bad := strings.Repeat("k", 101)
		no := false
		if _, err := db.UpdateUser(ctx, s.ID, u.ID, schulhof.UserUpdate{Active: &no, Class: &bad}); err == nil {
			t.Fatal("an invalid class was taken")
		}
		if _, err := db.UpdateUser(ctx, s.ID, u.ID, schulhof.UserUpdate{Active: &no}); err != nil {
			t.Fatal(err)
		}
		id := fmt.Sprint(u.ID)
		want := []string{id + " " + string(tok) + " ", id + "  keep", id + "  ", id + "  "}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("announced %q, want %q", got, want)
		}
		stop()
		must(db.DeleteUserSessions(ctx, u.ID, nil))
		if len(got) != len(want) {
			t.Errorf("told after stop: %q", got)
		}
	})
}

func TestTOTPReplay(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := MustCreateSchool(t, db, "s")
		u := MustCreateUser(t, db, s.ID, "u", schulhof.RoleTeacher)
		if err := db.SetTOTP(ctx, u.ID, "SECRET", true); err != nil {
			t.Fatal(err)
		}
		if err := db.UseTOTPStep(ctx, u.ID, 100); err != nil {
			t.Fatal(err)
		}
		if err := db.UseTOTPStep(ctx, u.ID, 100); !schulhof.Match(err, schulhof.EConflict) {
			t.Fatalf("replay: %v", err)
		}
		secret, step, err := db.TOTPSecret(ctx, u.ID)
		if err != nil || secret != "SECRET" || step != 100 {
			t.Fatalf("%q %d %v", secret, step, err)
		}
	})
}

func TestAuditWrittenWithChange(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := MustCreateSchool(t, db, "s")
		admin := &schulhof.User{ID: 42, Login: "chef", Role: schulhof.RoleSchoolAdmin, SchoolID: s.ID, Active: true}
		actx := schulhof.NewContextWithActor(ctx, &schulhof.Actor{User: admin, IP: "192.0.2.1"})
		u := &schulhof.User{SchoolID: s.ID, Login: "neu", FirstName: "N", LastName: "U", Role: schulhof.RoleStudent}
		if err := db.CreateUser(actx, u, ""); err != nil {
			t.Fatal(err)
		}
		// a failed change writes no entry
		db.CreateUser(actx, &schulhof.User{SchoolID: s.ID, Login: "neu", FirstName: "N", LastName: "U", Role: schulhof.RoleStudent}, "")
		es, err := db.FindAuditEntries(ctx, schulhof.AuditFilter{SchoolID: s.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 2 || es[0].Action != "user.create" || es[0].ActorLogin != "chef" || es[0].IP != "192.0.2.1" || es[1].Action != "school.create" {
			t.Fatalf("entries: %+v", es)
		}
	})
}

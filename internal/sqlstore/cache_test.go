package sqlstore_test

import (
	"os"
	"testing"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

// TestCachedReadsSeeWritesAtOnce: the session and group reads are cached
// on SQLite, and every write that could change them must show at once.
func TestCachedReadsSeeWritesAtOnce(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		db.ShareCache(func(schulhof.SchoolID) {}) // PostgreSQL keeps it too, as one node
		s := MustCreateSchool(t, db, "s")
		u := MustCreateUser(t, db, s.ID, "u", schulhof.RoleStudent)
		now := sqltest.Clock
		tok := []byte("0123456789abcdef0123456789abcdef")
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(db.CreateSession(ctx, &schulhof.Session{TokenHash: tok, UserID: u.ID, SchoolID: s.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}))
		if _, got, err := db.FindSession(ctx, tok, now); err != nil || got.FirstName != "Vor" {
			t.Fatal(err)
		}
		name := "Neu"
		_, err := db.UpdateUser(ctx, s.ID, u.ID, schulhof.UserUpdate{FirstName: &name})
		must(err)
		if _, got, _ := db.FindSession(ctx, tok, now); got.FirstName != "Neu" {
			t.Fatalf("renamed user still cached as %q", got.FirstName)
		}
		// a caller changing what it got must not change the cache
		_, got, _ := db.FindSession(ctx, tok, now)
		got.Role = schulhof.RoleSchoolAdmin
		if _, again, _ := db.FindSession(ctx, tok, now); again.Role != schulhof.RoleStudent {
			t.Fatal("the cache handed out its own copy")
		}
		g := &schulhof.Group{SchoolID: s.ID, Name: "5a", Kind: schulhof.GroupClass}
		must(db.CreateGroup(ctx, g))
		gs, _ := db.FindGroups(ctx, schulhof.GroupFilter{SchoolID: s.ID, UserID: u.ID})
		if len(gs) != 0 {
			t.Fatal(gs)
		}
		must(db.SetMember(ctx, s.ID, g.ID, u.ID, schulhof.MemberRoleMember))
		if gs, _ = db.FindGroups(ctx, schulhof.GroupFilter{SchoolID: s.ID, UserID: u.ID}); len(gs) != 1 {
			t.Fatalf("new membership not seen: %v", gs)
		}
		must(db.DeleteSession(ctx, tok))
		if _, _, err := db.FindSession(ctx, tok, now); !schulhof.Match(err, schulhof.EUnauthorized) {
			t.Fatalf("logged-out session still found: %v", err)
		}
	})
}

// TestSharedCacheAcrossNodes: two nodes on one PostgreSQL database, each
// with its read cache; a write on one drops the other's (ShareCache,
// DropCache: the server does it over the bus), so a logout on node A is
// seen on node B at once. While B may miss what A says (HearOthers
// false) it keeps nothing and reads the database every time.
func TestSharedCacheAcrossNodes(t *testing.T) {
	a := sqltest.MustOpenPostgres(t)
	b := sqltest.Another(t, a)
	a.ShareCache(b.DropCache)
	b.ShareCache(a.DropCache)
	s := MustCreateSchool(t, a, "s")
	u := MustCreateUser(t, a, s.ID, "u", schulhof.RoleStudent)
	now := sqltest.Clock
	tok := []byte("0123456789abcdef0123456789abcdef")
	if err := a.CreateSession(ctx, &schulhof.Session{TokenHash: tok, UserID: u.ID, SchoolID: s.ID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	find := func(db *sqlstore.DB) (reads int64, err error) {
		before := db.Reads()
		_, _, err = db.FindSession(ctx, tok, now)
		return db.Reads() - before, err
	}
	if _, err := find(b); err != nil {
		t.Fatal(err)
	}
	if n, err := find(b); err != nil || n != 0 {
		t.Fatalf("node B's second read: %d queries, %v (not cached)", n, err)
	}
	name := "Neu"
	if _, err := a.UpdateUser(ctx, s.ID, u.ID, schulhof.UserUpdate{FirstName: &name}); err != nil {
		t.Fatal(err)
	}
	if _, got, _ := b.FindSession(ctx, tok, now); got.FirstName != "Neu" {
		t.Fatalf("node B still has %q", got.FirstName)
	}
	if err := a.DeleteSession(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := find(b); !schulhof.Match(err, schulhof.EUnauthorized) {
		t.Fatalf("node B after the logout on A: %v", err)
	}

	// B cannot hear A: nothing kept, every read asks the database
	b.HearOthers(false)
	tok2 := []byte("fedcba9876543210fedcba9876543210")
	c := sqltest.Another(t, a) // a writer that tells no one
	if err := c.CreateSession(ctx, &schulhof.Session{TokenHash: tok2, UserID: u.ID, SchoolID: s.ID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	tok = tok2
	for range 2 {
		if n, err := find(b); err != nil || n == 0 {
			t.Fatalf("node B, deaf: %d queries, %v", n, err)
		}
	}
	if err := c.DeleteSession(ctx, tok2); err != nil {
		t.Fatal(err)
	}
	if _, err := find(b); !schulhof.Match(err, schulhof.EUnauthorized) {
		t.Fatalf("node B, deaf, after a logout it was not told of: %v", err)
	}
	b.HearOthers(true)
	if err := c.CreateSession(ctx, &schulhof.Session{TokenHash: tok2, UserID: u.ID, SchoolID: s.ID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	find(b)
	if n, err := find(b); err != nil || n != 0 {
		t.Fatalf("node B hears again: %d queries, %v (not cached)", n, err)
	}
}

// TestStartPageReadsCached: what the start page reads on every visit (the
// lesson times, a user's role in a group, a student's assignments) is
// kept in the read cache, seen changed at once after a write, and a
// caller changing what it got does not change the cache.
func TestStartPageReadsCached(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		db.ShareCache(func(schulhof.SchoolID) {})
		s := MustCreateSchool(t, db, "s")
		teacher := MustCreateUser(t, db, s.ID, "t", schulhof.RoleTeacher)
		u := MustCreateUser(t, db, s.ID, "u", schulhof.RoleStudent)
		g := &schulhof.Group{SchoolID: s.ID, Name: "5a", Kind: schulhof.GroupClass}
		if err := db.CreateGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
		reads := func(fn func()) int64 {
			before := db.Reads()
			fn()
			return db.Reads() - before
		}
		// lesson times
		lt, _ := db.FindLessonTimes(ctx, s.ID)
		if n := reads(func() { lt, _ = db.FindLessonTimes(ctx, s.ID) }); n != 0 {
			t.Fatalf("lesson times read again: %d queries", n)
		}
		if err := db.SetLessonTimes(ctx, s.ID, []schulhof.LessonTime{{Weekday: 1, Period: 1, Start: "07:55", End: "08:40"}}); err != nil {
			t.Fatal(err)
		}
		lt, _ = db.FindLessonTimes(ctx, s.ID)
		if len(lt) == 0 || lt[0].Start != "07:55" {
			t.Fatalf("new lesson times not seen: %v", lt)
		}
		lt[0].Start = "xx"
		if again, _ := db.FindLessonTimes(ctx, s.ID); again[0].Start != "07:55" {
			t.Fatal("the cache handed out its own lesson times")
		}
		// a role in a group
		if r, _ := db.FindMemberRole(ctx, s.ID, g.ID, u.ID); r != "" {
			t.Fatalf("role before: %q", r)
		}
		if err := db.SetMember(ctx, s.ID, g.ID, u.ID, schulhof.MemberRoleMember); err != nil {
			t.Fatal(err)
		}
		if r, _ := db.FindMemberRole(ctx, s.ID, g.ID, u.ID); r != schulhof.MemberRoleMember {
			t.Fatalf("new membership not seen: %q", r)
		}
		// assignments
		if as, _ := db.FindAssignmentsFor(ctx, s.ID, u.ID); len(as) != 0 {
			t.Fatalf("assignments before: %d", len(as))
		}
		a := &schulhof.Assignment{SchoolID: s.ID, Title: "Bruchrechnung", Groups: []schulhof.GroupID{g.ID}, CreatedBy: teacher.ID,
			StartsAt: sqltest.Clock, DueAt: sqltest.Clock.Add(48 * time.Hour)}
		if err := db.CreateAssignment(ctx, a); err != nil {
			t.Fatal(err)
		}
		as, _ := db.FindAssignmentsFor(ctx, s.ID, u.ID)
		if len(as) != 1 || as[0].Title != "Bruchrechnung" {
			t.Fatalf("new assignment not seen: %v", as)
		}
		if n := reads(func() { as, _ = db.FindAssignmentsFor(ctx, s.ID, u.ID) }); n != 0 {
			t.Fatalf("assignments read again: %d queries", n)
		}
		as[0].Title, as[0].Groups[0] = "geändert", 0
		if again, _ := db.FindAssignmentsFor(ctx, s.ID, u.ID); again[0].Title != "Bruchrechnung" || again[0].Groups[0] != g.ID {
			t.Fatal("the cache handed out its own assignments")
		}
	})
}

// TestRoomsCachedUntilTheSchoolChats: a user's rooms (with unread
// counts) are kept until a messenger write of her school, at once on
// another node told of it; another school's messages leave them.
func TestRoomsCachedUntilTheSchoolChats(t *testing.T) {
	a := sqltest.MustOpenSQLite(t)
	if os.Getenv("SCHULHOF_TEST_POSTGRES") != "" {
		a = sqltest.MustOpenPostgres(t)
	}
	b := sqltest.Another(t, a)
	a.ShareCache(b.DropCache)
	b.ShareCache(a.DropCache)
	s1, s2 := MustCreateSchool(t, a, "s1"), MustCreateSchool(t, a, "s2")
	anna := MustCreateUser(t, a, s1.ID, "anna", schulhof.RoleStudent)
	lehrer := MustCreateUser(t, a, s1.ID, "lehrer", schulhof.RoleSchoolAdmin)
	other := MustCreateUser(t, a, s2.ID, "other", schulhof.RoleSchoolAdmin)
	for _, sc := range []*schulhof.School{s1, s2} {
		if err := a.EnsureRooms(ctx, sc.ID); err != nil {
			t.Fatal(err)
		}
	}
	unread := func(db *sqlstore.DB) (int, int64) {
		before := db.Reads()
		rooms, err := db.FindRooms(ctx, anna)
		if err != nil || len(rooms) == 0 {
			t.Fatalf("rooms: %v %v", rooms, err)
		}
		return rooms[0].Unread, db.Reads() - before
	}
	unread(b)
	if n, q := unread(b); n != 0 || q != 0 {
		t.Fatalf("second read: %d unread, %d queries (not cached)", n, q)
	}
	school := func(db *sqlstore.DB, u *schulhof.User) schulhof.RoomID {
		rooms, _ := db.FindRooms(ctx, u)
		return rooms[0].ID
	}
	// another school's message: anna's rooms stay cached
	if _, err := a.PostMessage(ctx, other, school(a, other), &schulhof.NewMessage{Text: "Hallo S2"}); err != nil {
		t.Fatal(err)
	}
	if _, q := unread(b); q != 0 {
		t.Fatal("another school's message dropped anna's rooms")
	}
	// her school's channel on node A: seen on node B at once
	if _, err := a.PostMessage(ctx, lehrer, school(a, lehrer), &schulhof.NewMessage{Text: "Guten Morgen"}); err != nil {
		t.Fatal(err)
	}
	if n, _ := unread(b); n != 1 {
		t.Fatalf("node B after a message on A: %d unread", n)
	}
}

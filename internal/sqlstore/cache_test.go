package sqlstore_test

import (
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
		db.ShareCache(func() {}) // PostgreSQL keeps it too, as one node
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

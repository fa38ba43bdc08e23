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

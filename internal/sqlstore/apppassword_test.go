package sqlstore_test

import (
	"testing"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

func TestAppPasswords(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := MustCreateSchool(t, db, "s")
		u := MustCreateUser(t, db, s.ID, "lehrer", schulhof.RoleTeacher)
		other := MustCreateUser(t, db, s.ID, "andere", schulhof.RoleTeacher)
		pw := schulhof.NewAppPassword()
		if !schulhof.LooksLikeAppPassword(pw) || !schulhof.LooksLikeAppPassword(" "+pw) || schulhof.LooksLikeAppPassword("richtig-geheim") {
			t.Fatalf("LooksLikeAppPassword is wrong about %q", pw)
		}
		p, err := db.CreateAppPassword(ctx, u.ID, " iPad ", schulhof.HashAppPassword(pw))
		if err != nil || p.Name != "iPad" {
			t.Fatalf("create: %+v %v", p, err)
		}
		if _, err := db.CreateAppPassword(ctx, u.ID, "", "x"); !schulhof.Match(err, schulhof.EInvalid) {
			t.Fatalf("no name: %v", err)
		}
		got, err := db.UseAppPassword(ctx, schulhof.HashAppPassword(pw))
		if err != nil || got != u.ID {
			t.Fatalf("use: %v %v", got, err)
		}
		if _, err := db.UseAppPassword(ctx, schulhof.HashAppPassword(schulhof.NewAppPassword())); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("unknown: %v", err)
		}
		ps, err := db.FindAppPasswords(ctx, u.ID)
		if err != nil || len(ps) != 1 || ps[0].LastUsedAt == nil {
			t.Fatalf("list: %+v %v", ps, err)
		}
		if err := db.DeleteAppPassword(ctx, other.ID, p.ID); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("another user revokes it: %v", err)
		}
		// an admin's password reset ends all app passwords
		must(t, db.SetPassword(ctx, s.ID, u.ID, "x", true))
		if _, err := db.UseAppPassword(ctx, schulhof.HashAppPassword(pw)); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("after reset: %v", err)
		}
		for i := 0; i < schulhof.MaxAppPasswords; i++ {
			if _, err := db.CreateAppPassword(ctx, u.ID, "Gerät", schulhof.HashAppPassword(schulhof.NewAppPassword())); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.CreateAppPassword(ctx, u.ID, "eins zu viel", "y"); !schulhof.Match(err, schulhof.EConflict) {
			t.Fatalf("too many: %v", err)
		}
	})
}

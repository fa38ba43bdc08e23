package sqlstore_test

import (
	"sync"
	"testing"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

// TestOIDCKeyRotation: the first key, a rotation that is not due yet
// adds none, a due one adds the next and keeps the old published until
// its time, after which it is gone.
func TestOIDCKeyRotation(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		now := time.Unix(1_800_000_000, 0)
		db.Now = func() time.Time { return now }
		month := 30 * 24 * time.Hour
		rotate := func(id string, want bool) {
			t.Helper()
			added, err := db.RotateOIDCKey(ctx, &schulhof.OIDCKey{ID: id, PrivateKey: []byte("key " + id)}, now.Add(-month), now.Add(7*24*time.Hour))
			if err != nil || added != want {
				t.Fatalf("rotate %s: %v %v, want %v", id, added, err, want)
			}
		}
		keys := func(want ...string) {
			t.Helper()
			ks, err := db.FindOIDCKeys(ctx, now)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, k := range ks {
				got = append(got, k.ID)
			}
			if len(got) != len(want) || (len(got) > 0 && got[0] != want[0]) || (len(got) > 1 && got[1] != want[1]) {
				t.Fatalf("keys %v, want %v", got, want)
			}
		}
		rotate("k1", true)
		keys("k1")
		rotate("k1b", false) // k1 is new: two nodes at once make one key
		now = now.Add(month + time.Hour)
		rotate("k2", true)
		keys("k2", "k1")
		now = now.Add(8 * 24 * time.Hour)
		keys("k2")
	})
}

// TestOIDCRefreshRotatesOnce: of two refreshes with one refresh token
// at once, one gets the next token; the other finds it rotated.
func TestOIDCRefreshRotatesOnce(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		sc := MustCreateSchool(t, db, "sso")
		u := MustCreateUser(t, db, sc.ID, "anna", schulhof.RoleStudent)
		c := &schulhof.OIDCClient{SchoolID: sc.ID, Name: "Lernplattform", RedirectURIs: []string{"https://lernen.example.org/cb"}}
		if err := db.CreateOIDCClient(ctx, c, []byte("hash")); err != nil {
			t.Fatal(err)
		}
		tok := func() *schulhof.OIDCToken {
			return &schulhof.OIDCToken{GrantID: "g1", ClientID: c.ID, UserID: u.ID, SchoolID: sc.ID, Subject: "s", Scopes: []string{"openid"},
				ExpiresAt: db.Now().Add(time.Hour), RefreshExpiresAt: db.Now().Add(time.Hour)}
		}
		if err := db.CreateOIDCToken(ctx, tok(), []byte("r1"), nil); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = db.CreateOIDCToken(ctx, tok(), []byte{'n', byte(i)}, []byte("r1"))
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else if !schulhof.Match(err, schulhof.ENotFound) {
				t.Fatal(err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d refreshes with one token succeeded", ok)
		}
		old, err := db.FindOIDCTokenByRefresh(ctx, []byte("r1"))
		if err != nil || !old.Rotated {
			t.Fatalf("old token %+v %v", old, err)
		}
		if err := db.RevokeOIDCGrant(ctx, "g1"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindOIDCTokenByRefresh(ctx, []byte("r1")); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("revoked grant: %v", err)
		}
	})
}

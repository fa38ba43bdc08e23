package sqlstore_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

// TestCallNodes: the first node that claims a call hosts it; another
// gets the host's name, until the claim runs out or the host is known to
// be gone; renewing keeps it, releasing gives it up.
func TestCallNodes(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		now := time.Unix(1_800_000_000, 0)
		db.Now = func() time.Time { return now }
		sc := MustCreateSchool(t, db, "nodes")
		u := MustCreateUser(t, db, sc.ID, "lehrer", schulhof.RoleTeacher)
		c := &schulhof.Call{Title: "Elternsprechtag"}
		if err := db.CreateCall(ctx, u, c); err != nil {
			t.Fatal(err)
		}
		claim := func(node, gone, want string) {
			t.Helper()
			if host, err := db.ClaimCallNode(ctx, c.ID, node, gone, 30*time.Second); err != nil || host != want {
				t.Fatalf("%s claims: %q %v, want %q", node, host, err, want)
			}
		}
		host := func(want string) {
			t.Helper()
			if h, err := db.FindCallNode(ctx, c.ID); err != nil || h != want {
				t.Fatalf("host %q %v, want %q", h, err, want)
			}
		}
		host("")
		claim("a", "", "a")
		claim("b", "", "a")
		claim("a", "", "a")
		host("a")
		// a renews; b's claim waits until a's runs out
		now = now.Add(20 * time.Second)
		if held, err := db.RenewCallNodes(ctx, "a", 30*time.Second); err != nil || len(held) != 1 || held[0] != c.ID {
			t.Fatalf("renew: %v %v", held, err)
		}
		now = now.Add(20 * time.Second)
		claim("b", "", "a")
		now = now.Add(11 * time.Second)
		host("")
		claim("b", "", "b")
		if held, _ := db.RenewCallNodes(ctx, "a", 30*time.Second); len(held) != 0 {
			t.Fatalf("a renews a call it lost: %v", held)
		}
		// b is gone (answers no more): a takes the call at once
		claim("a", "b", "a")
		if err := db.ReleaseCallNode(ctx, c.ID, "b"); err != nil {
			t.Fatal(err)
		}
		host("a") // b's release gives up nothing of a's
		if err := db.ReleaseCallNode(ctx, c.ID, "a"); err != nil {
			t.Fatal(err)
		}
		host("")
		// an ended call has no host
		if _, err := db.UpdateCall(ctx, sc.ID, c.ID, schulhof.CallUpdate{End: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ClaimCallNode(ctx, c.ID, "a", "", 30*time.Second); schulhof.ErrorCodeOf(err) != schulhof.ENotFound {
			t.Fatalf("claim an ended call: %v", err)
		}
	})
}

// TestCallGuests: a guest is found by their cookie's hash and by id
// until their time runs out.
func TestCallGuests(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		now := time.Unix(1_800_000_000, 0)
		db.Now = func() time.Time { return now }
		sc := MustCreateSchool(t, db, "gaeste")
		u := MustCreateUser(t, db, sc.ID, "lehrer", schulhof.RoleTeacher)
		c := &schulhof.Call{Title: "Vortrag"}
		if err := db.CreateCall(ctx, u, c); err != nil {
			t.Fatal(err)
		}
		g := &schulhof.CallGuest{CallID: c.ID, SchoolID: sc.ID, Name: "Frau Özdemir", Language: "de", Until: now.Add(12 * time.Hour)}
		key := bytes.Repeat([]byte{7}, 32)
		if err := db.AddCallGuest(ctx, g, key); err != nil || g.ID == 0 {
			t.Fatalf("add: %v %d", err, g.ID)
		}
		if got, err := db.FindCallGuest(ctx, key); err != nil || got.ID != g.ID || got.Name != "Frau Özdemir" || got.CallID != c.ID ||
			!got.Until.Equal(g.Until) {
			t.Fatalf("by key: %+v %v", got, err)
		}
		if got, err := db.FindCallGuestByID(ctx, g.ID); err != nil || got.Language != "de" {
			t.Fatalf("by id: %+v %v", got, err)
		}
		if _, err := db.FindCallGuest(ctx, bytes.Repeat([]byte{8}, 32)); schulhof.ErrorCodeOf(err) != schulhof.ENotFound {
			t.Fatalf("another key: %v", err)
		}
		now = now.Add(13 * time.Hour)
		if _, err := db.FindCallGuestByID(ctx, g.ID); schulhof.ErrorCodeOf(err) != schulhof.ENotFound {
			t.Fatalf("a guest whose time ran out: %v", err)
		}
	})
}

package sqlstore_test

import (
	"sync"
	"testing"
	"time"

	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

// TestLease: one holder at a time; it renews; when its time has passed
// (a node that died) another takes it; a released lease is free at once;
// of many asking at once, one gets it.
func TestLease(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		now := sqltest.Clock
		db.Now = func() time.Time { return now }
		hold := func(holder string) bool {
			t.Helper()
			ok, err := db.HoldLease(ctx, "housekeeping", holder, 15*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !hold("a") || hold("b") || !hold("a") {
			t.Fatal("a holds, b is refused, a renews")
		}
		now = now.Add(14 * time.Minute)
		if hold("b") {
			t.Fatal("b took a lease a renewed 14 minutes ago")
		}
		now = now.Add(16 * time.Minute) // a died
		if !hold("b") || hold("a") {
			t.Fatal("b takes the lease of a that died")
		}
		if err := db.ReleaseLease(ctx, "housekeeping", "a"); err != nil {
			t.Fatal(err)
		}
		if hold("a") {
			t.Fatal("a released what b holds")
		}
		if err := db.ReleaseLease(ctx, "housekeeping", "b"); err != nil {
			t.Fatal(err)
		}
		if !hold("a") {
			t.Fatal("a released lease is not free")
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		got := 0
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := db.HoldLease(ctx, "other", string(rune('a'+i)), time.Minute)
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					got++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if got != 1 {
			t.Fatalf("%d of 8 got the lease", got)
		}
	})
}

package sqlstore_test

import (
	"testing"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

// TestShortenIPs: addresses older than a week are shortened in the
// audit log and in sessions; younger ones stay whole.
func TestShortenIPs(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		now := time.Unix(1_800_000_000, 0)
		db.Now = func() time.Time { return now }
		sc := MustCreateSchool(t, db, "ips")
		u := MustCreateUser(t, db, sc.ID, "lehrer", schulhof.RoleTeacher)
		old := schulhof.NewContextWithActor(ctx, &schulhof.Actor{User: u, IP: "203.0.113.57"})
		if err := db.CreateDevice(old, &schulhof.Device{SchoolID: sc.ID, Type: "ipad", Model: "iPad", Serial: "A1"}); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateSession(ctx, &schulhof.Session{TokenHash: []byte("alt"), UserID: u.ID, SchoolID: sc.ID, IP: "2001:db8:1234:5678::1",
			CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(30 * 24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		now = now.Add(8 * 24 * time.Hour)
		young := schulhof.NewContextWithActor(ctx, &schulhof.Actor{User: u, IP: "198.51.100.23"})
		if err := db.CreateDevice(young, &schulhof.Device{SchoolID: sc.ID, Type: "ipad", Model: "iPad", Serial: "A2"}); err != nil {
			t.Fatal(err)
		}
		n, err := db.ShortenIPs(ctx, now.Add(-schulhof.IPKeepFull))
		if err != nil || n != 2 {
			t.Fatalf("shortened %d: %v", n, err)
		}
		entries, err := db.FindAuditEntries(ctx, schulhof.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var ips []string
		for _, e := range entries {
			ips = append(ips, e.IP)
		}
		if len(ips) < 2 || !contains(ips, "203.0.113.0") || !contains(ips, "198.51.100.23") || contains(ips, "203.0.113.57") {
			t.Fatalf("audit ips %v", ips)
		}
		if n, err := db.ShortenIPs(ctx, now.Add(-schulhof.IPKeepFull)); err != nil || n != 0 {
			t.Fatalf("again: %d %v", n, err)
		}
	})
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

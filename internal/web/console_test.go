package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/schulhof/schulhof/internal/web/kit"

	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

// TestConsole: the operator sees each school's users, who is online,
// the bytes its files take and its last import; an announcement shows
// on the schools' admins' start pages, not on a teacher's, until its
// day has passed or the operator withdraws it.
func TestConsole(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) { testConsole(t, newFixture(t, db)) })
}

func testConsole(t *testing.T, f *fixture) {
	var o struct {
		Schools []struct {
			Slug          string
			Users, Online int
			StorageBytes  int64      `json:"storage_bytes"`
			LastImport    *time.Time `json:"last_import"`
		}
		Health struct{ Database, Bus, Storage struct{ OK bool } }
	}
	decode(t, f.do("operator", "GET", "/api/v1/console", ""), &o)
	if len(o.Schools) != 2 || !o.Health.Database.OK || !o.Health.Bus.OK {
		t.Fatalf("console %+v", o)
	}
	a := o.Schools[0]
	// the fixture's school A: 5 users and its files (sheets, a note, a
	// hand-in, an attachment, a board's picture, a damage photo)
	if a.Slug != "schule-a" || a.Users != 5 || a.Online != 5 || a.StorageBytes < 50 || a.LastImport != nil {
		t.Fatalf("school A %+v", a)
	}
	rec := f.do("operator", "POST", "/api/v1/announcements", `{"text":"Wartung am Samstag, 8 bis 10 Uhr","until":"2026-12-05"}`)
	if rec.Code != 201 {
		t.Fatalf("announce: %d %s", rec.Code, rec.Body)
	}
	for actor, shows := range map[string]bool{"a-admin": true, "b-admin": true, "a-teacher": false, "a-student": false} {
		if got := strings.Contains(f.page(actor, "GET", "/", "").Body.String(), "Wartung am Samstag"); got != shows {
			t.Errorf("%s's start page shows the announcement: %v", actor, got)
		}
	}
	// it runs to the end of its last day (Berlin), not after
	for at, runs := range map[time.Time]bool{time.Date(2026, 12, 5, 23, 30, 0, 0, kit.Berlin): true, time.Date(2026, 12, 6, 0, 30, 0, 0, kit.Berlin): false} {
		as, err := f.db.FindAnnouncements(ctx, at)
		must(t, err)
		if (len(as) == 1) != runs {
			t.Errorf("at %s: %d announcements", at, len(as))
		}
	}
	var list struct{ Items []struct{ ID int64 } }
	decode(t, f.do("a-admin", "GET", "/api/v1/announcements", ""), &list)
	if len(list.Items) != 1 {
		t.Fatalf("announcements %+v", list)
	}
	if rec := f.do("operator", "DELETE", "/api/v1/announcements/"+itoa(list.Items[0].ID), ""); rec.Code != 204 {
		t.Fatalf("withdraw: %d", rec.Code)
	}
	if strings.Contains(f.page("a-admin", "GET", "/", "").Body.String(), "Wartung am Samstag") {
		t.Error("a withdrawn announcement still shows")
	}
}

package holidays

import (
	"testing"
	"time"

	"github.com/schulhof/schulhof"
)

// TestStateSchoolHolidays checks the KMK table: every state in it for
// each school year, every range in order and within its school year, no
// two ranges of a state overlapping, summer holidays of a sensible length.
func TestStateSchoolHolidays(t *testing.T) {
	if len(stateSchoolHolidays) != len(schulhof.States) {
		t.Fatalf("%d states in the table, want %d", len(stateSchoolHolidays), len(schulhof.States))
	}
	for state := range schulhof.States {
		hs := stateSchoolHolidays[state]
		summers := 0
		for i, h := range hs {
			if h.To < h.From {
				t.Errorf("%s: %+v ends before it starts", state, h)
			}
			if i > 0 && h.From <= hs[i-1].To {
				t.Errorf("%s: %+v overlaps %+v", state, h, hs[i-1])
			}
			from, _ := time.Parse("2006-01-02", string(h.From))
			to, _ := time.Parse("2006-01-02", string(h.To))
			if days := to.Sub(from).Hours() / 24; h.Name == "Sommerferien" {
				summers++
				if days < 38 || days > 46 {
					t.Errorf("%s: summer holidays of %.0f days: %+v", state, days+1, h)
				}
			} else if days > 21 {
				t.Errorf("%s: %+v is too long", state, h)
			}
		}
		if summers != 3 {
			t.Errorf("%s: %d summer holidays, want one per school year 2025/26-2027/28", state, summers)
		}
	}
	// spot checks against the KMK list
	nw := School("NW", "2026-09-02")
	if len(nw) == 0 || nw[0] != (schulhof.SchoolHoliday{Name: "Herbstferien", From: "2026-10-17", To: "2026-10-31"}) {
		t.Errorf("NRW after the summer of 2026: %+v", nw)
	}
	by := School("BY", "2027-01-01")
	if by[0] != (schulhof.SchoolHoliday{Name: "Weihnachtsferien", From: "2026-12-24", To: "2027-01-08"}) {
		t.Errorf("Bavaria: %+v", by[0])
	}
	if School("XX", "2026-01-01") != nil {
		t.Error("a state that is not one")
	}
	if SchoolKnownUntil() != "2028-09-11" {
		t.Errorf("known until %s", SchoolKnownUntil())
	}
}

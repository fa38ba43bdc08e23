package holidays

import (
	"testing"
	"time"
)

func TestEaster(t *testing.T) {
	for y, want := range map[int]string{2024: "2024-03-31", 2025: "2025-04-20", 2026: "2026-04-05", 2027: "2027-03-28", 2038: "2038-04-25"} {
		if got := easter(y).Format("2006-01-02"); got != want {
			t.Errorf("%d: %s, want %s", y, got, want)
		}
	}
}

func TestPublic(t *testing.T) {
	names := func(state string, year int) map[string]string {
		m := map[string]string{}
		for _, h := range Public(state, year) {
			m[h.Date.Format("2006-01-02")] = h.Name
		}
		return m
	}
	nw := names("NW", 2027)
	for d, n := range map[string]string{"2027-03-26": "Karfreitag", "2027-03-29": "Ostermontag", "2027-05-06": "Christi Himmelfahrt",
		"2027-05-17": "Pfingstmontag", "2027-05-27": "Fronleichnam", "2027-11-01": "Allerheiligen"} {
		if nw[d] != n {
			t.Errorf("NW %s: %q, want %q", d, nw[d], n)
		}
	}
	if len(nw) != 11 {
		t.Errorf("NW has %d holidays in 2027, want 11", len(nw))
	}
	if _, ok := nw["2027-10-31"]; ok {
		t.Error("Reformationstag is no holiday in NW")
	}
	if names("SN", 2026)["2026-11-18"] != "Buß- und Bettag" {
		t.Error("Buß- und Bettag 2026 is 18 November")
	}
	if names("BY", 2027)["2027-01-06"] != "Heilige Drei Könige" || names("NI", 2027)["2027-10-31"] != "Reformationstag" {
		t.Error("state holidays")
	}
	hs := Public("BE", 2026)
	for i := 1; i < len(hs); i++ {
		if !hs[i-1].Date.Before(hs[i].Date) {
			t.Fatalf("not by date: %v", hs)
		}
	}
	_ = time.Now
}

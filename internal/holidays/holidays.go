// Package holidays knows the public holidays of the German states: the
// nine that hold everywhere and those of single states, from the date of
// Easter. School holidays differ by state and year and are set by each
// school.
package holidays

import (
	"sort"
	"sync"
	"time"
)

// Holiday is a day off.
type Holiday struct {
	Date time.Time // UTC midnight
	Name string
}

// easter is Easter Sunday of the year (Gregorian; the anonymous algorithm).
func easter(y int) time.Time {
	a := y % 19
	b, c := y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(y, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

// in reports whether the state is one of the list.
func in(state string, list ...string) bool {
	for _, s := range list {
		if s == state {
			return true
		}
	}
	return false
}

// publicMemo keeps each state's and year's list: every week view asks.
var publicMemo sync.Map // stateYear -> []Holiday

type stateYear struct {
	state string
	year  int
}

// Public returns the public holidays of a state (two letters, e.g. "NW")
// in a year, by date. The list is shared: callers must not change it.
func Public(state string, year int) []Holiday {
	k := stateYear{state, year}
	if v, ok := publicMemo.Load(k); ok {
		return v.([]Holiday)
	}
	out := public(state, year)
	publicMemo.Store(k, out)
	return out
}

func public(state string, year int) []Holiday {
	e := easter(year)
	day := func(m time.Month, d int) time.Time { return time.Date(year, m, d, 0, 0, 0, 0, time.UTC) }
	var out []Holiday
	add := func(t time.Time, name string) { out = append(out, Holiday{t, name}) }
	add(day(time.January, 1), "Neujahr")
	if in(state, "BW", "BY", "ST") {
		add(day(time.January, 6), "Heilige Drei Könige")
	}
	if in(state, "BE") || (in(state, "MV") && year >= 2023) {
		add(day(time.March, 8), "Internationaler Frauentag")
	}
	add(e.AddDate(0, 0, -2), "Karfreitag")
	if in(state, "BB") {
		add(e, "Ostersonntag")
	}
	add(e.AddDate(0, 0, 1), "Ostermontag")
	add(day(time.May, 1), "Tag der Arbeit")
	add(e.AddDate(0, 0, 39), "Christi Himmelfahrt")
	if in(state, "BB") {
		add(e.AddDate(0, 0, 49), "Pfingstsonntag")
	}
	add(e.AddDate(0, 0, 50), "Pfingstmontag")
	if in(state, "BW", "BY", "HE", "NW", "RP", "SL") {
		add(e.AddDate(0, 0, 60), "Fronleichnam")
	}
	if in(state, "SL") {
		add(day(time.August, 15), "Mariä Himmelfahrt")
	}
	if in(state, "TH") {
		add(day(time.September, 20), "Weltkindertag")
	}
	add(day(time.October, 3), "Tag der Deutschen Einheit")
	if in(state, "BB", "HB", "HH", "MV", "NI", "SN", "ST", "SH", "TH") {
		add(day(time.October, 31), "Reformationstag")
	}
	if in(state, "BW", "BY", "NW", "RP", "SL") {
		add(day(time.November, 1), "Allerheiligen")
	}
	if in(state, "SN") { // the Wednesday before 23 November
		d := day(time.November, 22)
		for d.Weekday() != time.Wednesday {
			d = d.AddDate(0, 0, -1)
		}
		add(d, "Buß- und Bettag")
	}
	add(day(time.December, 25), "1. Weihnachtstag")
	add(day(time.December, 26), "2. Weihnachtstag")
	sort.Slice(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out
}

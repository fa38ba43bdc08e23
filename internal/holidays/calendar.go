package holidays

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/schulhof/schulhof"
)

// MaxCalendarEvents bounds what one calendar file may bring: a state's
// holidays for several years are a few dozen events.
const MaxCalendarEvents = 1000

// ReadCalendar reads school holidays from an iCalendar file (RFC 5545),
// as the states' ministries and holiday sites publish them: each event is
// a range of days without lessons named by its SUMMARY. Its times are
// read as German time; an all-day event's end is exclusive, as the
// standard says. Problems come back as errors in the user's words.
func ReadCalendar(r io.Reader) ([]schulhof.SchoolHoliday, error) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		berlin = time.UTC
	}
	cal, err := goical.NewDecoder(r).Decode()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, schulhof.Invalid("calendar", "holidays.ics.empty")
		}
		return nil, schulhof.Invalid("calendar", "holidays.ics.bad", firstLine(err.Error()))
	}
	events := cal.Events()
	if len(events) > MaxCalendarEvents {
		return nil, schulhof.Invalid("calendar", "holidays.ics.too_many", MaxCalendarEvents)
	}
	var out []schulhof.SchoolHoliday
	for i, e := range events {
		name := ""
		if p := e.Props.Get(goical.PropSummary); p != nil {
			name, _ = p.Text()
		}
		name = strings.Join(strings.Fields(name), " ")
		if r := []rune(name); len(r) > 100 {
			name = string(r[:100])
		}
		if name == "" {
			name = fmt.Sprintf("Ferien %d", i+1)
		}
		start, err := e.DateTimeStart(berlin)
		if err != nil || start.IsZero() {
			return nil, schulhof.Invalid("calendar", "holidays.ics.event", name)
		}
		end, err := e.DateTimeEnd(berlin)
		if err != nil || end.Before(start) {
			return nil, schulhof.Invalid("calendar", "holidays.ics.event", name)
		}
		last := start
		if end.After(start) {
			last = end.Add(-time.Nanosecond) // the end is exclusive
		}
		from, to := schulhof.DayOf(start.In(berlin)), schulhof.DayOf(last.In(berlin))
		if to < from || start.AddDate(1, 0, 0).Before(last) {
			return nil, schulhof.Invalid("calendar", "holidays.ics.event", name)
		}
		out = append(out, schulhof.SchoolHoliday{Name: name, From: from, To: to})
	}
	if len(out) == 0 {
		return nil, schulhof.Invalid("calendar", "holidays.ics.empty")
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].From < out[j].From })
	return out, nil
}

// Merge adds the new holidays to the school's, leaving out those it has
// already (same name and days), by date.
func Merge(own, add []schulhof.SchoolHoliday) (merged []schulhof.SchoolHoliday, added int) {
	have := map[schulhof.SchoolHoliday]bool{}
	for _, h := range own {
		have[h] = true
	}
	merged = append(merged, own...)
	for _, h := range add {
		if !have[h] {
			have[h] = true
			merged = append(merged, h)
			added++
		}
	}
	sort.SliceStable(merged, func(i, j int) bool { return merged[i].From < merged[j].From })
	return merged, added
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}

package kit

import (
	"fmt"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/timetable"
)

// Days as the pages and the API name them: a date of the school's
// calendar, German time, kept as midnight UTC so that adding days never
// meets a change of daylight saving time.

// Today is today's date, German time.
func (d *Deps) Today() time.Time {
	now := d.Now().In(Berlin)
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
}

// ThisMonday is the Monday of this week, German time.
func (d *Deps) ThisMonday() time.Time {
	t := d.Today()
	return t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
}

// ParseDay reads a date of the form 2026-11-30 (?date=, ?at=); today
// without one.
func (d *Deps) ParseDay(v string) (time.Time, error) {
	if v == "" {
		return d.Today(), nil
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return time.Time{}, schulhof.Errorf(schulhof.EBadRequest, "date.invalid", v)
	}
	return t, nil
}

// GermanDate writes a day as 30.11.2026.
func GermanDate(d schulhof.Day) string {
	t, err := time.Parse("2006-01-02", string(d))
	if err != nil {
		return string(d)
	}
	return t.Format("02.01.2006")
}

// GermanWeek writes an ISO week ("2026-W50") as people at a German school
// read it: "KW 50 · 07.12.–11.12.2026", Monday to Friday.
func GermanWeek(iso string) string {
	monday, err := timetable.ParseISOWeek(iso)
	if err != nil {
		return iso
	}
	_, w := monday.ISOWeek()
	return fmt.Sprintf("KW %d · %s–%s", w, monday.Format("02.01."), monday.AddDate(0, 0, 4).Format("02.01.2006"))
}

// ParseGermanDay reads a day a form sent: the browser's 2026-09-01 or a
// typed 1.9.2026; what is neither comes back as it was, for the
// validation to name.
func ParseGermanDay(v string) schulhof.Day {
	v = strings.TrimSpace(v)
	for _, layout := range []string{"2006-01-02", "2.1.2006", "02.01.2006"} {
		if t, err := time.Parse(layout, v); err == nil {
			return schulhof.DayOf(t)
		}
	}
	return schulhof.Day(v)
}

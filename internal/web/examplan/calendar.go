package examplan

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/ical"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// CalendarEvents are the exams planned in Schulhof for the user's
// calendar feed, from today on for days (the Untis export's are among
// the feed's lessons already).
func (s *Module) CalendarEvents(ctx context.Context, u *schulhof.User, sc *schulhof.School, lang string, days int) ([]ical.Event, error) {
	list, err := s.upcoming(ctx, u, sc, days)
	if err != nil {
		return nil, err
	}
	times, err := s.db.FindLessonTimes(ctx, sc.ID)
	if err != nil {
		return nil, err
	}
	var out []ical.Event
	for _, e := range list {
		if e.Source == "schulhof" {
			out = append(out, examEvent(sc, lang, times, e))
		}
	}
	return out, nil
}

// examEvent is a planned exam as a calendar event, from the start of its
// first period to the end of its last.
func examEvent(sc *schulhof.School, lang string, times []schulhof.LessonTime, e examView) ical.Event {
	d, _ := time.Parse("2006-01-02", string(e.Date))
	weekday := (int(d.Weekday())+6)%7 + 1
	start, end := d, d.AddDate(0, 0, 1)
	allDay := true
	if first, ok := schulhof.LessonTimeOf(times, weekday, e.From); ok {
		if last, ok := schulhof.LessonTimeOf(times, weekday, e.To); ok {
			start, _ = time.ParseInLocation("2006-01-02 15:04", string(e.Date)+" "+first.Start, kit.Berlin)
			end, _ = time.ParseInLocation("2006-01-02 15:04", string(e.Date)+" "+last.End, kit.Berlin)
			allDay = false
		}
	}
	return ical.Event{UID: sc.Slug + "-exam-" + strconv.FormatInt(e.ID, 10) + "@schulhof", Start: start, End: end, AllDay: allDay,
		Summary: kindName(lang, string(e.Kind)) + ": " + e.Title, Location: strings.Join(e.Rooms, ", "),
		Description: strings.Join(e.GroupNames, ", ")}
}

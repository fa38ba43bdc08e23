package timetables

import (
	"context"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/holidays"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// timetableSettings is the settings page's section of the timetable:
// lesson times, holidays, the week model and the info screen.
func (s *Module) timetableSettings(ctx context.Context, sc *schulhof.School, data map[string]any) {
	grid := ""
	if ts, err := s.db.FindLessonTimes(ctx, sc.ID); err == nil {
		grid = schulhof.FormatLessonTimes(ts)
	}
	own := ""
	if hs, err := s.db.FindSchoolHolidays(ctx, sc.ID); err == nil {
		own = schulhof.FormatSchoolHolidays(hs)
	}
	data["LessonTimes"], data["Holidays"], data["HolidaysKnownUntil"] = grid, own, kit.GermanDate(holidays.SchoolKnownUntil())
	data["WeekModel"] = s.weekModelForm(ctx, sc)
}

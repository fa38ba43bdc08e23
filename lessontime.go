package schulhof

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// LessonTime is when a period runs: on every day (Weekday 0) or on one
// weekday (1 = Monday), which then wins over the every-day time.
type LessonTime struct {
	Weekday int    `json:"weekday"`
	Period  int    `json:"period"`
	Start   string `json:"start"` // HH:MM
	End     string `json:"end"`
}

// DefaultLessonTimes are a common grid of 45-minute periods, used until
// the school sets its own.
var DefaultLessonTimes = []LessonTime{
	{0, 1, "07:55", "08:40"}, {0, 2, "08:45", "09:30"}, {0, 3, "09:50", "10:35"}, {0, 4, "10:40", "11:25"},
	{0, 5, "11:45", "12:30"}, {0, 6, "12:35", "13:20"}, {0, 7, "13:50", "14:35"}, {0, 8, "14:40", "15:25"},
	{0, 9, "15:30", "16:15"}, {0, 10, "16:20", "17:05"},
}

var weekdayNames = map[string]int{"mo": 1, "di": 2, "mi": 3, "do": 4, "fr": 5, "sa": 6, "so": 7,
	"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}

// ParseLessonTimes reads a grid as an admin pastes it, a line per period:
// "1;07:55;08:40", or with a weekday first for that day only
// "Fr;7;13:00;13:45". A header line ("Stunde;Beginn;Ende") is skipped;
// tabs and commas separate too.
func ParseLessonTimes(text string) ([]LessonTime, error) {
	var out []LessonTime
	seen := map[[2]int]bool{}
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		f := strings.FieldsFunc(line, func(r rune) bool { return r == ';' || r == '\t' || r == ',' })
		for j := range f {
			f[j] = strings.TrimSpace(f[j])
		}
		lt := LessonTime{}
		if len(f) == 4 {
			wd, ok := weekdayNames[strings.ToLower(strings.TrimSuffix(f[0], "."))]
			if !ok {
				return nil, Invalid("lesson_times", "lesson_times.weekday", i+1, f[0])
			}
			lt.Weekday, f = wd, f[1:]
		}
		if len(f) != 3 {
			return nil, Invalid("lesson_times", "lesson_times.line", i+1)
		}
		p, err := strconv.Atoi(f[0])
		if err != nil {
			if len(out) == 0 && len(seen) == 0 && i == firstLine(text) {
				continue // a header
			}
			return nil, Invalid("lesson_times", "lesson_times.line", i+1)
		}
		start, err1 := clock(f[1])
		end, err2 := clock(f[2])
		if p < 1 || p > 24 || err1 != nil || err2 != nil || end <= start {
			return nil, Invalid("lesson_times", "lesson_times.line", i+1)
		}
		lt.Period, lt.Start, lt.End = p, start, end
		if seen[[2]int{lt.Weekday, p}] {
			return nil, Invalid("lesson_times", "lesson_times.twice", i+1, p)
		}
		seen[[2]int{lt.Weekday, p}] = true
		out = append(out, lt)
	}
	if len(out) == 0 {
		return nil, Invalid("lesson_times", "lesson_times.empty")
	}
	return out, nil
}

// firstLine is the index of the first line that is not blank.
func firstLine(text string) int {
	for i, l := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(l) != "" {
			return i
		}
	}
	return 0
}

// clock normalises "7:55" to "07:55".
func clock(s string) (string, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return "", err
	}
	return t.Format("15:04"), nil
}

// FormatLessonTimes writes a grid the way ParseLessonTimes reads it.
func FormatLessonTimes(ts []LessonTime) string {
	days := []string{"", "Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"}
	var b strings.Builder
	for _, t := range ts {
		if t.Weekday > 0 && t.Weekday < len(days) {
			fmt.Fprintf(&b, "%s;", days[t.Weekday])
		}
		fmt.Fprintf(&b, "%d;%s;%s\n", t.Period, t.Start, t.End)
	}
	return b.String()
}

// LessonTimeOf finds the time of a period on a weekday in a grid.
func LessonTimeOf(ts []LessonTime, weekday, period int) (LessonTime, bool) {
	var all LessonTime
	found := false
	for _, t := range ts {
		if t.Period != period {
			continue
		}
		if t.Weekday == weekday {
			return t, true
		}
		if t.Weekday == 0 {
			all, found = t, true
		}
	}
	return all, found
}

// LessonTimeService keeps a school's grid.
type LessonTimeService interface {
	// FindLessonTimes returns the school's grid, DefaultLessonTimes if it
	// has none.
	FindLessonTimes(ctx context.Context, school SchoolID) ([]LessonTime, error)
	SetLessonTimes(ctx context.Context, school SchoolID, ts []LessonTime) error
}

// SchoolHoliday is a range of days without lessons that the school sets:
// its holidays ("Herbstferien"), bridge days, a project week.
type SchoolHoliday struct {
	Name string `json:"name"`
	From Day    `json:"from"`
	To   Day    `json:"to"` // inclusive
}

// ParseSchoolHolidays reads lines "name;from;to" with dates as
// 2026-12-23 or 23.12.2026 ("to" may be left out for one day).
func ParseSchoolHolidays(text string) ([]SchoolHoliday, error) {
	var out []SchoolHoliday
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		f := strings.Split(strings.ReplaceAll(line, "\t", ";"), ";")
		for len(f) > 2 && strings.TrimSpace(f[len(f)-1]) == "" {
			f = f[:len(f)-1] // trailing separators, as spreadsheets write them
		}
		if len(f) < 2 || len(f) > 3 {
			return nil, Invalid("school_holidays", "school_holidays.line", i+1)
		}
		h := SchoolHoliday{Name: strings.TrimSpace(f[0])}
		from, err1 := parseDay(f[1])
		to, err2 := from, error(nil)
		if len(f) == 3 {
			to, err2 = parseDay(f[2])
		}
		if h.Name == "" || err1 != nil || err2 != nil || to < from || len([]rune(h.Name)) > 100 {
			return nil, Invalid("school_holidays", "school_holidays.line", i+1)
		}
		h.From, h.To = from, to
		out = append(out, h)
	}
	return out, nil
}

func parseDay(s string) (Day, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "02.01.2006", "2.1.2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return DayOf(t), nil
		}
	}
	return "", fmt.Errorf("not a date: %q", s)
}

// FormatSchoolHolidays writes them the way ParseSchoolHolidays reads them.
func FormatSchoolHolidays(hs []SchoolHoliday) string {
	var b strings.Builder
	for _, h := range hs {
		fmt.Fprintf(&b, "%s;%s;%s\n", h.Name, h.From, h.To)
	}
	return b.String()
}

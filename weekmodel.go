package schulhof

import (
	"context"
	"strings"
	"time"
)

// WeekModel is the school's rotation of week types ("Wochentypmodell"):
// with A/B weeks, the lessons Untis gives the lesson group "A" run in A
// weeks only, those of "B" in B weeks, all others every week.
type WeekModel struct {
	// Weeks is the length of the rotation: 0 for none, 2 for A/B weeks,
	// 3 for A/B/C, 4 for A/B/C/D.
	Weeks int `json:"weeks"`
	// Start is the Monday of an A week; the rotation counts from there,
	// forwards and backwards. Schools set it anew each school year.
	Start Day `json:"start,omitempty"`
	// SkipHolidays: a week without a single school day (holidays) does
	// not count, so the week after the holidays goes on with the next
	// type. Without it calendar weeks count, holidays or not.
	SkipHolidays bool `json:"skip_holidays"`
	// Groups are, per week type (A, B, ...), the Untis lesson groups of
	// that week, e.g. [["A", "AW"], ["B", "BW"]].
	Groups [][]string `json:"groups"`
}

// WeekTypeName is the letter of a week type: 1 is "A".
func WeekTypeName(t int) string {
	if t < 1 || t > 4 {
		return ""
	}
	return string(rune('A' + t - 1))
}

// DefaultWeekGroups are the lesson groups each week type has until the
// school names its own: the type's letter and the usual spellings.
func DefaultWeekGroups(weeks int) [][]string {
	out := make([][]string, weeks)
	for t := range out {
		l := WeekTypeName(t + 1)
		out[t] = []string{l, l + "W", l + "-Woche"}
	}
	return out
}

// Clean checks the model and brings it into its stored form: Start on
// its week's Monday, one list of groups per week type, no group in two
// types.
func (m WeekModel) Clean() (WeekModel, error) {
	switch m.Weeks {
	case 0, 1:
		return WeekModel{Groups: [][]string{}}, nil
	case 2, 3, 4:
	default:
		return m, Invalid("weeks", "week_model.weeks")
	}
	start, err := parseDay(string(m.Start))
	if err != nil {
		return m, Invalid("start", "week_model.start")
	}
	t, _ := time.Parse("2006-01-02", string(start))
	m.Start = DayOf(t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7)))
	if len(m.Groups) == 0 {
		m.Groups = DefaultWeekGroups(m.Weeks)
	}
	if len(m.Groups) > m.Weeks {
		for _, extra := range m.Groups[m.Weeks:] {
			if len(extra) > 0 {
				return m, Invalid("groups", "week_model.too_many")
			}
		}
	}
	groups := make([][]string, m.Weeks)
	seen := map[string]bool{}
	for i := 0; i < m.Weeks && i < len(m.Groups); i++ {
		groups[i] = []string{}
		for _, g := range m.Groups[i] {
			g = strings.TrimSpace(g)
			if g == "" {
				continue
			}
			if len([]rune(g)) > 20 || strings.ContainsAny(g, ",;\n") {
				return m, Invalid("groups", "week_model.group", g)
			}
			if seen[strings.ToLower(g)] {
				return m, Invalid("groups", "week_model.twice", g)
			}
			seen[strings.ToLower(g)] = true
			groups[i] = append(groups[i], g)
		}
	}
	for i := range groups {
		if groups[i] == nil {
			groups[i] = []string{}
		}
	}
	m.Groups = groups
	return m, nil
}

// WeekModelService keeps a school's week model.
type WeekModelService interface {
	// FindWeekModel returns the school's model; Weeks is 0 if it has none.
	FindWeekModel(ctx context.Context, school SchoolID) (WeekModel, error)
	SetWeekModel(ctx context.Context, school SchoolID, m WeekModel) error
}

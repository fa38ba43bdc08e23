package timetable_test

import (
	"testing"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/timetable"
)

// offBetween says a day is off when it lies in one of the ranges.
func offBetween(ranges ...[2]schulhof.Day) func(schulhof.Day) bool {
	return func(d schulhof.Day) bool {
		for _, r := range ranges {
			if r[0] <= d && d <= r[1] {
				return true
			}
		}
		return false
	}
}

func TestCycleWeekTypes(t *testing.T) {
	ab := schulhof.WeekModel{Weeks: 2, Start: "2026-09-07", Groups: [][]string{{"A", "UW"}, {"B", "GW"}}}
	// one week of autumn holidays, and a week with only three days off
	off := offBetween([2]schulhof.Day{"2026-10-12", "2026-10-16"}, [2]schulhof.Day{"2026-11-02", "2026-11-04"})
	skip := ab
	skip.SkipHolidays = true
	abc := schulhof.WeekModel{Weeks: 3, Start: "2026-09-09", Groups: schulhof.DefaultWeekGroups(3)} // a Wednesday
	cases := []struct {
		name  string
		model schulhof.WeekModel
		day   schulhof.Day
		want  string
	}{
		{"start week", ab, "2026-09-07", "A"},
		{"start week's Friday", ab, "2026-09-11", "A"},
		{"start week's Sunday", ab, "2026-09-13", "A"},
		{"next week", ab, "2026-09-14", "B"},
		{"week after", ab, "2026-09-21", "A"},
		{"week before the start", ab, "2026-09-04", "B"},
		{"two weeks before", ab, "2026-08-27", "A"},
		{"holiday week counts without skipping", ab, "2026-10-12", "B"},
		{"after the holidays, calendar weeks", ab, "2026-10-19", "A"},
		{"holiday week has no type when skipped", skip, "2026-10-14", ""},
		{"after the holidays, the rotation goes on", skip, "2026-10-19", "B"},
		{"the week after that", skip, "2026-10-26", "A"},
		{"a week with school days counts", skip, "2026-11-02", "B"},
		{"and the next", skip, "2026-11-09", "A"},
		{"before the start, with holidays behind", skip, "2026-08-31", "B"},
		{"across the turn of the year", ab, "2027-01-04", "B"}, // 17 weeks after the start
		{"A/B/C, start on a Wednesday", abc, "2026-09-07", "A"},
		{"A/B/C second", abc, "2026-09-14", "B"},
		{"A/B/C third", abc, "2026-09-21", "C"},
		{"A/B/C fourth", abc, "2026-09-28", "A"},
		{"A/B/C before", abc, "2026-08-31", "C"},
		{"no rotation", schulhof.WeekModel{}, "2026-09-07", ""},
	}
	for _, c := range cases {
		got := schulhof.WeekTypeName(timetable.NewCycle(c.model, off).TypeOf(c.day))
		if got != c.want {
			t.Errorf("%s: %s is %q, want %q", c.name, c.day, got, c.want)
		}
	}

	cy := timetable.NewCycle(ab, off)
	for _, c := range []struct {
		group string
		day   schulhof.Day
		want  bool
	}{
		{"A", "2026-09-07", true}, {"A", "2026-09-14", false}, {"uw", "2026-09-07", true}, {"GW", "2026-09-07", false},
		{"GW", "2026-09-15", true}, {"", "2026-09-14", true}, {"Förder", "2026-09-14", true}, {"Förder", "2026-09-07", true},
	} {
		if got := cy.Runs(c.group, c.day); got != c.want {
			t.Errorf("group %q on %s runs: %v, want %v", c.group, c.day, got, c.want)
		}
	}
	var none *timetable.Cycle
	if !none.Runs("A", "2026-09-07") || none.TypeOf("2026-09-07") != 0 {
		t.Error("without a cycle every lesson runs every week")
	}
	if timetable.NewCycle(ab, nil).TypeOf("2026-09-14") != 2 {
		t.Error("a cycle without days off counts calendar weeks")
	}
}

// TestWeekHonoursABWeeks: a lesson of the group A is in A weeks only,
// one of B in B weeks, one without a group in both, and a substitution
// of the B lesson in its week still applies.
func TestWeekHonoursABWeeks(t *testing.T) {
	group := schulhof.GroupID(5)
	plan := &schulhof.TimetablePlan{ValidFrom: "2026-08-01", ValidTo: "2027-07-31", Entries: []schulhof.TimetableEntry{
		{Lesson: 1, Weekday: 1, Period: 1, Subject: "M", GroupID: group},
		{Lesson: 2, Weekday: 1, Period: 2, Subject: "PH", GroupID: group, WeekGroup: "A"},
		{Lesson: 3, Weekday: 1, Period: 2, Subject: "CH", GroupID: group, WeekGroup: "B"},
	}}
	planFor := func(schulhof.Day) (*schulhof.TimetablePlan, error) { return plan, nil }
	cycle := timetable.NewCycle(schulhof.WeekModel{Weeks: 2, Start: "2026-09-07", Groups: schulhof.DefaultWeekGroups(2)}, nil)
	v := timetable.Viewer{Groups: map[schulhof.GroupID]bool{group: true}}
	subs := []schulhof.Substitution{{Day: "2026-09-14", Period: 2, Lesson: 3, Kind: "C"}}
	subjects := func(monday string) []string {
		m, _ := time.Parse("2006-01-02", monday)
		week, err := timetable.Week(planFor, subs, nil, schulhof.DefaultLessonTimes, cycle, v, m, 1)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, l := range week {
			out = append(out, l.Subject+":"+l.Status)
		}
		return out
	}
	if got := subjects("2026-09-07"); len(got) != 2 || got[0] != "M:regular" || got[1] != "PH:regular" {
		t.Errorf("A week: %v", got)
	}
	if got := subjects("2026-09-14"); len(got) != 2 || got[0] != "M:regular" || got[1] != "CH:cancelled" {
		t.Errorf("B week: %v", got)
	}
	if got := subjects("2026-09-21"); len(got) != 2 || got[1] != "PH:regular" {
		t.Errorf("A week again: %v", got)
	}
	// without a cycle, both groups' lessons are there every week
	m, _ := time.Parse("2006-01-02", "2026-09-07")
	if week, _ := timetable.Week(planFor, nil, nil, nil, nil, v, m, 1); len(week) != 3 {
		t.Errorf("without a cycle: %v", week)
	}
}

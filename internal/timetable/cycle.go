package timetable

import (
	"strings"
	"sync"
	"time"

	"github.com/schulhof/schulhof"
)

// Cycle says which type (A, B, ...) a week is by the school's week model,
// and so whether a lesson of an A/B group runs in it. It remembers the
// weeks it has counted; make a new one when the model or the holidays
// change.
type Cycle struct {
	model schulhof.WeekModel
	start time.Time
	types map[string]int // lower-cased lesson group -> week type, 1 = A
	off   func(schulhof.Day) bool

	mu   sync.Mutex
	memo map[time.Time]int
}

// NewCycle makes the cycle of a model; off says whether a day has no
// lessons (a public or school holiday), for models that skip holiday
// weeks. A model without a rotation gives a cycle in which every lesson
// runs every week.
func NewCycle(m schulhof.WeekModel, off func(schulhof.Day) bool) *Cycle {
	c := &Cycle{model: m, types: map[string]int{}, off: off, memo: map[time.Time]int{}}
	if m.Weeks < 2 {
		return c
	}
	start, err := time.Parse("2006-01-02", string(m.Start))
	if err != nil {
		c.model.Weeks = 0
		return c
	}
	c.start = mondayOf(start)
	for t, groups := range m.Groups {
		for _, g := range groups {
			c.types[strings.ToLower(g)] = t + 1
		}
	}
	return c
}

func mondayOf(t time.Time) time.Time {
	t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
}

// TypeOf returns the type of the week of day: 1 for A, 2 for B, ...; 0
// when the school has no rotation, or the week is a holiday week that
// does not count.
func (c *Cycle) TypeOf(day schulhof.Day) int {
	if c == nil || c.model.Weeks < 2 {
		return 0
	}
	t, err := time.Parse("2006-01-02", string(day))
	if err != nil {
		return 0
	}
	monday := mondayOf(t)
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.memo[monday]; ok {
		return v
	}
	v := c.count(monday)
	c.memo[monday] = v
	return v
}

// count is the week type of the week from monday, counted from the
// model's start.
func (c *Cycle) count(monday time.Time) int {
	weeks := int(monday.Sub(c.start).Hours()+12) / (24 * 7)
	if monday.Before(c.start) {
		weeks = -int(c.start.Sub(monday).Hours()+12) / (24 * 7)
	}
	if c.model.SkipHolidays && c.off != nil {
		if c.holidayWeek(monday) {
			return 0
		}
		// only weeks with school days count, between the start and this one
		n := 0
		if weeks >= 0 {
			for w := c.start; w.Before(monday); w = w.AddDate(0, 0, 7) {
				if !c.holidayWeek(w) {
					n++
				}
			}
		} else {
			for w := monday; w.Before(c.start); w = w.AddDate(0, 0, 7) {
				if !c.holidayWeek(w) {
					n--
				}
			}
		}
		weeks = n
	}
	n := c.model.Weeks
	return (weeks%n+n)%n + 1
}

// holidayWeek says whether the week from monday has no school day from
// Monday to Friday.
func (c *Cycle) holidayWeek(monday time.Time) bool {
	for i := 0; i < 5; i++ {
		if !c.off(schulhof.DayOf(monday.AddDate(0, 0, i))) {
			return false
		}
	}
	return true
}

// Runs says whether a lesson of the lesson group runs on day: lessons of
// a group the model does not name run every week.
func (c *Cycle) Runs(group string, day schulhof.Day) bool {
	if c == nil || c.model.Weeks < 2 || group == "" {
		return true
	}
	t, ok := c.types[strings.ToLower(group)]
	if !ok {
		return true
	}
	return c.TypeOf(day) == t
}

// Knows says whether the model names the lesson group.
func (c *Cycle) Knows(group string) bool {
	if c == nil {
		return false
	}
	_, ok := c.types[strings.ToLower(group)]
	return ok
}

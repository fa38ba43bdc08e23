package exams

import (
	"sort"
	"time"

	"github.com/schulhof/schulhof"
)

// MaxSuggestDays bounds the window Suggest searches.
const MaxSuggestDays = 92

// Slot is a time an exam may take.
type Slot struct {
	Date schulhof.Day `json:"date"`
	From int          `json:"from_period"`
	To   int          `json:"to_period"`
	// Score orders the slots, higher first: the group's own lessons, room
	// between the students' exams, no rule bent.
	Score int `json:"score"`
	// Own says the group has lessons in these periods by the timetable.
	Own bool `json:"own_lessons"`
	// Warnings are the soft rules ("in der Regel") the slot breaks.
	Warnings []Violation `json:"warnings,omitempty"`
}

// Suggest lists the slots from one day to another (inclusive, at most
// MaxSuggestDays) in which the exam, with its length in periods, its
// students, rooms and supervisors, breaks no hard rule; best first (the
// best of each day before a day's second best), at most limit. own, if given, says whether the exam's groups have lessons
// in those periods by the timetable (those are preferred: no one misses
// another subject's lesson).
func (p *Plan) Suggest(e Exam, from, to schulhof.Day, own func(day schulhof.Day, from, to int) bool, limit int) []Slot {
	start, err1 := time.Parse("2006-01-02", string(from))
	end, err2 := time.Parse("2006-01-02", string(to))
	if err1 != nil || err2 != nil || end.Before(start) {
		return nil
	}
	if max := start.AddDate(0, 0, MaxSuggestDays-1); end.After(max) {
		end = max
	}
	length := e.To - e.From
	if length < 0 {
		length = 0
	}
	var out []Slot
	for t := start; !t.After(end); t = t.AddDate(0, 0, 1) {
		weekday := (int(t.Weekday())+6)%7 + 1
		if weekday > 5 {
			continue
		}
		day := schulhof.DayOf(t)
		if p.in.Calendar.Off != nil && p.in.Calendar.Off(day) != "" {
			continue
		}
		if _, blocked := p.in.Calendar.Blocked[day]; blocked {
			continue
		}
		periods := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
		if p.in.Calendar.Periods != nil {
			periods = p.in.Calendar.Periods(weekday)
		}
		crowd := -1 // the day's closeness to the students' other exams, computed once a day
		for _, first := range periods {
			c := e
			c.Date, c.From, c.To = day, first, first+length
			vs := p.check(&c, false)
			if Hard(vs) {
				continue
			}
			if crowd < 0 {
				crowd = p.crowding(&c, t)
			}
			s := Slot{Date: day, From: c.From, To: c.To, Score: 1000 - crowd}
			if own != nil && own(day, c.From, c.To) {
				s.Own = true
				s.Score += 200
			}
			if len(vs) > 0 {
				s.Warnings = p.check(&c, true)
				s.Score -= 300 * len(vs)
			}
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	// the best slot of each day first, so that a short list offers
	// different days, then the others
	var first, rest []Slot
	seen := map[schulhof.Day]bool{}
	for _, s := range out {
		if seen[s.Date] {
			rest = append(rest, s)
		} else {
			seen[s.Date] = true
			first = append(first, s)
		}
	}
	out = append(first, rest...)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// crowding is how close the day is to the students' other counted exams:
// for each student, 6 for an exam the day before or after, down to 1 for
// one five days away; averaged over the students, times 20.
func (p *Plan) crowding(e *Exam, t time.Time) int {
	if len(e.Students) == 0 {
		return 0
	}
	lo, hi := schulhof.DayOf(t.AddDate(0, 0, -5)), schulhof.DayOf(t.AddDate(0, 0, 5))
	sum := 0
	for _, s := range e.Students {
		idx := p.byStudent[s]
		i := sort.Search(len(idx), func(i int) bool { return p.in.Exams[idx[i]].Date >= lo })
		near := 0
		for ; i < len(idx); i++ {
			o := &p.in.Exams[idx[i]]
			if o.Date > hi {
				break
			}
			if !o.Kind.Counts() || (o.ID == e.ID && e.ID != 0) {
				continue
			}
			ot, _ := time.Parse("2006-01-02", string(o.Date))
			d := int(ot.Sub(t).Hours()/24 + 0.5)
			if d < 0 {
				d = -d
			}
			if w := 6 - d; w > near {
				near = w
			}
		}
		sum += near
	}
	return sum * 20 / len(e.Students)
}

package exams

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
)

// Exam is a written exam as the rules see it.
type Exam struct {
	ID          int64              `json:"id"`
	Date        schulhof.Day       `json:"date"`
	From        int                `json:"from_period"`
	To          int                `json:"to_period"`
	Kind        Kind               `json:"type"`
	Title       string             `json:"title"` // "M-LK1", "Englisch 7b": how explanations name it
	Groups      []schulhof.GroupID `json:"groups"`
	Students    []schulhof.UserID  `json:"students"`
	Rooms       []string           `json:"rooms"`
	Supervisors []schulhof.UserID  `json:"supervisors"`
}

// Student is what the rules and the explanations need of a student.
type Student struct {
	Name  string // as explanations show it: "Mustermann"
	Class string // "Q1", "7b"
	Level Level
}

// Calendar says which days and periods an exam may take.
type Calendar struct {
	// Off names why a day has no lessons: a holiday ("Weihnachtsferien"),
	// "" on a school day. Saturdays and Sundays are off without it.
	Off func(schulhof.Day) string
	// Blocked are days the school keeps free of exams, with the reason
	// (e.g. report conferences).
	Blocked map[schulhof.Day]string
	// Periods are the periods there are on a weekday (1 = Monday), in
	// order; nil: periods 1 to 10 on every day.
	Periods func(weekday int) []int
}

// Input is everything a plan is checked against.
type Input struct {
	Exams       []Exam
	Students    map[schulhof.UserID]Student
	Supervisors map[schulhof.UserID]string // names of the supervising teachers
	Rules       RuleSet
	Calendar    Calendar
	// Lang is the language of the explanations: "de" (default) or "en".
	Lang string
}

// Plan is a school's exams, indexed for checking new ones. It does not
// change once made; make a new one when the exams change.
type Plan struct {
	in        Input
	byStudent map[schulhof.UserID][]int // indexes of Exams, by date
	byDay     map[schulhof.Day][]int
}

// NewPlan indexes the exams.
func NewPlan(in Input) *Plan {
	p := &Plan{in: in, byStudent: map[schulhof.UserID][]int{}, byDay: map[schulhof.Day][]int{}}
	order := make([]int, len(in.Exams))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return in.Exams[order[a]].Date < in.Exams[order[b]].Date })
	for _, i := range order {
		e := &in.Exams[i]
		p.byDay[e.Date] = append(p.byDay[e.Date], i)
		for _, s := range e.Students {
			p.byStudent[s] = append(p.byStudent[s], i)
		}
	}
	if p.in.Students == nil {
		p.in.Students = map[schulhof.UserID]Student{}
	}
	return p
}

// Exams returns the plan's exams (shared: do not change them).
func (p *Plan) Exams() []Exam { return p.in.Exams }

// Violation is a broken rule: which, on what day, for which students,
// explained in words. Hard ones block saving; soft ones ("in der Regel")
// may be overridden with a reason.
type Violation struct {
	Rule     string            `json:"rule"`
	Date     schulhof.Day      `json:"date"`
	Hard     bool              `json:"hard"`
	Students []schulhof.UserID `json:"students"`
	Message  string            `json:"message"`
}

// The rules a violation names.
const (
	RuleMaxPerDay      = "max_per_day"
	RuleMaxPerWeek     = "max_per_week"
	RuleTestOnExamDay  = "test_on_exam_day"
	RuleWeekend        = "weekend"
	RuleHoliday        = "holiday"
	RuleBlockedDay     = "blocked_day"
	RuleAfterHolidays  = "after_holidays"
	RuleRoomTaken      = "room_taken"
	RuleSupervisorBusy = "supervisor_taken"
	RuleNoSuchPeriod   = "no_such_period"
)

// Hard says whether any of the violations blocks saving.
func Hard(vs []Violation) bool {
	for _, v := range vs {
		if v.Hard {
			return true
		}
	}
	return false
}

// Check returns the rules the exam breaks against the plan (an exam of
// the plan with the same ID is left out: that is the one being changed),
// by the order of the rules above.
func (p *Plan) Check(e Exam) []Violation {
	return p.check(&e, true)
}

// conflict is a student's clash: the other exams that make it.
type conflict struct {
	student schulhof.UserID
	others  []*Exam
}

func (p *Plan) check(e *Exam, explain bool) []Violation {
	var out []Violation
	t, err := time.Parse("2006-01-02", string(e.Date))
	if err != nil {
		return []Violation{{Rule: RuleNoSuchPeriod, Date: e.Date, Hard: true, Message: p.msg(explain, "bad_date", e.Date)}}
	}
	out = append(out, p.calendar(e, t, explain)...)
	out = append(out, p.students(e, t, explain)...)
	out = append(out, p.places(e, explain)...)
	return out
}

// calendar: a school day, not blocked, not after holidays where that is
// a rule, periods that exist.
func (p *Plan) calendar(e *Exam, t time.Time, explain bool) []Violation {
	var out []Violation
	cal := p.in.Calendar
	weekday := (int(t.Weekday())+6)%7 + 1
	switch {
	case weekday > 5:
		out = append(out, Violation{Rule: RuleWeekend, Date: e.Date, Hard: true, Message: p.msg(explain, RuleWeekend, e.Date, weekday)})
	case cal.Off != nil && cal.Off(e.Date) != "":
		out = append(out, Violation{Rule: RuleHoliday, Date: e.Date, Hard: true, Message: p.msg(explain, RuleHoliday, e.Date, cal.Off(e.Date))})
	}
	if why, ok := cal.Blocked[e.Date]; ok {
		out = append(out, Violation{Rule: RuleBlockedDay, Date: e.Date, Hard: true, Message: p.msg(explain, RuleBlockedDay, e.Date, why)})
	}
	if p.afterHolidays(e, t) {
		out = append(out, Violation{Rule: RuleAfterHolidays, Date: e.Date, Hard: true, Message: p.msg(explain, RuleAfterHolidays, e.Date)})
	}
	periods := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if cal.Periods != nil {
		periods = cal.Periods(weekday)
	}
	for q := e.From; q <= e.To || e.From > e.To; q++ {
		if e.From > e.To || e.From < 1 || !slices.Contains(periods, q) {
			out = append(out, Violation{Rule: RuleNoSuchPeriod, Date: e.Date, Hard: true, Message: p.msg(explain, RuleNoSuchPeriod, e.Date, q, weekday)})
			break
		}
	}
	return out
}

// afterHolidays says whether the day is the first school day after
// holidays and a participant's rules forbid exams then. Holidays are at
// least two weekdays off in a row, so a single public holiday is none.
func (p *Plan) afterHolidays(e *Exam, t time.Time) bool {
	if p.in.Calendar.Off == nil || !p.anyRule(e, func(r Rules) bool { return r.NoExamAfterHolidays }) {
		return false
	}
	off := 0
	for d := t.AddDate(0, 0, -1); off < 2; d = d.AddDate(0, 0, -1) {
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		if p.in.Calendar.Off(schulhof.DayOf(d)) == "" {
			break
		}
		off++
	}
	return off >= 2
}

// anyRule says whether the rules of any participant's level hold.
func (p *Plan) anyRule(e *Exam, f func(Rules) bool) bool {
	seen := [2]bool{}
	for _, s := range e.Students {
		l := p.in.Students[s].Level
		if !seen[l] {
			seen[l] = true
			if f(p.in.Rules.For(l)) {
				return true
			}
		}
	}
	return false
}

// students: the limits per day and week, and no test on an exam's day.
func (p *Plan) students(e *Exam, t time.Time, explain bool) []Violation {
	monday := t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
	from, to := schulhof.DayOf(monday), schulhof.DayOf(monday.AddDate(0, 0, 6))
	var day, week [2][]conflict // by level
	var tests []conflict
	for _, s := range e.Students {
		st := p.in.Students[s]
		rules := p.in.Rules.For(st.Level)
		var sameDay, sameWeek, testsThatDay []*Exam
		idx := p.byStudent[s]
		start := sort.Search(len(idx), func(i int) bool { return p.in.Exams[idx[i]].Date >= from })
		for _, i := range idx[start:] {
			o := &p.in.Exams[i]
			if o.Date > to {
				break
			}
			if o.ID == e.ID && e.ID != 0 {
				continue
			}
			if o.Kind.Counts() {
				sameWeek = append(sameWeek, o)
				if o.Date == e.Date {
					sameDay = append(sameDay, o)
				}
			} else if o.Date == e.Date {
				testsThatDay = append(testsThatDay, o)
			}
		}
		if e.Kind.Counts() {
			if rules.MaxPerDay > 0 && len(sameDay)+1 > rules.MaxPerDay {
				day[st.Level] = append(day[st.Level], conflict{s, sameDay})
			}
			if rules.MaxPerWeek > 0 && len(sameWeek)+1 > rules.MaxPerWeek {
				week[st.Level] = append(week[st.Level], conflict{s, sameWeek})
			}
			if rules.NoTestOnExamDay && len(testsThatDay) > 0 {
				tests = append(tests, conflict{s, testsThatDay})
			}
		} else if rules.NoTestOnExamDay && len(sameDay) > 0 {
			tests = append(tests, conflict{s, sameDay})
		}
	}
	var out []Violation
	for l := Lower; l <= Upper; l++ {
		rules := p.in.Rules.For(l)
		if cs := day[l]; len(cs) > 0 {
			out = append(out, p.studentViolation(RuleMaxPerDay, e, !rules.MaxPerDaySoft, cs, explain, rules.MaxPerDay, l))
		}
		if cs := week[l]; len(cs) > 0 {
			out = append(out, p.studentViolation(RuleMaxPerWeek, e, !rules.MaxPerWeekSoft, cs, explain, rules.MaxPerWeek, l))
		}
	}
	if len(tests) > 0 {
		out = append(out, p.studentViolation(RuleTestOnExamDay, e, true, tests, explain, 0, Lower))
	}
	return out
}

func (p *Plan) studentViolation(rule string, e *Exam, hard bool, cs []conflict, explain bool, limit int, l Level) Violation {
	v := Violation{Rule: rule, Date: e.Date, Hard: hard}
	for _, c := range cs {
		v.Students = append(v.Students, c.student)
	}
	if explain {
		v.Message = p.explainStudents(rule, e, cs, hard, limit, l)
	}
	return v
}

// places: rooms and supervisors not taken by another exam at that time.
func (p *Plan) places(e *Exam, explain bool) []Violation {
	var out []Violation
	for _, i := range p.byDay[e.Date] {
		o := &p.in.Exams[i]
		if (o.ID == e.ID && e.ID != 0) || o.To < e.From || e.To < o.From {
			continue
		}
		for _, r := range e.Rooms {
			if slices.ContainsFunc(o.Rooms, func(x string) bool { return strings.EqualFold(x, r) }) {
				out = append(out, Violation{Rule: RuleRoomTaken, Date: e.Date, Hard: true, Message: p.msg(explain, RuleRoomTaken, e.Date, r, o.From, o.To, o.Title)})
			}
		}
		for _, s := range e.Supervisors {
			if slices.Contains(o.Supervisors, s) {
				out = append(out, Violation{Rule: RuleSupervisorBusy, Date: e.Date, Hard: true,
					Message: p.msg(explain, RuleSupervisorBusy, e.Date, p.in.Supervisors[s], o.From, o.To, o.Title)})
			}
		}
	}
	return out
}

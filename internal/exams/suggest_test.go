package exams

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/schulhof/schulhof"
)

func TestSuggest(t *testing.T) {
	p := plan("NW")
	e := Exam{From: 1, To: 2, Kind: Klassenarbeit, Students: []schulhof.UserID{1, 2, 3, 4}, Rooms: []string{"204"}}
	// the 7b's own lessons: Thursdays 3-4
	own := func(d schulhof.Day, from, to int) bool {
		t, _ := time.Parse("2006-01-02", string(d))
		return t.Weekday() == time.Thursday && from == 3 && to == 4
	}
	slots := p.Suggest(e, "2026-11-09", "2026-11-20", own, 0)
	if len(slots) == 0 {
		t.Fatal("no slots")
	}
	for _, s := range slots {
		if s.Date < "2026-11-16" {
			t.Errorf("a slot in the full week: %+v", s)
		}
	}
	if best := slots[0]; best.Date != "2026-11-19" || best.From != 3 || !best.Own {
		t.Errorf("best: %+v", best)
	}
	// Friday has six periods: a two-period exam starts at 5 at the latest
	for _, s := range slots {
		if s.Date == "2026-11-20" && s.To > 6 {
			t.Errorf("beyond Friday's periods: %+v", s)
		}
	}
	// Monday 16th is closer to the week of exams than Wednesday 18th
	score := map[schulhof.Day]int{}
	for _, s := range slots {
		if s.From == 1 {
			score[s.Date] = s.Score
		}
	}
	if score["2026-11-16"] >= score["2026-11-18"] {
		t.Errorf("spread: Monday %d, Wednesday %d", score["2026-11-16"], score["2026-11-18"])
	}
	if got := p.Suggest(e, "2026-11-16", "2026-11-20", nil, 3); len(got) != 3 || got[0].Date == got[1].Date || got[1].Date == got[2].Date {
		t.Errorf("limit, or three slots not on three days: %+v", got)
	}
	if got := p.Suggest(e, "2026-11-20", "2026-11-16", nil, 0); got != nil {
		t.Errorf("a window backwards: %v", got)
	}
	// soft rules are allowed, with the warning and a lower score
	up := Exam{From: 1, To: 2, Kind: Klausur, Students: []schulhof.UserID{11}}
	for _, s := range p.Suggest(up, "2026-11-13", "2026-11-13", nil, 0) {
		if len(s.Warnings) != 1 || s.Warnings[0].Rule != RuleMaxPerWeek || s.Warnings[0].Message == "" {
			t.Errorf("warnings %+v", s)
		}
	}
}

// TestSuggestionsNeverBreakHardRules: random school years, random exams:
// every suggested slot passes Check without a hard violation, and every
// slot left out breaks one.
func TestSuggestionsNeverBreakHardRules(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		in := randomSchool(r, 200, 300)
		in.Rules = PresetFor([]string{"NW", "NI", "RP", "BY"}[r.IntN(4)])
		p := NewPlan(in)
		e := randomExam(r, in, 0)
		from := schulhof.DayOf(time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(200)))
		ft, _ := time.Parse("2006-01-02", string(from))
		to := schulhof.DayOf(ft.AddDate(0, 0, 27))
		slots := p.Suggest(e, from, to, nil, 0)
		offered := map[string]bool{}
		for _, s := range slots {
			c := e
			c.Date, c.From, c.To = s.Date, s.From, s.To
			if vs := p.Check(c); Hard(vs) {
				t.Fatalf("seed %d: slot %+v breaks %+v", seed, s, vs)
			}
			offered[fmt.Sprint(s.Date, s.From)] = true
		}
		for d := ft; !d.After(ft.AddDate(0, 0, 27)); d = d.AddDate(0, 0, 1) {
			for first := 1; first <= 8; first++ {
				c := e
				c.Date, c.From, c.To = schulhof.DayOf(d), first, first+e.To-e.From
				if !offered[fmt.Sprint(c.Date, c.From)] && !Hard(p.Check(c)) {
					t.Fatalf("seed %d: %s period %d is free but not offered", seed, c.Date, first)
				}
			}
		}
	}
}

// randomSchool makes a school year of exams for classes of 25 students:
// lower classes 5a-10d and upper courses of 18 students of EF, Q1, Q2.
func randomSchool(r *rand.Rand, nStudents, nExams int) Input {
	in := Input{Students: map[schulhof.UserID]Student{}, Calendar: Calendar{
		Off: func(d schulhof.Day) string {
			if d >= "2026-10-17" && d <= "2026-10-31" {
				return "Herbstferien"
			}
			if d >= "2026-12-23" && d <= "2027-01-06" {
				return "Weihnachtsferien"
			}
			return ""
		},
		Blocked: map[schulhof.Day]string{"2027-01-27": "Zeugniskonferenzen"},
		Periods: func(weekday int) []int { return []int{1, 2, 3, 4, 5, 6, 7, 8} },
	}}
	classes := []string{"5a", "5b", "6a", "7b", "8c", "9a", "10d", "EF", "Q1", "Q2"}
	for i := 1; i <= nStudents; i++ {
		c := classes[(i-1)*len(classes)/nStudents]
		in.Students[schulhof.UserID(i)] = Student{Name: fmt.Sprintf("Schüler%d", i), Class: c, Level: LevelOf(c)}
	}
	for i := 0; i < nExams; i++ {
		in.Exams = append(in.Exams, randomExam(r, in, int64(i+1)))
	}
	return in
}

func randomExam(r *rand.Rand, in Input, id int64) Exam {
	n := len(in.Students)
	first := 1 + r.IntN(n)
	size := 10 + r.IntN(20)
	e := Exam{ID: id, Kind: []Kind{Klassenarbeit, Klausur, Test, Makeup}[r.IntN(4)], Title: fmt.Sprintf("Arbeit %d", id),
		Date: schulhof.DayOf(time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(300))), From: 1 + r.IntN(6)}
	e.To = e.From + r.IntN(3)
	for s := first; s < first+size && s <= n; s++ {
		e.Students = append(e.Students, schulhof.UserID(s))
	}
	if r.IntN(2) == 0 {
		e.Rooms = []string{fmt.Sprintf("R%d", r.IntN(30))}
	}
	if r.IntN(2) == 0 {
		e.Supervisors = []schulhof.UserID{schulhof.UserID(10000 + r.IntN(120))}
	}
	return e
}

package exams

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/schulhof/schulhof"
)

// largeSchool is a large school's year: 1,500 students in 50 lower
// classes of 25 and an upper school of 250 students in three years, each
// writing in 8 courses of 18; 4,000 exams on school days from September
// to June, each for a class or a course, with rooms and supervisors.
func largeSchool() (Input, [][]schulhof.UserID) {
	r := rand.New(rand.NewPCG(2026, 11))
	in := Input{Students: map[schulhof.UserID]Student{}, Supervisors: map[schulhof.UserID]string{}, Rules: PresetFor("NW"), Calendar: Calendar{
		Off: func(d schulhof.Day) string {
			switch {
			case d >= "2026-10-17" && d <= "2026-10-31":
				return "Herbstferien"
			case d >= "2026-12-23" && d <= "2027-01-06":
				return "Weihnachtsferien"
			case d >= "2027-03-22" && d <= "2027-04-03":
				return "Osterferien"
			}
			return ""
		},
		Blocked: map[schulhof.Day]string{"2027-01-27": "Zeugniskonferenzen", "2027-06-23": "Zeugniskonferenzen"},
		Periods: func(int) []int { return []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10} },
	}}
	var groups [][]schulhof.UserID
	id := schulhof.UserID(1)
	for c := 0; c < 50; c++ {
		var g []schulhof.UserID
		for i := 0; i < 25; i++ {
			in.Students[id] = Student{Name: fmt.Sprintf("Name%d", id), Class: fmt.Sprintf("%d%c", 5+c/10, 'a'+c%10), Level: Lower}
			g = append(g, id)
			id++
		}
		groups = append(groups, g)
	}
	for y, class := range []string{"EF", "Q1", "Q2"} {
		var year []schulhof.UserID
		for i := 0; i < 84 || (y == 2 && i < 82); i++ {
			in.Students[id] = Student{Name: fmt.Sprintf("Name%d", id), Class: class, Level: Upper}
			year = append(year, id)
			id++
		}
		for course := 0; course < 40; course++ { // each student in about 8 of 40 courses
			var g []schulhof.UserID
			for _, s := range year {
				if r.IntN(5) == 0 {
					g = append(g, s)
				}
			}
			groups = append(groups, g)
		}
	}
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	for len(in.Exams) < 4000 {
		d := start.AddDate(0, 0, r.IntN(300))
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday || in.Calendar.Off(schulhof.DayOf(d)) != "" {
			continue
		}
		g := groups[r.IntN(len(groups))]
		kind := Klassenarbeit
		if in.Students[g[0]].Level == Upper {
			kind = Klausur
		}
		from := 1 + r.IntN(6)
		in.Exams = append(in.Exams, Exam{ID: int64(len(in.Exams) + 1), Date: schulhof.DayOf(d), From: from, To: from + 1 + r.IntN(2), Kind: kind,
			Title: fmt.Sprintf("Arbeit %d", len(in.Exams)+1), Students: g, Rooms: []string{fmt.Sprintf("R%d", r.IntN(60))},
			Supervisors: []schulhof.UserID{schulhof.UserID(100000 + r.IntN(120))}})
	}
	return in, groups
}

// BenchmarkCheck: one new exam of a course against the year's 4,000
// exams (target: under 10 ms).
func BenchmarkCheck(b *testing.B) {
	in, groups := largeSchool()
	p := NewPlan(in)
	e := Exam{Date: "2027-02-10", From: 3, To: 4, Kind: Klausur, Title: "M-LK1", Students: groups[60], Rooms: []string{"R1"}, Supervisors: []schulhof.UserID{100001}}
	b.ResetTimer()
	for b.Loop() {
		p.Check(e)
	}
}

// BenchmarkCheckWithIndex: the same, indexing the year first (a plan
// not kept from an earlier request).
func BenchmarkCheckWithIndex(b *testing.B) {
	in, groups := largeSchool()
	e := Exam{Date: "2027-02-10", From: 3, To: 4, Kind: Klausur, Title: "M-LK1", Students: groups[60], Rooms: []string{"R1"}, Supervisors: []schulhof.UserID{100001}}
	b.ResetTimer()
	for b.Loop() {
		NewPlan(in).Check(e)
	}
}

// BenchmarkSuggest: free slots for a class's exam in a window of four
// weeks (target: under 100 ms).
func BenchmarkSuggest(b *testing.B) {
	in, groups := largeSchool()
	p := NewPlan(in)
	e := Exam{From: 1, To: 2, Kind: Klassenarbeit, Title: "E 7b", Students: groups[20], Rooms: []string{"R2"}}
	b.ResetTimer()
	for b.Loop() {
		p.Suggest(e, "2027-02-01", "2027-02-28", nil, 20)
	}
}

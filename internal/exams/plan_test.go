package exams

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/schulhof/schulhof"
)

var update = flag.Bool("update", false, "write the golden files anew")

// school: students 1-4 in 7b (lower), 11-14 in Q1 (upper); autumn
// holidays 17.10.-31.10.2026 (NRW) and Christmas 23.12.2026-06.01.2027.
var students = map[schulhof.UserID]Student{
	1: {"Adler", "7b", Lower}, 2: {"Becker", "7b", Lower}, 3: {"Celik", "7b", Lower}, 4: {"Dąbrowski", "7b", Lower},
	11: {"Mustermann", "Q1", Upper}, 12: {"Özdemir", "Q1", Upper}, 13: {"Schmidt", "Q1", Upper}, 14: {"Weiß", "Q1", Upper},
}

func holidays(d schulhof.Day) string {
	switch {
	case d >= "2026-10-17" && d <= "2026-10-31":
		return "Herbstferien"
	case d >= "2026-12-23" && d <= "2027-01-06":
		return "Weihnachtsferien"
	case d == "2026-11-01":
		return "Allerheiligen"
	}
	return ""
}

func calendar() Calendar {
	return Calendar{Off: holidays, Blocked: map[schulhof.Day]string{"2027-01-27": "Zeugniskonferenzen"},
		Periods: func(weekday int) []int {
			if weekday == 5 {
				return []int{1, 2, 3, 4, 5, 6}
			}
			return []int{1, 2, 3, 4, 5, 6, 7, 8}
		}}
}

// existing is the plan the new exams meet: in the week of 9 Nov 2026
// (Mon) the 7b writes two Klassenarbeiten, the Q1 students three Klausuren
// each, a test in 7b on Friday, and a room and supervisor on Tuesday.
var existing = []Exam{
	{ID: 1, Date: "2026-11-09", From: 1, To: 2, Kind: Klassenarbeit, Title: "M 7b", Students: []schulhof.UserID{1, 2, 3, 4}, Rooms: []string{"204"}, Supervisors: []schulhof.UserID{100}},
	{ID: 2, Date: "2026-11-11", From: 3, To: 4, Kind: Klassenarbeit, Title: "E 7b", Students: []schulhof.UserID{1, 2, 3}},
	{ID: 3, Date: "2026-11-09", From: 3, To: 5, Kind: Klausur, Title: "M-LK1", Students: []schulhof.UserID{11, 12}},
	{ID: 4, Date: "2026-11-09", From: 3, To: 5, Kind: Klausur, Title: "E-LK1", Students: []schulhof.UserID{13, 14}, Rooms: []string{"A1"}},
	{ID: 5, Date: "2026-11-10", From: 1, To: 3, Kind: Klausur, Title: "D-GK2", Students: []schulhof.UserID{11, 12, 13}, Rooms: []string{"A2"}, Supervisors: []schulhof.UserID{101}},
	{ID: 6, Date: "2026-11-12", From: 1, To: 3, Kind: Makeup, Title: "Nachschreibtermin PH", Students: []schulhof.UserID{11}},
	{ID: 7, Date: "2026-11-13", From: 2, To: 2, Kind: Test, Title: "Vokabeltest F 7b", Students: []schulhof.UserID{1, 2, 3, 4}},
	{ID: 8, Date: "2026-11-12", From: 4, To: 5, Kind: Klausur, Title: "PH-GK1", Students: []schulhof.UserID{12}},
}

func plan(state string) *Plan {
	return NewPlan(Input{Exams: existing, Students: students, Supervisors: map[schulhof.UserID]string{100: "Frau Meier", 101: "Herr Kaya"},
		Rules: PresetFor(state), Calendar: calendar()})
}

func rules(vs []Violation) string {
	var out []string
	for _, v := range vs {
		r := v.Rule
		if !v.Hard {
			r += "(soft)"
		}
		out = append(out, r)
	}
	return strings.Join(out, ",")
}

// TestRules: every rule, for the states with presets.
func TestRules(t *testing.T) {
	lower := []schulhof.UserID{1, 2, 3, 4}
	upper := []schulhof.UserID{11, 12, 13, 14}
	cases := []struct {
		name  string
		state string
		exam  Exam
		want  string
	}{
		{"a free day", "NW", Exam{Date: "2026-11-16", From: 1, To: 2, Kind: Klassenarbeit, Students: lower}, ""},
		{"second on a day", "NI", Exam{Date: "2026-11-09", From: 5, To: 6, Kind: Klassenarbeit, Students: lower}, "max_per_day"},
		{"second on a day, and a third in the week", "NW", Exam{Date: "2026-11-09", From: 5, To: 6, Kind: Klassenarbeit, Students: lower}, "max_per_day,max_per_week"},
		{"third in a week, NRW Sek I (2)", "NW", Exam{Date: "2026-11-12", From: 1, To: 2, Kind: Klassenarbeit, Students: lower}, "max_per_week"},
		{"third in a week, Niedersachsen (3)", "NI", Exam{Date: "2026-11-12", From: 1, To: 2, Kind: Klassenarbeit, Students: lower}, ""},
		{"third in a week, Hessen", "HE", Exam{Date: "2026-11-12", From: 1, To: 2, Kind: Klassenarbeit, Students: lower}, ""},
		{"third in a week, Baden-Württemberg", "BW", Exam{Date: "2026-11-12", From: 1, To: 2, Kind: Klassenarbeit, Students: lower}, ""},
		{"only the students who write", "NW", Exam{Date: "2026-11-12", From: 1, To: 2, Kind: Klassenarbeit, Students: []schulhof.UserID{4}}, ""},
		{"make-ups count", "NW", Exam{Date: "2026-11-12", From: 1, To: 2, Kind: Makeup, Students: []schulhof.UserID{1}}, "max_per_week"},
		{"fourth in a week, NRW Oberstufe: as a rule", "NW", Exam{Date: "2026-11-13", From: 1, To: 3, Kind: Klausur, Students: []schulhof.UserID{11}}, "max_per_week(soft)"},
		{"fourth in a week, Niedersachsen Oberstufe: hard", "NI", Exam{Date: "2026-11-13", From: 1, To: 3, Kind: Klausur, Students: []schulhof.UserID{11}}, "max_per_week"},
		{"Bavaria: the school's default, as a rule", "BY", Exam{Date: "2026-11-13", From: 1, To: 3, Kind: Klausur, Students: []schulhof.UserID{11}}, "max_per_week(soft)"},
		{"a state without a preset", "SN", Exam{Date: "2026-11-13", From: 1, To: 3, Kind: Klausur, Students: []schulhof.UserID{11}}, "max_per_week(soft)"},
		{"the next week is a new week", "NW", Exam{Date: "2026-11-16", From: 1, To: 3, Kind: Klausur, Students: upper}, ""},
		{"Sunday and Monday are different weeks", "NW", Exam{Date: "2026-11-08", From: 1, To: 2, Kind: Klassenarbeit, Students: lower}, "weekend"},
		{"a test does not count", "NW", Exam{Date: "2026-11-12", From: 5, To: 5, Kind: Test, Students: lower}, ""},
		{"NRW: no test on an exam's day", "NW", Exam{Date: "2026-11-11", From: 6, To: 6, Kind: Test, Students: lower}, "test_on_exam_day"},
		{"NRW: no exam on a test's day", "NW", Exam{Date: "2026-11-13", From: 4, To: 5, Kind: Klassenarbeit, Students: []schulhof.UserID{4}}, "test_on_exam_day"},
		{"Niedersachsen: a test on an exam's day", "NI", Exam{Date: "2026-11-11", From: 6, To: 6, Kind: Test, Students: lower}, ""},
		{"holidays", "NW", Exam{Date: "2026-10-20", From: 1, To: 2, Kind: Klassenarbeit, Students: lower}, "holiday"},
		{"holidays across the year end", "NW", Exam{Date: "2027-01-04", From: 1, To: 2, Kind: Klausur, Students: upper}, "holiday"},
		{"a public holiday on a Sunday", "NW", Exam{Date: "2026-11-01", From: 1, To: 2, Kind: Klausur, Students: upper}, "weekend"},
		{"blocked by the admin", "NW", Exam{Date: "2027-01-27", From: 1, To: 2, Kind: Klausur, Students: upper}, "blocked_day"},
		{"first day after holidays, Rheinland-Pfalz", "RP", Exam{Date: "2026-11-02", From: 1, To: 2, Kind: Klassenarbeit, Students: lower}, "after_holidays"},
		{"first day after Christmas, Rheinland-Pfalz", "RP", Exam{Date: "2027-01-07", From: 1, To: 2, Kind: Klassenarbeit, Students: lower}, "after_holidays"},
		{"the day after, Rheinland-Pfalz", "RP", Exam{Date: "2026-11-03", From: 1, To: 2, Kind: Klassenarbeit, Students: lower}, ""},
		{"first day after holidays, NRW", "NW", Exam{Date: "2026-11-02", From: 1, To: 2, Kind: Klassenarbeit, Students: lower}, ""},
		{"a room taken", "NW", Exam{Date: "2026-11-10", From: 3, To: 4, Kind: Klassenarbeit, Students: []schulhof.UserID{4}, Rooms: []string{"a2"}}, "room_taken"},
		{"a room free later", "NW", Exam{Date: "2026-11-10", From: 4, To: 5, Kind: Klassenarbeit, Students: []schulhof.UserID{4}, Rooms: []string{"A2"}}, ""},
		{"a supervisor busy", "NW", Exam{Date: "2026-11-09", From: 2, To: 2, Kind: Test, Supervisors: []schulhof.UserID{100}}, "supervisor_taken"},
		{"a period Friday lacks", "NW", Exam{Date: "2026-11-20", From: 6, To: 7, Kind: Klausur, Students: upper}, "no_such_period"},
		{"from after to", "NW", Exam{Date: "2026-11-20", From: 3, To: 2, Kind: Klausur, Students: upper}, "no_such_period"},
		{"changing an exam does not clash with itself", "NW", Exam{ID: 1, Date: "2026-11-09", From: 1, To: 2, Kind: Klassenarbeit, Students: lower, Rooms: []string{"204"}, Supervisors: []schulhof.UserID{100}}, ""},
		{"moving an exam in its week", "NW", Exam{ID: 2, Date: "2026-11-12", From: 3, To: 4, Kind: Klassenarbeit, Students: []schulhof.UserID{1, 2, 3}}, ""},
		{"several rules at once", "NW", Exam{Date: "2026-11-09", From: 1, To: 1, Kind: Klausur, Students: []schulhof.UserID{11, 1}, Rooms: []string{"204"}}, "max_per_day,max_per_week,max_per_day,max_per_week(soft),room_taken"},
	}
	for _, c := range cases {
		if got := rules(plan(c.state).Check(c.exam)); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// TestViolationStudents: the students of a violation are those who break
// it, not all who write.
func TestViolationStudents(t *testing.T) {
	vs := plan("NW").Check(Exam{Date: "2026-11-12", From: 6, To: 7, Kind: Klausur, Students: []schulhof.UserID{11, 12, 13, 14}})
	// 11: D-GK2, M-LK1, Nachschreibtermin; 12: M-LK1, D-GK2, PH-GK1 (that day too); 13: E-LK1, D-GK2; 14: E-LK1
	if len(vs) != 2 || vs[0].Rule != RuleMaxPerDay || !slices.Equal(vs[0].Students, []schulhof.UserID{11, 12}) ||
		vs[1].Rule != RuleMaxPerWeek || !slices.Equal(vs[1].Students, []schulhof.UserID{11, 12}) {
		t.Fatalf("%+v", vs)
	}
}

// TestExplanations compares the German and English explanations with
// golden files (go test -update writes them).
func TestExplanations(t *testing.T) {
	exams := []Exam{
		{Date: "2026-11-09", From: 1, To: 1, Kind: Klausur, Students: []schulhof.UserID{11, 12, 13, 14, 1}, Rooms: []string{"A1"}, Supervisors: []schulhof.UserID{100}},
		{Date: "2026-11-12", From: 1, To: 2, Kind: Klassenarbeit, Students: []schulhof.UserID{1, 2, 3, 4}},
		{Date: "2026-11-13", From: 6, To: 7, Kind: Klausur, Students: []schulhof.UserID{11}},
		{Date: "2026-11-11", From: 6, To: 6, Kind: Test, Students: []schulhof.UserID{1, 2}},
		{Date: "2026-12-24", From: 1, To: 2, Kind: Klausur, Students: []schulhof.UserID{11}},
		{Date: "2026-11-14", From: 1, To: 2, Kind: Klausur, Students: []schulhof.UserID{11}},
		{Date: "2027-01-27", From: 1, To: 2, Kind: Klausur, Students: []schulhof.UserID{11}},
	}
	for _, lang := range []string{"de", "en"} {
		var b strings.Builder
		for _, state := range []string{"NW", "RP"} {
			p := plan(state)
			p.in.Lang = lang
			for _, e := range append(exams, Exam{Date: "2026-11-02", From: 1, To: 2, Kind: Klassenarbeit, Students: []schulhof.UserID{1}}) {
				for _, v := range p.Check(e) {
					b.WriteString(state + " " + string(v.Date) + " " + v.Rule + ": " + v.Message + "\n")
				}
			}
		}
		golden := filepath.Join("testdata", "explanations-"+lang+".txt")
		if *update {
			os.MkdirAll("testdata", 0o755)
			os.WriteFile(golden, []byte(b.String()), 0o644)
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (go test -update writes it)", err)
		}
		if string(want) != b.String() {
			t.Errorf("%s differs from %s:\n%s", lang, golden, b.String())
		}
	}
}

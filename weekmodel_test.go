package schulhof

import (
	"reflect"
	"testing"
)

func TestWeekModelClean(t *testing.T) {
	got, err := WeekModel{Weeks: 2, Start: "10.09.2026", SkipHolidays: true, Groups: [][]string{{" A ", "", "UW"}, {"B"}}}.Clean()
	want := WeekModel{Weeks: 2, Start: "2026-09-07", SkipHolidays: true, Groups: [][]string{{"A", "UW"}, {"B"}}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("%+v %v", got, err)
	}
	if got, _ := (WeekModel{Weeks: 3, Start: "2026-09-07"}).Clean(); len(got.Groups) != 3 || got.Groups[2][0] != "C" {
		t.Errorf("default groups: %v", got.Groups)
	}
	if got, _ := (WeekModel{Weeks: 3, Start: "2026-09-07", Groups: [][]string{{"A"}}}).Clean(); !reflect.DeepEqual(got.Groups, [][]string{{"A"}, {}, {}}) {
		t.Errorf("missing lists: %v", got.Groups)
	}
	if got, err := (WeekModel{Weeks: 0, Start: "bald", Groups: [][]string{{"A"}}}).Clean(); err != nil || got.Weeks != 0 || got.Start != "" {
		t.Errorf("none: %+v %v", got, err)
	}
	for name, bad := range map[string]WeekModel{
		"weeks":     {Weeks: 5, Start: "2026-09-07"},
		"no start":  {Weeks: 2},
		"bad start": {Weeks: 2, Start: "31.02.2026"},
		"twice":     {Weeks: 2, Start: "2026-09-07", Groups: [][]string{{"A"}, {"a"}}},
		"comma":     {Weeks: 2, Start: "2026-09-07", Groups: [][]string{{"A,B"}, {}}},
		"too long":  {Weeks: 2, Start: "2026-09-07", Groups: [][]string{{"ABCDEFGHIJKLMNOPQRSTU"}, {}}},
		"too many":  {Weeks: 2, Start: "2026-09-07", Groups: [][]string{{"A"}, {"B"}, {"C"}}},
	} {
		if _, err := bad.Clean(); !Match(err, EInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Package exams checks a school's exam plan ("Klausurplan") against the
// rules of its state, per student: how many exams a student may write on
// a day and in a week, no exams on holidays and blocked days, no double
// booked rooms and supervisors. It also finds free dates. It knows no
// database: the caller gives it the exams, the students, the calendar and
// the rules.
package exams

import "strings"

// Kind is the kind of a written exam.
type Kind string

// The kinds of exams. Klausuren (upper school) and Klassenarbeiten (lower)
// count towards the limits, and so do their make-ups; a Test (a short
// written test) does not, but some states forbid one on the day of an
// exam.
const (
	Klausur       Kind = "klausur"
	Klassenarbeit Kind = "klassenarbeit"
	Test          Kind = "test"
	Makeup        Kind = "nachschreibtermin"
)

// Kinds are all kinds, in the order forms offer them.
var Kinds = []Kind{Klassenarbeit, Klausur, Test, Makeup}

// Valid says whether k is one of the kinds.
func (k Kind) Valid() bool {
	for _, x := range Kinds {
		if k == x {
			return true
		}
	}
	return false
}

// Counts says whether exams of this kind count towards the limits.
func (k Kind) Counts() bool { return k != Test }

// Level is the school level of a student, which decides the rules that
// hold for them.
type Level int

// Levels: Sekundarstufe I (classes 5 to 10, or 9) and the upper school
// (Einführungsphase, Qualifikationsphase, Kursstufe, classes 11 to 13).
const (
	Lower Level = iota
	Upper
)

// LevelOf guesses a student's level from the name of their class, as
// German schools write them: "5a", "10c" are lower; "EF", "Q1", "Q2",
// "E1", "J1", "K2", "11", "12b", "13" are upper.
func LevelOf(class string) Level {
	c := strings.ToUpper(strings.TrimSpace(class))
	for _, p := range []string{"EF", "Q1", "Q2", "Q3", "Q4", "E1", "E2", "J1", "J2", "K1", "K2", "11", "12", "13", "MSS", "OS"} {
		if strings.HasPrefix(c, p) {
			return Upper
		}
	}
	return Lower
}

// Rules are the limits of one school level.
type Rules struct {
	// MaxPerDay and MaxPerWeek limit the counted exams of a student on a
	// day and in a calendar week (0: no limit); Soft means "in der Regel":
	// a warning that a coordinator may override with a reason.
	MaxPerDay      int  `json:"max_per_day"`
	MaxPerDaySoft  bool `json:"max_per_day_soft"`
	MaxPerWeek     int  `json:"max_per_week"`
	MaxPerWeekSoft bool `json:"max_per_week_soft"`
	// NoTestOnExamDay: no other written test for a student on a day they
	// write a Klassenarbeit or Klausur (NRW).
	NoTestOnExamDay bool `json:"no_test_on_exam_day"`
	// NoExamAfterHolidays: none on the first school day after holidays
	// (Rheinland-Pfalz).
	NoExamAfterHolidays bool `json:"no_exam_after_holidays"`
}

// RuleSet are the rules of a school: one for each level.
type RuleSet struct {
	Lower Rules `json:"sek1"`
	Upper Rules `json:"sek2"`
}

// For returns the rules of a level.
func (rs RuleSet) For(l Level) Rules {
	if l == Upper {
		return rs.Upper
	}
	return rs.Lower
}

// Presets are the rules of the states, by their two-letter codes; states
// without their own take DefaultRules, which the school then adapts.
// Sources: the states' regulations on written exams (NRW APO-S I § 6 and
// APO-GOSt § 14; Niedersachsen, Hessen, Rheinland-Pfalz and Baden-
// Württemberg: at most three a week; Bavaria leaves the week to the
// school, so its preset is the common school default).
var Presets = map[string]RuleSet{
	"NW": {
		Lower: Rules{MaxPerDay: 1, MaxPerWeek: 2, NoTestOnExamDay: true},
		Upper: Rules{MaxPerDay: 1, MaxPerWeek: 3, MaxPerWeekSoft: true, NoTestOnExamDay: true},
	},
	"NI": {Lower: Rules{MaxPerDay: 1, MaxPerWeek: 3}, Upper: Rules{MaxPerDay: 1, MaxPerWeek: 3}},
	"HE": {Lower: Rules{MaxPerDay: 1, MaxPerWeek: 3}, Upper: Rules{MaxPerDay: 1, MaxPerWeek: 3}},
	"RP": {
		Lower: Rules{MaxPerDay: 1, MaxPerWeek: 3, NoExamAfterHolidays: true},
		Upper: Rules{MaxPerDay: 1, MaxPerWeek: 3, NoExamAfterHolidays: true},
	},
	"BW": {Lower: Rules{MaxPerDay: 1, MaxPerWeek: 3}, Upper: Rules{MaxPerDay: 1, MaxPerWeek: 3}},
	"BY": DefaultRules,
}

// DefaultRules hold where a state has no preset: one a day, as a rule at
// most three a week.
var DefaultRules = RuleSet{
	Lower: Rules{MaxPerDay: 1, MaxPerWeek: 3, MaxPerWeekSoft: true},
	Upper: Rules{MaxPerDay: 1, MaxPerWeek: 3, MaxPerWeekSoft: true},
}

// PresetFor returns the rules of a state.
func PresetFor(state string) RuleSet {
	if rs, ok := Presets[state]; ok {
		return rs
	}
	return DefaultRules
}

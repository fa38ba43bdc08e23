package exams

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/schulhof/schulhof"
)

// The explanations of violations, in German (the default) and English.
// Teachers read them where they plan, so they name the day, the students
// and the exams that clash, the way the example of the school's
// coordinator reads: "Am 12.03. schreiben 4 Schüler der Q1 bereits eine
// Klausur: Mustermann (M-LK1), ..."

var messages = map[string][2]string{
	"bad_date":         {"„%s“ ist kein Datum.", "“%s” is not a date."},
	RuleWeekend:        {"Der %s ist ein %s.", "%s is a %s."},
	RuleHoliday:        {"Am %s ist unterrichtsfrei (%s).", "There are no lessons on %s (%s)."},
	RuleBlockedDay:     {"Am %s werden keine Klassenarbeiten und Klausuren geschrieben: %s.", "No exams are written on %s: %s."},
	RuleAfterHolidays:  {"Der %s ist der erste Schultag nach den Ferien; an ihm werden keine Klassenarbeiten und Klausuren geschrieben.", "%s is the first school day after the holidays, when no exams are written."},
	RuleNoSuchPeriod:   {"Am %s gibt es die %d. Stunde nicht (%s).", "On %s there is no period %d (%s)."},
	RuleRoomTaken:      {"Raum %s ist am %s in der %s schon belegt: %s.", "Room %s is taken on %s in %s: %s."},
	RuleSupervisorBusy: {"%s führt am %s in der %s schon Aufsicht: %s.", "%s already supervises on %s in %s: %s."},
	// the students' rules: a sentence per class
	RuleMaxPerDay:     {"Am %s %s %d %s der %s bereits %s: %s.", "On %s, %d %s of %s already %s: %s."},
	RuleMaxPerWeek:    {"In der Woche vom %s bis %s %s %d %s der %s schon %s (%s): %s.", "In the week from %s to %s, %d %s of %s already %s (%s): %s."},
	RuleTestOnExamDay: {"Am %s %s %d %s der %s eine Klassenarbeit oder Klausur; an diesem Tag sind keine weiteren schriftlichen Tests erlaubt: %s.", "On %s, %d %s of %s write an exam, when no other written tests are allowed: %s."},
}

func (p *Plan) en() bool { return p.in.Lang == "en" }

func (p *Plan) text(key string) string {
	if p.en() {
		return messages[key][1]
	}
	return messages[key][0]
}

// msg explains a calendar or place violation; args are the day and what
// the message names after it.
func (p *Plan) msg(explain bool, key string, day schulhof.Day, args ...any) string {
	if !explain {
		return ""
	}
	date := p.date(day)
	switch key {
	case "bad_date":
		return fmt.Sprintf(p.text(key), day)
	case RuleWeekend:
		return fmt.Sprintf(p.text(key), date, p.weekday(args[0].(int)))
	case RuleHoliday, RuleBlockedDay:
		return fmt.Sprintf(p.text(key), date, args[0])
	case RuleAfterHolidays:
		return fmt.Sprintf(p.text(key), date)
	case RuleNoSuchPeriod:
		return fmt.Sprintf(p.text(key), date, args[0], p.weekday(args[1].(int)))
	case RuleRoomTaken, RuleSupervisorBusy:
		return fmt.Sprintf(p.text(key), args[0], date, p.periods(args[1].(int), args[2].(int)), args[3])
	}
	return key
}

// explainStudents writes one sentence per class of the students.
func (p *Plan) explainStudents(rule string, e *Exam, cs []conflict, hard bool, limit int, l Level) string {
	byClass := map[string][]conflict{}
	var classes []string
	for _, c := range cs {
		class := p.in.Students[c.student].Class
		if _, ok := byClass[class]; !ok {
			classes = append(classes, class)
		}
		byClass[class] = append(byClass[class], c)
	}
	sort.Strings(classes)
	// names as a German list has them: Özdemir after Mustermann, not after
	// Weiß (a collator is not safe for concurrent use: one per call)
	names := collate.New(language.German)
	var sentences []string
	for _, class := range classes {
		group := byClass[class]
		sort.Slice(group, func(i, j int) bool {
			return names.CompareString(p.in.Students[group[i].student].Name, p.in.Students[group[j].student].Name) < 0
		})
		var list []string
		for _, c := range group {
			var titles []string
			for _, o := range c.others {
				titles = append(titles, o.Title)
			}
			list = append(list, p.in.Students[c.student].Name+" ("+strings.Join(titles, ", ")+")")
		}
		sentences = append(sentences, p.studentSentence(rule, e, class, len(group), strings.Join(list, ", "), hard, limit, l))
	}
	return strings.Join(sentences, " ")
}

func (p *Plan) studentSentence(rule string, e *Exam, class string, n int, names string, hard bool, limit int, l Level) string {
	date := p.date(e.Date)
	if class == "" {
		class = "?"
	}
	if p.en() {
		who := "students"
		if n == 1 {
			who = "student"
		}
		switch rule {
		case RuleMaxPerDay:
			return fmt.Sprintf(p.text(rule), date, n, who, class, p.writes(n, "writes an exam", "write an exam"), names)
		case RuleMaxPerWeek:
			return fmt.Sprintf(p.text(rule), p.monday(e.Date), p.date(p.friday(e.Date)), n, who, class,
				p.writes(n, fmt.Sprintf("writes %d exams", limit), fmt.Sprintf("write %d exams", limit)), p.limit(hard, limit), names)
		default:
			return fmt.Sprintf(p.text(rule), date, n, who, class, names)
		}
	}
	who := "Schüler"
	verb := "schreiben"
	if n == 1 {
		verb = "schreibt"
	}
	noun, plural := "eine Klassenarbeit", "Klassenarbeiten"
	if l == Upper {
		noun, plural = "eine Klausur", "Klausuren"
	}
	switch rule {
	case RuleMaxPerDay:
		return fmt.Sprintf(p.text(rule), date, verb, n, who, class, noun, names)
	case RuleMaxPerWeek:
		return fmt.Sprintf(p.text(rule), p.monday(e.Date), p.date(p.friday(e.Date)), verb, n, who, class,
			fmt.Sprintf("%d %s", limit, plural), p.limit(hard, limit), names)
	default:
		return fmt.Sprintf(p.text(rule), date, verb, n, who, class, names)
	}
}

func (p *Plan) writes(n int, one, more string) string {
	if n == 1 {
		return one
	}
	return more
}

func (p *Plan) limit(hard bool, limit int) string {
	switch {
	case p.en() && hard:
		return fmt.Sprintf("at most %d a week", limit)
	case p.en():
		return fmt.Sprintf("as a rule at most %d a week", limit)
	case hard:
		return fmt.Sprintf("höchstens %d je Woche", limit)
	}
	return fmt.Sprintf("in der Regel höchstens %d je Woche", limit)
}

// date writes a day as "12.03." (English "12 Mar").
func (p *Plan) date(d schulhof.Day) string {
	t, err := time.Parse("2006-01-02", string(d))
	if err != nil {
		return string(d)
	}
	if p.en() {
		return t.Format("2 Jan")
	}
	return t.Format("02.01.")
}

func (p *Plan) monday(d schulhof.Day) string {
	t, _ := time.Parse("2006-01-02", string(d))
	return p.date(schulhof.DayOf(t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))))
}

func (p *Plan) friday(d schulhof.Day) schulhof.Day {
	t, _ := time.Parse("2006-01-02", string(d))
	return schulhof.DayOf(t.AddDate(0, 0, 4-((int(t.Weekday())+6)%7)))
}

func (p *Plan) weekday(wd int) string {
	de := []string{"Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"}
	en := []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
	if wd < 1 || wd > 7 {
		return ""
	}
	if p.en() {
		return en[wd-1]
	}
	return de[wd-1]
}

// periods writes "3. Stunde" or "3.–4. Stunde".
func (p *Plan) periods(from, to int) string {
	if p.en() {
		if from == to {
			return fmt.Sprintf("period %d", from)
		}
		return fmt.Sprintf("periods %d–%d", from, to)
	}
	if from == to {
		return fmt.Sprintf("%d. Stunde", from)
	}
	return fmt.Sprintf("%d.–%d. Stunde", from, to)
}

package schulhof

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// The school year's rollover: in the summer a school's admin archives
// last year's courses (their chats and boards become read-only, and go
// after the school's retention), moves the classes up a year (5a becomes
// 6a, the last year's classes are archived) or leaves that to the next
// user import, and ends the timetable. The plan is shown first (a dry
// run); applied, it can be undone for a day.

// RolloverClasses says what happens to the classes.
type RolloverClasses string

const (
	// RolloverPromote renames every class a year up; the top year's are
	// archived.
	RolloverPromote RolloverClasses = "promote"
	// RolloverByImport leaves the classes; the next user import moves
	// the students into this year's.
	RolloverByImport RolloverClasses = "import"
)

// TopGrade is the last year of a kind of school; its classes leave.
var TopGrade = map[string]int{"grundschule": 4, "hauptschule": 10, "realschule": 10, "sekundarschule": 10, "oberschule": 10,
	"foerderschule": 10, "gymnasium": 13, "gesamtschule": 13, "berufsschule": 13, "other": 13}

// RolloverUndoFor is how long an applied rollover can be undone.
const RolloverUndoFor = 24 * time.Hour

// ClassMove is a class renamed a year up.
type ClassMove struct {
	Group GroupID `json:"group"`
	From  string  `json:"from"`
	To    string  `json:"to"`
}

// GroupRef names a group of the plan.
type GroupRef struct {
	ID   GroupID `json:"id"`
	Name string  `json:"name"`
}

// RolloverPlan is what a rollover does.
type RolloverPlan struct {
	Classes RolloverClasses `json:"classes"`
	// Promote are the classes moved up; Graduate the top year's,
	// archived; Unchanged the classes whose names have no year.
	Promote   []ClassMove `json:"promote"`
	Graduate  []GroupRef  `json:"graduate"`
	Unchanged []GroupRef  `json:"unchanged"`
	// Archive are the courses archived; KeepFiles those whose files go
	// to their leaders' own folders first.
	Archive   []GroupRef `json:"archive"`
	KeepFiles []GroupRef `json:"keep_files"`
	// EndTimetable is the day the current timetable ends.
	EndTimetable Day `json:"end_timetable"`
}

// PlanRollover plans the school's rollover on the day from its groups:
// classes by the rule, courses archived (those of keepFiles with their
// files kept). Groups archived already are left out.
func PlanRollover(groups []*Group, schoolType string, classes RolloverClasses, keepFiles []GroupID, today Day) (*RolloverPlan, error) {
	if classes != RolloverPromote && classes != RolloverByImport {
		return nil, Invalid("classes", "rollover.classes.invalid")
	}
	top, ok := TopGrade[schoolType]
	if !ok {
		top = 13
	}
	p := &RolloverPlan{Classes: classes, Promote: []ClassMove{}, Graduate: []GroupRef{}, Unchanged: []GroupRef{}, Archive: []GroupRef{},
		KeepFiles: []GroupRef{}, EndTimetable: today}
	// class names are unique among classes; archived ones carry their
	// school year in the name (ArchivedName)
	names := map[string]bool{}
	for _, g := range groups {
		if g.ArchivedAt == nil && g.Kind == GroupClass {
			names[NameKey(g.Name)] = true
		}
	}
	moving := map[string]bool{}
	for _, g := range groups {
		if g.ArchivedAt != nil {
			continue
		}
		ref := GroupRef{ID: g.ID, Name: g.Name}
		switch g.Kind {
		case GroupCourse:
			p.Archive = append(p.Archive, ref)
			if slices.Contains(keepFiles, g.ID) {
				p.KeepFiles = append(p.KeepFiles, ref)
			}
		case GroupClass:
			if classes != RolloverPromote {
				continue
			}
			year, rest, ok := classYear(g.Name)
			switch {
			case !ok:
				p.Unchanged = append(p.Unchanged, ref)
			case year >= top:
				p.Graduate = append(p.Graduate, ref)
				moving[NameKey(g.Name)] = true
			default:
				p.Promote = append(p.Promote, ClassMove{Group: g.ID, From: g.Name, To: strconv.Itoa(year+1) + rest})
				moving[NameKey(g.Name)] = true
			}
		}
	}
	// a new name may be one that moves on itself, not one that stays
	for _, m := range p.Promote {
		if k := NameKey(m.To); names[k] && !moving[k] {
			return nil, Invalid("classes", "rollover.classes.taken", m.From, m.To)
		}
	}
	return p, nil
}

// classYear reads a class name's year: "5a" is 5 and "a", "10 b" 10 and
// " b"; a name without a leading number has none.
func classYear(name string) (int, string, bool) {
	i := 0
	for i < len(name) && name[i] >= '0' && name[i] <= '9' {
		i++
	}
	if i == 0 || i > 2 {
		return 0, "", false
	}
	n, err := strconv.Atoi(name[:i])
	return n, name[i:], err == nil && n > 0 && !strings.HasPrefix(name[i:], ".")
}

// Rollover is an applied rollover, undoable for RolloverUndoFor.
type Rollover struct {
	ID        int64        `json:"id"`
	Plan      RolloverPlan `json:"plan"`
	AppliedAt time.Time    `json:"applied_at"`
	UndoneAt  *time.Time   `json:"undone_at,omitempty"`
}

// Undoable says whether the rollover can still be undone at the time.
func (r *Rollover) Undoable(now time.Time) bool {
	return r.UndoneAt == nil && now.Sub(r.AppliedAt) < RolloverUndoFor
}

// SchoolYear is the school year a day ends: July 2027 ends "2026/27".
func SchoolYear(d time.Time) string {
	y := d.Year()
	if d.Month() < time.August {
		y--
	}
	return strconv.Itoa(y) + "/" + strconv.Itoa((y+1)%100)
}

// ArchivedName is a group's name once archived: with its school year,
// so that this year's may take the old name.
func ArchivedName(name string, at time.Time) string {
	return name + " (" + SchoolYear(at) + ")"
}

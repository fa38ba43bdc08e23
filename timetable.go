package schulhof

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Day is a calendar date without a time, as "2027-02-01".
type Day string

// DayOf is the date of t in its own location.
func DayOf(t time.Time) Day { return Day(t.Format("2006-01-02")) }

// TimetablePlan is a weekly grid of lessons that holds from ValidFrom to
// ValidTo (inclusive), as Untis exports it (GPU001 with the dates of GPU002).
type TimetablePlan struct {
	ID        int64
	SchoolID  SchoolID
	ValidFrom Day
	ValidTo   Day
	Entries   []TimetableEntry

	index     sync.Once
	byGroup   map[GroupID][]int
	byTeacher map[UserID][]int
}

// EntriesFor returns the entries of any of the groups or of the teacher
// (0: none), in the plan's order. The plan is indexed on first use, so
// that a school's week views do not each scan all of its entries; the
// plan must not change after that.
func (p *TimetablePlan) EntriesFor(groups map[GroupID]bool, teacher UserID) []TimetableEntry {
	p.index.Do(func() {
		p.byGroup, p.byTeacher = map[GroupID][]int{}, map[UserID][]int{}
		for i, e := range p.Entries {
			if e.GroupID != 0 {
				p.byGroup[e.GroupID] = append(p.byGroup[e.GroupID], i)
			}
			if e.TeacherID != 0 {
				p.byTeacher[e.TeacherID] = append(p.byTeacher[e.TeacherID], i)
			}
		}
	})
	var idx []int
	for g := range groups {
		idx = append(idx, p.byGroup[g]...)
	}
	if teacher != 0 {
		idx = append(idx, p.byTeacher[teacher]...)
	}
	sort.Ints(idx)
	out := make([]TimetableEntry, 0, len(idx))
	for i, x := range idx {
		if i == 0 || x != idx[i-1] {
			out = append(out, p.Entries[x])
		}
	}
	return out
}

// TimetableEntry is one period of a lesson in the week.
type TimetableEntry struct {
	Lesson  int    `json:"lesson"`
	Weekday int    `json:"weekday"` // 1 = Monday
	Period  int    `json:"period"`
	Class   string `json:"class"` // Untis class code
	Teacher string `json:"teacher"`
	Subject string `json:"subject"`
	Room    string `json:"room"`
	// WeekGroup is the Untis lesson group; the school's week model says
	// in which weeks it runs (A/B weeks), every week when it names none.
	WeekGroup string `json:"week_group,omitempty"`
	// What it was matched to; 0 when nothing fits (the import lists those).
	GroupID   GroupID `json:"group_id,omitempty"`
	TeacherID UserID  `json:"teacher_id,omitempty"`
}

// Substitution is a change of one period on one day (Untis GPU014).
type Substitution struct {
	Number        int      `json:"number"`
	Day           Day      `json:"date"`
	Period        int      `json:"period"`
	Lesson        int      `json:"lesson,omitempty"`
	Kind          string   `json:"kind"` // Untis type letter: C cancelled, T moved, R room change, ...
	Flags         int      `json:"-"`
	AbsentTeacher string   `json:"absent_teacher,omitempty"`
	Teacher       string   `json:"teacher,omitempty"`
	Subject       string   `json:"subject,omitempty"`
	NewSubject    string   `json:"new_subject,omitempty"`
	Room          string   `json:"room,omitempty"`
	NewRoom       string   `json:"new_room,omitempty"`
	Classes       []string `json:"classes"`
	NewClasses    []string `json:"new_classes,omitempty"`
	Text          string   `json:"text,omitempty"`
}

// Exam is an exam from the timetable export (Untis GPU017): the lessons
// (courses) that write it, on a day from one period to another.
type Exam struct {
	Number   int      `json:"number"`
	Day      Day      `json:"date"`
	From     int      `json:"from_period"`
	To       int      `json:"to_period"`
	Name     string   `json:"name"`
	Text     string   `json:"text,omitempty"`
	Subjects []string `json:"subjects"`
	Lessons  []int    `json:"lessons"`
	Rooms    []string `json:"rooms,omitempty"`
	// Mine marks an exam planned in Schulhof that the viewer of a week
	// takes part in or supervises: shown whether or not it falls on their
	// lessons.
	Mine bool `json:"-"`
}

// CourseGroup is a course of the Oberstufe as an import brings it: its
// Untis code (class and course, "Q1/M-LK1"), its teacher and students.
type CourseGroup struct {
	Code     string
	Name     string
	Teacher  UserID   // 0 when not matched
	Students []UserID // matched students
}

// GroupTeacher says that a teacher teaches a group by the imported plan,
// or is a class's class teacher; Group may be negative like a plan
// entry's (a course the import makes).
type GroupTeacher struct {
	Group   GroupID
	Teacher UserID
}

// TeacherMembership is a teacher's place in a group, and whether an
// import put her there (the next import may take her out again) or
// somebody by hand (no import touches it).
type TeacherMembership struct {
	GroupTeacher
	FromTimetable bool
}

// TimetableImport is everything one import changes, in one transaction.
type TimetableImport struct {
	SchoolID SchoolID
	// ClassCodes sets the Untis code of class groups matched by name.
	ClassCodes map[GroupID]string
	// Courses are made or updated (by Code) with these members.
	Courses []CourseGroup
	// Plan, if not nil, replaces the plans whose dates it overlaps. Its
	// entries' GroupID may be negative: -(i+1) names Courses[i], whose id
	// is known only once it is made.
	Plan *TimetablePlan
	// Substitutions, if not nil, replace those of the days they are on.
	Substitutions []Substitution
	// Exams, if not nil, replace those of the days they are on.
	Exams []Exam
	// Teachers lead the groups they teach (or are class teacher of); a
	// membership that was already there, made by hand, stays as it is.
	Teachers []GroupTeacher
	// ReplaceTeachers: Teachers is everyone who teaches by the new plan,
	// so a teacher an earlier import put into a group it no longer names
	// leaves that group.
	ReplaceTeachers bool
}

// TimetableService keeps plans and substitutions.
type TimetableService interface {
	ApplyTimetableImport(ctx context.Context, imp *TimetableImport) error
	// FindPlan returns the plan in force on the day, nil if none.
	FindPlan(ctx context.Context, school SchoolID, day Day) (*TimetablePlan, error)
	FindSubstitutions(ctx context.Context, school SchoolID, from, to Day) ([]Substitution, error)
	FindExams(ctx context.Context, school SchoolID, from, to Day) ([]Exam, error)
	// FindTeacherMemberships lists the teachers' memberships in the
	// school's classes and courses, for an import to say what it changes.
	FindTeacherMemberships(ctx context.Context, school SchoolID) ([]TeacherMembership, error)
}

package schulhof

import (
	"context"
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

// CourseGroup is a course of the Oberstufe as an import brings it: its
// Untis code (class and course, "Q1/M-LK1"), its teacher and students.
type CourseGroup struct {
	Code     string
	Name     string
	Teacher  UserID   // 0 when not matched
	Students []UserID // matched students
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
}

// TimetableService keeps plans and substitutions.
type TimetableService interface {
	ApplyTimetableImport(ctx context.Context, imp *TimetableImport) error
	// FindPlan returns the plan in force on the day, nil if none.
	FindPlan(ctx context.Context, school SchoolID, day Day) (*TimetablePlan, error)
	FindSubstitutions(ctx context.Context, school SchoolID, from, to Day) ([]Substitution, error)
}

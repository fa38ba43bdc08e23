package schulhof

import (
	"context"
	"strings"
	"time"
)

// PlannedExam is a written exam a teacher planned in Schulhof for one or
// more groups ("Klausurplan"); exams from the Untis export are Exam.
// internal/exams checks it against the school's rules.
type PlannedExam struct {
	ID       int64    `json:"id"`
	SchoolID SchoolID `json:"-"`
	Date     Day      `json:"date"`
	From     int      `json:"from_period"`
	To       int      `json:"to_period"`
	// Kind is klassenarbeit, klausur, test or nachschreibtermin (make-up).
	Kind   string    `json:"type"`
	Title  string    `json:"title"`
	Groups []GroupID `json:"groups"`
	// Students are those who write it: all of the groups' students by
	// default, a chosen few for a make-up.
	Students    []UserID `json:"students"`
	Rooms       []string `json:"rooms"`
	Supervisors []UserID `json:"supervisors"`
	// OverrideReason is why a soft rule was overridden (logged).
	OverrideReason string    `json:"override_reason,omitempty"`
	CreatedBy      UserID    `json:"created_by"`
	CreatedAt      time.Time `json:"created_at"`
}

// Normalize trims the texts and drops empty rooms.
func (e *PlannedExam) Normalize() {
	e.Title = strings.TrimSpace(e.Title)
	e.OverrideReason = strings.TrimSpace(e.OverrideReason)
	var rooms []string
	for _, r := range e.Rooms {
		if r = strings.TrimSpace(r); r != "" {
			rooms = append(rooms, r)
		}
	}
	e.Rooms = rooms
}

// Validate checks what the rules do not: a title, a date, periods in
// order, groups, a known kind.
func (e *PlannedExam) Validate() error {
	var v Validation
	if e.Title == "" || len([]rune(e.Title)) > 200 {
		v.Add("title", "exam.title")
	}
	if _, err := time.Parse("2006-01-02", string(e.Date)); err != nil {
		v.Add("date", "exam.date")
	}
	if e.From < 1 || e.To < e.From || e.To > 24 {
		v.Add("from_period", "exam.periods")
	}
	switch e.Kind {
	case "klassenarbeit", "klausur", "test", "nachschreibtermin":
	default:
		v.Add("type", "exam.type")
	}
	if len(e.Groups) == 0 {
		v.Add("groups", "exam.groups")
	}
	if len(e.Rooms) > 10 || len(e.Supervisors) > 10 || len([]rune(e.OverrideReason)) > 500 {
		v.Add("rooms", "exam.too_many")
	}
	for _, r := range e.Rooms {
		if len([]rune(r)) > 40 {
			v.Add("rooms", "exam.room")
		}
	}
	return v.Err()
}

// ExamFilter picks planned exams: of a school, from one day to another
// (inclusive; empty: open), and optionally of a group, a student or a
// supervisor.
type ExamFilter struct {
	SchoolID   SchoolID
	From, To   Day
	GroupID    GroupID
	StudentID  UserID
	Supervisor UserID
}

// BlockedDay is a day the school keeps free of exams.
type BlockedDay struct {
	Date   Day    `json:"date"`
	Reason string `json:"reason"`
}

// ExamSettings are a school's settings of the exam plan.
type ExamSettings struct {
	// RulesJSON are the school's rules (internal/exams.RuleSet as JSON);
	// empty: its state's preset.
	RulesJSON string `json:"-"`
	// AnnounceDays: students and parents see exams this many days ahead.
	AnnounceDays int          `json:"announce_days"`
	Blocked      []BlockedDay `json:"blocked_days"`
	// Coordinators plan for all groups and may override soft rules.
	Coordinators []UserID `json:"coordinators"`
}

// DefaultAnnounceDays is how far ahead students see exams until the
// school sets it.
const DefaultAnnounceDays = 28

// ExamService keeps the planned exams.
type ExamService interface {
	CreateExam(ctx context.Context, e *PlannedExam) error
	UpdateExam(ctx context.Context, e *PlannedExam) error
	DeleteExam(ctx context.Context, school SchoolID, id int64) error
	FindExam(ctx context.Context, school SchoolID, id int64) (*PlannedExam, error)
	FindPlannedExams(ctx context.Context, f ExamFilter) ([]*PlannedExam, error)
	FindExamSettings(ctx context.Context, school SchoolID) (*ExamSettings, error)
	SetExamSettings(ctx context.Context, school SchoolID, s *ExamSettings) error
}

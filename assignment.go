package schulhof

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// AssignmentID identifies an assignment ("Aufgabe").
type AssignmentID int64

// Assignment is work a teacher sets for one or more groups: students see
// it from StartsAt, hand in files and/or text until DueAt (later only if
// AllowLate), and get written feedback.
type Assignment struct {
	ID          AssignmentID      `json:"id"`
	SchoolID    SchoolID          `json:"school_id"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	Groups      []GroupID         `json:"groups"`
	StartsAt    time.Time         `json:"starts_at"`
	DueAt       time.Time         `json:"due_at"`
	AllowLate   bool              `json:"allow_late"`
	ReviewedAt  *time.Time        `json:"reviewed_at,omitempty"` // the teacher has finished correcting
	CreatedBy   UserID            `json:"created_by"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
	Attachments []*AssignmentFile `json:"attachments"`
}

// Normalize trims the texts.
func (a *Assignment) Normalize() {
	a.Title = strings.TrimSpace(a.Title)
	a.Description = strings.TrimSpace(a.Description)
}

// Validate checks title, description, groups and dates.
func (a *Assignment) Validate() error {
	var v Validation
	if a.Title == "" {
		v.Add("title", "assignment.title.required")
	} else if utf8.RuneCountInString(a.Title) > 200 {
		v.Add("title", "field.too_long", 200)
	}
	if utf8.RuneCountInString(a.Description) > MaxAssignmentText {
		v.Add("description", "field.too_long", MaxAssignmentText)
	}
	if len(a.Groups) == 0 {
		v.Add("groups", "assignment.groups.required")
	}
	if a.DueAt.IsZero() {
		v.Add("due_at", "assignment.due.required")
	} else if !a.DueAt.After(a.StartsAt) {
		v.Add("due_at", "assignment.due.before_start")
	}
	return v.Err()
}

// MaxAssignmentText is the longest description, hand-in text or feedback
// in characters: several pages of an essay.
const MaxAssignmentText = 50000

// AssignmentFile is an attachment of an assignment (Student 0) or a file
// of a student's hand-in.
type AssignmentFile struct {
	ID          int64     `json:"id"`
	Student     UserID    `json:"student,omitempty"`
	Name        string    `json:"name"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	ContentType string    `json:"content_type,omitempty"`
	BlobKey     string    `json:"-"`
	UploadedBy  UserID    `json:"uploaded_by"`
	CreatedAt   time.Time `json:"created_at"`
}

// NamedContent is stored bytes with the name they get.
type NamedContent struct {
	Name string
	NewContent
}

// SubmissionStatus is where a student stands with an assignment.
type SubmissionStatus string

const (
	StatusOpen     SubmissionStatus = "open"      // not handed in, still time
	StatusHandedIn SubmissionStatus = "handed_in" // handed in on time
	StatusLate     SubmissionStatus = "late"      // handed in after the due date
	StatusMissing  SubmissionStatus = "missing"   // not handed in, due date passed
)

// Submission is a student's hand-in and the teacher's feedback on it. A
// student who has not handed in has one with SubmittedAt nil.
type Submission struct {
	AssignmentID AssignmentID      `json:"assignment_id"`
	Student      *User             `json:"student"`
	Status       SubmissionStatus  `json:"status"`
	Text         string            `json:"text"`
	Files        []*AssignmentFile `json:"files"`
	SubmittedAt  *time.Time        `json:"submitted_at,omitempty"`
	Feedback     string            `json:"feedback"`
	FeedbackBy   UserID            `json:"feedback_by,omitempty"`
	FeedbackAt   *time.Time        `json:"feedback_at,omitempty"`
}

// StatusAt says where a hand-in stands at the time.
func (a *Assignment) StatusAt(submitted *time.Time, now time.Time) SubmissionStatus {
	switch {
	case submitted != nil && submitted.After(a.DueAt):
		return StatusLate
	case submitted != nil:
		return StatusHandedIn
	case now.After(a.DueAt):
		return StatusMissing
	}
	return StatusOpen
}

// Started reports whether students see the assignment at the time.
func (a *Assignment) Started(now time.Time) bool { return !now.Before(a.StartsAt) }

// AcceptsHandIns reports whether a hand-in may be made or replaced at the
// time: from the start until the due date, after it only where late
// hand-ins are allowed and the teacher has not finished reviewing.
func (a *Assignment) AcceptsHandIns(now time.Time) bool {
	if !a.Started(now) || a.ReviewedAt != nil {
		return false
	}
	return !now.After(a.DueAt) || a.AllowLate
}

// AssignmentUpdate changes an assignment; nil fields stay.
type AssignmentUpdate struct {
	Title       *string
	Description *string
	Groups      []GroupID // nil: unchanged
	StartsAt    *time.Time
	DueAt       *time.Time
	AllowLate   *bool
	Reviewed    *bool
}

// AssignmentService keeps assignments, their attachments and hand-ins.
// Errors: ENotFound for an assignment, file or student not of the school
// (or not a student of the assignment's groups); EInvalid from Validate.
type AssignmentService interface {
	CreateAssignment(ctx context.Context, a *Assignment) error
	FindAssignment(ctx context.Context, school SchoolID, id AssignmentID) (*Assignment, error)
	// FindAssignmentsFor lists the assignments a user created or that are
	// set for a group the user is in, newest due date first.
	FindAssignmentsFor(ctx context.Context, school SchoolID, user UserID) ([]*Assignment, error)
	UpdateAssignment(ctx context.Context, school SchoolID, id AssignmentID, upd AssignmentUpdate) (*Assignment, error)
	DeleteAssignment(ctx context.Context, school SchoolID, id AssignmentID) error
	AddAttachment(ctx context.Context, school SchoolID, id AssignmentID, c NamedContent) (*AssignmentFile, error)
	DeleteAttachment(ctx context.Context, school SchoolID, id AssignmentID, file int64) error
	FindAssignmentFile(ctx context.Context, school SchoolID, id AssignmentID, file int64) (*AssignmentFile, error)
	// AssignmentStudents lists the students of the assignment's groups.
	AssignmentStudents(ctx context.Context, school SchoolID, id AssignmentID) ([]*User, error)
	// HandIn makes the student's hand-in the text, the files of the
	// earlier one that keep names (by id) and the new files, at once; a
	// new file replaces a kept one of the same name.
	HandIn(ctx context.Context, school SchoolID, id AssignmentID, student UserID, text string, keep []int64, files []NamedContent) (*Submission, error)
	FindSubmission(ctx context.Context, school SchoolID, id AssignmentID, student UserID) (*Submission, error)
	// FindSubmissions returns one submission per student of the groups,
	// by name, handed in or not.
	FindSubmissions(ctx context.Context, school SchoolID, id AssignmentID) ([]*Submission, error)
	SetFeedback(ctx context.Context, school SchoolID, id AssignmentID, student UserID, text string) (*Submission, error)
}

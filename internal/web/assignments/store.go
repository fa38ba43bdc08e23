package assignments

import (
	"context"

	"github.com/schulhof/schulhof"
)

// Store is what the module reads and writes of the store.
type Store interface {
	AddAttachment(ctx context.Context, school schulhof.SchoolID, id schulhof.AssignmentID, c schulhof.NamedContent) (*schulhof.AssignmentFile, error)
	CreateAssignment(ctx context.Context, a *schulhof.Assignment) error
	DeleteAssignment(ctx context.Context, school schulhof.SchoolID, id schulhof.AssignmentID) error
	DeleteAttachment(ctx context.Context, school schulhof.SchoolID, id schulhof.AssignmentID, file int64) error
	FindAssignment(ctx context.Context, school schulhof.SchoolID, id schulhof.AssignmentID) (*schulhof.Assignment, error)
	FindAssignmentFile(ctx context.Context, school schulhof.SchoolID, id schulhof.AssignmentID, file int64) (*schulhof.AssignmentFile, error)
	FindAssignmentsFor(ctx context.Context, school schulhof.SchoolID, user schulhof.UserID) ([]*schulhof.Assignment, error)
	FindChildren(ctx context.Context, school schulhof.SchoolID, parent schulhof.UserID) ([]*schulhof.User, error)
	FindGroupByID(ctx context.Context, school schulhof.SchoolID, id schulhof.GroupID) (*schulhof.Group, error)
	FindGroups(ctx context.Context, f schulhof.GroupFilter) ([]*schulhof.Group, error)
	FindMemberRole(ctx context.Context, school schulhof.SchoolID, group schulhof.GroupID, user schulhof.UserID) (schulhof.MemberRole, error)
	FindRecentFiles(ctx context.Context, school schulhof.SchoolID, space schulhof.Space, limit int) ([]*schulhof.Node, error)
	FindSubmission(ctx context.Context, school schulhof.SchoolID, id schulhof.AssignmentID, student schulhof.UserID) (*schulhof.Submission, error)
	FindSubmissions(ctx context.Context, school schulhof.SchoolID, id schulhof.AssignmentID) ([]*schulhof.Submission, error)
	HandIn(ctx context.Context, school schulhof.SchoolID, id schulhof.AssignmentID, student schulhof.UserID, text string, keep []int64, files []schulhof.NamedContent) (*schulhof.Submission, error)
	SetFeedback(ctx context.Context, school schulhof.SchoolID, id schulhof.AssignmentID, student schulhof.UserID, text string) (*schulhof.Submission, error)
	UpdateAssignment(ctx context.Context, school schulhof.SchoolID, id schulhof.AssignmentID, upd schulhof.AssignmentUpdate) (*schulhof.Assignment, error)
}

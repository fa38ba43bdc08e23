package assignments

import (
	"context"
	"fmt"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// exportedAssignment is an assignment the user set or handed in, as the
// export gives it.
type exportedAssignment struct {
	Title       string     `json:"title"`
	Due         time.Time  `json:"due"`
	SetByMe     bool       `json:"set_by_me,omitempty"`
	Description string     `json:"description,omitempty"`
	HandedIn    *time.Time `json:"handed_in,omitempty"`
	Text        string     `json:"text,omitempty"`
	Files       []string   `json:"files,omitempty"` // in abgaben/
	Feedback    string     `json:"feedback,omitempty"`
}

// exportAssignments writes what the user set (titles and texts) and
// what they handed in (text, files, the feedback they got).
func (s *Module) exportAssignments(ctx context.Context, u *schulhof.User, x *kit.Export) error {
	if u.SchoolID == 0 {
		return nil
	}
	as, err := s.db.FindAssignmentsFor(ctx, u.SchoolID, u.ID)
	if err != nil {
		return err
	}
	out := []exportedAssignment{}
	for _, a := range as {
		e := exportedAssignment{Title: a.Title, Due: a.DueAt}
		if a.CreatedBy == u.ID {
			e.SetByMe, e.Description = true, a.Description
			out = append(out, e)
			continue
		}
		if u.Role != schulhof.RoleStudent {
			continue // a parent's children's hand-ins are theirs
		}
		sub, err := s.db.FindSubmission(ctx, u.SchoolID, a.ID, u.ID)
		if schulhof.Match(err, schulhof.ENotFound) {
			continue
		} else if err != nil {
			return err
		}
		if sub.SubmittedAt == nil && sub.Text == "" && len(sub.Files) == 0 {
			continue
		}
		e.HandedIn, e.Text, e.Feedback = sub.SubmittedAt, sub.Text, sub.Feedback
		for _, f := range sub.Files {
			name, err := x.Blob(ctx, fmt.Sprintf("abgaben/%d-%s", a.ID, f.Name), f.BlobKey)
			if err != nil {
				return err
			}
			e.Files = append(e.Files, name)
		}
		out = append(out, e)
	}
	return x.JSON("aufgaben.json", out)
}

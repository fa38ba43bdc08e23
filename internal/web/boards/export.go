package boards

import (
	"context"
	"fmt"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/board"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// exportBoards writes the boards the user made, each with its drawing
// (the document as the API gives it).
func (s *Module) exportBoards(ctx context.Context, u *schulhof.User, x *kit.Export) error {
	if u.SchoolID == 0 {
		return nil
	}
	bs, err := s.db.FindBoards(ctx, u)
	if err != nil {
		return err
	}
	for _, b := range bs {
		if b.OwnerID != u.ID {
			continue
		}
		doc, err := board.LoadDoc(ctx, s.db, u.SchoolID, b.ID)
		if err != nil {
			return err
		}
		if err := x.JSON(fmt.Sprintf("%d-%s.json", b.ID, b.Title), struct {
			Board *schulhof.Board `json:"board"`
			Doc   *board.Doc      `json:"drawing"`
		}{b, doc}); err != nil {
			return err
		}
	}
	return nil
}

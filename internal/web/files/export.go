package files

import (
	"context"
	"path"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// exportFiles writes the user's own files (not the trash) into the
// export, in their folders; the groups' files are the groups'.
func (s *Module) exportFiles(ctx context.Context, u *schulhof.User, x *kit.Export) error {
	if u.SchoolID == 0 {
		return nil
	}
	space := schulhof.Space{Kind: schulhof.SpaceUser, ID: int64(u.ID)}
	var walk func(parent schulhof.NodeID, dir string) error
	walk = func(parent schulhof.NodeID, dir string) error {
		nodes, err := s.db.FindNodes(ctx, u.SchoolID, space, parent)
		if err != nil {
			return err
		}
		for _, n := range nodes {
			p := path.Join(dir, n.Name)
			if n.IsFolder {
				if err := walk(n.ID, p); err != nil {
					return err
				}
				continue
			}
			if _, err := x.Blob(ctx, p, n.BlobKey); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(0, "")
}

package files

import (
	"archive/zip"
	"context"
	"io"
	"net/http"
	"net/url"
	"path"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// writeZip streams a folder (0: the top of the space) as a ZIP file, one
// entry at a time: nothing is held in memory or written to disk, so a
// class folder of gigabytes downloads as fast as it is read. Entries are
// stored, not compressed: worksheets, photos and videos are compressed
// already, and the CPU is better spent on the next request.
func (s *Module) writeZip(ctx context.Context, w http.ResponseWriter, school schulhof.SchoolID, space schulhof.Space, folder schulhof.NodeID, name string) error {
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name+".zip"))
	w.Header().Set("Cache-Control", "no-store")
	zw := zip.NewWriter(w)
	if err := s.zipFolder(ctx, zw, school, space, folder, ""); err != nil {
		return err
	}
	return zw.Close()
}

func (s *Module) zipFolder(ctx context.Context, zw *zip.Writer, school schulhof.SchoolID, space schulhof.Space, folder schulhof.NodeID, prefix string) error {
	items, err := s.db.FindNodes(ctx, school, space, folder)
	if err != nil {
		return err
	}
	for _, n := range items {
		p := path.Join(prefix, n.Name)
		if n.IsFolder {
			if _, err := zw.CreateHeader(&zip.FileHeader{Name: p + "/", Modified: n.UpdatedAt}); err != nil {
				return err
			}
			if err := s.zipFolder(ctx, zw, school, space, n.ID, p); err != nil {
				return err
			}
			continue
		}
		f, err := zw.CreateHeader(&zip.FileHeader{Name: p, Method: zip.Store, Modified: n.UpdatedAt})
		if err != nil {
			return err
		}
		r, err := s.Blobs.Open(ctx, blob.Key(n.BlobKey))
		if err != nil {
			return err
		}
		_, err = io.Copy(f, r)
		r.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// apiZipFolder: GET /api/v1/schools/{school}/nodes/{node}/zip.
func (s *Module) apiZipFolder(w http.ResponseWriter, r *http.Request) {
	sc, n, _, err := s.nodeFromPath(r)
	if err == nil && (!n.IsFolder || n.DeletedAt != nil) {
		err = schulhof.Errorf(schulhof.ENotFound, "file.not_found")
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := s.writeZip(r.Context(), w, sc.ID, n.Space, n.ID, n.Name); err != nil {
		// the status is sent; a broken ZIP is all the client can get now
		kit.Info(r).Log().Error("zip", "err", err)
	}
}

// apiZipSpace: GET /api/v1/schools/{school}/spaces/{kind}/{id}/zip, the
// whole space.
func (s *Module) apiZipSpace(w http.ResponseWriter, r *http.Request) {
	sc, space, _, err := s.spaceOf(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	name := "Dateien"
	if space.Kind == schulhof.SpaceGroup {
		if g, err := s.db.FindGroupByID(r.Context(), sc.ID, schulhof.GroupID(space.ID)); err == nil {
			name = g.Name
		}
	}
	if err := s.writeZip(r.Context(), w, sc.ID, space, 0, name); err != nil {
		kit.Info(r).Log().Error("zip", "err", err)
	}
}

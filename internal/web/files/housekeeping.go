package files

import (
	"context"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
)

// Housekeeping removes the temporary files of uploads that never
// finished, trash older than it is kept, resumable uploads abandoned,
// and blobs that no file, attachment or picture names (uploads that
// crashed or were refused after their bytes were stored). It runs after
// the other modules', whose purges leave blobs for it to remove.
func (s *Module) Housekeeping(ctx context.Context) {
	now := s.Now()
	if err := s.Blobs.SweepTemp(ctx, time.Hour); err != nil {
		s.Log.Error("sweep temporary upload files", "err", err)
	}
	if n, err := s.db.PurgeTrash(ctx, now.Add(-s.cfg.KeepDeleted)); err != nil {
		s.Log.Error("purge trash", "err", err)
	} else if n > 0 {
		s.Log.Info("purged trash", "count", n)
	}
	if ups, err := s.db.FindUploadsBefore(ctx, now.Add(-schulhof.UploadLifetime)); err != nil {
		s.Log.Error("find abandoned uploads", "err", err)
	} else {
		for _, u := range ups {
			if err := s.Blobs.DeletePartial(ctx, u.ID); err != nil {
				s.Log.Error("delete abandoned upload", "id", u.ID, "err", err)
				continue
			}
			if err := s.db.DeleteUpload(ctx, u.ID); err != nil {
				s.Log.Error("forget abandoned upload", "id", u.ID, "err", err)
			}
		}
	}
	// a backup copies the files its database copy names: none may go
	if paused, err := s.db.BlobSweepPaused(ctx, now); err != nil || paused {
		if err != nil {
			s.Log.Error("sweep blobs", "err", err)
		}
		return
	}
	var old []string
	err := s.Blobs.Walk(ctx, func(k blob.Key, written time.Time) error {
		if time.Since(written) >= s.cfg.OrphanAge { // a younger one may be an upload whose row is being written
			old = append(old, string(k))
		}
		return nil
	})
	var used map[string]bool
	if err == nil {
		used, err = s.db.BlobsInUse(ctx, old)
	}
	if err != nil {
		s.Log.Error("sweep blobs", "err", err)
		return
	}
	var orphans []blob.Key
	for _, k := range old {
		if !used[k] {
			orphans = append(orphans, blob.Key(k))
		}
	}
	for _, k := range orphans {
		if err := s.Blobs.Delete(ctx, k); err != nil {
			s.Log.Error("delete orphan blob", "key", k, "err", err)
		}
	}
	if len(orphans) > 0 {
		s.Log.Info("deleted orphan blobs", "count", len(orphans))
	}
}

package files

import (
	"context"
	"sync"
	"time"

	"github.com/schulhof/schulhof"
)

// usageCache keeps each space's used bytes for the quota check of
// uploads for a moment: summing a space of 10,000 files for each of a
// class's uploads at once would make the check cost more than the upload.
// What this node stores is added at once; deletions show after usageTTL,
// so the cache errs towards refusing. Listings read the exact figure.
type usageCache struct {
	mu sync.Mutex
	m  map[usageKey]usageEntry
}

type usageKey struct {
	school schulhof.SchoolID
	space  schulhof.Space
}

type usageEntry struct {
	bytes int64
	at    time.Time
}

const usageTTL = 2 * time.Second

// spaceUsage is the space's used bytes, at most usageTTL old.
func (s *Module) spaceUsage(ctx context.Context, school schulhof.SchoolID, space schulhof.Space) (int64, error) {
	k := usageKey{school, space}
	now := time.Now()
	s.usage.mu.Lock()
	e, ok := s.usage.m[k]
	s.usage.mu.Unlock()
	if ok && now.Sub(e.at) < usageTTL {
		return e.bytes, nil
	}
	b, err := s.db.SpaceUsage(ctx, school, space)
	if err != nil {
		return 0, err
	}
	s.usage.mu.Lock()
	if len(s.usage.m) > 100_000 {
		clear(s.usage.m)
	}
	s.usage.m[k] = usageEntry{bytes: b, at: now}
	s.usage.mu.Unlock()
	return b, nil
}

// usageAdd counts bytes just stored in a space.
func (s *Module) usageAdd(school schulhof.SchoolID, space schulhof.Space, n int64) {
	k := usageKey{school, space}
	s.usage.mu.Lock()
	if e, ok := s.usage.m[k]; ok {
		e.bytes += n
		s.usage.m[k] = e
	}
	s.usage.mu.Unlock()
}

// Freed forgets a space's usage after something in it was deleted, so
// that the room shows at once.
func (s *Module) Freed(school schulhof.SchoolID, space schulhof.Space) {
	s.usage.mu.Lock()
	delete(s.usage.m, usageKey{school, space})
	s.usage.mu.Unlock()
}

// Room is how many bytes more the space may hold (WebDAV asks before it
// stores). It implements dav.Quota.
func (s *Module) Room(ctx context.Context, sc *schulhof.School, space schulhof.Space) (int64, error) {
	used, err := s.spaceUsage(ctx, sc.ID, space)
	if err != nil {
		return 0, err
	}
	q, err := s.quota(ctx, sc, space)
	return q - used, err
}

// Stored counts bytes WebDAV stored. It implements dav.Quota.
func (s *Module) Stored(school schulhof.SchoolID, space schulhof.Space, n int64) {
	s.usageAdd(school, space, n)
}

package sqlstore

import (
	"sync"
	"sync/atomic"
	"time"
)

// readCache keeps the answers of the hottest reads (the session and the
// user's groups, asked on every page) for a moment. It is only used on
// SQLite, where this process is the only server: every write transaction
// of the store bumps the generation and so drops every cached answer, so a
// logout, a deactivation or a new membership is seen at once. What it cannot
// see are writes by another process on the same file (the command-line
// password reset); those show after at most readCacheTTL.
type readCache struct {
	enabled bool
	gen     atomic.Uint64
	mu      sync.Mutex
	entries map[string]cacheEntry
}

type cacheEntry struct {
	value any
	gen   uint64
	at    time.Time
}

const (
	readCacheTTL  = 2 * time.Second
	readCacheSize = 50_000
)

func (c *readCache) get(key string, now time.Time) (any, bool) {
	if !c.enabled {
		return nil, false
	}
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if !ok || e.gen != c.gen.Load() || now.Sub(e.at) > readCacheTTL || now.Before(e.at) {
		return nil, false
	}
	return e.value, true
}

// put stores value if no write happened since gen was read.
func (c *readCache) put(key string, gen uint64, value any, now time.Time) {
	if !c.enabled || gen != c.gen.Load() {
		return
	}
	c.mu.Lock()
	if len(c.entries) >= readCacheSize {
		clear(c.entries)
	}
	c.entries[key] = cacheEntry{value: value, gen: gen, at: now}
	c.mu.Unlock()
}

// invalidate is called after every write transaction.
func (c *readCache) invalidate() { c.gen.Add(1) }

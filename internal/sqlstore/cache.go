package sqlstore

import (
	"sync"
	"sync/atomic"
	"time"
)

// readCache keeps the answers of the hottest reads (the session and the
// user's groups, asked on every page) for a moment. Every write
// transaction of the store bumps the generation and so drops every cached
// answer, so a logout, a deactivation or a new membership is seen at once.
//
// On SQLite this process is the only server. On PostgreSQL other nodes
// write too: the cache is kept only once the server shares it (ShareCache)
// — each node tells the others of its writes over the bus, and they drop
// theirs — and not while the node may miss what the others say (the bus
// is down). What it cannot see are writes of a process that tells no one
// (the command-line password reset) and a message lost without the bus
// noticing; those show after at most readCacheTTL.
type readCache struct {
	enabled atomic.Bool
	// deaf: the node may miss other nodes' writes; nothing is kept
	deaf    atomic.Bool
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
	if !c.enabled.Load() || c.deaf.Load() {
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
	if !c.enabled.Load() || c.deaf.Load() || gen != c.gen.Load() {
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

// ShareCache keeps the read cache on PostgreSQL too, as one of a
// cluster's (see readCache): dropped is called after each write of this
// node's that drops the cache, for the caller to tell the other nodes,
// which call DropCache. Each server on the store calls it once.
func (db *DB) ShareCache(dropped func()) {
	db.dropMu.Lock()
	db.dropped = append(db.dropped, dropped)
	db.dropMu.Unlock()
	db.cache.enabled.Store(true)
}

// DropCache drops every cached answer: another node wrote.
func (db *DB) DropCache() { db.cache.invalidate() }

// HearOthers says whether the node hears the other nodes' writes (the
// bus is up); while it does not, the cache keeps nothing.
func (db *DB) HearOthers(up bool) {
	db.cache.invalidate()
	db.cache.deaf.Store(!up)
}

// tellDropped tells the other nodes that a write dropped the cache.
func (db *DB) tellDropped() {
	db.dropMu.Lock()
	fns := db.dropped
	db.dropMu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

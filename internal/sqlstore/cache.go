package sqlstore

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/schulhof/schulhof"
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
	deaf atomic.Bool
	gen  atomic.Uint64
	// chat counts, per school, the messenger's writes, which leave gen
	// alone (a school chatting at 8:00 would empty the cache with every
	// message): an answer read from the messenger's tables is kept only
	// while both stand
	chat    sync.Map // schulhof.SchoolID → *atomic.Uint64
	mu      sync.Mutex
	entries map[string]cacheEntry
}

type cacheEntry struct {
	value any
	gen   uint64
	// school and chatGen: the school's messenger writes it depends on
	school  schulhof.SchoolID
	chatGen uint64
	at      time.Time
}

// chatGen is the school's count of messenger writes.
func (c *readCache) chatGen(school schulhof.SchoolID) *atomic.Uint64 {
	if v, ok := c.chat.Load(school); ok {
		return v.(*atomic.Uint64)
	}
	v, _ := c.chat.LoadOrStore(school, new(atomic.Uint64))
	return v.(*atomic.Uint64)
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
	if e.school != 0 && e.chatGen != c.chatGen(e.school).Load() {
		return nil, false
	}
	return e.value, true
}

// put stores value if no write happened since gen was read.
func (c *readCache) put(key string, gen uint64, value any, now time.Time) {
	c.putChat(key, gen, 0, 0, value, now)
}

// putChat is put for an answer that depends on the school's messenger
// writes too (school 0: on none).
func (c *readCache) putChat(key string, gen uint64, school schulhof.SchoolID, chatGen uint64, value any, now time.Time) {
	if !c.enabled.Load() || c.deaf.Load() || gen != c.gen.Load() {
		return
	}
	if school != 0 && chatGen != c.chatGen(school).Load() {
		return
	}
	c.mu.Lock()
	if len(c.entries) >= readCacheSize {
		clear(c.entries)
	}
	c.entries[key] = cacheEntry{value: value, gen: gen, school: school, chatGen: chatGen, at: now}
	c.mu.Unlock()
}

// invalidate is called after every write transaction.
func (c *readCache) invalidate() { c.gen.Add(1) }

// ShareCache keeps the read cache on PostgreSQL too, as one of a
// cluster's (see readCache): dropped is called after each write of this
// node's that drops the cache (with the school whose messenger wrote, or
// 0 for any other write), for the caller to tell the other nodes, which
// call DropCache with it. Each server on the store calls it once.
func (db *DB) ShareCache(dropped func(chat schulhof.SchoolID)) {
	db.dropMu.Lock()
	db.dropped = append(db.dropped, dropped)
	db.dropMu.Unlock()
	db.cache.enabled.Store(true)
}

// DropCache drops the cached answers another node's write touched: what
// depends on the school's messenger, or (0) everything.
func (db *DB) DropCache(chat schulhof.SchoolID) {
	if chat == 0 {
		db.cache.invalidate()
		return
	}
	db.cache.chatGen(chat).Add(1)
}

// HearOthers says whether the node hears the other nodes' writes (the
// bus is up); while it does not, the cache keeps nothing.
func (db *DB) HearOthers(up bool) {
	db.cache.invalidate()
	db.cache.deaf.Store(!up)
}

// tellDropped tells the other nodes that a write dropped the cache
// (see ShareCache).
func (db *DB) tellDropped(chat schulhof.SchoolID) {
	db.dropMu.Lock()
	fns := db.dropped
	db.dropMu.Unlock()
	for _, fn := range fns {
		fn(chat)
	}
}

// cached returns the answer to the read named key from the read cache,
// or reads it with load and keeps it. clone copies an answer, so that
// neither the caller nor the cache sees what the other changes.
func cached[T any](db *DB, key string, clone func(T) T, load func() (T, error)) (T, error) {
	return cachedChat(db, key, 0, clone, load)
}

// cachedChat is cached for a read of the school's messenger tables
// (school 0: of none).
func cachedChat[T any](db *DB, key string, school schulhof.SchoolID, clone func(T) T, load func() (T, error)) (T, error) {
	now := db.Now()
	if v, ok := db.cache.get(key, now); ok {
		return clone(v.(T)), nil
	}
	gen, chatGen := db.cache.gen.Load(), uint64(0)
	if school != 0 {
		chatGen = db.cache.chatGen(school).Load()
	}
	v, err := load()
	if err == nil {
		db.cache.putChat(key, gen, school, chatGen, clone(v), now)
	}
	return v, err
}

// clonePointers copies each element of a list of pointers to structs
// whose fields are values (or pointers no caller changes through: a
// group's archive time).
func clonePointers[T any](xs []*T) []*T {
	out := make([]*T, len(xs))
	for i, x := range xs {
		c := *x
		out[i] = &c
	}
	return out
}

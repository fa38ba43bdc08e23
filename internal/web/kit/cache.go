package kit

import (
	"errors"
	"sync"
	"time"
)

// Cache keeps values for a moment: what every request of a busy hour
// reads and what changes seldom (a school, a school's plan, its groups'
// names). A change on this node clears it; a cache made Shared is
// cleared on every node of a cluster with it, others see the change
// within the ttl. It is the one cache of the web layer: modules make
// theirs with NewCache and keep them to themselves.
type Cache[K comparable, V any] struct {
	ttl time.Duration
	max int
	now func() time.Time
	mu  sync.Mutex
	m   map[K]ttlEntry[V]
	// loading are the loads under way: when a value expires at a busy
	// moment, one request loads it and the others wait for that.
	loading map[K]*ttlLoad[V]
	// gen counts the clears: a load that began before one does not keep
	// what it read, which may be from before the change.
	gen uint64
	// tell tells the other nodes of a Clear or Forget (Shared)
	tell func()
}

type ttlLoad[V any] struct {
	done chan struct{}
	v    V
	err  error
	// waiting counts those who wait for it (guarded by the cache's mu)
	waiting int
}

type ttlEntry[V any] struct {
	v  V
	at time.Time
}

// NewCache keeps up to max values for ttl each, on the real clock.
func NewCache[K comparable, V any](ttl time.Duration, max int) *Cache[K, V] {
	return NewCacheOn[K, V](ttl, max, time.Now)
}

// NewCacheOn is NewCache on another clock (the store's, which tests
// move); a value read "in the future" of a clock set back is not kept.
func NewCacheOn[K comparable, V any](ttl time.Duration, max int, now func() time.Time) *Cache[K, V] {
	return &Cache[K, V]{ttl: ttl, max: max, now: now, m: map[K]ttlEntry[V]{}, loading: map[K]*ttlLoad[V]{}}
}

// Get returns the cached value, or loads and keeps it.
func (c *Cache[K, V]) Get(k K, load func() (V, error)) (V, error) {
	now := c.now()
	c.mu.Lock()
	e, ok := c.m[k]
	if ok && now.Sub(e.at) < c.ttl && !now.Before(e.at) {
		c.mu.Unlock()
		return e.v, nil
	}
	if l, ok := c.loading[k]; ok {
		l.waiting++
		c.mu.Unlock()
		<-l.done
		return l.v, l.err
	}
	l := &ttlLoad[V]{done: make(chan struct{})}
	c.loading[k] = l
	gen := c.gen
	c.mu.Unlock()
	finished := false
	defer func() {
		if !finished {
			// load panicked: the waiters get an error and the key is free
			// for the next request, instead of hanging for ever
			l.err = errLoadPanicked
			c.mu.Lock()
			if c.loading[k] == l {
				delete(c.loading, k)
			}
			c.mu.Unlock()
			close(l.done)
		}
	}()
	l.v, l.err = load()
	finished = true
	c.mu.Lock()
	if c.loading[k] == l {
		delete(c.loading, k)
	}
	if l.err == nil && c.gen == gen {
		if len(c.m) >= c.max {
			clear(c.m)
		}
		c.m[k] = ttlEntry[V]{v: l.v, at: now}
	}
	c.mu.Unlock()
	close(l.done)
	return l.v, l.err
}

var errLoadPanicked = errors.New("cache: the load panicked")

// waiting is how many wait for the load of k under way.
func (c *Cache[K, V]) waiting(k K) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if l := c.loading[k]; l != nil {
		return l.waiting
	}
	return 0
}

// Clear drops everything, on every node when the cache is Shared.
func (c *Cache[K, V]) Clear() {
	c.clearHere()
	c.told()
}

func (c *Cache[K, V]) clearHere() {
	c.mu.Lock()
	clear(c.m)
	clear(c.loading) // later requests load anew instead of waiting for old data
	c.gen++
	c.mu.Unlock()
}

// Forget drops one value (and, to be safe, keeps no load under way);
// other nodes of a Shared cache drop all of theirs.
func (c *Cache[K, V]) Forget(k K) {
	c.mu.Lock()
	delete(c.m, k)
	delete(c.loading, k)
	c.gen++
	c.mu.Unlock()
	c.told()
}

func (c *Cache[K, V]) told() {
	c.mu.Lock()
	tell := c.tell
	c.mu.Unlock()
	if tell != nil {
		tell()
	}
}

// Shared makes c one cache of the cluster's, by name: a Clear or Forget
// on one node clears it on every node (over the bus), so that what a
// change here must end (a member removed from a room, a service's
// changed registration) ends everywhere at once, not after the ttl.
func Shared[K comparable, V any](d *Deps, name string, c *Cache[K, V]) *Cache[K, V] {
	tell := d.Broadcast("web.cache."+name, func([]byte) { c.clearHere() })
	c.mu.Lock()
	c.tell = func() { tell(nil) }
	c.mu.Unlock()
	return c
}

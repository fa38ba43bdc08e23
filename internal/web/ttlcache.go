package web

import (
	"errors"
	"sync"
	"time"
)

// ttlCache keeps values for a moment: what every request of a busy hour
// reads and what changes seldom (a school's plan, its groups' names). A
// change on this node clears it; other nodes see it within the ttl.
type ttlCache[K comparable, V any] struct {
	ttl time.Duration
	max int
	mu  sync.Mutex
	m   map[K]ttlEntry[V]
	// loading are the loads under way: when a value expires at a busy
	// moment, one request loads it and the others wait for that.
	loading map[K]*ttlLoad[V]
	// gen counts the clears: a load that began before one does not keep
	// what it read, which may be from before the change.
	gen uint64
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

func newTTLCache[K comparable, V any](ttl time.Duration, max int) *ttlCache[K, V] {
	return &ttlCache[K, V]{ttl: ttl, max: max, m: map[K]ttlEntry[V]{}, loading: map[K]*ttlLoad[V]{}}
}

// get returns the cached value, or loads and keeps it.
func (c *ttlCache[K, V]) get(k K, load func() (V, error)) (V, error) {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.m[k]
	if ok && now.Sub(e.at) < c.ttl {
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

var errLoadPanicked = errors.New("ttl cache: the load panicked")

// waiting is how many wait for the load of k under way.
func (c *ttlCache[K, V]) waiting(k K) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if l := c.loading[k]; l != nil {
		return l.waiting
	}
	return 0
}

// clear drops everything.
func (c *ttlCache[K, V]) clear() {
	c.mu.Lock()
	clear(c.m)
	clear(c.loading) // later requests load anew instead of waiting for old data
	c.gen++
	c.mu.Unlock()
}

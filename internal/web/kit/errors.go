package kit

import (
	"sync"
	"time"

	"github.com/schulhof/schulhof"
)

// ErrorCounter counts the requests that failed on the server (5xx) per
// school over the last 24 hours, in hourly buckets, for the operator's
// console. It counts what this node answered.
type ErrorCounter struct {
	mu      sync.Mutex
	now     func() time.Time
	buckets map[schulhof.SchoolID]*[24]hourCount
}

type hourCount struct {
	hour int64 // Unix hours
	n    int
}

// NewErrorCounter is an empty counter on the clock.
func NewErrorCounter(now func() time.Time) *ErrorCounter {
	return &ErrorCounter{now: now, buckets: map[schulhof.SchoolID]*[24]hourCount{}}
}

// Add counts a failed request of the school (0: none).
func (c *ErrorCounter) Add(school schulhof.SchoolID) {
	h := c.now().Unix() / 3600
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.buckets[school]
	if b == nil {
		b = &[24]hourCount{}
		c.buckets[school] = b
	}
	slot := &b[h%24]
	if slot.hour != h {
		*slot = hourCount{hour: h}
	}
	slot.n++
}

// Last24h is the school's failed requests in the last 24 hours.
func (c *ErrorCounter) Last24h(school schulhof.SchoolID) int {
	h := c.now().Unix() / 3600
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.buckets[school]
	if b == nil {
		return 0
	}
	n := 0
	for _, s := range b {
		if h-s.hour < 24 {
			n += s.n
		}
	}
	return n
}

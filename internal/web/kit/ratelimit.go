package kit

import (
	"encoding/json"
	"math"
	"sync"
	"time"
)

// RateLimit is the token bucket every module limits its users' actions
// with (chat messages, typing notices, board operations): Burst actions at
// once, one more every Every. With Strikes set, a user who keeps trying
// while the bucket is empty is muted for Mute after that many refusals,
// and calm again once the bucket has filled up to all but one.
//
// It counts in memory; made Shared, each node tells the others what it
// let through, so that a cluster of N nodes does not give a user N times
// the actions. It holds at most 100,000 keys and then starts afresh, so
// that a flood of keys cannot fill the memory.
type RateLimit[K comparable] struct {
	Burst   float64
	Every   time.Duration
	Strikes int
	Mute    time.Duration

	mu sync.Mutex
	m  map[K]*bucket
	// tell tells the other nodes of actions let through (Shared)
	tell func(k K, n int)
}

type bucket struct {
	tokens     float64
	at         time.Time
	strikes    int
	mutedUntil time.Time
}

// Take spends n of the key's actions at now; it returns how long to
// wait instead when they are not there (0: go ahead).
func (l *RateLimit[K]) Take(k K, n int, now time.Time) time.Duration {
	l.mu.Lock()
	wait := l.take(k, n, now, true)
	tell := l.tell
	l.mu.Unlock()
	if wait == 0 && tell != nil {
		tell(k, n)
	}
	return wait
}

// spent counts actions another node let through.
func (l *RateLimit[K]) spent(k K, n int, now time.Time) {
	l.mu.Lock()
	l.take(k, n, now, false)
	l.mu.Unlock()
}

// take spends n actions of k's bucket; with check, only when they are
// there, else it says how long to wait; without, the bucket may go below
// zero (actions already done elsewhere).
func (l *RateLimit[K]) take(k K, n int, now time.Time, check bool) time.Duration {
	if l.m == nil {
		l.m = map[K]*bucket{}
	}
	b := l.m[k]
	if b == nil {
		if len(l.m) > 100_000 {
			clear(l.m)
		}
		b = &bucket{tokens: l.Burst, at: now}
		l.m[k] = b
	}
	if now.Before(b.mutedUntil) {
		return b.mutedUntil.Sub(now)
	}
	if now.After(b.at) { // a clock a moment behind (another node's) refills nothing
		b.tokens = math.Min(l.Burst, b.tokens+float64(now.Sub(b.at))/float64(l.Every))
		b.at = now
	}
	need := float64(n)
	if !check {
		b.tokens -= need
		return 0
	}
	if b.tokens >= need {
		b.tokens -= need
		if b.tokens >= l.Burst-1 {
			b.strikes = 0 // calm again
		}
		return 0
	}
	if l.Strikes > 0 {
		b.strikes++
		if b.strikes >= l.Strikes {
			b.strikes, b.mutedUntil = 0, now.Add(l.Mute)
			return l.Mute
		}
	}
	return time.Duration((need - b.tokens) * float64(l.Every))
}

// ShareLimit makes l one limit of the cluster's, by name: what a node
// lets through is spent on every node's bucket of that key (over the
// bus, a moment later). Keys travel as JSON.
func ShareLimit[K comparable](d *Deps, name string, l *RateLimit[K]) {
	type spent struct {
		Key K   `json:"key"`
		N   int `json:"n"`
	}
	tell := d.Broadcast("web.limit."+name, func(data []byte) {
		var s spent
		if json.Unmarshal(data, &s) == nil {
			l.spent(s.Key, s.N, d.Now())
		}
	})
	l.mu.Lock()
	l.tell = func(k K, n int) {
		if b, err := json.Marshal(spent{Key: k, N: n}); err == nil {
			tell(b)
		}
	}
	l.mu.Unlock()
}

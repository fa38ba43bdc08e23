package kit

import (
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
// It counts in memory, per node; it holds at most 100,000 keys and then
// starts afresh, so that a flood of keys cannot fill the memory.
type RateLimit[K comparable] struct {
	Burst   float64
	Every   time.Duration
	Strikes int
	Mute    time.Duration

	mu sync.Mutex
	m  map[K]*bucket
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
	defer l.mu.Unlock()
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
	b.tokens = math.Min(l.Burst, b.tokens+float64(now.Sub(b.at))/float64(l.Every))
	b.at = now
	need := float64(n)
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

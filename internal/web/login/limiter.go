package login

import (
	"crypto/sha256"
	"encoding/json"
	"sync"
	"time"

	"github.com/schulhof/schulhof/internal/web/kit"
)

// Limiter keeps password guessing out without giving anyone a switch that
// locks others out. Failures count three ways:
//
//   - per account and source (the address, or a device the account logged
//     in from before): five failures lock that pair out, 1, 2, 4, 8, then
//     15 minutes. A student guessing a teacher's password from the school's
//     network locks only that pair, not the teacher at home.
//   - per account from unknown sources: past 30 failures in 15 minutes the
//     account takes one attempt per 10 seconds from them, a slowdown
//     against guessing from many addresses. A known device (the owner's
//     browser) is not slowed.
//   - per address: past 100 failures in 15 minutes every answer to it from
//     an unknown device waits a second. A school's whole network sits
//     behind one address, so this slows a script down and locks nobody out.
//
// A locked pair is refused before its password is hashed, so guessing
// costs the server nothing. Keys are hashed (a login of a megabyte costs
// 32 bytes) and each map is bounded. Counts live in memory; on a cluster
// each node tells the others of its failures and successes (Share), so
// that N nodes do not give a guesser N times the attempts.
type Limiter struct {
	// tell tells the other nodes (Share)
	tell     func(limitEvent)
	mu       sync.Mutex
	now      func() time.Time
	pairs    map[limitKey]*strikes
	accounts map[limitKey]*strikes
	addrs    map[limitKey]*strikes
}

type limitKey [32]byte

func keyOf(parts ...string) limitKey {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	var k limitKey
	h.Sum(k[:0])
	return k
}

type strikes struct {
	count       int
	first       time.Time
	lockedUntil time.Time // a pair's wall; an account's next free slot
	lockouts    int
}

// Thresholds.
const (
	pairFailures      = 5
	accountFailures   = 30
	accountSlot       = 10 * time.Second
	addressFailures   = 100
	addressSlowdown   = time.Second
	failureWindow     = 15 * time.Minute
	firstLockout      = time.Minute
	maxLockout        = 15 * time.Minute
	maxLimiterEntries = 100_000
)

// Source is where an attempt comes from: the client's address, and the
// device cookie's proof that this browser logged in to the account before
// (Known).
type Source struct {
	Addr  string
	Known bool
}

// NewLimiter returns an empty limiter on the clock.
func NewLimiter(now func() time.Time) *Limiter {
	return &Limiter{now: now, pairs: map[limitKey]*strikes{}, accounts: map[limitKey]*strikes{}, addrs: map[limitKey]*strikes{}}
}

func pairKey(account string, src Source) limitKey {
	if src.Known {
		return keyOf(account, "known device")
	}
	return keyOf(account, src.Addr)
}

// Check returns how long the attempt must wait before it may go ahead (0:
// now) and how long its answer is to be held back (the address slowdown).
// An account slowed for unknown sources gives its next slot to this
// attempt when it is free.
func (l *Limiter) Check(account string, src Source) (wait, slow time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if s := l.pairs[pairKey(account, src)]; s != nil && s.lockedUntil.After(now) {
		return s.lockedUntil.Sub(now), 0
	}
	if src.Known {
		return 0, 0
	}
	if s := l.accounts[keyOf(account)]; s != nil && s.count >= accountFailures && now.Sub(s.first) <= failureWindow {
		if s.lockedUntil.After(now) {
			return s.lockedUntil.Sub(now), 0
		}
		s.lockedUntil = now.Add(accountSlot)
	}
	if s := l.addrs[keyOf(src.Addr)]; s != nil && s.count >= addressFailures && now.Sub(s.first) <= failureWindow {
		slow = addressSlowdown
	}
	return 0, slow
}

// limitEvent is a failure or success another node saw.
type limitEvent struct {
	Account string `json:"account"`
	Addr    string `json:"addr"`
	Known   bool   `json:"known"`
	OK      bool   `json:"ok"`
}

// Share makes the limiter one of the cluster's: what this node sees it
// publishes on the bus, what the others see it counts (a moment later).
func (l *Limiter) Share(d *kit.Deps) {
	tell := d.Broadcast("login.limit", func(data []byte) {
		var e limitEvent
		if json.Unmarshal(data, &e) != nil {
			return
		}
		src := Source{Addr: e.Addr, Known: e.Known}
		if e.OK {
			l.succeed(e.Account, src)
		} else {
			l.fail(e.Account, src)
		}
	})
	l.tell = func(e limitEvent) {
		if b, err := json.Marshal(e); err == nil {
			tell(b)
		}
	}
}

// Fail records a failed attempt and returns the lockout of the pair it
// caused, if any.
func (l *Limiter) Fail(account string, src Source) time.Duration {
	lock := l.fail(account, src)
	if l.tell != nil {
		l.tell(limitEvent{Account: account, Addr: src.Addr, Known: src.Known})
	}
	return lock
}

func (l *Limiter) fail(account string, src Source) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	lock := time.Duration(0)
	p := l.strike(l.pairs, pairKey(account, src), now)
	if p.count >= pairFailures {
		d := firstLockout << p.lockouts // 1, 2, 4, 8, 15 minutes
		if d > maxLockout || d <= 0 {
			d = maxLockout
		}
		p.lockedUntil, p.lockouts, p.count = now.Add(d), p.lockouts+1, 0
		lock = d
	}
	if !src.Known {
		l.strike(l.accounts, keyOf(account), now)
		l.strike(l.addrs, keyOf(src.Addr), now)
	}
	return lock
}

func (l *Limiter) strike(m map[limitKey]*strikes, key limitKey, now time.Time) *strikes {
	s := m[key]
	if s == nil {
		if len(m) >= maxLimiterEntries {
			l.sweepLocked(now)
			evict(m, now)
		}
		s = &strikes{first: now}
		m[key] = s
	}
	if now.Sub(s.first) > failureWindow {
		s.count, s.first = 0, now
	}
	s.count++
	return s
}

// evict makes room in a full map: entries that lock nothing go first (a
// flood of made-up logins), then, if all lock, any.
func evict(m map[limitKey]*strikes, now time.Time) {
	for k, s := range m {
		if len(m) < maxLimiterEntries*9/10 {
			return
		}
		if !s.lockedUntil.After(now) {
			delete(m, k)
		}
	}
	for k := range m {
		if len(m) < maxLimiterEntries*9/10 {
			return
		}
		delete(m, k)
	}
}

// Succeed forgets the pair's failures after a complete login (password
// and, where it is on, the second factor).
func (l *Limiter) Succeed(account string, src Source) {
	l.succeed(account, src)
	if l.tell != nil {
		l.tell(limitEvent{Account: account, Addr: src.Addr, Known: src.Known, OK: true})
	}
}

func (l *Limiter) succeed(account string, src Source) {
	l.mu.Lock()
	delete(l.pairs, pairKey(account, src))
	l.mu.Unlock()
}

// Sweep drops entries that neither lock nor count any more.
func (l *Limiter) Sweep() {
	l.mu.Lock()
	l.sweepLocked(l.now())
	l.mu.Unlock()
}

// Len is how many entries the limiter holds, for its memory bound.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.pairs) + len(l.accounts) + len(l.addrs)
}

func (l *Limiter) sweepLocked(now time.Time) {
	for _, m := range []map[limitKey]*strikes{l.pairs, l.accounts, l.addrs} {
		for k, s := range m {
			if s.lockedUntil.Before(now) && now.Sub(s.first) > failureWindow {
				delete(m, k)
			}
		}
	}
}

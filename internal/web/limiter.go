package web

import (
	"sync"
	"time"
)

// Limiter counts failed logins per account and per address and locks
// either out for a while when there are too many. A locked account is
// refused before its password is hashed, so guessing costs the server
// nothing. Counts live in memory: on a cluster each node counts on its
// own, which multiplies the attempts an attacker gets by the node count.
type Limiter struct {
	mu       sync.Mutex
	now      func() time.Time
	accounts map[string]*strikes
	addrs    map[string]*strikes
}

type strikes struct {
	count       int
	first       time.Time
	lockedUntil time.Time
	lockouts    int
}

// Thresholds. An address is usually a whole school behind one NAT, so it
// gets far more room than one account.
const (
	accountFailures = 5
	addressFailures = 100
	failureWindow   = 15 * time.Minute
	firstLockout    = time.Minute
	maxLockout      = 15 * time.Minute
	addressLockout  = 5 * time.Minute
)

// NewLimiter returns an empty limiter on the clock.
func NewLimiter(now func() time.Time) *Limiter {
	return &Limiter{now: now, accounts: map[string]*strikes{}, addrs: map[string]*strikes{}}
}

// Check returns how long the account or address must still wait; 0 means
// go ahead.
func (l *Limiter) Check(account, addr string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	wait := time.Duration(0)
	for _, s := range []*strikes{l.accounts[account], l.addrs[addr]} {
		if s != nil && s.lockedUntil.After(now) {
			wait = max(wait, s.lockedUntil.Sub(now))
		}
	}
	return wait
}

// Fail records a failed login and returns the lockout it caused, if any.
func (l *Limiter) Fail(account, addr string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.accounts) > 200_000 || len(l.addrs) > 200_000 {
		l.sweepLocked(now)
	}
	lock := time.Duration(0)
	a := strike(l.accounts, account, now)
	if a.count >= accountFailures {
		d := firstLockout << a.lockouts // 1, 2, 4, 8, 15 minutes
		if d > maxLockout || d <= 0 {
			d = maxLockout
		}
		a.lockedUntil, a.lockouts, a.count = now.Add(d), a.lockouts+1, 0
		lock = d
	}
	ad := strike(l.addrs, addr, now)
	if ad.count >= addressFailures {
		ad.lockedUntil, ad.count = now.Add(addressLockout), 0
		lock = max(lock, addressLockout)
	}
	return lock
}

func strike(m map[string]*strikes, key string, now time.Time) *strikes {
	s := m[key]
	if s == nil {
		s = &strikes{first: now}
		m[key] = s
	}
	if now.Sub(s.first) > failureWindow {
		s.count, s.first = 0, now
	}
	s.count++
	return s
}

// Succeed forgets an account's failures after a right password.
func (l *Limiter) Succeed(account string) {
	l.mu.Lock()
	delete(l.accounts, account)
	l.mu.Unlock()
}

// Sweep drops entries that neither lock nor count any more.
func (l *Limiter) Sweep() {
	l.mu.Lock()
	l.sweepLocked(l.now())
	l.mu.Unlock()
}

func (l *Limiter) sweepLocked(now time.Time) {
	for _, m := range []map[string]*strikes{l.accounts, l.addrs} {
		for k, s := range m {
			if s.lockedUntil.Before(now) && now.Sub(s.first) > failureWindow {
				delete(m, k)
			}
		}
	}
}

package login_test

import (
	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/schulhof/schulhof/internal/web/login"

	"github.com/schulhof/schulhof/internal/bus/bustest"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// TestLimiterLocksPairsNotSchools: failures lock the account only from the
// address (or device) they came from; the owner elsewhere, or on a known
// device behind the same address, gets in; guessing across a school's
// address slows it instead of locking everyone out.
func TestLimiterLocksPairsNotSchools(t *testing.T) {
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	l := login.NewLimiter(func() time.Time { return now })
	school := login.Source{Addr: "10.0.0.1"}
	for i := 0; i < 4; i++ {
		if d := l.Fail("gym/max", school); d != 0 {
			t.Fatalf("locked after %d failures", i+1)
		}
	}
	if d := l.Fail("gym/max", school); d != time.Minute {
		t.Fatalf("fifth failure locks for %v, want 1m", d)
	}
	if wait, _ := l.Check("gym/max", school); wait == 0 {
		t.Fatal("the guessing pair is not locked")
	}
	if wait, _ := l.Check("gym/max", login.Source{Addr: "192.0.2.7"}); wait != 0 {
		t.Fatal("the owner at home is locked out by guesses from the school")
	}
	if wait, _ := l.Check("gym/max", login.Source{Addr: "10.0.0.1", Known: true}); wait != 0 {
		t.Fatal("the owner's known device behind the school's address is locked out")
	}
	if wait, _ := l.Check("gym/anna", school); wait != 0 {
		t.Fatal("other accounts behind the same address are locked")
	}
	now = now.Add(61 * time.Second)
	if wait, _ := l.Check("gym/max", school); wait != 0 {
		t.Fatal("lock must end")
	}
	for i := 0; i < 5; i++ {
		l.Fail("gym/max", school)
	}
	if wait, _ := l.Check("gym/max", school); wait != 2*time.Minute {
		t.Fatalf("second lockout %v, want 2m", wait)
	}
	l.Succeed("gym/max", school)
	if wait, _ := l.Check("gym/max", school); wait != 0 {
		t.Fatal("a complete login does not end the pair's lock")
	}

	// guessing one account from many addresses: after 30 failures one
	// attempt per 10 s from unknown sources, none held back for the owner
	now = now.Add(time.Hour)
	for i := 0; i < 30; i++ {
		l.Fail("gym/lehrer", login.Source{Addr: "198.51.100." + strconv.Itoa(i)})
	}
	if wait, _ := l.Check("gym/lehrer", login.Source{Addr: "203.0.113.1"}); wait != 0 {
		t.Fatal("the first slot after the slowdown began is refused")
	}
	if wait, _ := l.Check("gym/lehrer", login.Source{Addr: "203.0.113.2"}); wait != 10*time.Second {
		t.Fatalf("the second attempt within 10 s waits %v", wait)
	}
	if wait, _ := l.Check("gym/lehrer", login.Source{Addr: "203.0.113.2", Known: true}); wait != 0 {
		t.Fatal("the owner's device is slowed with the strangers")
	}
	now = now.Add(10 * time.Second)
	if wait, _ := l.Check("gym/lehrer", login.Source{Addr: "203.0.113.2"}); wait != 0 {
		t.Fatal("the next slot is refused")
	}

	// a script guessing a school through from one address: answers slow
	// down, nobody is locked out
	now = now.Add(time.Hour)
	for i := 0; i < 150; i++ {
		l.Fail("gym/user"+strconv.Itoa(i), login.Source{Addr: "10.9.9.9"})
	}
	wait, slow := l.Check("gym/new", login.Source{Addr: "10.9.9.9"})
	if wait != 0 || slow != time.Second {
		t.Fatalf("an address past 100 failures: wait %v, slow %v; want 0 and 1s", wait, slow)
	}
	if _, slow := l.Check("gym/new", login.Source{Addr: "10.9.9.9", Known: true}); slow != 0 {
		t.Fatal("a known device is slowed")
	}
	now = now.Add(time.Hour)
	l.Sweep()
	if l.Len() != 0 {
		t.Fatalf("sweep kept %d old entries", l.Len())
	}
}

// TestLimiterMemoryBounded: a flood of made-up logins of a megabyte each
// keeps the limiter at a fixed size.
func TestLimiterMemoryBounded(t *testing.T) {
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	l := login.NewLimiter(func() time.Time { return now })
	long := string(make([]byte, 1<<20))
	for i := 0; i < 300; i++ {
		l.Fail(long+strconv.Itoa(i), login.Source{Addr: "10.0.0.1"})
	}
	if n := l.Len(); n != 601 { // 300 pairs, 300 accounts, one address
		t.Fatalf("%d entries for 300 accounts from one address", n)
	}
	for i := 0; i < 250_000; i++ {
		l.Fail("x/"+strconv.Itoa(i), login.Source{Addr: "10.0.0." + strconv.Itoa(i%250)})
	}
	if n := l.Len(); n > 3*100_000 {
		t.Fatalf("the limiter grew to %d entries", n)
	}
}

// TestLimiterAcrossNodes: failures seen on one node count on the other:
// a guesser who spreads five attempts over two nodes is locked out on
// both; a success on one forgets the pair on both.
func TestLimiterAcrossNodes(t *testing.T) {
	b := &bustest.Sync{}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	now := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	a, c := login.NewLimiter(clock), login.NewLimiter(clock)
	a.Share(kit.NewDeps(kit.Site{}, nil, clock, nil, b, log))
	c.Share(kit.NewDeps(kit.Site{}, nil, clock, nil, b, log))
	src := login.Source{Addr: "203.0.113.9"}
	for i := range 4 {
		l := a
		if i%2 == 1 {
			l = c
		}
		if lock := l.Fail("gym/lehrerin", src); lock != 0 {
			t.Fatalf("locked after %d failures", i+1)
		}
	}
	if lock := c.Fail("gym/lehrerin", src); lock != time.Minute {
		t.Fatalf("the fifth failure, on node C: %s", lock)
	}
	if wait, _ := a.Check("gym/lehrerin", src); wait != time.Minute {
		t.Fatalf("node A lets the pair try: %s", wait)
	}
	now = now.Add(2 * time.Minute)
	a.Fail("gym/lehrerin", src)
	a.Succeed("gym/lehrerin", src)
	for i := range 4 {
		if lock := c.Fail("gym/lehrerin", src); lock != 0 {
			t.Fatalf("node C still counts failures forgotten by a success on A: locked after %d", i+1)
		}
	}
}

package kit

import (
	"io"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/schulhof/schulhof/internal/bus/bustest"
)

// TestTTLCacheLoadsOnce: many requests for an expired value load it once.
func TestTTLCacheLoadsOnce(t *testing.T) {
	c := NewCache[int, int](time.Minute, 10)
	var loads atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := c.Get(1, func() (int, error) { loads.Add(1); <-release; return 42, nil })
			if v != 42 || err != nil {
				t.Errorf("%d %v", v, err)
			}
		}()
	}
	for c.waiting(1) < 19 { // all but the loader wait for its load
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	if n := loads.Load(); n != 1 {
		t.Errorf("%d loads", n)
	}
}

// TestTTLCacheClearDuringLoad: what a load read before a clear is not
// kept after it.
func TestTTLCacheClearDuringLoad(t *testing.T) {
	c := NewCache[int, string](time.Minute, 10)
	started, release := make(chan struct{}), make(chan struct{})
	first := make(chan string)
	go func() {
		v, _ := c.Get(1, func() (string, error) { close(started); <-release; return "old", nil })
		first <- v
	}()
	<-started
	c.Clear()
	close(release)
	if v := <-first; v != "old" { // the old load has ended and may have stored
		t.Fatalf("the first load: %q", v)
	}
	v, _ := c.Get(1, func() (string, error) { return "new", nil })
	if v != "new" {
		t.Errorf("after the clear: %q", v)
	}
}

// TestTTLCachePanickingLoad: a load that panics does not hang the key:
// who waited for it gets an error, the next request loads anew.
func TestTTLCachePanickingLoad(t *testing.T) {
	c := NewCache[int, string](time.Minute, 10)
	started, release := make(chan struct{}), make(chan struct{})
	panicked := make(chan any)
	go func() {
		defer func() { panicked <- recover() }()
		c.Get(1, func() (string, error) { close(started); <-release; panic("kaputt") })
	}()
	<-started
	waiter := make(chan error)
	go func() {
		_, err := c.Get(1, func() (string, error) { return "neu", nil })
		waiter <- err
	}()
	close(release)
	if p := <-panicked; p != "kaputt" {
		t.Fatalf("the panic was not passed on: %v", p)
	}
	// the waiter either waited for the panicked load (an error) or came
	// after it and loaded itself (no error); it never hangs
	<-waiter
	v, err := c.Get(1, func() (string, error) { return "neu", nil })
	if err != nil || v != "neu" {
		t.Fatalf("after the panic: %q %v", v, err)
	}
}

// TestSharedCacheClearsEveryNode: two nodes on one bus; a Clear or a
// Forget on one drops the other's values at once, and a node does not
// drop its own on its own message.
func TestSharedCacheClearsEveryNode(t *testing.T) {
	b := &bustest.Sync{}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	nodeA := NewDeps(Site{}, nil, time.Now, nil, b, log)
	nodeB := NewDeps(Site{}, nil, time.Now, nil, b, log)
	a := Shared(nodeA, "test", NewCache[int, string](time.Minute, 10))
	c := Shared(nodeB, "test", NewCache[int, string](time.Minute, 10))
	loads := 0
	load := func(v string) func() (string, error) { return func() (string, error) { loads++; return v, nil } }
	a.Get(1, load("a"))
	a.Get(2, load("a"))
	c.Get(1, load("b"))
	a.Forget(2)
	if v, _ := c.Get(1, load("b2")); v != "b2" {
		t.Fatalf("node B after a Forget on A: %q", v)
	}
	if v, _ := a.Get(1, load("a2")); v != "a" {
		t.Fatalf("node A dropped what its own Forget did not name: %q", v)
	}
	c.Clear()
	if v, _ := a.Get(1, load("a3")); v != "a3" {
		t.Fatalf("node A after a Clear on B: %q", v)
	}
	if loads != 5 {
		t.Fatalf("%d loads", loads)
	}
}

// TestSharedRateLimit: what node A let through is spent on node B's
// bucket of the same user: a cluster gives a user one burst, not one per
// node.
func TestSharedRateLimit(t *testing.T) {
	b := &bustest.Sync{}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	nodeA := NewDeps(Site{}, nil, time.Now, nil, b, log)
	nodeB := NewDeps(Site{}, nil, time.Now, nil, b, log)
	la := &RateLimit[int64]{Burst: 3, Every: time.Hour}
	lb := &RateLimit[int64]{Burst: 3, Every: time.Hour}
	ShareLimit(nodeA, "test", la)
	ShareLimit(nodeB, "test", lb)
	now := time.Now()
	if la.Take(7, 2, now) != 0 || lb.Take(7, 1, now) != 0 {
		t.Fatal("the burst of three, on two nodes")
	}
	if lb.Take(7, 1, now) == 0 || la.Take(7, 1, now) == 0 {
		t.Fatal("a fourth action went through")
	}
	if la.Take(8, 1, now) != 0 {
		t.Fatal("another user is limited too")
	}
}

// TestErrorsCountedOnEveryNode: the operator's console on any node shows
// the failed requests of all.
func TestErrorsCountedOnEveryNode(t *testing.T) {
	b := &bustest.Sync{}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	nodeA := NewDeps(Site{}, nil, time.Now, nil, b, log)
	nodeB := NewDeps(Site{}, nil, time.Now, nil, b, log)
	nodeA.Errors.Add(7)
	nodeB.Errors.Add(7)
	nodeB.Errors.Add(8)
	if a, b := nodeA.Errors.Last24h(7), nodeB.Errors.Last24h(7); a != 2 || b != 2 {
		t.Fatalf("school 7: node A counts %d, node B %d", a, b)
	}
	if n := nodeA.Errors.Last24h(8); n != 1 {
		t.Fatalf("school 8 on node A: %d", n)
	}
}

package kit

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
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

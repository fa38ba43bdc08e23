package web

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestTTLCacheLoadsOnce: many requests for an expired value load it once.
func TestTTLCacheLoadsOnce(t *testing.T) {
	c := newTTLCache[int, int](time.Minute, 10)
	var loads atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := c.get(1, func() (int, error) { loads.Add(1); <-release; return 42, nil })
			if v != 42 || err != nil {
				t.Errorf("%d %v", v, err)
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := loads.Load(); n != 1 {
		t.Errorf("%d loads", n)
	}
}

// TestTTLCacheClearDuringLoad: what a load read before a clear is not
// kept after it.
func TestTTLCacheClearDuringLoad(t *testing.T) {
	c := newTTLCache[int, string](time.Minute, 10)
	started, release := make(chan struct{}), make(chan struct{})
	go c.get(1, func() (string, error) { close(started); <-release; return "old", nil })
	<-started
	c.clear()
	close(release)
	time.Sleep(20 * time.Millisecond)
	v, _ := c.get(1, func() (string, error) { return "new", nil })
	if v != "new" {
		t.Errorf("after the clear: %q", v)
	}
}

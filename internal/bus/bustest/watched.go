package bustest

import (
	"slices"
	"sync"

	"github.com/schulhof/schulhof/internal/bus"
)

// Watched is the in-process bus whose bus.Watcher the test works (Tell):
// it says when events may have been lost, as NATS does when a node's
// connection drops.
type Watched struct {
	*bus.Local
	mu  sync.Mutex
	fns []func(up bool)
}

// NewWatched makes a Watched bus.
func NewWatched() *Watched { return &Watched{Local: bus.NewLocal()} }

// Watch: see bus.Watcher.
func (b *Watched) Watch(fn func(up bool)) {
	b.mu.Lock()
	b.fns = append(b.fns, fn)
	b.mu.Unlock()
}

// Tell tells the watchers that events may be missed (false) or arrive
// again (true).
func (b *Watched) Tell(up bool) {
	b.mu.Lock()
	fns := slices.Clone(b.fns)
	b.mu.Unlock()
	for _, fn := range fns {
		fn(up)
	}
}

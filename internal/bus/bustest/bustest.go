// Package bustest has a bus for tests that delivers every event before
// Publish returns, so that a test sees its effect at once (the real
// buses deliver a moment later, on their own goroutines).
package bustest

import (
	"context"
	"sync"

	"github.com/schulhof/schulhof/internal/bus"
)

// Sync is a bus of exact subjects (no ">" patterns) delivering at once.
// Requests are not offered.
type Sync struct {
	bus.Bus
	mu   sync.Mutex
	subs map[string][]func(string, []byte)
}

// Subscribe adds fn for the subject.
func (b *Sync) Subscribe(subject string, fn func(string, []byte)) (bus.Subscription, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.subs == nil {
		b.subs = map[string][]func(string, []byte){}
	}
	b.subs[subject] = append(b.subs[subject], fn)
	return nopSub{}, nil
}

// Publish calls the subject's subscribers, in the order they came.
func (b *Sync) Publish(_ context.Context, subject string, data []byte) error {
	b.mu.Lock()
	fns := b.subs[subject]
	b.mu.Unlock()
	for _, fn := range fns {
		fn(subject, data)
	}
	return nil
}

type nopSub struct{}

func (nopSub) Unsubscribe() error { return nil }

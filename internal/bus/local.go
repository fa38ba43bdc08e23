package bus

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// Local is the bus of a single node: it hands each event to the
// subscribers in the process. Each subscription has its own goroutine and
// queue, so a slow subscriber does not hold up the others or the
// publisher; a subscriber whose queue (QueueSize) is full loses events,
// and catches up from the store like a node that missed them.
type Local struct {
	mu         sync.RWMutex
	subs       map[*localSub]bool
	responders map[string]*localResponder
	closed     bool
	// Watchers hear false and then true when a subscriber lost events
	// to a full queue (a node that missed events); telling is set while
	// they are being told
	Watchers
	telling atomic.Bool
}

// lost tells the watchers that events were lost, once for a run of
// losses, away from the publisher.
func (b *Local) lost() {
	if !b.telling.CompareAndSwap(false, true) {
		return
	}
	go func() {
		b.Tell(false)
		// losses from here on are told again
		b.telling.Store(false)
		b.Tell(true)
	}()
}

// QueueSize is how many events a local subscription holds back.
const QueueSize = 4096

type localSub struct {
	bus     *Local
	pattern string
	fn      func(string, []byte)
	queue   chan event
	done    chan struct{}
	once    sync.Once
}

type event struct {
	subject string
	data    []byte
}

// NewLocal makes an in-process bus.
func NewLocal() *Local {
	return &Local{subs: map[*localSub]bool{}, responders: map[string]*localResponder{}}
}

// Publish hands the event to the subscribers of the subject.
func (b *Local) Publish(_ context.Context, subject string, data []byte) error {
	if !ValidSubject(subject) {
		return fmt.Errorf("bus: bad subject %q", subject)
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return ErrClosed
	}
	for s := range b.subs {
		if !matches(s.pattern, subject) {
			continue
		}
		select {
		case s.queue <- event{subject, data}:
		default:
			b.lost()
		}
	}
	return nil
}

// Subscribe starts a subscription.
func (b *Local) Subscribe(subject string, fn func(subject string, data []byte)) (Subscription, error) {
	if !validSubject(subject, true) {
		return nil, fmt.Errorf("bus: bad subject %q", subject)
	}
	s := &localSub{bus: b, pattern: subject, fn: fn, queue: make(chan event, QueueSize), done: make(chan struct{})}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrClosed
	}
	b.subs[s] = true
	go s.run()
	return s, nil
}

func (s *localSub) run() {
	for {
		select {
		case e := <-s.queue:
			s.fn(e.subject, e.data)
		case <-s.done:
			return
		}
	}
}

// Unsubscribe ends the subscription; events still queued are dropped.
func (s *localSub) Unsubscribe() error {
	s.once.Do(func() {
		s.bus.mu.Lock()
		delete(s.bus.subs, s)
		s.bus.mu.Unlock()
		close(s.done)
	})
	return nil
}

// localResponder answers a subject's requests in the process.
type localResponder struct {
	bus     *Local
	subject string
	fn      func(ctx context.Context, data []byte) []byte
}

// Request calls the subject's responder (in the caller's goroutine: the
// process has no other node to wait for).
func (b *Local) Request(ctx context.Context, subject string, data []byte) ([]byte, error) {
	if !ValidSubject(subject) {
		return nil, fmt.Errorf("bus: bad subject %q", subject)
	}
	b.mu.RLock()
	r, closed := b.responders[subject], b.closed
	b.mu.RUnlock()
	switch {
	case closed:
		return nil, ErrClosed
	case r == nil:
		return nil, ErrNoResponder
	}
	return r.fn(ctx, data), nil
}

// Respond answers the subject's requests; one responder per subject.
func (b *Local) Respond(subject string, fn func(ctx context.Context, data []byte) []byte) (Subscription, error) {
	if !ValidSubject(subject) {
		return nil, fmt.Errorf("bus: bad subject %q", subject)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrClosed
	}
	if b.responders[subject] != nil {
		return nil, fmt.Errorf("bus: %q has a responder", subject)
	}
	r := &localResponder{bus: b, subject: subject, fn: fn}
	b.responders[subject] = r
	return r, nil
}

func (r *localResponder) Unsubscribe() error {
	r.bus.mu.Lock()
	if r.bus.responders[r.subject] == r {
		delete(r.bus.responders, r.subject)
	}
	r.bus.mu.Unlock()
	return nil
}

// Close ends every subscription.
func (b *Local) Close() error {
	b.mu.Lock()
	subs := b.subs
	b.subs, b.closed = map[*localSub]bool{}, true
	clear(b.responders)
	b.mu.Unlock()
	for s := range subs {
		s.once.Do(func() { close(s.done) })
	}
	return nil
}

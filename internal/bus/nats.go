package bus

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// NATS is the bus of a cluster: the nodes share a NATS server (plain
// subjects, no JetStream: events are hints to deliver, the store holds
// the messages). It reconnects on its own; events published while it is
// away are lost, and clients catch up from the store.
type NATS struct {
	conn *nats.Conn
	mu   sync.Mutex
	subs map[*nats.Subscription]bool
	// Watchers are told when events may be missed (Watcher)
	Watchers
}

// NewNATS connects to the NATS server at url ("nats://127.0.0.1:4222"),
// naming the connection (the node) for the server's monitoring.
func NewNATS(url, name string) (*NATS, error) {
	b := &NATS{subs: map[*nats.Subscription]bool{}}
	conn, err := nats.Connect(url, nats.Name(name), nats.MaxReconnects(-1), nats.ReconnectWait(500*time.Millisecond),
		nats.Timeout(5*time.Second),
		nats.DisconnectErrHandler(func(*nats.Conn, error) { b.Tell(false) }),
		nats.ReconnectHandler(func(*nats.Conn) { b.Tell(true) }),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			if errors.Is(err, nats.ErrSlowConsumer) {
				// events were dropped; the next ones arrive
				b.Tell(false)
				b.Tell(true)
			}
		}))
	if err != nil {
		return nil, fmt.Errorf("bus: connect to NATS at %s: %w", url, err)
	}
	b.conn = conn
	return b, nil
}

// Publish sends the event to every node.
func (b *NATS) Publish(_ context.Context, subject string, data []byte) error {
	if !ValidSubject(subject) {
		return fmt.Errorf("bus: bad subject %q", subject)
	}
	if b.conn.IsClosed() {
		return ErrClosed
	}
	return b.conn.Publish(subject, data)
}

// Subscribe takes the events of a subject (or below one ending in ">")
// from every node, this one's too. nats.go calls a subscription's handler
// from one goroutine, so calls do not overlap.
func (b *NATS) Subscribe(subject string, fn func(subject string, data []byte)) (Subscription, error) {
	if !validSubject(subject, true) {
		return nil, fmt.Errorf("bus: bad subject %q", subject)
	}
	s, err := b.conn.Subscribe(subject, func(m *nats.Msg) { fn(m.Subject, m.Data) })
	if err != nil {
		return nil, err
	}
	// a slow node loses events rather than holding up the server
	if err := s.SetPendingLimits(QueueSize, 64<<20); err != nil {
		s.Unsubscribe()
		return nil, err
	}
	b.mu.Lock()
	b.subs[s] = true
	b.mu.Unlock()
	return &natsSub{bus: b, sub: s}, nil
}

type natsSub struct {
	bus *NATS
	sub *nats.Subscription
}

func (s *natsSub) Unsubscribe() error {
	s.bus.mu.Lock()
	delete(s.bus.subs, s.sub)
	s.bus.mu.Unlock()
	return s.sub.Unsubscribe()
}

// Request sends a request to the node that answers the subject.
func (b *NATS) Request(ctx context.Context, subject string, data []byte) ([]byte, error) {
	if !ValidSubject(subject) {
		return nil, fmt.Errorf("bus: bad subject %q", subject)
	}
	if b.conn.IsClosed() {
		return nil, ErrClosed
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, RequestTimeout)
		defer cancel()
	}
	m, err := b.conn.RequestWithContext(ctx, subject, data)
	if errors.Is(err, nats.ErrNoResponders) {
		return nil, ErrNoResponder
	}
	if err != nil {
		return nil, err
	}
	return m.Data, nil
}

// Respond answers the subject's requests, each in a goroutine of its own
// (at most maxResponding at once).
func (b *NATS) Respond(subject string, fn func(ctx context.Context, data []byte) []byte) (Subscription, error) {
	if !ValidSubject(subject) {
		return nil, fmt.Errorf("bus: bad subject %q", subject)
	}
	busy := make(chan struct{}, maxResponding)
	s, err := b.conn.Subscribe(subject, func(m *nats.Msg) {
		busy <- struct{}{}
		go func() {
			defer func() { <-busy }()
			ctx, cancel := context.WithTimeout(context.Background(), RequestTimeout)
			defer cancel()
			m.Respond(fn(ctx, m.Data))
		}()
	})
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.subs[s] = true
	b.mu.Unlock()
	return &natsSub{bus: b, sub: s}, nil
}

// Flush waits until the server has every event published so far: tests
// and shutdowns use it.
func (b *NATS) Flush() error { return b.conn.FlushTimeout(5 * time.Second) }

// Settle: see Settler. One round trip to the NATS server.
func (b *NATS) Settle(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Second)
		defer cancel()
	}
	return b.conn.FlushWithContext(ctx)
}

// Close drains the subscriptions and closes the connection.
func (b *NATS) Close() error {
	if b.conn.IsClosed() {
		return nil
	}
	return b.conn.Drain()
}

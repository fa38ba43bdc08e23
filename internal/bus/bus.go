// Package bus carries events between the nodes of a Schulhof cluster:
// a message stored on one node is published on its room's subject, and
// every node delivers it to the sockets it holds. One node runs on the
// in-process bus; a cluster shares a NATS server (SCHULHOF_NATS_URL).
//
// Subjects are dot-separated words ("chat.room.42"); a subscription may
// end in ">" to take every subject below ("chat.>"). Delivery is at most
// once and in publication order per subject on a node: whoever needs
// more reads the store by cursor (the socket clients do after a gap).
package bus

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"
)

// Bus publishes and subscribes.
type Bus interface {
	// Publish sends data to the subscribers of subject on every node.
	Publish(ctx context.Context, subject string, data []byte) error
	// Subscribe calls fn for each event on a subject (or below one
	// ending in ">"); calls of one subscription do not overlap.
	Subscribe(subject string, fn func(subject string, data []byte)) (Subscription, error)
	// Request sends data to the node that answers subject (Respond) and
	// waits for its reply: ErrNoResponder when no node answers it, the
	// context's error when the reply does not come in time (without a
	// deadline of its own, RequestTimeout).
	Request(ctx context.Context, subject string, data []byte) ([]byte, error)
	// Respond answers the requests on subject with fn's reply; calls may
	// overlap (a slow request holds up no other).
	Respond(subject string, fn func(ctx context.Context, data []byte) []byte) (Subscription, error)
	// Close ends all subscriptions.
	Close() error
}

// Subscription is a live Subscribe.
type Subscription interface {
	Unsubscribe() error
}

// Watcher is a bus that tells when this node may miss events: what
// others publish meanwhile does not reach it (the connection is down) or
// was dropped (the node was too slow). Whoever keeps state that events
// keep current (a cache that other nodes' writes invalidate) stops
// trusting it then.
type Watcher interface {
	// Watch calls fn with false when events may be missed from now on or
	// were missed, and with true when they arrive again.
	Watch(fn func(up bool))
}

// Watchers are the callers of a bus's Watch, which the bus tells (Tell)
// when events may be missed and when they arrive again; a bus embeds it
// to be a Watcher.
type Watchers struct {
	mu  sync.Mutex
	fns []func(up bool)
}

// Watch: see Watcher.
func (w *Watchers) Watch(fn func(up bool)) {
	w.mu.Lock()
	w.fns = append(w.fns, fn)
	w.mu.Unlock()
}

// Tell calls every watcher with up, in the order they came.
func (w *Watchers) Tell(up bool) {
	w.mu.Lock()
	fns := slices.Clone(w.fns)
	w.mu.Unlock()
	for _, fn := range fns {
		fn(up)
	}
}

// Settler is a bus that can wait until what this node published has left
// it (NATS: the server has it and delivers it even if this node dies
// now). A node settles before it answers for an event that must not be
// lost with it (a chat message's), at the cost of a round trip.
type Settler interface {
	Settle(ctx context.Context) error
}

// ErrClosed is returned by a closed bus.
var ErrClosed = errors.New("bus: closed")

// ErrNoResponder is returned by a request that no node answers: the
// node that did is gone.
var ErrNoResponder = errors.New("bus: no node answers")

// RequestTimeout is how long a request without a deadline waits.
const RequestTimeout = 10 * time.Second

// maxResponding bounds the requests a node answers at once.
const maxResponding = 256

// ValidSubject says whether s is a subject to publish on: words of
// letters, digits, "-" and "_", separated by dots.
func ValidSubject(s string) bool {
	return validSubject(s, false)
}

func validSubject(s string, pattern bool) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	words := strings.Split(s, ".")
	for i, w := range words {
		if w == "" {
			return false
		}
		if pattern && w == ">" && i == len(words)-1 {
			continue
		}
		for _, c := range w {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// matches says whether a subscription's pattern takes a subject.
func matches(pattern, subject string) bool {
	if prefix, ok := strings.CutSuffix(pattern, ">"); ok {
		return strings.HasPrefix(subject, prefix) && len(subject) > len(prefix)
	}
	return pattern == subject
}

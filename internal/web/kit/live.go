package kit

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/i18n"
	"github.com/schulhof/schulhof/internal/realtime"
)

// TopicKind is one kind of live topic ("room" for "room.ID", "board" for
// "board.ID"), which the module that owns it adds to the socket.
type TopicKind struct {
	// MayFollow says whether u may follow the topic of this id. The hub
	// asks at subscribe and at every delivery, so it should answer from a
	// cache.
	MayFollow func(ctx context.Context, u *schulhof.User, id int64) bool
	// Receive takes an event a client sends to the topic; what it returns
	// goes back in the ack. Nil: clients send nothing there.
	Receive func(ctx context.Context, u *schulhof.User, id int64, event string, data json.RawMessage) (any, error)
}

// topics is the registry of topic kinds the hub asks.
type topics struct {
	mu       sync.RWMutex
	kinds    map[string]TopicKind
	sessions []SessionKind
}

// AddTopic adds a kind of live topic; a kind added twice panics, at start.
func (d *Deps) AddTopic(kind string, k TopicKind) {
	d.topics.mu.Lock()
	defer d.topics.mu.Unlock()
	if _, dup := d.topics.kinds[kind]; dup {
		panic("kit: the topic kind " + kind + " is added twice")
	}
	if d.topics.kinds == nil {
		d.topics.kinds = map[string]TopicKind{}
	}
	d.topics.kinds[kind] = k
}

// topicKind splits "kind.ID" and finds its kind.
func (d *Deps) topicKind(topic string) (TopicKind, int64, bool) {
	kind, id, _ := strings.Cut(topic, ".")
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return TopicKind{}, 0, false
	}
	d.topics.mu.RLock()
	k, ok := d.topics.kinds[kind]
	d.topics.mu.RUnlock()
	return k, n, ok
}

// mayFollow is the hub's Allowed: the topic's kind decides.
func (d *Deps) mayFollow(ctx context.Context, u *schulhof.User, topic string) bool {
	k, id, ok := d.topicKind(topic)
	return ok && k.MayFollow != nil && k.MayFollow(ctx, u, id)
}

// receive is the hub's Receive: the topic's kind takes the event, and
// its error goes back as a sentence in the user's language.
func (d *Deps) receive(ctx context.Context, u *schulhof.User, topic, event string, data json.RawMessage) (any, *realtime.Error) {
	k, id, ok := d.topicKind(topic)
	if !ok || k.Receive == nil {
		return nil, &realtime.Error{Code: string(schulhof.ENotFound), Message: i18n.T(u.Language, "error.not_found")}
	}
	out, err := k.Receive(ctx, u, id, event, data)
	if err != nil {
		return nil, socketError(u, err)
	}
	if later, ok := out.(Later); ok {
		return realtime.Later(func() (any, *realtime.Error) {
			out, err := later()
			if err != nil {
				return nil, socketError(u, err)
			}
			return out, nil
		}), nil
	}
	return out, nil
}

// Later is what a topic's Receive returns when its answer comes later
// (realtime.Later): the socket's next sends are taken meanwhile.
type Later func() (any, error)

// socketError is the error as the socket sends it: in the user's
// language.
func socketError(u *schulhof.User, err error) *realtime.Error {
	e := DomainError(err)
	msg := i18n.T(u.Language, e.Key, e.Args...)
	for _, f := range e.Fields {
		msg += " " + i18n.T(u.Language, f.Key, f.Args...)
	}
	return &realtime.Error{Code: string(e.Code), Message: msg}
}

// SessionKind is a kind of socket that belongs to no user's session: a
// video call's guests, who have no account. The module that owns it says
// whether such a socket still holds.
type SessionKind struct {
	// Prefix starts the keys of its sockets (realtime.Session.Key).
	Prefix string
	// Alive says whether the socket of the key holds, and until when.
	Alive func(ctx context.Context, key []byte) (until time.Time, ok bool)
}

// AddSessionKind adds a kind of socket that is no user's session.
func (d *Deps) AddSessionKind(k SessionKind) {
	d.topics.mu.Lock()
	defer d.topics.mu.Unlock()
	d.topics.sessions = append(d.topics.sessions, k)
}

// SessionKindOf is the kind of a socket's key, if a module added one.
func (d *Deps) SessionKindOf(key []byte) (SessionKind, bool) {
	d.topics.mu.RLock()
	defer d.topics.mu.RUnlock()
	for _, k := range d.topics.sessions {
		if strings.HasPrefix(string(key), k.Prefix) {
			return k, true
		}
	}
	return SessionKind{}, false
}

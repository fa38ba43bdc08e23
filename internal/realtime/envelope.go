// Package realtime is the live backbone of the browser: one WebSocket per
// tab (GET /api/v1/ws) carrying typed JSON envelopes. A client subscribes
// to topics ("room.42"); the hub of each node delivers the events of a
// topic to the sockets it holds that subscribed and may still see it.
// Chat is the first user; the whiteboard and video signalling follow.
// The envelope format is documented in docs/realtime.md.
package realtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/coder/websocket"
)

// Envelope types.
const (
	TypeSubscribe   = "subscribe"   // client: start getting a topic's events
	TypeUnsubscribe = "unsubscribe" // client: stop
	TypePing        = "ping"        // client: are you there (answered with an ack)
	TypeSend        = "send"        // client: an event for a topic (board operations), answered with an ack or error
	TypeEvent       = "event"       // server: something happened on a topic
	TypeAck         = "ack"         // server: the request with this id is done
	TypeError       = "error"       // server: the request with this id failed
	TypeGap         = "gap"         // server: events may have been lost on their way to this node; catch up by cursor
)

// Envelope is one message on the socket, either way.
type Envelope struct {
	Type string `json:"type"`
	// ID is the client's own id of a request, repeated in its ack or
	// error; events have none.
	ID    string `json:"id,omitempty"`
	Topic string `json:"topic,omitempty"`
	// Event names what happened ("message.new"), Data carries it.
	Event string          `json:"event,omitempty"`
	Data  json.RawMessage `json:"data,omitempty"`
	Error *Error          `json:"error,omitempty"`
}

// Error is why a request failed.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// MaxEnvelope bounds what a client may send in one envelope: a batch of
// board operations fits, a longer one goes over HTTP.
const MaxEnvelope = 64 << 10

// MaxTopics bounds the topics one socket follows.
const MaxTopics = 200

// Decode reads a client's envelope: only the client's types, a topic
// where one is needed, an id of at most 64 bytes, no unknown fields.
func Decode(b []byte) (*Envelope, error) {
	if len(b) > MaxEnvelope {
		return nil, errors.New("envelope too large")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var e Envelope
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("not an envelope: %w", err)
	}
	if dec.More() {
		return nil, errors.New("more than one envelope")
	}
	if len(e.ID) > 64 {
		return nil, errors.New("id longer than 64 bytes")
	}
	switch e.Type {
	case TypeSubscribe, TypeUnsubscribe:
		if !ValidTopic(e.Topic) {
			return nil, fmt.Errorf("bad topic %q", e.Topic)
		}
	case TypeSend:
		if !ValidTopic(e.Topic) || !validEvent(e.Event) || len(e.Data) == 0 || e.Error != nil {
			return nil, errors.New("a send needs a topic, an event and data")
		}
		return &e, nil
	case TypePing:
	default:
		return nil, fmt.Errorf("unknown type %q", e.Type)
	}
	if e.Event != "" || e.Data != nil || e.Error != nil {
		return nil, errors.New("event fields in a request")
	}
	return &e, nil
}

// validEvent: a client's event name, "ops", "laser".
func validEvent(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && c != '.' {
			return false
		}
	}
	return true
}

// ValidTopic says whether s names a topic: a kind and an id, "room.42".
func ValidTopic(s string) bool {
	kind, id, ok := strings.Cut(s, ".")
	if !ok || kind == "" || id == "" || len(s) > 64 {
		return false
	}
	for _, c := range kind {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	for _, c := range id {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Reader reads the server's envelopes from a socket, one at a time, though
// a frame may carry several (one per line): for Go clients such as the
// tests and the load benchmark.
type Reader struct {
	ws      *websocket.Conn
	pending [][]byte
}

// NewReader reads the envelopes of the socket.
func NewReader(ws *websocket.Conn) *Reader {
	ws.SetReadLimit(MaxFrame)
	return &Reader{ws: ws}
}

// MaxFrame is the largest frame a client must take: a batch, or one large
// event (a message of the longest text, escaped).
const MaxFrame = 1 << 20

// Next returns the next envelope, reading a frame when none is left.
func (r *Reader) Next(ctx context.Context) (*Envelope, error) {
	for len(r.pending) == 0 {
		_, b, err := r.ws.Read(ctx)
		if err != nil {
			return nil, err
		}
		r.pending = bytes.Split(b, []byte{'\n'})
	}
	b := r.pending[0]
	r.pending = r.pending[1:]
	var e Envelope
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("not an envelope: %w", err)
	}
	return &e, nil
}

package video

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/bus"
)

// The host of a call. A call lives on one node of a cluster: the one
// that claimed it in the store when the first one joined (calls.node),
// which renews the claim while anyone is in it and gives it up when the
// call is empty. What a socket or a request on another node asks of the
// call goes to that node over the bus and its answer comes back; the
// media go straight to the host, whose offers name its addresses. A
// single node is its own host: the same path, without the bus.

const (
	// holdFor is how long a node's claim on a call holds unless renewed;
	// renewEvery is how often the node renews its calls' claims.
	holdFor    = 30 * time.Second
	renewEvery = 10 * time.Second
	// hostsFor is how long a node trusts what the store said of a
	// call's host: a host that moved answers "moved", one that is gone
	// answers nothing, and either makes the node ask the store again.
	hostsFor = 2 * time.Second
)

// newNodeName names this process among the nodes of a cluster.
func newNodeName() string {
	b := make([]byte, 8)
	rand.Read(b)
	return "n" + hex.EncodeToString(b)
}

// hostSubject is where a node answers what the others ask of its calls.
func hostSubject(node string) string { return "videohost." + node }

// hostOp is what a node asks of a call's host: what a client sent to
// the call's topic (its event is the kind: "join", "publish", "answer",
// "state", "layer", "chat", "leave"), what moderators do ("mute",
// "remove", "admit", "breakouts", "move", "back", "board"), or what the module
// needs to know or tell ("follows", "roster", "settle").
type hostOp struct {
	Call   schulhof.CallID   `json:"call"`
	School schulhof.SchoolID `json:"school"`
	Kind   string            `json:"kind"`
	Actor  actor             `json:"actor"`
	Data   json.RawMessage   `json:"data,omitempty"`
	// call is the call as the asking node read it; a host asked over
	// the bus reads it itself
	call *schulhof.Call
}

// clientEvents are what a client may send to "call.ID".
var clientEvents = map[string]bool{"join": true, "publish": true, "answer": true, "state": true, "layer": true, "chat": true, "leave": true}

// actor is who asks, as the asking node knows them: their rights in the
// call were checked there (callRights); one who neither enters nor
// moderates waits in the lobby.
type actor struct {
	User      schulhof.UserID `json:"user"`
	Name      string          `json:"name,omitempty"`
	Enters    bool            `json:"enters,omitempty"`
	Moderates bool            `json:"moderates,omitempty"`
}

func actorOf(u *schulhof.User, cr callRights) actor {
	return actor{User: u.ID, Name: u.Name(), Enters: cr.enters, Moderates: cr.moderates}
}

// opOf is the op of a kind on the call, by the user, with data.
func opOf(kind string, u *schulhof.User, cr callRights, data any) (hostOp, error) {
	op := hostOp{Call: cr.call.ID, School: cr.call.SchoolID, Kind: kind, Actor: actorOf(u, cr), call: cr.call}
	if raw, ok := data.(json.RawMessage); ok {
		op.Data = raw
	} else if data != nil {
		b, err := json.Marshal(data)
		if err != nil {
			return op, err
		}
		op.Data = b
	}
	return op, nil
}

// decodeOp reads an op's data: strictly, since it is what a client sent.
func decodeOp(op hostOp, v any) error {
	if len(op.Data) == 0 {
		op.Data = json.RawMessage("{}")
	}
	d := json.NewDecoder(strings.NewReader(string(op.Data)))
	d.DisallowUnknownFields()
	if d.Decode(v) != nil {
		return schulhof.Errorf(schulhof.EBadRequest, "call.bad_message")
	}
	return nil
}

// movedError: another node took the call while this one was asked; the
// asker asks there.
type movedError struct{ node string }

func (e *movedError) Error() string { return "video: call is hosted by " + e.node }

// ask has the call's host do op, wherever it is, and returns its answer
// as JSON (nil for none).
func (m *Module) ask(ctx context.Context, op hostOp) (json.RawMessage, error) {
	node, err := m.hostOf(ctx, op.Call)
	if err != nil {
		return nil, err
	}
	for try := 0; ; try++ {
		var out json.RawMessage
		if node == m.node {
			var v any
			if v, err = m.serve(ctx, op); v != nil && err == nil {
				out, err = json.Marshal(v)
			}
		} else {
			out, err = m.askNode(ctx, node, op)
		}
		if try == 3 {
			return out, err
		}
		var moved *movedError
		switch {
		case errors.As(err, &moved):
			m.hosts.Forget(op.Call)
			node = moved.node
			continue
		case errors.Is(err, bus.ErrNoResponder):
			// the host is gone: whoever joins next takes the call (its
			// clients come back to the new host), and nobody is in it
			// until then
			m.Log.Warn("video: the host of a call answers no more", "call", op.Call, "node", node)
			m.hosts.Forget(op.Call)
			if op.Kind == "join" {
				if node, err = m.db.ClaimCallNode(ctx, op.Call, m.node, node, holdFor); err != nil {
					return nil, err
				}
			} else {
				node = m.node
			}
			continue
		}
		return out, err
	}
}

// hostOf is the node that hosts the call; this one when none does (it
// will, if one joins here).
func (m *Module) hostOf(ctx context.Context, id schulhof.CallID) (string, error) {
	if m.existing(id) != nil {
		return m.node, nil
	}
	return m.hosts.Get(id, func() (string, error) {
		node, err := m.db.FindCallNode(ctx, id)
		if node == "" {
			node = m.node
		}
		return node, err
	})
}

// hostReply is a host's answer on the bus.
type hostReply struct {
	Data  json.RawMessage `json:"data,omitempty"`
	Error *wireError      `json:"error,omitempty"`
	Moved string          `json:"moved,omitempty"`
}

// wireError is a schulhof.Error on its way between nodes; any other
// error is the host's own, and the asker sees an internal one.
type wireError struct {
	Code       schulhof.ErrorCode `json:"code"`
	Key        string             `json:"key"`
	Args       []any              `json:"args,omitempty"`
	Fields     []wireField        `json:"fields,omitempty"`
	RetryAfter int                `json:"retry_after,omitempty"`
}

type wireField struct {
	Field string `json:"field"`
	Key   string `json:"key"`
	Args  []any  `json:"args,omitempty"`
}

func toWire(err error) *wireError {
	var e *schulhof.Error
	if !errors.As(err, &e) {
		return &wireError{Code: schulhof.EInternal, Key: "error.internal"}
	}
	w := &wireError{Code: e.Code, Key: e.Key, Args: e.Args, RetryAfter: e.RetryAfter}
	for _, f := range e.Fields {
		w.Fields = append(w.Fields, wireField(f))
	}
	return w
}

func (w *wireError) err() error {
	e := &schulhof.Error{Code: w.Code, Key: w.Key, Args: wholeNumbers(w.Args), RetryAfter: w.RetryAfter}
	for _, f := range w.Fields {
		e.Fields = append(e.Fields, schulhof.FieldError{Field: f.Field, Key: f.Key, Args: wholeNumbers(f.Args)})
	}
	return e
}

// wholeNumbers gives the sentences' %d their integers back: JSON made
// every number a float.
func wholeNumbers(args []any) []any {
	for i, a := range args {
		if f, ok := a.(float64); ok && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			args[i] = int64(f)
		}
	}
	return args
}

// askNode sends op to the node that hosts its call.
func (m *Module) askNode(ctx context.Context, node string, op hostOp) (json.RawMessage, error) {
	req, err := json.Marshal(op)
	if err != nil {
		return nil, err
	}
	b, err := m.Bus.Request(ctx, hostSubject(node), req)
	if err != nil {
		return nil, err
	}
	var re hostReply
	if err := json.Unmarshal(b, &re); err != nil {
		return nil, err
	}
	switch {
	case re.Moved != "":
		return nil, &movedError{node: re.Moved}
	case re.Error != nil:
		return nil, re.Error.err()
	}
	return re.Data, nil
}

// answer serves what another node asks of a call this one hosts.
func (m *Module) answer(ctx context.Context, req []byte) []byte {
	var op hostOp
	var re hostReply
	if err := json.Unmarshal(req, &op); err != nil {
		re.Error = toWire(schulhof.Errorf(schulhof.EBadRequest, "call.bad_message"))
	} else if v, err := m.serve(ctx, op); err != nil {
		var moved *movedError
		if errors.As(err, &moved) {
			re.Moved = moved.node
		} else {
			if schulhof.ErrorCodeOf(err) == schulhof.EInternal {
				m.Log.Error("video: serve a call's request", "call", op.Call, "kind", op.Kind, "err", err)
			}
			re.Error = toWire(err)
		}
	} else if v != nil {
		if re.Data, err = json.Marshal(v); err != nil {
			re.Error = toWire(err)
		}
	}
	b, _ := json.Marshal(re)
	return b
}

// claim makes this node the call's host, unless another is: then it
// says which (movedError). m.claimMu is held.
func (m *Module) claim(ctx context.Context, id schulhof.CallID) error {
	node, err := m.db.ClaimCallNode(ctx, id, m.node, "", holdFor)
	if err != nil {
		return err
	}
	if node != m.node {
		return &movedError{node: node}
	}
	return nil
}

// keepClaims renews the claims on this node's calls until stop closes;
// a call whose claim was lost (the node was cut off long enough for
// another to take it) ends here, and its clients come back to the new
// host.
func (m *Module) keepClaims(stop <-chan struct{}) {
	t := time.NewTicker(renewEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		held, err := m.db.RenewCallNodes(context.Background(), m.node, holdFor)
		if err != nil {
			m.Log.Warn("video: renew the claims on calls", "err", err)
			continue
		}
		m.claimMu.Lock()
		m.mu.Lock()
		var lost []*liveCall
		for id, lc := range m.calls {
			if !slices.Contains(held, id) {
				lost = append(lost, lc)
			}
		}
		m.mu.Unlock()
		m.claimMu.Unlock()
		for _, lc := range lost {
			m.Log.Warn("video: another node took a call of this one", "call", lc.id)
			lc.closeAll()
		}
	}
}

// rosters are who is in the calls of other nodes, as their rosters went
// by on the bus: who may follow a call's topic on this node is known
// without asking its host at every event.
type rosters struct {
	mu    sync.Mutex
	calls map[schulhof.CallID]seenRoster
}

type seenRoster struct {
	users map[schulhof.UserID]bool
	peers int
}

// saw takes a call's roster that went by.
func (s *rosters) saw(id schulhof.CallID, r *roster) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(r.Peers) == 0 {
		delete(s.calls, id)
		return
	}
	if s.calls == nil {
		s.calls = map[schulhof.CallID]seenRoster{}
	}
	seen := seenRoster{users: make(map[schulhof.UserID]bool, len(r.Peers)), peers: len(r.Peers)}
	for _, p := range r.Peers {
		seen.users[p.User] = true
	}
	s.calls[id] = seen
}

// has says whether the user was in the call's last roster.
func (s *rosters) has(id schulhof.CallID, u schulhof.UserID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[id].users[u]
}

// count is how many were in the call's last roster.
func (s *rosters) count(id schulhof.CallID) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[id].peers
}

// forget drops a call that ended.
func (s *rosters) forget(id schulhof.CallID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.calls, id)
}

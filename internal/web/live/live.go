// Package live is the one WebSocket of each tab (GET /api/v1/ws): it
// serves the node's realtime.Hub, whose topics are the kinds the modules
// add to kit.Deps (chat "room.ID", boards "board.ID"), and "user.ID", a
// user's own events. A socket belongs to its session and ends with it,
// on every node.
package live

import (
	"context"
	"embed"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/bus"
	"github.com/schulhof/schulhof/internal/realtime"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// assets are the module's templates, sentences and part of the OpenAPI
// document (kit.AddAssets).
//
//go:embed all:assets
var assets embed.FS

var openAPIPart = kit.AddAssets(assets, nil)

// Store is what the socket asks of the store: whether a session still
// holds, and the sessions it ends.
type Store interface {
	FindSession(ctx context.Context, tokenHash []byte, now time.Time) (*schulhof.Session, *schulhof.User, error)
	// OnSessionEnd calls f after every commit that ended sessions; the
	// returned func stops it.
	OnSessionEnd(f func(schulhof.SessionEnd)) (stop func())
}

// Module serves the socket.
type Module struct {
	*kit.Deps
	db Store

	sessionSub       bus.Subscription
	stopSessionWatch func()

	// gaps: see tellGaps
	gapMu      sync.Mutex
	busDown    bool      // the bus said that events may be missed
	gapPending bool      // a notice is due
	lastGap    time.Time // when the last went out
}

// gapEvery is the least time between two gap notices of a node: each
// makes every client read what it missed, and a node that falls behind
// under load may lose events again soon after.
const gapEvery = 5 * time.Second

// New is the socket on the server's Deps: it checks the hub's sessions
// against the store and ends them on every node as the store ends them.
func New(d *kit.Deps, db Store) (*Module, error) {
	m := &Module{Deps: d, db: db}
	d.Hub.Alive = m.sessionAlive
	d.AddTopic("user", kit.TopicKind{MayFollow: func(_ context.Context, u *schulhof.User, id int64) bool {
		return schulhof.UserID(id) == u.ID // one's own events
	}})
	// sockets end with their session, on every node: what this node's
	// store ends goes out on the bus, and what comes in closes sockets
	ends, err := d.Bus.Subscribe("session.end", func(_ string, data []byte) {
		var e schulhof.SessionEnd
		if json.Unmarshal(data, &e) == nil {
			d.Hub.EndSessions(e.User, e.Session, e.Keep)
		}
	})
	if err != nil {
		return nil, err
	}
	m.sessionSub = ends
	if w, ok := d.Bus.(bus.Watcher); ok {
		w.Watch(m.tellGaps)
	}
	m.stopSessionWatch = db.OnSessionEnd(func(e schulhof.SessionEnd) {
		b, _ := json.Marshal(e)
		if err := d.Bus.Publish(context.Background(), "session.end", b); err != nil {
			// the other nodes see it at the socket's next send or recheck
			d.Log.Warn("publish session end", "user", e.User, "err", err)
		}
	})
	return m, nil
}

// tellGaps hears from the bus whether events reach this node. Once they
// arrive again after they may have been lost (NATS reconnected, or
// dropped events for a node too slow to take them), every socket is told
// (realtime.TypeGap) and its client reads what it missed by cursor —
// cheaper than closing the sockets, whose clients would all log in to
// the socket again at once. At most one notice every gapEvery.
func (m *Module) tellGaps(up bool) {
	m.gapMu.Lock()
	defer m.gapMu.Unlock()
	if !up {
		m.busDown = true
		return
	}
	if !m.busDown {
		return
	}
	m.busDown = false
	if m.gapPending {
		return // the notice that is due comes after this loss too
	}
	m.gapPending = true
	time.AfterFunc(max(0, gapEvery-time.Since(m.lastGap)), func() {
		m.gapMu.Lock()
		m.gapPending, m.lastGap = false, time.Now()
		m.gapMu.Unlock()
		m.Hub.Gap()
	})
}

// Routes adds the socket.
func (m *Module) Routes(rt *kit.Router) {
	rt.Document(openAPIPart)
	rt.API("GET /api/v1/ws", m.serveSocket)
}

// Stop leaves the bus and ends the sockets (at shutdown: clients
// reconnect to another node or after the restart).
func (m *Module) Stop() {
	m.stopSessionWatch()
	m.sessionSub.Unsubscribe()
	m.Hub.Close()
}

// sessionAlive says whether a socket's session still holds and until when:
// asked by the hub before every send and, at deliveries, when what it
// knew has run out.
func (m *Module) sessionAlive(ctx context.Context, rs realtime.Session) (time.Time, bool) {
	if k, ok := m.SessionKindOf(rs.Key); ok {
		return k.Alive(ctx, rs.Key) // a guest's socket: its module knows
	}
	sess, _, err := m.db.FindSession(ctx, rs.Key, m.Now())
	if err != nil {
		if !schulhof.Match(err, schulhof.EUnauthorized) {
			// the store is away: keep the socket and ask again soon (a
			// send fails on the store anyway)
			m.Log.Warn("check socket session", "user", rs.User.ID, "err", err)
			return m.Now().Add(time.Second), true
		}
		return time.Time{}, false
	}
	return sess.ExpiresAt, !sess.TOTPPending
}

// serveSocket: GET /api/v1/ws, the tab's WebSocket (session cookie or
// bearer token; the origin must be this server's).
func (m *Module) serveSocket(w http.ResponseWriter, r *http.Request) {
	a := kit.AuthOf(r)
	if a.User.SchoolID == 0 {
		m.Fail(w, r, schulhof.Errorf(schulhof.ENotFound, "live.no_school"))
		return
	}
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		m.Fail(w, r, schulhof.Errorf(schulhof.EBadRequest, "live.not_websocket"))
		return
	}
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return // Accept has answered
	}
	// The socket lives on in a goroutine of its own, and the handler
	// returns: the request's goroutine carries the deep stack of the
	// middleware, which thousands of idle sockets should not keep.
	go m.Hub.Serve(context.WithoutCancel(r.Context()), ws, realtime.Session{User: a.User, Key: a.TokenHash, Until: a.Session.ExpiresAt})
}

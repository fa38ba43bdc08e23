package realtime

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/schulhof/schulhof"
)

// Hub holds a node's sockets and delivers events to those that follow
// their topic.
type Hub struct {
	// Allowed says whether the user may follow the topic; asked when a
	// socket subscribes and again at every delivery (rights change: a
	// student leaves a class), so it should answer from a cache.
	Allowed func(ctx context.Context, u *schulhof.User, topic string) bool
	// Receive takes an event a client sends to a topic (board
	// operations); what it returns comes back in the ack, its error as
	// the error envelope. Nil refuses all. It runs in the socket's read
	// loop: a socket's sends are taken one after the other, in order. A
	// Later it returns is answered when it is done, without holding up
	// the next sends.
	Receive func(ctx context.Context, u *schulhof.User, topic, event string, data json.RawMessage) (any, *Error)
	// Alive says whether the session a socket was opened with still
	// holds (not logged out, not expired, its user active) and until
	// when it holds at the latest. It is asked before every send, and at
	// a delivery when the last answer is older than RecheckEvery or the
	// session's expiry has passed. Nil takes every session as alive.
	// Sessions that end are also announced (EndSessions), which closes
	// their sockets at once; the recheck is for an announcement a node
	// missed.
	Alive        func(ctx context.Context, s Session) (until time.Time, ok bool)
	RecheckEvery time.Duration
	// QueueSize bounds the events waiting for one socket: a client that
	// does not keep up is disconnected and catches up by cursor.
	QueueSize int
	// PingEvery is how often the server pings an idle socket; a socket
	// that does not answer within WriteTimeout is closed.
	PingEvery    time.Duration
	WriteTimeout time.Duration
	// FlushGap is the least time between two frames to one socket. A
	// socket's first event after a quiet while goes out at once; events
	// that come faster than that are gathered into the next frame. In a
	// busy school this halves the writes (a system call on the server and
	// a wake-up on the iPad each) for a delay no one reading a chat sees.
	FlushGap time.Duration
	// GapReads is how many catch-up reads a second a Gap may cause the
	// node (0: 1,000).
	GapReads int

	mu     sync.RWMutex
	topics map[string]map[*conn]bool
	conns  map[*conn]bool

	// sleep waits out the flush gap; tests hold it to see what gathers
	sleep func(time.Duration)

	sweep     sync.Once
	stopOnce  sync.Once
	stopSweep chan struct{}

	// Counters for /metrics and the load tests.
	Delivered atomic.Int64
	Slow      atomic.Int64 // sockets closed for not keeping up
}

// NewHub makes a hub; allowed decides who follows what.
func NewHub(allowed func(ctx context.Context, u *schulhof.User, topic string) bool) *Hub {
	return &Hub{Allowed: allowed, QueueSize: 256, PingEvery: 25 * time.Second, WriteTimeout: 10 * time.Second,
		FlushGap: 30 * time.Millisecond, RecheckEvery: 30 * time.Second, sleep: time.Sleep,
		topics: map[string]map[*conn]bool{}, conns: map[*conn]bool{}, stopSweep: make(chan struct{})}
}

// Session is what a socket belongs to: a user's login, known by the hash
// of its token. The socket lives as long as the session does.
type Session struct {
	User *schulhof.User
	Key  []byte
	// Until is when the session ends at the latest, as known when the
	// socket opened.
	Until time.Time
}

// StatusSessionEnded closes a socket whose session has ended (logout,
// expiry, password change, deactivation): the client logs in again
// instead of reconnecting.
const StatusSessionEnded websocket.StatusCode = 4001

type conn struct {
	hub     *Hub
	user    *schulhof.User
	session Session
	ws      *websocket.Conn
	// checkedUntil is until when the session is known to hold (Unix
	// nanoseconds): the earlier of its expiry and the next recheck.
	checkedUntil atomic.Int64
	// queue holds the frames waiting for the writer, at most
	// hub.QueueSize; wake tells the writer there are some. A slice rather
	// than a buffered channel: an idle socket then holds no queue at all.
	qmu    sync.Mutex
	queue  [][]byte
	wake   chan struct{}
	done   chan struct{}
	once   sync.Once
	topics map[string]bool // guarded by hub.mu
	// writing is when the write under way began (Unix nanoseconds; 0:
	// none), for the hub's sweeper
	writing atomic.Int64
	// later holds the answers still to come, in the order of their
	// sends; made, with its goroutine, at the socket's first Later
	later     chan laterAnswer
	laterOnce sync.Once
}

// Later is what Receive returns when the answer comes later: what it
// waits for (a whiteboard's operations being stored, after they were
// checked in order) must not hold up the socket's next sends. The hub
// runs it off the read loop; a socket's later answers go out in the
// order of their sends, at most MaxLater waiting (then the read loop
// waits too).
type Later func() (any, *Error)

// MaxLater bounds the answers a socket waits for at once.
const MaxLater = 64

type laterAnswer struct {
	id, topic string
	answer    Later
}

// Conns is the number of sockets the hub holds.
func (h *Hub) Conns() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.conns)
}

// Serve runs a socket of the session until it closes, the session ends
// or ctx ends.
func (h *Hub) Serve(ctx context.Context, ws *websocket.Conn, s Session) error {
	ws.SetReadLimit(MaxEnvelope)
	c := &conn{hub: h, user: s.User, session: s, ws: ws, wake: make(chan struct{}, 1), done: make(chan struct{}), topics: map[string]bool{}}
	c.checked(time.Now(), s.Until)
	h.mu.Lock()
	h.conns[c] = true
	h.mu.Unlock()
	h.sweep.Do(func() { go h.sweepStuck() })
	defer h.drop(c)
	go c.writeLoop(ctx)
	for {
		_, b, err := ws.Read(ctx)
		if err != nil {
			c.close(websocket.StatusNormalClosure, "")
			return err
		}
		e, err := Decode(b)
		if err != nil {
			c.reply(&Envelope{Type: TypeError, Error: &Error{Code: "bad_envelope", Message: err.Error()}})
			continue
		}
		c.handle(ctx, e)
	}
}

func (c *conn) handle(ctx context.Context, e *Envelope) {
	h := c.hub
	switch e.Type {
	case TypeSubscribe:
		if h.Allowed == nil || !h.Allowed(ctx, c.user, e.Topic) {
			c.reply(&Envelope{Type: TypeError, ID: e.ID, Topic: e.Topic, Error: &Error{Code: "not_found", Message: "no such topic"}})
			return
		}
		h.mu.Lock()
		full := len(c.topics) >= MaxTopics && !c.topics[e.Topic]
		if !full {
			c.topics[e.Topic] = true
			if h.topics[e.Topic] == nil {
				h.topics[e.Topic] = map[*conn]bool{}
			}
			h.topics[e.Topic][c] = true
		}
		h.mu.Unlock()
		if full {
			c.reply(&Envelope{Type: TypeError, ID: e.ID, Topic: e.Topic, Error: &Error{Code: "too_many_topics", Message: "too many topics"}})
			return
		}
	case TypeUnsubscribe:
		h.mu.Lock()
		h.unsubscribe(c, e.Topic)
		h.mu.Unlock()
	case TypeSend:
		// a send changes what others see: it is checked against the
		// store every time, not against what this node last knew
		if !c.alive(ctx, true) {
			return
		}
		if h.Receive == nil {
			c.reply(&Envelope{Type: TypeError, ID: e.ID, Topic: e.Topic, Error: &Error{Code: "not_found", Message: "no such topic"}})
			return
		}
		out, err := h.Receive(ctx, c.user, e.Topic, e.Event, e.Data)
		if l, ok := out.(Later); ok && err == nil {
			c.answerLater(laterAnswer{e.ID, e.Topic, l})
			return
		}
		c.answer(e.ID, e.Topic, out, err)
		return
	}
	c.reply(&Envelope{Type: TypeAck, ID: e.ID, Topic: e.Topic})
}

// answer sends the answer to a send: its ack with what came back, or
// the error.
func (c *conn) answer(id, topic string, out any, err *Error) {
	if err != nil {
		c.reply(&Envelope{Type: TypeError, ID: id, Topic: topic, Error: err})
		return
	}
	ack := &Envelope{Type: TypeAck, ID: id, Topic: topic}
	if out != nil {
		ack.Data, _ = json.Marshal(out)
	}
	c.reply(ack)
}

// answerLater queues an answer that comes later, for the socket's
// answering goroutine.
func (c *conn) answerLater(a laterAnswer) {
	c.laterOnce.Do(func() {
		c.later = make(chan laterAnswer, MaxLater)
		go c.answerLoop()
	})
	select {
	case c.later <- a:
	case <-c.done:
	}
}

// answerLoop sends the later answers, in order, until the socket ends.
func (c *conn) answerLoop() {
	for {
		select {
		case a := <-c.later:
			out, err := a.answer()
			c.answer(a.id, a.topic, out, err)
		case <-c.done:
			return
		}
	}
}

// unsubscribe takes the socket off a topic; hub.mu is held.
func (h *Hub) unsubscribe(c *conn, topic string) {
	delete(c.topics, topic)
	if m := h.topics[topic]; m != nil {
		delete(m, c)
		if len(m) == 0 {
			delete(h.topics, topic)
		}
	}
}

func (h *Hub) drop(c *conn) {
	h.mu.Lock()
	for t := range c.topics {
		h.unsubscribe(c, t)
	}
	delete(h.conns, c)
	h.mu.Unlock()
	c.close(websocket.StatusNormalClosure, "")
}

func (c *conn) reply(e *Envelope) {
	b, _ := json.Marshal(e)
	c.enqueue(b)
}

// enqueue hands a frame to the writer; a full queue closes the socket.
func (c *conn) enqueue(b []byte) bool {
	select {
	case <-c.done:
		return false
	default:
	}
	c.qmu.Lock()
	full := len(c.queue) >= c.hub.QueueSize
	if !full {
		c.queue = append(c.queue, b)
	}
	c.qmu.Unlock()
	if full {
		c.hub.Slow.Add(1)
		c.close(websocket.StatusPolicyViolation, "too slow; catch up by cursor")
		return false
	}
	select {
	case c.wake <- struct{}{}:
	default: // the writer is awake already
	}
	return true
}

func (c *conn) close(code websocket.StatusCode, reason string) {
	c.once.Do(func() {
		close(c.done)
		go c.ws.Close(code, reason) // the close handshake waits for the peer
	})
}

// writeLoop writes the queued frames and pings. It ends with the socket;
// the close handshake (c.close) then ends the read loop, so that the
// client gets the close frame with its reason rather than a cut
// connection.
func (c *conn) writeLoop(ctx context.Context) {
	ping := time.NewTicker(c.hub.PingEvery)
	defer ping.Stop()
	var last time.Time // of the last frame
	for {
		select {
		case <-c.wake:
			if wait := c.hub.FlushGap - time.Since(last); wait > 0 {
				c.hub.sleep(wait) // the goroutine's own timer: nothing to allocate
			}
			last = time.Now()
			c.qmu.Lock()
			queued := c.queue
			c.queue = nil
			c.qmu.Unlock()
			for len(queued) > 0 {
				var frame []byte
				frame, queued = batch(queued)
				// no deadline of its own: a timer per frame cost a tenth
				// of the server's time; the sweeper ends writes that hang
				c.writing.Store(time.Now().UnixNano())
				err := c.ws.Write(ctx, websocket.MessageText, frame)
				c.writing.Store(0)
				if err != nil {
					c.close(websocket.StatusGoingAway, "write failed")
					return
				}
			}
		case <-ping.C:
			pctx, done := context.WithTimeout(ctx, c.hub.WriteTimeout)
			err := c.ws.Ping(pctx)
			done()
			if err != nil {
				c.close(websocket.StatusGoingAway, "no answer to ping")
				return
			}
		case <-c.done:
			return
		case <-ctx.Done():
			return
		}
	}
}

// MaxBatch bounds a frame that carries several envelopes; a single larger
// envelope goes alone.
const MaxBatch = 64 << 10

// batch joins queued envelopes into one frame, one per line (JSON has no
// raw line breaks), and returns the rest: when a school is busy, a socket
// gets a few events per write instead of one, which is what the server
// and the iPad spend their time on; a quiet socket still gets one per
// frame.
func batch(queued [][]byte) (frame []byte, rest [][]byte) {
	if len(queued) == 1 || len(queued[0])+1+len(queued[1]) > MaxBatch {
		return queued[0], queued[1:]
	}
	frame = append(make([]byte, 0, 4096), queued[0]...)
	n := 1
	for ; n < len(queued) && len(frame)+1+len(queued[n]) <= MaxBatch; n++ {
		frame = append(append(frame, '\n'), queued[n]...)
	}
	return frame, queued[n:]
}

// Deliver sends an event to this node's sockets that follow the topic
// and may still see it.
func (h *Hub) Deliver(ctx context.Context, topic, event string, data json.RawMessage) {
	b, err := json.Marshal(&Envelope{Type: TypeEvent, Topic: topic, Event: event, Data: data})
	if err != nil {
		return
	}
	h.mu.RLock()
	targets := make([]*conn, 0, len(h.topics[topic]))
	for c := range h.topics[topic] {
		targets = append(targets, c)
	}
	h.mu.RUnlock()
	for _, c := range targets {
		if !c.alive(ctx, false) {
			continue
		}
		if h.Allowed != nil && !h.Allowed(ctx, c.user, topic) {
			h.mu.Lock()
			h.unsubscribe(c, topic)
			h.mu.Unlock()
			continue
		}
		if c.enqueue(b) {
			h.Delivered.Add(1)
		}
	}
}

// Gap tells every socket that events may have been lost on their way to
// this node (see bus.Watcher): its client catches up by cursor, as after
// a reconnect, without reconnecting, after a random wait of up to
// within_ms: so that the node, which may just have fallen behind, gets
// at most about GapReads of these reads a second (no less than 3 s).
func (h *Hub) Gap() {
	conns := h.allConns()
	reads := h.GapReads
	if reads <= 0 {
		reads = 1000
	}
	within := max(3*time.Second, time.Duration(len(conns))*time.Second/time.Duration(reads))
	b, _ := json.Marshal(&Envelope{Type: TypeGap, Data: json.RawMessage(`{"within_ms":` + strconv.FormatInt(within.Milliseconds(), 10) + `}`)})
	for _, c := range conns {
		c.enqueue(b)
	}
}

// allConns are the sockets the hub holds now.
func (h *Hub) allConns() []*conn {
	h.mu.RLock()
	defer h.mu.RUnlock()
	conns := make([]*conn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	return conns
}

// checked records that the session holds until the earlier of until and
// the next recheck.
func (c *conn) checked(now, until time.Time) {
	next := now.Add(c.hub.RecheckEvery)
	if !until.IsZero() && until.Before(next) {
		next = until
	}
	c.checkedUntil.Store(next.UnixNano())
}

// alive says whether the socket's session still holds, asking the hub's
// Alive when force is set or what is known has run out; a session that
// has ended closes the socket.
func (c *conn) alive(ctx context.Context, force bool) bool {
	select {
	case <-c.done:
		return false
	default:
	}
	if c.hub.Alive == nil {
		return true
	}
	now := time.Now()
	if !force && now.UnixNano() < c.checkedUntil.Load() {
		return true
	}
	until, ok := c.hub.Alive(ctx, c.session)
	if !ok {
		c.close(StatusSessionEnded, "session ended")
		return false
	}
	c.checked(now, until)
	return true
}

// EndSessions closes the sockets of ended sessions at once: the one of
// key if key is set, else all of the user's but keep's (a password
// change ends the other sessions).
func (h *Hub) EndSessions(user schulhof.UserID, key, keep []byte) {
	h.mu.RLock()
	var ended []*conn
	for c := range h.conns {
		k := c.session.Key
		switch {
		case key != nil && string(k) == string(key):
		case key == nil && c.user.ID == user && (keep == nil || string(k) != string(keep)):
		default:
			continue
		}
		ended = append(ended, c)
	}
	h.mu.RUnlock()
	for _, c := range ended {
		c.close(StatusSessionEnded, "session ended")
	}
}

// sweepStuck cuts the sockets whose write has hung longer than
// WriteTimeout (a client that stopped reading, with no more events coming
// to fill its queue), until the hub closes.
func (h *Hub) sweepStuck() {
	t := time.NewTicker(max(h.WriteTimeout/4, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-h.stopSweep:
			return
		case now := <-t.C:
			h.mu.RLock()
			var stuck []*conn
			for c := range h.conns {
				if at := c.writing.Load(); at != 0 && now.Sub(time.Unix(0, at)) > h.WriteTimeout {
					stuck = append(stuck, c)
				}
			}
			h.mu.RUnlock()
			for _, c := range stuck {
				c.hub.Slow.Add(1)
				c.close(websocket.StatusGoingAway, "write timed out")
				c.ws.CloseNow()
			}
		}
	}
}

// Close ends every socket, as at shutdown: clients reconnect to another
// node or after the restart.
func (h *Hub) Close() {
	h.stopOnce.Do(func() { close(h.stopSweep) })
	for _, c := range h.allConns() {
		c.close(websocket.StatusGoingAway, "server shutting down")
	}
}

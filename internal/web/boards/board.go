package boards

// The whiteboard's live side. A node keeps the drawing of each board in
// use (liveBoard) behind one lock: a client's operations are checked
// against it, stored (the store numbers them), applied, and published on
// the bus; every node applies what the bus brings to its own copy and
// delivers it to the sockets that follow the board.

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/board"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// snapshotEvery is how many operations a board's log grows before its
// drawing is saved whole again.
const snapshotEvery = 500

// liveBoard is a board's drawing as this node knows it.
type liveBoard struct {
	mu  sync.Mutex
	doc *board.Doc // nil: load from the store on next use
	// missing are the operations below the drawing's seq that it lacks:
	// another node's, stored between this node's and not heard from the
	// bus yet. The bus brings them a moment later; those still missing
	// at the next use are read from the log (not the whole board again:
	// two nodes drawing on one board would load it at every turn).
	missing map[int64]bool
	// pending are the submits checked and waiting for the store; storing
	// says that one of them is storing what is pending
	pending []*pendingOps
	storing bool
	// lastStored is the seq of the last operation this node stored
	lastStored int64
	// snapshotting marks a snapshot being written; saved is the seq of
	// the last one.
	snapshotting bool
	saved        int64
	// inbox holds what the bus brought while mu was taken (inboxMu
	// guards it): the bus never waits for a board's lock
	inboxMu sync.Mutex
	inbox   []boardEvent
	// present is where the presenting teacher is (page and view), for
	// those who join later; nil when nobody presents. presentAt is when
	// it last changed; presentKnown says that this node has heard of it
	// (from the bus, or from the store when it loaded the board).
	present      json.RawMessage
	presentAt    time.Time
	presentKnown bool
	// presenting is what of the presenting this node still stores
	presenting presentStore
	used       time.Time
	// encoded is the drawing as JSON at seq encodedSeq: a class joining
	// at once asks for the same
	encoded    []byte
	encodedSeq int64
}

// docJSON is the drawing as JSON; lb.mu is held and the drawing loaded.
func (lb *liveBoard) docJSON() ([]byte, error) {
	if lb.encoded != nil && lb.encodedSeq == lb.doc.Seq {
		return lb.encoded, nil
	}
	b, err := json.Marshal(lb.doc)
	if err != nil {
		return nil, err
	}
	lb.encoded, lb.encodedSeq = b, lb.doc.Seq
	return b, nil
}

type liveBoards struct {
	mu sync.Mutex
	m  map[schulhof.BoardID]*liveBoard
}

// get returns the board's entry, making one; boards unused for an hour
// are forgotten when the map grows.
func (l *liveBoards) get(id schulhof.BoardID, now time.Time) *liveBoard {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[schulhof.BoardID]*liveBoard{}
	}
	b := l.m[id]
	if b == nil {
		if len(l.m) >= 1000 {
			for k, v := range l.m {
				if v.mu.TryLock() {
					if now.Sub(v.used) > time.Hour {
						delete(l.m, k)
					}
					v.mu.Unlock()
				}
			}
		}
		b = &liveBoard{}
		l.m[id] = b
	}
	return b
}

// boardEvent travels on the bus, subject board.SCHOOL.BOARD.
type boardEvent struct {
	Board schulhof.BoardID `json:"board"`
	Event string           `json:"event"` // ops, laser, present, settings
	Ops   []*board.Op      `json:"ops,omitempty"`
	Data  json.RawMessage  `json:"data,omitempty"`
}

func boardTopic(id schulhof.BoardID) string { return "board." + strconv.FormatInt(int64(id), 10) }

func (s *Module) start() error {
	s.AddTopic("board", kit.TopicKind{
		MayFollow: func(ctx context.Context, u *schulhof.User, id int64) bool {
			_, _, err := s.boardRights(ctx, u, schulhof.BoardID(id))
			return err == nil
		},
		Receive: s.receiveBoard,
	})
	sub, err := s.Bus.Subscribe("board.>", func(_ string, data []byte) {
		var e boardEvent
		if json.Unmarshal(data, &e) != nil {
			return
		}
		// the node's copy without waiting for its lock (one board busy
		// storing must not hold up the others' events, which come through
		// this one subscription): into its inbox, which whoever uses the
		// copy next takes first; so what a socket has been sent, the
		// node's copy holds
		lb := s.boards.get(e.Board, s.Now())
		lb.inboxMu.Lock()
		lb.inbox = append(lb.inbox, e)
		lb.inboxMu.Unlock()
		out := e.Data
		if e.Event == "ops" {
			out, _ = json.Marshal(map[string]any{"ops": e.Ops})
		}
		s.Hub.Deliver(context.Background(), boardTopic(e.Board), e.Event, out)
		if lb.mu.TryLock() {
			lb.takeInbox(s.Now())
			lb.mu.Unlock()
		} // else whoever holds it takes the inbox before its next use
	})
	s.sub = sub
	return err
}

// takeInbox applies what the bus brought while the board was busy, in
// order; lb.mu is held.
func (lb *liveBoard) takeInbox(now time.Time) {
	lb.inboxMu.Lock()
	inbox := lb.inbox
	lb.inbox = nil
	lb.inboxMu.Unlock()
	for _, e := range inbox {
		switch e.Event {
		case "ops":
			for _, op := range e.Ops {
				lb.applyLogged(op)
			}
		case "present":
			lb.present, lb.presentAt, lb.presentKnown = e.Data, now, true
			if string(e.Data) == presentOff {
				lb.present = nil
			}
		}
	}
}

// applyLogged applies an operation of the log to the cached drawing. The
// drawing must have every operation up to its seq (a snapshot is made
// from it): one that skips ahead, because another node's came first,
// leaves the ones between missing. Applying one twice does no harm (the
// last writer by seq wins, a stroke's batches are numbered). lb.mu is
// held.
func (lb *liveBoard) applyLogged(op *board.Op) {
	if lb.doc == nil {
		return
	}
	delete(lb.missing, op.Seq)
	if lb.lacks(lb.doc.Seq+1, op.Seq-1); lb.doc != nil {
		lb.doc.Apply(op)
	}
}

// lacks records the operations from first to last as missing; a
// drawing that lacks more than maxMissing is dropped, to be loaded
// again. lb.mu is held.
func (lb *liveBoard) lacks(first, last int64) {
	if last-first+1+int64(len(lb.missing)) > maxMissing {
		lb.doc, lb.missing = nil, nil
		return
	}
	for seq := first; seq <= last; seq++ {
		if lb.missing == nil {
			lb.missing = map[int64]bool{}
		}
		lb.missing[seq] = true
	}
}

// maxMissing is how many operations a drawing may lack before it is
// loaded whole rather than caught up.
const maxMissing = 1000

// catchUp applies the log from the first missing operation on, page by
// page; lb.mu is held.
func (s *Module) catchUp(ctx context.Context, school schulhof.SchoolID, id schulhof.BoardID, lb *liveBoard) error {
	const page = 500
	after := lb.doc.Seq
	for seq := range lb.missing {
		after = min(after, seq-1)
	}
	for {
		ops, err := board.FindOps(ctx, s.db, school, id, after, page)
		if err != nil {
			return err
		}
		for _, op := range ops {
			lb.doc.Apply(op)
			after = op.Seq
		}
		if len(ops) < page {
			lb.missing = nil
			s.catchUps.Add(1)
			return nil
		}
	}
}

// onBoard runs fn with the board's drawing loaded, under its lock.
func (s *Module) onBoard(ctx context.Context, school schulhof.SchoolID, id schulhof.BoardID, fn func(lb *liveBoard) error) error {
	lb := s.boards.get(id, s.Now())
	lb.mu.Lock()
	defer lb.mu.Unlock()
	if err := s.loaded(ctx, school, id, lb); err != nil {
		return err
	}
	return fn(lb)
}

// loaded makes sure the drawing is there, with what the bus brought;
// lb.mu is held.
func (s *Module) loaded(ctx context.Context, school schulhof.SchoolID, id schulhof.BoardID, lb *liveBoard) error {
	lb.used = s.Now()
	lb.takeInbox(lb.used)
	if lb.doc != nil && len(lb.missing) > 0 {
		if err := s.catchUp(ctx, school, id, lb); err != nil {
			lb.doc = nil // loaded whole below
		}
	}
	if lb.doc != nil {
		return nil
	}
	doc, err := board.LoadDoc(ctx, s.db, school, id)
	if err != nil {
		return err
	}
	s.loads.Add(1)
	lb.doc, lb.missing = doc, nil
	if !lb.presentKnown {
		// someone may have begun presenting before this node heard
		view, at, err := s.db.FindBoardPresenting(ctx, school, id)
		if err != nil {
			return err
		}
		lb.present, lb.presentAt, lb.presentKnown = view, at, true
	}
	lb.saved = max(lb.saved, doc.Floor()) // the next snapshot is due from there
	return nil
}

// boardRights is what the user may do with the board, from the cached
// audience; a board they may not see is not found.
func (s *Module) boardRights(ctx context.Context, u *schulhof.User, id schulhof.BoardID) (leads, draws bool, err error) {
	a, err := s.audiences.Get(id, func() (*schulhof.BoardAudience, error) {
		return s.db.BoardAudience(ctx, u.SchoolID, id)
	})
	if err != nil {
		return false, false, err
	}
	sees, leads, draws := schulhof.BoardRights(u, a)
	if !sees {
		return false, false, schulhof.Errorf(schulhof.ENotFound, "board.not_found")
	}
	return leads, draws, nil
}

// submitBoardOps takes a user's operations for a board: checked, stored
// in one transaction, applied and published. It returns the seq of the
// last.
func (s *Module) submitBoardOps(ctx context.Context, u *schulhof.User, id schulhof.BoardID, ops []*board.Op) (int64, error) {
	stored, err := s.takeBoardOps(ctx, u, id, ops)
	if err != nil {
		return 0, err
	}
	return stored()
}

// takeBoardOps checks a user's operations for a board and hands them to
// the store; stored waits until they are stored and published, and
// gives the seq of the last. A socket takes its next sends meanwhile.
func (s *Module) takeBoardOps(ctx context.Context, u *schulhof.User, id schulhof.BoardID, ops []*board.Op) (stored func() (int64, error), err error) {
	leads, draws, err := s.boardRights(ctx, u, id)
	if err != nil {
		return nil, err
	}
	if !draws {
		return nil, schulhof.Errorf(schulhof.EForbidden, "board.no_draw")
	}
	if len(ops) == 0 || len(ops) > board.MaxOpsPerSubmit {
		return nil, schulhof.Errorf(schulhof.EInvalid, "board.op.count", board.MaxOpsPerSubmit)
	}
	if wait := s.limits.Take(u.ID, len(ops), s.Now()); wait > 0 {
		return nil, &schulhof.Error{Code: schulhof.ERateLimited, Key: "board.slow_down", RetryAfter: kit.Seconds(wait)}
	}
	for i, op := range ops {
		op.Seq, op.Author = 0, int64(u.ID)
		if err := board.Validate(op); err != nil {
			return nil, opError(i, err)
		}
		op.Normalize()
	}
	p, err := s.storeBoardOps(ctx, u, id, leads, ops)
	if err != nil {
		return nil, err
	}
	return func() (int64, error) {
		if err := <-p.stored; err != nil {
			return 0, err
		}
		// published once stored (what a socket has been sent, the log
		// holds): the receivers take operations in any order (Apply is
		// order-free)
		s.publishBoard(ctx, u.SchoolID, boardEvent{Board: id, Event: "ops", Ops: ops})
		return ops[len(ops)-1].Seq, nil
	}, nil
}

// storeBoardOps checks the operations against the drawing, under the
// board's lock (what is checked is what the log holds), and hands them
// to the store. The store is not waited for under the lock: while one
// transaction is under way, what the others who draw send meanwhile is
// checked and gathered, and stored together in the next (a class drawing
// at once waits for one round trip to the database, not for one each).
func (s *Module) storeBoardOps(ctx context.Context, u *schulhof.User, id schulhof.BoardID, leads bool, ops []*board.Op) (*pendingOps, error) {
	lb := s.boards.get(id, s.Now())
	lb.mu.Lock()
	if err := s.loaded(ctx, u.SchoolID, id, lb); err != nil {
		lb.mu.Unlock()
		return nil, err
	}
	// each is checked against the drawing with the ones before it
	// applied (a stroke's points after its add), under provisional
	// numbers that the store's are the same as unless another node
	// wrote meanwhile
	first := lb.doc.Seq + 1
	for i, op := range ops {
		if err := lb.doc.Check(op, leads); err != nil {
			if i > 0 {
				lb.doc = nil // holds the ones before, not stored
			}
			lb.mu.Unlock()
			return nil, opError(i, err)
		}
		op.Seq = first + int64(i)
		lb.doc.Apply(op)
	}
	p := &pendingOps{ops: ops, first: first, stored: make(chan error, 1)}
	lb.pending = append(lb.pending, p)
	leader := !lb.storing
	lb.storing = true
	lb.mu.Unlock()
	if leader {
		// for the others too: not ended by this request's end
		s.storeWG.Add(1)
		go func() {
			defer s.storeWG.Done()
			s.storePending(context.WithoutCancel(ctx), u.SchoolID, id, lb)
		}()
	}
	return p, nil
}

// pendingOps are a submit's operations, checked and waiting for the
// store.
type pendingOps struct {
	ops    []*board.Op
	first  int64 // the provisional seq of the first
	stored chan error
}

// storePending stores what is pending, one transaction at a time, until
// nothing is: the one who found no transaction under way does it for
// all.
func (s *Module) storePending(ctx context.Context, school schulhof.SchoolID, id schulhof.BoardID, lb *liveBoard) {
	for {
		lb.mu.Lock()
		batch := lb.pending
		lb.pending = nil
		if len(batch) == 0 {
			lb.storing = false
			lb.mu.Unlock()
			return
		}
		lb.mu.Unlock()
		var all []*board.Op
		for _, p := range batch {
			all = append(all, p.ops...)
		}
		err := board.AppendSent(ctx, s.db, school, id, all)
		lb.mu.Lock()
		switch {
		case err != nil:
			lb.doc = nil // holds what was not stored
		case lb.doc != nil && all[0].Seq != batch[0].first:
			// another node wrote meanwhile: these again under the
			// numbers they got (so that they win over the other's, as
			// in the log), and the other's missing (the numbers before
			// these, from what this node stored last)
			for _, op := range all {
				lb.doc.Apply(op)
			}
			lb.lacks(max(batch[0].first, lb.lastStored+1), all[0].Seq-1)
		}
		last := all[len(all)-1].Seq
		if err == nil {
			s.opsStored.Add(int64(len(all)))
			lb.lastStored = last
		}
		if err == nil && lb.doc != nil && last-lb.saved >= snapshotEvery && !lb.snapshotting {
			lb.snapshotting = true
			s.snapshotWG.Add(1)
			go func() {
				defer s.snapshotWG.Done()
				s.snapshotBoard(school, id, lb)
			}()
		}
		lb.mu.Unlock()
		for _, p := range batch {
			p.stored <- err
		}
	}
}

// snapshotBoard saves the drawing whole. It is read from the store, not
// from the cache, so that it holds exactly the log up to its seq.
func (s *Module) snapshotBoard(school schulhof.SchoolID, id schulhof.BoardID, lb *liveBoard) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var seq int64
	doc, err := board.LoadDoc(ctx, s.db, school, id)
	if err == nil {
		var b []byte
		if b, err = json.Marshal(doc); err == nil {
			seq = doc.Seq
			err = s.db.SaveBoardSnapshot(ctx, school, id, b, seq)
		}
	}
	if err != nil {
		s.Log.Warn("board snapshot", "board", id, "err", err)
	}
	lb.mu.Lock()
	lb.snapshotting = false
	lb.saved = max(lb.saved, seq)
	lb.mu.Unlock()
}

// opError names the refused operation and why, in the user's words.
func opError(i int, err error) error {
	var be *board.Error
	if errors.As(err, &be) {
		why := "board.op." + be.Reason // every reason has its sentence (TestBoardReasons)
		return &schulhof.Error{Code: schulhof.EInvalid, Key: "board.op.refused", Args: []any{i + 1},
			Fields: []schulhof.FieldError{{Field: "ops." + strconv.Itoa(i) + "." + be.Field, Key: why}}}
	}
	return err
}

func (s *Module) publishBoard(ctx context.Context, school schulhof.SchoolID, e boardEvent) {
	b, err := json.Marshal(e)
	if err != nil {
		return
	}
	subject := "board." + strconv.FormatInt(int64(school), 10) + "." + strconv.FormatInt(int64(e.Board), 10)
	if err := s.Bus.Publish(ctx, subject, b); err != nil {
		// stored already: clients catch up by seq when they reconnect
		s.Log.Warn("publish board event", "board", e.Board, "err", err)
	}
}

// receive takes what a socket sends to a topic: a board's operations,
// the laser pointer, the presenting teacher's view.
// receiveBoard takes what a client sends to "board.ID": operations,
// a laser pointer, a presenter's view.
func (s *Module) receiveBoard(ctx context.Context, u *schulhof.User, num int64, event string, data json.RawMessage) (any, error) {
	id := schulhof.BoardID(num)
	switch event {
	case "ops":
		var in struct {
			Ops []*board.Op `json:"ops"`
		}
		if err := strictJSON(data, &in); err != nil {
			return nil, err
		}
		stored, err := s.takeBoardOps(ctx, u, id, in.Ops)
		if err != nil {
			return nil, err
		}
		return kit.Later(func() (any, error) {
			seq, err := stored()
			if err != nil {
				return nil, err
			}
			return map[string]int64{"seq": seq}, nil
		}), nil
	case "laser", "present":
		leads, draws, err := s.boardRights(ctx, u, id)
		if err != nil {
			return nil, err
		}
		if event == "present" && !leads || event == "laser" && !draws {
			return nil, schulhof.Errorf(schulhof.EForbidden, "board.no_draw")
		}
		if wait := s.limits.Take(u.ID, 1, s.Now()); wait > 0 {
			return nil, &schulhof.Error{Code: schulhof.ERateLimited, Key: "board.slow_down", RetryAfter: kit.Seconds(wait)}
		}
		view, err := readView(data, event == "present")
		if err != nil {
			return nil, err
		}
		view.User = u.ID
		b, _ := json.Marshal(view)
		if view.Off {
			b = []byte(presentOff)
		}
		if event == "present" {
			s.keepPresenting(ctx, u.SchoolID, id, u.ID, b)
		}
		s.publishBoard(ctx, u.SchoolID, boardEvent{Board: id, Event: event, Data: b})
		return nil, nil
	}
	return nil, schulhof.Errorf(schulhof.EBadRequest, "board.unknown_event")
}

// presentOff is the event that ends presenting.
const presentOff = `{"off":true}`

// presentEvery is how often at most a presenter's view is stored while
// they move: a node that loads the board later has it at most this old
// (the live view travels on the bus, up to ten a second).
const presentEvery = time.Second

// presentFor is how long a presenter's view is handed to those who join
// without the presenter moving: longer than a lesson, so that a teacher
// who closed the board without ending the presenting does not leave the
// class following an old view for days.
const presentFor = 2 * time.Hour

// presentStore is what of a board's presenting a node still has to
// store: the start and the end at once, the moves in between at most
// every presentEvery, the latest of them.
type presentStore struct {
	mu      sync.Mutex
	view    []byte // the latest; presentOff: the presenting ended
	user    schulhof.UserID
	dirty   bool      // view is not stored yet
	waiting bool      // a write is due after presentEvery
	stored  time.Time // when the last write began
	// write keeps the writes in order, each with the latest view
	write sync.Mutex
}

// keepPresenting stores a presenter's view (see presentStore) before the
// class is sent it, so that what a socket saw, a node that loads the
// board later knows. A store that fails does not hold up the class: the
// view still goes out live, and only a node that loads the board later
// lacks it.
func (s *Module) keepPresenting(ctx context.Context, school schulhof.SchoolID, id schulhof.BoardID, user schulhof.UserID, view []byte) {
	ps := &s.boards.get(id, s.Now()).presenting
	ps.mu.Lock()
	ps.view, ps.user, ps.dirty = view, user, true
	if ps.waiting {
		ps.mu.Unlock()
		return // the write that is due stores this one
	}
	if wait := presentEvery - time.Since(ps.stored); wait > 0 && string(view) != presentOff {
		ps.waiting = true
		ps.mu.Unlock()
		s.presentWG.Add(1)
		time.AfterFunc(wait, func() {
			defer s.presentWG.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			s.storePresenting(ctx, school, id, ps)
		})
		return
	}
	ps.mu.Unlock()
	s.storePresenting(ctx, school, id, ps)
}

// storePresenting writes the latest view of ps, if not written yet.
func (s *Module) storePresenting(ctx context.Context, school schulhof.SchoolID, id schulhof.BoardID, ps *presentStore) {
	ps.write.Lock()
	defer ps.write.Unlock()
	ps.mu.Lock()
	if !ps.dirty {
		ps.mu.Unlock()
		return
	}
	view, user := ps.view, ps.user
	ps.dirty, ps.waiting, ps.stored = false, false, time.Now()
	ps.mu.Unlock()
	if string(view) == presentOff {
		view = nil
	}
	if err := s.db.SetBoardPresenting(ctx, school, id, user, view); err != nil {
		s.Log.Warn("store presenting", "board", id, "err", err)
	}
}

// boardView is where a pointer or a presenter's view is: the page, the
// point (laser) or the view's top left corner and zoom (presenting).
type boardView struct {
	Page string          `json:"page"`
	X    float64         `json:"x"`
	Y    float64         `json:"y"`
	Zoom float64         `json:"zoom,omitempty"`
	Off  bool            `json:"off,omitempty"`
	User schulhof.UserID `json:"user,omitempty"`
}

func readView(data json.RawMessage, presenting bool) (*boardView, error) {
	var v boardView
	if err := strictJSON(data, &v); err != nil {
		return nil, err
	}
	if v.Off && presenting {
		return &v, nil
	}
	ok := func(f float64) bool { return !math.IsNaN(f) && math.Abs(f) <= board.Reach }
	if v.Page == "" || len(v.Page) > board.MaxIDLength || !ok(v.X) || !ok(v.Y) || v.Zoom < 0 || v.Zoom > 20 || v.Off {
		return nil, schulhof.Errorf(schulhof.EInvalid, "board.bad_view")
	}
	return &v, nil
}

// strictJSON decodes data without unknown fields.
func strictJSON(data []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return schulhof.Errorf(schulhof.EBadRequest, "error.bad_json", err.Error())
	}
	return nil
}

// how many operations a user may send: 400 at once, 100 a second
const (
	opBurst = 400
	opRate  = 100 // a second
)

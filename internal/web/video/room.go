package video

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/rtc"
)

// A call on this node: who is in it, who waits in the lobby, and the
// forwarding unit's room.

type liveCall struct {
	m    *Module
	id   schulhof.CallID
	room *rtc.Room

	mu       sync.Mutex
	call     *schulhof.Call // its settings as last stored
	peers    map[string]*peer
	lobby    map[schulhof.UserID]*waiting
	admitted map[schulhof.UserID]bool // let in from the lobby: enter once
	removed  map[schulhof.UserID]bool // taken out: back only through the lobby
	breakout *breakout                // the breakout rooms while they last
	board    *callBoard               // the board shown to all, if any
	gone     bool                     // emptied and forgotten: a join makes it anew
}

// peer is one browser tab in the call.
type peer struct {
	ID        string          `json:"id"`
	User      schulhof.UserID `json:"user"`
	Name      string          `json:"name"`
	Moderator bool            `json:"moderator"`
	// what the client has on; the server forwards nothing else
	Microphone bool `json:"microphone"`
	Camera     bool `json:"camera"`
	Screen     bool `json:"screen"`
	Hand       bool `json:"hand"`
	// Away: its connection dropped; it has comeBack to return
	Away bool `json:"away"`
	// Room is the breakout room it is in; 0 the main room.
	Room      int       `json:"room"`
	HandSince time.Time `json:"-"`

	p         *rtc.Participant
	rejoining bool // its new connections are being made
}

// comeBack is how long a peer whose connection dropped keeps its place.
const comeBack = 30 * time.Second

// waiting is someone in the lobby.
type waiting struct {
	User  schulhof.UserID `json:"user"`
	Name  string          `json:"name"`
	Since time.Time       `json:"since"`
}

// live is the call's state on this node, made when first asked for:
// then this node claims the call (movedError: another hosts it).
func (m *Module) live(ctx context.Context, c *schulhof.Call) (*liveCall, error) {
	if lc := m.existing(c.ID); lc != nil {
		return lc, nil
	}
	m.claimMu.Lock()
	defer m.claimMu.Unlock()
	if lc := m.existing(c.ID); lc != nil {
		return lc, nil
	}
	if err := m.claim(ctx, c.ID); err != nil {
		return nil, err
	}
	lc := &liveCall{m: m, id: c.ID, call: c, room: m.sfu.Room(callTopic(c.ID)),
		peers: map[string]*peer{}, lobby: map[schulhof.UserID]*waiting{},
		admitted: map[schulhof.UserID]bool{}, removed: map[schulhof.UserID]bool{}}
	m.mu.Lock()
	m.calls[c.ID] = lc
	m.mu.Unlock()
	return lc, nil
}

// existing is the call's state if it has any on this node.
func (m *Module) existing(id schulhof.CallID) *liveCall {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls[id]
}

// forgetIfEmpty drops the state of a call nobody is in or waits for, and
// gives up the node's claim on it.
func (m *Module) forgetIfEmpty(lc *liveCall) {
	m.claimMu.Lock()
	defer m.claimMu.Unlock()
	m.mu.Lock()
	lc.mu.Lock()
	forget := len(lc.peers) == 0 && len(lc.lobby) == 0 && m.calls[lc.id] == lc
	if forget {
		lc.gone = true
		delete(m.calls, lc.id)
	}
	lc.mu.Unlock()
	m.mu.Unlock()
	if forget {
		if err := m.db.ReleaseCallNode(context.Background(), lc.id, m.node); err != nil {
			m.Log.Warn("video: give up a call", "call", lc.id, "err", err)
		}
	}
}

func newPeerID() string {
	b := make([]byte, 9)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// may says whether the peer may switch the source on: moderators always,
// the others as the call allows.
func (lc *liveCall) may(p *peer, source string) bool {
	if p.Moderator {
		return true
	}
	switch source {
	case rtc.Microphone:
		return lc.call.Allow.Microphone
	case rtc.Camera:
		return lc.call.Allow.Camera
	}
	return lc.call.Allow.Screen
}

// apply tells the forwarding unit what of the peer's to forward: what
// its client has on and may use.
func (lc *liveCall) apply(p *peer) {
	p.p.Block(rtc.Microphone, !(p.Microphone && lc.may(p, rtc.Microphone)))
	p.p.Block(rtc.Camera, !(p.Camera && lc.may(p, rtc.Camera)))
	p.p.Block(rtc.Screen, !(p.Screen && lc.may(p, rtc.Screen)))
}

// roster is what everyone in the call sees of it.
type roster struct {
	Peers    []*peer            `json:"peers"`
	Locked   bool               `json:"locked"`
	Allow    schulhof.CallAllow `json:"allow"`
	Breakout *breakout          `json:"breakout,omitempty"`
	Board    *callBoard         `json:"board,omitempty"`
}

// rosterLocked is the call's roster; lc.mu is held. Moderators first,
// then raised hands in the order raised, then by name.
func (lc *liveCall) rosterLocked() roster {
	r := roster{Peers: make([]*peer, 0, len(lc.peers)), Locked: lc.call.Locked, Allow: lc.call.Allow, Board: lc.board}
	if b := lc.breakout; b != nil {
		r.Breakout = &breakout{Rooms: b.Rooms, EndsAt: b.EndsAt}
	}
	for _, p := range lc.peers {
		cp := *p
		r.Peers = append(r.Peers, &cp)
	}
	sort.Slice(r.Peers, func(i, j int) bool {
		a, b := r.Peers[i], r.Peers[j]
		if a.Moderator != b.Moderator {
			return a.Moderator
		}
		if a.Hand != b.Hand {
			return a.Hand
		}
		if a.Hand && !a.HandSince.Equal(b.HandSince) {
			return a.HandSince.Before(b.HandSince)
		}
		if c := schulhof.NaturalCompare(a.Name, b.Name); c != 0 {
			return c < 0
		}
		return a.ID < b.ID
	})
	return r
}

// announce sends everyone in the call who is in it now.
func (lc *liveCall) announce() {
	lc.mu.Lock()
	r := lc.rosterLocked()
	lc.mu.Unlock()
	lc.m.publish(lc.id, callTopic(lc.id), "peers", r)
}

// announceLobby sends the call's moderators who waits in the lobby.
func (lc *liveCall) announceLobby() {
	lc.mu.Lock()
	list := make([]*waiting, 0, len(lc.lobby))
	for _, w := range lc.lobby {
		list = append(list, w)
	}
	mods := map[schulhof.UserID]bool{}
	for _, p := range lc.peers {
		if p.Moderator {
			mods[p.User] = true
		}
	}
	lc.mu.Unlock()
	sort.Slice(list, func(i, j int) bool { return list[i].Since.Before(list[j].Since) })
	for u := range mods {
		lc.m.publish(lc.id, userTopic(u), "call.lobby", map[string]any{"call": lc.id, "waiting": list})
	}
}

// tell sends one user an event of the call.
func (lc *liveCall) tell(u schulhof.UserID, event string, data map[string]any) {
	data["call"] = lc.id
	lc.m.publish(lc.id, userTopic(u), event, data)
}

// hasUser says whether the user of the school is in the call (in any
// tab).
func (lc *liveCall) hasUser(school schulhof.SchoolID, user schulhof.UserID) bool {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if lc.call.SchoolID != school {
		return false
	}
	for _, p := range lc.peers {
		if p.User == user {
			return true
		}
	}
	return false
}

// users are those in the call or in its lobby, each once.
func (lc *liveCall) users() []schulhof.UserID {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	seen := map[schulhof.UserID]bool{}
	var out []schulhof.UserID
	for _, p := range lc.peers {
		if !seen[p.User] {
			seen[p.User] = true
			out = append(out, p.User)
		}
	}
	for u := range lc.lobby {
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	return out
}

// connectionOf is the unit's participant of the user's peer (read
// under the lock: a peer that comes back gets a new one).
func (lc *liveCall) connectionOf(u schulhof.UserID, id string) (*rtc.Participant, error) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	p := lc.peers[id]
	if p == nil || p.User != u {
		return nil, schulhof.Errorf(schulhof.ENotFound, "call.not_in")
	}
	return p.p, nil
}

// peerOf is the user's peer of the id.
func (lc *liveCall) peerOf(u schulhof.UserID, id string) (*peer, error) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	p := lc.peers[id]
	if p == nil || p.User != u {
		return nil, schulhof.Errorf(schulhof.ENotFound, "call.not_in")
	}
	return p, nil
}

// leave takes the peer out of the call.
func (lc *liveCall) leave(p *peer) {
	lc.mu.Lock()
	mine := lc.peers[p.ID] == p
	if mine {
		delete(lc.peers, p.ID)
	}
	rp := p.p
	lc.mu.Unlock()
	rp.Leave()
	if mine {
		lc.announce()
		lc.m.forgetIfEmpty(lc)
	}
}

// closeAll takes everyone out (the call ended, or the node stops).
func (lc *liveCall) closeAll() {
	lc.mu.Lock()
	conns := make([]*rtc.Participant, 0, len(lc.peers))
	for _, p := range lc.peers {
		conns = append(conns, p.p)
	}
	clear(lc.peers)
	clear(lc.lobby)
	lc.breakout.stop()
	lc.breakout = nil
	lc.mu.Unlock()
	for _, rp := range conns {
		rp.Leave()
	}
	lc.m.forgetIfEmpty(lc)
}

// ---- what clients send to "call.ID" ------------------------------------

// joinIn asks to be in the call; Peer, when a client comes back after a
// drop, is the peer it was (its place, its raised hand).
type joinIn struct {
	Peer string `json:"peer"`
}

// joined answers a join: the peer, the call and who is in it, and the
// ICE servers to reach the media through; or that the user waits in the
// lobby.
type joined struct {
	Waiting    bool           `json:"waiting,omitempty"`
	Peer       string         `json:"peer,omitempty"`
	Moderator  bool           `json:"moderator"`
	Call       *schulhof.Call `json:"call"`
	Roster     *roster        `json:"roster,omitempty"`
	ICEServers []iceServer    `json:"ice_servers,omitempty"`
}

type peerIn struct {
	Peer string `json:"peer"`
}

type publishIn struct {
	Peer    string            `json:"peer"`
	SDP     string            `json:"sdp"`
	Sources map[string]string `json:"sources"`
}

type answerIn struct {
	Peer string `json:"peer"`
	SDP  string `json:"sdp"`
}

type stateIn struct {
	Peer       string `json:"peer"`
	Microphone *bool  `json:"microphone"`
	Camera     *bool  `json:"camera"`
	Screen     *bool  `json:"screen"`
	Hand       *bool  `json:"hand"`
}

// layerIn asks for a quality of a camera one receives (its track id):
// 0 low, 1 middle, 2 high; a small tile of the grid needs the low one.
type layerIn struct {
	Peer    string `json:"peer"`
	Track   string `json:"track"`
	Quality int    `json:"quality"`
}

type chatIn struct {
	Peer string `json:"peer"`
	Text string `json:"text"`
}

// chatLine is a message of the room's chat: it lives as long as the
// call, on the clients.
type chatLine struct {
	Peer string          `json:"peer"`
	Room int             `json:"room"` // the breakout room it was said in
	User schulhof.UserID `json:"user"`
	Name string          `json:"name"`
	Text string          `json:"text"`
	At   time.Time       `json:"at"`
}

// receive takes what a client sends to "call.ID": what the user may do
// in the call is checked here, and the call's host does it.
func (m *Module) receive(ctx context.Context, u *schulhof.User, id int64, event string, data json.RawMessage) (any, error) {
	cr, err := m.rightsOf(ctx, u, schulhof.CallID(id))
	if err != nil {
		return nil, err
	}
	if !clientEvents[event] {
		return nil, schulhof.Errorf(schulhof.EBadRequest, "call.unknown_event")
	}
	op, err := opOf(event, u, cr, data)
	if err != nil {
		return nil, err
	}
	out, err := m.ask(ctx, op)
	if err != nil || out == nil {
		return nil, err
	}
	if event == "join" {
		// who joined follows the call's topic next, on this node
		var j joined
		if json.Unmarshal(out, &j) == nil && j.Roster != nil {
			m.seen.saw(cr.call.ID, j.Roster)
		}
	}
	return out, nil
}

// serve does op on this node, the call's host (ask).
func (m *Module) serve(ctx context.Context, op hostOp) (any, error) {
	switch op.Kind {
	case "join":
		c := op.call
		if c == nil {
			var err error
			if c, err = m.db.FindCall(ctx, op.School, op.Call); err != nil {
				return nil, err
			}
			if c.Ended() {
				return nil, schulhof.Errorf(schulhof.EConflict, "call.ended")
			}
		}
		var in joinIn
		if err := decodeOp(op, &in); err != nil {
			return nil, err
		}
		return m.join(ctx, c, op.Actor, in.Peer)
	case "follows":
		lc := m.existing(op.Call)
		return lc != nil && lc.hasUser(op.School, op.Actor.User), nil
	case "roster":
		var o rosterOut
		if lc := m.existing(op.Call); lc != nil {
			lc.mu.Lock()
			o.Participants = len(lc.peers)
			if op.Actor.Enters || op.Actor.Moderates {
				r := lc.rosterLocked()
				o.Roster = &r
			}
			lc.mu.Unlock()
		}
		return o, nil
	case "settle":
		return nil, m.settle(ctx, op)
	}
	lc := m.existing(op.Call)
	switch {
	case clientEvents[op.Kind] && lc == nil:
		return nil, schulhof.Errorf(schulhof.ENotFound, "call.not_in")
	case clientEvents[op.Kind]:
		return lc.receive(op)
	case !op.Actor.Moderates:
		return nil, schulhof.Errorf(schulhof.EForbidden, "call.moderators_only")
	case lc == nil:
		return nil, schulhof.Errorf(schulhof.ENotFound, "call.no_peer")
	}
	return lc.moderate(op)
}

// rosterOut is how many are in a call, and who (for those who may see).
type rosterOut struct {
	Participants int     `json:"participants"`
	Roster       *roster `json:"roster,omitempty"`
}

// receive does what a client in the call sent, but joining.
func (lc *liveCall) receive(op hostOp) (any, error) {
	m, user := lc.m, op.Actor.User
	switch op.Kind {
	case "publish":
		var in publishIn
		if err := decodeOp(op, &in); err != nil {
			return nil, err
		}
		rp, err := lc.connectionOf(user, in.Peer)
		if err != nil {
			return nil, err
		}
		for _, src := range in.Sources {
			if src != rtc.Microphone && src != rtc.Camera && src != rtc.Screen {
				return nil, schulhof.Errorf(schulhof.EBadRequest, "call.bad_message")
			}
		}
		answer, err := rp.Publish(in.SDP, in.Sources)
		if err != nil {
			return nil, schulhof.Errorf(schulhof.EBadRequest, "call.bad_sdp")
		}
		return map[string]string{"sdp": answer}, nil
	case "answer":
		var in answerIn
		if err := decodeOp(op, &in); err != nil {
			return nil, err
		}
		rp, err := lc.connectionOf(user, in.Peer)
		if err != nil {
			return nil, err
		}
		if rp.Answer(in.SDP) != nil {
			return nil, schulhof.Errorf(schulhof.EBadRequest, "call.bad_sdp")
		}
		return nil, nil
	case "state":
		var in stateIn
		if err := decodeOp(op, &in); err != nil {
			return nil, err
		}
		return nil, lc.setState(user, in)
	case "chat":
		var in chatIn
		if err := decodeOp(op, &in); err != nil {
			return nil, err
		}
		p, err := lc.peerOf(user, in.Peer)
		if err != nil {
			return nil, err
		}
		text := strings.TrimSpace(in.Text)
		if text == "" || utf8.RuneCountInString(text) > 1000 {
			return nil, schulhof.Invalid("text", "call.chat_length", 1000)
		}
		if wait := m.chat.Take(user, 1, m.Now()); wait > 0 {
			return nil, schulhof.Errorf(schulhof.ERateLimited, "call.chat_slow")
		}
		lc.mu.Lock()
		room := p.Room
		lc.mu.Unlock()
		m.publish(lc.id, callTopic(lc.id), "chat", chatLine{Peer: p.ID, Room: room, User: user, Name: p.Name, Text: text, At: m.Now()})
		return nil, nil
	case "layer":
		var in layerIn
		if err := decodeOp(op, &in); err != nil {
			return nil, err
		}
		rp, err := lc.connectionOf(user, in.Peer)
		if err != nil {
			return nil, err
		}
		if in.Quality < rtc.Low || in.Quality > rtc.High {
			return nil, schulhof.Errorf(schulhof.EBadRequest, "call.bad_message")
		}
		rp.Want(in.Track, in.Quality)
		return nil, nil
	case "leave":
		var in peerIn
		if err := decodeOp(op, &in); err != nil {
			return nil, err
		}
		if in.Peer == "" {
			lc.leaveLobby(user) // one who gave up waiting
			return nil, nil
		}
		p, err := lc.peerOf(user, in.Peer)
		if err != nil {
			return nil, err
		}
		lc.leave(p)
		return nil, nil
	}
	return nil, schulhof.Errorf(schulhof.EBadRequest, "call.unknown_event")
}

// join lets the actor in, or into the lobby.
func (m *Module) join(ctx context.Context, c *schulhof.Call, a actor, old string) (*joined, error) {
	lc, err := m.live(ctx, c)
	if err != nil {
		return nil, err
	}
	lc.mu.Lock()
	if lc.gone { // it emptied and was forgotten just now: anew
		lc.mu.Unlock()
		return m.join(ctx, c, a, old)
	}
	lc.call = c
	enters := a.Moderates || (a.Enters && !lc.removed[a.User]) || lc.admitted[a.User]
	if !enters {
		if _, there := lc.lobby[a.User]; !there {
			lc.lobby[a.User] = &waiting{User: a.User, Name: a.Name, Since: m.Now()}
		}
		lc.mu.Unlock()
		lc.announceLobby()
		return &joined{Waiting: true, Call: c}, nil
	}
	delete(lc.admitted, a.User)
	delete(lc.lobby, a.User)
	pe := lc.peers[old]
	if pe == nil || pe.User != a.User {
		pe = &peer{ID: newPeerID(), User: a.User, Name: a.Name, Moderator: a.Moderates}
	}
	// a peer that comes back keeps its place: the end of its old
	// connections (replaced, or in the room it was moved from) does not
	// take it out
	pe.rejoining = true
	was, room := pe.p, lc.rtcRoom(pe.Room)
	lc.mu.Unlock()

	callID, user, peerID := lc.id, a.User, pe.ID
	p, err := room.Join(pe.ID, func(s rtc.Signal) {
		m.publish(callID, userTopic(user), "call.offer", map[string]any{"call": callID, "peer": peerID, "sdp": s.SDP})
	})
	if err != nil {
		lc.mu.Lock()
		pe.rejoining = false
		lc.mu.Unlock()
		return nil, err
	}
	if was != nil {
		was.Leave()
	}
	lc.mu.Lock()
	pe.p, pe.rejoining, pe.Away = p, false, false
	lc.peers[pe.ID] = pe
	lc.apply(pe)
	r := lc.rosterLocked()
	lc.mu.Unlock()
	go func() {
		<-p.Done()
		// its connections ended: it left (then it is out already), or
		// its client vanished or dropped. It keeps its place a while, to
		// come back as the same peer; then it is out.
		lc.mu.Lock()
		away := lc.peers[pe.ID] == pe && pe.p == p && !pe.rejoining
		pe.Away = pe.Away || away
		lc.mu.Unlock()
		if !away {
			return
		}
		lc.announce()
		time.AfterFunc(comeBack, func() {
			lc.mu.Lock()
			gone := lc.peers[pe.ID] == pe && pe.p == p
			lc.mu.Unlock()
			if gone {
				lc.leave(pe)
			}
		})
	}()
	lc.announce()
	return &joined{Peer: pe.ID, Moderator: a.Moderates, Call: c, Roster: &r, ICEServers: m.iceServers(a.User)}, nil
}

// setState takes what a client switched on or off, and its hand.
func (lc *liveCall) setState(user schulhof.UserID, in stateIn) error {
	p, err := lc.peerOf(user, in.Peer)
	if err != nil {
		return err
	}
	lc.mu.Lock()
	for _, s := range []struct {
		on     *bool
		field  *bool
		source string
	}{{in.Microphone, &p.Microphone, rtc.Microphone}, {in.Camera, &p.Camera, rtc.Camera}, {in.Screen, &p.Screen, rtc.Screen}} {
		if s.on == nil {
			continue
		}
		if *s.on && !lc.may(p, s.source) {
			lc.mu.Unlock()
			return schulhof.Errorf(schulhof.EForbidden, forbidden[s.source])
		}
		*s.field = *s.on
	}
	if in.Hand != nil && *in.Hand != p.Hand {
		p.Hand, p.HandSince = *in.Hand, lc.m.Now()
	}
	lc.apply(p)
	lc.mu.Unlock()
	lc.announce()
	return nil
}

// forbidden are the sentences of a source the call does not allow.
var forbidden = map[string]string{
	rtc.Microphone: "call.forbidden.microphone",
	rtc.Camera:     "call.forbidden.camera",
	rtc.Screen:     "call.forbidden.screen",
}

// ---- what moderators do --------------------------------------------------

// mute switches a source off for one peer, or for everyone who does not
// moderate (peer ""); their clients are told.
func (lc *liveCall) mute(peerID, source string) error {
	lc.mu.Lock()
	var hit []*peer
	for _, p := range lc.peers {
		if (peerID == "" && !p.Moderator) || p.ID == peerID {
			hit = append(hit, p)
		}
	}
	if peerID != "" && len(hit) == 0 {
		lc.mu.Unlock()
		return schulhof.Errorf(schulhof.ENotFound, "call.no_peer")
	}
	for _, p := range hit {
		switch source {
		case rtc.Microphone:
			p.Microphone = false
		case rtc.Camera:
			p.Camera = false
		default:
			p.Screen = false
		}
		lc.apply(p)
	}
	lc.mu.Unlock()
	for _, p := range hit {
		lc.tell(p.User, "call.muted", map[string]any{"peer": p.ID, "source": source})
	}
	lc.announce()
	return nil
}

// remove takes the peer out; its user comes back only through the lobby.
func (lc *liveCall) remove(peerID string) error {
	lc.mu.Lock()
	p := lc.peers[peerID]
	if p == nil {
		lc.mu.Unlock()
		return schulhof.Errorf(schulhof.ENotFound, "call.no_peer")
	}
	lc.removed[p.User] = true
	lc.mu.Unlock()
	lc.tell(p.User, "call.removed", map[string]any{"peer": p.ID})
	lc.leave(p)
	return nil
}

// leaveLobby takes a user who no longer waits out of the lobby.
func (lc *liveCall) leaveLobby(u schulhof.UserID) {
	lc.mu.Lock()
	_, there := lc.lobby[u]
	delete(lc.lobby, u)
	lc.mu.Unlock()
	if there {
		lc.announceLobby()
		lc.m.forgetIfEmpty(lc)
	}
}

// admit lets a user in from the lobby, or sends them away.
func (lc *liveCall) admit(user schulhof.UserID, yes bool) error {
	lc.mu.Lock()
	if lc.lobby[user] == nil {
		lc.mu.Unlock()
		return schulhof.Errorf(schulhof.ENotFound, "call.not_waiting")
	}
	delete(lc.lobby, user)
	if yes {
		lc.admitted[user] = true
		delete(lc.removed, user)
	}
	lc.mu.Unlock()
	if yes {
		lc.tell(user, "call.admitted", map[string]any{})
	} else {
		lc.tell(user, "call.refused", map[string]any{})
	}
	lc.announceLobby()
	lc.m.forgetIfEmpty(lc)
	return nil
}

// settle takes the call's new settings: what is no longer allowed goes
// off for those who do not moderate.
func (lc *liveCall) settle(c *schulhof.Call) {
	lc.mu.Lock()
	lc.call = c
	type off struct {
		p      *peer
		source string
	}
	var hit []off
	for _, p := range lc.peers {
		for _, s := range []struct {
			on     *bool
			source string
		}{{&p.Microphone, rtc.Microphone}, {&p.Camera, rtc.Camera}, {&p.Screen, rtc.Screen}} {
			if *s.on && !lc.may(p, s.source) {
				*s.on = false
				hit = append(hit, off{p, s.source})
			}
		}
		lc.apply(p)
	}
	lc.mu.Unlock()
	for _, h := range hit {
		lc.tell(h.p.User, "call.muted", map[string]any{"peer": h.p.ID, "source": h.source})
	}
	lc.announce()
}

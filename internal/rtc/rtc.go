// Package rtc is the selective forwarding unit (SFU) of video lessons: a
// room owns its participants; each participant has one connection that
// receives what it publishes (its camera, microphone, screen) and one
// that sends it what the others publish. Packets are forwarded as they
// come, never decoded: the server's work per packet is a copy per
// receiver.
//
// Signalling is the caller's: Publish takes the client's offer and gives
// the answer; the subscriber connection's offers (the server makes one
// whenever tracks come or go) go out through the participant's Signal
// function, and the client's answers come back through Answer. The
// descriptions carry their ICE candidates (no trickling), which keeps
// the exchange to one message each way.
//
// This is the first part of the video lessons (issue 15): rooms, join
// and leave, publishing and forwarding, picture loss requests passed to
// the publisher. Simulcast layers, bandwidth estimation per receiver,
// moderation and the web module come next.
package rtc

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
)

// Config says where the SFU listens for media.
type Config struct {
	// Loopback restricts the connections to 127.0.0.1 (tests, and a
	// server that only meets clients through a proxy on the same host).
	Loopback bool
	// Lost is how long a connection may hear nothing before it counts as
	// failed and its participant is taken out (0: pion's 25 seconds; the
	// client reconnects within that without leaving the room).
	Lost time.Duration
}

// SFU makes the rooms' connections: one media engine and one set of
// interceptors (NACK, RTCP reports, TWCC) for all of them.
type SFU struct {
	api *webrtc.API

	mu    sync.Mutex
	rooms map[string]*Room
}

// New is an SFU with pion's default codecs (Opus, VP8, VP9, H.264, AV1)
// and interceptors.
func New(cfg Config) (*SFU, error) {
	api, err := NewAPI(cfg)
	if err != nil {
		return nil, err
	}
	return &SFU{api: api, rooms: map[string]*Room{}}, nil
}

// NewAPI is the pion API the SFU makes its connections with; the tests'
// clients use the same settings.
func NewAPI(cfg Config) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		return nil, err
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		return nil, err
	}
	se := webrtc.SettingEngine{}
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	if cfg.Lost > 0 {
		se.SetICETimeouts(cfg.Lost/2, cfg.Lost, cfg.Lost/8)
	}
	if cfg.Loopback {
		se.SetIncludeLoopbackCandidate(true)
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)), nil
}

// Room is the room of the id, made when first asked for.
func (s *SFU) Room(id string) *Room {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.rooms[id]
	if !ok {
		r = &Room{id: id, sfu: s, participants: map[string]*Participant{}, tracks: map[string]*forward{}}
		s.rooms[id] = r
	}
	return r
}

// Rooms counts the rooms with participants, for the metrics.
func (s *SFU) Rooms() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.rooms)
}

// Stats are the SFU's figures at a moment, for the metrics.
type Stats struct {
	Rooms, Participants, Tracks int
	// Packets and Bytes came in on the tracks published now; Forwarded
	// are the packets sent on to receivers.
	Packets, Bytes, Forwarded int64
	// Lost are the packets of those tracks that never came.
	Lost int64
}

// Stats counts what the SFU carries now.
func (s *SFU) Stats() Stats {
	s.mu.Lock()
	rooms := make([]*Room, 0, len(s.rooms))
	for _, r := range s.rooms {
		rooms = append(rooms, r)
	}
	s.mu.Unlock()
	st := Stats{Rooms: len(rooms)}
	for _, r := range rooms {
		r.mu.Lock()
		st.Participants += len(r.participants)
		st.Tracks += len(r.tracks)
		for _, f := range r.tracks {
			st.Packets += f.packets.Load()
			st.Bytes += f.bytes.Load()
			st.Forwarded += f.forwarded.Load()
			st.Lost += f.lost.Load()
		}
		r.mu.Unlock()
	}
	return st
}

// forget drops a room that has emptied.
func (s *SFU) forget(r *Room) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rooms[r.id] == r {
		delete(s.rooms, r.id)
	}
}

// ErrGone is the error of an action on a participant that has left.
var ErrGone = errors.New("rtc: the participant has left")

// Signal is what the server sends a participant's client on its own: an
// offer of the subscriber connection, when what it receives changes.
type Signal struct {
	Type string `json:"type"` // "offer"
	SDP  string `json:"sdp"`
}

// Room owns its participants and the tracks they publish.
type Room struct {
	id  string
	sfu *SFU

	mu           sync.Mutex
	participants map[string]*Participant
	tracks       map[string]*forward // by the forwarded track's id
}

// Join adds a participant; signal sends its client what the server says
// on its own. A participant of the same id that is still there (a client
// that came back after a drop) is replaced.
func (r *Room) Join(id string, signal func(Signal)) (*Participant, error) {
	pub, err := r.sfu.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	sub, err := r.sfu.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		pub.Close()
		return nil, err
	}
	p := &Participant{ID: id, room: r, pub: pub, sub: sub, signal: signal, senders: map[string]*webrtc.RTPSender{}, done: make(chan struct{})}
	pub.OnTrack(p.published)
	watch := func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateFailed || s == webrtc.PeerConnectionStateClosed {
			p.Leave() // a client that vanished is cleaned up
		}
	}
	pub.OnConnectionStateChange(watch)
	sub.OnConnectionStateChange(watch)

	r.mu.Lock()
	old := r.participants[id]
	r.participants[id] = p
	var others []*forward
	for _, f := range r.tracks {
		if f.from != id {
			others = append(others, f)
		}
	}
	r.mu.Unlock()
	if old != nil {
		old.Leave()
	}
	for _, f := range others {
		p.receive(f)
	}
	p.renegotiate()
	return p, nil
}

// Participants counts who is in the room.
func (r *Room) Participants() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.participants)
}

// leave takes the participant and its tracks out of the room.
func (r *Room) leave(p *Participant) {
	r.mu.Lock()
	if r.participants[p.ID] == p {
		delete(r.participants, p.ID)
	}
	var gone []*forward
	for id, f := range r.tracks {
		if f.owner == p {
			gone = append(gone, f)
			delete(r.tracks, id)
		}
	}
	rest := make([]*Participant, 0, len(r.participants))
	for _, q := range r.participants {
		rest = append(rest, q)
	}
	empty := len(r.participants) == 0
	r.mu.Unlock()
	for _, q := range rest {
		changed := false
		for _, f := range gone {
			changed = q.drop(f) || changed
		}
		if changed {
			q.renegotiate()
		}
	}
	if empty {
		r.sfu.forget(r)
	}
}

// add makes a published track available to the others.
func (r *Room) add(f *forward) {
	r.mu.Lock()
	r.tracks[f.local.ID()] = f
	others := make([]*Participant, 0, len(r.participants))
	for _, q := range r.participants {
		if q != f.owner {
			others = append(others, q)
		}
	}
	r.mu.Unlock()
	for _, q := range others {
		q.receive(f)
		q.renegotiate()
	}
}

// published are the tracks of the participant's source.
func (r *Room) published(p *Participant, source string) []*forward {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*forward
	for _, f := range r.tracks {
		if f.owner == p && f.source == source {
			out = append(out, f)
		}
	}
	return out
}

// String names the room for logs.
func (r *Room) String() string { return fmt.Sprintf("room %s", r.id) }

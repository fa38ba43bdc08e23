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
// A camera sent with simulcast comes in up to three layers; every
// receiver gets the one it asks for (Want) that its bandwidth allows (a
// GCC estimate per subscriber connection), audio before video
// (forward.go).
package rtc

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/cc"
	"github.com/pion/interceptor/pkg/gcc"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/webrtc/v4"
)

// Config says where the SFU listens for media.
type Config struct {
	// Loopback restricts the connections to 127.0.0.1 (tests, and a
	// server that only meets clients through a proxy on the same host).
	Loopback bool
	// Addresses restricts the connections to these local addresses
	// (a server with several networks); empty: all but loopback.
	Addresses []net.IP
	// PublicIP is the address clients reach the server at when it sits
	// behind NAT (a router forwarding the media ports to it): its host
	// candidates carry this address instead of its own.
	PublicIP string
	// MinPort and MaxPort bound the UDP ports of the media, for the
	// firewall (0: any).
	MinPort, MaxPort uint16
	// Lost is how long a connection may hear nothing before it counts as
	// failed and its participant is taken out (0: pion's 25 seconds; the
	// client reconnects within that without leaving the room).
	Lost time.Duration
}

// SFU makes the rooms' connections: the publishers' with pion's
// interceptors (NACK, RTCP reports, simulcast headers, TWCC feedback),
// the subscribers' with NACK answered, reports, and a bandwidth estimate
// (GCC over TWCC) each, which chooses the layers their receivers get.
type SFU struct {
	api, subAPI *webrtc.API

	// the estimate of the subscriber connection made last (cc's
	// callback), taken under subMu
	subMu   sync.Mutex
	lastBWE estimator

	mu    sync.Mutex
	rooms map[string]*Room
	stop  chan struct{}
	once  sync.Once
}

// tick is how often the layers' rates are measured and every receiver's
// layers chosen anew.
const tick = 500 * time.Millisecond

// New is an SFU of Opus, VP8 and H.264, which every browser sends (and
// whose key frames it can find to switch layers at).
func New(cfg Config) (*SFU, error) {
	api, err := NewAPI(cfg)
	if err != nil {
		return nil, err
	}
	s := &SFU{api: api, rooms: map[string]*Room{}, stop: make(chan struct{})}
	m, err := mediaEngine()
	if err != nil {
		return nil, err
	}
	ir := &interceptor.Registry{}
	// a lost packet is sent again from the last 256 of its track (some
	// seconds of a camera): pion's 1,024 held a class's memory in copies
	if err := webrtc.ConfigureNackWithOptions(m, ir, nil, nack.ResponderSize(256)); err != nil {
		return nil, err
	}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, err
	}
	congestion, err := cc.NewInterceptor(func() (cc.BandwidthEstimator, error) {
		// no pacer: packets go as they come, the layers keep the rate
		return gcc.NewSendSideBWE(gcc.SendSideBWEInitialBitrate(2_500_000), gcc.SendSideBWEMinBitrate(30_000),
			gcc.SendSideBWEMaxBitrate(20_000_000), gcc.SendSideBWEPacer(gcc.NewNoOpPacer()))
	})
	if err != nil {
		return nil, err
	}
	congestion.OnNewPeerConnection(func(_ string, e cc.BandwidthEstimator) { s.lastBWE = e })
	// before the sequence numbers' interceptor, which so runs first on
	// a packet's way out: the estimate reads the number it wrote
	ir.Add(congestion)
	if err := webrtc.ConfigureTWCCHeaderExtensionSender(m, ir); err != nil {
		return nil, err
	}
	s.subAPI = webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(settings(cfg)))
	go s.loop()
	return s, nil
}

// Close stops the SFU's measuring (its rooms end with their
// participants).
func (s *SFU) Close() { s.once.Do(func() { close(s.stop) }) }

// loop measures the layers' rates and chooses every receiver's layers,
// every tick.
func (s *SFU) loop() {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		s.mu.Lock()
		rooms := make([]*Room, 0, len(s.rooms))
		for _, r := range s.rooms {
			rooms = append(rooms, r)
		}
		s.mu.Unlock()
		for _, r := range rooms {
			r.measure()
		}
	}
}

// newSubscriber makes a subscriber connection and gives its estimate.
func (s *SFU) newSubscriber() (*webrtc.PeerConnection, estimator, error) {
	s.subMu.Lock()
	defer s.subMu.Unlock()
	s.lastBWE = nil
	pc, err := s.subAPI.NewPeerConnection(webrtc.Configuration{})
	return pc, s.lastBWE, err
}

// mediaEngine takes Opus, VP8 and H.264 (RegisterCodecs).
func mediaEngine() (*webrtc.MediaEngine, error) {
	m := &webrtc.MediaEngine{}
	return m, RegisterCodecs(m)
}

// RegisterCodecs registers what the unit takes: Opus, VP8 and H.264
// (constrained baseline, as iPads send it), with pion's parameters; for
// clients that talk to it (tests, benchmarks) too.
func RegisterCodecs(m *webrtc.MediaEngine) error {
	fb := []webrtc.RTCPFeedback{{Type: "goog-remb"}, {Type: "ccm", Parameter: "fir"}, {Type: "nack"}, {Type: "nack", Parameter: "pli"}}
	codecs := []struct {
		c webrtc.RTPCodecParameters
		t webrtc.RTPCodecType
	}{
		{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"}, PayloadType: 111}, webrtc.RTPCodecTypeAudio},
		{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: fb}, PayloadType: 96}, webrtc.RTPCodecTypeVideo},
		{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeRTX, ClockRate: 90000, SDPFmtpLine: "apt=96"}, PayloadType: 97}, webrtc.RTPCodecTypeVideo},
		{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
			SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", RTCPFeedback: fb}, PayloadType: 106}, webrtc.RTPCodecTypeVideo},
		{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeRTX, ClockRate: 90000, SDPFmtpLine: "apt=106"}, PayloadType: 107}, webrtc.RTPCodecTypeVideo},
		{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
			SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f", RTCPFeedback: fb}, PayloadType: 102}, webrtc.RTPCodecTypeVideo},
		{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeRTX, ClockRate: 90000, SDPFmtpLine: "apt=102"}, PayloadType: 103}, webrtc.RTPCodecTypeVideo},
	}
	for _, c := range codecs {
		if err := m.RegisterCodec(c.c, c.t); err != nil {
			return err
		}
	}
	return nil
}

// NewAPI is the pion API of the publishers' connections (NACKs for
// what was lost, reports, the simulcast header extensions, TWCC
// feedback for the browsers' own estimate; not pion's statistics, which
// nobody reads here). Tests' clients use rtctest.API.
func NewAPI(cfg Config) (*webrtc.API, error) {
	m, err := mediaEngine()
	if err != nil {
		return nil, err
	}
	ir := &interceptor.Registry{}
	if err := webrtc.ConfigureNack(m, ir); err != nil {
		return nil, err
	}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, err
	}
	if err := webrtc.ConfigureSimulcastExtensionHeaders(m); err != nil {
		return nil, err
	}
	if err := webrtc.ConfigureTWCCSender(m, ir); err != nil {
		return nil, err
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(settings(cfg))), nil
}

// settings are the ICE settings of every connection.
func settings(cfg Config) webrtc.SettingEngine {
	se := webrtc.SettingEngine{}
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	// the server's addresses are no secret to hide behind mDNS names, and
	// each connection's mDNS socket and goroutine cost memory
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	if cfg.Lost > 0 {
		se.SetICETimeouts(cfg.Lost/2, cfg.Lost, cfg.Lost/8)
	}
	if cfg.PublicIP != "" {
		// the host candidates carry the public address instead
		se.SetICEAddressRewriteRules(webrtc.ICEAddressRewriteRule{External: []string{cfg.PublicIP}, AsCandidateType: webrtc.ICECandidateTypeHost})
	}
	if cfg.MinPort > 0 && cfg.MaxPort >= cfg.MinPort {
		se.SetEphemeralUDPPortRange(cfg.MinPort, cfg.MaxPort)
	}
	switch {
	case cfg.Loopback:
		se.SetIncludeLoopbackCandidate(true)
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	case len(cfg.Addresses) > 0:
		se.SetIncludeLoopbackCandidate(true)
		se.SetIPFilter(func(ip net.IP) bool {
			for _, a := range cfg.Addresses {
				if a.Equal(ip) {
					return true
				}
			}
			return false
		})
	}
	return se
}

// Room is the room of the id, made when first asked for.
func (s *SFU) Room(id string) *Room {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.rooms[id]
	if !ok {
		r = &Room{id: id, sfu: s, participants: map[string]*Participant{}, tracks: map[string]*publication{}}
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
		for _, pub := range r.tracks {
			for q := Low; q < layers; q++ {
				if l := pub.layer(q); l != nil {
					st.Packets += l.packets.Load()
					st.Bytes += l.bytes.Load()
					st.Forwarded += l.forwarded.Load()
					st.Lost += l.lost.Load()
				}
			}
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
	tracks       map[string]*publication // by the receivers' track id
}

// Join adds a participant; signal sends its client what the server says
// on its own. A participant of the same id that is still there (a client
// that came back after a drop) is replaced.
func (r *Room) Join(id string, signal func(Signal)) (*Participant, error) {
	pub, err := r.sfu.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	sub, bwe, err := r.sfu.newSubscriber()
	if err != nil {
		pub.Close()
		return nil, err
	}
	p := &Participant{ID: id, room: r, pub: pub, sub: sub, signal: signal, bwe: bwe, downs: map[string]*downTrack{}, done: make(chan struct{})}
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
	var others []*publication
	for _, pub := range r.tracks {
		if pub.owner.ID != id {
			others = append(others, pub)
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
	var gone []*publication
	for id, pub := range r.tracks {
		if pub.owner == p {
			gone = append(gone, pub)
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

// add makes a publication available to the others.
func (r *Room) add(pub *publication) {
	r.mu.Lock()
	r.tracks[pub.id] = pub
	others := make([]*Participant, 0, len(r.participants))
	for _, q := range r.participants {
		if q != pub.owner {
			others = append(others, q)
		}
	}
	r.mu.Unlock()
	for _, q := range others {
		q.receive(pub)
		q.renegotiate()
	}
}

// measure takes the layers' rates of the last tick and chooses every
// receiver's layers.
func (r *Room) measure() {
	r.mu.Lock()
	pubs := make([]*publication, 0, len(r.tracks))
	for _, pub := range r.tracks {
		pubs = append(pubs, pub)
	}
	ps := make([]*Participant, 0, len(r.participants))
	for _, p := range r.participants {
		ps = append(ps, p)
	}
	r.mu.Unlock()
	for _, pub := range pubs {
		for q := Low; q < layers; q++ {
			if l := pub.layer(q); l != nil {
				b := l.bytes.Load()
				l.rate.Store((b - l.lastBytes) * 8 * int64(time.Second) / int64(tick))
				l.lastBytes = b
			}
		}
	}
	for _, p := range ps {
		p.allocate()
	}
}

// published are the tracks of the participant's source.
func (r *Room) published(p *Participant, source string) []*publication {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*publication
	for _, pub := range r.tracks {
		if pub.owner == p && pub.source == source {
			out = append(out, pub)
		}
	}
	return out
}

// String names the room for logs.
func (r *Room) String() string { return fmt.Sprintf("room %s", r.id) }

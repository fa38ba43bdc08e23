package rtc

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

// Participant is one person in a room, with the connection that receives
// what they publish and the one that sends them the others'.
type Participant struct {
	ID     string
	room   *Room
	pub    *webrtc.PeerConnection
	sub    *webrtc.PeerConnection
	signal func(Signal)

	done chan struct{} // closed when it has left

	mu    sync.Mutex
	left  bool
	downs map[string]*downTrack   // what it receives, by the publication's id
	pubs  map[string]*publication // what it publishes, by the client's track id
	// wants are the layers it asked for, by the publication's id (Want)
	wants map[string]int
	// bwe estimates the bandwidth towards the client (GCC on the
	// subscriber connection); limit caps it (LimitBandwidth, 0: none)
	bwe     estimator
	limit   atomic.Int64
	sending int       // bits per second the last allocation chose
	short   int       // ticks in a row the estimate stayed below it
	cutAt   time.Time // when the estimate last cut what it gets
	// the subscriber connection's offers go one at a time: while one
	// waits for its answer, a change only marks that another is due
	offering bool
	again    bool
	pending  bool // an offer is due (renegotiate)
	offers   int  // offers sent, to know one left unanswered
	// sources names the client's tracks by its track id (Publish)
	sources map[string]string
	// blocked are the sources whose packets are not forwarded (Block)
	blocked [3]atomic.Bool
}

// The sources a participant publishes. A moderator's "mute" blocks one on
// the server, whatever the client does.
const (
	Microphone = "microphone"
	Camera     = "camera"
	Screen     = "screen"
)

func sourceIndex(source string) int {
	switch source {
	case Microphone:
		return 0
	case Camera:
		return 1
	}
	return 2
}

// Block stops (or resumes) forwarding the participant's source to the
// others.
func (p *Participant) Block(source string, blocked bool) {
	if p.blocked[sourceIndex(source)].Swap(blocked) && !blocked && source != Microphone {
		// the receivers need a picture to start from again
		for _, pub := range p.room.published(p, source) {
			for q := Low; q < layers; q++ {
				pub.requestKeyFrame(q)
			}
		}
	}
}

// Blocked says whether the source is blocked.
func (p *Participant) Blocked(source string) bool {
	return p.blocked[sourceIndex(source)].Load()
}

// Publish answers the client's offer of the publishing connection (its
// tracks to send); sources says what each of its tracks is (by the
// client's track id: Microphone, Camera or Screen; an audio track is
// always the microphone, an unnamed video track the camera).
func (p *Participant) Publish(offer string, sources map[string]string) (string, error) {
	if p.gone() {
		return "", ErrGone
	}
	p.mu.Lock()
	if p.sources == nil {
		p.sources = map[string]string{}
	}
	for id, src := range sources {
		p.sources[id] = src
	}
	p.mu.Unlock()
	if err := p.pub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return "", err
	}
	answer, err := p.pub.CreateAnswer(nil)
	if err != nil {
		return "", err
	}
	return complete(p.pub, answer)
}

// Answer takes the client's answer to the subscriber connection's offer.
func (p *Participant) Answer(answer string) error {
	if p.gone() {
		return ErrGone
	}
	if err := p.sub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		// the offer is taken back and made anew, so that a bad answer
		// does not leave the client without what it should receive
		p.sub.SetLocalDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeRollback})
		p.mu.Lock()
		p.offering, p.again = false, false
		p.mu.Unlock()
		p.renegotiate()
		return err
	}
	p.mu.Lock()
	p.offering = false
	again := p.again
	p.again = false
	p.mu.Unlock()
	if again {
		p.renegotiate()
	}
	return nil
}

// Leave takes the participant out of the room and closes its
// connections; it may be called more than once.
func (p *Participant) Leave() {
	p.mu.Lock()
	if p.left {
		p.mu.Unlock()
		return
	}
	p.left = true
	p.mu.Unlock()
	p.room.leave(p)
	p.pub.Close()
	p.sub.Close()
	close(p.done)
}

// Done is closed when the participant has left: by Leave, or because its
// client vanished (its connection failed).
func (p *Participant) Done() <-chan struct{} { return p.done }

func (p *Participant) gone() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.left
}

// complete sets the local description and waits until its candidates
// are gathered, so that it goes out whole.
func complete(pc *webrtc.PeerConnection, d webrtc.SessionDescription) (string, error) {
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(d); err != nil {
		return "", err
	}
	<-gathered
	return pc.LocalDescription().SDP, nil
}

// settle is how long a change of what a participant receives waits for
// more before the server offers it: when a class joins at 8:00, one
// offer carries many newcomers' tracks instead of one offer each.
const settle = 50 * time.Millisecond

// renegotiate offers the subscriber connection anew (its tracks changed)
// a moment later, unless an offer waits for its answer: then after that
// one.
func (p *Participant) renegotiate() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.left || p.pending {
		return
	}
	p.pending = true
	time.AfterFunc(settle, p.offer)
}

// offer makes the subscriber connection's offer and sends it.
func (p *Participant) offer() {
	p.mu.Lock()
	p.pending = false
	if p.left {
		p.mu.Unlock()
		return
	}
	if p.offering {
		p.again = true
		p.mu.Unlock()
		return
	}
	if len(p.downs) == 0 && p.sub.CurrentRemoteDescription() == nil {
		p.mu.Unlock()
		return // nothing to receive yet
	}
	p.offering = true
	p.mu.Unlock()
	offer, err := p.sub.CreateOffer(nil)
	var sdp string
	if err == nil {
		sdp, err = complete(p.sub, offer)
	}
	if err != nil {
		p.mu.Lock()
		p.offering = false
		p.mu.Unlock()
		return // the connection is closing
	}
	p.mu.Lock()
	p.offers++
	n := p.offers
	p.mu.Unlock()
	p.signal(Signal{Type: "offer", SDP: sdp})
	// a client that lost the offer (it was reconnecting) would leave the
	// participant without what it should receive: unanswered for a
	// while, the offer is taken back and made anew
	time.AfterFunc(unanswered, func() {
		p.mu.Lock()
		stale := p.offering && p.offers == n && !p.left
		if stale {
			p.offering, p.again = false, false
		}
		p.mu.Unlock()
		if stale {
			p.sub.SetLocalDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeRollback})
			p.renegotiate()
		}
	})
}

// unanswered is how long an offer waits for its answer before it is
// made anew.
const unanswered = 5 * time.Second

// receive adds a down track of the publication to what the participant
// receives.
func (p *Participant) receive(pub *publication) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.left || p.downs[pub.id] != nil {
		return
	}
	local, err := webrtc.NewTrackLocalStaticRTP(pub.codec, pub.id, pub.stream)
	if err != nil {
		return
	}
	s, err := p.sub.AddTrack(local)
	if err != nil {
		return
	}
	d := newDownTrack(pub, p, local)
	d.sender = s
	if w, ok := p.wants[pub.id]; ok {
		d.want = w
	}
	p.downs[pub.id] = d
	pub.addDown(d)
	// the receiver's reports come back here: a picture loss request goes
	// on to the publisher, for the layer the receiver gets; the rest is
	// the interceptors' (NACK answered from their buffer, TWCC to the
	// bandwidth estimate)
	go func() {
		for {
			pkts, _, err := s.ReadRTCP()
			if err != nil {
				return
			}
			for _, pkt := range pkts {
				switch pkt.(type) {
				case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
					d.mu.Lock()
					q := d.current
					d.mu.Unlock()
					if q >= 0 {
						pub.requestKeyFrame(q)
					}
				}
			}
		}
	}()
}

// drop removes the publication from what the participant receives; it
// says whether it received it.
func (p *Participant) drop(pub *publication) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := p.downs[pub.id]
	if d == nil || p.left {
		return false
	}
	delete(p.downs, pub.id)
	pub.removeDown(d)
	return p.sub.RemoveTrack(d.sender) == nil
}

// Want asks for a layer of a simulcast publication the participant
// receives (Low, Middle, High, by its track id): a small tile of the
// grid needs less than the speaker. The bandwidth may allow less.
func (p *Participant) Want(track string, q int) {
	q = max(Low, min(High, q))
	p.mu.Lock()
	if p.wants == nil {
		p.wants = map[string]int{}
	}
	p.wants[track] = q
	d := p.downs[track]
	p.mu.Unlock()
	if d != nil {
		d.mu.Lock()
		d.want = q
		allowed := d.allowed
		d.mu.Unlock()
		d.setTarget(allowed)
	}
}

// LimitBandwidth caps what the participant is sent, in bits per second
// (0: what the estimate allows): for a client on a metered line, and for
// tests.
func (p *Participant) LimitBandwidth(bps int) { p.limit.Store(int64(bps)) }

// published is called for each track (each simulcast layer) the
// participant's client sends: its publication is forwarded to everyone
// else in the room.
func (p *Participant) published(remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	p.mu.Lock()
	source := p.sources[remote.ID()]
	if remote.Kind() == webrtc.RTPCodecTypeAudio {
		source = Microphone
	} else if source != Screen {
		source = Camera
	}
	pub := p.pubs[remote.ID()]
	fresh := pub == nil
	if fresh {
		// the receivers' track ids say whose and what it is:
		// "PEER/SOURCE/ID"; a peer's microphone and camera are one
		// stream (played in sync), its screen another ("PEER/screen"),
		// as browsers keep the stream ids
		stream := p.ID
		if source == Screen {
			stream += "/" + Screen
		}
		pub = &publication{id: p.ID + "/" + source + "/" + remote.ID(), stream: stream, owner: p, source: source,
			kind: remote.Kind(), codec: remote.Codec().RTPCodecCapability}
		if p.pubs == nil {
			p.pubs = map[string]*publication{}
		}
		p.pubs[remote.ID()] = pub
	}
	p.mu.Unlock()
	l := &layer{pub: pub, q: layerOf(remote.RID()), remote: remote}
	pub.mu.Lock()
	pub.layers[l.q] = l
	pub.mu.Unlock()
	if fresh {
		p.room.add(pub)
	}
	l.run()
}

// estimator is the bandwidth estimate of a subscriber connection.
type estimator interface{ GetTargetBitrate() int }

// allocate chooses the layers the participant gets: audio first, then
// screens, then cameras, each the best its wish and the bandwidth allow;
// a video that does not fit pauses (audio goes on when the line
// collapses).
func (p *Participant) allocate() {
	p.mu.Lock()
	downs := make([]*downTrack, 0, len(p.downs))
	for _, d := range p.downs {
		downs = append(downs, d)
	}
	bwe, sending := p.bwe, p.sending
	p.mu.Unlock()
	budget := 1 << 40 // no estimate yet: everything
	if bwe != nil {
		// The estimate grows only as far as what is sent allows (GCC
		// probes no further): while it keeps up with what is sent, the
		// next step up is allowed. When it stays below what is sent (the
		// line is full: delays grow, packets are lost), it is the budget,
		// and the next step up waits a few seconds, so that the layers do
		// not swing up and down with each tick.
		est := bwe.GetTargetBitrate()
		p.mu.Lock()
		if est < sending*85/100 {
			p.short++
		} else {
			p.short = 0
		}
		if p.short >= 2 {
			p.cutAt = time.Now()
		}
		cut := time.Since(p.cutAt) < 3*time.Second
		p.mu.Unlock()
		budget = max(est, sending)*3/2 + 300_000
		if cut {
			budget = est
		}
	}
	if limit := int(p.limit.Load()); limit > 0 {
		budget = min(budget, limit)
	}
	for _, d := range downs {
		if d.pub.kind == webrtc.RTPCodecTypeAudio {
			budget -= d.pub.rate(Low)
		}
	}
	// screens first, then the cameras wanted most
	sort.Slice(downs, func(i, j int) bool {
		a, b := downs[i], downs[j]
		if (a.pub.source == Screen) != (b.pub.source == Screen) {
			return a.pub.source == Screen
		}
		return a.wanted() > b.wanted()
	})
	used := 0
	for _, d := range downs {
		if d.pub.kind == webrtc.RTPCodecTypeAudio {
			used += d.pub.rate(Low)
			continue
		}
		chosen := -1
		for q := d.wanted(); q >= Low; q-- {
			r, there := d.pub.layerRate(q)
			if !there {
				continue
			}
			if r <= budget {
				chosen = q
				budget -= r
				used += r
				break
			}
		}
		d.setTarget(chosen)
	}
	p.mu.Lock()
	p.sending = used
	p.mu.Unlock()
}

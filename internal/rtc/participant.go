package rtc

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
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

	mu      sync.Mutex
	left    bool
	senders map[string]*webrtc.RTPSender // what it receives, by the forwarded track's id
	// the subscriber connection's offers go one at a time: while one
	// waits for its answer, a change only marks that another is due
	offering bool
	again    bool
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
		for _, f := range p.room.published(p, source) {
			f.requestKeyFrame()
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

// renegotiate offers the subscriber connection anew (its tracks changed),
// unless an offer waits for its answer: then after that one.
func (p *Participant) renegotiate() {
	p.mu.Lock()
	if p.left {
		p.mu.Unlock()
		return
	}
	if p.offering {
		p.again = true
		p.mu.Unlock()
		return
	}
	if len(p.senders) == 0 && p.sub.CurrentRemoteDescription() == nil {
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
	p.signal(Signal{Type: "offer", SDP: sdp})
}

// receive adds a forwarded track to what the participant receives.
func (p *Participant) receive(f *forward) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.left || p.senders[f.local.ID()] != nil {
		return
	}
	s, err := p.sub.AddTrack(f.local)
	if err != nil {
		return
	}
	p.senders[f.local.ID()] = s
	f.receivers.Add(1)
	// the receiver's reports come back here: a picture loss request goes
	// on to the publisher, the rest is the interceptors' (NACK answered
	// from their buffer)
	go func() {
		for {
			pkts, _, err := s.ReadRTCP()
			if err != nil {
				return
			}
			for _, pkt := range pkts {
				switch pkt.(type) {
				case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
					f.requestKeyFrame()
				}
			}
		}
	}()
}

// drop removes a forwarded track from what the participant receives; it
// says whether there was one.
func (p *Participant) drop(f *forward) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.senders[f.local.ID()]
	if s == nil || p.left {
		return false
	}
	delete(p.senders, f.local.ID())
	f.receivers.Add(-1)
	return p.sub.RemoveTrack(s) == nil
}

// published is called for each track the participant's client sends:
// the track is forwarded to everyone else in the room.
func (p *Participant) published(remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	p.mu.Lock()
	source := p.sources[remote.ID()]
	p.mu.Unlock()
	if remote.Kind() == webrtc.RTPCodecTypeAudio {
		source = Microphone
	} else if source != Screen {
		source = Camera
	}
	// the receivers' track ids say whose and what it is: "PEER/SOURCE/ID";
	// a peer's microphone and camera are one stream (played in sync), its
	// screen another ("PEER/screen"), as browsers keep the stream ids
	stream := p.ID
	if source == Screen {
		stream += "/" + Screen
	}
	local, err := webrtc.NewTrackLocalStaticRTP(remote.Codec().RTPCodecCapability, p.ID+"/"+source+"/"+remote.ID(), stream)
	if err != nil {
		return
	}
	f := &forward{from: p.ID, owner: p, source: source, remote: remote, local: local}
	p.room.add(f)
	f.run()
}

// forward copies one published track's packets to its receivers.
type forward struct {
	from   string
	owner  *Participant
	source string
	remote *webrtc.TrackRemote
	local  *webrtc.TrackLocalStaticRTP
	// what came in, and the copies that went out, for the metrics
	packets, bytes, forwarded atomic.Int64
	// lost counts the packets that never came: gaps in the sequence
	// numbers, less those that came late (or again, after a NACK)
	lost      atomic.Int64
	receivers atomic.Int64 // how many receive it now
}

func (f *forward) run() {
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	var last uint16
	for first := true; ; first = false {
		n, _, err := f.remote.Read(buf)
		if err != nil {
			return
		}
		if pkt.Unmarshal(buf[:n]) != nil {
			continue
		}
		switch gap := int16(pkt.SequenceNumber - last); {
		case first:
			last = pkt.SequenceNumber
		case gap > 0:
			f.lost.Add(int64(gap) - 1)
			last = pkt.SequenceNumber
		case f.lost.Load() > 0:
			f.lost.Add(-1) // a late one
		}
		f.packets.Add(1)
		f.bytes.Add(int64(n))
		if f.owner.Blocked(f.source) {
			continue
		}
		// The publisher's header extensions mean nothing on the
		// receivers' connections, whose ids for them differ: a browser
		// that took the publisher's MID for its own would put the packet
		// on another track, or drop it. The receivers' interceptors add
		// what their connection uses (transport-wide sequence numbers).
		pkt.Header.Extension, pkt.Header.Extensions, pkt.Header.ExtensionProfile = false, pkt.Header.Extensions[:0], 0
		f.forwarded.Add(f.receivers.Load())
		if err := f.local.WriteRTP(&pkt); err != nil && !errors.Is(err, io.ErrClosedPipe) {
			return
		}
	}
}

// requestKeyFrame asks the publisher for a picture a new receiver can
// start from.
func (f *forward) requestKeyFrame() {
	f.owner.pub.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(f.remote.SSRC())}})
}

package rtc_test

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/schulhof/schulhof/internal/rtc"
	"github.com/schulhof/schulhof/internal/rtc/rtctest"
)

// client is a participant's browser, played by pion over loopback: it
// publishes a camera and a microphone and counts the packets it receives
// from each other participant.
type client struct {
	t    *testing.T
	id   string
	p    *rtc.Participant
	pub  *webrtc.PeerConnection
	sub  *webrtc.PeerConnection
	outs []*webrtc.TrackLocalStaticSample

	mu  sync.Mutex
	got map[string]int // packets by the forwarded track's id ("anna/camera/video")
	// seqs are the sequence numbers and marks the third payload bytes
	// received, by track (the simulcast publisher writes its layer there)
	seqs  map[string][]uint16
	marks map[string][]byte
	more  chan struct{}
	stop  chan struct{}
}

func join(t *testing.T, api *webrtc.API, room *rtc.Room, id string) *client {
	t.Helper()
	c := &client{t: t, id: id, got: map[string]int{}, seqs: map[string][]uint16{}, marks: map[string][]byte{}, more: make(chan struct{}, 1), stop: make(chan struct{})}
	var err error
	if c.sub, err = api.NewPeerConnection(webrtc.Configuration{}); err != nil {
		t.Fatal(err)
	}
	c.sub.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			c.mu.Lock()
			c.got[tr.ID()]++
			c.seqs[tr.ID()] = append(c.seqs[tr.ID()], pkt.SequenceNumber)
			if len(pkt.Payload) > 2 {
				c.marks[tr.ID()] = append(c.marks[tr.ID()], pkt.Payload[2])
			}
			c.mu.Unlock()
			select {
			case c.more <- struct{}{}:
			default:
			}
		}
	})
	offers := make(chan rtc.Signal, 8)
	if c.p, err = room.Join(id, func(s rtc.Signal) { offers <- s }); err != nil {
		t.Fatal(err)
	}
	// the subscriber connection's offers are answered as they come
	go func() {
		for s := range offers {
			answer, err := rtc.AnswerOffer(c.sub, s.SDP)
			if err != nil {
				return
			}
			c.p.Answer(answer)
		}
	}()
	// camera and microphone
	if c.pub, err = api.NewPeerConnection(webrtc.Configuration{}); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []struct{ id, mime string }{{"video", webrtc.MimeTypeVP8}, {"audio", webrtc.MimeTypeOpus}} {
		tr, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: kind.mime, ClockRate: map[string]uint32{"video": 90000, "audio": 48000}[kind.id],
			Channels: map[string]uint16{"audio": 2}[kind.id]}, kind.id, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.pub.AddTrack(tr); err != nil {
			t.Fatal(err)
		}
		c.outs = append(c.outs, tr)
	}
	offer, err := rtc.Offer(c.pub)
	if err != nil {
		t.Fatal(err)
	}
	answer, err := c.p.Publish(offer, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := rtc.Accept(c.pub, answer); err != nil {
		t.Fatal(err)
	}
	// ten samples a second on each track: enough to see them arrive,
	// light enough for ten clients beside the rest of the test suite
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		frame := make([]byte, 600)
		for {
			select {
			case <-c.stop:
				return
			case <-tick.C:
				for _, tr := range c.outs {
					tr.WriteSample(media.Sample{Data: frame, Duration: 100 * time.Millisecond})
				}
			}
		}
	}()
	t.Cleanup(c.close)
	return c
}

func (c *client) close() {
	select {
	case <-c.stop:
	default:
		close(c.stop)
	}
	c.pub.Close()
	c.sub.Close()
}

// waitFor waits until the client has received at least n packets of each
// of the tracks, or fails after a while.
func (c *client) waitFor(n int, tracks ...string) {
	c.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		c.mu.Lock()
		ok := true
		for _, tr := range tracks {
			ok = ok && c.got[tr] >= n
		}
		got := map[string]int{}
		for k, v := range c.got {
			got[k] = v
		}
		c.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-c.more:
		case <-deadline:
			c.t.Fatalf("%s received %v, want %d of each of %v", c.id, got, n, tracks)
		}
	}
}

// count is how many packets of the track the client has received.
func (c *client) count(track string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.got[track]
}

// newRoom is an SFU of the config with a room, and the pion API for the
// clients (on loopback).
func newRoom(t *testing.T, cfg rtc.Config, id string) (*rtc.SFU, *webrtc.API, *rtc.Room) {
	t.Helper()
	sfu, err := rtc.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sfu.Close)
	return sfu, rtctest.API(t), sfu.Room(id)
}

// TestForwarding: participants join a room over loopback and publish
// audio and video; every one receives every other one's packets, and
// none its own; one who leaves is taken out, and the room goes when the
// last one leaves.
func TestForwarding(t *testing.T) {
	sfu, api, room := newRoom(t, rtc.Config{Loopback: true}, "7b")
	anna := join(t, api, room, "anna")
	ben := join(t, api, room, "ben")
	anna.waitFor(10, "ben/camera/video", "ben/microphone/audio")
	ben.waitFor(10, "anna/camera/video", "anna/microphone/audio")
	// a third comes later and gets the two who were there
	carl := join(t, api, room, "carl")
	carl.waitFor(10, "anna/camera/video", "anna/microphone/audio", "ben/camera/video", "ben/microphone/audio")
	anna.waitFor(10, "carl/camera/video", "carl/microphone/audio")
	for _, c := range []*client{anna, ben, carl} {
		c.mu.Lock()
		own := c.got[c.id+"/camera/video"] + c.got[c.id+"/microphone/audio"]
		c.mu.Unlock()
		if own != 0 {
			t.Errorf("%s received %d of its own packets", c.id, own)
		}
	}
	if n := room.Participants(); n != 3 {
		t.Fatalf("%d participants", n)
	}
	if st := sfu.Stats(); st.Rooms != 1 || st.Participants != 3 || st.Tracks != 6 || st.Packets == 0 || st.Bytes == 0 || st.Forwarded == 0 {
		t.Errorf("stats with three in the room: %+v", st)
	}
	ben.p.Leave()
	if n := room.Participants(); n != 2 {
		t.Fatalf("after Ben left: %d participants", n)
	}
	anna.p.Leave()
	carl.p.Leave()
	if n := sfu.Rooms(); n != 0 {
		t.Fatalf("%d rooms after everyone left", n)
	}
}

// TestVanished: a participant whose client goes away without a word (the
// iPad's lid shut) is taken out of the room, and the others stop
// receiving its tracks.
func TestVanished(t *testing.T) {
	_, api, room := newRoom(t, rtc.Config{Loopback: true, Lost: 2 * time.Second}, "5a")
	anna := join(t, api, room, "anna")
	ben := join(t, api, room, "ben")
	ben.waitFor(5, "anna/camera/video")
	anna.close() // no Leave: the connections just end
	select {
	case <-anna.p.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("the vanished participant is still in the room")
	}
	if n := room.Participants(); n != 1 {
		t.Fatalf("%d participants after Anna vanished", n)
	}
}

// TestClassOfTen: ten participants, each publishing a camera and a
// microphone; every one receives every other one's tracks.
func TestClassOfTen(t *testing.T) {
	_, api, room := newRoom(t, rtc.Config{Loopback: true}, "q1")
	var cs []*client
	for i := range 10 {
		cs = append(cs, join(t, api, room, fmt.Sprintf("p%d", i)))
	}
	for _, c := range cs {
		var want []string
		for _, o := range cs {
			if o != c {
				want = append(want, o.id+"/camera/video", o.id+"/microphone/audio")
			}
		}
		c.waitFor(3, want...)
	}
	if n := room.Participants(); n != 10 {
		t.Fatalf("%d participants", n)
	}
}

// TestBlock: a participant whose microphone a moderator blocked is not
// heard, whatever its client sends, and is heard again once unblocked;
// its camera goes on meanwhile.
func TestBlock(t *testing.T) {
	_, api, room := newRoom(t, rtc.Config{Loopback: true}, "8c")
	anna := join(t, api, room, "anna")
	ben := join(t, api, room, "ben")
	ben.waitFor(3, "anna/camera/video", "anna/microphone/audio")
	anna.p.Block(rtc.Microphone, true)
	if !anna.p.Blocked(rtc.Microphone) || anna.p.Blocked(rtc.Camera) {
		t.Fatal("Blocked does not say what was blocked")
	}
	// what was on its way when blocked may still come: count from a
	// moment later, while the camera goes on for ten more packets
	ben.waitFor(ben.count("anna/camera/video")+3, "anna/camera/video")
	heard := ben.count("anna/microphone/audio")
	ben.waitFor(ben.count("anna/camera/video")+10, "anna/camera/video")
	if n := ben.count("anna/microphone/audio"); n != heard {
		t.Fatalf("Ben heard %d packets of Anna's blocked microphone", n-heard)
	}
	anna.p.Block(rtc.Microphone, false)
	ben.waitFor(heard+5, "anna/microphone/audio")
}

// publishSimulcast makes a participant that sends a camera in three
// layers, as a browser with simulcast does: each layer twenty packets a
// second, each packet's payload a VP8 descriptor, then whether it starts
// a key frame (every tenth does), then its layer (0, 1, 2).
func publishSimulcast(t *testing.T, api *webrtc.API, room *rtc.Room, id string) *rtc.Participant {
	t.Helper()
	p, err := room.Join(id, func(rtc.Signal) {})
	if err != nil {
		t.Fatal(err)
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	var tracks []*webrtc.TrackLocalStaticRTP
	var sender *webrtc.RTPSender
	for _, rid := range []string{"q", "h", "f"} {
		tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", id, webrtc.WithRTPStreamID(rid))
		if err != nil {
			t.Fatal(err)
		}
		if sender == nil {
			sender, err = pc.AddTrack(tr)
		} else {
			err = sender.AddEncoding(tr)
		}
		if err != nil {
			t.Fatal(err)
		}
		tracks = append(tracks, tr)
	}
	offer, err := rtc.Offer(pc)
	if err != nil {
		t.Fatal(err)
	}
	answer, err := p.Publish(offer, map[string]string{"video": rtc.Camera})
	if err != nil {
		t.Fatal(err)
	}
	if err := rtc.Accept(pc, answer); err != nil {
		t.Fatal(err)
	}
	// the layers are told apart by the RID in a header extension, which
	// the sender writes itself, with the MID
	var midID, ridID uint8
	for _, e := range sender.GetParameters().HeaderExtensions {
		switch e.URI {
		case sdp.SDESMidURI:
			midID = uint8(e.ID)
		case sdp.SDESRTPStreamIDURI:
			ridID = uint8(e.ID)
		}
	}
	mid := pc.GetTransceivers()[0].Mid()
	stop := make(chan struct{})
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		seq := [3]uint16{100, 20000, 40000} // each layer numbers its packets on its own
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			for q, tr := range tracks {
				vp8 := byte(1) // a delta frame
				if n%10 == 0 {
					vp8 = 0 // a key frame
				}
				seq[q]++
				pkt := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq[q], Timestamp: uint32(n) * 4500 * uint32(q+1), Marker: true},
					Payload: append([]byte{0x10, vp8, byte(q)}, make([]byte, []int{100, 400, 1000}[q])...)}
				pkt.Header.SetExtension(midID, []byte(mid))
				pkt.Header.SetExtension(ridID, []byte([]string{"q", "h", "f"}[q]))
				tr.WriteRTP(pkt)
			}
		}
	}()
	t.Cleanup(func() { close(stop); pc.Close() })
	return p
}

// lastMarks are the marks of the last n packets of the track.
func (c *client) lastMarks(track string, n int) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.marks[track]
	return append([]byte(nil), m[max(0, len(m)-n):]...)
}

// waitLayer waits until the last ten packets of the track are all of
// layer q.
func (c *client) waitLayer(track string, q byte) {
	c.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		m := c.lastMarks(track, 10)
		ok := len(m) == 10
		for _, x := range m {
			ok = ok && x == q
		}
		if ok {
			return
		}
		select {
		case <-c.more:
		case <-deadline:
			c.t.Fatalf("%s: the last packets of %s are of layers %v, want all %d", c.id, track, m, q)
		}
	}
}

// TestSimulcast: a camera comes in three layers; a receiver gets the one
// it asks for, switches at the next key frame when it asks for another,
// and sees one unbroken stream of sequence numbers across the switches;
// whom the bandwidth does not allow the high layer gets a lower one.
func TestSimulcast(t *testing.T) {
	_, api, room := newRoom(t, rtc.Config{Loopback: true}, "sim")
	publishSimulcast(t, api, room, "anna")
	ben := join(t, api, room, "ben")
	carl := join(t, api, room, "carl")
	const track = "anna/camera/video"
	ben.waitLayer(track, 2) // the best, by default
	ben.p.Want(track, rtc.Low)
	ben.waitLayer(track, 0)
	ben.p.Want(track, rtc.Middle)
	ben.waitLayer(track, 1)
	ben.mu.Lock()
	seqs := append([]uint16(nil), ben.seqs[track]...)
	ben.mu.Unlock()
	for i := 1; i < len(seqs); i++ {
		if d := seqs[i] - seqs[i-1]; d != 1 {
			t.Fatalf("sequence numbers jump by %d at packet %d of %d: %v", d, i, len(seqs), seqs[max(0, i-3):min(len(seqs), i+3)])
		}
	}
	// Carl's line carries the low layer, not the middle one (Ben's
	// microphone and camera, blocked, take nothing of it): he gets the
	// low one, Ben still the middle
	ben.p.Block(rtc.Microphone, true)
	ben.p.Block(rtc.Camera, true)
	carl.waitLayer(track, 2)
	carl.p.LimitBandwidth(60_000)
	carl.waitLayer(track, 0)
	carl.p.LimitBandwidth(0)
	carl.waitLayer(track, 2)
	ben.waitLayer(track, 1)
}

// TestAudioFirst: when a receiver's line collapses, the cameras it gets
// pause and the microphones go on; when the line recovers, the pictures
// come back.
func TestAudioFirst(t *testing.T) {
	_, api, room := newRoom(t, rtc.Config{Loopback: true}, "af")
	anna := join(t, api, room, "anna")
	ben := join(t, api, room, "ben")
	ben.waitFor(5, "anna/camera/video", "anna/microphone/audio")
	_ = anna
	// anna's microphone and camera each send some 50 kbit/s here: room
	// for the one, not for both
	ben.p.LimitBandwidth(70_000)
	// once paused (within a tick or two), the camera sends nothing more
	// while the microphone goes on
	ben.waitFor(ben.count("anna/microphone/audio")+10, "anna/microphone/audio")
	seen := ben.count("anna/camera/video")
	ben.waitFor(ben.count("anna/microphone/audio")+10, "anna/microphone/audio")
	if n := ben.count("anna/camera/video"); n != seen {
		t.Fatalf("the camera went on with %d packets on a line only wide enough for the microphone", n-seen)
	}
	ben.p.LimitBandwidth(0)
	ben.waitFor(seen+5, "anna/camera/video")
}

// TestBehindNAT: a server behind NAT names its public address in its
// candidates, on ports of the range the firewall lets through.
func TestBehindNAT(t *testing.T) {
	_, api, room := newRoom(t, rtc.Config{Loopback: true, PublicIP: "203.0.113.9", MinPort: 41000, MaxPort: 41009}, "nat")
	p, err := room.Join("anna", func(rtc.Signal) {})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Leave()
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio); err != nil {
		t.Fatal(err)
	}
	offer, err := rtc.Offer(pc)
	if err != nil {
		t.Fatal(err)
	}
	answer, err := p.Publish(offer, nil)
	if err != nil {
		t.Fatal(err)
	}
	var candidates []string
	for _, line := range strings.Split(answer, "\r\n") {
		if strings.HasPrefix(line, "a=candidate:") {
			candidates = append(candidates, line)
			f := strings.Fields(line)
			port, _ := strconv.Atoi(f[5])
			if f[4] != "203.0.113.9" || port < 41000 || port > 41009 {
				t.Errorf("candidate %q: want 203.0.113.9 on a port of 41000-41009", line)
			}
		}
	}
	if len(candidates) == 0 {
		t.Fatalf("no candidates in the answer:\n%s", answer)
	}
}

package rtc_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/schulhof/schulhof/internal/rtc"
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

	mu   sync.Mutex
	got  map[string]int // packets by the forwarded track's id ("anna/camera/video")
	more chan struct{}
	stop chan struct{}
}

func join(t *testing.T, api *webrtc.API, room *rtc.Room, id string) *client {
	t.Helper()
	c := &client{t: t, id: id, got: map[string]int{}, more: make(chan struct{}, 1), stop: make(chan struct{})}
	var err error
	if c.sub, err = api.NewPeerConnection(webrtc.Configuration{}); err != nil {
		t.Fatal(err)
	}
	c.sub.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			if _, _, err := tr.ReadRTP(); err != nil {
				return
			}
			c.mu.Lock()
			c.got[tr.ID()]++
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
			if err := c.sub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: s.SDP}); err != nil {
				return
			}
			answer, err := c.sub.CreateAnswer(nil)
			if err != nil {
				return
			}
			gathered := webrtc.GatheringCompletePromise(c.sub)
			if err := c.sub.SetLocalDescription(answer); err != nil {
				return
			}
			<-gathered
			c.p.Answer(c.sub.LocalDescription().SDP)
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
	offer, err := c.pub.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(c.pub)
	if err := c.pub.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	answer, err := c.p.Publish(c.pub.LocalDescription().SDP, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.pub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
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
	api, err := rtc.NewAPI(rtc.Config{Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	return sfu, api, sfu.Room(id)
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
